"""A node's recent successful row counts, newest first: the history drift detection judges against.

Why not :meth:`RunCatalog.node_history`: it joins every run of the node and sorts them on an
expression, which the index cannot serve; with a thousand runs per node that costs ~100 ms, and
the Drift page asks for 200 nodes at once. This query filters on status and sorts on
``node_runs(node, started_at)``, the index order, so SQLite reads only the rows it returns
(under 1 ms at any history size).
"""

from __future__ import annotations

from typing import Any

from odibi_core.catalog.store import RunCatalog

OK_STATUSES = ("success", "warning")


def successful_counts(catalog: RunCatalog, node: str, limit: int,
                      exclude_run_id: str | None = None) -> list[dict[str, Any]]:
    """Up to ``limit`` node runs that got through ``node`` with a row count, newest first
    (``run_id, pipeline, status, rows_out, started_at``); ``exclude_run_id`` is left out."""
    sql = ("SELECT run_id, pipeline, status, rows_out, started_at FROM node_runs "
           "WHERE node=? AND status IN (?, ?) AND rows_out IS NOT NULL")
    params: list[Any] = [node, *OK_STATUSES]
    if exclude_run_id is not None:
        sql += " AND run_id<>?"
        params.append(exclude_run_id)
    return catalog._query(sql + " ORDER BY started_at DESC, run_id DESC LIMIT ?", [*params, max(0, int(limit))])
