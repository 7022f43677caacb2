"""The healer's evaluation set (tests/intel/eval/heal_cases.yaml), one test per case: DuckDB cases
get DuckDB's real error and a real zero-row dry run (see benchmarks/intel_eval_heal.py)."""

from collections import Counter

import pytest

from benchmarks.intel_eval_heal import load_cases, run_case

CASES = load_cases()


def test_the_set_is_large_and_varied():
    assert len(CASES) >= 36
    ids = [c["id"] for c in CASES]
    assert len(set(ids)) == len(ids), [i for i, n in Counter(ids).items() if n > 1]
    assert {c["dialect"] for c in CASES} == {"duckdb", "spark"}
    assert sum(c.get("kind") == "expression" for c in CASES) >= 4
    assert sum(c["expected"] is None for c in CASES) >= 4
    for case in CASES:
        assert case["dialect"] == "duckdb" or case.get("error"), f"{case['id']}: a Spark case needs its error"


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_case(case):
    if case.get("deterministic", True) is False:
        pytest.skip(f"{case['id']}: not expected to be healed without an LLM ({case.get('note', '')})")
    result = run_case(case)
    if case["dialect"] == "duckdb" and not case.get("error"):
        assert result["error"], "the broken SQL ran on DuckDB: the case is not broken"
    assert result["ok"], f"expected {result['expected']!r}, got {result['got']!r} ({result['strategy']})"
