"""The parser says plainly when it cannot answer: which words it could not place, which columns
or tables to choose between, or why a stored aggregate cannot be combined again. It never invents
a column to get an answer."""

from __future__ import annotations

import datetime as dt

import pytest

from odibi_core.errors import OdibiError
from odibi_core.intel.query.semantic import CannotAnswer, parse_question
from odibi_core.intel.types import TableInfo
from tests.intel.test_semantic_query import SALES, TABLES

TODAY = dt.date(2026, 11, 1)


def refuse(question: str, tables=TABLES) -> CannotAnswer:
    with pytest.raises(CannotAnswer) as info:
        parse_question(question, tables, today=TODAY)
    assert isinstance(info.value, OdibiError)
    return info.value


def test_unknown_words_are_named_with_what_exists():
    exc = refuse("average rating by chef")
    assert exc.unplaced == ["rating", "chef"]
    text = str(exc)
    assert "'rating', 'chef'" in text
    assert "sales (sale_id, order_date" in text and "revenue_by_city (city, country, sales, avg_revenue)" in text


def test_a_near_miss_gets_a_suggestion():
    exc = refuse("total revenu by city")
    assert "'revenu' -> 'revenue'?" in str(exc)


def test_nothing_to_measure():
    assert refuse("what is the weather").unplaced == ["weather"]
    assert "'average' of what?" in str(refuse("average by city", {"sales": SALES}))
    assert "count what?" in str(refuse("how many by city", {"sales": SALES}))


def test_a_vague_measure_lists_the_candidates():
    exc = refuse("average amount by city", {"sales": SALES, "x": TableInfo("x", {"k": "string"})})
    money = TableInfo("payments", {"subtotal": "float64", "tip": "float64", "total": "float64", "city": "string"})
    exc = refuse("average amount by city", {"payments": money})
    assert sorted(exc.candidates) == ["subtotal", "tip", "total"]
    assert "name the one you mean" in str(exc)


def test_two_tables_that_fit_equally_are_named():
    a = TableInfo("web_orders", {"city": "string", "amount_paid": "float64"}, layer="silver")
    b = TableInfo("shop_orders", {"city": "string", "amount_paid": "float64"}, layer="silver")
    exc = refuse("total amount paid by city", {a.name: a, b.name: b})
    assert sorted(exc.candidates) == ["shop_orders", "web_orders"]
    # naming the table settles it
    result = parse_question("total amount paid by city in web orders", {a.name: a, b.name: b}, today=TODAY)
    assert result.table == "web_orders"


def test_stored_rates_and_averages_are_not_recombined():
    exc = refuse("refund rate by month", TABLES)
    assert "refund_rate" in str(exc) and "a rate per date" in str(exc)
    only = {"revenue_by_city": TABLES["revenue_by_city"]}
    exc = refuse("average revenue by country", only)
    assert "would average an average" in str(exc)
    exc = refuse("total revenue by city", only)
    assert "avg_revenue in revenue_by_city is already an average" in str(exc)


def test_a_listing_needs_the_table_named():
    assert "names no measure" in str(refuse("show Lagos", {"sales": SALES}))


def test_empty_question_and_empty_scope():
    assert "empty" in str(refuse("   "))
    with pytest.raises(CannotAnswer, match="no tables"):
        parse_question("total revenue", {}, today=TODAY)


def test_sorting_by_something_not_in_the_result():
    exc = refuse("total revenue by city sorted by discount", {"sales": SALES})
    assert "'sorted by discount' names nothing in the result (city, total_revenue)" in str(exc)


@pytest.mark.parametrize("question", ["?", "by", "show", "top 5", "how many", "last 30 days", "what is the"])
def test_a_question_with_nothing_to_measure_says_so(question):
    assert "names nothing to measure, group or list" in str(refuse(question))


@pytest.mark.parametrize("question", ["DROP TABLE sales", "total revenue; DROP TABLE sales",
                                      "revenue in '); drop table x; --", "select * from sales"])
def test_sql_in_the_question_is_words_it_cannot_place(question):
    exc = refuse(question)
    assert exc.unplaced and exc.unplaced[0] in ("drop", "select")
