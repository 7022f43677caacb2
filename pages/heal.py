"""Auto-Heal: nodes whose SQL failed, the fixes proposed for them, Accept / Reject, and the history.

Thin skin over :mod:`odibi_core.workspace.assist` (which delegates to ``Session.heal`` and
``workspace.heal_review``). A fix reaches the project files only through Accept; Propose is a
preview that writes nothing. Reads are cached on the project and catalog fingerprints.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from odibi_core.errors import OdibiError
from studio.ui import assist_heal as ui
from studio.ui import context
from studio.ui.widgets import empty_state, show_error

RUN_PAGE = Path(__file__).resolve().parent / "run.py"


def main() -> None:
    st.title("Auto-Heal")
    st.caption("When a node fails on a SQL slip (a misspelt column or keyword, a function of the other dialect), "
               "auto-heal proposes a fix checked against the real schemas and by a zero-row dry run. "
               "Nothing changes in your project until you accept it.")
    context.require_session()
    ws, env = context.workspace(), context.current_env()
    catalog_key = context.catalog_key()
    try:
        ov = ui.load_overview(str(ws.root), env, context.project_fingerprint(ws), catalog_key)
    except OdibiError as exc:
        show_error(exc, "The heal log cannot be read")
        return
    ui.banner(ov)
    ui.show_message()
    if not ov.has_catalog:
        empty_state("No runs yet, so nothing has failed.", "Run the pipelines (the Run page or `odibi run`). When a "
                    "node fails on its SQL it shows up here with a Propose button.")
        if st.button("Go to Run", key="heal_to_run", icon=":material/play_circle:"):
            st.switch_page(RUN_PAGE)
        return
    ui.failed_nodes(ov)
    ui.proposals(ov)
    ui.history(ov)


main()
