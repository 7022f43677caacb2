"""Drift of a whole project (or a selection of it) after the fact: what ``odibi drift`` and the
Studio's Drift page show. Resolves node and pipeline names with "did you mean" errors, so both
front ends refuse a typo the same way.
"""

from __future__ import annotations

from typing import Iterable

from odibi_core.catalog.store import RunCatalog
from odibi_core.config.models.base import suggest
from odibi_core.drift.annotate import settings_for
from odibi_core.drift.detect import NodeDrift, detect_nodes
from odibi_core.errors import OdibiError
from odibi_core.graph import Graph


def _unknown(kind: str, name: str, known: list[str]) -> OdibiError:
    hint = suggest(name, known)
    more = f" (did you mean '{hint}'?)" if hint else f"; known {kind}s: {', '.join(known[:20])}"
    return OdibiError(f"unknown {kind} '{name}'{more}")


def select_nodes(config, nodes: Iterable[str] | None = None, pipeline: str | None = None) -> list[tuple[str, str]]:
    """``(node, pipeline)`` pairs in file order, narrowed to ``pipeline`` and/or ``nodes``."""
    pairs = [(n.name, p.pipeline) for p, n in config.all_nodes()]
    if pipeline is not None:
        known = [p.pipeline for p in config.pipelines]
        if pipeline not in known:
            raise _unknown("pipeline", pipeline, known)
        pairs = [pn for pn in pairs if pn[1] == pipeline]
    wanted = list(nodes or [])
    if wanted:
        names = [n for n, _ in pairs]
        for name in wanted:
            if name not in names:
                where = f"pipeline '{pipeline}'" if pipeline else "the project"
                err = _unknown("node", name, names)
                raise OdibiError(str(err).replace(f"unknown node '{name}'", f"unknown node '{name}' in {where}", 1))
        pairs = [pn for pn in pairs if pn[0] in wanted]
    return pairs


def project_drift(catalog: RunCatalog, graph: Graph, config, nodes: Iterable[str] | None = None,
                  pipeline: str | None = None) -> list[NodeDrift]:
    """Drift of each selected node's latest successful run, in file order."""
    return detect_nodes(catalog, select_nodes(config, nodes, pipeline), settings_for(config.drift, graph))
