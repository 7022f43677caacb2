"""Run ONE project on every engine and compare what each produced.

A :class:`Project` is written once (odibi.yaml with an ``environments: {spark: {engine:
spark}}`` block, plus its inputs), copied to one folder per engine, and run there with
``Session(path, env=None)`` (pandas) or ``env="spark"``: the same YAML text drives both. A
project may run several times (``phases``), with inputs replaced in between, to show what a
second run does (write modes, volume_drop). After each run every output is read back with the
neutral reader and normalised (:mod:`tests.conformance.normalize`).

Tests then call :func:`conform`: on pandas it just returns the run (the test's own assertions
pin the behaviour down), on any other engine it first compares that engine's run with the
pandas run, node by node and output by output, and fails listing every difference.

Projects are cached per module and engine, so a test module costs one run per engine however
many cases it checks: many nodes in one project are much cheaper on Spark than many projects.
"""

from __future__ import annotations

import datetime as dt
import decimal
import importlib
import shutil
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from odibi_core.runner.results import NodeResult, RunResult
from odibi_core.runner.runner import RunOptions
from odibi_core.session import Session
from tests.conformance.known_issues import KNOWN, KnownIssueWarning, explained
from tests.conformance.normalize import logical_schema, normalize, rows, show
from tests.conformance.reader import Output, ReadBack, read_output, write_source
from tests.helpers import BASE, write_project

REFERENCE = "pandas"
SPARK_MODULE = "odibi_core.engines.spark.engine"
SPARK_FIXTURES = ("spark", "spark_session")  # whichever tests/fixtures/spark.py provides (see conftest.py)


def spark_unavailable() -> str | None:
    """None when the Spark engine imports, else why it does not (the skip reason)."""
    try:
        importlib.import_module(SPARK_MODULE)
    except ModuleNotFoundError as exc:
        if exc.name and SPARK_MODULE.startswith(exc.name):
            return "spark engine not available"
        return f"spark engine not available ({exc})"
    except Exception as exc:  # noqa: BLE001 - a half-written engine is "not available" too, with the reason
        return f"spark engine not available ({type(exc).__name__}: {exc})"
    return None


_SPARK_SKIP = spark_unavailable()
ENGINES = [REFERENCE, pytest.param("spark", marks=pytest.mark.skipif(_SPARK_SKIP is not None,
                                                                      reason=_SPARK_SKIP or ""))]


@dataclass
class Project:
    """A project for every engine: pipelines, inputs, outputs to read back, runs to make."""

    name: str
    pipelines: list[dict]
    outputs: dict[str, Output] = field(default_factory=dict)  # node name -> what it writes
    setup: dict[str, Any] = field(default_factory=dict)  # inputs written once (see write_source)
    phases: list[dict[str, Any]] = field(default_factory=lambda: [{}])  # inputs (re)written before each run
    workers: int = 4


@dataclass
class PhaseRun:
    """One run of the project on one engine."""

    results: list[RunResult]
    outputs: dict[str, ReadBack]

    def node(self, name: str) -> NodeResult:
        for r in self.results:
            for n in r.nodes:
                if n.name == name:
                    return n
        raise KeyError(f"node {name!r} did not run")


@dataclass
class EngineRun:
    engine: str
    root: Path
    phases: list[PhaseRun]

    def node(self, name: str, phase: int = -1) -> NodeResult:
        return self.phases[phase].node(name)

    def output(self, name: str, phase: int = -1) -> pa.Table | None:
        return self.phases[phase].outputs[name].table

    def rows(self, name: str, phase: int = -1) -> list[dict[str, Any]]:
        table = self.output(name, phase)
        assert table is not None, f"{name}: no output on {self.engine} (run {phase})"
        return rows(table)

    def column(self, name: str, column: str, phase: int = -1) -> list[Any]:
        return [r[column] for r in self.rows(name, phase)]

    def tests(self, name: str, phase: int = -1) -> dict[str, tuple[bool, int, int]]:
        return {t.name: (t.passed, t.failed_rows, t.total_rows) for t in self.node(name, phase).tests}


