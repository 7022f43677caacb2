"""The natural-language evaluation set over a real OdibiEats lake, one test per question.

The lake is built once for this module (datagen + the whole reference_eats project, about 10 s);
each case's parsed SQL and its hand-written reference run in DuckDB over the same Delta tables and
must return the same rows, or the parser must refuse when the case expects it
(``benchmarks/intel_eval_query.py`` prints the same cases as an accuracy figure).
"""

from __future__ import annotations

import pytest

from benchmarks.intel_eval_query import connect, load_cases, run_case
from tests.intel.eats_lake import build_eats_lake, eats_arrow, eats_tables

CASES = load_cases()


@pytest.fixture(scope="module")
def lake(tmp_path_factory):
    config = build_eats_lake(tmp_path_factory.mktemp("eats_eval"))
    arrow = eats_arrow(config)
    con = connect(arrow)
    yield eats_tables(config, arrow), con
    con.close()


def test_the_set_is_big_enough_and_well_formed():
    ids = [c["id"] for c in CASES]
    assert len(ids) == len(set(ids))
    answered = [c for c in CASES if c.get("expected") != "cannot_answer"]
    refused = [c for c in CASES if c.get("expected") == "cannot_answer"]
    assert len(answered) >= 30 and len(refused) >= 5
    assert all("expected_sql" in c and "today" in c for c in answered)
    assert any(c["question"] == "average delivery time by neighborhood last 30 days" for c in CASES)


def test_the_lake_has_the_tables_and_known_values(lake):
    tables, _ = lake
    assert {"sessions", "conversion_daily", "delivery_time_by_neighborhood", "driver_zone_activity",
            "orders"} <= set(tables)
    assert tables["orders"].values["status"] == ["cancelled", "delivered", "in_progress"]
    assert tables["orders"].columns["created_at"] == "timestamp"
    assert tables["conversion_daily"].columns["date"] == "date"
    assert tables["delivery_time_by_neighborhood"].layer == "gold" and tables["orders"].layer == "silver"
    assert "neighborhood" not in tables["orders"].values  # 41 neighborhoods: too many to list
    assert tables["orders"].row_count > 2000


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_case(lake, case):
    tables, con = lake
    outcome = run_case(case, tables, con)
    assert outcome["passed"], f"{case['question']!r}: {outcome['detail']}\nSQL: {outcome['sql']}"
