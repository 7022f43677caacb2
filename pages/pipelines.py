"""Pipelines gallery: the whole project as one graph, coloured by last run and layer.

Thin skin over :mod:`odibi_core.workspace.graph_view` (graph, filters, layout, last runs in one
query) and :mod:`odibi_core.workspace.node_details` (config, last run, schema, sample). Catalog
reads are cached on the catalog's fingerprint, so a new run refreshes the colours and nothing
runs a pipeline here.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import streamlit as st
from streamlit_agraph import agraph

from odibi_core.catalog.latest import latest_node_runs
from odibi_core.errors import OdibiError
from odibi_core.workspace.graph_view import GraphFilters, build_graph_view
from odibi_core.workspace.node_details import NodeDetails, node_details
from studio.ui import context
from studio.ui.graph_payload import agraph_payload, legend_html
from studio.ui.widgets import STATUS_ICONS, empty_state, fmt_rows, fmt_seconds, show_error

NODE_KEY, CLICK_KEY = "pl_node", "_pl_clicked"
_BADGE = {"success": "green", "warning": "orange", "partial": "orange", "failed": "red", "running": "blue",
          "cancelled": "gray", "skipped": "gray", "pending": "gray"}


@st.cache_data(show_spinner=False, max_entries=32)
def _last_runs(catalog_key: tuple | None, project_key: tuple, _pairs: tuple[tuple[str, str], ...]) -> dict:
    """Last run of every node; ``project_key`` stands for ``_pairs`` (hashing 200 pairs costs more)."""
    if catalog_key is None:
        return {}
    return latest_node_runs(context.catalog_for(catalog_key), _pairs)


_WORST_FIRST = ("failed", "cancelled", "partial", "warning", "running", "success")


@st.cache_data(show_spinner=False, max_entries=32)
def _latest_run(catalog_key: tuple | None) -> dict | None:
    """The newest project run: the pipeline runs that started together, with their worst status."""
    if catalog_key is None:
        return None
    runs = context.catalog_for(catalog_key).list_runs(limit=50)
    if not runs:
        return None
    together = [r for r in runs if r["started_at"] == runs[0]["started_at"]]
    statuses = {r["status"] for r in together}
    status = next((s for s in _WORST_FIRST if s in statuses), runs[0]["status"])
    return {"status": status, "started_at": runs[0]["started_at"], "env": runs[0]["env"],
            "pipelines": [r["pipeline"] for r in together]}


@st.cache_data(show_spinner=False, max_entries=64)
def _details(catalog_key: tuple | None, project_key: tuple, name: str, pipeline: str, story_dir: str | None,
             _loaded, _inside) -> NodeDetails:
    catalog = context.catalog_for(catalog_key) if catalog_key else None
    return node_details(_loaded, catalog, name, pipeline, inside=_inside,
                        story_dir=Path(story_dir) if story_dir else None)


def _story_dir(session) -> str | None:
    try:
        return str(session.story_dir)
    except OdibiError:  # stories on a remote connection: only recorded paths inside the project are read
        return None


def when(iso: str | None) -> str:
    if not iso:
        return "–"
    try:
        return dt.datetime.fromisoformat(iso).astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    except ValueError:
        return iso


def _filters(view_all) -> GraphFilters:
    search = st.text_input("Search", key="pl_search", placeholder="node, pipeline, description, path or table…")
    cols = st.columns(3)
    pipes = cols[0].multiselect("Pipelines", view_all.pipelines, key="pl_pipelines", placeholder="all")
    layers = cols[1].multiselect("Layers", view_all.layers, key="pl_layers", placeholder="all")
    tags = cols[2].multiselect("Tags", view_all.tags, key="pl_tags", placeholder="all")
    return GraphFilters(tuple(pipes), tuple(layers), tuple(tags), search or "")


def _summary(view, catalog_key) -> None:
    latest = _latest_run(catalog_key)
    counts = view.status_counts()
    cols = st.columns(4)
    cols[0].metric("Pipelines", len(view.pipelines))
    cols[1].metric("Nodes", view.total_nodes)
    if latest is None:
        cols[2].metric("Last run", "none yet")
    else:
        icon = STATUS_ICONS.get(latest["status"], "")
        cols[2].metric("Last run", f"{icon} {latest['status']}")
        cols[2].caption(f"{', '.join(latest['pipelines'])} · {when(latest['started_at'])}")
    failing = counts.get("failed", 0)
    cols[3].metric("Nodes failing", failing, help="nodes whose last run failed")


def _show_details(d: NodeDetails) -> None:
    st.subheader(d.name)
    st.caption(f"pipeline `{d.pipeline}`")
    st.markdown("**Last run**")
    run = d.last_run
    if run is None:
        empty_state("This node has not run yet.", "Press Run (Run page) to run it; its rows, schema and sample "
                    "then show here.")
    else:
        color = _BADGE.get(run["status"], "gray")
        st.markdown(f":{color}-badge[{STATUS_ICONS.get(run['status'], '')} {run['status']}]")
        c = st.columns(3)
        c[0].metric("Rows in", fmt_rows(run.get("rows_in")))
        c[1].metric("Rows out", fmt_rows(run.get("rows_out")))
        c[2].metric("Duration", fmt_seconds(run.get("duration_s")))
        st.caption(f"Started {when(run.get('started_at'))} · run `{run.get('run_id')}`"
                   + (f" · env {run['env']}" if run.get("env") else ""))
        if run.get("error"):
            st.error(run["error"], icon=":material/error:")
            if run.get("suggestion"):
                st.caption(f"Hint: {run['suggestion']}")
        elif run.get("skipped_reason"):
            st.warning(f"skipped: {run['skipped_reason']}")
    st.markdown("**Config**")
    if d.location:
        st.caption(d.location)
    st.code(d.yaml or "# not found in the project file", language="yaml")
    st.markdown("**Output schema**")
    if d.schema:
        st.caption(f"from run `{d.schema_run_id}` ({when(d.schema_captured_at)})")
        st.dataframe(pd.DataFrame(d.schema), hide_index=True)
    else:
        st.caption("no output schema recorded yet (recorded when the node succeeds)")
    st.markdown("**Sample of its output**")
    if d.sample:
        st.caption(f"from the story of run `{d.sample_run_id}`")
        st.dataframe(pd.DataFrame(d.sample).astype(str), hide_index=True)
    else:
        st.caption(d.sample_note or "no sample")


def main() -> None:
    st.title("Pipelines")
    session = context.require_session()
    ws = context.workspace()
    catalog_key = context.catalog_key()
    graph, pipelines = session.graph, session.config.pipelines
    pairs = tuple((n.name, n.pipeline) for n in graph.nodes.values())
    project_key = (str(ws.config_file), session.loaded.env, context.project_fingerprint(ws))
    try:
        last = _last_runs(catalog_key, project_key, pairs)
    except Exception as exc:  # noqa: BLE001 - a damaged catalog must not hide the graph
        show_error(exc, "Run history could not be read; showing the graph without it")
        last = {}
    everything = build_graph_view(graph, last, None, pipelines)
    _summary(everything, catalog_key)
    filters = _filters(everything)
    view = build_graph_view(graph, last, filters, pipelines) if filters.active else everything
    if not view.nodes:
        empty_state(f"No node matches these filters (0 of {view.total_nodes}).",
                    "Clear the search box or the pipeline, layer and tag filters.")
        return
    left, right = st.columns([3, 2], gap="medium")
    with left:
        st.caption(f"{len(view.nodes)} of {view.total_nodes} nodes · {len(view.edges)} dependencies · "
                   "click a node for its details")
        nodes, edges, config = agraph_payload(view)
        clicked = agraph(nodes=nodes, edges=edges, config=config)
        st.html(legend_html(view.layers))
    ids = [n.id for n in view.nodes]
    if clicked and clicked in ids and clicked != st.session_state.get(CLICK_KEY):
        st.session_state[CLICK_KEY] = clicked
        st.session_state[NODE_KEY] = clicked
    if st.session_state.get(NODE_KEY) not in ids:
        st.session_state[NODE_KEY] = None  # never given: placeholder; filtered away: cleared
    by_id = {n.id: n for n in view.nodes}
    with right:
        name = st.selectbox("Node", ids, key=NODE_KEY, placeholder="Choose a node…",
                            format_func=lambda i: f"{i} · {by_id[i].pipeline}")
        if name is None:
            empty_state("Pick a node in the graph or in the list above.",
                        "You get its config, last run, output schema and a sample of its output.")
            return
        try:
            details = _details(catalog_key, project_key, name, by_id[name].pipeline, _story_dir(session),
                               session.loaded, ws.inside)
        except Exception as exc:  # noqa: BLE001 - show a readable error, never a traceback
            show_error(exc, f"Details of '{name}' could not be read")
            return
        _show_details(details)


main()