class Conformance:
    """Runs a :class:`Project` once per engine (lazily) and keeps the results."""

    def __init__(self, project: Project, base: Path) -> None:
        self.project = project
        self.base = base
        self._runs: dict[str, EngineRun | BaseException] = {}
        self._template: Path | None = None

    def template(self) -> Path:
        if self._template is None:
            root = self.base / "template"
            connections = {**BASE["connections"], "db": {"type": "sqlite", "path": "db.sqlite"}}
            write_project(root, self.project.pipelines, project=self.project.name, connections=connections,
                          environments={"spark": {"engine": "spark"}})
            for rel, value in self.project.setup.items():
                write_source(root, rel, value)
            self._template = root
        return self._template

    def run(self, engine: str) -> EngineRun:
        if engine not in self._runs:
            try:
                self._runs[engine] = self._execute(engine)
            except BaseException as exc:  # noqa: BLE001 - remembered so every case reports the same cause
                self._runs[engine] = exc
        got = self._runs[engine]
        if isinstance(got, BaseException):
            raise got
        return got

    def _execute(self, engine: str) -> EngineRun:
        root = self.base / engine
        shutil.copytree(self.template(), root)
        phases = []
        for files in self.project.phases:
            for rel, value in files.items():
                write_source(root, rel, value)
            session = Session(root / "odibi.yaml", env=None if engine == REFERENCE else engine)
            try:
                assert session.engine.name == engine, f"env {engine!r} selected engine {session.engine.name!r}"
                results = session.run(RunOptions(sleep=lambda s: None, workers=self.project.workers))
            finally:
                session.close()
            outputs = {}
            for name, out in self.project.outputs.items():
                back = read_output(root, out)
                if back.table is not None:
                    back.table = normalize(back.table)
                outputs[name] = back
            phases.append(PhaseRun(results, outputs))
        return EngineRun(engine, root, phases)


def conform(case: Conformance, engine: str, *nodes: str, expect: str | None = None) -> EngineRun:
    """The run on ``engine``; on an engine other than pandas, fail unless ``nodes`` (and the
    outputs they write) came out the same as on pandas, in every run of the project.

    Differences explained by an open bug in ``known_issues.py`` are not failures of this
    engine: a bug of the reference (pandas) becomes a warning and the test goes on with its own
    assertions (the pandas tests xfail on it); a bug of this engine makes the test xfail naming
    it. Any other difference fails, listing every difference found (known ones tagged).
    ``expect`` names the known issue of ``engine`` this case shows: once it no longer shows,
    the test fails so that the issue's entry is removed with the fix."""
    run = case.run(engine)
    if engine == REFERENCE:
        return run
    ref = case.run(REFERENCE)
    problems = []
    for i, (a, b) in enumerate(zip(ref.phases, run.phases), start=1):
        where = f"run {i}: " if len(ref.phases) > 1 else ""
        for name in nodes:
            problems += [f"{where}{p}" for p in compare_node(a.node(name), b.node(name))]
            if name in case.project.outputs:
                problems += [f"{where}{name} output: {p}" for p in compare_output(a.outputs[name], b.outputs[name])]
    known = {p: explained(p, (REFERENCE, engine)) for p in problems}
    unknown = [p for p, k in known.items() if k is None]
    if unknown:
        lines = [p + (f"   [known: {known[p].key}]" if known[p] else "") for p in problems]
        pytest.fail(f"{engine} differs from {REFERENCE}:\n  " + "\n  ".join(lines), pytrace=False)
    own = sorted({k.key for k in known.values() if k.engine == engine})
    if expect and KNOWN[expect].engine == engine and expect not in own:
        pytest.fail(f"known issue {expect} no longer reproduces on {engine}: remove it from "
                    f"tests/conformance/known_issues.py and from this test", pytrace=False)
    if own:
        pytest.xfail(f"known issue(s) {', '.join(own)}: " + "; ".join(p for p, k in known.items()
                                                                     if k.engine == engine)[:300])
    for key in sorted({k.key for k in known.values()}):
        # one message per issue, so pytest's summary groups them instead of listing each test
        warnings.warn(KnownIssueWarning(f"differences explained by {REFERENCE}'s known issue {key} were not "
                                        f"counted against {engine}"), stacklevel=2)
    return run


