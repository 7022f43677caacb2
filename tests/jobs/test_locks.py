"""Pipeline run locks: one run of a pipeline at a time, across processes, never stuck on a dead holder."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time

import pytest

from odibi_core import locks
from odibi_core.runner.runner import RunOptions
from odibi_core.session import Session

BUSY = re.compile(r"pipeline 'silver' is already running \(pid \d+, started \d\d:\d\d:\d\d UTC by odibi run\); "
                  r"wait for it to finish or cancel it")


def dead_pid() -> int:
    """The pid of a process that has exited (and been reaped)."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def write_lock(system_dir, pipeline, **fields):
    path = locks.lock_path(system_dir, pipeline)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {"pipeline": pipeline, "pid": os.getpid(), "hostname": socket.gethostname(),
            "started_at": "2026-01-01T10:00:00.000+00:00", "by": "odibi run", "token": "theirs", **fields}
    path.write_text(json.dumps(data))
    return path


def test_second_acquire_is_refused_with_a_clear_message_until_released(tmp_path):
    held = locks.acquire(tmp_path, ["silver"], by="odibi run", selection={"pipelines": ["silver"]})
    with pytest.raises(locks.PipelineBusy) as err:
        locks.acquire(tmp_path, ["silver"], by="the Studio")
    assert BUSY.fullmatch(str(err.value)), str(err.value)
    assert err.value.exit_code == 2
    data = json.loads(locks.lock_path(tmp_path, "silver").read_text())
    assert data["pid"] == os.getpid() and data["selection"] == {"pipelines": ["silver"]}
    held.release()
    assert not locks.lock_path(tmp_path, "silver").exists()
    locks.acquire(tmp_path, ["silver"]).release()


def test_acquire_is_all_or_nothing(tmp_path):
    with locks.acquire(tmp_path, ["b"], by="odibi run"):
        with pytest.raises(locks.PipelineBusy, match="pipeline 'b'"):
            locks.acquire(tmp_path, ["c", "a", "b"])
        assert not locks.lock_path(tmp_path, "a").exists()
        assert not locks.lock_path(tmp_path, "c").exists()
        with locks.acquire(tmp_path, ["a", "c"]):
            assert {i.pipeline for i in locks.held(tmp_path)} == {"a", "b", "c"}
    assert locks.held(tmp_path) == []


def test_lock_of_a_dead_process_is_taken_over(tmp_path):
    write_lock(tmp_path, "silver", pid=dead_pid())
    assert locks.holder(tmp_path, "silver") is None
    with locks.acquire(tmp_path, ["silver"], by="odibi run"):
        data = json.loads(locks.lock_path(tmp_path, "silver").read_text())
        assert data["pid"] == os.getpid() and data["token"] != "theirs"


def test_lock_of_a_reused_pid_is_stale_but_a_live_holder_is_not(tmp_path):
    own_start = locks.process_start_time(os.getpid())
    if own_start is None:
        pytest.skip("no /proc: process start times are not available here")
    write_lock(tmp_path, "silver", pid_start=own_start + 1)  # same pid, another process's start time
    assert locks.holder(tmp_path, "silver") is None
    write_lock(tmp_path, "silver", pid_start=own_start)
    assert locks.holder(tmp_path, "silver").pid == os.getpid()


def test_lock_held_on_another_machine_is_respected_and_explained(tmp_path):
    path = write_lock(tmp_path, "silver", pid=dead_pid(), hostname="elsewhere.example")
    with pytest.raises(locks.PipelineBusy) as err:
        locks.acquire(tmp_path, ["silver"])
    assert "on elsewhere.example" in str(err.value) and str(path) in str(err.value)


def test_unreadable_lock_counts_as_held_while_young_then_as_stale(tmp_path):
    path = locks.lock_path(tmp_path, "silver")
    path.parent.mkdir(parents=True)
    path.write_text("")  # a lock being written right now
    with pytest.raises(locks.PipelineBusy):
        locks.acquire(tmp_path, ["silver"])
    old = time.time() - 3600
    os.utime(path, (old, old))
    locks.acquire(tmp_path, ["silver"]).release()


def test_release_leaves_a_lock_taken_over_by_someone_else(tmp_path):
    mine = locks.acquire(tmp_path, ["silver"])
    write_lock(tmp_path, "silver")  # as if ours had been declared stale and taken over
    mine.release()
    assert locks.lock_path(tmp_path, "silver").exists()


def test_odd_pipeline_names_get_safe_file_names(tmp_path):
    path = locks.lock_path(tmp_path, "../../etc/passwd")
    assert path.parent == tmp_path / "locks" and "/" not in path.name and not path.name.startswith(".")
    with locks.acquire(tmp_path, ["../../etc/passwd"]):
        assert locks.holder(tmp_path, "../../etc/passwd").pipeline == "../../etc/passwd"


# --- Session.run -------------------------------------------------------------------------------------
@pytest.fixture
def shop(tmp_path):
    from odibi_core.templates import create_project

    root = tmp_path / "shop"
    create_project(root, "local-medallion")
    return root


def test_session_run_holds_the_locks_of_its_plan_and_releases_them_after_a_failure(shop):
    sql = shop / "sql" / "clean_orders.sql"
    sql.write_text(sql.read_text().replace("SELECT", "SELEC", 1))
    session = Session(shop / "odibi.yaml", env="dev")
    seen = {}

    def on_event(event):
        if event["type"] == "node_started":
            seen[event["node"].name] = {i.pipeline: i.pid for i in locks.held(session.system_dir)}

    try:
        results = session.run(RunOptions(nodes=["orders"], with_upstream=True), on_event=on_event)
        assert {r.pipeline: r.status for r in results}["silver"] == "failed"
        assert seen["orders"] == {"bronze": os.getpid(), "silver": os.getpid()}  # gold is not in the plan
        assert locks.held(session.system_dir) == []
    finally:
        session.close()


def test_session_run_is_refused_while_a_pipeline_of_its_plan_is_locked(shop):
    session = Session(shop / "odibi.yaml", env="dev")
    try:
        with locks.acquire(session.system_dir, ["silver"], by="odibi run"):
            with pytest.raises(locks.PipelineBusy, match=BUSY.pattern):
                session.run(RunOptions(pipelines=["silver", "gold"]))
            assert session.run(RunOptions(pipelines=["silver"], dry_run=True))  # a dry run locks nothing
            assert [r.status for r in session.run(RunOptions(pipelines=["bronze"]))] == ["success"]
        assert session.catalog.count_runs(pipeline="silver") == 0
    finally:
        session.close()


def test_cli_run_is_refused_while_locked(shop):
    session = Session(shop / "odibi.yaml", env="dev")
    try:
        with locks.acquire(session.system_dir, ["silver"], by="odibi run"):
            env = {k: v for k, v in os.environ.items() if k != "ODIBI_ENV"}
            res = subprocess.run([sys.executable, "-m", "odibi_core.cli.main", "run", "odibi.yaml", "--env", "dev"],
                                 cwd=shop, env={**env, "COLUMNS": "300"}, capture_output=True, text=True, timeout=300)
    finally:
        session.close()
    assert res.returncode == 2, res.stdout + res.stderr
    assert "pipeline 'silver' is already running" in res.stderr and "Traceback" not in res.stderr
