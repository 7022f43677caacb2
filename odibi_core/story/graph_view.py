"""The story's picture of the run: nodes laid out by topological level.

Why a hand-made layout: the page must be self-contained (no JS graph library, no CDN), and a
level layout (every node one column right of its deepest upstream) is what a pipeline author
expects to read left to right. Within a level, nodes are ordered by the mean position of their
upstream nodes, which removes most edge crossings at no cost. Above ``SVG_MAX_NODES`` the SVG
would be too large to read and slow to paint, so a compact level-by-level list is drawn instead.
"""

from __future__ import annotations

from html import escape
from typing import Any, Iterable

SVG_MAX_NODES = 150
BOX_W, BOX_H, GAP_X, GAP_Y, PAD = 180, 34, 56, 12, 12
_LABEL_CHARS = 24


def node_anchor(name: str) -> str:
    """The id of a node's section, shared by the graph links and the sections."""
    return "n-" + "".join(ch if ch.isalnum() or ch in "_-." else "_" for ch in name)


def compute_levels(names: list[str], edges: Iterable[Iterable[str]]) -> tuple[list[list[str]], set[str]]:
    """Group nodes by longest-path depth; upstream nodes outside the run join as 'external'.

    Returns ``(levels, external_names)``. A cycle cannot come from a validated config, but the
    story must still render, so nodes left over by Kahn's algorithm go into one last level.
    """
    order: dict[str, int] = {}
    external: set[str] = set()
    for n in names:
        order.setdefault(n, len(order))
    pairs = []
    for edge in edges:
        u, d = (list(edge) + ["", ""])[:2]
        if d not in order:
            continue
        if u not in order:
            external.add(u)
        pairs.append((u, d))
    for u in sorted(external):
        order[u] = -len(order) - 1  # externals first, stable
    ups: dict[str, list[str]] = {n: [] for n in order}
    downs: dict[str, list[str]] = {n: [] for n in order}
    for u, d in dict.fromkeys(pairs):
        ups[d].append(u)
        downs[u].append(d)
    indeg = {n: len(ups[n]) for n in order}
    level = {n: 0 for n in order}
    queue = sorted((n for n, k in indeg.items() if k == 0), key=order.get)
    seen: list[str] = []
    while queue:
        n = queue.pop(0)
        seen.append(n)
        for d in downs[n]:
            level[d] = max(level[d], level[n] + 1)
            indeg[d] -= 1
            if indeg[d] == 0:
                queue.append(d)
    leftover = [n for n in order if n not in set(seen)]
    top = max((level[n] for n in seen), default=-1) + 1
    for n in leftover:
        level[n] = top
    by_level: dict[int, list[str]] = {}
    for n in sorted(order, key=order.get):
        by_level.setdefault(level[n], []).append(n)
    levels = [by_level[k] for k in sorted(by_level)]
    _order_by_barycentre(levels, ups)
    return levels, external


def _order_by_barycentre(levels: list[list[str]], ups: dict[str, list[str]]) -> None:
    pos: dict[str, int] = {}
    for i, lvl in enumerate(levels):
        if i:
            original = {n: k for k, n in enumerate(lvl)}

            def key(n: str) -> tuple[float, int]:
                placed = [pos[u] for u in ups[n] if u in pos]
                return (sum(placed) / len(placed) if placed else float(original[n]), original[n])

            lvl.sort(key=key)
        for k, n in enumerate(lvl):
            pos[n] = k


def render_graph(nodes: list[dict[str, Any]], edges: list[Any]) -> str:
    """HTML for the graph section: an inline SVG, or a level list for big runs."""
    if not nodes:
        return '<p class="muted">No nodes were selected in this run.</p>'
    status = {n["name"]: n.get("status") or "pending" for n in nodes}
    levels, external = compute_levels([n["name"] for n in nodes], edges)
    if len(nodes) > SVG_MAX_NODES:
        return _render_list(levels, status, external)
    return _render_svg(levels, status, external, edges)


def _render_list(levels: list[list[str]], status: dict[str, str], external: set[str]) -> str:
    out = [f'<p class="muted">{len(status)} nodes: too many for a drawing, listed by level '
           f'(a node sits one level after its deepest upstream).</p><ol class="levels">']
    for i, lvl in enumerate(levels):
        chips = []
        for n in lvl:
            if n in external:
                chips.append(f'<span class="chip s-external" title="outside this run">{escape(n)}</span>')
            else:
                chips.append(f'<a class="chip s-{escape(status[n])}" href="#{escape(node_anchor(n))}" '
                             f'title="{escape(status[n])}">{escape(n)}</a>')
        out.append(f'<li><span class="lvl">level {i}</span> {" ".join(chips)}</li>')
    out.append("</ol>")
    return "".join(out)


def _label(name: str) -> str:
    return name if len(name) <= _LABEL_CHARS else name[: _LABEL_CHARS - 1] + "\u2026"


def _render_svg(levels: list[list[str]], status: dict[str, str], external: set[str], edges: list[Any]) -> str:
    xy: dict[str, tuple[int, int]] = {}
    for i, lvl in enumerate(levels):
        for k, n in enumerate(lvl):
            xy[n] = (PAD + i * (BOX_W + GAP_X), PAD + k * (BOX_H + GAP_Y))
    width = PAD * 2 + len(levels) * BOX_W + (len(levels) - 1) * GAP_X
    height = PAD * 2 + max(len(lvl) for lvl in levels) * (BOX_H + GAP_Y) - GAP_Y
    parts = [f'<svg class="graph" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" aria-label="pipeline graph">'
             '<defs><marker id="arr" viewBox="0 0 8 8" refX="8" refY="4" markerWidth="7" markerHeight="7" '
             'orient="auto"><path d="M0 0L8 4L0 8z" fill="#8a94a6"/></marker></defs><g class="edges">']
    for edge in dict.fromkeys(tuple(e) for e in edges):
        u, d = edge[0], edge[1]
        if u not in xy or d not in xy:
            continue
        x1, y1 = xy[u][0] + BOX_W, xy[u][1] + BOX_H // 2
        x2, y2 = xy[d][0], xy[d][1] + BOX_H // 2
        mx = (x1 + x2) // 2
        parts.append(f'<path d="M{x1} {y1}C{mx} {y1} {mx} {y2} {x2} {y2}" marker-end="url(#arr)"/>')
    parts.append("</g>")
    for n, (x, y) in xy.items():
        box = (f'<rect x="{x}" y="{y}" width="{BOX_W}" height="{BOX_H}" rx="6"/>'
               f'<text x="{x + BOX_W // 2}" y="{y + BOX_H // 2 + 4}">{escape(_label(n))}</text>')
        if n in external:
            parts.append(f'<g class="s-external"><title>{escape(n)} (outside this run)</title>{box}</g>')
        else:
            st = escape(status[n])
            parts.append(f'<a href="#{escape(node_anchor(n))}" class="s-{st}"><title>{escape(n)}: {st}</title>'
                         f'{box}</a>')
    parts.append("</svg>")
    return '<div class="graph-wrap">' + "".join(parts) + "</div>"
