"""Drift during real runs: findings on the results, in the story JSON and HTML, and in run warnings."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from odibi_core.catalog.baselines import Baselines
from odibi_core.runner.runner import RunOptions
from odibi_core.session import Session
from odibi_core.story import load_story
from tests.helpers import write_project


def people_csv(n: int, extra: bool = False) -> str:
    head = "id,name,age" + (",country" if extra else "")
    return head + "\n" + "".join(f"{i},p{i},{20 + i % 50}" + (",gb" if extra else "") + "\n" for i in range(n))


def make(root: Path, drift: dict | None = None, **top) -> Path:
    node = {"name": "people", "read": {"connection": "src", "format": "csv", "path": "people.csv"},
            "write": {"connection": "lake", "format": "parquet", "path": "out/people.parquet", "mode": "overwrite"}}
    if drift is not None:
        node["drift"] = drift
    return write_project(root, [{"pipeline": "p", "nodes": [node]}], **top)


def run(path: Path, rows: int, extra: bool = False):
    (path.parent / "src" / "people.csv").write_text(people_csv(rows, extra))
    session = Session(path, environ={})
    try:
        [result] = session.run(RunOptions())
        return result
    finally:
        session.close()


def test_row_count_jump_is_in_the_story_json_and_html(tmp_path):
    path = make(tmp_path)
    first = run(path, 10)
    assert first.status == "success"
    assert [f["method"] for f in first.nodes[0].drift if f["check"] == "row_count"] == ["no_history"]

    result = run(path, 100)
    assert result.status == "success"  # drift warns; it does not fail the run
    node = result.node("people")
    rc = next(f for f in node.drift if f["check"] == "row_count")
    assert rc["anomaly"] and rc["method"] == "pct_change" and rc["score"] == pytest.approx(900.0)
    assert rc["reference"] == 10
    assert any(w.startswith("people: drift: row count 100 rows, +900.0%") for w in result.warnings)

    story = load_story(result.story_json)
    story_node = next(n for n in story["nodes"] if n["name"] == "people")
    assert next(f for f in story_node["drift"] if f["check"] == "row_count")["anomaly"] is True
    assert any("drift: row count" in w for w in story["warnings"])
    html = Path(result.story_html).read_text(encoding="utf-8")
    assert "<h3>Drift (1 finding)</h3>" in html
    assert 'class="badge s-warning" title="see the Drift section">drift</span>' in html
    assert "+900.0% (threshold 50%)" in html

    # the catalog recorded the run after drift was computed: the next steady run compares with 100
    again = run(path, 100)
    assert not any(f["anomaly"] for f in again.node("people").drift)
    assert not any("drift" in w for w in again.warnings)


def test_added_column_is_schema_drift_and_fail_on_any_fails_the_run(tmp_path):
    path = make(tmp_path, drift={"schema": {"fail_on": "any"}})
    run(path, 10)
    result = run(path, 10, extra=True)
    schema = next(f for f in result.node("people").drift if f["check"] == "schema")
    assert schema["against"] == "previous" and schema["anomaly"] and schema["fail"]
    assert [(c["change"], c["column"]) for c in schema["changes"]] == [("added", "country")]
    assert result.status == "failed" and result.node("people").status == "success"
    assert any("schema.fail_on=any: the run is marked failed" in w for w in result.warnings)
    html = Path(result.story_html).read_text(encoding="utf-8")
    assert "drift: fail</span>" in html and '<tr class="added"><td>country</td><td>added</td>' in html

    session = Session(path, environ={})
    try:
        assert session.catalog.get_run(result.run_id)["status"] == "failed"
    finally:
        session.close()


def test_pinned_baseline_is_checked_during_runs(tmp_path):
    path = make(tmp_path, drift={"schema": {"fail_on": "removed"}})
    run(path, 10, extra=True)
    session = Session(path, environ={})
    try:
        Baselines(session.catalog).pin("people")
    finally:
        session.close()
    result = run(path, 10, extra=False)  # country removed: vs previous and vs the baseline
    by = {f["against"]: f for f in result.node("people").drift if f["check"] == "schema"}
    assert by["baseline"]["fail"] and not by["previous"]["fail"]
    assert result.status == "failed"


def test_drift_off_leaves_no_findings(tmp_path):
    path = make(tmp_path, drift={"enabled": False})
    run(path, 10)
    result = run(path, 1000)
    assert result.node("people").drift == [] and result.warnings == []


def test_a_broken_drift_check_never_fails_the_run(tmp_path):
    path = make(tmp_path)
    run(path, 10)
    db = tmp_path / "lake" / "_system" / "catalog.db"
    with sqlite3.connect(db) as conn:  # a damaged baselines table (say, edited by hand)
        conn.execute("CREATE TABLE drift_baselines (node TEXT PRIMARY KEY, columns_json TEXT)")
        conn.execute("INSERT INTO drift_baselines VALUES ('people', 'not json')")
    result = run(path, 10)
    assert result.status == "success"
    assert any("drift: pinned baselines could not be read" in w for w in result.warnings)
    assert [f["against"] for f in result.node("people").drift if f["check"] == "schema"] == ["previous"]
    assert json.loads(Path(result.story_json).read_text())["status"] == "success"
