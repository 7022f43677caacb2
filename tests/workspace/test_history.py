"""Run history for the Studio: paging and filters on 10,000 runs, and the synthetic data behind them."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3

import pytest

from benchmarks.studio_data import build_project, fill_catalog
from odibi_core.catalog import RunCatalog
from odibi_core.config.loader import load_project
from odibi_core.errors import OdibiError
from odibi_core.graph import Graph
from odibi_core.workspace import history
from odibi_core.workspace.history import RunFilters

NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.timezone.utc)


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = tmp_path_factory.mktemp("hist")
    return build_project(root, nodes=40, pipelines=4)


@pytest.fixture(scope="module")
def big(project):
    system = project.parent / "sys"
    counts = fill_catalog(system, project, runs=10_000, seed=3, node_runs=20, snapshot_runs=20, now=NOW)
    assert counts["runs"] == 10_000
    cat = RunCatalog(system)
    yield cat
    cat.close()


def _sql(cat: RunCatalog, query: str, params=()) -> list[tuple]:
    """An independent look at the raw table (not through the code under test)."""
    con = sqlite3.connect(cat.path)
    try:
        return con.execute(query, params).fetchall()
    finally:
        con.close()


# --- paging and filters ---------------------------------------------------------------------------
def test_pages_of_fifty_newest_first_cover_the_history_without_overlap(big):
    p1, p2 = history.runs_page(big, page=1), history.runs_page(big, page=2)
    assert (p1.total, p1.pages, p1.page, len(p1.rows), p1.first_index) == (10_000, 200, 1, 50, 1)
    assert p2.first_index == 51 and not {r["run_id"] for r in p1.rows} & {r["run_id"] for r in p2.rows}
    newest = _sql(big, "SELECT run_id FROM runs ORDER BY started_at DESC, run_id DESC LIMIT 100")
    assert [r["run_id"] for r in p1.rows + p2.rows] == [r[0] for r in newest]
    last = history.runs_page(big, page=200)
    oldest = _sql(big, "SELECT run_id FROM runs ORDER BY started_at, run_id LIMIT 1")[0][0]
    assert len(last.rows) == 50 and last.rows[-1]["run_id"] == oldest
    assert history.runs_page(big, page=999).page == 200  # clamped, not empty
    assert history.runs_page(big, page=-3).page == 1
    with pytest.raises(OdibiError, match="page size"):
        history.runs_page(big, page_size=0)


def test_table_rows_carry_what_the_table_shows(big):
    row = history.runs_page(big, RunFilters(status="failed"), page_size=1).rows[0]
    assert set(row) >= {"run_id", "started_at", "pipeline", "status", "outcome", "duration_s", "nodes", "failed",
                        "rows_written", "has_story"}
    assert row["status"] == "failed" and row["outcome"] == "failed" and row["failed"] == 1
    ok, total = (int(x) for x in row["nodes"].split("/"))
    assert total == 10 and ok < total


@pytest.mark.parametrize("pipeline, status", [("silver", None), (None, "partial"), ("gold", "cancelled")])
def test_filters_match_an_independent_count(big, pipeline, status):
    f = RunFilters(pipeline=pipeline, status=status)
    page = history.runs_page(big, f)
    clauses = [c for c, v in (("pipeline=?", pipeline), ("status=?", status)) if v]
    params = [v for v in (pipeline, status) if v]
    expected = _sql(big, "SELECT COUNT(*) FROM runs WHERE " + " AND ".join(clauses), params)[0][0]
    assert page.total == expected > 0 and history.run_counts(big, f)["total"] == expected
    assert all((pipeline is None or r["pipeline"] == pipeline) and (status is None or r["status"] == status)
               for r in page.rows)


def test_a_day_range_includes_both_days(big):
    f = RunFilters.for_days(first_day=dt.date(2026, 11, 10), last_day=dt.date(2026, 11, 11))
    expected = _sql(big, "SELECT COUNT(*) FROM runs WHERE substr(started_at, 1, 10) IN ('2026-11-10', '2026-11-11')")
    page = history.runs_page(big, f, page_size=1000)
    assert page.total == expected[0][0] > 0
    assert {r["started_at"][:10] for r in page.rows} == {"2026-11-10", "2026-11-11"}
    with pytest.raises(OdibiError, match="ends .* before it starts"):
        RunFilters.for_days(first_day=dt.date(2026, 11, 11), last_day=dt.date(2026, 11, 10))
    assert RunFilters.for_days("", "", None, None) == RunFilters()


def test_overview_counts_timeline_and_facets(big):
    ov = history.overview(big)
    assert ov.total == 10_000 == sum(v for k, v in ov.counts.items() if k != "total")
    assert ov.timeline.mode == "buckets" and sum(r["runs"] for r in ov.timeline.rows) == 10_000
    f = ov.facets
    assert f["pipelines"] == ["bronze", "gold", "silver", "silver_2"]
    assert f["first_day"] >= (NOW - dt.timedelta(days=91)).date() and f["last_day"] == NOW.date()
    narrow = history.run_timeline(big, RunFilters(pipeline="bronze", status="failed"))
    assert narrow.mode == "runs" and {r["colour"] for r in narrow.rows} == {"red"}


def test_an_empty_catalog_is_one_empty_page(tmp_path):
    cat = RunCatalog(tmp_path / "sys")
    try:
        page = history.runs_page(cat)
        assert (page.rows, page.total, page.pages, page.first_index) == ([], 0, 1, 0)
        assert history.facets(cat)["first_day"] is None
        assert history.run_timeline(cat).rows == []
    finally:
        cat.close()


# --- the synthetic history and project (benchmarks/studio_data.py) ---------------------------------
def test_synthetic_runs_look_like_recorded_ones(big, project):
    graph = Graph.build(load_project(project))
    sizes = {}
    for node in graph.nodes.values():
        sizes[node.pipeline] = sizes.get(node.pipeline, 0) + 1
    rows = _sql(big, "SELECT pipeline, nodes_total, nodes_success + nodes_failed + nodes_skipped, started_at, "
                     "ended_at, duration_s FROM runs")
    assert all(total == sizes[pipe] == parts for pipe, total, parts, *_ in rows)
    assert all(dt.datetime.fromisoformat(e) > dt.datetime.fromisoformat(s) for *_, s, e, _ in rows)
    first = min(dt.datetime.fromisoformat(r[3]) for r in rows)
    assert NOW - dt.timedelta(days=91) < first < NOW - dt.timedelta(days=85)
    # a failed run: one failed node, its downstream nodes in the pipeline skipped
    run_id = _sql(big, "SELECT r.run_id FROM runs r WHERE r.status='failed' AND EXISTS "
                       "(SELECT 1 FROM node_runs n WHERE n.run_id = r.run_id) ORDER BY started_at DESC")[0][0]
    nodes = dict(_sql(big, "SELECT node, status FROM node_runs WHERE run_id=?", (run_id,)))
    failed = [n for n, s in nodes.items() if s == "failed"]
    assert len(failed) == 1
    downstream = {n for n in graph.nodes[failed[0]].downstream if graph.nodes[n].pipeline == graph.nodes[failed[0]].pipeline}
    assert all(nodes[n] == "skipped" for n in downstream)


def test_synthetic_history_has_schema_snapshots_and_a_few_changes(big):
    snaps = _sql(big, "SELECT node, columns_json, schema_hash FROM schema_snapshots")
    assert snaps and all(json.loads(c)[0]["name"] for _, c, _ in snaps)
    per_node = {}
    for node, _, digest in snaps:
        per_node.setdefault(node, set()).add(digest)
    assert 0 < sum(len(v) > 1 for v in per_node.values()) < len(per_node) / 2  # some nodes changed, most did not
    node_runs = _sql(big, "SELECT COUNT(DISTINCT run_id) FROM node_runs")[0][0]
    assert node_runs == 4 * 20  # node runs for the newest 20 runs of each of the 4 pipelines


def test_the_same_seed_gives_the_same_history(project, tmp_path):
    def ids(folder):
        fill_catalog(folder, project, runs=300, seed=11, node_runs=2, now=NOW)
        return _sql(RunCatalog(folder), "SELECT run_id, status, duration_s FROM runs ORDER BY run_id")

    assert ids(tmp_path / "a") == ids(tmp_path / "b")


def test_a_built_project_is_valid_and_runs(tmp_path):
    from tests.studio.conftest import run_project

    config = build_project(tmp_path / "mini", nodes=9, pipelines=3)
    loaded = load_project(config)
    assert [p.pipeline for p in loaded.config.pipelines] == ["bronze", "silver", "gold"]
    graph = Graph.build(loaded)
    cross = [(u, d) for u, d in graph.edges() if graph.nodes[u].pipeline != graph.nodes[d].pipeline]
    assert cross  # cross-pipeline inputs
    results = run_project(config, env="dev")
    assert [r.status for r in results] == ["success"] * 3
    assert sum(len(r.nodes) for r in results) == 9
