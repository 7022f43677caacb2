"""The Builder's Preview: run one node on a sample (nothing written) and show its rows.

Previews run only when the button is pressed (never on a re-render) and their results are kept
in the session, per node name, until the next preview of that node.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from odibi_core import secrets
from odibi_core.errors import OdibiError
from odibi_core.workspace import Workspace
from odibi_core.workspace.preview import DEFAULT_LIMIT, PreviewResult, preview_node
from studio.ui import builder_state as state
from studio.ui.widgets import STATUS_ICONS, show_error


def run(ws: Workspace, node: str, env: str | None) -> None:
    with st.spinner(f"Previewing {node} on up to {DEFAULT_LIMIT} rows…"):
        try:
            result = preview_node(ws, state.text(), node, env=env, limit=DEFAULT_LIMIT)
        except OdibiError as exc:
            result = PreviewResult(node, "failed", error=str(exc))
    st.session_state.setdefault(state.PREVIEW, {})[node] = result


def show(node: str) -> None:
    result: PreviewResult | None = st.session_state.get(state.PREVIEW, {}).get(node)
    if result is None:
        return
    with st.container(border=True):
        head = f"{STATUS_ICONS.get(result.status, '•')} **Preview of {node}** · status `{result.status}`"
        if result.ok:
            head += (f" · {result.rows_out} row(s) out of {result.rows_in} read (each read capped at "
                     f"{result.limit} rows) · nothing was written")
        st.markdown(head)
        if result.issues:
            st.error("The project does not validate, so it cannot be previewed:\n\n"
                     + "\n".join(f"- {i.render()}" for i in result.issues))
        elif result.error:
            where = f" in {result.phase}" if result.phase else ""
            who = f"upstream node {result.failed_node}" if result.failed_node else node
            show_error(OdibiError(f"{who} failed{where}: {result.error}"
                                  + (f"\n\nHint: {result.suggestion}" if result.suggestion else "")),
                       title="Preview failed")
        for w in result.warnings:
            st.warning(secrets.mask(w), icon=":material/warning:")
        if result.ok:
            st.dataframe(pd.DataFrame(result.rows, columns=[c["name"] for c in result.schema] or None),
                         hide_index=True, height=min(38 + 35 * max(len(result.rows), 1), 320))
            st.caption("Schema: " + ", ".join(f"`{c['name']}` {c['type']}" for c in result.schema))
            failed = [t for t in result.tests if not t.get("passed", True)]
            if failed:
                st.warning("Tests failing on the sample: " + "; ".join(str(t.get("message") or t.get("name"))
                                                                      for t in failed))
        if len(result.computed) > 1:
            st.caption("Computed in memory for it: " + ", ".join(n for n in result.computed if n != node))
