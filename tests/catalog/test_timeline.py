"""The run timeline: outcome colours, one bar per run for small sets, SQL buckets for big ones."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest

from benchmarks.studio_data import build_project, fill_catalog
from odibi_core.catalog import RunCatalog
from odibi_core.catalog import timeline as tl
from odibi_core.catalog.history import facets, previous_run, run_choices, run_schemas
from odibi_core.runner.results import RunResult

UTC = dt.timezone.utc
T0 = dt.datetime(2026, 11, 2, 0, 0, tzinfo=UTC)  # a Monday
NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def _record(cat: RunCatalog, run_id: str, start: dt.datetime, *, status: str = "success", pipeline: str = "silver",
            duration: float = 10.0, warnings: int = 0) -> None:
    cat.record_run(RunResult(run_id=run_id, project="p", pipeline=pipeline, engine="pandas", env="dev",
                             status=status, started_at=start.isoformat(),
                             ended_at=(start + dt.timedelta(seconds=duration)).isoformat(), duration_s=duration,
                             warnings=[f"w{i}" for i in range(warnings)]))


@pytest.fixture
def catalog(tmp_path):
    cat = RunCatalog(tmp_path / "sys")
    yield cat
    cat.close()


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    """10,000 synthetic runs of a 40-node project (node runs only for the newest few runs)."""
    root = tmp_path_factory.mktemp("big")
    config = build_project(root, nodes=40, pipelines=4)
    fill_catalog(root / "sys", config, runs=10_000, seed=7, node_runs=3, snapshot_runs=3, now=NOW)
    cat = RunCatalog(root / "sys")
    yield cat
    cat.close()


@pytest.mark.parametrize("status, warnings, outcome, colour", [
    ("success", 0, "success", "green"), ("success", 2, "warning", "amber"), ("partial", 0, "warning", "amber"),
    ("failed", 0, "failed", "red"), ("failed", 3, "failed", "red"), ("cancelled", 0, "cancelled", "grey"),
    ("running", 0, "running", "blue"),
])
def test_outcomes_and_colours_in_python_and_sql_agree(catalog, status, warnings, outcome, colour):
    assert tl.outcome(status, warnings) == outcome and tl.colour_class(status, warnings) == colour
    _record(catalog, "r1", T0, status=status, warnings=warnings)
    (bar,) = tl.timeline(catalog).rows
    assert (bar["outcome"], bar["colour"]) == (outcome, colour)


def test_a_small_history_is_one_bar_per_run_oldest_first(catalog):
    _record(catalog, "late", T0 + dt.timedelta(hours=5), status="failed", duration=3.5)
    _record(catalog, "early", T0, duration=12.0, pipeline="bronze")
    _record(catalog, "mid", T0 + dt.timedelta(hours=1), status="partial")
    t = tl.timeline(catalog)
    assert t.mode == "runs" and t.total == 3 and t.bucket is None
    assert [r["run_id"] for r in t.rows] == ["early", "mid", "late"]
    early = t.rows[0]
    assert early["pipeline"] == "bronze" and early["duration_s"] == 12.0
    assert early["started_at"] == "2026-11-02T00:00:00.000+00:00"
    assert early["ended_at"] == "2026-11-02T00:00:12.000+00:00"
    assert [r["colour"] for r in t.rows] == ["green", "amber", "red"]
    assert (t.first, t.last) == (early["started_at"], t.rows[-1]["started_at"])


def test_above_the_threshold_runs_are_bucketed_with_counts_and_durations(catalog):
    for i, (hours, status, dur) in enumerate([(1, "success", 10), (2, "success", 30), (3, "failed", 5),
                                              (26, "success", 8), (27, "partial", 4)]):
        _record(catalog, f"r{i}", T0 + dt.timedelta(hours=hours), status=status, duration=dur)
    t = tl.timeline(catalog, max_bars=4, bucket="day")
    assert t.mode == "buckets" and t.bucket == "day" and t.total == 5
    got = {(r["bucket_start"], r["outcome"]): (r["runs"], r["avg_duration_s"], r["max_duration_s"]) for r in t.rows}
    assert got == {
        ("2026-11-02T00:00:00+00:00", "success"): (2, 20.0, 30.0),
        ("2026-11-02T00:00:00+00:00", "failed"): (1, 5.0, 5.0),
        ("2026-11-03T00:00:00+00:00", "success"): (1, 8.0, 8.0),
        ("2026-11-03T00:00:00+00:00", "warning"): (1, 4.0, 4.0),
    }
    assert all(r["bucket_end"] == (dt.datetime.fromisoformat(r["bucket_start"]) + dt.timedelta(days=1)).isoformat()
               for r in t.rows)


def test_hour_and_week_buckets_start_on_the_hour_and_on_monday(catalog):
    sunday, monday = T0 + dt.timedelta(days=6, hours=23, minutes=59), T0 + dt.timedelta(days=7, minutes=1)
    _record(catalog, "sun", sunday)
    _record(catalog, "mon", monday)
    weeks = tl.timeline(catalog, max_bars=0, bucket="week").rows
    assert [r["bucket_start"] for r in weeks] == ["2026-11-02T00:00:00+00:00", "2026-11-09T00:00:00+00:00"]
    assert all(dt.datetime.fromisoformat(r["bucket_start"]).weekday() == 0 for r in weeks)
    hours = tl.timeline(catalog, max_bars=0, bucket="hour").rows
    assert [r["bucket_start"] for r in hours] == ["2026-11-08T23:00:00+00:00", "2026-11-09T00:00:00+00:00"]
    with pytest.raises(ValueError, match="bucket must be one of"):
        tl.timeline(catalog, max_bars=0, bucket="month")


@pytest.mark.parametrize("span, bucket", [(dt.timedelta(hours=3), "hour"), (dt.timedelta(days=8), "hour"),
                                          (dt.timedelta(days=9), "day"), (dt.timedelta(days=90), "day"),
                                          (dt.timedelta(days=400), "week")])
def test_the_bucket_follows_the_span(span, bucket):
    assert tl.pick_bucket(T0.isoformat(), (T0 + span).isoformat()) == bucket


def test_ten_thousand_runs_are_aggregated_per_day_and_add_up(big):
    t = tl.timeline(big)
    assert t.mode == "buckets" and t.bucket == "day" and t.total == 10_000
    assert sum(r["runs"] for r in t.rows) == 10_000
    assert len({r["bucket_start"] for r in t.rows}) <= 91
    counts = tl.outcome_counts(big)
    per_outcome = {o: sum(r["runs"] for r in t.rows if r["outcome"] == o) for o in tl.OUTCOMES}
    assert per_outcome == counts
    con = sqlite3.connect(big.path)  # an independent count of the raw statuses
    raw = dict(con.execute("SELECT status, COUNT(*) FROM runs GROUP BY status").fetchall())
    warned = con.execute("SELECT COUNT(*) FROM runs WHERE status='success' AND warnings_count>0").fetchone()[0]
    con.close()
    assert counts["failed"] == raw["failed"] and counts["cancelled"] == raw["cancelled"]
    assert counts["warning"] == raw["partial"] + warned and counts["success"] == raw["success"] - warned
    assert counts["success"] > 0.8 * 10_000 and 0 < counts["failed"] < 0.1 * 10_000


def test_filters_narrow_the_timeline_to_bars_and_hours(big):
    failed = tl.timeline(big, pipeline="silver", status="failed")
    assert failed.mode == "runs" and 0 < failed.total <= tl.MAX_BARS
    assert {(r["pipeline"], r["status"]) for r in failed.rows} == {("silver", "failed")}
    last_day = tl.timeline(big, since=NOW - dt.timedelta(days=1), max_bars=10)
    assert last_day.mode == "buckets" and last_day.bucket == "hour"
    assert all(r["bucket_start"] >= (NOW - dt.timedelta(days=1, hours=1)).isoformat() for r in last_day.rows)
    window = tl.timeline(big, since="2026-11-10", until="2026-11-11")
    assert window.mode == "runs" and all(r["started_at"].startswith("2026-11-10") for r in window.rows)


def test_browsing_helpers(big):
    f = facets(big)
    assert f["pipelines"] == ["bronze", "gold", "silver", "silver_2"] and f["total"] == 10_000
    assert {"success", "failed", "partial", "cancelled"} <= set(f["statuses"])
    newest = run_choices(big, "gold", limit=5)
    assert len(newest) == 5 and all(r["pipeline"] == "gold" for r in newest)
    assert [r["started_at"] for r in newest] == sorted((r["started_at"] for r in newest), reverse=True)
    before = previous_run(big, newest[0]["run_id"])
    assert before["run_id"] == newest[1]["run_id"]
    schemas = run_schemas(big, next(r["run_id"] for r in newest if r["status"] == "success"))
    assert schemas and all(cols and {"name", "type"} <= set(cols[0]) for cols in schemas.values())
    assert previous_run(big, "no-such-run") is None
