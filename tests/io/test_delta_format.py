"""Delta tables through delta-rs: modes, MERGE upserts, schema evolution, time travel.

Real Delta tables under tmp_path, through the real LocalConnection; no mocks.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pyarrow as pa
import pytest
from deltalake import DeltaTable

from odibi_core.config.models import LocalConnectionConfig, ReadConfig, WriteConfig
from odibi_core.connections.local import LocalConnection
from odibi_core.errors import OdibiError
from odibi_core.formats.delta import DeltaFormat, merge_predicate
from odibi_core.formats.parquet import ParquetFormat
from odibi_core.formats.registry import FORMATS

DELTA = DeltaFormat()
PEOPLE = pa.table({"id": [1, 2, 3], "name": ["ann", "bob", "cid"]})


@pytest.fixture
def conn(tmp_path: Path) -> LocalConnection:
    return LocalConnection("lake", LocalConnectionConfig(type="local", base_path=str(tmp_path)), tmp_path)


def read(conn, path="t", **kw) -> pa.Table:
    return DELTA.read(conn, ReadConfig(connection="lake", format="delta", path=path, **kw))


def write(conn, table, path="t", mode="overwrite", keys=None, **kw):
    options = {"keys": keys} if keys else {}
    return DELTA.write(table, conn, WriteConfig(connection="lake", path=path, mode=mode, options=options, **kw))


def rows(table: pa.Table, *order) -> list[dict]:
    key = order or tuple(table.column_names)
    return sorted(table.to_pylist(), key=lambda r: tuple((r[k] is None, r[k]) for k in key))


def test_registered():
    assert isinstance(FORMATS["delta"], DeltaFormat)


def test_overwrite_and_append_report_versions(conn, tmp_path):
    cfg = WriteConfig(connection="lake", path="t")
    assert not DELTA.exists(conn, cfg)
    first = write(conn, PEOPLE)
    assert (first.version, first.rows_written, first.details.get("created")) == (0, 3, True)
    assert DELTA.exists(conn, cfg)
    assert (tmp_path / "t" / "_delta_log").is_dir()
    second = write(conn, pa.table({"id": [4], "name": ["dee"]}), mode="append")
    assert (second.version, second.rows_written) == (1, 1)
    assert read(conn).num_rows == 4
    third = write(conn, PEOPLE.slice(0, 2))
    assert third.version == 2
    assert rows(read(conn), "id") == rows(PEOPLE.slice(0, 2), "id")
    assert third.target == str(tmp_path / "t")


def test_plain_parquet_read_of_a_delta_folder_is_refused(conn):
    write(conn, PEOPLE)
    write(conn, PEOPLE)  # the folder now holds two generations of files
    assert read(conn).num_rows == 3
    with pytest.raises(OdibiError, match="is a Delta table; read it with format: delta"):
        ParquetFormat().read(conn, ReadConfig(connection="lake", path="t"))


def test_upsert_with_composite_keys_and_awkward_names(conn):
    base = pa.table({"Region": ["eu", "eu", "us"], "order id": [1, 2, 1], "amount": [10, 20, 30]})
    write(conn, base)
    change = pa.table({"Region": ["eu", "us", "us"], "order id": [2, 1, 2], "amount": [25, 35, 40]})
    res = write(conn, change, mode="upsert", keys=["Region", "order id"])
    assert res.details == {"inserted": 1, "updated": 2} and res.rows_written == 3 and res.version == 1
    assert rows(read(conn), "Region", "order id") == [
        {"Region": "eu", "order id": 1, "amount": 10},
        {"Region": "eu", "order id": 2, "amount": 25},
        {"Region": "us", "order id": 1, "amount": 35},
        {"Region": "us", "order id": 2, "amount": 40},
    ]


def test_merge_mode_is_an_upsert(conn):
    write(conn, PEOPLE)
    write(conn, pa.table({"id": [2, 9], "name": ["BOB", "ida"]}), mode="merge", keys=["id"])
    assert {r["id"]: r["name"] for r in read(conn).to_pylist()} == {1: "ann", 2: "BOB", 3: "cid", 9: "ida"}


def test_merge_predicate_quotes_names():
    assert merge_predicate(["a", 'we"ird']) == 't."a" = s."a" AND t."we""ird" = s."we""ird"'


def test_append_once_is_idempotent(conn):
    write(conn, PEOPLE, mode="append_once", keys=["id"])  # creates the table
    again = write(conn, PEOPLE, mode="append_once", keys=["id"])
    assert again.rows_written == 0 and again.version == 0  # nothing committed
    res = write(conn, pa.table({"id": [3, 4], "name": ["CHANGED", "dee"]}), mode="append_once", keys=["id"])
    assert res.rows_written == 1 and res.details["skipped_existing"] == 1
    assert {r["id"]: r["name"] for r in read(conn).to_pylist()} == {1: "ann", 2: "bob", 3: "cid", 4: "dee"}


@pytest.mark.parametrize("mode", ["upsert", "append", "error", "ignore", "overwrite"])
def test_first_write_creates_the_table_whatever_the_mode(mode, conn):
    res = write(conn, PEOPLE, mode=mode, keys=["id"] if mode == "upsert" else None)
    assert res.version == 0 and read(conn).num_rows == 3


def test_error_and_ignore_modes(conn):
    write(conn, PEOPLE)
    with pytest.raises(OdibiError, match="exists already and mode is 'error'"):
        write(conn, PEOPLE, mode="error")
    res = write(conn, PEOPLE.slice(0, 1), mode="ignore")
    assert (res.rows_written, res.version, res.details) == (0, 0, {"skipped": True})
    assert read(conn).num_rows == 3


def test_upsert_key_problems_are_clear(conn):
    write(conn, PEOPLE)
    with pytest.raises(OdibiError, match="more than once"):
        write(conn, pa.table({"id": [1, 1], "name": ["a", "b"]}), mode="upsert", keys=["id"])
    with pytest.raises(OdibiError, match=r"key column\(s\) \['nope'\] not found"):
        write(conn, PEOPLE, mode="upsert", keys=["nope"])
    assert DeltaTable(str(conn.resolve("t"))).version() == 0


# --- schema ----------------------------------------------------------------------------------
def test_schema_change_needs_merge_schema(conn):
    write(conn, PEOPLE)
    wider = pa.table({"id": [4], "name": ["dee"], "city": ["oslo"]})
    with pytest.raises(OdibiError, match=r"new columns \['city'\].*merge_schema: true"):
        write(conn, wider, mode="append")
    res = write(conn, wider, mode="append", merge_schema=True)
    assert res.version == 1
    assert {r["id"]: r["city"] for r in read(conn).to_pylist()} == {1: None, 2: None, 3: None, 4: "oslo"}


def test_upsert_with_merge_schema_adds_columns(conn):
    write(conn, PEOPLE)
    src = pa.table({"id": [1, 5], "name": ["ANN", "eve"], "vip": [True, False]})
    with pytest.raises(OdibiError, match="merge_schema: true"):
        write(conn, src, mode="upsert", keys=["id"])
    write(conn, src, mode="upsert", keys=["id"], merge_schema=True)
    got = {r["id"]: (r["name"], r["vip"]) for r in read(conn).to_pylist()}
    assert got == {1: ("ANN", True), 2: ("bob", None), 3: ("cid", None), 5: ("eve", False)}


def test_failed_write_commits_nothing(conn):
    write(conn, PEOPLE)
    with pytest.raises(OdibiError, match="delta write to 't' on connection 'lake' failed"):
        write(conn, pa.table({"id": ["not a number"], "name": ["x"]}), mode="append")
    assert DeltaTable(str(conn.resolve("t"))).version() == 0
    assert rows(read(conn), "id") == rows(PEOPLE, "id")


# --- partitions ------------------------------------------------------------------------------
def test_partition_by(conn, tmp_path):
    t = pa.table({"id": [1, 2, 3], "region": ["eu", "us", "eu"]})
    write(conn, t, partition_by=["region"])
    assert (tmp_path / "t" / "region=eu").is_dir() and (tmp_path / "t" / "region=us").is_dir()
    assert DeltaTable(str(tmp_path / "t")).metadata().partition_columns == ["region"]
    write(conn, pa.table({"id": [4], "region": ["us"]}), mode="append")  # keeps the layout
    assert rows(read(conn), "id")[-1] == {"id": 4, "region": "us"}
    with pytest.raises(OdibiError, match=r"partitioned by \['region'\] but this write asks for \['id'\]"):
        write(conn, t, mode="append", partition_by=["id"])


# --- reads -----------------------------------------------------------------------------------
def test_missing_table_is_a_clear_error(conn):
    with pytest.raises(OdibiError, match="no Delta table at 'missing' on connection 'lake'"):
        read(conn, "missing")


def test_write_into_a_folder_that_is_not_delta_is_refused(conn, tmp_path):
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "notes.txt").write_text("keep me")
    with pytest.raises(OdibiError, match="holds other files but is not a Delta table"):
        write(conn, PEOPLE)
    assert (tmp_path / "t" / "notes.txt").read_text() == "keep me"


def test_read_columns_option(conn):
    write(conn, PEOPLE)
    assert read(conn, options={"columns": ["name"]}).column_names == ["name"]
    with pytest.raises(OdibiError, match=r"\['nope'\] not in the table"):
        read(conn, options={"columns": ["nope"]})
    with pytest.raises(OdibiError, match="unknown option 'colums'"):
        read(conn, options={"colums": ["name"]})


def test_time_travel_by_version(conn):
    write(conn, PEOPLE)  # v0
    write(conn, pa.table({"id": [4], "name": ["dee"]}), mode="append")  # v1
    write(conn, pa.table({"id": [1], "name": ["ANN"]}), mode="upsert", keys=["id"])  # v2
    assert read(conn, time_travel={"as_of_version": 0}).num_rows == 3
    assert read(conn, time_travel={"as_of_version": 1}).num_rows == 4
    v1 = {r["id"]: r["name"] for r in read(conn, time_travel={"as_of_version": 1}).to_pylist()}
    assert v1[1] == "ann"
    assert {r["id"]: r["name"] for r in read(conn).to_pylist()}[1] == "ANN"
    with pytest.raises(OdibiError, match="has no version 7; versions available: 0 to 2"):
        read(conn, time_travel={"as_of_version": 7})


def _commit_times(path: str) -> dict[int, dt.datetime]:
    return {
        h["version"]: dt.datetime.fromtimestamp(h["timestamp"] / 1000, tz=dt.timezone.utc)
        for h in DeltaTable(path).history()
    }


def test_time_travel_by_timestamp(conn):
    write(conn, PEOPLE)
    time.sleep(0.05)  # distinct commit timestamps (ms resolution); not a timing assertion
    write(conn, pa.table({"id": [4], "name": ["dee"]}), mode="append")
    commits = _commit_times(conn.resolve("t"))
    at_v0 = commits[0].isoformat()
    assert read(conn, time_travel={"as_of_timestamp": at_v0}).num_rows == 3
    naive_v1 = commits[1].replace(tzinfo=None).isoformat()  # no offset: taken as UTC
    assert read(conn, time_travel={"as_of_timestamp": naive_v1}).num_rows == 4
    zulu_later = (commits[1] + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert read(conn, time_travel={"as_of_timestamp": zulu_later}).num_rows == 4
    with pytest.raises(OdibiError, match="did not exist yet at 2001-01-01"):
        read(conn, time_travel={"as_of_timestamp": "2001-01-01"})
    with pytest.raises(OdibiError, match="not an ISO-8601 timestamp: 'yesterday'"):
        read(conn, time_travel={"as_of_timestamp": "yesterday"})


def test_timestamps_round_trip(conn):
    t = pa.table({
        "id": [1],
        "at": pa.array([dt.datetime(2024, 5, 1, 12, 30)], pa.timestamp("ns")),
        "utc": pa.array([dt.datetime(2024, 5, 1, 12, 30, tzinfo=dt.timezone.utc)], pa.timestamp("us", "UTC")),
    })
    write(conn, t)
    got = read(conn).to_pylist()[0]
    assert got["at"] == dt.datetime(2024, 5, 1, 12, 30)
    assert got["utc"] == dt.datetime(2024, 5, 1, 12, 30, tzinfo=dt.timezone.utc)
