"""Background runs started the way the Studio starts them: real processes, real catalog.

The ``slow`` pipeline's first node waits at a gate the test opens (see gated.py), so "while it
runs" is a state the test controls, not a guess about timing.
"""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import pytest

from odibi_core import locks
from odibi_core.catalog import RunCatalog
from odibi_core.runner.results import NodeResult, RunResult
from odibi_core.workspace import Workspace, ghosts, jobs
from tests.jobs.gated import open_gate, wait_for


def system_dir(root):
    return root / "data" / "_system"


def entered(root):
    wait_for(lambda: (root / "gate.entered").exists(), "the gate node to start")


def test_background_run_completes_and_is_found_again(gated_project):
    ws = Workspace(gated_project)
    open_gate(gated_project)
    job = jobs.start_run(ws, None, pipelines=["slow"])
    assert job.wait(120), job.log_tail()
    assert job.status == "success" and job.state["exit_code"] == 0

    again = jobs.get_job(ws, None, job.job_id)  # as after a page refresh: from the files only
    assert again.status == "success" and again.run_ids == job.run_ids
    assert [j.job_id for j in jobs.list_jobs(ws, None)] == [job.job_id]
    run = RunCatalog(system_dir(gated_project)).get_run(job.run_ids["slow"])
    assert run["status"] == "success" and run["story_html"]
    assert [(p["node"], p["status"], p["rows"]) for p in again.progress()] == [("gate", "success", 3),
                                                                                ("after", "success", 3)]
    assert locks.held(system_dir(gated_project)) == []
    assert "slow: success" in job.log_tail()


def test_progress_is_live_and_a_second_start_of_a_running_pipeline_is_refused(gated_project):
    ws = Workspace(gated_project)
    job = jobs.start_run(ws, None, pipelines=["slow"])
    entered(gated_project)
    assert job.refresh().status == "running"
    progress = {p["node"]: p for p in job.progress()}
    assert progress["gate"]["status"] == "running" and progress["after"]["status"] == "pending"
    assert progress["gate"]["elapsed_s"] is not None

    with pytest.raises(locks.PipelineBusy) as err:
        jobs.start_run(ws, None, nodes=["after"], with_upstream=True)
    assert f"pipeline 'slow' is already running (pid {job.pid}" in str(err.value)
    assert f"by the Studio, job {job.job_id}" in str(err.value)
    other = jobs.start_run(ws, None, pipelines=["quick"])  # another pipeline may run meanwhile
    assert other.wait(120) and other.status == "success", other.log_tail()

    open_gate(gated_project)
    assert job.wait(120) and job.status == "success", job.log_tail()


def test_the_run_process_refuses_too_when_the_early_check_is_raced(gated_project, monkeypatch):
    ws = Workspace(gated_project)
    sysdir = system_dir(gated_project)
    sysdir.mkdir(parents=True)
    # Mock: skip the Studio's early check, to reproduce two tabs pressing Start at the same moment.
    monkeypatch.setattr(jobs.locks, "check", lambda *a, **k: None)
    with locks.acquire(sysdir, ["quick"], by="odibi run"):
        job = jobs.start_run(ws, None, pipelines=["quick"])
        assert job.wait(120), job.log_tail()
    assert job.status == "refused" and job.state["exit_code"] == 2
    assert "pipeline 'quick' is already running" in job.error
    assert not (sysdir / "catalog.db").exists() or RunCatalog(sysdir).count_runs() == 0


def test_cancel_lets_the_running_node_finish_and_records_cancelled(gated_project):
    ws = Workspace(gated_project)
    job = jobs.start_run(ws, None, pipelines=["slow"])
    entered(gated_project)
    assert jobs.cancel(job)
    wait_for(lambda: (job.refresh().state or {}).get("cancel_requested"), "the run to see SIGTERM")
    assert job.status == "cancelling"
    open_gate(gated_project)
    assert job.wait(120), job.log_tail()

    assert job.status == "cancelled" and job.state["exit_code"] == 1
    run = RunCatalog(system_dir(gated_project)).get_run(job.run_ids["slow"])
    assert run["status"] == "cancelled"
    nodes = {n["node"]: n for n in run["nodes"]}
    assert nodes["gate"]["status"] == "success"  # it was running: it finished
    assert nodes["after"]["status"] == "skipped" and nodes["after"]["skipped_reason"] == "run cancelled"
    story = json.loads(Path(run["story_json"]).read_text(encoding="utf-8"))
    assert story["status"] == "cancelled"
    assert locks.held(system_dir(gated_project)) == []


