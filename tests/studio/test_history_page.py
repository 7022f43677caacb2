"""Run history page (AppTest): 10,000 runs paged and aggregated, filters, and opening a story."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3

import pytest

from benchmarks.studio_data import build_project, fill_catalog
from tests.studio.conftest import assert_clean

NOW = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


@pytest.fixture(scope="module")
def busy_project(tmp_path_factory):
    """A 40-node project with 10,000 runs in its catalog (read-only for these tests)."""
    root = tmp_path_factory.mktemp("busy") / "busy"
    build_project(root, nodes=40, pipelines=4)
    fill_catalog(root / "lake" / "_odibi_system", root / "odibi.yaml", runs=10_000, seed=5, node_runs=3,
                 snapshot_runs=3, now=NOW)
    return root


def _count(root, where: str = "1=1", params=()) -> int:
    con = sqlite3.connect(root / "lake" / "_odibi_system" / "catalog.db")
    try:
        return con.execute(f"SELECT COUNT(*) FROM runs WHERE {where}", params).fetchone()[0]
    finally:
        con.close()


def _chart(at) -> dict:
    (chart,) = at.get("vega_lite_chart")
    return json.loads(chart.proto.spec)


def _table(at):
    (df,) = at.dataframe
    return df.value


def test_ten_thousand_runs_render_one_page_and_an_aggregated_timeline(studio, busy_project):
    at = studio(busy_project, "history.py")
    assert_clean(at)
    assert len(_table(at)) == 50
    assert any("**10,000** runs" in m.value for m in at.markdown)
    assert any("Runs 1–50 of 10,000 (page 1 of 200)" in c.value for c in at.caption)
    spec = _chart(at)
    assert "x2" in spec["encoding"] and spec["encoding"]["y"]["title"] == "runs"  # stacked buckets, not 10k bars
    assert spec["encoding"]["x"]["title"] == "runs per day"
    newest = _table(at)["run_id"].iloc[0]
    con = sqlite3.connect(busy_project / "lake" / "_odibi_system" / "catalog.db")
    assert newest == con.execute("SELECT run_id FROM runs ORDER BY started_at DESC LIMIT 1").fetchone()[0]
    con.close()


def test_the_page_number_moves_through_the_runs(studio, busy_project):
    at = studio(busy_project, "history.py")
    first = list(_table(at)["run_id"])
    at.number_input(key="history_page").set_value(3).run()
    assert_clean(at)
    third = list(_table(at)["run_id"])
    assert len(third) == 50 and not set(first) & set(third)
    assert any("Runs 101–150 of 10,000 (page 3 of 200)" in c.value for c in at.caption)
    assert list(_table(at)["started_at"]) == sorted(_table(at)["started_at"], reverse=True)


def test_filters_narrow_the_table_and_switch_the_timeline_to_bars(studio, busy_project):
    at = studio(busy_project, "history.py")
    at.selectbox(key="history_pipeline").set_value("silver")
    at.selectbox(key="history_status").set_value("failed").run()
    assert_clean(at)
    expected = _count(busy_project, "pipeline='silver' AND status='failed'")
    assert 0 < expected <= 400
    assert any(f"**{expected:,}** runs" in m.value for m in at.markdown)
    df = _table(at)
    assert len(df) == min(50, expected) and set(df["pipeline"]) == {"silver"}
    assert all("failed" in s for s in df["status"])
    spec = _chart(at)
    assert "x2" not in spec["encoding"] and spec["encoding"]["y"]["field"] == "duration_s"  # one bar per run
    assert spec["encoding"]["color"]["scale"]["domain"][2] == "failed"


def test_a_date_range_keeps_only_those_days(studio, busy_project):
    at = studio(busy_project, "history.py")
    day = NOW.date() - dt.timedelta(days=3)
    at.date_input(key="history_dates").set_value((day, day)).run()
    assert_clean(at)
    expected = _count(busy_project, "substr(started_at, 1, 10) = ?", (day.isoformat(),))
    assert any(f"**{expected:,}** runs" in m.value for m in at.markdown)
    assert {ts.date() for ts in _table(at)["started_at"]} == {day}
    assert at.number_input(key="history_page").value == 1


def test_selecting_a_run_opens_its_story(studio, busy_project):
    at = studio(busy_project, "history.py")
    run_id = _table(at)["run_id"].iloc[4]
    at.session_state["history_table"] = {"selection": {"rows": [4], "columns": [], "cells": []}}
    at.run()
    assert_clean(at)
    assert [t.value for t in at.title] == ["Stories"]
    assert at.query_params["run"] == [run_id] or at.query_params["run"] == run_id
    assert at.selectbox(key="story_run").value == run_id
    # back on the history page the old selection does not bounce the user to the story again
    at.switch_page("../pages/history.py").run()
    assert [t.value for t in at.title] == ["Run history"]


def test_sample_project_shows_one_bar_per_run(studio, sample_project):
    at = studio(sample_project, "history.py")
    assert_clean(at)
    assert len(_table(at)) == _count(sample_project) == 9  # 3 runs of the 3 pipelines
    spec = _chart(at)
    assert spec["encoding"]["y"]["field"] == "duration_s"
    assert {"run_id", "status", "pipeline"} <= {t["field"] for t in spec["encoding"]["tooltip"]}
    statuses = " ".join(_table(at)["status"])
    assert "failed" in statuses and "success" in statuses


def test_no_runs_yet_says_press_run_and_links_to_it(studio, empty_project, tmp_path):
    from odibi_core.templates import create_project

    at = studio(empty_project, "history.py")
    assert_clean(at)
    assert any("no odibi.yaml" in i.value for i in at.info)
    fresh = tmp_path / "fresh"
    create_project(fresh, "local-medallion")  # a project that never ran: no catalog file
    at = studio(fresh, "history.py")
    assert_clean(at)
    assert any("No runs yet: press Run" in i.value for i in at.info)
    assert not at.dataframe and not at.get("vega_lite_chart")
    at.button(key="history_to_run").click().run()
    assert_clean(at)
    assert [t.value for t in at.title] == ["Run"]


def test_an_environment_switch_keeps_the_page_working(studio, sample_project):
    at = studio(sample_project, "history.py")
    at.selectbox(key="history_pipeline").set_value("silver").run()
    assert set(_table(at)["pipeline"]) == {"silver"}
    at.sidebar.selectbox(key="env").set_value("prod").run()  # no runs in prod
    assert_clean(at)
    assert any("No runs yet: press Run" in i.value for i in at.info)
    at.sidebar.selectbox(key="env").set_value("dev").run()
    assert_clean(at)
    assert len(_table(at)) > 0
