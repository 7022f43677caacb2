"""Run: start pipelines, a node or a tag in the background, watch each node live, cancel.

The run happens in its own process (:mod:`odibi_core.workspace.jobs`), so this page only
launches, reads and signals: a refresh or a closed tab does not stop the run, and the page
finds its jobs again from the job files. A pipeline already running (from here, another tab
or the CLI) is refused with the holder named.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import streamlit as st

from odibi_core.errors import OdibiError
from odibi_core.workspace import jobs

from studio.ui import context
from studio.ui.widgets import STATUS_ICONS, empty_state, fmt_rows, fmt_seconds, show_error

STORIES_PAGE = Path(__file__).resolve().parent / "stories.py"
ACTIVE = ("starting", "running", "cancelling")
REFRESH_S = 1.0
ICONS = {**STATUS_ICONS, "starting": "⏳", "cancelling": "⏹️", "refused": "🚫", "error": "❌", "crashed": "💥"}

st.title("Run")
session = context.require_session()
ws = context.workspace()


def _when(ts: str | None) -> str:
    try:
        value = dt.datetime.fromisoformat(ts) if ts else None
    except ValueError:
        return ts or "–"
    return value.astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC") if value else "–"


def _choose_env() -> str | None:
    envs = context.environments()
    if not envs:
        st.caption("No environments defined: the base config is used.")
        return None
    default = context.current_env()
    return st.selectbox("Environment", envs, index=envs.index(default) if default in envs else 0,
                        key=f"run_env__{default}", help="Defaults to the environment chosen in the sidebar.")


def _choose_selection() -> dict | None:
    """What to run, as start_run keyword arguments; ``None`` when nothing valid is chosen."""
    pipelines = [p.pipeline for p in session.config.pipelines]
    if not pipelines:
        empty_state("This project has no pipelines yet.", "Add one in the Builder, then come back here to run it.")
        st.stop()
    mode = st.radio("What to run", ["Pipelines", "A node", "A tag"], horizontal=True, key="run_mode")
    if mode == "Pipelines":
        chosen = st.multiselect("Pipelines", pipelines, default=pipelines, key="run_pipelines")
        return {"pipelines": chosen} if chosen else None
    if mode == "A node":
        graph = session.graph
        node = st.selectbox("Node", list(graph.nodes), key="run_node",
                            format_func=lambda n: f"{graph.nodes[n].pipeline} › {n}")
        upstream = st.checkbox("Also run the nodes it depends on (upstream)", key="run_upstream")
        return {"nodes": [node], "with_upstream": upstream} if node else None
    tags = sorted({t for n in session.graph.nodes.values() for t in n.config.tags})
    if not tags:
        empty_state("No node has tags.", "Add `tags: [...]` to nodes in the Builder to run them by tag.")
        return None
    tag = st.selectbox("Tag", tags, key="run_tag")
    return {"tags": [tag]}


def _preview(selection: dict) -> bool:
    """The plan in one line; ``False`` (and the reason shown) when it cannot run."""
    try:
        names = jobs.planned_nodes(session, **selection)
    except OdibiError as exc:
        show_error(exc, title="This selection cannot run")
        return False
    if not names:
        st.warning("Every node in this selection is disabled (`enabled: false`): nothing would run.")
        return False
    pipes = sorted({session.graph.nodes[n].pipeline for n in names})
    st.caption(f"{len(names)} node(s) in {', '.join(pipes)}: {', '.join(names[:12])}"
               + (" …" if len(names) > 12 else ""))
    return True


# --- start ----------------------------------------------------------------------------------------------
with st.container(border=True):
    st.subheader("Start a run")
    env = _choose_env()
    selection = _choose_selection()
    runnable = selection is not None and _preview(selection)
    try:
        if env == context.current_env():  # the cached session knows the folder: no project load here
            jobs.jobs_folder(ws, env, system_dir=session.system_dir)
        busy = jobs.running(ws, env)
    except OdibiError as exc:
        show_error(exc, title="Runs cannot be started from the Studio for this project")
        st.stop()
    for lock in busy:
        st.caption(f"⏳ {lock.describe().replace(' is already running', ' is running')}")
    if st.button("Start run", type="primary", key="run_start", disabled=not runnable, icon=":material/play_arrow:"):
        try:
            job = jobs.start_run(ws, env, **selection)
        except OdibiError as exc:
            show_error(exc, title="Run not started")
        else:
            st.session_state["run_job_pick"] = job.job_id
            st.toast(f"Started {job.label}", icon=":material/play_arrow:")


# --- watch ----------------------------------------------------------------------------------------------
def _progress_table(job: jobs.Job) -> None:
    rows = job.progress()
    if not rows:
        st.caption("Waiting for the run to start…" if job.status in ACTIVE else "No node ran.")
        return
    frame = pd.DataFrame([{"": ICONS.get(r["status"], "•"), "pipeline": r["pipeline"], "node": r["node"],
                           "status": r["status"], "rows": fmt_rows(r["rows"]), "elapsed": fmt_seconds(r["elapsed_s"]),
                           "note": r["error"] or ""} for r in rows])
    st.dataframe(frame, hide_index=True, width="stretch")


def _header(job: jobs.Job) -> None:
    st.markdown(f"### {ICONS.get(job.status, '•')} {job.status} · {job.label}")
    st.caption(f"job {job.job_id} · env {job.env or 'base'} · started {_when(job.started_at)} · "
               f"{fmt_seconds(job.duration_s)}")


def _live(job_id: str, job_env: str | None) -> None:
    """Redrawn every second while the job runs; the whole page reruns once it ends."""
    job = jobs.get_job(ws, job_env, job_id)
    if job is None or job.status not in ACTIVE:
        st.rerun()
    _header(job)
    _progress_table(job)
    left, right = st.columns(2)
    if job.status == "cancelling":
        left.info("Cancelling: running nodes finish, no new node starts.")
        if right.button("Stop now", key="run_kill", icon=":material/dangerous:",
                        help="Kill the run process at once; nodes that were running may leave partial output."):
            job.kill()
            st.rerun()
    elif left.button("Cancel", key="run_cancel", icon=":material/stop:"):
        job.cancel()
        st.rerun(scope="fragment")


def _finished(job: jobs.Job) -> None:
    _header(job)
    if job.error:
        st.error(job.error, icon=":material/error:")
    for run in job.runs():
        cols = st.columns([3, 1])
        cols[0].markdown(f"{ICONS.get(run['status'], '•')} **{run['pipeline']}** {run['status']} in "
                         f"{fmt_seconds(run['duration_s'])} · {run['nodes_success']}/{run['nodes_total']} node(s) ok"
                         + (f" · {fmt_rows(run['rows_written'])} row(s) written" if run["rows_written"] else ""))
        if run.get("story_html") and cols[1].button("Open story", key=f"run_story_{run['run_id']}",
                                                    icon=":material/article:"):
            st.session_state["story_run_id"] = run["run_id"]
            st.switch_page(STORIES_PAGE, query_params={"run": run["run_id"]})
    _progress_table(job)
    with st.expander("Process output"):
        st.code(job.log_tail(80) or "(no output)", language=None)


try:
    recent = jobs.list_jobs(ws, env)
except OdibiError as exc:
    show_error(exc, title="Jobs could not be read")
    st.stop()
if not recent:
    empty_state("No run started from the Studio yet.", "Choose what to run above and press “Start run”. "
                "Earlier runs (from the CLI too) are in Run history.")
    st.stop()

ids = [j.job_id for j in recent]
by_id = {j.job_id: j for j in recent}
if st.session_state.get("run_job_pick") not in ids:  # after a refresh: the running job, else the newest
    st.session_state["run_job_pick"] = next((j.job_id for j in recent if j.status in ACTIVE), ids[0])
st.session_state["run_job_pick"] = st.session_state["run_job_pick"]  # pinned server-side across label changes
# the label leaves out the status: it changes while the live panel redraws, and this box is not redrawn
pick = st.selectbox("Job", ids, key="run_job_pick",
                    format_func=lambda i: f"{_when(by_id[i].started_at)} · {by_id[i].label} · env {by_id[i].env or 'base'}")
current = by_id[pick]
with st.container(border=True):
    if current.status in ACTIVE:
        st.fragment(run_every=REFRESH_S)(_live)(current.job_id, env)
    else:
        _finished(current)

st.subheader("Recent jobs")
st.dataframe(pd.DataFrame([{"": ICONS.get(j.status, "•"), "started": _when(j.started_at), "what": j.label,
                            "env": j.env or "base", "status": j.status, "duration": fmt_seconds(j.duration_s),
                            "job": j.job_id} for j in recent]), hide_index=True, width="stretch")
