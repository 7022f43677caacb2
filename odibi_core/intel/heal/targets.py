"""Which nodes ``odibi heal`` looks at, and what it found."""

from __future__ import annotations

from dataclasses import dataclass, field

from odibi_core.catalog import RunCatalog
from odibi_core.catalog.latest import latest_node_runs
from odibi_core.config.models import suggest
from odibi_core.errors import OdibiError
from odibi_core.graph import Graph
from odibi_core.runner.results import NodeResult


@dataclass
class HealOutcome:
    nodes: list[str] = field(default_factory=list)  # the nodes examined
    results: list[NodeResult] = field(default_factory=list)  # their results, with ``heal`` attempts

    @property
    def attempts(self) -> list[dict]:
        return [dict(a, node=r.name) for r in self.results for a in r.heal]


def nodes_to_heal(graph: Graph, catalog: RunCatalog, nodes: list[str] | None) -> list[str]:
    """The named nodes (checked), or else every node whose latest recorded run failed."""
    if nodes:
        for name in nodes:
            if name not in graph.nodes:
                hint = suggest(name, graph.nodes)
                raise OdibiError(f"no node named '{name}' in this project"
                                 + (f" (did you mean '{hint}'?)" if hint else ""))
        return list(dict.fromkeys(nodes))
    latest = latest_node_runs(catalog, [(n, gn.pipeline) for n, gn in graph.nodes.items()])
    return [n for n in graph.nodes if latest.get(n, {}).get("status") == "failed"]
