"""``merge`` and ``scd2`` on the Spark engine (shared session from tests/fixtures/spark.py):
a Spark frame merged through the same deltalake MERGE as pandas, a file-source stream merged
micro-batch by micro-batch through ``foreachBatch``, and SCD2 computed in Spark SQL.
"""

from __future__ import annotations

import datetime as dt
import json
import os

import pyarrow as pa
import pytest
from deltalake import DeltaTable

from odibi_core.formats.delta_merge import MergeOptions
from odibi_core.transformers.context import TransformContext
from odibi_core.transformers.patterns.merge import StreamMergeError, merge_stream
from odibi_core.transformers.patterns.target import resolve_target
from odibi_core.transformers.registry import get_transformer
from tests.patterns.support import AUDIT, rows, spark_skip_reason

pytestmark = pytest.mark.skipif(spark_skip_reason() is not None, reason=spark_skip_reason() or "")

MENU = pa.table({"item": ["burger", "fries"], "price": [9.5, 3.0]})


def run(engine, name, df, params):
    ctx = TransformContext(engine, df, {}, node="n", pipeline="p")
    spec = get_transformer(name)
    return spec.call(ctx, spec.validate_params(params)), ctx.metrics


def delta(lake, rel):
    return DeltaTable(str(lake.root / "lake" / rel)).to_pyarrow_table()


def test_merge_a_spark_frame(lake):
    assert lake.spark.delta_mode == "deltalake-arrow"  # no Delta jars here: the Arrow path is the one tested
    params = {"target": {"connection": "lake", "path": "menu"}, "keys": ["item"]}
    out, metrics = run(lake.spark, "merge", lake.spark.from_arrow(MENU), params)
    assert metrics["merge"]["created"] and out.columns == ["item", "price"]
    change = lake.spark.sql("SELECT 'burger' AS item, 11.0 AS price UNION ALL SELECT 'cola', 2.0", {})
    _, metrics = run(lake.spark, "merge", change, params)
    assert (metrics["merge"]["inserted"], metrics["merge"]["updated"]) == (1, 1)
    got = {r["item"]: r["price"] for r in delta(lake, "menu").to_pylist()}
    assert got == {"burger": 11.0, "fries": 3.0, "cola": 2.0}
    # the pandas engine merges into the same table the same way
    fries = lake.pandas.from_arrow(MENU.slice(1))
    _, metrics = run(lake.pandas, "merge", fries, {**params, "strategy": "delete_match"})
    assert metrics["merge"]["deleted"] == 1 and delta(lake, "menu").num_rows == 2


def rec(item, price, seq):
    return {"item": item, "price": price, "seq": seq}


