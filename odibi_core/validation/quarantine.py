"""Quarantine and gates: route failing rows aside, and decide whether the rest may be written.

Each row is flagged per row-level test in one SQL pass. A row that fails any test with
``on_fail: quarantine`` goes to the quarantine frame with ``_failed_tests`` naming exactly the
row-level tests *that row* failed (Odibi lists every test on every row: a known fault we do not
copy), plus ``_failed_reason``, ``_run_id`` and ``_quarantined_at``.

The gate's pass rate is computed over *all* rows, quarantined ones included (Odibi reports
100% after quarantining: another known fault): passing rows are those that fail no row-level
test, whatever the test's ``on_fail``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from odibi_core.config.models.validation import GateConfig
from odibi_core.engines.sql_literals import sql_string
from odibi_core.validation.base import RowCheck

QUARANTINE_COLUMNS = ("_failed_tests", "_failed_reason", "_run_id", "_quarantined_at")


@dataclass
class RowSplit:
    valid: Any  # rows that fail no quarantine test (what the node goes on with)
    quarantined: Any  # failing rows with the four quarantine columns
    clean: Any  # rows that fail no row-level test at all (gate: write_valid_only)
    quarantined_rows: int
    passing_rows: int
    total_rows: int


def split_rows(ctx, df: Any, checks: list[RowCheck], quarantine_names: set[str], run_id: str) -> RowSplit:
    """Flag every row against every row-level test, then split the frame three ways."""
    q = ctx.q

    def lit(text: str) -> str:
        return sql_string(text, ctx.engine.sql_dialect)

    columns = ctx.columns(df)
    keep = ", ".join(q(c) for c in columns)
    helpers: dict[str, str] = {}
    flags = []
    for check in checks:
        helpers.update(check.helper_columns(ctx))
        flags.append((check, f"CASE WHEN {check.passes_sql(ctx)} THEN FALSE ELSE TRUE END"))
    source = "df"
    if helpers:
        extra = ", ".join(f"{expr} AS {q(alias)}" for alias, expr in helpers.items())
        source = f"(SELECT *, {extra} FROM df) AS {q('_odibi_h')}"
    flag_cols = ", ".join(f"{expr} AS {q(_flag(c))}" for c, expr in flags)
    flagged = ctx.sql(f"SELECT {keep}, {flag_cols} FROM {source}", df=df)

    in_quarantine = " OR ".join(q(_flag(c)) for c in checks if c.name in quarantine_names) or "FALSE"
    any_failed = " OR ".join(q(_flag(c)) for c in checks) or "FALSE"
    failed_list = ", ".join(f"CASE WHEN {q(_flag(c))} THEN {lit(c.name)} END" for c in checks)
    reasons = ", ".join(f"CASE WHEN {q(_flag(c))} THEN {lit(f'{c.name} ({c.type})')} END" for c in checks)
    valid = ctx.sql(f"SELECT {keep} FROM flagged WHERE NOT ({in_quarantine})", flagged=flagged)
    clean = ctx.sql(f"SELECT {keep} FROM flagged WHERE NOT ({any_failed})", flagged=flagged)
    quarantined = ctx.sql(
        f"SELECT {keep}, concat_ws(',', {failed_list}) AS {q('_failed_tests')}, "
        f"concat_ws('; ', {reasons}) AS {q('_failed_reason')}, {lit(run_id)} AS {q('_run_id')}, "
        f"CURRENT_TIMESTAMP AS {q('_quarantined_at')} FROM flagged WHERE {in_quarantine}", flagged=flagged)
    counts = ctx.engine.to_arrow(ctx.sql(
        f"SELECT COUNT(*) AS n, SUM(CASE WHEN {in_quarantine} THEN 1 ELSE 0 END) AS quarantined, "
        f"SUM(CASE WHEN {any_failed} THEN 0 ELSE 1 END) AS passing FROM flagged", flagged=flagged)).to_pylist()[0]
    return RowSplit(valid, quarantined, clean, int(counts["quarantined"] or 0), int(counts["passing"] or 0),
                    int(counts["n"] or 0))


def gate_verdict(gate: GateConfig, passing: int, total: int) -> tuple[bool, float, str]:
    """(passed, pass rate, message). An empty frame passes: there is nothing to be wrong."""
    rate = 1.0 if total == 0 else passing / total
    ok = rate >= gate.require_pass_rate
    message = (f"gate: pass rate {rate:.1%} ({passing} of {total} rows pass every test) "
               f"{'meets' if ok else 'is below'} the required {gate.require_pass_rate:.1%}")
    return ok, rate, message


def _flag(check: RowCheck) -> str:
    return f"_odibi_fail_{check.key}"
