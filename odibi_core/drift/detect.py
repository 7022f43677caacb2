"""Drift of one node: its row count against its history, its schema against the previous
successful run and against the pinned baseline.

Two ways in, one answer shape (:class:`NodeDrift`):

* during a run (:func:`detect_node` with ``current=`` the node's fresh :class:`NodeResult`):
  called before the run is recorded, and the run's own live progress rows are left out, so the
  node is compared with history only;
* after the fact (``current=None``, for ``odibi drift`` and the Studio): the node's latest
  successful run is the subject and the runs before it are the history.

Only runs that got through the node (``success`` or ``warning``) count as history: a failed
run's row count says nothing about the data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from odibi_core.catalog.baselines import Baselines
from odibi_core.catalog.node_counts import OK_STATUSES, successful_counts  # noqa: F401 - re-exported
from odibi_core.catalog.store import RunCatalog
from odibi_core.config.models.drift import DriftConfig
from odibi_core.drift.row_count import RowCountCheck, check_row_count
from odibi_core.drift.schema import SchemaDrift, compare
from odibi_core.runner.results import NodeResult


@dataclass
class NodeDrift:
    node: str
    pipeline: str | None = None
    run_id: str | None = None  # the run checked (None: the node has no successful run yet)
    started_at: str | None = None
    enabled: bool = True
    rows: RowCountCheck | None = None
    schema_previous: SchemaDrift | None = None
    schema_baseline: SchemaDrift | None = None
    baseline: dict[str, Any] | None = None  # run_id, pinned_at, schema_hash of the pinned baseline
    fail_on: str = "none"
    notes: list[str] = field(default_factory=list)

    @property
    def contract(self) -> SchemaDrift | None:
        """What ``fail_on`` is judged against: the baseline when one is pinned, else the previous run."""
        return self.schema_baseline if self.baseline is not None else self.schema_previous

    @property
    def failed(self) -> bool:
        c = self.contract
        return c is not None and c.breaks(self.fail_on)  # type: ignore[arg-type]

    @property
    def anomaly(self) -> bool:
        return bool((self.rows and self.rows.anomaly) or any(s and s.drifted for s in self._schemas()))

    def _schemas(self) -> list[SchemaDrift | None]:
        return [self.schema_previous, self.schema_baseline]

    def messages(self) -> list[str]:
        """One line per anomaly, for run warnings and the CLI."""
        out = []
        if self.rows and self.rows.anomaly:
            out.append(f"row count {self.rows.message}")
        for s in self._schemas():
            if s and s.drifted:
                ref = "pinned baseline" if s.against == "baseline" else "previous successful run"
                out.append(f"schema vs {ref} ({s.reference_run_id}): {s.summary()}")
        if self.failed:
            out.append(f"schema.fail_on={self.fail_on}: the run is marked failed (the data was written)")
        return out

    def findings(self) -> list[dict[str, Any]]:
        """The checks made, as plain dicts (stored on :attr:`NodeResult.drift` and in the story JSON)."""
        out: list[dict[str, Any]] = []
        if self.rows is not None:
            out.append({"check": "row_count", **self.rows.to_dict()})
        for s in self._schemas():
            if s is not None:
                fails = s is self.contract and self.failed
                out.append({"check": "schema", "anomaly": s.drifted, "fail": fails, "fail_on": self.fail_on,
                            "message": f"vs {s.against}: {s.summary()}", **s.to_dict()})
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"node": self.node, "pipeline": self.pipeline, "run_id": self.run_id, "started_at": self.started_at,
                "enabled": self.enabled, "anomaly": self.anomaly, "failed": self.failed, "fail_on": self.fail_on,
                "rows": self.rows.to_dict() if self.rows else None,
                "schema_previous": self.schema_previous.to_dict() if self.schema_previous else None,
                "schema_baseline": self.schema_baseline.to_dict() if self.schema_baseline else None,
                "baseline": self.baseline, "notes": list(self.notes), "messages": self.messages()}


def successful_runs(catalog: RunCatalog, node: str, limit: int, exclude_run_id: str | None = None) -> list[dict]:
    """The node's latest successful runs with a row count, newest first (at most ``limit``)."""
    return successful_counts(catalog, node, limit, exclude_run_id=exclude_run_id)


