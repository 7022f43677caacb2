"""The whole project as a drawable graph: nodes with their last run, typed edges, filters, layout.

Why a view model in the core and not in the page: the Pipelines page, the benchmark and the tests
need the same answer to "what is drawn where", and the logic (which edges survive a filter, what
the last run of each node was, where each node goes) must be testable without Streamlit.

Why a computed layout: browser-side physics on a graph of a few hundred nodes keeps the tab busy
for seconds and moves nodes on every re-render. Here every node gets fixed coordinates: ``x`` by
graph level (each node one column right of its deepest upstream), ``y`` by order within the level,
grouped by pipeline (pipelines in file order, a gap between groups, and within a group nodes
follow the mean height of their upstream nodes, which removes most edge crossings). The same
project always gives the same picture. Payloads stay small: only what a node box needs.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Iterable

from odibi_core.catalog import RunCatalog
from odibi_core.catalog.latest import latest_node_runs
from odibi_core.graph import Graph, GraphNode

X_GAP, Y_GAP, GROUP_GAP = 260, 80, 60
EDGE_KINDS = ("depends_on", "input", "implicit")


@dataclass(frozen=True)
class GraphFilters:
    """What to keep: any of the pipelines/layers/tags given (empty = all) and a free-text search."""

    pipelines: tuple[str, ...] = ()
    layers: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    search: str = ""

    @property
    def active(self) -> bool:
        return bool(self.pipelines or self.layers or self.tags or self.search.strip())


@dataclass(frozen=True)
class ViewNode:
    id: str
    pipeline: str
    layer: str | None
    tags: tuple[str, ...]
    transformer: str | None
    enabled: bool
    description: str | None
    level: int
    x: int
    y: int
    status: str | None = None  # of the last run; None when the node never ran
    rows_out: int | None = None
    duration_s: float | None = None
    started_at: str | None = None
    run_id: str | None = None


@dataclass(frozen=True)
class ViewEdge:
    source: str
    target: str
    kind: str  # depends_on | input ($pipeline.node) | implicit (read-after-write, inferred)
    cross_pipeline: bool

    @property
    def implicit(self) -> bool:
        return self.kind == "implicit"


@dataclass
class GraphView:
    nodes: list[ViewNode]
    edges: list[ViewEdge]
    total_nodes: int  # before filtering
    pipelines: list[str] = field(default_factory=list)  # filter options, from the whole project
    layers: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)

    def node(self, node_id: str) -> ViewNode | None:
        return next((n for n in self.nodes if n.id == node_id), None)

    def status_counts(self) -> dict[str, int]:
        """Kept nodes by last-run status (``never`` for nodes without a run)."""
        out: dict[str, int] = {}
        for n in self.nodes:
            key = n.status or "never"
            out[key] = out.get(key, 0) + 1
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"nodes": [asdict(n) for n in self.nodes], "edges": [asdict(e) for e in self.edges],
                "total_nodes": self.total_nodes}


# --- building ---------------------------------------------------------------------------------
def graph_view(graph: Graph, catalog: RunCatalog | None = None, filters: GraphFilters | None = None,
               pipelines: Iterable[Any] = ()) -> GraphView:
    """The project graph with each node's last run (one catalog query), filtered and laid out.

    ``pipelines`` are the project's pipeline configs (``session.config.pipelines``): they give
    pipeline order and descriptions for the search; without them file order of the graph is used."""
    last = latest_node_runs(catalog, [(n.name, n.pipeline) for n in graph.nodes.values()]) if catalog else {}
    return build_graph_view(graph, last, filters, pipelines)


def build_graph_view(graph: Graph, last_runs: dict[str, dict[str, Any]] | None = None,
                     filters: GraphFilters | None = None, pipelines: Iterable[Any] = ()) -> GraphView:
    filters = filters or GraphFilters()
    last_runs = last_runs or {}
    pipe_desc = {p.pipeline: p.description or "" for p in pipelines}
    order = list(pipe_desc) + [p for p in dict.fromkeys(n.pipeline for n in graph.nodes.values()) if p not in pipe_desc]
    kept = [name for name, gn in graph.nodes.items() if _keep(gn, filters, pipe_desc.get(gn.pipeline, ""))]
    keep_set = set(kept)
    edges = [e for e in _edges(graph) if e.source in keep_set and e.target in keep_set]
    positions = _layout(graph, keep_set, edges, order)
    nodes = []
    for name in kept:
        gn, run = graph.nodes[name], last_runs.get(name) or {}
        level, x, y = positions[name]
        nodes.append(ViewNode(
            id=name, pipeline=gn.pipeline, layer=gn.layer, tags=tuple(gn.config.tags),
            transformer=gn.config.transformer, enabled=gn.config.enabled, description=gn.config.description,
            level=level, x=x, y=y, status=run.get("status"), rows_out=run.get("rows_out"),
            duration_s=run.get("duration_s"), started_at=run.get("started_at"), run_id=run.get("run_id")))
    all_nodes = graph.nodes.values()
    return GraphView(
        nodes=nodes, edges=edges, total_nodes=len(graph.nodes), pipelines=order,
        layers=sorted({n.layer for n in all_nodes if n.layer}),
        tags=sorted({t for n in all_nodes for t in n.config.tags}))


def _edges(graph: Graph) -> list[ViewEdge]:
    """Every upstream link once, typed by how it was declared (explicit wins over inferred)."""
    out = []
    for gn in graph.nodes.values():
        inputs = set(gn.input_aliases.values())
        for up in gn.upstream:
            if up in gn.config.depends_on:
                kind = "depends_on"
            elif up in inputs:
                kind = "input"
            else:
                kind = "implicit"
            out.append(ViewEdge(up, gn.name, kind, graph.nodes[up].pipeline != gn.pipeline))
    return out


def search_text(gn: GraphNode, pipeline_description: str = "") -> str:
    """Everything the free-text search looks at: names, descriptions, paths, tables, SQL files."""
    cfg = gn.config
    parts = [gn.name, gn.pipeline, gn.layer or "", cfg.description or "", pipeline_description,
             cfg.transformer or "", " ".join(cfg.tags)]
    blocks = [cfg.read, cfg.write] + [r for r in cfg.inputs.values() if not isinstance(r, str)]
    for block in blocks:
        if block is not None:
            parts += [block.connection, block.path or "", block.table or ""]
    for step in cfg.transform.steps if cfg.transform else ():
        parts += [step.sql_file or "", step.function or "", step.operation or ""]
    return "\n".join(p for p in parts if p).lower()


def _keep(gn: GraphNode, f: GraphFilters, pipeline_description: str) -> bool:
    if f.pipelines and gn.pipeline not in f.pipelines:
        return False
    if f.layers and gn.layer not in f.layers:
        return False
    if f.tags and not set(f.tags) & set(gn.config.tags):
        return False
    words = f.search.lower().split()
    if words:
        text = search_text(gn, pipeline_description)
        return all(w in text for w in words)
    return True


def _layout(graph: Graph, keep: set[str], edges: list[ViewEdge], pipe_order: list[str]) -> dict[str, tuple]:
    """``{name: (level, x, y)}``; deterministic for a given graph and filter."""
    ups: dict[str, list[str]] = {n: [] for n in keep}
    for e in edges:
        ups[e.target].append(e.source)
    rank = {p: i for i, p in enumerate(pipe_order)}
    file_pos = {n: i for i, n in enumerate(graph.nodes)}
    out: dict[str, tuple] = {}
    for level, names in enumerate(graph.levels(keep)):
        def key(n: str) -> tuple:
            above = [out[u][2] for u in ups[n] if u in out]
            centre = sum(above) / len(above) if above else float("-inf")
            return rank.get(graph.nodes[n].pipeline, len(rank)), centre, file_pos[n]

        y, previous = 0, None
        for i, name in enumerate(sorted(names, key=key)):
            pipe = graph.nodes[name].pipeline
            if i and pipe != previous:
                y += GROUP_GAP
            out[name] = (level, level * X_GAP, y)
            y += Y_GAP
            previous = pipe
    return out
