"""Built-in transformers and validation tests from YAML, through the real session and runner."""

from __future__ import annotations

import pytest

from odibi_core.errors import ConfigError
from odibi_core.runner.runner import RunOptions
from odibi_core.session import Session
from tests.helpers import write_project

ORDERS_CSV = """
order_id,customer,amount,updated_at
1,ann,10.5,2024-01-01 10:00:00
1,ann,12.0,2024-01-02 10:00:00
2,bob,,2024-01-01 09:00:00
3,cid,-4,2024-01-03 08:00:00
"""
READ = {"connection": "src", "format": "csv", "path": "orders.csv"}


def run(path):
    session = Session(path)
    try:
        return session.run(RunOptions(sleep=lambda s: None))
    finally:
        session.close()


def test_transformer_steps_and_validation_from_yaml(tmp_path):
    path = write_project(tmp_path, [{"pipeline": "p", "nodes": [{
        "name": "clean",
        "read": READ,
        "transformer": "deduplicate",
        "params": {"keys": ["order_id"], "order_by": "updated_at DESC"},
        "transform": {"steps": [
            {"operation": "derive_columns", "params": {"columns": {"amount": "COALESCE(amount, 0)"}}},
            {"operation": "select_columns", "params": {"columns": ["order_id", "customer", "amount"]}},
        ]},
        "validation": {"mode": "warn", "tests": [
            {"type": "unique", "columns": ["order_id"]},
            {"type": "range", "column": "amount", "min": 0},
            {"type": "not_null", "columns": ["customer"], "on_fail": "quarantine"},
        ], "quarantine": {"connection": "lake", "path": "quarantine/clean"}},
    }]}], files={"src/orders.csv": ORDERS_CSV})
    (result,) = run(path)
    node = result.node("clean")
    assert node.error is None and node.rows_out == 3
    assert [(t.name, t.passed, t.failed_rows, t.total_rows) for t in node.tests] == [
        ("unique_order_id", True, 0, 3), ("range_amount", False, 1, 3), ("not_null_customer", True, 0, 3)]
    assert node.tests[1].message == "1 of 3 rows have amount below 0"
    assert "test 'range_amount' failed (on_fail: warn): 1 of 3 rows have amount below 0" in node.warnings
    assert node.metrics.get("quarantined_rows") is None  # nothing failed not_null: nothing quarantined
    assert any("ROW_NUMBER() OVER (PARTITION BY" in s for s in node.sql)  # the deduplicate SQL
    assert any("_odibi_t0_failed" in s for s in node.sql)  # the validation pass is in the story's SQL


def test_failing_test_fails_the_node_with_its_message(tmp_path):
    path = write_project(tmp_path, [{"pipeline": "p", "nodes": [{
        "name": "strict", "read": READ,
        "validation": {"tests": [{"type": "unique", "columns": ["order_id"]}]},
    }]}], files={"src/orders.csv": ORDERS_CSV})
    (result,) = run(path)
    node = result.node("strict")
    assert node.status == "failed"
    assert "2 of 4 rows share their order_id value with another row" in node.error
    assert node.tests[0].on_fail == "fail" and not node.tests[0].passed


def test_param_typo_is_a_located_config_error(tmp_path):
    path = write_project(tmp_path, [{"pipeline": "p", "nodes": [
        {"name": "typo_param", "read": READ, "transformer": "filter_rows", "params": {"conditon": "amount > 0"}},
    ]}], files={"src/orders.csv": ORDERS_CSV})
    with pytest.raises(ConfigError, match=r"odibi.yaml:\d+:\d+: .*params.conditon: .*unknown key 'conditon' "
                                          r"\(did you mean 'condition'\?\)"):
        run(path)


def test_unknown_column_is_reported_on_the_node(tmp_path):
    path = write_project(tmp_path, [{"pipeline": "p", "nodes": [
        {"name": "typo_column", "read": READ, "transformer": "drop_columns", "params": {"columns": ["amout"]}},
    ]}], files={"src/orders.csv": ORDERS_CSV})
    (result,) = run(path)
    node = result.node("typo_column")
    assert node.status == "failed"
    assert "column 'amout' (did you mean 'amount'?) in params.columns not found" in node.error