def compare_node(a: NodeResult, b: NodeResult) -> list[str]:
    out = []
    for attr in ("status", "rows_out", "rows_written"):
        if getattr(a, attr) != getattr(b, attr):
            out.append(f"{a.name}.{attr}: {REFERENCE} {getattr(a, attr)!r}, got {getattr(b, attr)!r}"
                       + (f" (error: {b.error})" if attr == "status" and b.error else "")
                       + (f" ({REFERENCE} error: {a.error})" if attr == "status" and a.error else ""))
    out += _compare_schema(f"{a.name}.schema_out", [(c["name"], c["type"]) for c in a.schema_out],
                           [(c["name"], c["type"]) for c in b.schema_out])
    tests_a = {t.name: (t.passed, t.failed_rows, t.total_rows) for t in a.tests}
    tests_b = {t.name: (t.passed, t.failed_rows, t.total_rows) for t in b.tests}
    for name in sorted(set(tests_a) | set(tests_b)):
        if tests_a.get(name) != tests_b.get(name):
            msg = next((t.message for t in b.tests if t.name == name), "")
            out.append(f"{a.name} test {name} (passed, failed_rows, total_rows): {REFERENCE} {tests_a.get(name)}, "
                       f"got {tests_b.get(name)} ({msg})")
    return out


def _compare_schema(what: str, a: list[tuple[str, str]], b: list[tuple[str, str]]) -> list[str]:
    """Column names (in order) first; then one line per column whose logical type differs."""
    if [n for n, _ in a] != [n for n, _ in b]:
        return [f"{what} columns: {REFERENCE} {[n for n, _ in a]}, got {[n for n, _ in b]}"]
    return [f"{what} column {n}: {REFERENCE} {ta}, got {tb}" for (n, ta), (_, tb) in zip(a, b) if ta != tb]


def compare_output(a: ReadBack, b: ReadBack, limit: int = 5) -> list[str]:
    if a.shape != b.shape:
        return [f"written as {a.shape} on {REFERENCE}, as {b.shape} here ({', '.join(b.files[:3])})"]
    if a.table is None or b.table is None:
        return []
    types_a, types_b = logical_schema(a.table), logical_schema(b.table)
    out = _compare_schema("schema", types_a, types_b)
    if out and out[0].startswith("schema columns"):
        return out
    if a.table.num_rows != b.table.num_rows:
        out.append(f"rows: {REFERENCE} {a.table.num_rows}, got {b.table.num_rows}")
    # A column whose type differs is already reported above; its values are still compared,
    # as the same number or instant (loose), so a wrong value is not hidden behind the type.
    loose_cols = {n for (n, ta), (_, tb) in zip(types_a, types_b) if ta != tb}
    ra, rb = a.table.to_pylist(), b.table.to_pylist()
    if loose_cols:
        ra, rb = _loosen(ra, loose_cols), _loosen(rb, loose_cols)
        ra.sort(key=_row_key)
        rb.sort(key=_row_key)
    diffs = [(i, x, y) for i, (x, y) in enumerate(zip(ra, rb)) if x != y]
    for i, x, y in diffs[:limit]:
        cols = [k for k in x if x[k] != y.get(k)]
        out.append(f"sorted row {i}: " + ", ".join(f"{k} {REFERENCE} {show(x[k])} got {show(y.get(k))}" for k in cols))
    if len(diffs) > limit:
        out.append(f"... {len(diffs) - limit} more differing rows")
    return out


def _loosen(rows_: list[dict], cols: set[str]) -> list[dict]:
    return [{k: (_loose(v) if k in cols else v) for k, v in r.items()} for r in rows_]


def _loose(v: Any) -> Any:
    if isinstance(v, bool) or v is None:
        return v
    if isinstance(v, (int, float, decimal.Decimal)):
        return float(f"{float(v):.9g}")
    if isinstance(v, dt.datetime):
        return v.astimezone(dt.timezone.utc).replace(tzinfo=None) if v.tzinfo else v
    if isinstance(v, dt.date):
        return dt.datetime(v.year, v.month, v.day)
    return v


def _row_key(row: dict) -> tuple:
    return tuple((v is not None, type(v).__name__, str(v)) for v in row.values())
