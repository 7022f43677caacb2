"""The live graph of the pipeline being edited (streamlit-agraph, physics off, fixed positions).

Drawn from the edited text (not the validated project), so it follows every change, even an
invalid one: a dependency on a node that does not exist is drawn red, a node with problems gets
a red border, and upstream nodes of other pipelines are grey.
"""

from __future__ import annotations

import streamlit as st
from streamlit_agraph import Config, Edge, Node, agraph

from odibi_core.workspace.builder import pipeline_sketch
from studio.ui import builder_state as state
from studio.ui.widgets import layer_color


def draw(data: dict, pipeline: str, with_issues: set[str]) -> None:
    sketch = pipeline_sketch(data, pipeline)
    if not sketch["nodes"]:
        st.caption("The graph appears here as nodes are added.")
        return
    nodes = []
    for n in sketch["nodes"]:
        if n["kind"] == "missing":
            color, title = "#dc2626", f"{n['id']}: no such node in this pipeline"
        elif n["kind"] == "external":
            color, title = "#cbd5e1", f"{n['id']} (another pipeline)"
        else:
            color, title = layer_color(n["layer"]), n["id"]
        border = "#dc2626" if n["id"] in with_issues else color
        nodes.append(Node(id=n["id"], label=n["label"], title=title, shape="box", size=18,
                          x=n["level"] * 190, y=n["row"] * 80, fixed=True,
                          color={"background": color, "border": border}, borderWidth=3 if border != color else 1,
                          font={"color": "#ffffff" if n["kind"] == "node" else "#111827"}))
    edges = [Edge(source=a, target=b, color="#94a3b8") for a, b in sketch["edges"]]
    depth = max(n["row"] for n in sketch["nodes"]) + 1
    config = Config(height=max(180, 80 * depth + 60), width=460, directed=True, physics=False, hierarchical=False,
                    groups={}, interaction={"dragNodes": False})
    clicked = agraph(nodes=nodes, edges=edges, config=config)
    if clicked and clicked != st.session_state.get("bld_clicked"):
        st.session_state["bld_clicked"] = clicked
        st.session_state[state.FOCUS] = clicked
        st.rerun()  # the node picker is drawn before the graph: apply the pick on a fresh run
