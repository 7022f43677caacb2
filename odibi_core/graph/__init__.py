"""Graph layer: dependencies, cycles and execution levels."""

from odibi_core.graph.dag import Graph, GraphNode

__all__ = ["Graph", "GraphNode"]
