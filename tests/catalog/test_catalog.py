"""The run catalog on a real SQLite file: round trips, listings, history, schemas, concurrency."""

from __future__ import annotations

import datetime as dt
import gc
import multiprocessing
import os
import sqlite3
import threading
from pathlib import Path

import pytest

from odibi_core import secrets
from odibi_core.catalog import RunCatalog
from odibi_core.catalog.store import CatalogError
from odibi_core.errors import OdibiError
from odibi_core.runner.results import NodeResult, RunResult
from tests.catalog.workers import record_many

UTC = dt.timezone.utc
T0 = dt.datetime(2026, 11, 3, 8, 0, tzinfo=UTC)


def _ts(minutes: float) -> str:
    return (T0 + dt.timedelta(minutes=minutes)).isoformat(timespec="milliseconds")


def make_run(run_id: str, minute: float, *, pipeline: str = "silver", status: str = "success",
             nodes: list[NodeResult] | None = None) -> RunResult:
    if nodes is None:
        nodes = [NodeResult(name="load", pipeline=pipeline, status="success", rows_out=10, rows_written=10,
                            started_at=_ts(minute), ended_at=_ts(minute + 0.5),
                            schema_out=[{"name": "id", "type": "int64"}]),
                 NodeResult(name="clean", pipeline=pipeline, status="success", rows_out=9, rows_written=9,
                            started_at=_ts(minute + 0.5), ended_at=_ts(minute + 1),
                            schema_out=[{"name": "id", "type": "int64"}, {"name": "v", "type": "string"}])]
    return RunResult(run_id=run_id, project="sales", pipeline=pipeline, engine="pandas", env="dev", status=status,
                     started_at=_ts(minute), ended_at=_ts(minute + 1), duration_s=60.0, nodes=nodes,
                     story_json=f"/s/{run_id}.json", story_html=f"/s/{run_id}.html")


@pytest.fixture
def catalog(tmp_path):
    cat = RunCatalog(tmp_path / "system" / "nested")
    yield cat
    cat.close()


def test_creates_a_wal_database_in_the_folder(tmp_path, catalog):
    assert catalog.path == tmp_path / "system" / "nested" / "catalog.db" and catalog.path.exists()
    con = sqlite3.connect(catalog.path)
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"runs", "node_runs", "schema_snapshots", "meta"} <= tables
    indexes = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    assert {"ix_runs_pipeline_started", "ix_runs_status_started", "ix_node_runs_node_started"} <= indexes
    con.close()
    assert catalog.schema_version == 1


def test_live_progress_then_final_record_round_trip(catalog):
    run = make_run("r1", 0, status="running")
    for n in run.nodes:
        n.status, n.started_at, n.ended_at, n.rows_out = "pending", None, None, None
    catalog.record_run_start(run)
    got = catalog.get_run("r1")
    assert got["status"] == "running" and [n["status"] for n in got["nodes"]] == ["pending", "pending"]
    assert got["nodes_total"] == 2 and got["nodes_success"] == 0

    run.nodes[0].status, run.nodes[0].rows_out = "success", 10
    catalog.record_node("r1", run.nodes[0])
    run.nodes[1].status, run.nodes[1].error = "failed", "column v missing"
    run.nodes[1].suggestion = "check the SQL"
    catalog.record_node("r1", run.nodes[1])
    got = catalog.get_run("r1")
    assert (got["nodes_success"], got["nodes_failed"]) == (1, 1)
    assert [n["node"] for n in got["nodes"]] == ["load", "clean"]  # run order kept

    run.status, run.ended_at = "failed", "2026-11-03T10:01:00+02:00"
    run.warnings = ["a", "b"]
    catalog.record_run(run)
    got = catalog.get_run("r1")
    assert got["status"] == "failed" and got["ended_at"] == "2026-11-03T08:01:00.000+00:00"  # stored as UTC
    assert got["started_at"] == "2026-11-03T08:00:00.000+00:00"
    assert got["error"] == "clean: column v missing" and got["warnings_count"] == 2
    assert got["rows_written"] == 19 and got["story_html"] == "/s/r1.html" and got["env"] == "dev"
    clean = got["nodes"][1]
    assert (clean["status"], clean["error"], clean["suggestion"]) == ("failed", "column v missing", "check the SQL")
    assert catalog.get_run("nope") is None


def test_record_run_is_idempotent_and_drops_nodes_no_longer_in_the_run(catalog):
    run = make_run("r1", 0)
    catalog.record_run(run)
    catalog.record_run(run)
    assert catalog.count_runs() == 1 and len(catalog.get_run("r1")["nodes"]) == 2
    run.nodes = run.nodes[:1]
    catalog.record_run(run)
    assert [n["node"] for n in catalog.get_run("r1")["nodes"]] == ["load"]


