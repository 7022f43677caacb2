"""Run history for the Studio: filters, one page of runs, counts, the timeline, what to filter on.

Why a page-shaped API: the History page must stay fast with 10,000 runs, so it never loads the
whole history. It asks for one page (LIMIT/OFFSET on the started_at indexes), the counts and
the timeline (aggregated in SQL, :mod:`odibi_core.catalog.timeline`), and formats nothing
itself beyond what Streamlit needs.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

from odibi_core.catalog import RunCatalog
from odibi_core.catalog import history as catalog_history
from odibi_core.catalog import timeline as tl
from odibi_core.errors import OdibiError

PAGE_SIZE = 50
MAX_BARS = tl.MAX_BARS


@dataclass(frozen=True)
class RunFilters:
    """What the user filtered on. ``since`` is inclusive and ``until`` exclusive (datetimes,
    dates or ISO text); :meth:`for_days` turns a picked date range into that."""

    pipeline: str | None = None
    status: str | None = None
    since: Any = None
    until: Any = None

    @classmethod
    def for_days(cls, pipeline: str | None = None, status: str | None = None, first_day: dt.date | None = None,
                 last_day: dt.date | None = None) -> RunFilters:
        """Runs started on ``first_day`` .. ``last_day`` (both whole days, UTC)."""
        if first_day and last_day and last_day < first_day:
            raise OdibiError(f"the date range ends ({last_day}) before it starts ({first_day}); pick the start first")
        until = last_day + dt.timedelta(days=1) if last_day else None
        return cls(pipeline or None, status or None, first_day, until)

    def kwargs(self) -> dict[str, Any]:
        return {"pipeline": self.pipeline, "status": self.status, "since": self.since, "until": self.until}


@dataclass
class RunsPage:
    rows: list[dict[str, Any]]
    total: int
    page: int  # 1-based, clamped to the pages that exist
    pages: int
    page_size: int

    @property
    def first_index(self) -> int:
        """1-based position of the first row of this page in the filtered list (0 when empty)."""
        return (self.page - 1) * self.page_size + 1 if self.rows else 0


@dataclass
class HistoryOverview:
    """Everything above the table: what can be filtered on, counts per outcome, the timeline."""

    facets: dict[str, Any]
    counts: dict[str, int]
    timeline: tl.Timeline
    total: int = 0
    notes: list[str] = field(default_factory=list)


def runs_page(catalog: RunCatalog, filters: RunFilters | None = None, page: int = 1,
              page_size: int = PAGE_SIZE) -> RunsPage:
    """One page of runs, newest first, as table rows (see :func:`table_row`)."""
    filters = filters or RunFilters()
    if page_size < 1:
        raise OdibiError(f"page size must be at least 1 (got {page_size})")
    total = catalog.count_runs(**filters.kwargs())
    pages = max(1, math.ceil(total / page_size))
    page = min(max(1, int(page)), pages)
    rows = catalog.list_runs(**filters.kwargs(), limit=page_size, offset=(page - 1) * page_size)
    return RunsPage([table_row(r) for r in rows], total, page, pages, page_size)


def table_row(run: dict[str, Any]) -> dict[str, Any]:
    """The columns the runs table shows (the catalog row has story paths and more)."""
    return {
        "run_id": run["run_id"],
        "started_at": run["started_at"],
        "pipeline": run["pipeline"],
        "status": run["status"],
        "outcome": tl.outcome(run["status"], run.get("warnings_count")),
        "duration_s": run.get("duration_s"),
        "nodes": f"{run.get('nodes_success') or 0}/{run.get('nodes_total') or 0}",
        "failed": run.get("nodes_failed") or 0,
        "skipped": run.get("nodes_skipped") or 0,
        "warnings": run.get("warnings_count") or 0,
        "rows_written": run.get("rows_written"),
        "env": run.get("env"),
        "has_story": bool(run.get("story_json")),
        "error": run.get("error"),
    }


def run_counts(catalog: RunCatalog, filters: RunFilters | None = None) -> dict[str, int]:
    """Runs per outcome (success, warning, failed, cancelled, running) and ``total``."""
    counts = tl.outcome_counts(catalog, **(filters or RunFilters()).kwargs())
    counts["total"] = sum(counts.values())
    return counts


def run_timeline(catalog: RunCatalog, filters: RunFilters | None = None, max_bars: int = tl.MAX_BARS) -> tl.Timeline:
    return tl.timeline(catalog, **(filters or RunFilters()).kwargs(), max_bars=max_bars)


def facets(catalog: RunCatalog) -> dict[str, Any]:
    """Pipelines and statuses present, and the first/last run dates (for the date picker)."""
    out = catalog_history.facets(catalog)
    out["first_day"] = _day(out["first"])
    out["last_day"] = _day(out["last"])
    return out


def overview(catalog: RunCatalog, filters: RunFilters | None = None, max_bars: int = tl.MAX_BARS) -> HistoryOverview:
    """Facets, counts and the timeline in one call (four small indexed queries)."""
    filters = filters or RunFilters()
    counts = run_counts(catalog, filters)
    return HistoryOverview(facets(catalog), counts, run_timeline(catalog, filters, max_bars), counts["total"])


def _day(iso: str | None) -> dt.date | None:
    if not iso:
        return None
    try:
        return dt.datetime.fromisoformat(iso).date()
    except ValueError:
        return None
