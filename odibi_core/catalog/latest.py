"""The newest run of many nodes at once, for views that colour a whole project graph.

Why a separate query: a graph of a few hundred nodes asking :meth:`RunCatalog.node_history` once
per node costs hundreds of round trips on every page render. Here one statement answers for all
nodes. Each node is looked up through the runs of its own pipeline (runs are per pipeline;
``ix_runs_pipeline_started`` walks them newest first and the ``(run_id, node)`` key finds the
node's row), so the cost grows with the number of nodes, not with the size of the history, and a
node skipped by the newest run shows as skipped instead of hiding behind an older success.
A node that was moved to another pipeline falls back to its own newest row.
"""

from __future__ import annotations

import json
from typing import Any, Iterable

from odibi_core.catalog.store import RunCatalog

_OK = ("success", "warning")

_LATEST_SQL = """
WITH wanted AS (
    SELECT json_extract(value, '$[0]') AS node, json_extract(value, '$[1]') AS pipeline
    FROM json_each(?)
),
picked AS (
    SELECT w.node AS wanted_node, COALESCE(
        (SELECT n.rowid FROM runs r JOIN node_runs n ON n.run_id = r.run_id AND n.node = w.node
         WHERE r.pipeline = w.pipeline ORDER BY r.started_at DESC, r.run_id DESC LIMIT 1),
        (SELECT n2.rowid FROM node_runs n2 WHERE n2.node = w.node ORDER BY n2.started_at DESC LIMIT 1)
    ) AS rid
    FROM wanted w
)
SELECT n.node, n.pipeline, n.run_id, n.status, n.rows_in, n.rows_out, n.rows_written, n.duration_s,
       COALESCE(n.started_at, r.started_at) AS started_at, n.ended_at, n.error, n.suggestion, n.skipped_reason,
       r.env AS env, r.status AS run_status, r.story_json AS story_json
FROM picked p
JOIN node_runs n ON n.rowid = p.rid
LEFT JOIN runs r ON r.run_id = n.run_id
"""


def latest_node_runs(catalog: RunCatalog, nodes: Iterable[tuple[str, str | None]]) -> dict[str, dict[str, Any]]:
    """``{node: newest node run}`` for ``(node, pipeline)`` pairs, in one query.

    Each row has status, rows_in/out/written, duration_s, started_at (the run's start when the
    node never started), error, the run's env/status and its story_json. Nodes that never ran
    are absent."""
    pairs = [[name, pipeline] for name, pipeline in nodes]
    if not pairs:
        return {}
    rows = catalog._query(_LATEST_SQL, (json.dumps(pairs),))
    return {row["node"]: row for row in rows}


def output_stories(catalog: RunCatalog, node: str, limit: int = 5) -> list[dict[str, Any]]:
    """The newest runs (up to ``limit``) in which ``node`` produced output and that wrote a story.

    The Studio shows a node's sample from the first of them whose file still exists (samples
    live in story JSON, not in the catalog; retention may have removed the newest), so a failed
    latest run still leaves the last good sample visible."""
    rows = catalog._query(
        "SELECT n.run_id, n.status, COALESCE(n.started_at, r.started_at) AS started_at, r.story_json "
        "FROM node_runs n JOIN runs r ON r.run_id = n.run_id "
        f"WHERE n.node = ? AND n.status IN ({', '.join('?' * len(_OK))}) AND r.story_json IS NOT NULL "
        "ORDER BY n.started_at DESC, r.started_at DESC LIMIT ?", (node, *_OK, int(limit)))
    return rows