def write_batch(folder, name, records):
    """One JSON Lines file; its mtime follows its name, since the file source reads oldest first."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    stamp = 1_700_000_000 + int(name.split(".")[0]) * 60
    os.utime(path, (stamp, stamp))


SCHEMA = "item STRING, price DOUBLE, seq INT"


def test_a_file_stream_merges_each_micro_batch_through_foreach_batch(lake, spark):
    inbox = lake.root / "src" / "inbox"
    write_batch(inbox, "001.json", [rec("burger", 9.5, 1), rec("fries", 3.0, 1)])
    write_batch(inbox, "002.json", [rec("burger", 10.0, 2), rec("cola", 2.0, 2)])
    target = resolve_target(lake.spark, "lake", "menu", what="test")
    opts = MergeOptions(keys=("item",), update_condition="s.seq > t.seq")
    checkpoint = str(lake.root / "lake" / "_checkpoints" / "menu")

    def stream():
        return spark.readStream.schema(SCHEMA).option("maxFilesPerTrigger", 1).json(str(inbox))

    outcomes = merge_stream(stream(), target, opts, checkpoint)
    assert [(o.inserted, o.updated) for o in outcomes] == [(2, 0), (1, 1)]  # one file per micro-batch
    assert DeltaTable(target.uri).version() == 1  # one commit per micro-batch
    got = {r["item"]: (r["price"], r["seq"]) for r in delta(lake, "menu").to_pylist()}
    assert got == {"burger": (10.0, 2), "fries": (3.0, 1), "cola": (2.0, 2)}

    # later files: the checkpoint remembers what was merged, only the new file is read
    write_batch(inbox, "003.json", [rec("fries", 3.5, 3), rec("burger", 1.0, 1)])
    outcomes = merge_stream(stream(), target, opts, checkpoint)
    assert [(o.inserted, o.updated) for o in outcomes] == [(0, 1)]  # the stale burger (seq 1) is not applied
    got = {r["item"]: r["price"] for r in delta(lake, "menu").to_pylist()}
    assert got == {"burger": 10.0, "fries": 3.5, "cola": 2.0}
    assert all(r["created_at"] <= r["updated_at"] for r in delta(lake, "menu").to_pylist())


def test_a_failing_micro_batch_commits_nothing_and_stops_the_stream(lake, spark):
    inbox = lake.root / "src" / "inbox"
    write_batch(inbox, "001.json", [{"item": "burger", "price": 9.5, "seq": 1}])
    write_batch(inbox, "002.json", [rec("fries", 3.0, 1), rec("fries", 4.0, 2)])
    target = resolve_target(lake.spark, "lake", "menu", what="test")
    stream = spark.readStream.schema(SCHEMA).option("maxFilesPerTrigger", 1).json(str(inbox))
    with pytest.raises(StreamMergeError, match="more than once.*committed nothing"):
        merge_stream(stream, target, MergeOptions(keys=("item",)), str(lake.root / "lake" / "_cp"))
    assert DeltaTable(target.uri).version() == 0  # the first micro-batch's commit, nothing after it
    assert rows(delta(lake, "menu"), "item", drop=AUDIT) == [{"item": "burger", "price": 9.5, "seq": 1}]


def test_the_merge_transformer_with_a_streaming_frame(lake, spark):
    inbox = lake.root / "src" / "inbox"
    write_batch(inbox, "001.json", [{"item": "burger", "price": 9.5, "seq": 1}])
    stream = spark.readStream.schema(SCHEMA).json(str(inbox))
    out, metrics = run(lake.spark, "merge", stream, {"target": {"connection": "lake", "path": "menu"},
                                                     "keys": ["item"], "audit_columns": False})
    assert metrics["merge"] == {"micro_batches": 1, "inserted": 1, "updated": 0, "deleted": 0}
    assert not out.isStreaming and lake.spark.to_arrow(out).to_pylist() == [{"item": "burger", "price": 9.5, "seq": 1}]
    assert (lake.root / "lake" / "_checkpoints" / "menu").is_dir()


def test_scd2_on_spark_matches_pandas(lake):
    d = dt.datetime
    snaps = [pa.table({"item": ["burger", "fries"], "price": [9.5, 3.0], "ts": [d(2024, 10, 1)] * 2}),
             pa.table({"item": ["burger", "burger", "cola"], "price": [10.0, 11.0, 2.0],
                       "ts": [d(2024, 11, 1), d(2024, 11, 15), d(2024, 11, 1)]})]
    for engine, path in ((lake.spark, "spark_h"), (lake.pandas, "pandas_h")):
        params = {"target": {"connection": "lake", "path": path}, "keys": ["item"], "effective_time": "ts",
                  "close_out_missing": True}
        for snap in snaps + snaps[-1:]:
            _, metrics = run(engine, "scd2", engine.from_arrow(snap), params)
        assert metrics["scd2"]["committed"] is False  # the re-run
    spark_rows, pandas_rows = delta(lake, "spark_h"), delta(lake, "pandas_h")
    assert spark_rows.schema.equals(pandas_rows.schema)
    assert rows(spark_rows, "item", "valid_from") == rows(pandas_rows, "item", "valid_from")
    assert [(r["item"], r["price"], r["is_current"]) for r in rows(spark_rows, "item", "valid_from")] == [
        ("burger", 9.5, False), ("burger", 10.0, False), ("burger", 11.0, True), ("cola", 2.0, True),
        ("fries", 3.0, False)]
