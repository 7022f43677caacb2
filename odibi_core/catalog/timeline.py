"""The run timeline, aggregated in SQL so it stays cheap with tens of thousands of runs.

Why two shapes: a chart with one bar per run is the most useful view (click a bar, see the
run) but it is unreadable and slow to draw past a few hundred bars. So when the filtered set
is small the timeline is one bar per run; otherwise SQLite groups the runs into hour, day or
week buckets (picked from the time span so there are at most ~200 buckets) and returns per
bucket and outcome the count and the average and longest duration. Either way the work is a
couple of indexed queries; nothing loads every run into Python.

Outcomes (and their colour classes) are decided in one place, :data:`OUTCOME_SQL`, used by
both shapes: failed = red, cancelled = grey, running = blue, partial or any warnings = amber,
success = green.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from odibi_core.catalog.store import RunCatalog, _run_filters

MAX_BARS = 400
"""Up to this many runs the timeline has one bar per run; above it, buckets."""

OUTCOMES: dict[str, str] = {
    "success": "green",
    "warning": "amber",
    "failed": "red",
    "cancelled": "grey",
    "running": "blue",
}
"""Outcome -> colour class, in legend order. ``warning`` = a partial run, or one with warnings."""

OUTCOME_SQL = (
    "CASE WHEN status = 'failed' THEN 'failed' "
    "WHEN status = 'cancelled' THEN 'cancelled' "
    "WHEN status = 'running' THEN 'running' "
    "WHEN status = 'partial' OR warnings_count > 0 THEN 'warning' "
    "WHEN status = 'success' THEN 'success' "
    "ELSE 'cancelled' END"
)

# bucket -> (SQL expression giving the bucket's start as ISO text, its length)
_BUCKETS: dict[str, tuple[str, dt.timedelta]] = {
    "hour": ("substr(started_at, 1, 13) || ':00:00+00:00'", dt.timedelta(hours=1)),
    "day": ("substr(started_at, 1, 10) || 'T00:00:00+00:00'", dt.timedelta(days=1)),
    # the Monday on or before the day (SQLite: go back 6 days, then forward to the next Monday)
    "week": ("date(substr(started_at, 1, 10), '-6 days', 'weekday 1') || 'T00:00:00+00:00'", dt.timedelta(weeks=1)),
}
_MAX_BUCKETS = 200


@dataclass
class Timeline:
    """What the chart draws. ``mode`` is ``"runs"`` (``rows`` = one per run) or ``"buckets"``
    (``rows`` = one per bucket and outcome, ``bucket`` = hour/day/week)."""

    mode: str
    total: int
    rows: list[dict[str, Any]] = field(default_factory=list)
    bucket: str | None = None
    first: str | None = None
    last: str | None = None


def outcome(status: str | None, warnings_count: int | None = 0) -> str:
    """The outcome of a run (see :data:`OUTCOME_SQL`, which this mirrors for rows already loaded)."""
    if status in ("failed", "cancelled", "running"):
        return status
    if status == "partial" or (warnings_count or 0) > 0:
        return "warning"
    return "success" if status == "success" else "cancelled"


def colour_class(status: str | None, warnings_count: int | None = 0) -> str:
    """green / amber / red / grey / blue for a run's status and warnings."""
    return OUTCOMES[outcome(status, warnings_count)]


def pick_bucket(first: str | None, last: str | None) -> str:
    """The finest of hour/day/week that keeps the span under ~200 buckets."""
    try:
        span = dt.datetime.fromisoformat(last) - dt.datetime.fromisoformat(first)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return "day"
    for name in ("hour", "day"):
        if span <= _BUCKETS[name][1] * _MAX_BUCKETS:
            return name
    return "week"


def timeline(catalog: RunCatalog, pipeline: str | None = None, status: str | None = None, since: Any = None,
             until: Any = None, max_bars: int = MAX_BARS, bucket: str | None = None) -> Timeline:
    """The runs matching the filters as bars (at most ``max_bars``) or as buckets.

    ``status`` filters on the stored status (success, failed, partial, cancelled, running);
    ``since``/``until`` bound started_at like :meth:`RunCatalog.list_runs` (until exclusive).
    ``bucket`` forces hour/day/week instead of picking one from the span."""
    where, params = _run_filters(pipeline, status, since, until)
    head = catalog._query(f"SELECT COUNT(*) AS n, MIN(started_at) AS first, MAX(started_at) AS last "
                          f"FROM runs{where}", params)[0]
    total, first, last = int(head["n"]), head["first"], head["last"]
    if total <= max_bars and bucket is None:
        rows = catalog._query(
            f"SELECT run_id, pipeline, status, started_at, ended_at, duration_s, warnings_count, "
            f"nodes_total, nodes_failed, {OUTCOME_SQL} AS outcome FROM runs{where} "
            f"ORDER BY started_at, run_id", params)
        for r in rows:
            r["colour"] = OUTCOMES[r["outcome"]]
        return Timeline("runs", total, rows, None, first, last)
    name = bucket or pick_bucket(first, last)
    if name not in _BUCKETS:
        raise ValueError(f"bucket must be one of {', '.join(_BUCKETS)} (got {name!r})")
    expr, length = _BUCKETS[name]
    rows = catalog._query(
        f"SELECT {expr} AS bucket_start, {OUTCOME_SQL} AS outcome, COUNT(*) AS runs, "
        f"AVG(duration_s) AS avg_duration_s, MAX(duration_s) AS max_duration_s "
        f"FROM runs{where} GROUP BY bucket_start, outcome ORDER BY bucket_start, outcome", params)
    for r in rows:
        start = dt.datetime.fromisoformat(r["bucket_start"])
        r["bucket_end"] = (start + length).isoformat()
        r["colour"] = OUTCOMES[r["outcome"]]
    return Timeline("buckets", total, rows, name, first, last)


def outcome_counts(catalog: RunCatalog, pipeline: str | None = None, status: str | None = None, since: Any = None,
                   until: Any = None) -> dict[str, int]:
    """Runs per outcome under the filters, every outcome present as a key (0 when none)."""
    where, params = _run_filters(pipeline, status, since, until)
    rows = catalog._query(f"SELECT {OUTCOME_SQL} AS outcome, COUNT(*) AS n FROM runs{where} GROUP BY outcome",
                          params)
    out = dict.fromkeys(OUTCOMES, 0)
    out.update({r["outcome"]: int(r["n"]) for r in rows})
    return out
