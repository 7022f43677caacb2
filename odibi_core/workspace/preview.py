"""Preview: run ONE node of the edited (unsaved) project on a bounded sample, writing nothing.

The Builder's "Preview" button answers "what would this node produce?" while the user edits.
It runs the real runner (same reads, transformers, SQL and validation as a run) with
``row_limit`` (every read keeps at most N rows) and ``write=False`` (no write blocks, no
quarantine, no transformer that MERGEs into a table). Upstream nodes the node needs through
``depends_on`` or ``inputs: $pipeline.node`` are computed in memory the same way. No catalog
record and no story are made: those belong to :meth:`Session.run`, which a preview never calls.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from odibi_core.errors import OdibiError
from odibi_core.graph import Graph
from odibi_core.runner.runner import Runner, RunOptions
from odibi_core.session import Session
from odibi_core.workspace.builder import Issue, _issues, candidate_file
from odibi_core.workspace.project import Workspace

DEFAULT_LIMIT = 50


@dataclass
class PreviewResult:
    node: str
    status: str  # success | warning | failed | invalid (the text does not validate) | skipped
    rows: list[dict[str, Any]] = field(default_factory=list)
    schema: list[dict[str, str]] = field(default_factory=list)
    rows_in: int | None = None
    rows_out: int | None = None
    limit: int = DEFAULT_LIMIT
    error: str | None = None
    phase: str | None = None  # where it failed: read, transform.steps[1] (sql), validation...
    suggestion: str | None = None
    failed_node: str | None = None  # the upstream node that failed, when it is not this one
    issues: list[Issue] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    sql: list[str] = field(default_factory=list)
    tests: list[dict[str, Any]] = field(default_factory=list)
    computed: list[str] = field(default_factory=list)  # the nodes run for it, upstream first

    @property
    def ok(self) -> bool:
        return self.status in ("success", "warning")


def needed_nodes(graph: Graph, node: str) -> list[str]:
    """The node and every node whose output it takes in memory (see :meth:`Graph.memory_closure`)."""
    return graph.memory_closure(node)


def preview_node(ws: Workspace, text: str, node: str, env: str | None = None,
                 limit: int = DEFAULT_LIMIT) -> PreviewResult:
    """Run ``node`` of the project text ``text`` on at most ``limit`` rows per read; nothing is written."""
    limit = max(1, int(limit))
    with candidate_file(ws, text) as path:
        try:
            session = Session(path, env=env)
        except OdibiError as exc:
            issues = _issues(exc, path, ws)
            return PreviewResult(node, "invalid", limit=limit, issues=issues,
                                 error="the project does not validate; fix the problems listed first")
    try:
        if node not in session.graph.nodes:
            return PreviewResult(node, "invalid", limit=limit, error=f"no node '{node}' in the project")
        cfg = session.graph.nodes[node].config
        if not cfg.enabled:
            return PreviewResult(node, "skipped", limit=limit,
                                 error=f"node '{node}' is disabled (enabled: false); enable it to preview it")
        names = needed_nodes(session.graph, node)
        disabled = [n for n in names if not session.graph.nodes[n].config.enabled]
        if disabled:
            return PreviewResult(node, "skipped", limit=limit,
                                 error=f"upstream node '{disabled[0]}' is disabled, so '{node}' has no input")
        runner = Runner(session.loaded, session.engine, session.graph)
        opts = RunOptions(nodes=names, row_limit=limit, write=False, workers=1, sleep=lambda s: None)
        try:
            runs = runner.run(opts)
        except OdibiError as exc:
            return PreviewResult(node, "failed", limit=limit, error=str(exc))
        results = {n.name: n for run in runs for n in run.nodes}
        return _result(node, results, names, limit)
    finally:
        session.close()


def _result(node: str, results: dict, names: list[str], limit: int) -> PreviewResult:
    nr = results[node]
    out = PreviewResult(node, nr.status, rows=list(nr.sample), schema=list(nr.schema_out or nr.schema_in or []),
                        rows_in=nr.rows_in, rows_out=nr.rows_out, limit=limit, error=nr.error, phase=nr.error_phase,
                        suggestion=nr.suggestion, warnings=list(nr.warnings), sql=list(nr.sql),
                        tests=[_test(t) for t in nr.tests], computed=names)
    if nr.status == "skipped":
        failed = next((results[n] for n in names if n != node and results[n].status == "failed"), None)
        if failed is not None:
            out.status = "failed"
            out.failed_node = failed.name
            out.error = f"upstream node '{failed.name}' failed: {failed.error}"
            out.suggestion = failed.suggestion
            out.phase = failed.error_phase
    return out


def _test(t: Any) -> dict[str, Any]:
    if hasattr(t, "as_dict"):
        return t.as_dict()
    if hasattr(t, "__dataclass_fields__"):
        from dataclasses import asdict

        return asdict(t)
    return dict(t) if isinstance(t, dict) else {"result": str(t)}