def _baseline_info(b: dict[str, Any]) -> dict[str, Any]:
    return {k: b.get(k) for k in ("run_id", "pinned_at", "schema_hash", "captured_at", "note")}


def detect_node(catalog: RunCatalog, node: str, settings: DriftConfig, *, pipeline: str | None = None,
                current: NodeResult | None = None, run_id: str | None = None,
                baselines: dict[str, dict[str, Any]] | None = None) -> NodeDrift:
    """Drift of ``node``: of ``current`` in run ``run_id`` if given, else of its latest successful run.

    ``baselines``: a ``{node: baseline}`` map read once for many nodes (read here when omitted)."""
    d = NodeDrift(node, pipeline, run_id, enabled=settings.enabled, fail_on=settings.schema_drift.fail_on)
    if not settings.enabled:
        d.notes.append("drift detection is off for this node (drift.enabled: false)")
        latest = successful_runs(catalog, node, 1) if current is None else []
        if latest:
            d.run_id, d.started_at = latest[0]["run_id"], latest[0].get("started_at")
        return d
    rc = settings.row_count
    history = successful_runs(catalog, node, rc.window + (0 if current is not None else 1), exclude_run_id=run_id)
    if current is not None:
        rows, schema, d.started_at = current.rows_out, current.schema_out, current.started_at
        previous = catalog.last_successful_schema(node, before_run_id=run_id)
    else:
        if not history:
            d.notes.append("no successful run yet")
            return d
        subject, history = history[0], history[1:]
        d.run_id, d.started_at, rows = subject["run_id"], subject.get("started_at"), subject["rows_out"]
        d.pipeline = d.pipeline or subject.get("pipeline")
        snap = catalog.last_successful_schema(node)
        schema = snap["columns"] if snap else []
        previous = catalog.last_successful_schema(node, before_run_id=snap["run_id"]) if snap else None
        if snap and snap["run_id"] != d.run_id:
            d.notes.append(f"latest recorded schema is from run {snap['run_id']}")
    if rc.enabled and rows is not None:
        d.rows = check_row_count(int(rows), [h["rows_out"] for h in history], z_threshold=rc.z_threshold,
                                 pct_threshold=rc.pct_threshold, window=rc.window, min_runs=rc.min_runs)
    if settings.schema_drift.enabled and schema:
        baseline = (baselines if baselines is not None else Baselines(catalog).as_map()).get(node)
        d.schema_previous = compare(schema, previous, "previous")
        d.schema_baseline = compare(schema, baseline, "baseline")
        d.baseline = _baseline_info(baseline) if baseline else None
        if previous is None:
            d.notes.append("no earlier successful schema to compare with")
    return d


def detect_nodes(catalog: RunCatalog, nodes: Iterable[tuple[str, str | None]],
                 settings_for: Callable[[str], DriftConfig]) -> list[NodeDrift]:
    """After-the-fact drift of each ``(node, pipeline)``, reading the baselines once."""
    baselines = Baselines(catalog).as_map()
    return [detect_node(catalog, name, settings_for(name), pipeline=pipe, baselines=baselines)
            for name, pipe in nodes]


def row_count_series(catalog: RunCatalog, node: str, settings: DriftConfig, limit: int = 100) -> list[dict[str, Any]]:
    """The node's successful row counts, oldest first, each judged against the runs before it
    (as it would have been when it ran), for a chart with anomalies and expected ranges."""
    rc = settings.row_count
    runs = list(reversed(successful_runs(catalog, node, limit + rc.window)))
    out = []
    for i, run in enumerate(runs):
        past = [r["rows_out"] for r in reversed(runs[max(0, i - rc.window):i])]
        check = check_row_count(int(run["rows_out"]), past, z_threshold=rc.z_threshold,
                                pct_threshold=rc.pct_threshold, window=rc.window, min_runs=rc.min_runs)
        out.append({"run_id": run["run_id"], "started_at": run.get("started_at"),
                    "status": run.get("status"), **check.to_dict()})
    return out[-limit:]
