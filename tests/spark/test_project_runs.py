"""Whole projects on the Spark engine through ``odibi_core.session.Session``: every built-in
transformer once, a SQL step over dependency tables, validation and a Delta upsert. The same
YAML runs on the pandas engine and, through an environment overlay, on Spark; both runs must
give the same rows, which is the point of ``engine: spark`` needing no other change."""

from __future__ import annotations

import json

import pytest
from deltalake import DeltaTable

from odibi_core.runner.runner import RunOptions
from odibi_core.session import Session
from tests.helpers import write_project

ORDERS = """
id,customer_id,amount,status,updated
1,10,5.0,new,2024-01-01 09:00:00
1,10,6.0,paid,2024-01-02 09:00:00
2,20,-1.0,,2024-01-01 09:00:00
3,30,7.5,new,2024-01-03 09:00:00
4,10,,paid,2024-01-04 09:00:00
"""
CUSTOMERS = """
id,name
10,Ann
20,Bob
"""


def node(name, deps=None, **kw):
    return {"name": name, **({"depends_on": deps} if deps else {}), **kw}


def t(name, deps, transformer, **params):
    return node(name, deps, transformer=transformer, params=params)


def op(name, **params):
    return {"operation": name, "params": params}


NODES = [
    node("orders", read={"connection": "src", "format": "csv", "path": "orders.csv"}),
    node("customers", read={"connection": "src", "format": "csv", "path": "customers.csv"}),
    node("clean", ["orders"], transformer="deduplicate", params={"keys": ["id"], "order_by": "updated DESC"},
         transform={"steps": [
             op("filter_rows", condition="amount > 0 OR amount IS NULL"),
             op("fill_nulls", values={"status": "unknown", "amount": 0}),
             op("derive_columns", columns={"double": "amount * 2", "label": "CONCAT(status, '!')"}),
             op("rename_columns", mapping={"amount": "total"}),
             op("select_columns", columns=["id", "customer_id", "total", "status", "double", "label"]),
             op("drop_columns", columns=["label"])]}),
    node("joined", ["clean", "customers"], transformer="join",
         params={"right": "customers", "on": {"customer_id": "id"}, "how": "left", "select": ["name"]},
         transform={"steps": [op("cast_columns", columns={"id": "string", "customer_id": "int"})]}),
    t("unioned", ["clean", "customers"], "union", tables=["customers"]),
    node("agg", ["clean", "customers"], transformer="join", params={"right": "customers", "on": {"customer_id": "id"}},
         transform={"steps": [op("aggregate", group_by=["name"], aggregations={
             "n": {"fn": "count"}, "total": {"fn": "sum", "column": "total"},
             "last_id": {"fn": "last", "column": "id", "order_by": "total"}})]}),
    node("enriched", ["clean", "customers"], transform={"steps": [
        {"sql": "SELECT d.id, d.total, c.name FROM df AS d LEFT JOIN customers AS c ON d.customer_id = c.id"},
        {"sql": "SELECT *, total * 10 AS big FROM df WHERE id <> 3"}]},
         validation={"tests": [{"type": "not_null", "columns": ["id"]}, {"type": "unique", "columns": ["id"]}]},
         write={"connection": "lake", "format": "delta", "path": "silver/enriched", "mode": "upsert",
                "options": {"keys": ["id"]}}),
]


@pytest.fixture
def project(tmp_path, spark):
    return write_project(tmp_path, [{"pipeline": "silver", "nodes": NODES}],
                         files={"src/orders.csv": ORDERS, "src/customers.csv": CUSTOMERS},
                         environments={"spark": {"engine": "spark", "performance": {"master": "local[1]"}}})


def run(path, env=None):
    session = Session(path, env=env)
    try:
        assert session.engine.name == ("spark" if env else "pandas")
        (result,) = session.run(RunOptions(workers=4, sleep=lambda s: None))
        return result
    finally:
        session.close()


def summary(result):
    out = {}
    for n in result.nodes:
        rows = sorted(json.dumps(r, sort_keys=True) for r in n.sample)
        out[n.name] = (n.status, n.rows_in, n.rows_out, [c["name"] for c in n.schema_out], rows, n.error)
    return out


def test_the_same_project_gives_the_same_rows_on_pandas_and_on_spark_via_an_env_overlay(project):
    on_pandas = run(project)
    on_spark = run(project, env="spark")
    assert on_spark.engine == "spark" and on_pandas.engine == "pandas"
    assert on_spark.status == "success", [(n.name, n.error) for n in on_spark.nodes if n.error]
    assert summary(on_spark) == summary(on_pandas)
    agg = {r["name"]: r for r in on_spark.node("agg").sample}
    assert agg == {"Ann": {"name": "Ann", "n": 2, "total": 6.0, "last_id": 1}}  # order 4 has total 0 -> last is 1
    assert sorted(r["id"] for r in on_spark.node("joined").sample) == ["1", "3", "4"]
    enriched = on_spark.node("enriched")
    assert [t.passed for t in enriched.tests] == [True, True] and "customers" in enriched.sql[0]
    # the pandas run created the table (version 0); the Spark run MERGEd into it without doubling rows
    assert enriched.write_version == 1
    table = DeltaTable(str(project.parent / "lake" / "silver" / "enriched")).to_pyarrow_table()
    assert sorted(table.column("id").to_pylist()) == [1, 4]


def test_engine_spark_in_the_yaml_and_a_failing_sql_step(tmp_path, spark):
    path = write_project(tmp_path, [{"pipeline": "p", "nodes": [
        node("orders", read={"connection": "src", "format": "csv", "path": "orders.csv"},
             write={"connection": "lake", "format": "parquet", "path": "bronze/orders"}),
        node("bad", ["orders"], transform={"steps": [{"sql": "SELECT no_such_col FROM df"}]}),
        node("after_bad", ["bad"]),
    ]}], files={"src/orders.csv": ORDERS}, engine="spark")
    session = Session(path)
    try:
        (result,) = session.run(RunOptions(workers=2, sleep=lambda s: None))
    finally:
        session.close()
    assert result.engine == "spark" and result.status == "failed"
    assert result.node("orders").rows_written == 5
    assert sorted(p.name.split("-")[0] for p in (tmp_path / "lake" / "bronze" / "orders").iterdir()) == ["part"]
    bad = result.node("bad")
    assert bad.status == "failed" and "`no_such_col` cannot be resolved" in bad.error and "\n" not in bad.error
    assert bad.sql == ["SELECT no_such_col FROM df"]
    assert result.node("after_bad").status == "skipped"
