"""What changed between two runs: per node schema, row counts, SQL and status.

Why from stories: a story holds everything a comparison needs (output schemas, row counts and
the SQL each node ran, already masked), so two story JSONs are enough and no data is read.
Stories are pruned by retention while the catalog keeps every run, so a run whose story is
gone is described from its catalog rows instead (:func:`story_from_catalog`): statuses, rows
and schemas still compare, SQL cannot (the catalog does not keep it) and the diff says so.

This module reads no catalog itself (story and catalog are sibling layers); the caller passes
the catalog rows in (``odibi_core.workspace.stories`` does).
"""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass, field
from typing import Any

from odibi_core.story.writer import load_story

_RUN_KEYS = ("run_id", "pipeline", "status", "started_at", "ended_at", "duration_s", "env", "engine")


@dataclass
class NodeDiff:
    """One node compared across run A (before) and run B (after)."""

    name: str
    pipeline: str | None
    presence: str  # "both", "only_a", "only_b"
    status_a: str | None = None
    status_b: str | None = None
    rows_a: int | None = None
    rows_b: int | None = None
    added: list[dict[str, str]] = field(default_factory=list)  # columns only in B
    removed: list[dict[str, str]] = field(default_factory=list)  # columns only in A
    retyped: list[dict[str, str]] = field(default_factory=list)  # {"name", "before", "after"}
    schema_compared: bool = False
    sql_diff: str = ""
    sql_compared: bool = False

    @property
    def status_changed(self) -> bool:
        return self.presence == "both" and self.status_a != self.status_b

    @property
    def rows_delta(self) -> int | None:
        if self.rows_a is None or self.rows_b is None:
            return None
        return self.rows_b - self.rows_a

    @property
    def rows_pct(self) -> float | None:
        """Change in percent of A's rows; ``None`` when A had no rows to compare with."""
        delta = self.rows_delta
        if delta is None or not self.rows_a:
            return None
        return 100.0 * delta / self.rows_a

    @property
    def schema_changed(self) -> bool:
        return bool(self.added or self.removed or self.retyped)

    @property
    def changed(self) -> bool:
        return (self.presence != "both" or self.status_changed or self.schema_changed or bool(self.sql_diff)
                or bool(self.rows_delta))


@dataclass
class RunDiff:
    a: dict[str, Any]  # run A's headline fields, plus "source": "story" or "catalog"
    b: dict[str, Any]
    nodes: list[NodeDiff]
    notes: list[str] = field(default_factory=list)

    @property
    def changed_nodes(self) -> list[NodeDiff]:
        return [n for n in self.nodes if n.changed]

    def summary(self) -> dict[str, int]:
        """How many nodes changed in each way (for a headline)."""
        return {
            "nodes": len(self.nodes),
            "changed": len(self.changed_nodes),
            "schema": sum(n.schema_changed for n in self.nodes),
            "rows": sum(bool(n.rows_delta) for n in self.nodes),
            "sql": sum(bool(n.sql_diff) for n in self.nodes),
            "status": sum(n.status_changed for n in self.nodes),
            "only_a": sum(n.presence == "only_a" for n in self.nodes),
            "only_b": sum(n.presence == "only_b" for n in self.nodes),
        }


def diff_story_files(path_a: str | os.PathLike, path_b: str | os.PathLike) -> RunDiff:
    """Compare two story JSON files (A = before, B = after)."""
    return diff_runs(load_story(path_a), load_story(path_b))


def diff_runs(a: dict[str, Any], b: dict[str, Any]) -> RunDiff:
    """Compare two stories (or :func:`story_from_catalog` dicts); A is the baseline."""
    nodes_a = {n["name"]: n for n in a.get("nodes") or []}
    nodes_b = {n["name"]: n for n in b.get("nodes") or []}
    order = list(nodes_b) + [n for n in nodes_a if n not in nodes_b]
    out = [_node_diff(name, nodes_a.get(name), nodes_b.get(name), a, b) for name in order]
    notes = []
    for label, run in (("A", a), ("B", b)):
        if run.get("source") == "catalog":
            notes.append(f"run {label} ({run.get('run_id')}) has no story file any more (story retention removes "
                         f"old ones); it is compared from the run catalog, which keeps statuses, rows and schemas "
                         f"but not SQL")
    if a.get("pipeline") != b.get("pipeline"):
        notes.append(f"the runs are of different pipelines ({a.get('pipeline')} and {b.get('pipeline')}); "
                     f"nodes of one only are listed as such")
    return RunDiff(_head(a), _head(b), out, notes)


