"""Starting points: a new project from a template (empty folder) and a new pipeline in the file."""

from __future__ import annotations

import re

import streamlit as st

from odibi_core.errors import OdibiError
from odibi_core.workspace import Workspace
from odibi_core.workspace.builder import LAYERS, new_project, templates
from studio.ui import builder_state as state
from studio.ui.widgets import empty_state, show_error

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def project_panel(ws: Workspace) -> None:
    """The Builder on a folder without odibi.yaml: pick a template and create the project here."""
    empty_state(f"No project here yet: {ws.root} has no odibi.yaml.",
                "Create one from a template below; it is written into this folder and opens in the Builder.")
    try:
        choices = templates()
    except OdibiError as exc:
        show_error(exc, "No templates available")
        return
    if not choices:
        st.warning("No project templates were found (set ODIBI_TEMPLATES to their folder).")
        return
    names = [n for n, _ in choices]
    described = dict(choices)
    st.selectbox("Template", names, key="bld_template", format_func=lambda n: f"{n} — {described[n]}")
    if st.button("New project from template", key="bld_new_project", type="primary", icon=":material/add:"):
        try:
            path = new_project(ws, st.session_state["bld_template"])
        except OdibiError as exc:
            show_error(exc, "The project could not be created")
            return
        state.flash(f"Created {path.name} from template '{st.session_state['bld_template']}'.")
        st.rerun()


def pipeline_form(existing: list[str]) -> None:
    """A name and a layer; the new pipeline is added at the end of the file and selected."""
    st.subheader("New pipeline")
    c1, c2 = st.columns([2, 1])
    c1.text_input("Pipeline name", key="bld_new_pipe", placeholder="e.g. silver_sales")
    c2.selectbox("Layer", [None, *LAYERS], key="bld_new_layer", format_func=lambda x: "(none)" if x is None else x)
    st.button("Create pipeline", key="bld_create_pipe", type="primary", on_click=_create, args=(existing,))


def _create(existing: list[str]) -> None:
    name = (st.session_state.get("bld_new_pipe") or "").strip()
    if not _NAME.match(name):
        state.flash(f"'{name}' is not a valid pipeline name: use letters, digits and _" if name
                    else "Type a name for the new pipeline first.", "error")
        return
    if name in existing:
        state.flash(f"There is a pipeline '{name}' already.", "error")
        return
    layer = st.session_state.get("bld_new_layer")
    state.edit(lambda doc: doc.add_pipeline(name, layer=layer))
    st.session_state[state.PIPELINE] = name
    st.session_state["bld_new_pipe"] = ""
    state.flash(f"Pipeline '{name}' added: now add its nodes. It is saved with the file.", "info")
