"""The deterministic question parser on hand-made tables: aggregates, groupings, top-N, ordering,
listings, the choice between gold and silver tables, charts, dialects and identifier quoting.

Every SQL the parser returns is also run in a real in-memory DuckDB over a few rows, so a test
checks the answer, not only the text. The world here is a Lagos shop (not OdibiEats), so the
parser is not tuned to one project's names.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest
import sqlglot

from odibi_core.engines.sql_literals import sql_type_of_logical
from odibi_core.intel.query.semantic import ChartHint, SemanticQuery, parse_question
from odibi_core.intel.sql_guard import check_select
from odibi_core.intel.types import TableInfo

TODAY = dt.date(2026, 11, 1)  # a Sunday

SALES = TableInfo(
    name="sales", layer="silver",
    columns={"sale_id": "int64", "order_date": "timestamp", "shipped_at": "timestamp", "city": "string",
             "neighborhood": "string", "store": "string", "status": "string", "group": "string",
             "revenue": "float64", "quantity": "int64", "discount": "float64", "Unit Price": "float64",
             "customer_id": "string", "is_gift": "bool"},
    values={"city": ["Lagos", "Abuja", "Port Harcourt"], "neighborhood": ["Victoria Island", "Lekki", "Ikeja", "Wuse"],
            "store": ["Mama's Kitchen", "Buka Hut"], "status": ["paid", "refunded", "cancelled"],
            "group": ["retail", "wholesale"]})
DAILY = TableInfo(
    name="daily_sales", layer="gold",
    columns={"date": "date", "sales": "int64", "total_revenue": "float64", "avg_order_value": "float64",
             "refund_rate": "float64"})
BY_CITY = TableInfo(
    name="revenue_by_city", layer="gold",
    columns={"city": "string", "country": "string", "sales": "int64", "avg_revenue": "float64"},
    values={"city": ["Lagos", "Abuja", "Port Harcourt"], "country": ["Nigeria"]})
TABLES = {t.name: t for t in (SALES, DAILY, BY_CITY)}

ROWS = {
    "sales": [
        # sale_id, order_date, shipped_at, city, neighborhood, store, status, group, revenue, quantity, discount,
        # unit price, customer_id, is_gift
        (1, "2026-10-30 09:00", "2026-10-31 10:00", "Lagos", "Victoria Island", "Mama's Kitchen", "paid", "retail",
         100.0, 2, 0.0, 50.0, "c1", False),
        (2, "2026-10-31 12:00", None, "Lagos", "Lekki", "Buka Hut", "paid", "wholesale", 300.0, 6, 10.0, 50.0, "c2",
         True),
        (3, "2026-10-31 18:00", None, "Abuja", "Wuse", "Buka Hut", "cancelled", "retail", 40.0, 1, 0.0, 40.0, "c1",
         False),
        (4, "2026-10-05 08:00", "2026-10-06 08:00", "Port Harcourt", None, "Mama's Kitchen", "refunded", "retail",
         80.0, 4, 5.0, 20.0, "c3", False),
        (5, "2026-09-12 08:00", "2026-09-13 08:00", "Lagos", "Ikeja", "Buka Hut", "paid", "retail", 60.0, 3, 0.0,
         20.0, "c4", False),
    ],
    # the gold tables are what a pipeline would compute from the rows above
    "daily_sales": [("2026-09-12", 1, 60.0, 60.0, 0.0), ("2026-10-05", 1, 80.0, 80.0, 1.0),
                    ("2026-10-30", 1, 100.0, 100.0, 0.0), ("2026-10-31", 2, 340.0, 170.0, 0.0)],
    "revenue_by_city": [("Lagos", "Nigeria", 3, 460.0 / 3), ("Abuja", "Nigeria", 1, 40.0),
                        ("Port Harcourt", "Nigeria", 1, 80.0)],
}


def database(tables: dict[str, TableInfo] = TABLES, rows: dict[str, list[tuple]] = ROWS) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with each table created from its TableInfo and filled with ``rows``."""
    con = duckdb.connect(":memory:")
    for t in tables.values():
        cols = ", ".join(f'"{c}" {sql_type_of_logical(ty)}' for c, ty in t.columns.items())
        con.execute(f'CREATE TABLE "{t.name}" ({cols})')
        for row in rows.get(t.name, []):
            con.execute(f'INSERT INTO "{t.name}" VALUES ({", ".join("?" for _ in row)})', list(row))
    return con


def ask(question: str, tables: dict[str, TableInfo] = TABLES, *, today: dt.date = TODAY,
        dialect: str = "duckdb") -> SemanticQuery:
    """Parse, and check what every caller relies on: one safe SELECT over known columns only."""
    result = parse_question(question, tables, today=today, dialect=dialect)
    checked = check_select(result.sql, {t.name: t.columns for t in tables.values()}, dialect=dialect)
    assert checked.tables == [result.table]
    return result


def answer(question: str, **kw) -> list[tuple]:
    result = ask(question, **kw)
    con = database()
    try:
        return con.execute(result.sql).fetchall()
    finally:
        con.close()


@pytest.mark.parametrize("question, expected", [
    ("average revenue", [(116.0,)]),
    ("mean revenue", [(116.0,)]),
    ("total revenue", [(580.0,)]),
    ("sum of quantity", [(16,)]),
    ("how many sales", [(5,)]),
    ("number of sales", [(5,)]),
    ("count of sales", [(5,)]),
    ("maximum revenue", [(300.0,)]),
    ("highest discount", [(10.0,)]),
    ("lowest revenue", [(40.0,)]),
    ("min quantity", [(1,)]),
    ("how many distinct customers", [(4,)]),
    ("number of unique customers", [(4,)]),
    ("median quantity", [(3.0,)]),
])
def test_aggregates(question, expected):
    assert answer(question) == expected


