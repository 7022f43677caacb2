"""Every validation test type, passing and failing, on every engine.

Each test's result (passed, failed_rows, total_rows) must be the same on every engine, and the
node outcome too: ``mode: warn`` keeps the rows and warns, ``mode: fail`` fails the node. The
project runs twice; the second run reads a quarter of the rows, so ``volume_drop`` (which
compares with the node's previous run, from the run history) fails only then.
"""

from __future__ import annotations

import pytest

from tests.conformance.harness import Conformance, Project, conform
from tests.conformance.reader import ORDERS_TYPES, Output, typed

ORDERS = typed("orders.csv", ORDERS_TYPES)
N = ORDERS.num_rows
READ = {"connection": "src", "format": "parquet", "path": "orders.parquet"}
STATUSES = ["pending", "shipped", "delivered", "cancelled", "returned"]

TESTS = [
    {"type": "not_null", "columns": ["status", "customer_id"]},
    {"type": "unique", "columns": ["order_id"]},
    {"type": "unique", "name": "unique_pair", "columns": ["order_id", "status"]},
    {"type": "accepted_values", "column": "status", "values": STATUSES},
    {"type": "accepted_values", "column": "qty", "values": [1, 2, 3, 4, 5, 7, 10]},
    {"type": "range", "column": "amount", "min": 0, "max": 1000},
    {"type": "range", "column": "qty", "min": 2},
    {"type": "regex_match", "column": "code", "pattern": r"^[A-Z]-\d{3}$"},
    {"type": "regex_match", "column": "order_id", "pattern": "^[0-9]+$"},
    {"type": "row_count", "min": 1, "max": 10},
    {"type": "row_count", "name": "row_count_ok", "min": 1},
    {"type": "custom_sql", "condition": "amount * qty < 1000"},
    {"type": "custom_sql", "name": "gift_flag", "condition": "is_gift = FALSE", "on_fail": "quarantine"},
    {"type": "freshness", "column": "ordered_at", "max_age": "1d"},
    {"type": "freshness", "name": "fresh_enough", "column": "updated_at", "max_age": "36500d"},
    {"type": "schema", "columns": ["order_id", "status", "nope"]},
    {"type": "schema", "name": "schema_strict", "columns": ORDERS.column_names, "strict": True},
    {"type": "volume_drop", "threshold": 0.5},
]
# name -> (passed, failed_rows) on the first run, over all N rows
EXPECTED = {
    "not_null_status_customer_id": (False, 2),
    "unique_order_id": (False, 3),
    "unique_pair": (True, 0),
    "accepted_values_status": (False, 1),
    "accepted_values_qty": (True, 0),
    "range_amount": (False, 2),
    "range_qty": (False, 5),
    "regex_match_code": (False, 1),
    "regex_match_order_id": (True, 0),
    "row_count": (False, 0),
    "row_count_ok": (True, 0),
    "custom_sql": (False, 3),
    "gift_flag": (False, 6),
    "freshness_ordered_at": (False, 0),
    "fresh_enough": (True, 0),
    "schema": (False, 0),
    "schema_strict": (True, 0),
    "volume_drop": (True, 0),
}

PROJECT = Project(
    name="validation",
    pipelines=[{"pipeline": "validation", "nodes": [
        {"name": "checks", "read": READ,
         "validation": {"mode": "warn", "tests": TESTS, "quarantine": {"connection": "lake", "path": "quarantine/checks"}},
         "write": {"connection": "lake", "format": "parquet", "path": "out/checks.parquet"}},
        {"name": "strict", "read": READ,
         "validation": {"tests": [{"type": "not_null", "columns": ["customer_id"]},
                                  {"type": "unique", "columns": ["order_id"], "on_fail": "warn"}]},
         "write": {"connection": "lake", "format": "parquet", "path": "out/strict.parquet"}},
        {"name": "passing", "read": READ, "transform": {"steps": [{"sql": "SELECT * FROM df WHERE status = 'shipped'"}]},
         "validation": {"tests": [{"type": "not_null", "columns": ["order_id", "amount"]},
                                  {"type": "accepted_values", "column": "status", "values": ["shipped"]},
                                  {"type": "range", "column": "amount", "min": -5, "max": 101},
                                  {"type": "regex_match", "column": "code", "pattern": "^[A-E]-0"}]},
         "write": {"connection": "lake", "format": "parquet", "path": "out/passing.parquet"}},
        {"name": "gated", "read": READ,
         "validation": {"tests": [{"type": "not_null", "columns": ["customer_id"], "on_fail": "warn"},
                                  {"type": "range", "column": "amount", "min": 0, "on_fail": "warn"}],
                        "gate": {"require_pass_rate": 0.99, "on_fail": "write_valid_only"}},
         "write": {"connection": "lake", "format": "parquet", "path": "out/gated.parquet"}},
    ]}],
    outputs={"checks": Output("parquet", "lake/out/checks.parquet"),
             "strict": Output("parquet", "lake/out/strict.parquet"),
             "passing": Output("parquet", "lake/out/passing.parquet"),
             "gated": Output("parquet", "lake/out/gated.parquet"),
             "quarantine": Output("delta", "lake/quarantine/checks")},
    phases=[{"src/orders.parquet": ORDERS}, {"src/orders.parquet": ORDERS.slice(0, 4)}],
)


