"""The live progress feed (odibi_core.workspace.live) over real catalogs filled by real runs.

"While it runs" is a state the test holds: the run goes on in a thread and its event handler
waits on a threading.Event at the start of one node (the catalog already says "running" then),
so nothing depends on timing.
"""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import pytest

from odibi_core.catalog import RunCatalog
from odibi_core.errors import OdibiError
from odibi_core.runner.results import NodeResult, RunResult
from odibi_core.runner.runner import RunOptions
from odibi_core.session import Session
from odibi_core.workspace import live
from odibi_core.workspace.ghosts import parse_ts
from tests.helpers import PEOPLE_CSV, write_project

READ = {"connection": "src", "format": "csv", "path": "people.csv"}
UTC = dt.timezone.utc


def node(name, **kw):
    return {"name": name, **kw}


def make_project(root: Path) -> Path:
    """bronze: raw -> bad (fails) -> after_bad (skipped); silver: clean reads bronze.raw."""
    return write_project(root, [
        {"pipeline": "bronze", "nodes": [
            node("raw", read=READ, write={"connection": "lake", "format": "parquet", "path": "b/raw"}),
            node("bad", depends_on=["raw"], transform={"steps": [{"sql": "SELECT nope FROM df"}]}),
            node("after_bad", depends_on=["bad"])]},
        {"pipeline": "silver", "nodes": [
            node("clean", inputs={"r": "$bronze.raw"},
                 transform={"steps": [{"sql": "SELECT * FROM r WHERE country = 'gb'"}]})]},
    ], files={"src/people.csv": PEOPLE_CSV})


def run(path: Path, on_event=None, **opts):
    session = Session(path)
    try:
        return session.run(RunOptions(workers=1, sleep=lambda s: None, **opts), on_event=on_event)
    finally:
        session.close()


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    """Two real invocations: everything, then silver alone."""
    root = tmp_path_factory.mktemp("live")
    path = make_project(root)
    first = run(path)
    second = run(path, pipelines=["silver"])
    return root, RunCatalog(root / "lake" / "_system"), first, second


def test_runs_are_grouped_per_invocation_newest_first(history):
    _, catalog, first, second = history
    views = live.live_runs(catalog)
    assert [v.pipelines for v in views] == [("silver",), ("bronze", "silver")]
    newest, older = views
    assert newest.run_ids == (second[0].run_id,) and newest.status == "success"
    assert set(older.run_ids) == {r.run_id for r in first} and older.key == min(r.run_id for r in first)
    assert older.status == "failed" and not older.active  # bronze failed: the worst outcome wins
    assert older.elapsed_s() is not None and older.elapsed_s() >= 0
    bronze = next(r for r in older.runs if r.pipeline == "bronze")
    assert Path(older.story(bronze.run_id)) == Path(bronze.story_html) and Path(bronze.story_html).is_file()
    assert older.story("unknown-run") == older.runs[0].story_html  # falls back to the first story


def test_node_rows_carry_rows_elapsed_throughput_and_errors(history):
    _, catalog, first, _ = history
    rows = {r.node: r for r in live.run_progress(catalog, [r.run_id for r in first])}
    assert list(rows) == ["raw", "bad", "after_bad", "clean"]
    raw_result = first[0].node("raw")
    assert rows["raw"].status == "success" and rows["raw"].rows == 4
    assert rows["raw"].elapsed_s == pytest.approx(raw_result.duration_s)
    assert rows["raw"].throughput == pytest.approx(4 / raw_result.duration_s)
    assert rows["bad"].status == "failed" and "nope" in rows["bad"].error and rows["bad"].throughput is None
    assert rows["after_bad"].status == "skipped" and rows["after_bad"].elapsed_s is None
    assert "upstream node 'bad'" in rows["after_bad"].error
    assert rows["clean"].pipeline == "silver" and rows["clean"].rows == 2
    # the row shape of Job.progress() (the Studio's Run page), plus throughput
    assert set(rows["raw"].as_dict()) == {"pipeline", "node", "status", "rows", "elapsed_s", "throughput", "error"}
    assert live.run_progress(catalog, "no-such-run") == []


