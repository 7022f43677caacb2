"""What ``odibi top`` shows, kept apart from Textual: which run, which filters, which rows.

Why a separate model: the app's widgets only draw what this says, so every decision (follow the
newest run or stay on the one picked, what a filter keeps, which story belongs to a row) is
plain Python, shared with ``--once``, and tested without a terminal. The clock is injected so
elapsed times, and therefore snapshots, are deterministic in tests.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from odibi_core.errors import OdibiError
from odibi_core.workspace.live import (
    STATUS_FILTERS,
    LiveFeed,
    NodeRow,
    PipelineProgress,
    RunView,
    dag_levels,
    filter_rows,
    order_rows,
    pipeline_progress,
)

if TYPE_CHECKING:
    from odibi_core.graph import Graph

Clock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class TopModel:
    def __init__(self, feed: LiveFeed, *, graph: Graph | None = None, run_id: str | None = None,
                 clock: Clock = utc_now) -> None:
        self.feed, self.graph, self.clock = feed, graph, clock
        self.pinned: str | None = None  # key of the run the user picked; None follows the newest run
        self.status_filter = "all"
        self.text = ""
        self.now = clock()
        self.view: RunView | None = None
        self.rows: list[NodeRow] = []
        self.visible: list[NodeRow] = []
        self.bars: list[PipelineProgress] = []
        self.levels: list[list[NodeRow]] = []
        if run_id:
            found = feed.view(run_id)
            if found is None:
                raise OdibiError(f"no run with id '{run_id}' in this project's history; list runs with `odibi runs`")
            self.pinned = found.key
        self.recompute()

    # --- reading -------------------------------------------------------------------------------
    @property
    def following(self) -> bool:
        return self.pinned is None

    @property
    def pipelines(self) -> list[str]:
        """The shown run's pipelines in display order (the project's, when the graph is known)."""
        shown = [b.pipeline for b in self.bars]
        return shown + [p for p in (self.view.pipelines if self.view else ()) if p not in shown]

    @property
    def runs(self) -> list[RunView]:
        """The recent runs, newest first, plus the picked one when it is older than those."""
        runs = list(self.feed.runs)
        if self.view is not None and all(v.key != self.view.key for v in runs):
            runs.append(self.view)
        return runs

    @property
    def position(self) -> int:
        """1-based place of the shown run in :attr:`runs` (0 when there is none)."""
        return next((i for i, v in enumerate(self.runs, start=1) if self.view and v.key == self.view.key), 0)

    def refresh(self) -> bool:
        """Poll the feed; ``True`` when the screen needs redrawing (something was written, a run's
        process died, or a run is going and its clock moves)."""
        changed = self.feed.poll()
        if changed or (self.view is not None and self.view.active):
            self.recompute()
            return True
        return False

    def recompute(self) -> None:
        """Derive everything shown from the feed's current state, the filters and the clock."""
        self.now = self.clock()
        view = self.feed.view(self.pinned) if self.pinned else None
        if view is None:
            self.pinned = None
            view = self.feed.runs[0] if self.feed.runs else None
        self.view = view
        self.rows = order_rows(self.feed.progress(view, self.now), self.graph) if view else []
        self.visible = filter_rows(self.rows, self.status_filter, self.text)
        self.bars = pipeline_progress(self.rows)
        self.levels = dag_levels(self.rows, self.graph)

    # --- acting --------------------------------------------------------------------------------
    def step(self, delta: int) -> bool:
        """Show an older (+1) or newer (-1) run; picking one stops following the newest."""
        runs, here = self.runs, self.position - 1
        target = min(max(here + delta, 0), len(runs) - 1)
        if here < 0 or target == here:
            return False
        self.pinned = runs[target].key
        self.recompute()
        return True

    def follow(self) -> None:
        """Show the newest run, and switch to each new run as it starts."""
        self.pinned = None
        self.recompute()

    def cycle_status(self) -> str:
        names = list(STATUS_FILTERS)
        self.status_filter = names[(names.index(self.status_filter) + 1) % len(names)]
        self.recompute()
        return self.status_filter

    def set_text(self, text: str) -> None:
        self.text = text.strip()
        self.recompute()

    def clear_filters(self) -> None:
        self.status_filter, self.text = "all", ""
        self.recompute()

    def story_for(self, row: NodeRow | None) -> tuple[str | None, str]:
        """(path, message): the HTML story of ``row``'s pipeline run (else of the run's first
        pipeline that has one), or no path and why there is none."""
        if self.view is None:
            return None, "no run to show"
        path = self.view.story(row.run_id if row else None)
        if not path:
            why = "it is still running" if self.view.active else "stories may be disabled (story.enabled)"
            return None, f"run {self.view.key} has no story yet: {why}"
        if not Path(path).is_file():
            return None, f"the story {path} no longer exists (story retention may have removed it)"
        return path, path
