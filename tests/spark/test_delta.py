"""Delta on the Spark engine. Delta's Spark jars come from Maven, which this machine cannot
reach, so these tests run the ``deltalake-arrow`` path (delta-rs for the log and the writes,
Spark reading exactly the files of the wanted version) against tables the pandas engine
writes and reads, in both directions."""

from __future__ import annotations

import datetime as dt
import logging

import pyarrow as pa
import pyarrow.dataset as pads
import pytest
from deltalake import DeltaTable

from odibi_core.engines.spark import delta as spark_delta
from odibi_core.errors import OdibiError


def frame(engine, **columns):
    return engine.from_arrow(pa.table(columns))


def tt(**kw):
    return {"time_travel": kw}


def test_the_mode_here_is_deltalake_arrow_and_is_logged_once(lake, monkeypatch, caplog):
    monkeypatch.setattr(spark_delta, "_announced", set())
    with caplog.at_level(logging.INFO, logger="odibi.spark"):
        assert spark_delta.detect_mode(lake.spark.spark) == "deltalake-arrow"
        assert spark_delta.detect_mode(lake.spark.spark) == "deltalake-arrow"
    assert [r.getMessage() for r in caplog.records if "Delta tables use" in r.getMessage()] == [
        "Delta tables use delta-rs through Arrow: Delta's Spark jars are not on the classpath"]
    assert lake.spark.delta_mode == "deltalake-arrow"


def test_pandas_written_partitioned_table_reads_the_same_in_spark(lake):
    table = pa.table({"id": [1, 2, 3], "day": pa.array([dt.date(2024, 1, 1), dt.date(2024, 1, 2), None]),
                      "n": pa.array([1, 2, 3], pa.int32()), "name": ["a", "b", "c"]})
    lake.write(lake.pandas, lake.pandas.from_arrow(table), format="delta", path="t", partition_by=["day", "n"])
    sdf = lake.read(lake.spark, format="delta", path="t")
    pdf = lake.read(lake.pandas, format="delta", path="t")
    assert sdf.columns == ["id", "day", "n", "name"]
    assert [c.type for c in lake.spark.schema(sdf)] == ["int64", "date", "int32", "string"]
    assert lake.rows(lake.spark, sdf, "id") == lake.rows(lake.pandas, pdf, "id")
    assert lake.rows(lake.spark, sdf, "id")[2] == {"id": 3, "day": None, "n": 3, "name": "c"}
    assert lake.rows(lake.spark, lake.read(lake.spark, format="delta", path="t", options={"columns": ["name"]}),
                     "name") == [{"name": "a"}, {"name": "b"}, {"name": "c"}]


def test_spark_written_partitioned_table_reads_the_same_in_pandas(lake):
    sdf = lake.spark.sql("SELECT id, IF(id % 2 = 0, 'even', 'odd') AS kind, TIMESTAMP'2024-01-01 10:00:00' AS at "
                         "FROM RANGE(5)", {})
    result = lake.write(lake.spark, sdf, format="delta", path="t", partition_by=["kind"])
    assert result.rows_written == 5 and result.version == 0 and result.details == {"created": True}
    pdf = lake.read(lake.pandas, format="delta", path="t")
    assert lake.rows(lake.pandas, pdf, "id") == lake.rows(lake.spark, sdf, "id")
    assert DeltaTable(str(lake.root / "lake" / "t")).metadata().partition_columns == ["kind"]
    again = lake.write(lake.spark, sdf, format="delta", path="t", mode="append")
    assert again.rows_written == 5 and again.version == 1
    assert lake.pandas.count(lake.read(lake.pandas, format="delta", path="t")) == 10


@pytest.mark.parametrize("writer", ["pandas", "spark"])
def test_after_a_merge_rows_are_not_counted_twice(lake, writer):
    engine = getattr(lake, writer)
    base = frame(engine, id=list(range(1, 101)), part=["a", "b"] * 50, v=[0] * 100)
    lake.write(engine, base, format="delta", path="t", partition_by=["part"])
    change = frame(engine, id=[1, 2, 101], part=["a", "b", "a"], v=[9, 9, 9])
    lake.write(engine, change, format="delta", path="t", mode="upsert", options={"keys": ["id"]})
    folder = lake.root / "lake" / "t"
    on_disk = pads.dataset(str(folder), format="parquet", partitioning="hive",
                           exclude_invalid_files=True).count_rows()
    assert on_disk > 101  # replaced files are still in the folder
    for reader in (lake.spark, lake.pandas):
        df = lake.read(reader, format="delta", path="t")
        assert reader.count(df) == 101
        rows = {r["id"]: r["v"] for r in lake.rows(reader, df)}
        assert rows[1] == rows[2] == rows[101] == 9 and rows[3] == 0