def test_a_run_in_progress_is_live_and_its_clock_is_the_given_now(tmp_path):
    path = make_project(tmp_path)
    entered, release = threading.Event(), threading.Event()

    def on_event(event):  # the catalog records the start before this is called
        if event["type"] == "node_started" and event["node"].name == "bad":
            entered.set()
            assert release.wait(60), "the test never released the node"

    worker = threading.Thread(target=run, args=(path,), kwargs={"on_event": on_event})
    worker.start()
    try:
        assert entered.wait(60), "the run never reached node 'bad'"
        system_dir = tmp_path / "lake" / "_system"
        feed = live.LiveFeed(RunCatalog(system_dir), system_dir=system_dir)
        assert feed.poll() is True
        (view,) = feed.runs
        assert view.status == "running" and view.active and feed.stale == frozenset()  # its lock is held
        started = parse_ts(next(r for r in feed.progress(view) if r.node == "bad").started_at)
        rows = {r.node: r for r in feed.progress(view, now=started + dt.timedelta(seconds=7.5))}
        assert [(n, r.status) for n, r in rows.items()] == [
            ("raw", "success"), ("bad", "running"), ("after_bad", "pending"), ("clean", "pending")]
        assert rows["bad"].elapsed_s == 7.5 and rows["bad"].rows is None and rows["bad"].throughput is None
        assert rows["raw"].rows == 4 and rows["raw"].throughput is not None
        assert view.elapsed_s(parse_ts(view.started_at) + dt.timedelta(seconds=30)) == 30.0
        assert feed.poll() is False  # nothing written meanwhile, the process is alive
    finally:
        release.set()
        worker.join(60)
    assert feed.poll() is True
    (view,) = feed.runs
    assert view.status == "failed"
    assert {r.node: r.status for r in feed.progress(view)}["bad"] == "failed"


def _running(catalog: RunCatalog, run_id: str, started: str) -> None:
    result = RunResult(run_id=run_id, project="t", pipeline="p", engine="pandas", env=None, started_at=started,
                       nodes=[NodeResult(name="n1", pipeline="p", status="running", started_at=started),
                              NodeResult(name="n2", pipeline="p")])
    catalog.record_run_start(result)
    catalog.record_node(run_id, result.nodes[0])


def test_a_running_row_whose_process_is_gone_is_stale(tmp_path):
    catalog = RunCatalog(tmp_path)
    _running(catalog, "20261103T100000-dead0001", "2026-11-03T10:00:00+00:00")  # no lock: nobody runs it
    feed = live.LiveFeed(catalog, system_dir=tmp_path)
    feed.poll()
    (view,) = feed.runs
    assert view.status == "stale" and not view.active and feed.stale == {"20261103T100000-dead0001"}
    rows = feed.progress(view, now=dt.datetime(2026, 11, 3, 12, tzinfo=UTC))
    assert [(r.status, r.elapsed_s, r.error) for r in rows] == [("stale", None, live.STALE_NOTE),
                                                              ("pending", None, None)]
    believing = live.LiveFeed(catalog)  # without the lock folder a running row is taken at its word
    believing.poll()
    assert believing.runs[0].status == "running"


class CountingCatalog(RunCatalog):
    """A real catalog that counts its listing queries (to see which polls re-read)."""

    listings = 0

    def list_runs(self, *args, **kwargs):
        self.listings += 1
        return super().list_runs(*args, **kwargs)


def _finished(catalog: RunCatalog, run_id: str, pipeline: str, started: str, rows: int = 10,
              seconds: float = 2.0) -> RunResult:
    end = (parse_ts(started) + dt.timedelta(seconds=seconds)).isoformat()
    result = RunResult(run_id=run_id, project="t", pipeline=pipeline, engine="pandas", env="dev", status="success",
                       started_at=started, ended_at=end, duration_s=seconds,
                       nodes=[NodeResult(name=f"{pipeline}_n", pipeline=pipeline, status="success", started_at=started,
                                         ended_at=end, duration_s=seconds, rows_out=rows)])
    catalog.record_run(result)
    return result


def test_poll_rereads_only_after_a_write(tmp_path):
    catalog = CountingCatalog(tmp_path)
    _finished(catalog, "20261103T090000-aaaa0001", "p", "2026-11-03T09:00:00+00:00")
    feed = live.LiveFeed(catalog, system_dir=tmp_path)
    assert feed.poll() is True and catalog.listings == 1
    assert feed.poll() is False and feed.poll() is False and catalog.listings == 1
    _finished(catalog, "20261103T100000-bbbb0001", "p", "2026-11-03T10:00:00+00:00")
    assert feed.poll() is True and catalog.listings == 2
    assert [v.key for v in feed.runs] == ["20261103T100000-bbbb0001", "20261103T090000-aaaa0001"]


def test_throughput_math():
    assert live.throughput(1000, 2.0) == 500.0
    assert live.throughput(0, 2.0) == 0.0
    assert live.throughput(None, 2.0) is None and live.throughput(10, None) is None
    assert live.throughput(10, 0.0) is None  # an instant node has no meaningful rate


