"""Run history: a timeline of runs, filters, and a paged table; picking a run opens its story.

Thin skin over :mod:`odibi_core.workspace.history`: one page of runs (LIMIT/OFFSET on the
started_at indexes), counts and a timeline aggregated in SQL, so the page renders as fast with
10,000 runs as with ten. Reads are cached on the catalog's fingerprint: a new run (from the
Run page, the CLI or a scheduler) refreshes them, nothing else does.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import streamlit as st

from odibi_core.errors import OdibiError
from odibi_core.workspace import history
from studio.ui import context
from studio.ui.history_chart import LABELS, picked, timeline_chart
from studio.ui.widgets import STATUS_ICONS, empty_state, show_error

PAGES = Path(__file__).resolve().parent
STORIES_PAGE, RUN_PAGE = PAGES / "stories.py", PAGES / "run.py"
ALL = "All"
PAGE_SIZE = history.PAGE_SIZE


@st.cache_data(show_spinner=False, max_entries=64)
def _facets(catalog_key: tuple) -> dict:
    return history.facets(context.catalog_for(catalog_key))


@st.cache_data(show_spinner=False, max_entries=64)
def _overview(catalog_key: tuple, filters: history.RunFilters):
    cat = context.catalog_for(catalog_key)
    return history.run_counts(cat, filters), history.run_timeline(cat, filters)


@st.cache_data(show_spinner=False, max_entries=64)
def _page(catalog_key: tuple, filters: history.RunFilters, page: int, page_size: int) -> history.RunsPage:
    return history.runs_page(context.catalog_for(catalog_key), filters, page, page_size)


def _open_story(run_id: str) -> None:
    st.session_state["story_run_id"] = run_id
    st.switch_page(STORIES_PAGE, query_params={"run": run_id})


def _no_runs() -> None:
    empty_state("No runs yet: press Run.", "Start a pipeline on the Run page (or `odibi run` in a terminal); "
                "every run shows up here with its story.")
    if st.button("Go to Run", key="history_to_run", icon=":material/play_circle:"):
        st.switch_page(RUN_PAGE)
    st.stop()


def _filters(facets: dict) -> history.RunFilters:
    zoom = st.session_state.pop("_history_zoom", None)
    if zoom:  # a bucket was clicked on the last render: narrow the dates before the widget exists
        st.session_state["history_dates"] = zoom
    pipelines, statuses = [ALL, *facets["pipelines"]], [ALL, *facets["statuses"]]
    for key, options in (("history_pipeline", pipelines), ("history_status", statuses)):
        if st.session_state.get(key, ALL) not in options:  # another env's catalog, or runs pruned
            st.session_state[key] = ALL
    c1, c2, c3 = st.columns([2, 2, 3])
    pipeline = c1.selectbox("Pipeline", pipelines, key="history_pipeline")
    status = c2.selectbox("Status", statuses, key="history_status")
    st.session_state.setdefault("history_dates", ())
    dates = c3.date_input("Started between (UTC)", min_value=facets["first_day"],
                          max_value=max(facets["last_day"] or dt.date.today(), dt.date.today()),
                          key="history_dates", help="Leave empty for all dates; pick a start and an end day.")
    first, last = (tuple(dates) + (None, None))[:2] if isinstance(dates, (tuple, list)) else (dates, None)
    return history.RunFilters.for_days(None if pipeline == ALL else pipeline, None if status == ALL else status,
                                       first, last or first)


def _counts_line(counts: dict) -> None:
    parts = [f"**{counts['total']:,}** runs"]
    parts += [f"{STATUS_ICONS.get(o, '')} {LABELS[o]} {counts[o]:,}" for o in LABELS if counts.get(o)]
    st.markdown(" · ".join(parts))


def _timeline(key: tuple, tl) -> None:
    if not tl.rows:
        return
    if tl.mode == "buckets":
        st.caption(f"{tl.total:,} runs, shown per {tl.bucket}: narrow the filters to {history.MAX_BARS} runs or "
                   f"fewer to see one bar per run. Click a bar to zoom into that {tl.bucket}.")
    else:
        st.caption("One bar per run (height = duration). Click a bar to open the run's story.")
    # A fresh chart key after every handled click: a chart's selection cannot be cleared through
    # session state, and a stale one would zoom (or open) again on the next render.
    n = st.session_state.get("_history_chart_n", 0)
    event = st.altair_chart(timeline_chart(tl), key=f"history_chart_{tl.mode}_{n}", on_select="rerun",
                            selection_mode="pick", width="stretch")
    value = picked(event, "run_id" if tl.mode == "runs" else "bucket_start")
    if not value:
        return
    st.session_state["_history_chart_n"] = n + 1
    if tl.mode == "runs":
        _open_story(value)
    day = dt.datetime.fromisoformat(value).date()
    st.session_state["_history_zoom"] = (day, day + dt.timedelta(days=6 if tl.bucket == "week" else 0))
    st.rerun()


def _table(key: tuple, filters: history.RunFilters, total: int) -> None:
    pages = max(1, -(-total // PAGE_SIZE))
    if st.session_state.get("history_page", 1) > pages:
        st.session_state["history_page"] = pages
    c1, c2 = st.columns([1, 4])
    page_no = c1.number_input("Page", min_value=1, max_value=pages, step=1, key="history_page")
    page = _page(key, filters, int(page_no), PAGE_SIZE)
    c2.caption(f"Runs {page.first_index:,}–{page.first_index + len(page.rows) - 1:,} of {page.total:,} "
               f"(page {page.page} of {page.pages}), newest first. Select a row to open its story.")
    df = pd.DataFrame(page.rows)
    df["started_at"] = pd.to_datetime(df["started_at"], utc=True, format="ISO8601")
    df["status"] = [f"{STATUS_ICONS.get('warning' if o == 'warning' else s, '')} {s}" + (f", {w} warnings" if w else "")
                    for s, o, w in zip(df["status"], df["outcome"], df["warnings"])]
    event = st.dataframe(
        df, key="history_table", on_select="rerun", selection_mode="single-row", hide_index=True,
        column_order=["started_at", "pipeline", "status", "duration_s", "nodes", "failed", "skipped",
                      "rows_written", "env", "has_story", "run_id"],
        column_config={
            "started_at": st.column_config.DatetimeColumn("started (UTC)", format="YYYY-MM-DD HH:mm:ss"),
            "duration_s": st.column_config.NumberColumn("duration", format="%.1f s"),
            "nodes": st.column_config.TextColumn("nodes ok", help="nodes that succeeded / nodes in the run"),
            "rows_written": st.column_config.NumberColumn("rows written", format="localized"),
            "has_story": st.column_config.CheckboxColumn("story", help="the story file is recorded for this run"),
            "run_id": st.column_config.TextColumn("run id"),
        })
    rows = list(getattr(getattr(event, "selection", None), "rows", []) or [])
    handled = (page.page, filters, tuple(rows))
    if rows and st.session_state.get("_history_handled") != handled and rows[0] < len(page.rows):
        st.session_state["_history_handled"] = handled  # open once, not again when coming back
        _open_story(page.rows[rows[0]]["run_id"])
    elif not rows:
        st.session_state.pop("_history_handled", None)


st.title("Run history")
context.require_session()
key = context.catalog_key()
if key is None:
    _no_runs()
try:
    facets = _facets(key)
    if not facets["total"]:
        _no_runs()
    filters = _filters(facets)
    counts, tl = _overview(key, filters)
except OdibiError as exc:
    show_error(exc, "The run history cannot be read")
    st.stop()

_counts_line(counts)
if not counts["total"]:
    empty_state("No runs match these filters.", "Pick “All” for pipeline and status, or clear the dates.")
    st.stop()
_timeline(key, tl)
_table(key, filters, counts["total"])