def test_time_travel_by_version_and_timestamp_matches_pandas(lake):
    lake.write(lake.spark, frame(lake.spark, id=[1]), format="delta", path="t")
    lake.write(lake.spark, frame(lake.spark, id=[2]), format="delta", path="t", mode="append")
    lake.write(lake.spark, frame(lake.spark, id=[3]), format="delta", path="t", mode="overwrite")
    def ids(engine, **kw):
        return sorted(r["id"] for r in lake.rows(engine, lake.read(engine, format="delta", path="t", **kw)))

    assert ids(lake.spark, **tt(as_of_version=0)) == [1]
    assert ids(lake.spark, **tt(as_of_version=1)) == [1, 2]
    assert ids(lake.spark) == [3]
    history = {h["version"]: h["timestamp"] for h in DeltaTable(str(lake.root / "lake" / "t")).history()}
    for millis in history.values():
        stamp = dt.datetime.fromtimestamp(millis / 1000, tz=dt.timezone.utc).isoformat()
        assert ids(lake.spark, **tt(as_of_timestamp=stamp)) == ids(lake.pandas, **tt(as_of_timestamp=stamp))
    last = dt.datetime.fromtimestamp(history[2] / 1000, tz=dt.timezone.utc).isoformat()
    assert ids(lake.spark, **tt(as_of_timestamp=last)) == [3]
    with pytest.raises(OdibiError, match="has no version 7; versions available: 0 to 2"):
        lake.read(lake.spark, format="delta", path="t", **tt(as_of_version=7))
    with pytest.raises(OdibiError, match="did not exist yet at 2000-01-01"):
        lake.read(lake.spark, format="delta", path="t", **tt(as_of_timestamp="2000-01-01"))


def test_upsert_and_append_once_with_composite_keys(lake):
    s = lake.spark
    lake.write(s, frame(s, region=["eu", "eu", "us"], id=[1, 2, 1], v=["a", "b", "c"]), format="delta", path="t")
    change = frame(s, region=["eu", "us", "us"], id=[2, 1, 2], v=["B", "C", "D"])
    up = lake.write(s, change, format="delta", path="t", mode="upsert", options={"keys": ["region", "id"]})
    assert up.details == {"inserted": 1, "updated": 2} and up.rows_written == 3
    got = lake.rows(lake.pandas, lake.read(lake.pandas, format="delta", path="t"), "region", "id")
    assert [(r["region"], r["id"], r["v"]) for r in got] == [
        ("eu", 1, "a"), ("eu", 2, "B"), ("us", 1, "C"), ("us", 2, "D")]
    once = frame(s, region=["eu", "ap"], id=[1, 1], v=["x", "new"])
    res = lake.write(s, once, format="delta", path="t", mode="append_once", options={"keys": ["region", "id"]})
    assert res.rows_written == 1 and res.details["skipped_existing"] == 1
    assert s.count(lake.read(s, format="delta", path="t")) == 5
    dup = frame(s, region=["eu", "eu"], id=[1, 1], v=["p", "q"])
    with pytest.raises(OdibiError, match="occur more than once"):
        lake.write(s, dup, format="delta", path="t", mode="upsert", options={"keys": ["region", "id"]})
    with pytest.raises(OdibiError, match=r"key column\(s\) \['nope'\] not found"):
        lake.write(s, dup, format="delta", path="t", mode="upsert", options={"keys": ["nope"]})


def test_schema_evolution_reads_old_files_with_nulls(lake):
    s = lake.spark
    lake.write(s, frame(s, id=[1]), format="delta", path="t")
    wider = frame(s, id=[2], extra=["x"])
    with pytest.raises(OdibiError, match=r"new columns \['extra'\].*merge_schema: true"):
        lake.write(s, wider, format="delta", path="t", mode="append")
    lake.write(s, wider, format="delta", path="t", mode="append", merge_schema=True)
    assert lake.rows(s, lake.read(s, format="delta", path="t"), "id") == [
        {"id": 1, "extra": None}, {"id": 2, "extra": "x"}]


def test_empty_and_missing_tables(lake):
    s = lake.spark
    empty = s.sql("SELECT CAST(1 AS BIGINT) AS id, 'x' AS name WHERE FALSE", {})
    assert lake.write(s, empty, format="delta", path="e").rows_written == 0
    df = lake.read(s, format="delta", path="e")
    assert s.count(df) == 0 and [(c.name, c.type) for c in s.schema(df)] == [("id", "int64"), ("name", "string")]
    with pytest.raises(OdibiError, match="no Delta table at 'absent' on connection 'lake'"):
        lake.read(s, format="delta", path="absent")
    lake.write(s, frame(s, id=[1]), format="delta", path="e2")
    with pytest.raises(OdibiError, match="the table exists already and mode is 'error'"):
        lake.write(s, frame(s, id=[1]), format="delta", path="e2", mode="error")
