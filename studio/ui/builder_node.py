"""The node list of one pipeline: one editor per node, add / remove / move, and the edit loop.

The loop: every editor is drawn from the YAML text, then what its widgets hold is compared
with the node (empty values equal missing keys). A difference is an edit the user just made:
it is written back through :class:`YamlDoc` (only that node changes in the file) and the page
reruns, so validation, the graph and the YAML panel show the new text at once.
"""

from __future__ import annotations

import re

import streamlit as st

from odibi_core.workspace import Workspace
from odibi_core.workspace.builder import Issue, Palettes
from odibi_core.workspace.yaml_doc import YamlDoc, pipeline_names, pipeline_nodes
from studio.ui import builder_preview
from studio.ui import builder_sections as sec
from studio.ui import builder_state as state

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
NODE = "bld_node"


def node_list(ws: Workspace, data: dict, pipeline: str, pal: Palettes, issues: list[Issue],
              env: str | None) -> None:
    """A node picker with its toolbar, the picked node's editor, then the "add node" row.

    One editor at a time: a Streamlit widget costs time in proportion to all widgets on the
    page, so drawing every node's ~60 fields would make long pipelines sluggish."""
    pi = pipeline_names(data).index(pipeline)
    nodes = pipeline_nodes(data, pipeline)
    names = [str(n.get("name") or "") for n in nodes]
    pipe_issues = [x for x in issues if x.path[:2] == ("pipelines", pi) and x.node_ref is None]
    sec.show_issues([sec.message(x) for x in pipe_issues])
    if not nodes:
        st.info("This pipeline has no nodes yet: add the first one below (a read from a connection, for "
                "example).", icon=":material/info:")
        _add_row(pipeline, names)
        return
    ss = st.session_state
    pending = ss.pop(state.FOCUS, None)
    if pending in names and ss.get(NODE) != names.index(pending):
        ss[NODE] = names.index(pending)  # picked on the graph, or just added
        state.reset_widgets()
    if not isinstance(ss.get(NODE), int) or not 0 <= ss[NODE] < len(nodes):
        ss[NODE] = 0
    ss[NODE] = ss[NODE]  # pinned server-side: the label shows a problem count that changes (see builder.py)
    counts = [sum(1 for x in issues if x.node_ref == (pi, i)) for i in range(len(nodes))]

    def label(i: int) -> str:
        return f"{i + 1}. {names[i] or '(unnamed)'}" + (f"  ·  {counts[i]} problem{'s' * (counts[i] > 1)}"
                                                        if counts[i] else "")

    i = st.selectbox("Node", list(range(len(nodes))), key=NODE, format_func=label, on_change=state.reset_widgets,
                     help="the node being edited; click a node in the graph to pick it too")
    c2, c3, c4, c5 = st.columns(4)
    c2.button("Up", key="bld_up", disabled=i == 0, on_click=_move, args=(pipeline, i, i - 1),
              icon=":material/arrow_upward:", width="stretch", help="move the node up")
    c3.button("Down", key="bld_down", disabled=i == len(nodes) - 1, on_click=_move, args=(pipeline, i, i + 1),
              icon=":material/arrow_downward:", width="stretch", help="move the node down")
    c4.button("Remove", key="bld_remove", on_click=_remove, args=(pipeline, i), icon=":material/delete:",
              width="stretch", help="remove the node from the pipeline")
    preview = c5.button("Preview", key="bld_preview", icon=":material/visibility:", width="stretch",
                        disabled=not names[i], help="run this node on a sample of 50 rows; nothing is written")
    with st.container(border=True):
        new = editor(pipeline, i, nodes[i], names, pal, [x for x in issues if x.node_ref == (pi, i)])
        if _apply(state.text(), pipeline, i, nodes[i], new):
            st.rerun()
    if preview:
        builder_preview.run(ws, names[i], env)
    builder_preview.show(names[i])
    _add_row(pipeline, names)


def editor(pipeline: str, i: int, node: dict, names: list[str], pal: Palettes, issues: list[Issue]) -> dict:
    """The node as the widgets describe it (keys they do not manage are kept as they are)."""
    c1, c2 = st.columns([1, 2])
    name = c1.text_input("Name *", value=str(node.get("name") or ""), key=f"bn.{i}.name",
                         help="letters, digits and _; unique in the project", **state.touch("name"))
    desc = c2.text_input("Description", value=str(node.get("description") or ""), key=f"bn.{i}.description",
                         **state.touch("description"))
    sec.show_issues([sec.message(x) for x in issues if len(x.path) == 4 or x.field == "name"])
    if name and not _NAME.match(name):
        sec.show_issues([f"'{name}' is not a valid name: use letters, digits and _, not starting with a digit"])
    updates: dict = {"name": name or node.get("name"), "description": desc or None}
    tabs = st.tabs(["Source", "Transform", "Validation", "Write", "More"])
    with tabs[0]:
        updates.update(sec.source(pipeline, i, node, names, pal, issues))
    with tabs[1]:
        updates.update(sec.transform(pipeline, i, node, pal, issues))
    with tabs[2]:
        updates.update(sec.validation(pipeline, i, node, pal, issues))
    with tabs[3]:
        updates.update(sec.write(pipeline, i, node, pal, issues))
    with tabs[4]:
        updates.update(sec.more(pipeline, i, node, issues))
    new = dict(node)
    changed = state.take_touched()  # only what the user just changed: drawing a node never rewrites it
    for key, value in updates.items():
        if key not in changed or sec.normalize(value) == sec.normalize(node.get(key)):
            continue
        if sec.normalize(value) in (None, "", [], {}):
            new.pop(key, None)
        else:
            new[key] = value
    return new


def _apply(text: str, pipeline: str, i: int, node: dict, new: dict) -> bool:
    if new == node:
        return False
    doc = YamlDoc(text)
    if new.get("name") != node.get("name") and new.get("name"):
        doc.rename_node(pipeline, i, str(new["name"]))  # follows the rename in depends_on / inputs
        new = {**new, **{k: v for k, v in doc.node(pipeline, i).items() if k == "name"}}
    doc.replace_node(pipeline, i, new)
    state.set_text(doc.dump(), structural=new.get("name") != node.get("name"))
    return True


def _move(pipeline: str, i: int, to: int) -> None:
    state.edit(lambda doc: doc.move_node(pipeline, i, to))
    st.session_state[NODE] = to  # the picked node moves with it


def _remove(pipeline: str, i: int) -> None:
    state.edit(lambda doc: doc.remove_node(pipeline, i))
    st.session_state[NODE] = max(0, i - 1)


def _add_row(pipeline: str, names: list[str]) -> None:
    st.divider()
    c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
    c1.text_input("New node name", key="bld_new_node", placeholder="e.g. clean_orders")
    c2.button("Add node", key="bld_add_node", on_click=_add, args=(pipeline, names), icon=":material/add:",
              type="primary", width="stretch")


def _add(pipeline: str, names: list[str]) -> None:
    name = (st.session_state.get("bld_new_node") or "").strip()
    if not _NAME.match(name):
        state.flash(f"'{name}' is not a valid node name: use letters, digits and _, not starting with a digit"
                    if name else "Type a name for the new node first.", "error")
        return
    if name in names:
        state.flash(f"pipeline '{pipeline}' has a node '{name}' already", "error")
        return
    body = {"name": name, **({"depends_on": [names[-1]]} if names and names[-1] else {})}
    state.edit(lambda doc: doc.add_node(pipeline, body))
    st.session_state["bld_new_node"] = ""
    st.session_state[state.FOCUS] = name