def test_throughput_from_recorded_durations(tmp_path):
    catalog = RunCatalog(tmp_path)
    _finished(catalog, "20261103T090000-aaaa0001", "p", "2026-11-03T09:00:00+00:00", rows=12_000, seconds=2.5)
    (row,) = live.run_progress(catalog, "20261103T090000-aaaa0001")
    assert (row.rows, row.elapsed_s, row.throughput) == (12_000, 2.5, 4800.0)


ROWS = [
    live.NodeRow("r1", "bronze", "raw_orders", "success", 10, 1.0, 10.0, None),
    live.NodeRow("r1", "bronze", "clean_orders", "running", None, 3.0, None, None),
    live.NodeRow("r1", "bronze", "bad_orders", "failed", None, 0.5, None, "Binder Error: column nope"),
    live.NodeRow("r2", "silver", "orders_by_day", "pending", None, None, None, None),
    live.NodeRow("r2", "silver", "late", "skipped", None, None, None, "upstream node 'bad_orders' did not succeed"),
    live.NodeRow("r2", "silver", "gone", "stale", None, None, None, live.STALE_NOTE),
]


@pytest.mark.parametrize("status, expected", [
    ("all", ["raw_orders", "clean_orders", "bad_orders", "orders_by_day", "late", "gone"]),
    ("running", ["clean_orders"]),
    ("waiting", ["orders_by_day"]),
    ("failed", ["bad_orders", "gone"]),
    ("ok", ["raw_orders"]),
    ("skipped", ["late"]),
])
def test_status_filters(status, expected):
    assert [r.node for r in live.filter_rows(ROWS, status)] == expected


def test_text_filter_matches_every_word_in_name_status_or_error():
    def names(**kw):
        return [r.node for r in live.filter_rows(ROWS, **kw)]

    assert names(text="ORDERS") == ["raw_orders", "clean_orders", "bad_orders", "orders_by_day", "late"]
    assert names(text="bronze. orders") == ["raw_orders", "clean_orders", "bad_orders"]  # pipeline.node, both words
    assert names(text="binder") == ["bad_orders"]  # the error text
    assert names(text="orders", status="failed") == ["bad_orders"]
    assert names(text="   ") == [r.node for r in ROWS]
    assert names(text="nothing-like-this") == []
    with pytest.raises(OdibiError, match="unknown status filter 'broken'"):
        live.filter_rows(ROWS, "broken")


def test_pipeline_progress_counts_and_levels_follow_the_graph(history):
    root, catalog, first, _ = history
    rows = live.run_progress(catalog, [r.run_id for r in first])
    bars = live.pipeline_progress(rows)
    assert [(b.pipeline, b.total, b.ok, b.failed, b.skipped, b.running, b.done) for b in bars] == [
        ("bronze", 3, 1, 1, 1, 0, 3), ("silver", 1, 1, 0, 0, 0, 1)]
    assert bars[0].fraction == 1.0 and live.PipelineProgress("x", 4, 1, 0, 0, 1).fraction == 0.25
    graph = Session(root / "odibi.yaml").graph
    levels = live.dag_levels(rows, graph)
    assert [[r.node for r in level] for level in levels] == [["raw"], ["bad", "clean"], ["after_bad"]]
    assert [[r.node for r in level] for level in live.dag_levels(rows, None)] == [["raw", "bad", "after_bad", "clean"]]
    ghost = live.NodeRow("x", "bronze", "renamed_since", "success", 1, 1.0, 1.0, None)
    assert [r.node for r in live.dag_levels([*rows, ghost], graph)[-1]] == ["renamed_since"]
    assert [r.node for r in live.order_rows([ghost, *reversed(rows)], graph)] == [
        "raw", "bad", "after_bad", "clean", "renamed_since"]


def test_an_old_run_is_found_by_id_beyond_the_recent_window(history):
    _, catalog, first, _ = history
    feed = live.LiveFeed(catalog, limit=1)
    feed.poll()
    assert [v.pipelines for v in feed.runs] == [("silver",)]
    silver_id = next(r.run_id for r in first if r.pipeline == "silver")
    view = feed.view(silver_id)
    assert view is not None and view.pipelines == ("bronze", "silver") and silver_id in view.run_ids
    assert feed.view("no-such-run") is None
    assert live.view_of(catalog, silver_id) == view


def test_open_feed_refuses_without_history(tmp_path):
    with pytest.raises(OdibiError, match="no run history yet"):
        live.open_feed(tmp_path)
    assert not (tmp_path / "catalog.db").exists()  # looking created nothing
    RunCatalog(tmp_path)
    with pytest.raises(OdibiError, match="no runs recorded yet"):
        live.open_feed(tmp_path)
