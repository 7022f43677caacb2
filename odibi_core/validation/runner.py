"""Run a node's validation block: every test, one SQL pass over the frame, one result per test.

All row-level tests are counted together, ``SUM(CASE WHEN (passes) THEN 0 ELSE 1 END)`` per
test, with the aggregates of the table-level tests in the same SELECT, so a Spark frame is read
once however many tests there are. ``CASE WHEN`` takes the ELSE branch for NULL, so a pass
expression that is NULL fails the row (see ``validation.base`` for the tests that ignore NULLs).

Quarantine and gates (``validation.quarantine`` / ``validation.gate``) are applied by
:mod:`odibi_core.validation.quarantine`: failing rows move to ``outcome.quarantined`` and the
gate decides what may be written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from odibi_core.config.models.validation import ValidationConfig
from odibi_core.errors import ConfigError
from odibi_core.validation.results import TestResult
from odibi_core.validation import tests as _tests  # noqa: F401  (registers the test types)
from odibi_core.validation.quarantine import gate_verdict, split_rows
from odibi_core.validation.base import CHECKS, RowCheck, SqlContext, TableCheck, TableFacts, ValidationCheck

_TOTAL = "_odibi_total_rows"


@dataclass
class ValidationOutcome:
    results: list[TestResult] = field(default_factory=list)
    failed: bool = False  # a test whose effective on_fail is "fail" did not pass
    warnings: list[str] = field(default_factory=list)
    quarantine_tests: list[str] = field(default_factory=list)  # failing tests with on_fail: quarantine
    df: Any = None  # the frame to continue with (quarantined rows removed; gate applied)
    quarantined: Any = None  # rows routed to the quarantine table, or None
    quarantined_rows: int = 0
    pass_rate: float | None = None  # over all rows, quarantined ones included (when a gate is set)
    gate_passed: bool | None = None
    gate_message: str | None = None


def build_checks(cfg: ValidationConfig) -> list[ValidationCheck]:
    """One check per configured test, with unique names (``<type>_<columns>``, then ``_2``, ``_3``)."""
    checks: list[ValidationCheck] = []
    taken: set[str] = set()
    for i, test in enumerate(cfg.tests):
        cls = CHECKS[test.type]
        if test.name:
            if test.name in taken:
                raise ConfigError(f"two validation tests are named '{test.name}'; give each test its own name",
                                  key_path=f"validation.tests[{i}].name")
            name = test.name
        else:
            base = cls.default_name(test)
            name, n = base, 1
            while name in taken:
                n += 1
                name = f"{base}_{n}"
        taken.add(name)
        checks.append(cls(test, name, f"t{i}", i))
    return checks


def _measure(ctx: SqlContext, df: Any, checks: list[ValidationCheck]) -> dict[str, Any]:
    """The single SQL pass: total rows, failing rows per row check, table checks' aggregates."""
    q = ctx.q
    helpers: dict[str, str] = {}
    items = [f"COUNT(*) AS {q(_TOTAL)}"]
    for check in checks:
        if isinstance(check, RowCheck):
            helpers.update(check.helper_columns(ctx))
            items.append(f"SUM(CASE WHEN {check.passes_sql(ctx)} THEN 0 ELSE 1 END) AS {q(check.alias('failed'))}")
        elif isinstance(check, TableCheck):
            items += [f"{expr} AS {q(check.alias(a))}" for a, expr in check.aggregates(ctx).items()]
    source = "df"
    if helpers:
        extra = ", ".join(f"{expr} AS {q(alias)}" for alias, expr in helpers.items())
        source = f"(SELECT *, {extra} FROM df) AS {q('_odibi_validated')}"
    frame = ctx.sql(f"SELECT {', '.join(items)} FROM {source}", df=df)
    return ctx.engine.to_arrow(frame).to_pylist()[0]


def run_validation(ctx: SqlContext, df: Any, cfg: ValidationConfig, *,
                   history: list[int] | None = None, run_id: str = "") -> ValidationOutcome:
    """Run ``cfg.tests`` on ``df``. ``history``: the node's previous row counts, newest first.

    A test's effective ``on_fail`` is its own, else the block's ``mode``. Raises ConfigError
    (before any SQL) when a test names a column the frame does not have.
    """
    checks = build_checks(cfg)
    available = ctx.columns(df)
    for check in checks:
        check.bind(available)
    values = _measure(ctx, df, checks) if checks else {_TOTAL: ctx.engine.count(df)}
    total = int(values[_TOTAL] or 0)

    outcome = ValidationOutcome(df=df)
    for check in checks:
        on_fail = check.cfg.on_fail or cfg.mode
        if isinstance(check, RowCheck):
            failed_rows = int(values[check.alias("failed")] or 0)
            passed = failed_rows == 0
            message = check.success_message(total) if passed else check.failure_message(failed_rows, total)
        else:
            prefix = check.alias("")
            own = {k[len(prefix):]: v for k, v in values.items() if k.startswith(prefix)}
            verdict = check.evaluate(TableFacts(total, available, own, history))
            passed, message, failed_rows = verdict.passed, verdict.message, verdict.failed_rows
        if on_fail == "quarantine" and not isinstance(check, RowCheck):
            on_fail = "warn"  # a table-level test has no rows to route aside
        outcome.results.append(TestResult(name=check.name, type=check.type, passed=passed, failed_rows=failed_rows,
                                          total_rows=total, on_fail=on_fail, message=message))
        if passed:
            continue
        if on_fail == "fail":
            outcome.failed = True
        elif on_fail == "quarantine":
            outcome.quarantine_tests.append(check.name)
        else:
            outcome.warnings.append(f"test '{check.name}' failed (on_fail: warn): {message}")
    if outcome.failed:
        return outcome
    _apply_quarantine_and_gate(ctx, df, cfg, checks, outcome, run_id)
    return outcome


def _apply_quarantine_and_gate(ctx, df, cfg: ValidationConfig, checks, outcome: ValidationOutcome,
                               run_id: str) -> None:
    row_checks = [c for c in checks if isinstance(c, RowCheck)]
    if not (outcome.quarantine_tests or cfg.gate):
        return
    split = None
    if row_checks:
        split = split_rows(ctx, df, row_checks, set(outcome.quarantine_tests), run_id)
        if outcome.quarantine_tests:
            outcome.df = split.valid
            outcome.quarantined = split.quarantined
            outcome.quarantined_rows = split.quarantined_rows
    if cfg.gate is None:
        return
    total = split.total_rows if split else ctx.engine.count(df)
    ok, rate, message = gate_verdict(cfg.gate, split.passing_rows if split else total, total)
    outcome.pass_rate, outcome.gate_passed, outcome.gate_message = rate, ok, message
    if ok:
        return
    if cfg.gate.on_fail == "abort":
        outcome.failed = True
    elif cfg.gate.on_fail == "write_valid_only":
        outcome.df = split.clean if split else df
        outcome.warnings.append(message + "; writing only rows that pass every test")
    else:
        outcome.warnings.append(message + "; writing anyway (gate.on_fail: warn_and_write)")
