"""Time windows: the words, the exact [start, end) dates for a fixed today, and the SQL on the
right time column (the table's obvious one, or the one the question names)."""

from __future__ import annotations

import datetime as dt

import pytest

from odibi_core.intel.query.nl_time import extract_windows
from odibi_core.intel.query.semantic import CannotAnswer, parse_question
from tests.intel.test_semantic_query import TABLES, answer, ask

D = dt.date
SUNDAY = D(2026, 11, 1)


@pytest.mark.parametrize("words, today, start, end", [
    ("last 30 days", SUNDAY, D(2026, 10, 3), D(2026, 11, 2)),
    ("in the past 7 days", SUNDAY, D(2026, 10, 26), D(2026, 11, 2)),
    ("past week", SUNDAY, D(2026, 10, 26), D(2026, 11, 2)),
    ("last 2 weeks", SUNDAY, D(2026, 10, 19), D(2026, 11, 2)),
    ("last 3 months", SUNDAY, D(2026, 8, 2), D(2026, 11, 2)),
    ("last 1 month", D(2026, 3, 31), D(2026, 3, 1), D(2026, 4, 1)),  # Feb 31 does not exist: Feb 28 + 1 day
    ("last week", SUNDAY, D(2026, 10, 19), D(2026, 10, 26)),  # the previous Monday-to-Sunday week
    ("last week", D(2026, 11, 4), D(2026, 10, 26), D(2026, 11, 2)),
    ("last month", D(2026, 3, 31), D(2026, 2, 1), D(2026, 3, 1)),
    ("last month", D(2026, 1, 15), D(2025, 12, 1), D(2026, 1, 1)),
    ("previous year", SUNDAY, D(2025, 1, 1), D(2026, 1, 1)),
    ("this month", D(2026, 11, 15), D(2026, 11, 1), D(2026, 11, 16)),
    ("this week", D(2026, 11, 4), D(2026, 11, 2), D(2026, 11, 5)),
    ("year to date", SUNDAY, D(2026, 1, 1), D(2026, 11, 2)),
    ("today", SUNDAY, SUNDAY, D(2026, 11, 2)),
    ("yesterday", SUNDAY, D(2026, 10, 31), SUNDAY),
    ("the day before yesterday", SUNDAY, D(2026, 10, 30), D(2026, 10, 31)),
    ("in november", D(2026, 11, 15), D(2026, 11, 1), D(2026, 12, 1)),
    ("in november", D(2026, 10, 15), D(2025, 11, 1), D(2025, 12, 1)),  # the most recent November
    ("during nov 2024", SUNDAY, D(2024, 11, 1), D(2024, 12, 1)),
    ("in 2026", SUNDAY, D(2026, 1, 1), D(2027, 1, 1)),
    ("since 2026-10-15", SUNDAY, D(2026, 10, 15), D(2026, 11, 2)),
    ("since october 15th", SUNDAY, D(2026, 10, 15), D(2026, 11, 2)),
    ("between 2026-10-01 and 2026-10-07", SUNDAY, D(2026, 10, 1), D(2026, 10, 8)),
    ("from 1 october to 7 october", SUNDAY, D(2026, 10, 1), D(2026, 10, 8)),
    ("on 2026-10-15", SUNDAY, D(2026, 10, 15), D(2026, 10, 16)),
    ("on december 25", SUNDAY, D(2025, 12, 25), D(2025, 12, 26)),  # not yet this year: last year's
    ("before 2026-10-01", SUNDAY, None, D(2026, 10, 1)),
    ("after 2026-10-01", SUNDAY, D(2026, 10, 2), None),
])
def test_window_dates(words, today, start, end):
    windows, rest = extract_windows(f"sales {words} by city", today)
    assert [(w.start, w.end) for w in windows] == [(start, end)]
    assert rest == "sales by city"


def test_hours_and_numbers_that_are_not_windows_are_left_alone():
    assert extract_windows("sales last 24 hours", SUNDAY)[0] == []
    assert extract_windows("last 10 orders", SUNDAY)[0] == []
    assert extract_windows("top 5 cities", SUNDAY)[0] == []


RAW = {"sales": TABLES["sales"]}


def test_window_sql_on_the_obvious_time_column():
    result = ask("total revenue last 30 days", tables=RAW)
    assert result.sql == ("SELECT SUM(revenue) AS total_revenue FROM sales "
                          "WHERE order_date >= DATE '2026-10-03' AND order_date < DATE '2026-11-02'")
    assert "order_date from 2026-10-03 to 2026-11-01" in result.explanation
    assert answer("total revenue yesterday", tables=RAW) == [(340.0,)]
    assert answer("total revenue yesterday") == [(340.0,)]  # from the gold daily table: the same number
    assert answer("total revenue in September") == [(60.0,)]
    assert answer("total revenue in 2025") == [(None,)]


def test_the_time_column_the_question_names_is_used():
    result = ask("how many sales shipped yesterday")
    assert "shipped_at >= DATE '2026-10-31'" in result.sql
    assert answer("how many sales shipped yesterday") == [(1,)]
    assert answer("how many sales yesterday") == [(2,)]


def test_time_grains_and_a_date_column_by_day_is_itself():
    assert "CAST(order_date AS DATE) AS day" in ask("revenue per day last 7 days", tables=RAW).sql
    assert "date_trunc('month', order_date) AS month" in ask("monthly revenue", tables=RAW).sql
    assert "date_trunc('week', order_date) AS week" in ask("weekly revenue", tables=RAW).sql
    assert "hour(order_date) AS hour_of_day" in ask("revenue by hour of day", tables=RAW).sql
    assert ask("revenue by day in October").sql.startswith(
        "SELECT date, SUM(total_revenue) AS total_revenue FROM daily_sales")
    assert sorted(answer("monthly revenue")) == [(dt.datetime(2026, 9, 1), 60.0), (dt.datetime(2026, 10, 1), 520.0)]


def test_a_table_without_a_time_column_cannot_take_a_window():
    # revenue_by_city holds the average per city but no date: the raw table answers instead
    assert ask("average revenue by city last month").table == "sales"
    only = {"revenue_by_city": TABLES["revenue_by_city"]}
    with pytest.raises(CannotAnswer, match="no date or time column"):
        parse_question("average revenue by city last month", only, today=SUNDAY)


def test_today_defaults_to_the_real_date():
    result = parse_question("total revenue today", TABLES)
    assert f"DATE '{dt.date.today().isoformat()}'" in result.sql


def test_impossible_dates_and_two_windows_are_refused():
    with pytest.raises(CannotAnswer, match="2026-02-30"):
        parse_question("total revenue on 2026-02-30", TABLES, today=SUNDAY)
    with pytest.raises(CannotAnswer, match="more than one time window"):
        parse_question("total revenue yesterday in 2025", TABLES, today=SUNDAY)


@pytest.mark.parametrize("words, start, end", [
    ("between 2026-10-07 and 2026-10-01", D(2026, 10, 1), D(2026, 10, 8)),  # reversed: both days kept
    ("since yesterday", D(2026, 10, 31), D(2026, 11, 2)),
    ("since last week", D(2026, 10, 19), D(2026, 11, 2)),
])
def test_more_windows(words, start, end):
    windows, _ = extract_windows(words, SUNDAY)
    assert [(w.start, w.end) for w in windows] == [(start, end)]
