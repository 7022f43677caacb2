"""Turn a :class:`GraphView` into what streamlit-agraph draws, plus the legend that explains it.

Choices that keep large graphs usable in the browser:
- fixed x/y from the core layout and physics off: vis-network then draws once, without a
  simulation, and the picture does not move between re-renders;
- no hover titles: the component turns titles into HTML and opens them as a URL on double
  click, so node text would be both an injection path and a stray tab; the label carries the
  name and the row count, the details panel the rest;
- what all nodes share (shape, border width, font) is set once in ``config.nodes``, so a node
  costs about 200 bytes of payload;
- straight edges above ``SMOOTH_MAX_EDGES`` (curves cost a lot to draw on big graphs).
Fill = last run status, border = layer, dashed edge = inferred read-after-write dependency,
indigo edge = crosses pipelines.
"""

from __future__ import annotations

from html import escape

from streamlit_agraph import Config, Edge, Node

from odibi_core.workspace.graph_view import GraphView, ViewNode
from studio.ui.widgets import LAYER_COLORS, STATUS_COLORS, fmt_rows, layer_color, status_color

EDGE_COLOR, CROSS_EDGE_COLOR, IMPLICIT_EDGE_COLOR = "#64748b", "#6366f1", "#a855f7"
SMOOTH_MAX_EDGES = 300
NEVER_RAN = "never ran"
_LIGHT_TEXT, _DARK_TEXT = "#ffffff", "#111827"
SELECTED_BORDER = "#1d4ed8"
_LEGEND_STATUSES = ("success", "warning", "failed", "skipped", "running", "disabled")


def node_fill(node: ViewNode) -> str:
    if not node.enabled:
        return status_color("disabled")
    return status_color(node.status)


def _font_color(fill: str) -> str:
    r, g, b = (int(fill[i:i + 2], 16) for i in (1, 3, 5))
    return _DARK_TEXT if (0.299 * r + 0.587 * g + 0.114 * b) > 160 else _LIGHT_TEXT


def graph_height(view: GraphView) -> int:
    """Tall enough for the tallest column at a readable zoom, never taller than a screen."""
    tallest = max((n.y for n in view.nodes), default=0)
    return int(min(720, max(320, tallest * 0.8 + 200)))


def agraph_payload(view: GraphView, height: int | None = None) -> tuple[list[Node], list[Edge], Config]:
    height = graph_height(view) if height is None else height
    nodes = []
    for n in view.nodes:
        fill = node_fill(n)
        label = n.id if n.rows_out is None else f"{n.id}\n{fmt_rows(n.rows_out)} rows"
        node = Node(id=n.id, label=label, x=n.x, y=n.y,
                    color={"background": fill, "border": layer_color(n.layer),
                           "highlight": {"background": fill, "border": SELECTED_BORDER}})
        for shared in ("title", "shape", "size"):  # set once for all nodes in config.nodes
            delattr(node, shared)
        if _font_color(fill) != _LIGHT_TEXT:
            node.font = {"color": _font_color(fill)}
        nodes.append(node)
    level = {n.id: n.level for n in view.nodes}
    edges = []
    for e in view.edges:
        color = IMPLICIT_EDGE_COLOR if e.implicit else CROSS_EDGE_COLOR if e.cross_pipeline else EDGE_COLOR
        edge = Edge(source=e.source, target=e.target, color=color)
        del edge.source  # vis reads from/to; the duplicate only adds bytes
        if e.implicit:
            edge.dashes = True
        if e.cross_pipeline:
            edge.width = 2
        if level[e.target] - level[e.source] > 1:  # would run straight through the nodes between
            edge.smooth = {"enabled": True, "type": "curvedCW", "roundness": 0.15}
        edges.append(edge)
    smooth = ({"enabled": True, "type": "cubicBezier", "forceDirection": "horizontal", "roundness": 0.4}
              if len(edges) <= SMOOTH_MAX_EDGES else {"enabled": False})
    config = Config(height=height, width=1000, directed=True, physics=False, hierarchical=False, groups={})
    config.physics["stabilization"] = {"enabled": False, "fit": True}  # top-level keys make vis.js log errors
    config.width = "100%"
    config.nodes = {"shape": "box", "borderWidth": 3, "borderWidthSelected": 4,
                    "font": {"color": _LIGHT_TEXT, "size": 16}}
    config.edges = {"arrows": {"to": {"enabled": True, "scaleFactor": 0.6}}, "smooth": smooth}
    big = len(edges) > SMOOTH_MAX_EDGES
    config.interaction = {"hideEdgesOnDrag": big, "hideEdgesOnZoom": big}
    return nodes, edges, config


def _swatch(fill: str, border: str, text: str) -> str:
    return (f'<span style="display:inline-flex;align-items:center;margin-right:14px;white-space:nowrap">'
            f'<span style="display:inline-block;width:14px;height:14px;border-radius:3px;background:{fill};'
            f'border:3px solid {border};margin-right:5px"></span>{escape(text)}</span>')


def _line(color: str, dashed: bool, text: str) -> str:
    style = "dashed" if dashed else "solid"
    return (f'<span style="display:inline-flex;align-items:center;margin-right:14px;white-space:nowrap">'
            f'<span style="display:inline-block;width:26px;border-top:3px {style} {color};margin-right:5px">'
            f'</span>{escape(text)}</span>')


def legend_html(layers: list[str]) -> str:
    """Fill colours (last run), border colours (layer) and edge styles, as one small HTML block."""
    fills = [_swatch(STATUS_COLORS[s], "#ffffff", s) for s in _LEGEND_STATUSES]
    fills.append(_swatch(STATUS_COLORS[None], "#ffffff", NEVER_RAN))
    known = [l for l in LAYER_COLORS if l] + [l for l in layers if l not in LAYER_COLORS]
    borders = [_swatch("#ffffff", layer_color(l), l) for l in known]
    borders.append(_swatch("#ffffff", layer_color(None), "no layer"))
    lines = [_line(EDGE_COLOR, False, "dependency"), _line(CROSS_EDGE_COLOR, False, "cross-pipeline"),
             _line(IMPLICIT_EDGE_COLOR, True, "inferred (reads what another node writes)")]
    row = '<div style="font-size:0.8rem;color:#475569;margin:2px 0"><b>{}</b> {}</div>'
    return (row.format("Last run (fill):", "".join(fills)) + row.format("Layer (border):", "".join(borders))
            + row.format("Edges:", "".join(lines)))
