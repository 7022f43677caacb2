"""What a run produced: plain dataclasses the story, the catalog, the CLI and the Studio read.

They hold no frames, only numbers, schemas, samples (already masked) and text, so they can be
serialised to JSON as they are (:meth:`RunResult.to_dict`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from odibi_core.validation.results import TestResult  # defined where it is produced (validation is below runner)

NodeStatus = Literal["pending", "running", "success", "failed", "skipped", "warning", "disabled"]
RunStatus = Literal["running", "success", "failed", "partial", "cancelled"]


@dataclass
class NodeResult:
    name: str
    pipeline: str
    status: NodeStatus = "pending"
    started_at: str | None = None
    ended_at: str | None = None
    duration_s: float = 0.0
    attempts: int = 0
    rows_in: int | None = None
    rows_out: int | None = None
    rows_written: int | None = None
    schema_in: list[dict[str, str]] = field(default_factory=list)
    schema_out: list[dict[str, str]] = field(default_factory=list)
    columns_added: list[str] = field(default_factory=list)
    columns_removed: list[str] = field(default_factory=list)
    sample: list[dict[str, Any]] = field(default_factory=list)
    sample_masked: bool = False
    sql: list[str] = field(default_factory=list)
    tests: list[TestResult] = field(default_factory=list)
    write_target: str | None = None
    write_mode: str | None = None
    write_version: int | None = None
    error: str | None = None
    error_type: str | None = None
    error_phase: str | None = None  # where it failed: read, transformer x, transform.steps[1] (sql), write...
    suggestion: str | None = None
    skipped_reason: str | None = None
    warnings: list[str] = field(default_factory=list)
    metrics: dict[str, Any] = field(default_factory=dict)
    depends_on: list[str] = field(default_factory=list)
    layer: str | None = None
    tags: list[str] = field(default_factory=list)
    transformer: str | None = None
    drift: list[dict[str, Any]] = field(default_factory=list)  # findings of odibi_core.drift, set by Session.run
    heal: list[dict[str, Any]] = field(default_factory=list)  # auto-heal attempts: before/after SQL, diff, outcome


@dataclass
class RunResult:
    run_id: str
    project: str
    pipeline: str
    engine: str
    env: str | None
    status: RunStatus = "running"
    started_at: str = ""
    ended_at: str | None = None
    duration_s: float = 0.0
    nodes: list[NodeResult] = field(default_factory=list)
    edges: list[tuple[str, str]] = field(default_factory=list)  # (upstream, downstream); upstream may be "pipe.node"
    layer: str | None = None
    dry_run: bool = False
    selection: dict[str, Any] = field(default_factory=dict)
    config_file: str | None = None
    story_json: str | None = None
    story_html: str | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for n in self.nodes:
            out[n.status] = out.get(n.status, 0) + 1
        return out

    def node(self, name: str) -> NodeResult:
        return next(n for n in self.nodes if n.name == name)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["counts"] = self.counts
        return d


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def iso(ts: dt.datetime) -> str:
    return ts.isoformat(timespec="milliseconds")
