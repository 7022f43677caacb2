"""Small read queries for the run history and story pages, beside the store's own listings.

Why separate from :mod:`odibi_core.catalog.store`: the store is the record-keeping core every
run goes through; these are browsing helpers (what can be filtered on, which runs to offer in
a picker, one run's schemas) that only the Studio and reports need. Each one is a single
indexed query, so they stay fast with 10,000 runs.
"""

from __future__ import annotations

import json
from typing import Any

from odibi_core.catalog.store import RunCatalog, _page, _run_filters


def facets(catalog: RunCatalog) -> dict[str, Any]:
    """Pipelines and statuses present in the history, and the first and last start times."""
    pipelines = [r["pipeline"] for r in catalog._query("SELECT DISTINCT pipeline FROM runs ORDER BY pipeline")]
    statuses = [r["status"] for r in catalog._query("SELECT DISTINCT status FROM runs ORDER BY status")]
    span = catalog._query("SELECT MIN(started_at) AS first, MAX(started_at) AS last, COUNT(*) AS n FROM runs")[0]
    return {"pipelines": pipelines, "statuses": statuses, "first": span["first"], "last": span["last"],
            "total": int(span["n"])}


def run_choices(catalog: RunCatalog, pipeline: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
    """The newest runs (of ``pipeline`` if given) with the few fields a run picker shows."""
    where, params = _run_filters(pipeline, None, None, None)
    limit, _ = _page(limit, 0)
    return catalog._query(f"SELECT run_id, pipeline, status, started_at, duration_s, warnings_count FROM runs{where} "
                          f"ORDER BY started_at DESC, run_id DESC LIMIT ?", [*params, limit])


def run_schemas(catalog: RunCatalog, run_id: str) -> dict[str, list[dict[str, str]]]:
    """The output schema of each node a run got through: node -> [{"name", "type"}, ...]."""
    rows = catalog._query("SELECT node, columns_json FROM schema_snapshots WHERE run_id=?", (run_id,))
    return {r["node"]: json.loads(r["columns_json"]) for r in rows}


def previous_run(catalog: RunCatalog, run_id: str) -> dict[str, Any] | None:
    """The run of the same pipeline that started just before ``run_id`` (the natural diff baseline)."""
    rows = catalog._query(
        "SELECT p.run_id, p.pipeline, p.status, p.started_at FROM runs r JOIN runs p "
        "ON p.pipeline = r.pipeline AND (p.started_at < r.started_at OR (p.started_at = r.started_at "
        "AND p.run_id < r.run_id)) WHERE r.run_id = ? ORDER BY p.started_at DESC, p.run_id DESC LIMIT 1",
        (run_id,))
    return rows[0] if rows else None