def test_secrets_are_masked_in_every_text_field(catalog):
    secret = "pa55-W0rd-XYZ"
    secrets.register(secret)
    run = make_run("r1", 0, status="failed")
    run.nodes[1].status = "failed"
    run.nodes[1].error = f"login failed: password={secret}"
    run.nodes[1].suggestion = f"rotate {secret}"
    run.nodes[0].write_target = f"postgres://u:{secret}@h/db"
    run.config_file = f"/home/{secret}/odibi.yaml"
    catalog.record_run(run)
    catalog.record_node("r1", run.nodes[1])
    con = sqlite3.connect(catalog.path)
    dump = "\n".join(con.iterdump())
    con.close()
    assert secret not in dump and "***" in dump
    assert catalog.get_run("r1")["nodes"][1]["error"] == "login failed: password=***"


def test_listing_filters_and_paging(catalog):
    for i in range(30):
        pipeline = "silver" if i % 3 else "gold"
        status = "failed" if i % 5 == 0 else "success"
        catalog.record_run(make_run(f"r{i:02d}", i * 10, pipeline=pipeline, status=status))
    runs = catalog.list_runs(limit=100)
    assert [r["run_id"] for r in runs] == [f"r{i:02d}" for i in reversed(range(30))]  # newest first
    pages = [catalog.list_runs(limit=7, offset=o) for o in range(0, 30, 7)]
    assert [r["run_id"] for p in pages for r in p] == [r["run_id"] for r in runs]
    assert [len(p) for p in pages] == [7, 7, 7, 7, 2]

    gold = catalog.list_runs(pipeline="gold")
    assert {r["pipeline"] for r in gold} == {"gold"} and len(gold) == 10 == catalog.count_runs(pipeline="gold")
    failed_gold = catalog.list_runs(pipeline="gold", status="failed")
    assert [r["run_id"] for r in failed_gold] == ["r15", "r00"]
    window = catalog.list_runs(since=_ts(100), until=T0 + dt.timedelta(minutes=150))
    assert [r["run_id"] for r in window] == ["r14", "r13", "r12", "r11", "r10"]
    assert catalog.count_runs(since="2026-11-03T09:40:00", until=_ts(150)) == 5  # naive text is UTC
    assert catalog.count_runs(since=dt.date(2026, 11, 4)) == 0
    assert catalog.count_runs() == 30
    with pytest.raises(OdibiError, match="not a date"):
        catalog.list_runs(since="last tuesday")
    with pytest.raises(OdibiError, match="limit"):
        catalog.list_runs(limit=-1)


def test_latest_run(catalog):
    assert catalog.latest_run() is None
    catalog.record_run(make_run("a", 0, pipeline="gold"))
    catalog.record_run(make_run("b", 5, pipeline="silver"))
    assert catalog.latest_run()["run_id"] == "b"
    latest_gold = catalog.latest_run("gold")
    assert latest_gold["run_id"] == "a" and [n["node"] for n in latest_gold["nodes"]] == ["load", "clean"]


def test_node_history_is_newest_first(catalog):
    # recorded out of time order on purpose: ordering must come from the timestamps
    for i in (3, 0, 4, 1, 2):
        run = make_run(f"r{i}", i * 10)
        run.nodes[1].rows_out = 100 + i
        catalog.record_run(run)
    hist = catalog.node_history("clean")
    assert [h["run_id"] for h in hist] == ["r4", "r3", "r2", "r1", "r0"]
    assert [h["rows_out"] for h in hist] == [104, 103, 102, 101, 100]
    assert hist[0]["run_status"] == "success" and hist[0]["env"] == "dev"
    assert [h["run_id"] for h in catalog.node_history("clean", limit=2)] == ["r4", "r3"]
    assert catalog.node_history("unknown") == []


def test_schema_snapshots_track_successful_nodes_only(catalog):
    v1 = [{"name": "id", "type": "int64"}]
    v2 = v1 + [{"name": "email", "type": "string"}]
    for i, (cols, status) in enumerate([(v1, "success"), (v1, "warning"), (v2, "success"), (v2, "failed")]):
        run = make_run(f"r{i}", i * 10, status="failed" if status == "failed" else "success")
        run.nodes[1].schema_out, run.nodes[1].status = cols, status
        catalog.record_run(run)
    hist = catalog.schema_history("clean", limit=10)
    assert [h["run_id"] for h in hist] == ["r2", "r1", "r0"]  # the failed run r3 has no snapshot
    assert hist[0]["columns"] == v2 and hist[2]["columns"] == v1
    assert [h["changed"] for h in hist] == [True, False, False]
    assert hist[0]["schema_hash"] != hist[1]["schema_hash"] == hist[2]["schema_hash"]
    assert [h["run_id"] for h in catalog.schema_history("clean", limit=1)] == ["r2"]
    assert catalog.schema_history("clean", limit=1)[0]["changed"] is True  # still compared with the older one

    assert catalog.last_successful_schema("clean")["run_id"] == "r2"
    assert catalog.last_successful_schema("clean", before_run_id="r3")["columns"] == v2
    assert catalog.last_successful_schema("clean", before_run_id="r2")["run_id"] == "r1"
    assert catalog.last_successful_schema("clean", before_run_id="r0") is None
    assert catalog.last_successful_schema("nope") is None


