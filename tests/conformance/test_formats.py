"""Every format as a source and as a target, on every engine.

Sources: the same orders table as csv, parquet, json (array), jsonl, delta (two versions, for
time travel) and a SQLite table (read as a table and through a query). Each is read and
written to a single parquet file, the most faithful target, so a difference points at the
reader. Targets: one typed frame written as csv (file and folder), parquet (folder,
partitioned folder), json (array), jsonl, delta and a SQLite table, so a difference points at
the writer.
"""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest

from tests.conformance.harness import Conformance, Project, conform
from tests.conformance.known_issues import known_issue
from tests.conformance.normalize import logical_schema
from tests.conformance.reader import (
    ORDERS_TYPES,
    Delta,
    Output,
    SqlTable,
    data_text,
    typed,
)

ORDERS = typed("orders.csv", ORDERS_TYPES)
EXTRA = ORDERS.slice(0, 2).set_column(0, "order_id", pa.array([101, 102], "int64"))


def _src(fmt: str, path: str, **extra) -> dict:
    return {"connection": "src", "format": fmt, "path": path, **extra}


SOURCES = {
    "from_csv": _src("csv", "orders.csv"),
    "from_parquet": _src("parquet", "orders.parquet"),
    "from_json": _src("json", "orders.json"),
    "from_jsonl": _src("jsonl", "orders.jsonl"),
    "from_delta": _src("delta", "orders_delta"),
    "from_delta_v0": _src("delta", "orders_delta", time_travel={"as_of_version": 0}),
    "from_sql": {"connection": "db", "table": "orders"},
    "from_sql_query": {"connection": "db", "query": "SELECT order_id, status, amount FROM orders WHERE qty >= 3"},
    "from_csv_filtered": _src("csv", "orders.csv", filter="status = 'shipped' AND amount > 10"),
    "from_csv_glob": _src("csv", "parts/*.csv"),
}
TARGETS = {
    "to_csv_file": {"format": "csv", "path": "out/orders.csv"},
    "to_csv_dir": {"format": "csv", "path": "out/orders_csv"},
    "to_parquet_dir": {"format": "parquet", "path": "out/orders_parquet"},
    "to_parquet_partitioned": {"format": "parquet", "path": "out/orders_by_day", "partition_by": ["order_date"]},
    "to_json_array": {"format": "json", "path": "out/orders.json", "options": {"lines": False}},
    "to_jsonl": {"format": "jsonl", "path": "out/orders.jsonl"},
    "to_delta": {"format": "delta", "path": "out/orders_delta"},
    "to_sql": {"format": "sql", "table": "orders_out"},
}
_KIND = {"csv": "csv", "parquet": "parquet", "json": "json", "jsonl": "json", "delta": "delta", "sql": "sql"}

CUSTOMERS_CSV = data_text("customers.csv")
_CSV_LINES = data_text("orders.csv").splitlines()


def _nodes() -> list[dict]:
    nodes = []
    for name, read in SOURCES.items():
        nodes.append({"name": name, "read": read,
                      "write": {"connection": "lake", "format": "parquet", "path": f"out/{name}.parquet"}})
    nodes.append({"name": "typed", "read": SOURCES["from_parquet"]})
    nodes.append({"name": "customers_csv", "read": _src("csv", "customers.csv"),
                  "write": {"connection": "lake", "format": "csv", "path": "out/customers.csv"}})
    for name, target in TARGETS.items():
        conn = "db" if target["format"] == "sql" else "lake"
        nodes.append({"name": name, "depends_on": ["typed"], "write": {"connection": conn, **target}})
    return nodes


def _outputs() -> dict[str, Output]:
    outs = {name: Output("parquet", f"lake/out/{name}.parquet") for name in SOURCES}
    outs["customers_csv"] = Output("csv", "lake/out/customers.csv")
    for name, target in TARGETS.items():
        kind = _KIND[target["format"]]
        outs[name] = Output(kind, target["table"]) if kind == "sql" else Output(kind, f"lake/{target['path']}")
    return outs


PROJECT = Project(
    name="formats",
    pipelines=[{"pipeline": "formats", "nodes": _nodes()}],
    outputs=_outputs(),
    setup={
        "src/orders.csv": data_text("orders.csv"),
        "src/orders.parquet": ORDERS,
        "src/orders.json": ORDERS,
        "src/orders.jsonl": ORDERS,
        "src/orders_delta": Delta([ORDERS, EXTRA]),
        "db": SqlTable("orders", ORDERS),
        "src/customers.csv": CUSTOMERS_CSV,
        "src/parts/a.csv": "\n".join(_CSV_LINES[:8]) + "\n",
        "src/parts/b.csv": "\n".join(_CSV_LINES[:1] + _CSV_LINES[8:]) + "\n",
    },
)


