"""Ask: questions in plain words over the node outputs, answered with SQL you can read and export.

Thin skin over :mod:`odibi_core.workspace.assist` (``AskSession``: scope, ``ask``, export). The
offline semantic parser answers first; the project's LLM, when one is configured, only for what
the parser cannot read. Whatever wrote the SQL, only one checked SELECT runs, read-only, with
row and time limits. The conversation lives in this browser session only.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from odibi_core.errors import OdibiError
from studio.ui import assist_ask as ui
from studio.ui import context
from studio.ui.widgets import empty_state, show_error

RUN_PAGE = Path(__file__).resolve().parent / "run.py"


def _no_tables(text: str, hint: str) -> None:
    empty_state(text, hint)
    if st.button("Go to Run", key="ask_to_run", icon=":material/play_circle:"):
        st.switch_page(RUN_PAGE)


def main() -> None:
    st.title("Ask")
    st.caption("Ask a question about the tables your pipelines wrote, e.g. *average total by status* or *top 3 "
               "countries by revenue*. You always see the SQL that answered it; nothing is guessed.")
    context.require_session()
    catalog_key = context.catalog_key()
    if catalog_key is None:
        _no_tables("No tables to ask about yet: press Run.", "A question is answered from the outputs of nodes "
                   "that ran successfully; run the pipelines first (the Run page or `odibi run`).")
        return
    try:
        session = ui.ask_session(catalog_key)
    except OdibiError as exc:
        show_error(exc, "The tables cannot be opened")
        return
    if not session.scope.tables:
        why = ("; ".join(session.scope.skipped) if session.scope.skipped
               else "no node with a `write:` target has run successfully yet")
        _no_tables("No tables to ask about yet.", f"Why: {why}. Run the pipelines, then come back.")
        return
    st.caption(f"Answered by the {session.engine_label}.")
    ui.scope_panel(session)
    ui.conversation(session)


main()