def test_reopening_keeps_history(tmp_path):
    first = RunCatalog(tmp_path)
    first.record_run(make_run("r1", 0))
    first.close()
    again = RunCatalog(tmp_path)
    assert again.get_run("r1")["status"] == "success"
    again.close()


def test_newer_schema_version_is_refused(tmp_path):
    RunCatalog(tmp_path).close()
    con = sqlite3.connect(tmp_path / "catalog.db")
    con.execute("UPDATE meta SET value='99' WHERE key='schema_version'")
    con.commit()
    con.close()
    with pytest.raises(CatalogError, match="newer"):
        RunCatalog(tmp_path)


def test_corrupt_file_is_a_clear_error(tmp_path):
    (tmp_path / "catalog.db").write_bytes(b"this is not a database at all" * 200)
    with pytest.raises(CatalogError, match="catalog.db"):
        RunCatalog(tmp_path)


def test_threads_record_nodes_of_one_run_at_once(catalog):
    run = make_run("r1", 0, nodes=[NodeResult(name=f"n{i}", pipeline="silver") for i in range(40)])
    catalog.record_run_start(run)
    errors: list[BaseException] = []

    def work(nr: NodeResult) -> None:
        try:
            nr.status = "success"
            catalog.record_node("r1", nr)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in run.nodes]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    got = catalog.get_run("r1")
    assert got["nodes_success"] == 40 and {n["status"] for n in got["nodes"]} == {"success"}


def _open_handles(path) -> int:
    """Open file descriptors of this process on ``path`` (Linux /proc; the test machine is Linux)."""
    fds = Path("/proc/self/fd")
    count = 0
    for fd in fds.iterdir():
        try:
            count += os.readlink(fd) == str(path)
        except OSError:
            continue
    return count


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc to count open files")
def test_connections_of_finished_threads_are_released(catalog):
    """Threads come and go (Studio reruns, runner workers): their connections must not pile up.
    SQLite keeps a closed connection's file descriptor for reuse while others hold locks on the
    file, so the bound is "no more than the threads alive at once", and zero after close()."""
    catalog.record_run(make_run("r1", 0))

    def round_of_threads() -> int:
        threads = [threading.Thread(target=catalog.get_run, args=("r1",)) for _ in range(20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        gc.collect()
        return _open_handles(catalog.path)

    peak = [round_of_threads() for _ in range(6)]
    assert max(peak) <= 20 + 1  # at most one per thread alive at once, plus this thread's (not 20 per round)
    catalog.close()
    gc.collect()
    assert _open_handles(catalog.path) == 0


def test_concurrent_processes_all_land(tmp_path):
    """Several OS processes write the same catalog at once; every run must be recorded, none may fail."""
    ctx = multiprocessing.get_context("spawn")
    n_procs, n_runs, n_nodes = 4, 40, 4
    barrier, errors = ctx.Barrier(n_procs), ctx.Queue()
    RunCatalog(tmp_path).close()  # created once up front, like a project that already ran
    procs = [ctx.Process(target=record_many, args=(str(tmp_path), w, n_runs, n_nodes, barrier, errors))
             for w in range(n_procs)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=300)
    reported = []
    while not errors.empty():
        reported.append(errors.get())
    assert reported == [] and [p.exitcode for p in procs] == [0] * n_procs

    catalog = RunCatalog(tmp_path)
    assert catalog.count_runs() == n_procs * n_runs
    assert catalog.count_runs(status="success") == n_procs * n_runs
    for w in range(n_procs):
        for i in range(n_runs):
            got = catalog.get_run(f"w{w}-r{i:03d}")
            assert got is not None and got["nodes_success"] == n_nodes and len(got["nodes"]) == n_nodes
    assert len(catalog.node_history("n0", limit=1000)) == n_procs * n_runs
    assert len(catalog.schema_history("n0", limit=1000)) == n_procs * n_runs
    catalog.close()


def test_concurrent_processes_can_create_the_catalog_together(tmp_path):
    """No catalog file yet: the first writes of several processes race on creating it."""
    ctx = multiprocessing.get_context("spawn")
    barrier, errors = ctx.Barrier(3), ctx.Queue()
    procs = [ctx.Process(target=record_many, args=(str(tmp_path / "fresh"), w, 5, 2, barrier, errors))
             for w in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=300)
    assert [p.exitcode for p in procs] == [0, 0, 0]
    catalog = RunCatalog(tmp_path / "fresh")
    assert catalog.count_runs() == 15
    catalog.close()