@pytest.fixture(scope="module")
def formats(tmp_path_factory):
    return Conformance(PROJECT, tmp_path_factory.mktemp("formats"))


ORDER_IDS = sorted(ORDERS.column("order_id").to_pylist())


@pytest.mark.parametrize("source", ["from_csv", "from_parquet", "from_json", "from_jsonl", "from_delta_v0",
                                    "from_sql", "from_csv_glob"])
def test_every_source_reads_all_rows(formats, engine_name, source):
    run = conform(formats, engine_name, source)
    assert run.node(source).status == "success", run.node(source).error
    assert run.node(source).rows_out == ORDERS.num_rows
    assert sorted(run.column(source, "order_id")) == ORDER_IDS
    assert run.output(source).column_names == ORDERS.column_names


def test_typed_sources_keep_their_types(formats, engine_name):
    run = conform(formats, engine_name, "from_parquet", "from_delta", "from_sql")
    first = next(r for r in run.rows("from_sql") if r["order_id"] == 1)
    assert first["ordered_at"] == dt.datetime(2024, 1, 5, 10, 30) and first["order_date"] == dt.date(2024, 1, 5)
    for name in ("from_parquet", "from_delta"):
        types = {c["name"]: c["type"] for c in run.node(name).schema_out}
        assert types == {"order_id": "int64", "customer_id": "int64", "status": "string", "amount": "float64",
                         "qty": "int64", "ordered_at": "timestamp", "order_date": "date", "is_gift": "bool",
                         "code": "string", "updated_at": "timestamp"}, name


def test_csv_source_infers_types(formats, engine_name):
    run = conform(formats, engine_name, "from_csv", "customers_csv")
    types = {c["name"]: c["type"] for c in run.node("from_csv").schema_out}
    assert types["order_id"] == "int64" and types["amount"] == "float64" and types["status"] == "string"
    names = set(run.column("customers_csv", "name"))
    assert {"Zoë, Ltd", 'Eve "E" Smith'} <= names


def test_delta_time_travel(formats, engine_name):
    run = conform(formats, engine_name, "from_delta", "from_delta_v0")
    # version 1 appended two rows with new ids; the latest version has them, version 0 does not
    assert run.node("from_delta").rows_out == ORDERS.num_rows + 2
    assert sorted(run.column("from_delta", "order_id")) == sorted(ORDER_IDS + [101, 102])
    assert sorted(run.column("from_delta_v0", "order_id")) == ORDER_IDS


def test_sql_query_and_read_filter(formats, engine_name):
    run = conform(formats, engine_name, "from_sql_query", "from_csv_filtered")
    assert run.output("from_sql_query").column_names == ["order_id", "status", "amount"]
    assert sorted(run.column("from_sql_query", "order_id")) == [3, 3, 3, 6, 9, 12, 13, 14, 16]
    assert sorted(run.column("from_csv_filtered", "order_id")) == [1, 3, 8]


@pytest.mark.parametrize("target", list(TARGETS))
def test_every_target_writes_all_rows(formats, engine_name, target):
    run = conform(formats, engine_name, target)
    node = run.node(target)
    assert node.status == "success", node.error
    assert node.rows_written == ORDERS.num_rows
    assert sorted(run.column(target, "order_id")) == ORDER_IDS
    assert set(run.output(target).column_names) == set(ORDERS.column_names)


def test_single_file_targets_are_files(formats, engine_name):
    run = conform(formats, engine_name, "to_csv_file", "to_json_array", "to_jsonl")
    for name in ("to_csv_file", "to_json_array", "to_jsonl"):
        assert run.phases[-1].outputs[name].shape == "file", name
    assert (run.root / "lake/out/orders.json").read_text().lstrip().startswith("[")


def test_typed_targets_keep_types(formats, engine_name):
    run = conform(formats, engine_name, "to_parquet_dir", "to_delta", "to_sql")
    row = next(r for r in run.rows("to_sql") if r["order_id"] == 10)
    assert row["amount"] == 1234.5678 and row["is_gift"] is False
    for name in ("to_parquet_dir", "to_delta"):
        types = dict(logical_schema(run.output(name)))
        assert types["order_date"] == "date" and types["ordered_at"] == "timestamp", name
        assert types["qty"] == "int64", name


def test_partitioned_target_has_one_folder_per_value(formats, engine_name):
    run = conform(formats, engine_name, "to_parquet_partitioned")
    folders = {f.split("/")[0] for f in run.phases[-1].outputs["to_parquet_partitioned"].files}
    assert folders == {f"order_date={d}" for d in sorted({str(v) for v in ORDERS.column("order_date").to_pylist()})}
