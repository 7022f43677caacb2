"""Run a node's validation block: every test, one SQL pass over the frame, one result per test.

All row-level tests are counted together, ``SUM(CASE WHEN (passes) THEN 0 ELSE 1 END)`` per
test, with the aggregates of the table-level tests in the same SELECT, so a Spark frame is read
once however many tests there are. ``CASE WHEN`` takes the ELSE branch for NULL, so a pass
expression that is NULL fails the row (see ``validation.base`` for the tests that ignore NULLs).

Quarantine and gates are accepted in the config but not applied yet: a test with
``on_fail: quarantine`` counts as a warning, failing rows are kept, and the outcome says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from odibi_core.config.models.validation import ValidationConfig
from odibi_core.errors import ConfigError
from odibi_core.validation.results import TestResult
from odibi_core.validation import tests as _tests  # noqa: F401  (registers the test types)
from odibi_core.validation.base import CHECKS, RowCheck, SqlContext, TableCheck, TableFacts, ValidationCheck

QUARANTINE_INACTIVE = "quarantine/gate settings are accepted but not active yet: failing rows are kept and reported"
_TOTAL = "_odibi_total_rows"


@dataclass
class ValidationOutcome:
    results: list[TestResult] = field(default_factory=list)
    failed: bool = False  # a test whose effective on_fail is "fail" did not pass
    warnings: list[str] = field(default_factory=list)
    quarantine_tests: list[str] = field(default_factory=list)  # failing tests with on_fail: quarantine
    df: Any = None  # the frame to continue with


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
                   history: list[int] | None = None) -> ValidationOutcome:
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
    quarantine_seen = cfg.quarantine is not None or cfg.gate is not None
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
        outcome.results.append(TestResult(name=check.name, type=check.type, passed=passed, failed_rows=failed_rows,
                                          total_rows=total, on_fail=on_fail, message=message))
        if on_fail == "quarantine":
            quarantine_seen = True
        if passed:
            continue
        if on_fail == "fail":
            outcome.failed = True
        elif on_fail == "quarantine":
            outcome.quarantine_tests.append(check.name)
            outcome.warnings.append(f"test '{check.name}' failed (on_fail: quarantine, reported as a warning): "
                                    f"{message}")
        else:
            outcome.warnings.append(f"test '{check.name}' failed (on_fail: warn): {message}")
    if quarantine_seen:
        outcome.warnings.append(QUARANTINE_INACTIVE)
    return outcome
