"""Offline accuracy of the natural-language query parser on the OdibiEats evaluation set.

Run: ``.venv/bin/python -m benchmarks.intel_eval_query [lake_dir]``. Builds a small real OdibiEats
lake (``tests/intel/eats_lake.py``, about 10 s; reused when ``lake_dir`` already holds one), then
for each case of ``tests/intel/eval/query_cases.yaml`` asks
:func:`odibi_core.intel.query.semantic.parse_question` with the case's ``today``, runs the parser's
SQL and the hand-written reference in DuckDB over the Delta tables (registered as Arrow by name),
and compares the results as multisets of rows: floats rounded to 6 digits, midnight timestamps
read as dates, column names and column order ignored. A case that expects ``cannot_answer``
passes when the parser refuses. Prints one line per case and ``query accuracy: X/Y (Z%)``;
``tests/intel/test_query_eval.py`` asserts the same cases one by one.
"""

from __future__ import annotations

import datetime as dt
import math
import sys
import tempfile
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import yaml

from odibi_core.intel.query.semantic import CannotAnswer, parse_question
from tests.intel.eats_lake import build_eats_lake, eats_arrow, eats_tables

CASES = Path(__file__).resolve().parents[1] / "tests" / "intel" / "eval" / "query_cases.yaml"


def load_cases(path: str | Path | None = None) -> list[dict[str, Any]]:
    return list(yaml.safe_load(Path(path or CASES).read_text(encoding="utf-8"))["cases"])


def connect(arrow: dict[str, pa.Table]) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB where each table in scope is an Arrow table registered by its SQL name."""
    con = duckdb.connect(":memory:")
    con.execute("SET python_enable_replacements = false")
    for name, table in arrow.items():
        con.register(name, table)
    return con


def _value(v: Any) -> Any:
    if v is None or isinstance(v, bool):
        return v
    if isinstance(v, (int, float, Decimal)):
        f = float(v)
        return None if math.isnan(f) else round(f, 6)
    if isinstance(v, dt.datetime):
        return v.date().isoformat() if v.time() == dt.time(0) and v.tzinfo is None else v.isoformat()
    if isinstance(v, dt.date):
        return v.isoformat()
    return str(v)


def normalized(rows: list[tuple]) -> Counter:
    """Rows as a multiset; each row's values sorted, so column order and names do not matter."""
    return Counter(tuple(sorted((_value(v) for v in row), key=lambda x: (x is None, type(x).__name__, str(x))))
                   for row in rows)


def run_case(case: dict[str, Any], tables, con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    today = case["today"] if isinstance(case["today"], dt.date) else dt.date.fromisoformat(str(case["today"]))
    out: dict[str, Any] = {"id": case["id"], "question": case["question"], "passed": False, "sql": None,
                           "detail": ""}
    refuse = case.get("expected") == "cannot_answer"
    t0 = time.perf_counter()
    try:
        parsed = parse_question(case["question"], tables, today=today)
    except CannotAnswer as exc:
        out["seconds"] = time.perf_counter() - t0
        out["passed"] = refuse
        out["detail"] = ("refused: " if refuse else "refused, expected an answer: ") + str(exc)[:300]
        return out
    out["seconds"] = time.perf_counter() - t0
    out["sql"] = parsed.sql
    if refuse:
        out["detail"] = "answered, expected a refusal"
        return out
    try:
        got = con.execute(parsed.sql).fetchall()
    except duckdb.Error as exc:
        out["detail"] = f"the parser's SQL failed: {exc}"
        return out
    want = con.execute(case["expected_sql"]).fetchall()
    out["rows"] = len(got)
    if normalized(got) == normalized(want):
        out["passed"] = True
        out["detail"] = f"{len(got)} row(s) match"
    else:
        out["detail"] = f"rows differ: got {len(got)} row(s) {got[:3]}, expected {len(want)} {want[:3]}"
    return out


def run_cases(lake_config: Path | None = None, cases: list[dict[str, Any]] | None = None) -> list[dict]:
    """Every case's outcome; builds the lake in a temporary folder when ``lake_config`` is None."""
    cases = cases if cases is not None else load_cases()
    if lake_config is None:
        with tempfile.TemporaryDirectory(prefix="odibi-eval-query-") as tmp:
            return run_cases(build_eats_lake(Path(tmp)), cases)
    arrow = eats_arrow(lake_config)
    tables = eats_tables(lake_config, arrow)
    con = connect(arrow)
    try:
        return [run_case(case, tables, con) for case in cases]
    finally:
        con.close()


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    started = time.perf_counter()
    if argv:
        results = run_cases(build_eats_lake(Path(argv[0])))
    else:
        results = run_cases()
    width = max(len(r["id"]) for r in results)
    for r in results:
        print(f"{'PASS' if r['passed'] else 'FAIL'}  {r['id']:<{width}}  {r['detail'][:150]}")
        if not r["passed"] and r["sql"]:
            print(f"      sql: {r['sql']}")
    passed = sum(r["passed"] for r in results)
    answered = [r for r in results if r["sql"] is not None]
    parse_ms = 1000 * max((r.get("seconds", 0.0) for r in results), default=0.0)
    print(f"\nquery accuracy: {passed}/{len(results)} ({100 * passed / len(results):.1f}%)"
          f"  [{len(answered)} answered, {len(results) - len(answered)} refused; slowest parse "
          f"{parse_ms:.1f} ms; {time.perf_counter() - started:.1f} s in all]")
    return 0 if passed == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
