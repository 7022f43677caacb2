"""The live progress feed: what is running, or ran last, read back from the run catalog.

Why the catalog and nothing else: the runner records every node's start and finish in the
catalog as it goes (``RunCatalog.record_node``), from whichever process runs it (``odibi run``,
a Studio background job, the Python API). So a viewer in any other process (the Studio's Run
page, ``odibi top``) sees the same progress without talking to the run process, and a viewer
started late, or restarted, loses nothing.

One *view* is one invocation: ``odibi run`` over several pipelines records one catalog run per
pipeline, all with the same ``started_at`` (the runner stamps them from one clock reading), so
runs are grouped on (started_at, env, config file). Polling is cheap: :class:`LiveFeed` re-reads
the catalog only when :meth:`RunCatalog.fingerprint` (a stat call) says something was written;
between writes only the elapsed time of running nodes moves, and that is computed from ``now``.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

from odibi_core.catalog import RunCatalog
from odibi_core.errors import OdibiError
from odibi_core.workspace.ghosts import find_ghosts, parse_ts
from odibi_core.workspace.job_state import outcome

if TYPE_CHECKING:
    from odibi_core.graph import Graph

STALE_NOTE = "its process is gone (killed or crashed): this run will never finish"
FINISHED = frozenset({"success", "warning", "failed", "cancelled", "skipped", "stale"})
# status filter name -> the node statuses it keeps (None: all)
STATUS_FILTERS: dict[str, frozenset[str] | None] = {
    "all": None,
    "running": frozenset({"running"}),
    "waiting": frozenset({"pending"}),
    "failed": frozenset({"failed", "cancelled", "stale"}),
    "ok": frozenset({"success", "warning"}),
    "skipped": frozenset({"skipped"}),
}


@dataclass(frozen=True)
class NodeRow:
    """One node of a run as it stands: rows are the node's output rows (known once it finished),
    elapsed is its duration, or the time since it started while it runs."""

    run_id: str
    pipeline: str
    node: str
    status: str
    rows: int | None
    elapsed_s: float | None
    throughput: float | None  # rows per second, for a finished node with rows and a duration
    error: str | None
    started_at: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """The row shape of ``Job.progress()`` (the Studio's Run page), throughput included."""
        out = asdict(self)
        del out["run_id"], out["started_at"]
        return out


@dataclass(frozen=True)
class PipelineRun:
    """One catalog run (one pipeline) inside a view."""

    run_id: str
    pipeline: str
    status: str
    nodes_total: int
    rows_written: int | None
    duration_s: float | None
    ended_at: str | None
    story_html: str | None
    error: str | None


@dataclass(frozen=True)
class RunView:
    """One invocation: the catalog runs started together (one per pipeline)."""

    project: str | None
    env: str | None
    engine: str | None
    started_at: str
    runs: tuple[PipelineRun, ...]

    @property
    def key(self) -> str:
        """A stable id for the view: its smallest run id."""
        return min(r.run_id for r in self.runs)

    @property
    def run_ids(self) -> tuple[str, ...]:
        return tuple(r.run_id for r in self.runs)

    @property
    def pipelines(self) -> tuple[str, ...]:
        return tuple(r.pipeline for r in self.runs)

    @property
    def status(self) -> str:
        """running while any run is; stale when a run's process died; else the worst outcome."""
        statuses = [r.status for r in self.runs]
        for live in ("running", "stale"):
            if live in statuses:
                return live
        return outcome(statuses)

    @property
    def active(self) -> bool:
        return self.status == "running"

    def elapsed_s(self, now: dt.datetime | None = None) -> float | None:
        start = parse_ts(self.started_at)
        if start is None:
            return None
        if self.active:
            return round(max(0.0, ((now or _utc_now()) - start).total_seconds()), 1)
        ends = [e for r in self.runs if (e := parse_ts(r.ended_at)) is not None]
        return round((max(ends) - start).total_seconds(), 3) if ends else None

    def story(self, run_id: str | None = None) -> str | None:
        """The HTML story of ``run_id`` (a run of this view), else the first story the view has."""
        if run_id is not None:
            for r in self.runs:
                if r.run_id == run_id and r.story_html:
                    return r.story_html
        return next((r.story_html for r in self.runs if r.story_html), None)


@dataclass(frozen=True)
class PipelineProgress:
    """Counts for one pipeline's progress bar."""

    pipeline: str
    total: int
    ok: int
    failed: int
    skipped: int
    running: int

    @property
    def done(self) -> int:
        return self.ok + self.failed + self.skipped

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else 1.0


# --- pure computations ------------------------------------------------------------------------------
def throughput(rows: int | None, seconds: float | None) -> float | None:
    """Rows per second; ``None`` when either is unknown or the duration is zero."""
    if rows is None or seconds is None or seconds <= 0:
        return None
    return rows / seconds


def node_rows(runs: Iterable[dict[str, Any]], now: dt.datetime | None = None,
              stale: Iterable[str] = ()) -> list[NodeRow]:
    """Rows from ``catalog.get_run`` results (in the order given, nodes in run order).

    A node still running in a run whose process died (``stale``) is shown as stale, with no
    elapsed time: it will never finish, so a growing clock would be a lie."""
    now = now or _utc_now()
    dead = set(stale)
    out = []
    for run in runs:
        for n in run["nodes"]:
            status, error = n["status"], n.get("error") or n.get("skipped_reason")
            if status == "running" and run["run_id"] in dead:
                status, elapsed, error = "stale", None, STALE_NOTE
            elif status == "running":
                started = parse_ts(n.get("started_at"))
                elapsed = round(max(0.0, (now - started).total_seconds()), 1) if started else None
            elif status in ("pending", "skipped"):
                elapsed = None
            else:
                elapsed = n.get("duration_s")
            rows = n.get("rows_out")
            out.append(NodeRow(run["run_id"], n.get("pipeline") or run["pipeline"], n["node"], status, rows, elapsed,
                               throughput(rows, elapsed) if status in FINISHED else None, error,
                               n.get("started_at")))
    return out


def filter_rows(rows: Iterable[NodeRow], status: str = "all", text: str = "") -> list[NodeRow]:
    """Rows whose status is in the ``status`` group and that contain every word of ``text``
    (case-insensitive, in ``pipeline.node``, the status or the error)."""
    if status not in STATUS_FILTERS:
        raise OdibiError(f"unknown status filter '{status}'; use one of: {', '.join(STATUS_FILTERS)}")
    keep, words = STATUS_FILTERS[status], text.lower().split()
    out = []
    for r in rows:
        if keep is not None and r.status not in keep:
            continue
        hay = f"{r.pipeline}.{r.node} {r.status} {r.error or ''}".lower()
        if all(w in hay for w in words):
            out.append(r)
    return out


def pipeline_progress(rows: Iterable[NodeRow]) -> list[PipelineProgress]:
    """One bar per pipeline, in the order the pipelines first appear in ``rows``."""
    counts: dict[str, dict[str, int]] = {}
    for r in rows:
        c = counts.setdefault(r.pipeline, {"total": 0, "ok": 0, "failed": 0, "skipped": 0, "running": 0})
        c["total"] += 1
        group = next((g for g in ("ok", "failed", "skipped", "running") if r.status in STATUS_FILTERS[g]), None)
        if group:
            c[group] += 1
    return [PipelineProgress(p, **c) for p, c in counts.items()]


def order_rows(rows: list[NodeRow], graph: Graph | None) -> list[NodeRow]:
    """Rows in the project's file order when the graph is known (nodes it lacks keep their place, last)."""
    if graph is None:
        return list(rows)
    index = {name: i for i, name in enumerate(graph.nodes)}
    return sorted(rows, key=lambda r: index.get(r.node, len(index)))


def dag_levels(rows: list[NodeRow], graph: Graph | None) -> list[list[NodeRow]]:
    """Rows by topological level (every node depends only on earlier levels). Without a graph, or
    for nodes the current config no longer has, they form one level of their own."""
    if not rows:
        return []
    if graph is None:
        return [list(rows)]
    by_name = {r.node: r for r in rows}
    known = {n for n in by_name if n in graph.nodes}
    levels = [[by_name[n] for n in level] for level in graph.levels(known)] if known else []
    rest = [r for r in rows if r.node not in known]
    return levels + ([rest] if rest else [])


# --- catalog reads ----------------------------------------------------------------------------------
def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _group_key(run: dict[str, Any]) -> tuple:
    return run["started_at"], run.get("env"), run.get("config_file")


def _view(runs: list[dict[str, Any]]) -> RunView:
    first = runs[0]
    parts = tuple(PipelineRun(r["run_id"], r["pipeline"], r["status"], int(r.get("nodes_total") or 0),
                              r.get("rows_written"), r.get("duration_s"), r.get("ended_at"), r.get("story_html"),
                              r.get("error"))
                  for r in sorted(runs, key=lambda r: (r["pipeline"], r["run_id"])))
    return RunView(first.get("project"), first.get("env"), first.get("engine"), first["started_at"], parts)


def mark_stale(view: RunView, stale: Iterable[str]) -> RunView:
    """``view`` with its runs that are still "running" but whose process died shown as stale."""
    dead = set(stale)
    if not dead.intersection(view.run_ids):
        return view
    return replace(view, runs=tuple(replace(r, status="stale") if r.status == "running" and r.run_id in dead else r
                                    for r in view.runs))


def live_runs(catalog: RunCatalog, limit: int = 20, *, stale: Iterable[str] = ()) -> list[RunView]:
    """The newest ``limit`` invocations, newest first."""
    fetch = max(50, limit * 8)
    rows = catalog.list_runs(limit=fetch)
    groups: dict[tuple, list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(_group_key(row), []).append(row)
    grouped = list(groups.values())
    if len(rows) == fetch and len(grouped) > 1:
        grouped.pop()  # the oldest group may be cut off by the fetch limit
    dead = frozenset(stale)
    return [mark_stale(_view(g), dead) for g in grouped[:limit]]


def view_of(catalog: RunCatalog, run_id: str, *, stale: Iterable[str] = ()) -> RunView | None:
    """The invocation that ``run_id`` belongs to, however old; ``None`` for an unknown id."""
    run = catalog.get_run(run_id) if run_id else None
    if run is None:
        return None
    start = parse_ts(run["started_at"])
    siblings = [] if start is None else [
        r for r in catalog.list_runs(since=start, until=start + dt.timedelta(milliseconds=1), limit=10_000)
        if _group_key(r) == _group_key(run)]
    return mark_stale(_view(siblings or [run]), stale)


def run_progress(catalog: RunCatalog, run_ids: str | Iterable[str], now: dt.datetime | None = None,
                 *, stale: Iterable[str] = ()) -> list[NodeRow]:
    """Node rows of one run or several (in the order given); unknown ids are left out."""
    ids = [run_ids] if isinstance(run_ids, str) else list(run_ids)
    runs = [run for rid in ids if (run := catalog.get_run(rid)) is not None]
    return node_rows(runs, now, stale)


# --- polling ----------------------------------------------------------------------------------------
class LiveFeed:
    """The catalog of one project, polled: re-read only when it changed.

    ``system_dir`` (where the run locks live) lets the feed tell a run whose process died from a
    live one; without it every "running" row is taken at its word."""

    def __init__(self, catalog: RunCatalog, *, system_dir: str | os.PathLike | None = None, limit: int = 20) -> None:
        self.catalog = catalog
        self.system_dir = Path(system_dir) if system_dir is not None else None
        self.limit = limit
        self.runs: list[RunView] = []
        self._plain: list[RunView] = []  # as recorded, before stale marks
        self.stale: frozenset[str] = frozenset()
        self._fingerprint: tuple | None = None
        self._raw: dict[str, list[dict[str, Any]]] = {}  # view key -> get_run results, until the next write
        self._pinned: dict[str, RunView] = {}  # views found by run id outside the newest ``limit``

    def poll(self) -> bool:
        """Bring the runs up to date; ``True`` when something changed since the last poll.

        Liveness is checked on every poll while a run is going (a killed process writes
        nothing, so the fingerprint alone would never notice it); it reads lock files, no query."""
        fingerprint = self.catalog.fingerprint()
        written = fingerprint != self._fingerprint
        if written:
            self._fingerprint = fingerprint
            self._raw.clear()
            self._pinned.clear()
            self._plain = live_runs(self.catalog, self.limit)
        running = any(v.active for v in self._plain) or any(v.active for v in self._pinned.values())
        stale = self._find_stale() if running else frozenset()
        if not written and stale == self.stale:
            return False
        self.stale = stale
        self.runs = [mark_stale(v, stale) for v in self._plain]
        return True

    def _find_stale(self) -> frozenset[str]:
        if self.system_dir is None:
            return frozenset()
        return frozenset(find_ghosts(self.catalog, self.system_dir))

    def view(self, run_id: str) -> RunView | None:
        """The view holding ``run_id`` (a view key or any of its run ids), however old."""
        for v in self.runs:
            if run_id == v.key or run_id in v.run_ids:
                return v
        if run_id not in self._pinned:
            found = view_of(self.catalog, run_id)
            if found is None:
                return None
            self._pinned[run_id] = found
        return mark_stale(self._pinned[run_id], self.stale)

    def progress(self, view: RunView, now: dt.datetime | None = None) -> list[NodeRow]:
        """Node rows of ``view`` at ``now``; the catalog is read once per write, not per call."""
        if view.key not in self._raw:
            self._raw[view.key] = [run for rid in view.run_ids if (run := self.catalog.get_run(rid)) is not None]
        return node_rows(self._raw[view.key], now, self.stale)


def open_feed(system_dir: str | os.PathLike, *, limit: int = 20) -> LiveFeed:
    """The feed of the catalog in ``system_dir``, polled once. Refuses (a user error) when nothing
    has run there yet: viewing creates no catalog file."""
    folder = Path(system_dir)
    if not (folder / "catalog.db").is_file():
        raise OdibiError(f"no run history yet in {folder}: run a pipeline first (`odibi run`), then watch it "
                         f"with `odibi top`")
    feed = LiveFeed(RunCatalog(folder), system_dir=folder, limit=limit)
    feed.poll()
    if not feed.runs:
        raise OdibiError(f"no runs recorded yet in {folder}: run a pipeline first (`odibi run`), then watch it "
                         f"with `odibi top`")
    return feed