@pytest.fixture(scope="module")
def validation(tmp_path_factory):
    return Conformance(PROJECT, tmp_path_factory.mktemp("validation"))


@pytest.mark.parametrize("test_name", list(EXPECTED))
def test_each_test_type(validation, engine_name, test_name):
    run = conform(validation, engine_name, "checks")
    results = run.tests("checks", phase=0)
    passed, failed_rows = EXPECTED[test_name]
    assert results[test_name] == (passed, failed_rows, N)


def test_warn_mode_keeps_rows_and_quarantine_moves_them(validation, engine_name):
    run = conform(validation, engine_name, "checks")
    node = run.node("checks", phase=0)
    gifts = 6  # gift_flag (on_fail: quarantine) fails 5 gifts and 1 NULL
    assert node.status == "warning" and node.rows_written == N - gifts
    assert node.metrics["quarantined_rows"] == gifts
    assert run.output("checks", phase=0).num_rows == N - gifts
    quarantined = {r["order_id"]: r for r in run.rows("quarantine", phase=0)}
    assert sorted(quarantined) == [2, 5, 6, 9, 12, 15]
    assert quarantined[2]["_failed_tests"] == "gift_flag"  # only the tests this row failed
    assert quarantined[5]["_failed_tests"] == "not_null_status_customer_id,regex_match_code,custom_sql,gift_flag"
    assert run.output("quarantine").num_rows == gifts + 1  # run 2 appends order 2 again


def test_gate_writes_only_valid_rows(validation, engine_name):
    run = conform(validation, engine_name, "gated")
    node = run.node("gated", phase=0)
    assert node.status == "warning" and node.rows_written == N - 2
    assert node.metrics["pass_rate"] == round((N - 2) / N, 6)
    assert sorted(run.column("gated", "order_id", phase=0)) == [o for o in sorted(ORDERS.column("order_id").to_pylist())
                                                                 if o not in (5, 6)]
    assert run.node("gated", phase=1).status == "success" and run.node("gated", phase=1).rows_written == 4


def test_fail_mode_fails_the_node_and_writes_nothing(validation, engine_name):
    run = conform(validation, engine_name, "strict")
    node = run.node("strict", phase=0)
    assert node.status == "failed" and "customer_id" in node.error
    assert run.tests("strict", phase=0) == {"not_null_customer_id": (False, 1, N), "unique_order_id": (False, 3, N)}
    assert run.phases[0].outputs["strict"].shape == "missing"


def test_passing_tests_pass(validation, engine_name):
    run = conform(validation, engine_name, "passing")
    node = run.node("passing", phase=0)
    assert node.status == "success" and node.rows_written == 6
    assert all(passed for passed, _, _ in run.tests("passing", phase=0).values())


def test_second_run_volume_drop(validation, engine_name):
    run = conform(validation, engine_name, "checks", "strict")
    results = run.tests("checks", phase=1)  # 4 rows now; the previous run wrote 12 (after quarantine)
    assert results["volume_drop"] == (False, 0, 4)
    assert results["row_count"] == (True, 0, 4) and results["unique_order_id"] == (False, 2, 4)
    assert run.tests("strict", phase=1)["not_null_customer_id"] == (True, 0, 4)
    assert run.node("strict", phase=1).status == "warning"
