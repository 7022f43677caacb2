"""The Ask page's parts: the cached question scope, the tables in scope, one answer, the export form.

Why the scope is a cached resource: opening the project and every node output (Delta logs, file
stats, a few distinct values per column) costs far more than answering a question, and Streamlit
reruns the page on every keystroke that commits. One :class:`AskSession` is kept per (project
folder, env, project files, catalog); a new run or an edited YAML gives a new key, and the old
session is closed when the cache drops it.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from odibi_core.errors import OdibiError
from odibi_core.intel.query.answer import Answer
from odibi_core.workspace import assist
from odibi_core.workspace.assist import AskSession
from studio.ui import context
from studio.ui.widgets import show_error

HISTORY_KEY = "ask_history"  # [{"id": int, "answer": Answer, "export": Exported | None}], oldest first
KEEP = 10  # questions kept on the page per browser session
WHO = {"semantic": "the offline semantic parser", "llm": "the LLM"}


def _release(s: AskSession) -> None:
    s.close()


@st.cache_resource(show_spinner="Opening the tables your pipelines wrote…", max_entries=4, on_release=_release)
def _ask_session(root: str, env: str | None, project_key: tuple, catalog_key: tuple) -> AskSession:
    from odibi_core.workspace import Workspace

    return assist.open_ask(Workspace(root), env)  # both keys only select the cache entry


def ask_session(catalog_key: tuple) -> AskSession:
    ws = context.workspace()
    return _ask_session(str(ws.root), context.current_env(), context.project_fingerprint(ws), catalog_key)


# --- scope -----------------------------------------------------------------------------------------
def _columns_line(info) -> str:
    return ", ".join(f"{c} ({t})" for c, t in info.columns.items())


def scope_panel(s: AskSession) -> None:
    """Every table a question may use, with its columns and the known values of category columns."""
    tables = s.scope.tables
    with st.expander(f"Tables in scope ({len(tables)})", expanded=False, icon=":material/table_chart:"):
        st.caption("The outputs of nodes with a `write:` target that ran successfully. Name a measure and a "
                   "column in your question: *total revenue by country*, *count of orders by status*.")
        for name, info in tables.items():
            rows = f"{info.row_count:,} rows" if info.row_count is not None else "rows unknown"
            st.markdown(f"**{name}** · {info.layer or 'no layer'} · {rows}")
            st.dataframe(pd.DataFrame([{"column": c, "type": t, "values": ", ".join(info.values.get(c, []))}
                                       for c, t in info.columns.items()]),
                         hide_index=True, key=f"ask_scope_{name}")
        for skipped in s.scope.skipped:
            st.caption(f"Not available: {skipped}")


def scope_text(s: AskSession) -> str:
    return "\n".join(f"- **{name}**: {_columns_line(info)}" for name, info in s.scope.tables.items())


# --- one answer ------------------------------------------------------------------------------------
def _frame(answer: Answer) -> pd.DataFrame:
    """The rows as a frame; repeated column names get a suffix (Arrow needs unique names)."""
    seen: dict[str, int] = {}
    names = []
    for c in answer.columns:
        c = str(c)
        seen[c] = seen.get(c, 0) + 1
        names.append(c if seen[c] == 1 else f"{c}_{seen[c]}")
    return pd.DataFrame([list(r) for r in answer.rows], columns=names)


def _chart(answer: Answer, df: pd.DataFrame) -> None:
    hint = answer.chart
    if hint is None or df.empty:
        return
    x = getattr(hint, "x", None)
    y = getattr(hint, "y", None)
    ys = [y] if isinstance(y, str) else list(y or [])
    if x not in df.columns or not ys or any(c not in df.columns for c in ys):
        return
    data = df[[x, *ys]]
    y_arg = ys[0] if len(ys) == 1 else ys
    if getattr(hint, "kind", "bar") == "line":
        st.line_chart(data, x=x, y=y_arg)
    else:
        st.bar_chart(data, x=x, y=y_arg)


def show_answer(entry: dict, s: AskSession) -> None:
    """One question and its answer as chat messages: SQL, table, chart, who answered, export."""
    answer: Answer = entry["answer"]
    n = entry["id"]
    with st.chat_message("user"):
        st.markdown(answer.question)
    with st.chat_message("assistant"):
        if not answer.ok:
            st.warning(answer.error or "cannot answer", icon=":material/help:")
            if answer.sql:
                st.code(answer.sql, language="sql", wrap_lines=True)
            with st.expander("Tables and columns a question can use", expanded=True):
                st.markdown(scope_text(s))
            return
        who = WHO.get(answer.source or "", "nobody")
        if answer.source == "llm" and s.llm is not None:
            who = f"the LLM ({s.llm.model})"
        took = f" in {answer.elapsed_s:.2f} s" if answer.elapsed_s is not None else ""
        st.caption(f"Answered by **{who}**{took}." + (f" {answer.explanation}" if answer.explanation else ""))
        st.code(answer.sql or "", language="sql", wrap_lines=True)
        df = _frame(answer)
        st.dataframe(df, hide_index=True, key=f"ask_result_{n}")
        more = " (stopped at 1,000 rows; more match)" if answer.truncated else ""
        st.caption(f"{len(df):,} row{'s' if len(df) != 1 else ''}{more}")
        _chart(answer, df)
        _export_form(entry, s)


def _export_form(entry: dict, s: AskSession) -> None:
    n = entry["id"]
    done = entry.get("export")
    with st.expander("Export as pipeline", expanded=done is not None, icon=":material/output:"):
        if done is not None:
            st.success(f"Wrote **{_rel(done.path)}**. Add `{done.import_line}` to the project file, then run "
                       f"`odibi run --pipeline {done.pipeline}`.", icon=":material/check:")
            st.code(done.yaml, language="yaml")
            return
        st.caption(f"Writes the query as a gold node into a new file `{assist.EXPORT_FOLDER}/<name>.yaml` in the "
                   "project (an existing file is never overwritten).")
        key = f"ask_export_name_{n}"
        st.session_state.setdefault(key, assist.default_export_name(entry["answer"].question))
        name = st.text_input("Pipeline name", key=key)
        if st.button("Export", key=f"ask_export_{n}", icon=":material/save:"):
            try:
                entry["export"] = s.export(entry["answer"], name)
            except OdibiError as exc:
                show_error(exc, "The answer could not be exported")
                return
            st.rerun()


def _rel(path) -> str:
    try:
        return str(path.resolve().relative_to(context.workspace().root))
    except ValueError:
        return str(path)


# --- the conversation ------------------------------------------------------------------------------
def conversation(s: AskSession) -> None:
    """The question box, then this browser session's questions, newest first.

    The input sits in a container, so it stays where it is drawn (under the scope) instead of
    being pinned to the bottom of the window, and the newest answer appears right under it."""
    history: list[dict] = st.session_state.setdefault(HISTORY_KEY, [])
    with st.container():
        question = st.chat_input("Ask about your data, e.g. total revenue by country", key="ask_input")
    if question:
        try:
            with st.spinner("Answering…"):
                answer = s.ask(question)
        except OdibiError as exc:
            show_error(exc, "That cannot be asked")
        else:
            next_id = (history[-1]["id"] + 1) if history else 1
            history.append({"id": next_id, "answer": answer, "export": None})
            del history[:-KEEP]
    if not history:
        st.caption("No questions yet in this session. Type one above; the answer shows the SQL it ran.")
        return
    for entry in reversed(history):
        show_answer(entry, s)
    if st.button("Clear the conversation", key="ask_clear", icon=":material/delete_sweep:"):
        history.clear()
        st.rerun()