def test_group_by_one_and_two_dimensions():
    assert sorted(answer("total revenue by city")) == [("Abuja", 40.0), ("Lagos", 460.0), ("Port Harcourt", 80.0)]
    rows = answer("how many sales per city and status")
    assert sorted(rows) == [("Abuja", "cancelled", 1), ("Lagos", "paid", 3), ("Port Harcourt", "refunded", 1)]
    assert "GROUP BY city, status" in ask("number of sales for each city and status").sql


def test_reserved_and_spaced_column_names_are_quoted_and_run():
    result = ask("total revenue by group")
    assert 'SELECT "group", SUM(revenue)' in result.sql and 'GROUP BY "group"' in result.sql
    assert sorted(answer("total revenue by group")) == [("retail", 280.0), ("wholesale", 300.0)]
    assert '"Unit Price"' in ask("average unit price").sql
    assert answer("average unit price") == [(36.0,)]


def test_top_n_bottom_n_and_which_has_the_most():
    top = ask("top 2 cities by revenue")
    assert top.sql.endswith("ORDER BY total_revenue DESC LIMIT 2")
    assert answer("top 2 cities by revenue") == [("Lagos", 460.0), ("Port Harcourt", 80.0)]
    assert answer("bottom 1 city by revenue") == [("Abuja", 40.0)]
    assert answer("which store has the most sales") == [("Buka Hut", 3)]
    assert answer("which neighborhood has the highest average revenue") == [("Lekki", 300.0)]
    assert answer("top 2 sales by revenue")[0][0] == 2  # rows themselves, ranked


def test_sorted_by_measure_or_dimension():
    assert ask("revenue by city sorted by revenue").sql.endswith("ORDER BY total_revenue DESC")
    assert ask("revenue by city sorted by revenue ascending").sql.endswith("ORDER BY total_revenue")
    assert ask("revenue by city ordered by city descending").sql.endswith("ORDER BY city DESC")
    assert ask("revenue by city").sql.endswith("ORDER BY city")  # grouped results: by the dimension


def test_listing_rows_newest_first_with_a_limit():
    result = ask("show sales in Lagos")
    assert result.sql == "SELECT * FROM sales WHERE city = 'Lagos' ORDER BY order_date DESC LIMIT 100"
    assert result.chart is None
    assert [r[0] for r in answer("latest 2 sales")] == [3, 2]
    assert [r[0] for r in answer("oldest 1 sales")] == [5]


def test_gold_table_preferred_and_stored_averages_are_not_averaged_again():
    stored = ask("average revenue by city")
    assert stored.table == "revenue_by_city"
    assert stored.sql == "SELECT city, country, avg_revenue FROM revenue_by_city ORDER BY city"
    # a window needs a time column: the gold table has none, so the raw table answers
    windowed = ask("average revenue by city in October")
    assert windowed.table == "sales" and "AVG(revenue)" in windowed.sql
    # stored counts are summed over a coarser grouping, and used as stored at their own grain
    assert ask("number of sales by country").sql == (
        "SELECT country, SUM(sales) AS total_sales FROM revenue_by_city GROUP BY country ORDER BY country")
    assert ask("sales per day").sql == \
        "SELECT date, SUM(sales) AS total_sales FROM daily_sales GROUP BY date ORDER BY date"
    assert answer("sales per day") == [(dt.date(2026, 9, 12), 1), (dt.date(2026, 10, 5), 1),
                                       (dt.date(2026, 10, 30), 1), (dt.date(2026, 10, 31), 2)]


def test_chart_hints():
    assert ask("total revenue by city").chart == ChartHint("bar", "city", "total_revenue")
    assert ask("total revenue by day").chart.kind == "line"
    assert ask("total revenue").chart is None


def test_distinct_values_and_average_per_day():
    assert sorted(answer("list stores")) == [("Buka Hut",), ("Mama's Kitchen",)]
    result = ask("average number of sales per day in October")
    assert "FROM (SELECT CAST(order_date AS DATE) AS day, COUNT(*)" in result.sql
    assert answer("average number of sales per day in October") == [(4 / 3,)]  # 1, 1 and 2 sales


def test_spark_dialect_is_transpiled_and_checked():
    result = ask("monthly revenue in Lagos since 2026-09-01", dialect="spark")
    assert "DATE_TRUNC('MONTH', order_date)" in result.sql
    assert "city = 'Lagos'" in result.sql
    sqlglot.parse_one(result.sql, read="spark")
    store = ask("total revenue at Mama's Kitchen", dialect="spark")
    assert "store = 'Mama\\'s Kitchen'" in store.sql  # Spark escapes quotes with a backslash
    assert '`group`' in ask("total revenue by group", dialect="spark").sql


def test_explanation_names_table_measure_and_window():
    text = ask("average revenue by neighborhood last 7 days").explanation
    assert "Average of revenue per neighborhood" in text
    assert "from sales (silver layer)" in text
    assert "order_date from 2026-10-26 to 2026-11-01" in text


def test_superlatives_per_group_and_ranking_groups():
    raw = {"sales": SALES}
    # no aggregate word: the highest value in each group
    assert ask("highest revenue by city", tables=raw).sql == \
        "SELECT city, MAX(revenue) AS max_revenue FROM sales GROUP BY city ORDER BY city"
    # an aggregate word: the groups ranked by it, first one shown
    assert answer("highest average revenue by city", tables=raw) == [("Lagos", 460.0 / 3)]
    assert answer("lowest total revenue by store", tables=raw) == [("Mama's Kitchen", 180.0)]
