"""Builder: create or edit a pipeline without writing YAML, with the YAML beside it, in sync.

The candidate text lives in the session (see :mod:`studio.ui.builder_state`); forms edit it
through :class:`odibi_core.workspace.yaml_doc.YamlDoc` (comments and other pipelines kept), the
YAML panel edits it directly. Every change is validated by the real loader
(:func:`odibi_core.workspace.builder.validate_text`, cached per text) and problems are shown at
the field they concern. Save writes only a valid text, atomically.
"""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from odibi_core.errors import OdibiError
from odibi_core.workspace import Workspace
from odibi_core.workspace.builder import (
    Check,
    InvalidProject,
    Palettes,
    check_text,
    palettes,
    save,
)
from odibi_core.workspace.yaml_doc import (
    YamlDocError,
    load_plain,
    pipeline_names,
    pipeline_nodes,
)
from studio.ui import builder_graph, builder_new, builder_node, context
from studio.ui import builder_state as state
from studio.ui.widgets import show_error


@st.cache_data(show_spinner=False, max_entries=64)
def _check(config_file: str, text: str, env: str | None, fingerprint: tuple) -> Check:
    return check_text(Workspace(config_file), text, env)


@st.cache_data(show_spinner=False, max_entries=16)
def _plain(text: str) -> dict:
    return load_plain(text)


@st.cache_resource(show_spinner=False, max_entries=4)
def _palettes(config_file: str, fingerprint: tuple) -> Palettes:
    """Formats, transformers (the project's own too) and tests; connections come with each check."""
    return palettes(Workspace(config_file), connections={})


st.title("Builder")
ws = context.workspace()
state.show_flash()
if not ws.exists:
    builder_new.project_panel(ws)
    st.stop()

env = context.current_env()
state.init(ws)
text = state.text()
fingerprint = context.project_fingerprint(ws)

try:
    data: dict | None = _plain(text)
    parse_error = None
except YamlDocError as exc:
    data, parse_error = None, exc
try:
    check = _check(str(ws.config_file), text, env, fingerprint)
    issues, pal = check.issues, replace(_palettes(str(ws.config_file), fingerprint), connections=check.connections)
except Exception as exc:  # noqa: BLE001 - a loader bug must not take the editor down with it
    show_error(exc, "The project could not be checked")
    issues, pal = [], palettes(ws, connections={})

# --- header: pipeline, save, status ------------------------------------------------------------
pipes = pipeline_names(data) if data is not None else []
options = pipes + [state.NEW_PIPELINE]
if data is None and st.session_state.get(state.PIPELINE) not in (None, *options):
    options.insert(0, st.session_state[state.PIPELINE])  # unreadable YAML: keep the pick for when it is fixed
if st.session_state.get(state.PIPELINE) not in options:
    st.session_state[state.PIPELINE] = pipes[0] if pipes else state.NEW_PIPELINE
# Pin the choice server-side: the label carries a problem count, and a browser sends the label it
# showed, which no longer matches once the count changes (the picker would jump to the first pipeline).
st.session_state[state.PIPELINE] = st.session_state[state.PIPELINE]


def _pipeline_label(name: str) -> str:
    if name not in pipes:
        return name
    n = sum(1 for i in issues if i.path[:2] == ("pipelines", pipes.index(name)))
    return f"{name}  ·  {n} problem{'s' if n != 1 else ''}" if n else name


def _revert() -> None:
    state.saved(ws.config_file.read_text(encoding="utf-8"))
    state.reset_widgets()
    st.session_state.pop(state.PREVIEW, None)


c1, c2, c3, c4 = st.columns([3, 1, 1, 2], vertical_alignment="bottom")
c1.selectbox("Pipeline", options, key=state.PIPELINE, format_func=_pipeline_label, on_change=state.reset_widgets)
save_clicked = c2.button("Save", key="bld_save", type="primary", icon=":material/save:", width="stretch",
                         help="writes odibi.yaml; refused while there are problems")
c3.button("Revert", key="bld_revert", icon=":material/undo:", width="stretch", disabled=not state.dirty(),
          on_click=_revert, help="drop unsaved edits and reload the file")
c4.caption(("**Unsaved changes**" if state.dirty() else "Saved — matches the file on disk")
           + (f" · env `{env}`" if env else " · base config"))

if save_clicked:
    try:
        save(ws, text, env, base=state.base())
    except InvalidProject as exc:
        st.error(f"**Not saved:** {len(exc.issues)} problem(s) must be fixed first.\n\n"
                 + "\n".join(f"- {i.render()}" for i in exc.issues[:15]), icon=":material/block:")
    except OdibiError as exc:
        show_error(exc, "Not saved")
    else:
        state.saved(text)
        state.flash(f"Saved {ws.config_file.name}: `odibi validate` accepts it.")
        st.rerun()
elif state.dirty() and state.changed_on_disk(ws):
    st.warning(f"{ws.config_file.name} changed on disk since it was loaded; saving would overwrite that change, "
               "so Save is refused. Revert to load it (your edits are dropped).", icon=":material/warning:")

if issues:
    with st.expander(f":red[:material/error: {len(issues)} problem(s)]: Save is refused until they are fixed",
                     expanded=data is None):
        for i in issues:
            st.markdown(f"- {i.render()}")
else:
    st.success("Valid: `odibi validate` accepts this project.", icon=":material/check_circle:")

# --- body: editors on the left, graph and YAML on the right -------------------------------------
left, right = st.columns([3, 2], gap="medium")
pipeline = st.session_state[state.PIPELINE]
with left:
    if data is None:
        show_error(parse_error, "The YAML cannot be read, so the forms are hidden")
        st.caption("Fix it in the YAML panel on the right (the problem list above gives the line).")
    elif pipeline == state.NEW_PIPELINE:
        builder_new.pipeline_form(pipes)
    else:
        builder_node.node_list(ws, data, pipeline, pal, issues, env)

with right:
    if data is not None and pipeline in pipes:
        pi = pipes.index(pipeline)
        names = [str(n.get("name")) for n in pipeline_nodes(data, pipeline)]
        bad = {names[i.node_ref[1]] for i in issues if i.node_ref and i.node_ref[0] == pi
               and i.node_ref[1] < len(names)}
        st.markdown(f"**Graph of `{pipeline}`**")
        builder_graph.draw(data, pipeline, bad)
    st.text_area("Project YAML", key=state.AREA, height=560, on_change=state.adopt_yaml,
                 help="edit freely: the forms follow when you leave the box (Ctrl+Enter)")
