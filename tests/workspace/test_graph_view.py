"""The project graph view: typed edges, filters, layout and last-run status from a real catalog."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from odibi_core.catalog import RunCatalog
from odibi_core.catalog.latest import latest_node_runs, output_stories
from odibi_core.runner.results import NodeResult, RunResult
from odibi_core.session import Session
from odibi_core.workspace.graph_view import X_GAP, GraphFilters, build_graph_view, graph_view
from tests.workspace.graph_projects import write_big_project, write_edges_project

T0 = dt.datetime(2026, 11, 3, 8, 0, tzinfo=dt.timezone.utc)


def _ts(minutes: float) -> str:
    return (T0 + dt.timedelta(minutes=minutes)).isoformat(timespec="milliseconds")


@pytest.fixture
def session(tmp_path):
    s = Session(write_edges_project(tmp_path / "edges"))
    yield s
    s.close()


def _view(session, catalog=None, **filters):
    return graph_view(session.graph, catalog, GraphFilters(**filters), session.config.pipelines)


def _pairs(view):
    return {(e.source, e.target): e for e in view.edges}


def test_edges_are_typed_explicit_cross_pipeline_and_inferred(session):
    edges = _pairs(_view(session))
    assert set(edges) == {("load_a", "load_b"), ("load_a", "join_ab"), ("load_b", "join_ab"),
                          ("load_a", "reread_a"), ("join_ab", "totals")}
    assert edges[("load_a", "load_b")].kind == "depends_on" and not edges[("load_a", "load_b")].cross_pipeline
    assert edges[("load_b", "join_ab")].kind == "input" and edges[("load_b", "join_ab")].cross_pipeline
    # reread_a declares nothing: it reads bronze/a, which load_a writes
    implicit = edges[("load_a", "reread_a")]
    assert implicit.kind == "implicit" and implicit.implicit and implicit.cross_pipeline
    assert [e for e in edges.values() if e.implicit] == [implicit]


def test_filters_keep_the_edges_between_kept_nodes(session):
    view = _view(session, pipelines=("ingest", "refine"))
    assert {n.id for n in view.nodes} == {"load_a", "load_b", "join_ab", "reread_a"}
    assert set(_pairs(view)) == {("load_a", "load_b"), ("load_a", "join_ab"), ("load_b", "join_ab"),
                                 ("load_a", "reread_a")}
    assert view.total_nodes == 6 and view.pipelines == ["ingest", "refine", "report"]  # options stay whole

    assert {n.id for n in _view(session, layers=("gold",)).nodes} == {"totals", "lonely"}
    assert _view(session, layers=("gold",)).edges == []
    assert {n.id for n in _view(session, tags=("reporting",)).nodes} == {"totals"}
    assert _view(session).tags == ["adhoc", "reporting"] and _view(session).layers == ["bronze", "gold", "silver"]


def test_search_looks_at_names_descriptions_paths_and_pipelines(session):
    assert {n.id for n in _view(session, search="second FEED").nodes} == {"load_b"}  # node description
    assert {n.id for n in _view(session, search="silver/a_copy").nodes} == {"reread_a"}  # write path
    assert {n.id for n in _view(session, search="warehouse").nodes} == {"load_a", "load_b"}  # pipeline description
    both = _view(session, search="load_")
    assert {n.id for n in both.nodes} == {"load_a", "load_b"} and set(_pairs(both)) == {("load_a", "load_b")}
    assert _view(session, search="no such thing").nodes == []


def test_layout_is_layered_grouped_and_deterministic(session, tmp_path):
    view = _view(session)
    pos = {n.id: (n.level, n.x, n.y) for n in view.nodes}
    for e in view.edges:  # every edge points right
        assert pos[e.source][1] < pos[e.target][1]
    assert pos["load_a"][0] == 0 and pos["load_b"][0] == 1 and pos["join_ab"][0] == 2 and pos["totals"][0] == 3
    assert all(x == level * X_GAP for level, x, _ in pos.values())
    # level 0 holds load_a (ingest) and lonely (report): grouped by pipeline in file order
    assert pos["load_a"][2] < pos["lonely"][2]
    # the same project, loaded again elsewhere, gives exactly the same picture
    again = Session(write_edges_project(tmp_path / "copy"))
    try:
        assert _view(again).to_dict() == view.to_dict()
    finally:
        again.close()
    # nodes of one level never overlap
    ys = {}
    for level, _, y in pos.values():
        assert y not in ys.setdefault(level, set())
        ys[level].add(y)


def _node(name, pipeline, status, minute, rows=None, **kw):
    started = None if status in ("skipped", "pending") else _ts(minute)
    return NodeResult(name=name, pipeline=pipeline, status=status, rows_out=rows, started_at=started,
                      ended_at=started, duration_s=1.5 if started else 0.0, **kw)


def _run(run_id, pipeline, minute, nodes, status="success", story=None):
    return RunResult(run_id=run_id, project="edges", pipeline=pipeline, engine="pandas", env="dev", status=status,
                     started_at=_ts(minute), ended_at=_ts(minute + 1), nodes=nodes, story_json=story)


def test_status_comes_from_each_nodes_latest_run_in_one_query(session, tmp_path):
    catalog = RunCatalog(tmp_path / "catalog")
    try:
        catalog.record_run(_run("r1", "ingest", 0, [_node("load_a", "ingest", "success", 0, 10),
                                                    _node("load_b", "ingest", "success", 0, 20)]))
        catalog.record_run(_run("r2", "ingest", 10, [_node("load_a", "ingest", "failed", 10, error="boom"),
                                                     _node("load_b", "ingest", "skipped", 10)], status="failed"))
        catalog.record_run(_run("r3", "ingest", 20, [_node("load_b", "ingest", "success", 20, 25)]))  # one node
        catalog.record_run(_run("r4", "refine", 5, [_node("join_ab", "refine", "success", 5, 7)]))

        calls = []
        real = catalog._query
        catalog._query = lambda sql, params=(): calls.append(sql) or real(sql, params)  # counts, delegates
        view = _view(session, catalog)
        catalog._query = real
        assert len(calls) == 1  # one query for the whole graph, not one per node

        by_id = {n.id: n for n in view.nodes}
        assert (by_id["load_a"].status, by_id["load_a"].rows_out, by_id["load_a"].run_id) == ("failed", None, "r2")
        assert (by_id["load_b"].status, by_id["load_b"].rows_out, by_id["load_b"].run_id) == ("success", 25, "r3")
        assert by_id["load_b"].started_at == _ts(20) and by_id["load_b"].duration_s == 1.5
        assert (by_id["join_ab"].status, by_id["join_ab"].rows_out) == ("success", 7)
        assert by_id["totals"].status is None and by_id["totals"].run_id is None  # never ran
        assert view.status_counts() == {"failed": 1, "success": 2, "never": 3}

        # a node skipped by its pipeline's newest run shows as skipped, not as an older success
        catalog.record_run(_run("r5", "ingest", 30, [_node("load_a", "ingest", "failed", 30),
                                                     _node("load_b", "ingest", "skipped", 30)], status="failed"))
        latest = latest_node_runs(catalog, [("load_b", "ingest")])
        assert latest["load_b"]["status"] == "skipped" and latest["load_b"]["started_at"] == _ts(30)
    finally:
        catalog.close()


def test_output_stories_are_the_newest_successful_runs_with_a_story(tmp_path):
    catalog = RunCatalog(tmp_path / "catalog")
    try:
        catalog.record_run(_run("old", "ingest", 0, [_node("load_a", "ingest", "success", 0, 3)], story="/s/old.json"))
        catalog.record_run(_run("new", "ingest", 5, [_node("load_a", "ingest", "success", 5, 4)], story="/s/new.json"))
        catalog.record_run(_run("bad", "ingest", 9, [_node("load_a", "ingest", "failed", 9)], status="failed",
                                story="/s/bad.json"))
        assert [r["run_id"] for r in output_stories(catalog, "load_a")] == ["new", "old"]
        assert output_stories(catalog, "nobody") == []
    finally:
        catalog.close()


def test_a_200_node_project_has_a_small_payload_and_a_compact_layout(tmp_path):
    session = Session(write_big_project(tmp_path / "big"))
    try:
        view = build_graph_view(session.graph, {}, None, session.config.pipelines)
        assert len(view.nodes) == 200 and len(view.edges) == 199
        size = len(json.dumps(view.to_dict()))
        assert size < 200 * 400, size  # a few hundred bytes per node, whatever the project
        assert max(n.level for n in view.nodes) == 13  # 10 pipelines chained, plus a 5-deep tree in the last
        filtered = build_graph_view(session.graph, {}, GraphFilters(pipelines=("p03",)), session.config.pipelines)
        assert len(filtered.nodes) == 20 and len(filtered.edges) == 19
        assert min(n.x for n in filtered.nodes) == 0  # a filtered graph is laid out on its own
    finally:
        session.close()
