"""The Run page: it launches real background runs, shows them per node, cancels, and refuses a
second run of a running pipeline."""

from __future__ import annotations

from odibi_core import locks
from odibi_core.catalog import RunCatalog
from odibi_core.workspace import Workspace, jobs
from tests.jobs.gated import make_gated_project, open_gate, wait_for
from tests.studio.conftest import assert_clean


def _texts(at) -> str:
    parts = [e.value for kind in ("markdown", "caption", "error", "info", "warning", "success") for e in getattr(at, kind)]
    return "\n".join(str(p) for p in parts)


def _job(at, project, env):
    return jobs.get_job(Workspace(project), env, at.session_state["run_job_pick"])


def test_empty_folder_shows_a_hint(studio, empty_project):
    at = studio(empty_project, page="run.py")
    assert_clean(at)
    assert "no odibi.yaml" in _texts(at)
    assert not at.button  # nothing to start


def test_run_page_launches_a_real_run_that_lands_in_history(studio, sample_project):
    system = sample_project / "lake" / "_odibi_system"
    before = RunCatalog(system).count_runs(pipeline="bronze", status="success")
    at = studio(sample_project, page="run.py")
    assert_clean(at)
    assert "No run started from the Studio yet" in _texts(at)

    at.multiselect(key="run_pipelines").set_value(["bronze"]).run()
    assert "3 node(s) in bronze" in _texts(at)
    at.button(key="run_start").click().run()
    assert_clean(at)
    job = _job(at, sample_project, "dev")
    assert job.selection == {"pipelines": ["bronze"]} and job.env == "dev"
    assert job.wait(120), job.log_tail()

    at.run()  # the page as it looks once the run has ended
    assert_clean(at)
    catalog = RunCatalog(system)
    assert catalog.count_runs(pipeline="bronze", status="success") == before + 1
    run_id = job.run_ids["bronze"]
    assert catalog.get_run(run_id)["env"] == "dev"
    text = _texts(at)
    assert "success · pipeline bronze" in text and "**bronze** success" in text
    nodes = at.dataframe[0].value
    assert set(nodes["node"]) == {"raw_customers", "raw_orders", "raw_products"} and set(nodes["status"]) == {"success"}

    at.button(key=f"run_story_{run_id}").click().run()
    assert at.session_state["story_run_id"] == run_id
    assert at.query_params.get("run") in (run_id, [run_id])


def test_start_is_refused_with_the_holder_named_while_the_pipeline_runs(studio, sample_project):
    at = studio(sample_project, page="run.py")
    at.radio(key="run_mode").set_value("A node").run()
    at.selectbox(key="run_node").set_value("orders").run()
    at.checkbox(key="run_upstream").check().run()
    assert "node(s) in bronze, silver" in _texts(at)
    with locks.acquire(sample_project / "lake" / "_odibi_system", ["bronze"], by="odibi run"):
        at.run()
        assert "pipeline 'bronze' is running (pid" in _texts(at)
        at.button(key="run_start").click().run()
    assert_clean(at)
    errors = " ".join(e.value for e in at.error)
    assert "Run not started" in errors and "pipeline 'bronze' is already running" in errors
    assert not (sample_project / "lake" / "_odibi_system" / "jobs").exists()


def test_live_progress_and_cancel_from_the_page(studio, tmp_path):
    project = make_gated_project(tmp_path / "gated")
    at = studio(project, page="run.py")
    at.multiselect(key="run_pipelines").set_value(["slow"]).run()
    at.button(key="run_start").click().run()
    wait_for(lambda: (project / "gate.entered").exists(), "the gate node to start")
    at.run()
    assert_clean(at)
    table = at.dataframe[0].value
    assert dict(zip(table["node"], table["status"], strict=True)) == {"gate": "running", "after": "pending"}

    at.button(key="run_cancel").click().run()
    job = _job(at, project, None)
    wait_for(lambda: (job.refresh().state or {}).get("cancel_requested"), "the run to see the cancel")
    at.run()
    assert "cancelling" in _texts(at)
    open_gate(project)
    assert job.wait(120), job.log_tail()
    at.run()
    assert_clean(at)
    assert "cancelled · pipeline slow" in _texts(at)
    assert RunCatalog(project / "data" / "_system").get_run(job.run_ids["slow"])["status"] == "cancelled"
