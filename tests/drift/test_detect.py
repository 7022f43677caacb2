"""Node drift from a real catalog: after the fact (CLI, Studio) and during a run (current result)."""

from __future__ import annotations

import json

import pytest

from odibi_core.catalog import RunCatalog
from odibi_core.catalog.baselines import Baselines
from odibi_core.config.models.drift import DriftConfig
from odibi_core.drift import detect_node, row_count_series
from odibi_core.runner.results import NodeResult
from tests.drift.history import COLS, record, ts

STEADY = [100, 104, 96, 102, 98, 101, 99, 103, 97, 100]
DEFAULT = DriftConfig()


@pytest.fixture
def catalog(tmp_path):
    cat = RunCatalog(tmp_path / "sys")
    yield cat
    cat.close()


def test_latest_jump_is_a_robust_z_anomaly_and_failed_runs_are_not_history(catalog):
    for i, rows in enumerate(STEADY):
        record(catalog, i, rows)
    record(catalog, 50, status="failed")
    record(catalog, 60, 180)
    d = detect_node(catalog, "orders", DEFAULT, pipeline="p")
    assert d.run_id == "run060" and d.rows.rows == 180
    assert d.rows.method == "robust_z" and d.rows.history_runs == len(STEADY) and d.rows.anomaly
    assert d.anomaly and not d.failed
    assert d.schema_previous is not None and not d.schema_previous.drifted
    assert d.schema_previous.reference_run_id == "run009"
    assert any(m.startswith("row count 180 rows") for m in d.messages())
    json.dumps(d.to_dict(), allow_nan=False)
    json.dumps(d.findings(), allow_nan=False)


def test_steady_count_is_not_an_anomaly(catalog):
    for i, rows in enumerate(STEADY):
        record(catalog, i, rows)
    d = detect_node(catalog, "orders", DEFAULT)
    assert d.rows.method == "robust_z" and not d.rows.anomaly and not d.anomaly
    assert d.messages() == []


def test_schema_against_previous_and_pinned_baseline_with_fail_on(catalog):
    record(catalog, 1, schema=COLS)
    Baselines(catalog).pin("orders")
    record(catalog, 2, schema=COLS + [{"name": "country", "type": "string"}])
    record(catalog, 3, schema=[COLS[0], {"name": "name", "type": "large_string"}, COLS[2],
                               {"name": "country", "type": "string"}])

    d = detect_node(catalog, "orders", DriftConfig.model_validate({"schema": {"fail_on": "removed"}}))
    assert [(c.change, c.column) for c in d.schema_previous.changes] == [("retyped", "name")]
    assert d.schema_previous.reference_run_id == "run002"
    assert [(c.change, c.column) for c in d.schema_baseline.changes] == [("retyped", "name"), ("added", "country")]
    assert d.baseline["run_id"] == "run001"
    assert d.contract is d.schema_baseline and d.failed  # a retyped column breaks fail_on: removed

    only_added = DriftConfig.model_validate({"schema": {"fail_on": "removed"}})
    Baselines(catalog).pin("orders", "run002")
    record(catalog, 4, schema=COLS + [{"name": "country", "type": "string"}, {"name": "x", "type": "int64"}])
    d = detect_node(catalog, "orders", only_added)
    assert d.schema_baseline.drifted and not d.failed  # added columns only
    assert detect_node(catalog, "orders", DriftConfig.model_validate({"schema": {"fail_on": "any"}})).failed
    finding = next(f for f in d.findings() if f["check"] == "schema" and f["against"] == "baseline")
    assert finding["anomaly"] and not finding["fail"] and finding["changes"][0]["column"] in ("name", "x")


def test_during_a_run_the_current_result_is_judged_and_its_own_progress_row_ignored(catalog):
    record(catalog, 1, 100)
    record(catalog, 2, 100)
    run = record(catalog, 3, 300, finish=False)  # the current run: live progress recorded, not finished
    current = run.nodes[0]
    d = detect_node(catalog, "orders", DEFAULT, current=current, run_id=run.run_id)
    assert d.rows.method == "pct_change" and d.rows.history_runs == 2 and d.rows.reference == 100
    assert d.rows.anomaly and d.rows.score == pytest.approx(200.0)
    assert d.schema_previous.reference_run_id == "run002"


def test_first_run_and_disabled_settings(catalog):
    first = NodeResult(name="orders", pipeline="p", status="success", started_at=ts(1), rows_out=10,
                       schema_out=COLS)
    d = detect_node(catalog, "orders", DEFAULT, current=first, run_id="run001")
    assert d.rows.method == "no_history" and d.schema_previous is None and not d.anomaly
    assert "no earlier successful schema to compare with" in d.notes

    assert detect_node(catalog, "orders", DEFAULT).notes == ["no successful run yet"]
    off = detect_node(catalog, "orders", DriftConfig.model_validate({"enabled": False}), current=first)
    assert off.rows is None and off.findings() == [] and not off.enabled

    no_rows = DriftConfig.model_validate({"row_count": {"enabled": False}, "schema": {"enabled": False}})
    assert detect_node(catalog, "orders", no_rows, current=first).findings() == []

    record(catalog, 2, 10)
    record(catalog, 3, 5000)
    after = detect_node(catalog, "orders", DriftConfig.model_validate({"enabled": False}))
    assert after.run_id == "run003" and after.rows is None and not after.anomaly  # off: shown, never judged


def test_series_judges_each_run_against_the_runs_before_it(catalog):
    counts = STEADY + [400] + STEADY[:3]
    for i, rows in enumerate(counts):
        record(catalog, i, rows)
    record(catalog, 99, status="failed")
    points = row_count_series(catalog, "orders", DEFAULT)
    assert [p["rows"] for p in points] == counts  # oldest first, failed run left out
    assert points[0]["method"] == "no_history"
    assert points[1]["method"] == "pct_change" and points[7]["method"] == "robust_z"
    assert [p["run_id"] for p in points if p["anomaly"]] == ["run010"]
    assert row_count_series(catalog, "orders", DEFAULT, limit=3)[-1]["run_id"] == "run013"
