"""The node graph: edges from ``depends_on`` and cross-pipeline ``inputs``, cycles, levels.

Node names are unique in a project (the config checks that), so the graph is keyed by name.
Execution order is by topological *levels*: every node of a level depends only on nodes of
earlier levels, so a level's nodes can run in parallel.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from odibi_core.config.models import NodeConfig, PipelineConfig
from odibi_core.config.models.node import INPUT_REF_RE
from odibi_core.errors import ConfigError

if TYPE_CHECKING:
    from odibi_core.config.loader import LoadedProject


@dataclass
class GraphNode:
    name: str
    pipeline: str
    config: NodeConfig
    layer: str | None
    upstream: list[str] = field(default_factory=list)  # names, in declaration order
    downstream: list[str] = field(default_factory=list)
    input_aliases: dict[str, str] = field(default_factory=dict)  # alias -> upstream node name
    implicit_upstream: list[str] = field(default_factory=list)  # nodes whose write target this node reads


class Graph:
    def __init__(self, nodes: dict[str, GraphNode]) -> None:
        self.nodes = nodes

    def memory_closure(self, node: str) -> list[str]:
        """``node`` and every node whose output it takes in memory (depends_on, ``$pipeline.node``
        inputs), upstream first: what a preview or a heal dry run must compute to run ``node``.

        Edges inferred from storage (a node reads a path another writes) are left out: such a read
        sees what is stored now, so computing the writer would be wasted work."""
        seen: list[str] = []
        todo = [node]
        while todo:
            name = todo.pop()
            if name in seen:
                continue
            seen.append(name)
            gn = self.nodes[name]
            todo.extend(list(gn.config.depends_on) + list(gn.input_aliases.values()))
        order = {n: i for i, n in enumerate(self.nodes)}
        return sorted(seen, key=order.get)

    @classmethod
    def build(cls, loaded: LoadedProject) -> Graph:
        nodes: dict[str, GraphNode] = {}
        pipes: dict[str, PipelineConfig] = {}
        for pipe in loaded.config.pipelines:
            pipes[pipe.pipeline] = pipe
            for node in pipe.nodes:
                nodes[node.name] = GraphNode(node.name, pipe.pipeline, node, pipe.layer)
        for gn in nodes.values():
            for dep in gn.config.depends_on:
                gn.upstream.append(dep)
            for alias, ref in gn.config.inputs.items():
                if isinstance(ref, str):
                    upstream = INPUT_REF_RE.match(ref).group(2)
                    gn.input_aliases[alias] = upstream
                    if upstream not in gn.upstream:
                        gn.upstream.append(upstream)
        _add_read_after_write_edges(nodes)
        for gn in nodes.values():
            for up in gn.upstream:
                nodes[up].downstream.append(gn.name)
        graph = cls(nodes)
        cycle = graph.find_cycle()
        if cycle:
            # point at the edge that closes the cycle: where cycle[0] names its upstream cycle[-2]
            first, upstream = cycle[0], cycle[-2]
            pi, ni = _index(loaded, first)
            cfg = nodes[first].config
            if upstream in cfg.depends_on:
                key: tuple = ("depends_on", cfg.depends_on.index(upstream))
            elif upstream in nodes[first].implicit_upstream:
                key = ("read",)
            else:
                key = ("inputs", next(a for a, u in nodes[first].input_aliases.items() if u == upstream))
            raise loaded.error(
                "dependency cycle: " + " -> ".join(cycle), "pipelines", pi, "nodes", ni, *key,
                hint="a node cannot depend on its own output, directly or through others; remove one of these edges",
            )
        return graph

    def find_cycle(self) -> list[str] | None:
        """A cycle as [a, b, ..., a] following downstream edges, or None."""
        white, grey, black = 0, 1, 2
        color = {n: white for n in self.nodes}
        stack: list[str] = []
        for start in self.nodes:
            if color[start] != white:
                continue
            iters = [(start, iter(self.nodes[start].upstream))]
            color[start] = grey
            stack = [start]
            while iters:
                name, it = iters[-1]
                nxt = next(it, None)
                if nxt is None:
                    color[name] = black
                    iters.pop()
                    stack.pop()
                elif color[nxt] == grey:
                    cyc = stack[stack.index(nxt):] + [nxt]
                    return list(reversed(cyc))  # in data-flow order: upstream -> downstream
                elif color[nxt] == white:
                    color[nxt] = grey
                    stack.append(nxt)
                    iters.append((nxt, iter(self.nodes[nxt].upstream)))
        return None

    def levels(self, names: set[str] | None = None) -> list[list[str]]:
        """Topological levels of ``names`` (default all); edges from outside the set are ignored."""
        names = set(self.nodes) if names is None else set(names)
        order = {n: i for i, n in enumerate(self.nodes)}  # file order keeps output stable
        indeg = {n: sum(1 for u in self.nodes[n].upstream if u in names) for n in names}
        level = sorted((n for n, d in indeg.items() if d == 0), key=order.get)
        out = []
        while level:
            out.append(level)
            nxt = []
            for n in level:
                for d in self.nodes[n].downstream:
                    if d in names:
                        indeg[d] -= 1
                        if indeg[d] == 0:
                            nxt.append(d)
            level = sorted(nxt, key=order.get)
        return out

    def ancestors(self, name: str) -> set[str]:
        seen: set[str] = set()
        todo = list(self.nodes[name].upstream)
        while todo:
            n = todo.pop()
            if n not in seen:
                seen.add(n)
                todo.extend(self.nodes[n].upstream)
        return seen

    def descendants(self, name: str) -> set[str]:
        seen: set[str] = set()
        todo = list(self.nodes[name].downstream)
        while todo:
            n = todo.pop()
            if n not in seen:
                seen.add(n)
                todo.extend(self.nodes[n].downstream)
        return seen

    def edges(self) -> list[tuple[str, str]]:
        return [(u, n.name) for n in self.nodes.values() for u in n.upstream]

    def select(self, *, pipelines=None, nodes=None, tags=None, with_upstream: bool = False) -> list[str]:
        """Names chosen by pipeline / node / tag (intersection of what is given), in file order.

        Unknown names are an error with a suggestion, so a typo never runs nothing silently.
        """
        from odibi_core.config.models.base import suggest

        chosen = list(self.nodes)
        if pipelines:
            known = {n.pipeline for n in self.nodes.values()}
            for p in pipelines:
                if p not in known:
                    close = suggest(p, known)
                    raise ConfigError(f"unknown pipeline '{p}'",
                                      hint=f"did you mean '{close}'?" if close else f"pipelines: {', '.join(sorted(known))}")
            chosen = [n for n in chosen if self.nodes[n].pipeline in pipelines]
        if nodes:
            for n in nodes:
                if n not in self.nodes:
                    close = suggest(n, self.nodes)
                    raise ConfigError(f"unknown node '{n}'", hint=f"did you mean '{close}'?" if close else None)
            chosen = [n for n in chosen if n in nodes]
        if tags:
            known_tags = {t for n in self.nodes.values() for t in n.config.tags}
            for t in tags:
                if t not in known_tags:
                    raise ConfigError(f"no node has tag '{t}'",
                                      hint=f"tags in use: {', '.join(sorted(known_tags)) or 'none'}")
            chosen = [n for n in chosen if set(tags) & set(self.nodes[n].config.tags)]
        if with_upstream:
            extra = set().union(*(self.ancestors(n) for n in chosen)) if chosen else set()
            chosen = [n for n in self.nodes if n in set(chosen) | extra]
        return chosen


def _location_key(connection: str, path: str | None, table: str | None) -> tuple[str, str] | None:
    if path:
        return connection, path.strip().strip("/").removeprefix("./")
    if table:
        return connection, table.strip().lower()
    return None


def _add_read_after_write_edges(nodes: dict[str, GraphNode]) -> None:
    """A node that reads what another node writes runs after it, even without depends_on.

    Odibi projects often chain pipelines through storage (silver reads the Delta path bronze
    writes). Odibi orders whole pipelines by file position; inferring the edge keeps that
    guarantee while letting unrelated nodes run in parallel. Glob reads match by pattern.
    """
    writers: dict[tuple[str, str], str] = {}
    for gn in nodes.values():
        w = gn.config.write
        key = _location_key(w.connection, w.path, w.table) if w else None
        if key:
            writers.setdefault(key, gn.name)
    if not writers:
        return
    for gn in nodes.values():
        reads = [gn.config.read] + [r for r in gn.config.inputs.values() if not isinstance(r, str)]
        for read in reads:
            key = _location_key(read.connection, read.path, read.table) if read is not None else None
            if key is None:
                continue
            for (conn, target), writer in writers.items():
                if conn != key[0] or writer == gn.name or writer in gn.upstream:
                    continue
                if target == key[1] or (read.path and fnmatch.fnmatch(target, key[1])):
                    gn.upstream.append(writer)
                    gn.implicit_upstream.append(writer)


def _index(loaded: LoadedProject, name: str) -> tuple[int, int]:
    for pi, pipe in enumerate(loaded.config.pipelines):
        for ni, node in enumerate(pipe.nodes):
            if node.name == name:
                return pi, ni
    return 0, 0
