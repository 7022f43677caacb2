"""Words to columns and values: synonyms, plurals, British spellings, underscores, multi-word and
quoted values, negations and flag columns."""

from __future__ import annotations

import pytest

from odibi_core.intel.query.nl_vocabulary import canon, name_words, normalize, singular
from odibi_core.intel.types import TableInfo
from tests.intel.test_semantic_query import SALES, TABLES, answer, ask

RAW = {"sales": SALES}


@pytest.mark.parametrize("word, expected", [
    ("orders", "order"), ("cities", "city"), ("statuses", "status"), ("status", "status"), ("boxes", "box"),
    ("minutes", "minute"), ("fees", "fee"), ("deliveries", "delivery"), ("sales", "sale"), ("bus", "bus"),
])
def test_singular(word, expected):
    assert singular(word) == expected


def test_normalize_spelling_numbers_and_underscores():
    assert normalize("Average delivery_minutes by Neighbourhood, top five!") == \
        "average delivery minutes by neighborhood top 5"
    assert normalize("What's the total since 2026-10-01?") == "what the total since 2026-10-01"
    assert name_words("deliveredOrders") == ["delivered", "order"] == name_words("delivered_orders")
    assert canon("revenue") == canon("sales") == canon("turnover")
    assert canon("minutes") == canon("duration") == canon("time")


@pytest.mark.parametrize("question, column", [
    ("average revenue", "revenue"),
    ("average turnover", "revenue"),  # a synonym
    ("average income", "revenue"),
    ("average unit price", '"Unit Price"'),  # spaces and capitals in the column name
    ("average Unit_Price", '"Unit Price"'),
    ("average discounts", "discount"),  # plural
])
def test_measures_by_name_and_synonym(question, column):
    assert f"AVG({column})" in ask(question, tables=RAW).sql


@pytest.mark.parametrize("question, dimension", [
    ("total revenue by neighbourhood", "neighborhood"),  # British spelling
    ("total revenue per area", "neighborhood"),  # synonym
    ("total revenue for each town", "city"),
    ("total revenue by customer", "customer_id"),  # an id column by its entity
    ("total revenue by shop", "store"),
])
def test_dimensions_by_name_and_synonym(question, dimension):
    assert ask(question, tables=RAW).sql.startswith(f"SELECT {dimension}, SUM(revenue)")


def test_multi_word_values_any_case():
    result = ask("total revenue in victoria island", tables=RAW)
    assert "neighborhood = 'Victoria Island'" in result.sql
    assert answer("total revenue in VICTORIA ISLAND", tables=RAW) == [(100.0,)]
    assert answer("how many sales in Port Harcourt", tables=RAW) == [(1,)]


def test_quotes_in_values_are_escaped_and_match_exactly():
    result = ask("total revenue at Mama's Kitchen", tables=RAW)
    assert "store = 'Mama''s Kitchen'" in result.sql
    assert answer("total revenue at Mama's Kitchen", tables=RAW) == [(180.0,)]


def test_values_as_status_words_and_american_spelling():
    assert "status = 'cancelled'" in ask("how many canceled sales", tables=RAW).sql
    assert answer("how many cancelled sales", tables=RAW) == [(1,)]
    assert answer("revenue of paid sales in Lagos", tables=RAW) == [(460.0,)]


def test_negated_values_and_flags():
    assert "status <> 'cancelled'" in ask("how many sales not cancelled", tables=RAW).sql
    assert answer("how many sales not cancelled", tables=RAW) == [(4,)]
    assert "is_gift = TRUE" in ask("how many gift sales", tables=RAW).sql
    assert answer("how many gift sales", tables=RAW) == [(1,)]
    assert answer("how many non gift sales", tables=RAW) == [(4,)]


def test_a_value_in_several_columns_is_resolved_by_the_column_named():
    tables = {"trips": TableInfo("trips", {"origin": "string", "destination": "string", "fare": "float64"},
                                 values={"origin": ["Lagos", "Abuja"], "destination": ["Lagos", "Abuja"]})}
    assert "destination = 'Lagos'" in ask("total fare with destination Lagos", tables=tables).sql


def test_gold_layer_wins_when_both_tables_fit():
    def layered(layer: str, name: str) -> TableInfo:
        return TableInfo(**{**SALES.to_dict(), "name": name, "layer": layer})

    assert ask("total revenue by city", tables={"a": layered("silver", "a"), "b": layered("gold", "b")}).table == "b"
    assert ask("total revenue by city", tables={"a": layered("silver", "a"), "b": layered("bronze", "b")}).table == "a"
    # revenue_by_city (gold) already holds the average per city; sales (silver) has the raw revenue
    assert ask("average revenue by city", tables=TABLES).table == "revenue_by_city"


def test_the_column_named_before_a_value_belongs_to_the_filter():
    assert answer("how many sales with status cancelled", tables=RAW) == [(1,)]
    assert answer("how many sales where city is Lagos", tables=RAW) == [(3,)]
