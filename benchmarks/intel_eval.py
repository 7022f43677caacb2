"""Offline accuracy of both assistants, no LLM involved: ``python -m benchmarks.intel_eval``.

Runs the healer's evaluation set (``tests/intel/eval/heal_cases.yaml``: broken SQL with the
expected fix) and the query parser's (``tests/intel/eval/query_cases.yaml``: questions over a
small real OdibiEats lake with the expected answer), and prints each accuracy with its timing.
Each half also runs alone: ``benchmarks.intel_eval_heal`` and ``benchmarks.intel_eval_query``.
"""

from __future__ import annotations

import time

from benchmarks import intel_eval_heal, intel_eval_query


def _ok(r: dict) -> bool:
    return bool(r.get("ok", r.get("passed")))


def _summary(name: str, results: list[dict], seconds: float) -> str:
    ok = sum(1 for r in results if _ok(r))
    pct = 100.0 * ok / len(results) if results else 0.0
    return f"{name} accuracy: {ok}/{len(results)} ({pct:.1f}%) in {seconds:.1f} s"


def main() -> int:
    t0 = time.perf_counter()
    heal = intel_eval_heal.run_cases()
    t1 = time.perf_counter()
    query = intel_eval_query.run_cases()
    t2 = time.perf_counter()
    for r in heal + query:
        if not _ok(r):
            print(f"MISS {r['id']}: {r.get('detail') or r.get('got')!r}")
    print(_summary("heal", heal, t1 - t0))
    print(_summary("query", query, t2 - t1))
    return 0 if all(_ok(r) for r in heal + query) else 1


if __name__ == "__main__":
    raise SystemExit(main())
