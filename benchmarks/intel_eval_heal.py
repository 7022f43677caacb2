"""Offline accuracy of the deterministic SQL healer on the evaluation set.

Run: ``.venv/bin/python -m benchmarks.intel_eval_heal [cases.yaml]``. For each case of
``tests/intel/eval/heal_cases.yaml``: build zero-row DuckDB tables of its schemas and run the
broken SQL to get DuckDB's real error (Spark cases carry Spark 4's message in the file), ask
:func:`odibi_core.intel.heal.deterministic.propose`, take the first proposal that survives a
zero-row DuckDB dry run (Spark: :func:`sql_guard.check_select`, Spark is not started), and
compare it with ``expected`` after normalising both with sqlglot. Prints one line per case and
``heal accuracy: X/Y (Z%)``. ``tests/intel/test_heal_eval.py`` asserts the same cases one by one.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import duckdb
import sqlglot
import yaml
from sqlglot.errors import SqlglotError

from odibi_core.engines.sql_literals import sql_type_of_logical
from odibi_core.intel.heal.deterministic import propose
from odibi_core.intel.sql_guard import UnsafeSQL, check_select
from odibi_core.intel.types import HealRequest

CASES = Path(__file__).resolve().parents[1] / "tests" / "intel" / "eval" / "heal_cases.yaml"


def load_cases(path: str | Path | None = None) -> list[dict[str, Any]]:
    """The cases of the evaluation file (its ``schemas`` block only feeds YAML anchors)."""
    data = yaml.safe_load(Path(path or CASES).read_text(encoding="utf-8"))
    return list(data["cases"])


def zero_row_tables(tables: dict[str, dict[str, str]]) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with one empty table per schema (logical types mapped to SQL)."""
    con = duckdb.connect(":memory:")
    for name, cols in tables.items():
        ddl = ", ".join(f'"{c}" {sql_type_of_logical(t) or "VARCHAR"}' for c, t in cols.items())
        con.execute(f'CREATE TABLE "{name}" ({ddl})')
    return con


def as_query(case: dict[str, Any], text: str) -> str:
    """The text as a runnable query (an expression is checked as SELECT <expr> FROM df)."""
    if case.get("kind", "query") == "expression":
        table = "df" if "df" in case["tables"] else next(iter(case["tables"]))
        return f'SELECT {text} FROM "{table}"'
    return text.strip().rstrip(";")


def engine_error(con: duckdb.DuckDBPyConnection, case: dict[str, Any]) -> str:
    """What DuckDB says when it runs the broken text ("" when it runs: a bad case)."""
    try:
        con.execute(as_query(case, case["sql"])).fetchall()
    except duckdb.Error as exc:
        return str(exc)
    return ""


def survives(con: duckdb.DuckDBPyConnection | None, case: dict[str, Any], sql: str) -> bool:
    """Zero-row dry run on DuckDB; for Spark cases the static guard stands in for the engine."""
    if case["dialect"] == "duckdb" and con is not None:
        try:
            con.execute(as_query(case, sql)).fetchall()
            return True
        except duckdb.Error:
            return False
    try:
        check_select(as_query(case, sql), case["tables"], dialect=case["dialect"])
        return True
    except UnsafeSQL:
        return False


def normalise(text: str | None, dialect: str) -> str | None:
    """One spelling per query: sqlglot's rendering in the case's dialect."""
    if text is None:
        return None
    try:
        return sqlglot.parse_one(text, read=dialect).sql(dialect=dialect)
    except (SqlglotError, ValueError):
        return " ".join(text.split())


def run_case(case: dict[str, Any]) -> dict[str, Any]:
    started = time.perf_counter()
    con = zero_row_tables(case["tables"]) if case["dialect"] == "duckdb" else None
    try:
        error = case.get("error") or (engine_error(con, case) if con is not None else "")
        req = HealRequest(node=case["id"], sql=case["sql"], error=error, tables=case["tables"],
                          dialect=case["dialect"], kind=case.get("kind", "query"), location="eval")
        proposals = propose(req)
        chosen = next((p for p in proposals if survives(con, case, p.sql)), None)
    finally:
        if con is not None:
            con.close()
    got = chosen.sql if chosen else None
    expected = case.get("expected")
    accepted = [expected] + list(case.get("also_accept") or [])
    ok = normalise(got, case["dialect"]) in {normalise(a, case["dialect"]) for a in accepted}
    if expected is not None and not error:
        ok = False  # the broken text ran: the case itself is wrong
    return {"id": case["id"], "ok": ok, "expected": expected, "got": got,
            "strategy": chosen.strategy if chosen else None, "dialect": case["dialect"],
            "kind": case.get("kind", "query"), "error": error, "proposals": len(proposals),
            "deterministic": case.get("deterministic", True),
            "seconds": round(time.perf_counter() - started, 3)}


def run_cases(path: str | Path | None = None) -> list[dict[str, Any]]:
    """Every case's outcome: id, ok, expected, got, strategy (and dialect, kind, error, ...)."""
    return [run_case(case) for case in load_cases(path)]


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    results = run_cases(argv[0] if argv else None)
    width = max(len(r["id"]) for r in results)
    print(f"{'case':<{width}}  {'ok':<4} {'dialect':<7} {'kind':<10} {'strategy':<28} seconds")
    for r in results:
        mark = "ok" if r["ok"] else ("skip" if not r["deterministic"] else "FAIL")
        print(f"{r['id']:<{width}}  {mark:<4} {r['dialect']:<7} {r['kind']:<10} {r['strategy'] or '-'!s:<28} "
              f"{r['seconds']:.3f}")
        if not r["ok"] and r["deterministic"]:
            print(f"    expected: {' '.join(str(r['expected']).split())}\n    got:      {' '.join(str(r['got']).split())}")
    scored = [r for r in results if r["deterministic"]]
    passed = sum(r["ok"] for r in scored)
    healable = [r for r in scored if r["expected"] is not None]
    print(f"\nheal accuracy: {passed}/{len(scored)} ({100.0 * passed / max(len(scored), 1):.1f}%)")
    print(f"  broken cases fixed: {sum(r['ok'] for r in healable)}/{len(healable)}; "
          f"cases left alone as they must be: {sum(r['ok'] for r in scored if r['expected'] is None)}/"
          f"{len(scored) - len(healable)}; marked not deterministic (skipped): {len(results) - len(scored)}")
    print(f"  total time {sum(r['seconds'] for r in results):.2f} s for {len(results)} cases")
    return 0 if passed == len(scored) else 1


if __name__ == "__main__":
    raise SystemExit(main())
