"""Every built-in transformer, a SQL step over a dependency table and a cross-pipeline input.

One project: the orders and customers tables (parquet, so types are exact), one node per case
writing a single parquet file. The data holds the awkward values on purpose: NULLs in keys,
in order_by columns and in aggregated columns, duplicated keys, ties, a customer without
orders and an order without a customer.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests.conformance.harness import Conformance, Project, conform
from tests.conformance.known_issues import known_issue
from tests.conformance.reader import CUSTOMERS_TYPES, ORDERS_TYPES, Output, typed

ORDERS = typed("orders.csv", ORDERS_TYPES)
CUSTOMERS = typed("customers.csv", CUSTOMERS_TYPES)


def t(name: str, transformer: str, params: dict, depends_on=("orders",), **extra) -> dict:
    return {"name": name, "depends_on": list(depends_on), "transformer": transformer, "params": params, **extra}


CASES = [
    t("filter", "filter_rows", {"condition": "amount > 5 AND status <> 'cancelled'"}),
    t("derive", "derive_columns", {"columns": {
        "total": "amount * qty", "total_tax": "ROUND(total * 1.2, 2)", "status": "UPPER(status)",
        "per_item": "amount / qty", "label": "CAST(order_id AS STRING) || '-' || COALESCE(status, 'none')",
        "big": "CASE WHEN amount > 50 THEN TRUE ELSE FALSE END"}}),
    t("derive_functions", "derive_columns", {"columns": {
        "order_year": "YEAR(ordered_at)", "order_month": "MONTH(order_date)", "code_length": "LENGTH(code)",
        "lower_code": "LOWER(code)", "rounded": "ROUND(amount, 1)"}}),
    t("cast", "cast_columns", {"columns": {"order_id": "string", "amount": "decimal(10,2)", "qty": "double",
                                           "order_date": "timestamp", "ordered_at": "date", "is_gift": "int",
                                           "customer_id": "int"}}),
    {"name": "try_cast", "depends_on": ["orders"], "transform": {"steps": [
        {"sql": "SELECT order_id, CAST(qty AS STRING) AS qty_text, code, "
                "CAST(order_date AS STRING) AS day_text FROM df"},
        {"function": "cast_columns", "params": {"columns": {"qty_text": "bigint", "code": "int",
                                                            "day_text": "date"}, "try_cast": True}}]}},
    t("select", "select_columns", {"columns": ["status", "order_id", "amount"]}),
    t("drop", "drop_columns", {"columns": ["code", "updated_at", "is_gift"]}),
    t("rename", "rename_columns", {"mapping": {"amount": "amount_eur", "status": "state"}}),
    t("dedup_latest", "deduplicate", {"keys": ["order_id"], "order_by": "updated_at DESC"}),
    t("dedup_nulls_first", "deduplicate", {"keys": ["order_id"], "order_by": "updated_at DESC NULLS FIRST"}),
    t("dedup_no_order", "deduplicate", {"keys": ["order_id"]}),
    t("dedup_null_keys", "deduplicate", {"keys": ["customer_id"], "order_by": ["amount DESC", "order_id"]}),
    t("join_inner", "join", {"right": "customers", "on": ["customer_id"], "select": ["name", "country"]},
      depends_on=("dedup_latest", "customers")),
    t("join_left", "join", {"right": "customers", "on": {"customer_id": "customer_id"}, "how": "left"},
      depends_on=("dedup_latest", "customers")),
    t("join_right", "join", {"right": "customers", "on": ["customer_id"], "how": "right", "select": ["name"]},
      depends_on=("dedup_latest", "customers")),
    t("join_full", "join", {"right": "customers", "on": ["customer_id"], "how": "full", "select": ["name", "tier"]},
      depends_on=("dedup_latest", "customers")),
    t("join_semi", "join", {"right": "customers", "on": ["customer_id"], "how": "semi"},
      depends_on=("dedup_latest", "customers")),
    t("join_anti", "join", {"right": "customers", "on": ["customer_id"], "how": "anti"},
      depends_on=("dedup_latest", "customers")),
    {"name": "tiers", "depends_on": ["customers"],
     "transform": {"steps": [{"sql": "SELECT DISTINCT tier FROM df WHERE tier IS NOT NULL"}]}},
    t("join_cross", "join", {"right": "tiers", "how": "cross"}, depends_on=("customers", "tiers")),
    {"name": "eu", "depends_on": ["orders"], "transform": {"steps": [
        {"sql": "SELECT order_id AS ORDER_ID, amount AS Amount, 'eu' AS region FROM df "
                "WHERE customer_id IN (103, 104)"}]}},
    t("union_by_name", "union", {"tables": ["eu"]}, depends_on=("select", "eu")),
    {"name": "select_some", "depends_on": ["select"],
     "transform": {"steps": [{"sql": "SELECT * FROM df WHERE order_id <= 5"}]}},
    t("union_distinct", "union", {"tables": ["select_some"], "by_name": False, "distinct": True},
      depends_on=("select", "select_some")),
    t("aggregate", "aggregate", {"group_by": ["customer_id"], "aggregations": {
        "revenue": {"fn": "sum", "column": "amount"}, "units": {"fn": "sum", "column": "qty"},
        "avg_amount": {"fn": "avg", "column": "amount"}, "orders": {"fn": "count"},
        "with_qty": {"fn": "count", "column": "qty"}, "statuses": {"fn": "count_distinct", "column": "status"},
        "first_status": {"fn": "first", "column": "status", "order_by": "ordered_at"},
        "last_order": {"fn": "last", "column": "order_id", "order_by": "updated_at"},
        "first_at": {"fn": "min", "column": "ordered_at"}, "max_amount": "MAX(amount)"}}),
    t("aggregate_nulls", "aggregate", {"group_by": ["customer_id"], "aggregations": {
        "last_status": {"fn": "last", "column": "status", "order_by": "updated_at"},
        "first_code": {"fn": "first", "column": "code", "order_by": "amount"}}}),
    t("aggregate_all", "aggregate", {"aggregations": {
        "total": "SUM(amount)", "rows": {"fn": "count"},
        "customers": {"fn": "count_distinct", "column": "customer_id"}, "gifts": "SUM(CAST(is_gift AS INT))"}}),
    t("fill", "fill_nulls", {"values": {"status": "none", "amount": 0, "qty": -1, "is_gift": False,
                                        "customer_id": 0, "code": "n/a",
                                        "updated_at": dt.datetime(2000, 1, 1, 12, 0)}}),
    {"name": "sql_dep", "depends_on": ["orders", "customers"], "transform": {"steps": [
        {"sql": "SELECT o.order_id, c.name, o.amount FROM df AS o JOIN customers AS c "
                "ON o.customer_id = c.customer_id WHERE c.country = 'us'"}]}},
]
REPORT = {"name": "by_status", "inputs": {"deduped": "$transform.dedup_latest"}, "transform": {"steps": [
    {"sql": "SELECT status, COUNT(*) AS n, SUM(qty) AS units FROM deduped GROUP BY status"}]}}


def _out(name: str) -> dict:
    return {"connection": "lake", "format": "parquet", "path": f"out/{name}.parquet"}


def _project() -> Project:
    sources = [{"name": "orders", "read": {"connection": "src", "format": "parquet", "path": "orders.parquet"}},
               {"name": "customers", "read": {"connection": "src", "format": "parquet", "path": "customers.parquet"}}]
    nodes = sources + [{**c, "write": _out(c["name"])} for c in CASES]
    report = {**REPORT, "write": _out(REPORT["name"])}
    names = [c["name"] for c in CASES] + [REPORT["name"]]
    return Project(name="transformers",
                   pipelines=[{"pipeline": "transform", "nodes": nodes}, {"pipeline": "report", "nodes": [report]}],
                   outputs={n: Output("parquet", f"lake/out/{n}.parquet") for n in names},
                   setup={"src/orders.parquet": ORDERS, "src/customers.parquet": CUSTOMERS})


@pytest.fixture(scope="module")
def tf(tmp_path_factory):
    return Conformance(_project(), tmp_path_factory.mktemp("transformers"))


def by(rows: list[dict], key: str) -> dict:
    return {r[key]: r for r in rows}


def test_every_case_succeeds(tf, engine_name):
    run = tf.run(engine_name)
    failed = {n.name: n.error for r in run.phases[-1].results for n in r.nodes if n.status != "success"}
    assert failed == {}


def test_filter_rows_drops_null_conditions(tf, engine_name):
    run = conform(tf, engine_name, "filter")
    assert sorted(run.column("filter", "order_id")) == [1, 2, 3, 3, 3, 8, 9, 10, 12, 14, 15]


def test_derive_columns(tf, engine_name):
    run = conform(tf, engine_name, "derive")
    out = run.output("derive")
    assert out.column_names == [*ORDERS.column_names, "total", "total_tax", "per_item", "label", "big"]
    rows = {(r["order_id"], r["updated_at"]): r for r in run.rows("derive")}
    r = rows[(6, dt.datetime(2024, 1, 9, 9))]
    assert (r["status"], r["total"], r["total_tax"], r["per_item"], r["label"], r["big"]) == \
        ("SHIPPED", -13.0, -15.6, -0.8125, "6-SHIPPED", False)
    r = rows[(5, None)]
    assert r["total"] is None and r["label"] == "5-PENDING" and r["per_item"] is None


def test_derive_with_sql_functions(tf, engine_name):
    run = conform(tf, engine_name, "derive_functions", expect="sql-int-function-width")
    r = next(r for r in run.rows("derive_functions") if r["order_id"] == 10)
    assert (r["order_year"], r["order_month"], r["code_length"], r["lower_code"], r["rounded"]) == \
        (2024, 1, 5, "a-010", 1234.6)


def test_cast_columns(tf, engine_name):
    run = conform(tf, engine_name, "cast")
    r = next(r for r in run.rows("cast") if r["order_id"] == "10")
    assert r["qty"] == 1.0 and r["is_gift"] == 0 and r["customer_id"] == 103
    assert r["order_date"] == dt.datetime(2024, 1, 12)
    assert r["amount"] == Decimal("1234.57") and r["ordered_at"] == dt.date(2024, 1, 12)


def test_try_cast_turns_bad_values_into_null(tf, engine_name):
    run = conform(tf, engine_name, "try_cast")
    rows = by(run.rows("try_cast"), "order_id")
    assert rows[5]["qty_text"] is None and rows[13]["qty_text"] == 10
    assert all(r["code"] is None for r in rows.values())
    assert rows[12]["day_text"] == dt.date(2024, 1, 14)


def test_select_drop_rename(tf, engine_name):
    run = conform(tf, engine_name, "select", "drop", "rename")
    assert run.output("select").column_names == ["status", "order_id", "amount"]
    assert run.output("drop").column_names == [c for c in ORDERS.column_names
                                               if c not in ("code", "updated_at", "is_gift")]
    assert run.output("rename").column_names == ["order_id", "customer_id", "state", "amount_eur", "qty",
                                                  "ordered_at", "order_date", "is_gift", "code", "updated_at"]


def test_deduplicate_keeps_the_first_by_order(tf, engine_name):
    run = conform(tf, engine_name, "dedup_latest", "dedup_nulls_first", "dedup_no_order")
    for name in ("dedup_latest", "dedup_nulls_first", "dedup_no_order"):
        assert sorted(run.column(name, "order_id")) == list(range(1, 17)), name
    assert by(run.rows("dedup_latest"), "order_id")[3]["status"] == "delivered"  # NULL updated_at sorts last
    assert by(run.rows("dedup_nulls_first"), "order_id")[3]["status"] == "returned"
    assert by(run.rows("dedup_no_order"), "order_id")[3]["status"] == "delivered"  # smallest other columns


def test_deduplicate_null_key_is_one_group(tf, engine_name):
    run = conform(tf, engine_name, "dedup_null_keys")
    rows = by(run.rows("dedup_null_keys"), "customer_id")
    assert set(rows) == {None, 101, 102, 103, 104, 105, 106, 199}
    assert rows[101]["order_id"] == 3 and rows[105]["order_id"] == 14  # NULL amount sorts last
    assert rows[None]["order_id"] == 5


def test_joins(tf, engine_name):
    run = conform(tf, engine_name, "join_inner", "join_left", "join_right", "join_full", "join_semi", "join_anti")
    assert run.output("join_inner").num_rows == 14
    assert run.output("join_inner").column_names[-2:] == ["name", "country"]
    left = run.output("join_left")
    assert left.num_rows == 16
    assert left.column_names[-5:] == ["name", "country", "tier", "status_right", "signup_date"]
    assert by(run.rows("join_left"), "order_id")[9]["name"] is None
    assert sorted(r["customer_id"] for r in run.rows("join_right") if r["order_id"] is None) == [107]
    full = run.rows("join_full")
    assert len(full) == 17 and {r["customer_id"] for r in full} == {None, 101, 102, 103, 104, 105, 106, 107, 199}
    assert sorted(run.column("join_anti", "order_id")) == [5, 9]
    assert run.output("join_semi").num_rows == 14
    assert run.output("join_semi").column_names == ORDERS.column_names


def test_cross_join(tf, engine_name):
    run = conform(tf, engine_name, "tiers", "join_cross")
    assert run.output("join_cross").num_rows == 7 * 3
    assert run.output("join_cross").column_names[-1] == "tier_right"


def test_union(tf, engine_name):
    run = conform(tf, engine_name, "eu", "union_by_name", "union_distinct")
    out = run.output("union_by_name")
    assert out.column_names == ["status", "order_id", "amount", "region"]
    assert out.num_rows == ORDERS.num_rows + 4
    eu = [r for r in run.rows("union_by_name") if r["region"] == "eu"]
    assert sorted(r["order_id"] for r in eu) == [4, 6, 10, 13] and all(r["status"] is None for r in eu)
    assert by(eu, "order_id")[10]["amount"] == 1234.5678
    assert run.output("union_distinct").num_rows == ORDERS.num_rows


def test_aggregate(tf, engine_name):
    run = conform(tf, engine_name, "aggregate")
    rows = by(run.rows("aggregate"), "customer_id")
    assert set(rows) == {None, 101, 102, 103, 104, 105, 106, 199}
    c101 = rows[101]
    assert c101["revenue"] == pytest.approx(19.99 + 3 * 100.1 + 12.0)
    assert (c101["units"], c101["orders"], c101["with_qty"], c101["statuses"]) == (12, 5, 5, 3)
    assert c101["first_status"] == "shipped" and c101["max_amount"] == 100.1
    assert c101["first_at"] == dt.datetime(2024, 1, 5, 10, 30)
    assert rows[105]["revenue"] == pytest.approx(33.33) and rows[105]["with_qty"] == 2
    assert rows[None]["orders"] == 1 and rows[None]["units"] is None
    assert c101["last_order"] == 11 and rows[102]["last_order"] == 16
    types = {c["name"]: c["type"] for c in run.node("aggregate").schema_out}
    assert types["orders"] == "int64" and types["revenue"] == "float64" and types["first_at"] == "timestamp"
    assert types["units"] == "int64" and types["customer_id"] == "int64"


def test_aggregate_first_last_skip_null_values(tf, engine_name):
    """Customer 101's latest order (by updated_at) has no status, and its cheapest has no code:
    aggregates skip NULLs (the transformer's contract), so first/last come from the rows that
    have a value."""
    run = conform(tf, engine_name, "aggregate_nulls")
    rows = by(run.rows("aggregate_nulls"), "customer_id")
    assert rows[101]["last_status"] == "delivered"
    assert rows[None]["last_status"] is None and rows[None]["first_code"] == "x5"


def test_aggregate_without_groups(tf, engine_name):
    run = conform(tf, engine_name, "aggregate_all")
    (row,) = run.rows("aggregate_all")
    assert row["rows"] == ORDERS.num_rows and row["customers"] == 7 and row["gifts"] == 5


def test_fill_nulls_keeps_types(tf, engine_name):
    run = conform(tf, engine_name, "fill")
    rows = run.rows("fill")
    r5 = next(r for r in rows if r["order_id"] == 5)
    assert (r5["customer_id"], r5["qty"], r5["is_gift"], r5["code"], r5["updated_at"]) == \
        (0, -1, False, "x5", dt.datetime(2000, 1, 1, 12))
    assert next(r for r in rows if r["order_id"] == 7)["amount"] == 0.0
    assert next(r for r in rows if r["order_id"] == 11)["status"] == "none"
    types = {c["name"]: c["type"] for c in run.node("fill").schema_out}
    assert types == {"order_id": "int64", "customer_id": "int64", "status": "string", "amount": "float64",
                     "qty": "int64", "ordered_at": "timestamp", "order_date": "date", "is_gift": "bool",
                     "code": "string", "updated_at": "timestamp"}


def test_sql_step_uses_dependency_by_name(tf, engine_name):
    run = conform(tf, engine_name, "sql_dep")
    assert sorted(run.column("sql_dep", "order_id")) == [2, 6, 8, 13, 16]


def test_cross_pipeline_input_alias(tf, engine_name):
    run = conform(tf, engine_name, "by_status")
    rows = by(run.rows("by_status"), "status")
    assert rows["shipped"]["n"] == 5 and rows["delivered"]["n"] == 3 and rows[None]["n"] == 1
