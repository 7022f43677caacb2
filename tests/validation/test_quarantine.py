"""Quarantine and gates, end to end through a project run (pandas engine)."""

from __future__ import annotations

import json

import pytest
from deltalake import DeltaTable

from odibi_core.errors import ConfigError
from odibi_core.runner.runner import RunOptions
from odibi_core.session import Session
from tests.helpers import write_project

ORDERS = """
order_id,customer_id,total,status
1,10,25.0,placed
2,,30.0,placed
3,11,-5.0,shipped
4,,-1.0,placed
5,12,40.0,lost
6,13,50.0,shipped
"""
TESTS = [
    {"type": "not_null", "columns": ["customer_id"], "on_fail": "quarantine"},
    {"type": "range", "column": "total", "min": 0, "on_fail": "quarantine"},
    {"type": "accepted_values", "column": "status", "values": ["placed", "shipped"], "on_fail": "warn"},
    {"type": "row_count", "min": 1},
]


def _project(tmp_path, gate=None, tests=TESTS, quarantine=True):
    validation = {"tests": tests}
    if quarantine:
        validation["quarantine"] = {"connection": "lake", "path": "quarantine/orders"}
    if gate:
        validation["gate"] = gate
    node = {"name": "orders", "read": {"connection": "src", "path": "orders.csv"}, "validation": validation,
            "write": {"connection": "lake", "format": "delta", "path": "silver/orders"}}
    return write_project(tmp_path, [{"pipeline": "p", "nodes": [node]}], files={"src/orders.csv": ORDERS})


def _run(path):
    session = Session(path)
    try:
        (result,) = session.run(RunOptions())
        return result
    finally:
        session.close()


def test_failing_rows_go_to_quarantine_with_only_their_own_tests(tmp_path):
    r = _run(_project(tmp_path))
    node = r.node("orders")
    assert node.status == "warning", node.error
    silver = DeltaTable(str(tmp_path / "lake/silver/orders")).to_pandas()
    assert sorted(silver["order_id"]) == [1, 5, 6]  # order 5 only fails a warn test: it stays
    quarantine = DeltaTable(str(tmp_path / "lake/quarantine/orders")).to_pandas().set_index("order_id")
    assert sorted(quarantine.index) == [2, 3, 4]
    assert quarantine.loc[2, "_failed_tests"] == "not_null_customer_id"
    assert quarantine.loc[3, "_failed_tests"] == "range_total"
    assert quarantine.loc[4, "_failed_tests"] == "not_null_customer_id,range_total"
    assert "not_null_customer_id (not_null)" in quarantine.loc[4, "_failed_reason"]
    assert set(quarantine["_run_id"]) == {r.run_id}
    assert quarantine["_quarantined_at"].notna().all()
    counts = {t.name: t.failed_rows for t in node.tests}
    assert counts == {"not_null_customer_id": 2, "range_total": 2, "accepted_values_status": 1, "row_count": 0}
    assert node.metrics["quarantined_rows"] == 3
    assert node.rows_out == 3 and node.rows_written == 3


def test_story_shows_the_counts_per_test(tmp_path):
    r = _run(_project(tmp_path))
    story = json.loads(open(r.story_json).read())
    node = next(n for n in story["nodes"] if n["name"] == "orders")
    assert {t["name"]: t["failed_rows"] for t in node["tests"]}["range_total"] == 2
    assert node["metrics"]["quarantined_rows"] == 3


def test_gate_pass_rate_counts_quarantined_rows_and_aborts(tmp_path):
    r = _run(_project(tmp_path, gate={"require_pass_rate": 0.9, "on_fail": "abort"}))
    node = r.node("orders")
    assert node.status == "failed"
    # 2 of 6 rows pass every test (orders 1 and 6): 33.3%, not 100% after quarantining
    assert "33.3%" in node.error and "below the required 90.0%" in node.error
    assert not (tmp_path / "lake/silver/orders").exists()
    assert not (tmp_path / "lake/quarantine/orders").exists()


def test_gate_write_valid_only_drops_rows_failing_warn_tests_too(tmp_path):
    r = _run(_project(tmp_path, gate={"require_pass_rate": 0.9, "on_fail": "write_valid_only"}))
    assert r.node("orders").metrics["pass_rate"] == pytest.approx(2 / 6)
    silver = DeltaTable(str(tmp_path / "lake/silver/orders")).to_pandas()
    assert sorted(silver["order_id"]) == [1, 6]


def test_gate_warn_and_write_keeps_valid_rows_and_warns(tmp_path):
    r = _run(_project(tmp_path, gate={"require_pass_rate": 0.9, "on_fail": "warn_and_write"}))
    node = r.node("orders")
    assert any("writing anyway" in w for w in node.warnings)
    assert sorted(DeltaTable(str(tmp_path / "lake/silver/orders")).to_pandas()["order_id"]) == [1, 5, 6]


def test_gate_that_passes_writes_normally(tmp_path):
    r = _run(_project(tmp_path, gate={"require_pass_rate": 0.3}))
    assert r.node("orders").status == "warning"
    assert "meets" in r.node("orders").metrics["gate"]


def test_quarantine_test_without_a_quarantine_target_is_a_located_config_error(tmp_path):
    path = _project(tmp_path, quarantine=False)
    with pytest.raises(ConfigError) as err:
        Session(path)
    assert "no 'validation.quarantine' target" in str(err.value)
    assert "tests[0].on_fail" in str(err.value) and f"{path}:" in str(err.value)


def test_second_run_appends_to_the_quarantine_table(tmp_path):
    path = _project(tmp_path)
    _run(path)
    _run(path)
    assert len(DeltaTable(str(tmp_path / "lake/quarantine/orders")).to_pandas()) == 6
