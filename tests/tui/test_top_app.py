"""``odibi top``: the Textual app driven by a pilot, SVG snapshots, and the CLI command.

Snapshots need deterministic data: the catalog is a real one, filled through its own write API
(record_run_start / record_node / record_run, as the runner does) with fixed run ids and
timestamps, and the app's clock is injected. The graph comes from a real project file. The
app runs with interval=0 (no timer): the tests poll with the ``r`` key after each write.
The browser is swapped for a recording opener (no browser runs here).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import pytest

from odibi_core.catalog import RunCatalog
from odibi_core.cli.main import main
from odibi_core.config.loader import load_project
from odibi_core.graph import Graph
from odibi_core.runner.results import NodeResult, RunResult
from odibi_core.session import Session
from odibi_core.tui.app import TopApp
from odibi_core.tui.model import TopModel
from odibi_core.tui.story import is_console_browser
from odibi_core.workspace.live import LiveFeed
from tests.helpers import PEOPLE_CSV, write_project
from tests.tui.conftest import in_own_thread

UTC = dt.timezone.utc
NOW = dt.datetime(2026, 11, 3, 10, 0, 45, tzinfo=UTC)
OLD, NEW = "2026-11-03T09:00:00.000+00:00", "2026-11-03T10:00:00.000+00:00"
READ = {"connection": "src", "format": "csv", "path": "people.csv"}
SIZE = (120, 34)


def at(base: str, seconds: float) -> str:
    return (dt.datetime.fromisoformat(base) + dt.timedelta(seconds=seconds)).isoformat(timespec="milliseconds")


def done(name, pipeline, base, start, seconds, rows, status="success", error=None):
    return NodeResult(name=name, pipeline=pipeline, status=status, started_at=at(base, start),
                      ended_at=at(base, start + seconds), duration_s=seconds, rows_out=rows, error=error)


def make_graph(root: Path) -> Graph:
    nodes = {
        "bronze": [{"name": "raw_orders", "read": READ}, {"name": "raw_customers", "read": READ},
                   {"name": "clean_orders", "depends_on": ["raw_orders"]},
                   {"name": "clean_customers", "depends_on": ["raw_customers"]}],
        "silver": [{"name": "orders_enriched", "inputs": {"o": "$bronze.clean_orders", "c": "$bronze.clean_customers"},
                    "transform": {"steps": [{"sql": "SELECT * FROM o"}]}},
                   {"name": "daily_revenue", "depends_on": ["orders_enriched"]}],
        "gold": [{"name": "revenue_by_country", "inputs": {"d": "$silver.daily_revenue"},
                  "transform": {"steps": [{"sql": "SELECT * FROM d"}]}}],
    }
    path = write_project(root, [{"pipeline": p, "nodes": n} for p, n in nodes.items()],
                         files={"src/people.csv": PEOPLE_CSV})
    return Graph.build(load_project(path))


def fill(catalog: RunCatalog, stories: Path) -> None:
    """An older finished invocation (bronze ok, silver failed) and a newer one still running."""
    stories.mkdir(parents=True, exist_ok=True)
    for pipeline in ("bronze", "silver"):
        (stories / f"{pipeline}.html").write_text(f"<html>{pipeline}</html>")
    bronze = [done("raw_orders", "bronze", OLD, 0, 2.0, 100_000), done("raw_customers", "bronze", OLD, 0, 0.5, 5_000),
              done("clean_orders", "bronze", OLD, 2, 4.0, 98_000), done("clean_customers", "bronze", OLD, 0.5, 1.0, 4_990)]
    silver = [done("orders_enriched", "silver", OLD, 6, 1.5, None, "failed",
                   "Binder Error: Referenced column \"cust_id\" not found"),
              NodeResult(name="daily_revenue", pipeline="silver", status="skipped",
                         skipped_reason="upstream node 'orders_enriched' did not succeed")]
    for run_id, pipeline, nodes, status in (("20261103T090000-0b0b0b0b", "bronze", bronze, "success"),
                                            ("20261103T090000-0a0a0a0a", "silver", silver, "failed")):
        catalog.record_run(RunResult(run_id=run_id, project="shop", pipeline=pipeline, engine="pandas", env="dev",
                                     status=status, started_at=OLD, ended_at=at(OLD, 7.5), duration_s=7.5,
                                     nodes=nodes, story_html=str(stories / f"{pipeline}.html")))
    runs = {p: RunResult(run_id=f"20261103T100000-{i}{i}{i}{i}{i}{i}{i}{i}", project="shop", pipeline=p,
                         engine="pandas", env="dev", started_at=NEW,
                         nodes=[NodeResult(name=n, pipeline=p) for n in names])
            for i, (p, names) in enumerate((("bronze", ["raw_orders", "raw_customers", "clean_orders",
                                                       "clean_customers"]),
                                            ("silver", ["orders_enriched", "daily_revenue"]),
                                            ("gold", ["revenue_by_country"])), start=1)}
    for run in runs.values():
        catalog.record_run_start(run)
    bronze_id = runs["bronze"].run_id
    for nr in (done("raw_orders", "bronze", NEW, 0, 2.4, 120_000), done("raw_customers", "bronze", NEW, 0, 0.8, 5_000),
               done("clean_customers", "bronze", NEW, 0.8, 1.1, 4_980),
               NodeResult(name="clean_orders", pipeline="bronze", status="running", started_at=at(NEW, 2.4))):
        catalog.record_node(bronze_id, nr)


@pytest.fixture
def shop(tmp_path):
    graph = make_graph(tmp_path / "project")
    catalog = RunCatalog(tmp_path / "system")
    fill(catalog, tmp_path / "stories")
    return catalog, graph, tmp_path


class Opener:
    """Stands in for the browser: records what it was asked to open."""

    def __init__(self, works: bool = True) -> None:
        self.works, self.opened = works, []

    def __call__(self, path: str) -> bool:
        self.opened.append(path)
        return self.works


def make_app(shop, opener=None, run_id=None) -> TopApp:
    catalog, graph, _ = shop
    feed = LiveFeed(catalog)  # no lock folder: the fixed "running" run is taken at its word
    feed.poll()
    model = TopModel(feed, graph=graph, run_id=run_id, clock=lambda: NOW)
    return TopApp(model, interval=0, opener=opener or Opener())


def drive(app: TopApp, steps) -> None:
    """Run the app headless at SIZE and let ``steps(pilot)`` press keys and assert."""
    async def go():
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await steps(pilot)
    in_own_thread(lambda: asyncio.run(go()))


def shown(app: TopApp) -> list[tuple[str, str]]:
    table = app.table
    return [(r.node, r.status) for r in (table._rows[k] for k in table._keys)]


# --- behaviour ------------------------------------------------------------------------------------------
def test_shows_the_newest_run_live_with_rows_elapsed_and_throughput(shop):
    app = make_app(shop)

    async def steps(pilot):
        m = app.model
        assert m.view.key == "20261103T100000-11111111" and m.view.active and m.following
        assert app.table.row_count == 7 and shown(app)[:3] == [("raw_orders", "success"),
                                                               ("raw_customers", "success"),
                                                               ("clean_orders", "running")]
        row = app.table.current
        assert (row.node, row.rows, row.elapsed_s, row.throughput) == ("raw_orders", 120_000, 2.4, 50_000.0)
        assert next(r for r in m.rows if r.node == "clean_orders").elapsed_s == 42.6  # NOW - start
        assert [(b.pipeline, b.done, b.total, b.running) for b in m.bars] == [("bronze", 3, 4, 1), ("silver", 0, 2, 0),
                                                                             ("gold", 0, 1, 0)]
        assert [len(level) for level in m.levels] == [2, 2, 1, 1, 1]

    drive(app, steps)


def test_status_and_text_filters(shop):
    app = make_app(shop)

    async def steps(pilot):
        await pilot.press("s")
        assert app.model.status_filter == "running" and shown(app) == [("clean_orders", "running")]
        await pilot.press("s")
        assert app.model.status_filter == "waiting" and [n for n, _ in shown(app)] == [
            "orders_enriched", "daily_revenue", "revenue_by_country"]
        await pilot.press("escape")
        assert app.model.status_filter == "all" and app.table.row_count == 7
        await pilot.press("slash", *"cust")
        assert app.focused.id == "filter"  # typing goes to the filter box, not to key bindings
        assert [n for n, _ in shown(app)] == ["raw_customers", "clean_customers"]
        await pilot.press("enter")
        assert app.focused is app.table and not app.query_one("#filter").has_class("-active")
        assert app.model.text == "cust" and app.table.row_count == 2
        await pilot.press("escape")
        assert app.model.text == "" and app.table.row_count == 7

    drive(app, steps)


def test_switch_runs_and_follow_the_newest(shop):
    catalog, _, _ = shop
    app = make_app(shop)

    async def steps(pilot):
        await pilot.press("p")
        assert app.message == "this is the newest run" and app.model.following
        await pilot.press("n")
        m = app.model
        assert m.view.key == "20261103T090000-0a0a0a0a" and not m.following and m.position == 2
        assert m.view.status == "failed" and ("orders_enriched", "failed") in shown(app)
        await pilot.press("n")
        assert app.message == "this is the oldest run shown"
        # a new run starts: a pinned view stays where it is...
        catalog.record_run_start(RunResult(run_id="20261103T110000-99999999", project="shop", pipeline="gold",
                                           engine="pandas", env="dev", started_at="2026-11-03T11:00:00+00:00",
                                           nodes=[NodeResult(name="revenue_by_country", pipeline="gold")]))
        await pilot.press("r")
        assert m.view.key == "20261103T090000-0a0a0a0a" and m.position == 3
        # ...and following jumps to it, then to the next one on its own
        await pilot.press("l")
        assert m.following and m.view.key == "20261103T110000-99999999" and shown(app) == [
            ("revenue_by_country", "pending")]
        await pilot.press("n")
        assert m.view.key == "20261103T100000-11111111"

    drive(app, steps)


def test_progress_written_by_the_run_shows_on_the_next_poll_and_the_cursor_stays(shop):
    catalog, _, _ = shop
    app = make_app(shop)

    async def steps(pilot):
        await pilot.press("down", "down")
        assert app.table.current.node == "clean_orders"
        catalog.record_node("20261103T100000-11111111",
                            done("clean_orders", "bronze", NEW, 2.4, 10.0, 119_500))
        await pilot.press("r")
        row = app.table.current
        assert (row.node, row.status, row.rows, row.throughput) == ("clean_orders", "success", 119_500, 11_950.0)
        assert app.model.bars[0].done == 4

    drive(app, steps)


def test_open_story_of_the_selected_run(shop):
    _, _, tmp = shop
    opener = Opener()
    app = make_app(shop, opener)

    async def steps(pilot):
        await pilot.press("o")
        assert opener.opened == [] and "has no story yet: it is still running" in app.message
        await pilot.press("n", "o")  # the older run; cursor on a bronze node -> bronze's story
        assert opener.opened == [str(tmp / "stories" / "bronze.html")]
        assert app.message == f"opened in the browser: {tmp / 'stories' / 'bronze.html'}"
        await pilot.press(*["down"] * 5, "o")  # the last row, a silver node -> silver's story
        assert opener.opened[-1] == str(tmp / "stories" / "silver.html")

    drive(app, steps)


def test_without_a_browser_the_story_path_is_shown(shop):
    _, _, tmp = shop
    app = make_app(shop, Opener(works=False), run_id="20261103T090000-0b0b0b0b")

    async def steps(pilot):
        await pilot.press("o")
        assert app.message == f"no graphical browser here; the story is {tmp / 'stories' / 'bronze.html'}"
        (tmp / "stories" / "bronze.html").unlink()
        await pilot.press("o")
        assert "no longer exists" in app.message

    drive(app, steps)


def test_quit(shop):
    app = make_app(shop)

    async def steps(pilot):
        await pilot.press("q")
        assert not app.is_running

    drive(app, steps)
    assert app.return_code == 0


def test_console_browsers_are_not_used_from_the_tui():
    import webbrowser

    assert is_console_browser(webbrowser.GenericBrowser("lynx"))
    assert not is_console_browser(webbrowser.BackgroundBrowser("firefox"))


# --- snapshots (SVG, compared with tests/tui/__snapshots__) ------------------------------------------------
def test_snapshot_live_run(shop, snap_compare):
    assert snap_compare(make_app(shop), terminal_size=SIZE)


def test_snapshot_older_run_failed_filter(shop, snap_compare):
    assert snap_compare(make_app(shop), press=["n", "s", "s", "s", "down"], terminal_size=SIZE)


def test_snapshot_text_filter_box(shop, snap_compare):
    assert snap_compare(make_app(shop), press=["slash", *"clean"], terminal_size=SIZE)


def big_graph_and_catalog(tmp_path: Path) -> tuple[Graph, RunCatalog]:
    """300 nodes in 3 pipelines, 5 levels each; finished, running and waiting nodes."""
    pipelines = []
    for p in range(3):
        nodes = [{"name": f"n{p}_{i:03d}", **({"read": READ} if i < 20 else {"depends_on": [f"n{p}_{i - 20:03d}"]})}
                 for i in range(100)]
        pipelines.append({"pipeline": f"pipe{p}", "nodes": nodes})
    graph = Graph.build(load_project(write_project(tmp_path / "big", pipelines, files={"src/people.csv": PEOPLE_CSV})))
    catalog = RunCatalog(tmp_path / "big_system")
    for p in range(3):
        run = RunResult(run_id=f"20261103T100000-bbbbbbb{p}", project="big", pipeline=f"pipe{p}", engine="pandas",
                        env="prod", started_at=NEW, nodes=[NodeResult(name=f"n{p}_{i:03d}", pipeline=f"pipe{p}")
                                                           for i in range(100)])
        catalog.record_run_start(run)
        for i in range(100 - 30 * p):
            name = f"n{p}_{i:03d}"
            if i >= 90 - 30 * p:
                nr = NodeResult(name=name, pipeline=f"pipe{p}", status="running", started_at=at(NEW, i / 4))
            elif i % 37 == 5:
                nr = done(name, f"pipe{p}", NEW, i / 4, 0.25, None, "failed", "boom")
            else:
                nr = done(name, f"pipe{p}", NEW, i / 4, 0.25, 1000 * (i + 1))
            catalog.record_node(run.run_id, nr)
    return graph, catalog


def test_a_few_hundred_nodes(tmp_path, snap_compare):
    graph, catalog = big_graph_and_catalog(tmp_path)
    feed = LiveFeed(catalog)
    feed.poll()
    app = TopApp(TopModel(feed, graph=graph, clock=lambda: NOW), interval=0)
    seen = {}

    def count(pilot):
        seen["rows"] = pilot.app.table.row_count

    assert snap_compare(app, terminal_size=(120, 40), run_before=count)
    assert seen["rows"] == 300 and len(app.model.levels) == 5


# --- the command --------------------------------------------------------------------------------------------
def test_cli_once_prints_a_snapshot_after_a_real_run(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "160")
    path = write_project(tmp_path, [{"pipeline": "p", "nodes": [
        {"name": "a", "read": READ}, {"name": "b", "depends_on": ["a"],
                                      "transform": {"steps": [{"sql": "SELECT * FROM df WHERE age > 30"}]}}]}],
        files={"src/people.csv": PEOPLE_CSV})
    assert main(["top", str(path), "--once"]) == 2
    assert "no run history yet" in capsys.readouterr().err

    session = Session(path)
    try:
        (result,) = session.run()
    finally:
        session.close()
    assert main(["top", str(path), "--once"]) == 0
    out = capsys.readouterr().out
    assert f"run {result.run_id}" in out and "success" in out
    assert "p ████████████████████████ 2/2" in out and "L2" in out
    assert f"story p: {result.story_html}" in out
    assert main(["top", str(path), "--once", "--run", result.run_id]) == 0
    assert main(["top", str(path), "--once", "--run", "nope"]) == 2
    assert "no run with id 'nope'" in capsys.readouterr().err