def story_from_catalog(run: dict[str, Any], schemas: dict[str, list[dict[str, str]]] | None = None) -> dict[str, Any]:
    """A story-shaped dict from catalog rows: ``run`` as :meth:`RunCatalog.get_run` returns it
    (with ``nodes``) and the run's output schemas by node. ``sql`` is ``None`` (unknown)."""
    schemas = schemas or {}
    nodes = []
    for n in run.get("nodes") or []:
        nodes.append({
            "name": n["node"], "pipeline": n.get("pipeline"), "status": n.get("status"),
            "started_at": n.get("started_at"), "ended_at": n.get("ended_at"), "duration_s": n.get("duration_s"),
            "attempts": n.get("attempts"), "rows_in": n.get("rows_in"), "rows_out": n.get("rows_out"),
            "rows_written": n.get("rows_written"), "schema_in": [], "schema_out": schemas.get(n["node"], []),
            "sample": [], "sql": None, "tests": [], "error": n.get("error"), "error_type": n.get("error_type"),
            "suggestion": n.get("suggestion"), "skipped_reason": n.get("skipped_reason"),
            "write_target": n.get("write_target"), "write_mode": n.get("write_mode"), "warnings": [],
        })
    story = {k: run.get(k) for k in _RUN_KEYS}
    story.update({"project": run.get("project"), "nodes": nodes, "edges": [], "warnings": [],
                  "error": run.get("error"), "source": "catalog"})
    return story


def _head(run: dict[str, Any]) -> dict[str, Any]:
    out = {k: run.get(k) for k in _RUN_KEYS}
    out["source"] = run.get("source", "story")
    return out


def _node_diff(name: str, na: dict | None, nb: dict | None, a: dict, b: dict) -> NodeDiff:
    presence = "both" if na and nb else ("only_a" if na else "only_b")
    d = NodeDiff(name, (nb or na or {}).get("pipeline"), presence,
                 status_a=(na or {}).get("status"), status_b=(nb or {}).get("status"),
                 rows_a=_rows(na), rows_b=_rows(nb))
    if presence != "both":
        return d
    cols_a, cols_b = na.get("schema_out") or [], nb.get("schema_out") or []
    if cols_a and cols_b:  # a node that failed has no output schema: nothing to compare, not "all removed"
        d.schema_compared = True
        types_a = {c["name"]: c.get("type") for c in cols_a}
        types_b = {c["name"]: c.get("type") for c in cols_b}
        d.added = [c for c in cols_b if c["name"] not in types_a]
        d.removed = [c for c in cols_a if c["name"] not in types_b]
        d.retyped = [{"name": c["name"], "before": types_a[c["name"]], "after": c.get("type")}
                     for c in cols_b if c["name"] in types_a and types_a[c["name"]] != c.get("type")]
    sql_a, sql_b = na.get("sql"), nb.get("sql")
    if sql_a is not None and sql_b is not None:
        d.sql_compared = True
        d.sql_diff = sql_unified_diff(sql_a, sql_b, f"{a.get('run_id')}/{name}", f"{b.get('run_id')}/{name}")
    return d


def _rows(node: dict | None) -> int | None:
    if not node:
        return None
    for key in ("rows_out", "rows_written"):
        if node.get(key) is not None:
            return int(node[key])
    return None


def sql_unified_diff(before: list[str] | str, after: list[str] | str, name_a: str = "a", name_b: str = "b") -> str:
    """A unified diff of two nodes' SQL (each a statement or a list of statements); "" when equal."""
    lines_a, lines_b = _sql_lines(before), _sql_lines(after)
    if lines_a == lines_b:
        return ""
    return "\n".join(difflib.unified_diff(lines_a, lines_b, fromfile=name_a, tofile=name_b, lineterm=""))


def _sql_lines(sql: list[str] | str) -> list[str]:
    statements = [sql] if isinstance(sql, str) else list(sql)
    lines: list[str] = []
    for i, stmt in enumerate(statements):
        if i:
            lines.append(f"-- statement {i + 1}")
        lines += str(stmt).rstrip().splitlines()
    return lines
