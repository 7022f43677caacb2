"""Stories: a run's HTML story, a structured view of its nodes, and a diff against another run.

The run comes from the link that opened the page (``?run=<id>``, set by Run history and the
Run page), else the last story viewed, else the newest run. Story files are found through
:mod:`odibi_core.workspace.stories`, which refuses paths outside the project; a story removed
by retention is replaced by what the catalog recorded, and the page says so.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from odibi_core import secrets
from odibi_core.catalog import history as catalog_history
from odibi_core.errors import OdibiError
from odibi_core.workspace import Workspace, stories
from studio.ui import context
from studio.ui.stories_view import diff_view, node_details, run_label
from studio.ui.widgets import STATUS_ICONS, empty_state, fmt_seconds, show_error

RUN_PAGE = Path(__file__).resolve().parent / "run.py"
ALL = "All pipelines"
CHOICES = 200
HTML_HEIGHT = 900


@st.cache_data(show_spinner=False, max_entries=64)
def _choices(catalog_key: tuple, pipeline: str | None) -> list[dict]:
    return catalog_history.run_choices(context.catalog_for(catalog_key), pipeline, CHOICES)


@st.cache_data(show_spinner=False, max_entries=64)
def _facets(catalog_key: tuple) -> dict:
    return catalog_history.facets(context.catalog_for(catalog_key))


@st.cache_data(show_spinner=False, max_entries=64)
def _run(catalog_key: tuple, root: str, story_dir: str | None, run_id: str) -> stories.RunStory:
    return stories.open_run(Workspace(root), context.catalog_for(catalog_key), run_id,
                            Path(story_dir) if story_dir else None)


@st.cache_data(show_spinner=False, max_entries=16)
def _html(root: str, path: str, mtime_ns: int) -> str:
    return stories.read_html(Workspace(root), Path(path))


@st.cache_data(show_spinner=False, max_entries=64)
def _diff(catalog_key: tuple, root: str, story_dir: str | None, run_a: str, run_b: str):
    return stories.compare_runs(Workspace(root), context.catalog_for(catalog_key), run_a, run_b,
                                Path(story_dir) if story_dir else None)


@st.cache_data(show_spinner=False, max_entries=64)
def _previous(catalog_key: tuple, run_id: str) -> dict | None:
    return catalog_history.previous_run(context.catalog_for(catalog_key), run_id)


@st.cache_data(show_spinner=False, max_entries=64)
def _label(catalog_key: tuple, run_id: str) -> str | None:
    run = context.catalog_for(catalog_key).get_run(run_id)
    return run_label(run) if run else None


def _story_dir(session) -> str | None:
    try:
        return str(session.story_dir)
    except OdibiError:
        return None  # stories on a remote connection: the catalog view still works


def _pick_run(key: tuple) -> str:
    """The run to show: ?run=, else the last one viewed, else the newest; the picker can change it."""
    requested = st.query_params.get("run")
    fresh_link = bool(requested) and requested != st.session_state.get("_story_requested")
    if fresh_link:
        st.session_state["_story_requested"] = requested  # a new link: it wins over the picker's old value
        st.session_state["story_run"] = requested
        st.session_state["story_pipeline"] = ALL
    pipelines = [ALL, *_facets(key)["pipelines"]]
    if st.session_state.get("story_pipeline", ALL) not in pipelines:  # another env's catalog
        st.session_state["story_pipeline"] = ALL
    c1, c2 = st.columns([1, 3])
    pipeline = c1.selectbox("Pipeline", pipelines, key="story_pipeline")
    runs = _choices(key, None if pipeline == ALL else pipeline)
    labels = {r["run_id"]: run_label(r) for r in runs}
    current = st.session_state.get("story_run") or st.session_state.get("story_run_id")
    if current and current not in labels and pipeline == ALL:  # an older run, opened from Run history
        older = _label(key, current)
        if older is not None:
            labels = {current: older, **labels}
        elif fresh_link:  # a link naming a run this history does not have: the error below says so
            labels = {current: f"{current} (not in the run history)", **labels}
    if not labels:
        empty_state(f"No runs of {pipeline} yet.", "Pick another pipeline, or run this one on the Run page.")
        st.stop()
    if st.session_state.get("story_run") not in labels:
        st.session_state["story_run"] = current if current in labels else next(iter(labels))
    st.session_state["story_run"] = st.session_state["story_run"]  # pinned: a live run's label changes
    run_id = c2.selectbox("Run", list(labels), format_func=labels.get, key="story_run",
                          help=f"The newest {CHOICES} runs; a run opened from Run history is added to the list.")
    st.session_state["story_run_id"] = run_id
    st.session_state["_story_requested"] = run_id
    if st.query_params.get("run") != run_id:
        st.query_params["run"] = run_id  # the address names the run shown, so it can be shared
    return run_id


def _headline(run: dict) -> None:
    status = run.get("status")
    c = st.columns(4)
    c[0].metric("Status", f"{STATUS_ICONS.get(status, '')} {status}")
    c[1].metric("Pipeline", run.get("pipeline"))
    c[2].metric("Duration", fmt_seconds(run.get("duration_s")))
    c[3].metric("Nodes ok", f"{run.get('nodes_success', 0)}/{run.get('nodes_total', 0)}")
    st.caption(f"Started {(run.get('started_at') or '')[:19].replace('T', ' ')} UTC · env `{run.get('env')}` · "
               f"engine {run.get('engine')} · run `{run.get('run_id')}`")
    if run.get("error"):
        st.error(secrets.mask(run["error"]))


def _html_tab(rs: stories.RunStory, root: str) -> None:
    if rs.html_path is None:
        empty_state("The HTML story of this run is not available.",
                    "The Nodes tab shows what the run catalog recorded (statuses, rows, schemas).")
        return
    try:
        html = _html(root, str(rs.html_path), rs.html_path.stat().st_mtime_ns)
    except (OSError, OdibiError) as exc:
        show_error(exc, "The HTML story cannot be read")
        return
    st.caption(f"`{rs.html_path.relative_to(Path(root))}`")
    st.iframe(html, height=HTML_HEIGHT)


def _nodes_tab(rs: stories.RunStory) -> None:
    story = rs.story or {}
    rows = stories.node_rows(story)
    if not rows:
        empty_state("This run recorded no nodes.", "A run stopped before it started any node has nothing to show.")
        return
    df = pd.DataFrame(rows)
    df["status"] = [f"{STATUS_ICONS.get(s, '')} {s}" for s in df["status"]]
    st.dataframe(df, hide_index=True, width="stretch", key="story_nodes_table",
                 column_config={"duration_s": st.column_config.NumberColumn("duration", format="%.2f s"),
                                "rows_in": st.column_config.NumberColumn("rows in", format="localized"),
                                "rows_out": st.column_config.NumberColumn("rows out", format="localized")})
    names = [n["node"] for n in rows]
    if st.session_state.get("story_node") not in names:
        st.session_state["story_node"] = next((n["node"] for n in rows if n["status"] == "failed"), names[0])
    name = st.selectbox("Node details", names, key="story_node")
    node_details(next(n for n in story["nodes"] if n.get("name") == name), from_story=rs.from_story)


def _compare_tab(key: tuple, root: str, story_dir: str | None, run_id: str) -> None:
    runs = _choices(key, None)
    labels = {r["run_id"]: run_label(r) for r in runs if r["run_id"] != run_id}
    previous = _previous(key, run_id)
    if previous and previous["run_id"] not in labels:
        labels = {previous["run_id"]: run_label(previous), **labels}
    if not labels:
        empty_state("There is no other run to compare with yet.", "Run the pipeline again, then compare the runs.")
        return
    if st.session_state.get("story_compare") not in labels:
        st.session_state["story_compare"] = previous["run_id"] if previous else next(iter(labels))
    other = st.selectbox("Compare with (A, the baseline)", list(labels), format_func=labels.get,
                         key="story_compare", help="Defaults to the previous run of the same pipeline.")
    st.caption(f"A = {other}, B = {run_id} (this run). Changes read from A to B.")
    diff_view(_diff(key, root, story_dir, other, run_id))


st.title("Stories")
session = context.require_session()
key = context.catalog_key()
if key is None or not _facets(key)["total"]:
    empty_state("No runs yet: press Run.", "Every run writes a story (what each node read, did and wrote); "
                "start one on the Run page and it shows up here.")
    if st.button("Go to Run", key="story_to_run", icon=":material/play_circle:"):
        st.switch_page(RUN_PAGE)
    st.stop()

root, story_dir = str(context.workspace().root), _story_dir(session)
run_id = _pick_run(key)
try:
    rs = _run(key, root, story_dir, run_id)
except OdibiError as exc:
    show_error(exc, f"Run {run_id} cannot be shown")
    st.stop()

_headline(rs.run or {})
for note in rs.notes:
    st.warning(note, icon=":material/history_toggle_off:")
tab_story, tab_nodes, tab_compare = st.tabs(["Story", "Nodes", "Compare"])
with tab_story:
    _html_tab(rs, root)
with tab_nodes:
    _nodes_tab(rs)
with tab_compare:
    _compare_tab(key, root, story_dir, run_id)