def test_a_killed_run_is_not_left_running_and_its_pipeline_can_run_again(gated_project):
    ws = Workspace(gated_project)
    job = jobs.start_run(ws, None, pipelines=["slow"])
    entered(gated_project)
    os.killpg(job.pid, signal.SIGKILL)  # as the OOM killer would: no chance to record anything
    wait_for(lambda: not job.alive, "the process to die")

    job = jobs.get_job(ws, None, job.job_id)
    assert job.status == "failed" and "ended before the run finished" in job.error
    run = RunCatalog(system_dir(gated_project)).get_run(job.run_ids["slow"])
    assert run["status"] == "failed" and "ended before the run finished" in run["error"] and run["ended_at"]
    assert {n["node"]: n["status"] for n in run["nodes"]} == {"gate": "failed", "after": "skipped"}

    open_gate(gated_project)  # the dead run's lock is stale: a new run takes it over
    again = jobs.start_run(ws, None, pipelines=["slow"])
    assert again.wait(120) and again.status == "success", again.log_tail()


def test_stop_now_kills_the_run_and_records_it_cancelled(gated_project):
    ws = Workspace(gated_project)
    job = jobs.start_run(ws, None, pipelines=["slow"])
    entered(gated_project)
    assert jobs.kill(job)
    assert not job.alive and job.status == "cancelled" and job.error == ghosts.KILLED
    run = RunCatalog(system_dir(gated_project)).get_run(job.run_ids["slow"])
    assert run["status"] == "cancelled" and run["error"] == ghosts.KILLED
    assert not jobs.kill(job) and not jobs.cancel(job)  # nothing left to stop


def _running_row(catalog, run_id, started_at):
    run = RunResult(run_id=run_id, project="p", pipeline="slow", engine="pandas", env=None,
                    started_at=started_at, status="running")
    run.nodes = [NodeResult(name="gate", pipeline="slow", status="running")]
    catalog.record_run_start(run)


def test_ghost_runs_from_any_process_are_closed_but_live_ones_are_not(tmp_path):
    catalog = RunCatalog(tmp_path)
    _running_row(catalog, "old", "2026-01-01T10:00:00+00:00")
    assert ghosts.find_ghosts(catalog, tmp_path) == ["old"]  # no process holds 'slow'
    with locks.acquire(tmp_path, ["slow"]):  # a live run that started after the 'old' row
        _running_row(catalog, "live", "2999-01-01T10:00:00+00:00")
        assert ghosts.settle(catalog, tmp_path) == ["old"]
    assert catalog.get_run("old")["status"] == "failed"
    assert catalog.get_run("old")["nodes"][0]["status"] == "failed"
    assert catalog.get_run("live")["status"] == "running"
    assert ghosts.close_unfinished(catalog, ["old"], status="cancelled") == []  # final records stay final


def test_a_second_signal_stops_at_once_and_records_the_run_cancelled(gated_project):
    ws = Workspace(gated_project)
    job = jobs.start_run(ws, None, pipelines=["slow"])
    entered(gated_project)
    assert jobs.cancel(job)
    wait_for(lambda: (job.refresh().state or {}).get("cancel_requested"), "the run to see the first SIGTERM")
    os.kill(job.pid, signal.SIGTERM)  # the gate is still closed: only "stop at once" can end the run now
    assert job.wait(120), job.log_tail()
    assert job.status == "cancelled" and job.state["exit_code"] == 128 + signal.SIGTERM
    run = RunCatalog(system_dir(gated_project)).get_run(job.run_ids["slow"])
    assert run["status"] == "cancelled" and run["error"].startswith("stopped at once")
    assert {n["node"]: n["status"] for n in run["nodes"]} == {"gate": "cancelled", "after": "skipped"}
