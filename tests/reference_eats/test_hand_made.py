"""OdibiEats on the hand-made landing (``landing_small``), on pandas and on Spark, against answers
worked out by hand (expected.py): sessions at the exact 30-minute edge, identity stitching, the
price history, zones, quarantine; plus incremental bronze and late events across runs."""

from __future__ import annotations

import re
import shutil

import duckdb
from deltalake import DeltaTable

from tests.reference_eats.checks import assert_hand_worked_answers
from tests.reference_eats.support import (
    BRONZE,
    GOLD,
    PROJECT,
    lake,
    rows,
    run_project,
    version,
)


def test_pandas_run_gives_the_hand_worked_answers(project, landing):
    nodes = run_project(project, landing)
    assert_hand_worked_answers(project)
    assert nodes["landed_clicks"].metrics["quarantined_rows"] == 2
    assert nodes["landed_pings"].metrics["quarantined_rows"] == 1


def test_spark_run_gives_the_same_hand_worked_answers(project, landing, spark):
    run_project(project, landing, env="spark")
    assert_hand_worked_answers(project)


def test_a_second_run_over_the_same_landing_adds_nothing_to_bronze(project, landing):
    run_project(project, landing)
    before = {t: (version(project, f"bronze/{t}"), rows(project, f"bronze/{t}")) for t in BRONZE}
    gold_before = {t: rows(project, f"gold/{t}") for t in GOLD}
    nodes = run_project(project, landing)
    after = {t: (version(project, f"bronze/{t}"), rows(project, f"bronze/{t}")) for t in BRONZE}
    assert after == before  # not a row added or changed, and not even a new (empty) Delta commit
    assert nodes["bronze_clicks"].rows_written == 0 and nodes["bronze_pings"].rows_written == 0
    assert {t: rows(project, f"gold/{t}") for t in GOLD} == gold_before
    # the price history is idempotent too: replaying every snapshot commits nothing
    assert version(project, "silver/menu_items_scd2") == 0


def test_late_events_that_arrive_in_a_later_run_join_the_right_session(project, landing, tmp_path):
    later = tmp_path / "arrives_later"
    later.mkdir()
    for day in ("2024-11-02", "2024-11-03"):  # b7 (12:20 on 11-01) is in the 11-02 folder
        shutil.move(landing / "events" / "clicks" / f"date={day}", later / f"date={day}")
    run_project(project, landing)
    u1 = [r for r in rows(project, "gold/sessions") if r["visitor_id"] == "u1"]
    assert [(r["event_count"], r["duration_seconds"]) for r in u1] == [(8, 2460.0)]  # b1..b6, f1, f2
    assert len(rows(project, "bronze/clicks")) == 17

    for folder in later.iterdir():
        shutil.move(folder, landing / "events" / "clicks" / folder.name)
    run_project(project, landing)
    assert version(project, "bronze/clicks") == 1  # one more append: the 6 new events only
    assert_hand_worked_answers(project)  # u1 now has 9 events, b7 included


def _readme_sql() -> list[str]:
    text = (PROJECT / "README.md").read_text(encoding="utf-8")
    return [q for q in re.findall(r"```sql\n(.*?)```", text, re.DOTALL) if "menu_items_scd2" in q]


def test_the_readme_price_queries_answer_on_the_hand_made_menu(project, landing):
    run_project(project, landing)
    as_of, current = _readme_sql()[:2]
    assert "DATE '2024-11-02'" in as_of and "is_current" in current
    con = duckdb.connect()
    con.register("menu_items_scd2", DeltaTable(str(lake(project) / "silver/menu_items_scd2")).to_pyarrow_dataset())

    def price(sql: str) -> list:
        return [r[-1] for r in con.execute(sql).fetchall()]

    assert price(as_of) == [11.0]  # 101 changed to 11.00 on 11-02
    assert price(as_of.replace("2024-11-02", "2024-11-01")) == [9.5]
    assert price(as_of.replace("2024-11-02", "2024-11-03")) == [9.5]  # the revert opened a new version
    assert price(as_of.replace("2024-11-02", "2024-10-31")) == []  # before the first snapshot: no price
    assert price(current) == [9.5]
