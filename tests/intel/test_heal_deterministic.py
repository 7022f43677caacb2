"""The deterministic healer, strategy by strategy. DuckDB cases get their error from a real
in-memory DuckDB over zero-row tables, and every first proposal is dry-run there too."""

import duckdb
import pytest

from odibi_core.intel.heal.deterministic import MAX_PROPOSALS, diagnose, propose
from odibi_core.intel.heal.repair_quote import protected_spans
from odibi_core.intel.heal.repair_text import (
    Target,
    name_score,
    nearest_names,
    osa_distance,
)
from odibi_core.intel.sql_guard import check_select
from odibi_core.intel.types import HealRequest

ORDERS = {"order_id": "int64", "user_id": "string", "restaurant_id": "int64", "status": "string",
          "created_at": "timestamp", "delivered_at": "timestamp", "subtotal": "float64", "total": "float64",
          "tip": "float64", "neighborhood": "string", "city": "string", "delivery_minutes": "float64"}
RESTAURANTS = {"restaurant_id": "int64", "name": "string", "cuisine": "string"}
MENU = {"menu_item_id": "int64", "Item Name": "string", "price-usd": "float64", "group": "string"}
TABLES = {"orders": ORDERS, "restaurants": RESTAURANTS, "menu_raw": MENU}
TYPES = {"int64": "BIGINT", "string": "VARCHAR", "timestamp": "TIMESTAMP", "float64": "DOUBLE"}

SPARK_PARSE = "[PARSE_SYNTAX_ERROR] Syntax error at or near 'x'. SQLSTATE: 42601"


@pytest.fixture(scope="module")
def con():
    con = duckdb.connect(":memory:")
    for name, cols in {**TABLES, "df": ORDERS}.items():
        con.execute(f'CREATE TABLE "{name}" ({", ".join(f"{chr(34)}{c}{chr(34)} {TYPES[t]}" for c, t in cols.items())})')
    yield con
    con.close()


def heal(con, sql, *, kind="query", tables=None):
    """Propose for ``sql`` with DuckDB's real error, and check the invariants every answer keeps."""
    tables = tables or ({"df": ORDERS} if kind == "expression" else TABLES)
    runnable = f"SELECT {sql} FROM df" if kind == "expression" else sql
    with pytest.raises(duckdb.Error) as info:
        con.execute(runnable).fetchall()
    req = HealRequest(node="n", sql=sql, error=str(info.value), tables=tables, dialect="duckdb", kind=kind)
    proposals = propose(req)
    assert_invariants(req, proposals)
    if proposals:
        first = proposals[0].sql
        con.execute(f"SELECT {first} FROM df" if kind == "expression" else first).fetchall()  # dry run
    return proposals


def spark_heal(sql, error=SPARK_PARSE, *, kind="query", tables=None):
    tables = tables or ({"df": ORDERS} if kind == "expression" else TABLES)
    req = HealRequest(node="n", sql=sql, error=error, tables=tables, dialect="spark", kind=kind)
    proposals = propose(req)
    assert_invariants(req, proposals)
    return proposals


def assert_invariants(req, proposals):
    assert len(proposals) <= MAX_PROPOSALS
    texts = [p.sql for p in proposals]
    assert len(set(texts)) == len(texts)
    for p in proposals:
        assert p.sql.strip() != req.sql.strip()
        assert p.source == "deterministic" and p.strategy and p.explanation
        checked = f"SELECT {p.sql} FROM df" if req.kind == "expression" else p.sql
        check_select(checked, req.tables, dialect=req.dialect)


# ---- keyword -------------------------------------------------------------------------------------
@pytest.mark.parametrize("broken, fixed", [
    ("SELCT city FROM orders", "SELECT city FROM orders"),
    ("SELECT city FORM orders", "SELECT city FROM orders"),
    ("SELECT city, count(*) FROM orders GRUOP BY city", "SELECT city, count(*) FROM orders GROUP BY city"),
    ("select city from orders were tip > 1", "select city from orders where tip > 1"),
    ("SELECT city FROM orders ODER BY city LIMT 3", "SELECT city FROM orders ORDER BY city LIMIT 3"),
    ("SELECT DISTINT city FROM orders", "SELECT DISTINCT city FROM orders"),
])
def test_keyword_typos(con, broken, fixed):
    proposals = heal(con, broken)
    assert proposals[0].sql == fixed and proposals[0].strategy == "keyword"


def test_keyword_fix_keeps_layout_and_comments(con):
    broken = "-- revenue per city\nSELECT city,\n       sum(total) AS revenue\nFROM orders\nGRUOP BY city\n"
    proposals = heal(con, broken)
    assert proposals[0].sql == broken.replace("GRUOP", "GROUP")


def test_a_column_named_like_a_keyword_typo_is_not_touched(con):
    """`form` is a real column here: it must not become FROM."""
    tables = {"surveys": {"form": "string", "answer": "string"}}
    con.execute("CREATE TABLE surveys (form VARCHAR, answer VARCHAR)")
    proposals = heal(con, "SELECT form, answer FROM surveys WERE answer IS NOT NULL", tables=tables)
    assert proposals[0].sql == "SELECT form, answer FROM surveys WHERE answer IS NOT NULL"


# ---- commas --------------------------------------------------------------------------------------
def test_missing_commas_between_known_columns(con):
    proposals = heal(con, "SELECT order_id user_id total FROM orders")
    assert proposals[0].sql == "SELECT order_id, user_id, total FROM orders"
    assert proposals[0].strategy == "comma"


def test_an_alias_that_is_not_a_column_gets_no_comma(con):
    """`revenue` names no column, so `total revenue` is an alias; only the real gap is fixed."""
    proposals = heal(con, "SELECT city total revenue FROM orders")
    assert proposals[0].sql == "SELECT city, total revenue FROM orders"


def test_doubled_comma_and_spark_trailing_comma(con):
    assert heal(con, "SELECT city,, total FROM orders")[0].sql == "SELECT city, total FROM orders"
    proposals = spark_heal("SELECT city,\n  total,\nFROM orders")
    assert proposals[0].sql == "SELECT city,\n  total\nFROM orders"


def test_missing_comma_in_group_by(con):
    proposals = heal(con, "SELECT neighborhood, city, count(*) FROM orders GROUP BY neighborhood city")
    assert proposals[0].sql == "SELECT neighborhood, city, count(*) FROM orders GROUP BY neighborhood, city"


# ---- nearest column / table ----------------------------------------------------------------------
def test_nearest_column_respects_the_alias_table(con):
    """`r.nme` is looked up in restaurants, `o.totl` in orders."""
    sql = "SELECT o.totl, r.nme FROM orders o JOIN restaurants r ON o.restaurant_id = r.restaurant_id"
    proposals = heal(con, sql)
    assert proposals[0].sql == ("SELECT o.total, r.name FROM orders o JOIN restaurants r "
                                "ON o.restaurant_id = r.restaurant_id")
    assert proposals[0].strategy == "nearest_column"


def test_select_alias_and_cte_name_are_never_repaired(con):
    sql = ("WITH by_cty AS (SELECT city, avg(totl) AS avg_totl FROM orders GROUP BY city) "
           "SELECT city, avg_totl FROM by_cty ORDER BY avg_totl")
    proposals = heal(con, sql)
    assert proposals[0].sql == sql.replace("avg(totl)", "avg(total)")


def test_table_name_as_qualifier_becomes_the_alias(con):
    assert heal(con, "SELECT orders.city FROM orders o")[0].sql == "SELECT o.city FROM orders o"


def test_nearest_table_singular_plural_and_typo(con):
    assert heal(con, "SELECT * FROM ordrs")[0].sql == "SELECT * FROM orders"
    sql = "SELECT r.name FROM orders o JOIN restaurant r ON o.restaurant_id = r.restaurant_id"
    assert heal(con, sql)[0].sql == sql.replace("restaurant r", "restaurants r")
    proposals = spark_heal("SELECT city FROM order_s",
                           "[TABLE_OR_VIEW_NOT_FOUND] The table or view `order_s` cannot be found. SQLSTATE: 42P01")
    assert proposals[0].sql == "SELECT city FROM orders" and proposals[0].strategy == "nearest_table"


def test_no_close_name_means_no_proposal(con):
    assert heal(con, "SELECT customer_rating FROM orders") == []
    assert heal(con, "SELECT * FROM customers") == []


def test_name_scores():
    assert name_score("neighbourhood", "neighborhood") > 0.9
    assert name_score("order_ids", "order_id") >= 0.94
    assert name_score("DeliveryMinutes", "delivery_minutes") >= 0.97
    assert name_score("customer_rating", "created_at") < 0.75
    assert osa_distance("GRUOP", "GROUP") == 1 and osa_distance("SELCT", "SELECT") == 1
    assert nearest_names("totl", ["total", "subtotal", "tip"])[0][0] == "total"


# ---- quote ---------------------------------------------------------------------------------------
def test_quote_odd_names_in_each_dialect(con):
    proposals = heal(con, "SELECT menu_item_id, Item Name, price-usd FROM menu_raw")
    assert proposals[0].sql == 'SELECT menu_item_id, "Item Name", "price-usd" FROM menu_raw'
    proposals = spark_heal("SELECT Item Name FROM menu_raw")
    assert proposals[0].sql == "SELECT `Item Name` FROM menu_raw" and proposals[0].strategy == "quote"


def test_quote_reserved_word_column_but_not_the_group_by_keyword(con):
    proposals = heal(con, "SELECT group, count(*) FROM menu_raw GROUP BY group")
    assert proposals[0].sql == 'SELECT "group", count(*) FROM menu_raw GROUP BY "group"'


def test_strings_and_comments_are_never_rewritten():
    sql = "SELECT 'Item Name' AS label, \"Item Name\" -- Item Name\nFROM menu_raw"
    kinds = [k for _, _, k in protected_spans(sql)]
    assert kinds == ["'", '"', "-"]
    assert diagnose(sql, Target("duckdb", {"menu_raw": MENU})).odd_names == 0


# ---- transpile ------------------------------------------------------------------------------------
def test_spark_functions_on_duckdb(con):
    assert heal(con, "SELECT nvl(tip, 0) AS tip FROM orders")[0].sql == "SELECT coalesce(tip, 0) AS tip FROM orders"
    proposal = heal(con, "SELECT datediff(delivered_at, created_at) AS days FROM orders")[0]
    assert proposal.strategy == "transpile"
    assert proposal.sql == ("SELECT DATE_DIFF('DAY', CAST(created_at AS DATE), CAST(delivered_at AS DATE)) AS days "
                            "FROM orders")
    proposal = heal(con, "SELECT date_format(created_at, 'yyyy-MM') AS m FROM orders")[0]
    assert "STRFTIME" in proposal.sql and "'%Y-%m'" in proposal.sql


def test_spark_quoting_on_duckdb(con):
    assert heal(con, "SELECT `city` FROM orders")[0].sql == 'SELECT "city" FROM orders'
    proposals = heal(con, 'SELECT city FROM orders WHERE status = "delivered"')
    assert proposals[0].sql == "SELECT city FROM orders WHERE status = 'delivered'"


def test_duckdb_functions_on_spark():
    routine = "[UNRESOLVED_ROUTINE] Cannot resolve routine `{}` on search path [`system`.`builtin`]. SQLSTATE: 42883"
    proposal = spark_heal("SELECT strftime(created_at, '%Y-%m') AS m FROM orders", routine.format("strftime"))[0]
    assert proposal.sql == "SELECT DATE_FORMAT(created_at, 'yyyy-MM') AS m FROM orders"
    proposal = spark_heal("SELECT city, len(list(status)) AS n FROM orders GROUP BY city", routine.format("list"))[0]
    assert proposal.sql == "SELECT city, SIZE(COLLECT_LIST(status)) AS n FROM orders GROUP BY city"


def test_unknown_function_typo_gets_the_common_function(con):
    proposal = heal(con, "SELECT city, CONT(*) AS n FROM orders GROUP BY city")[0]
    assert proposal.sql == "SELECT city, COUNT(*) AS n FROM orders GROUP BY city"
    assert proposal.strategy == "nearest_function"


# ---- combinations and expressions -----------------------------------------------------------------
def test_two_repairs_in_one_query(con):
    proposal = heal(con, "SELCT city, avg(delivery_minuts) FROM orders GROUP BY city")[0]
    assert proposal.sql == "SELECT city, avg(delivery_minutes) FROM orders GROUP BY city"
    assert proposal.strategy == "keyword+nearest_column"
    proposal = heal(con, "SELECT city, nvl(tipp, 0) FROM orders")[0]
    assert proposal.sql == "SELECT city, coalesce(tip, 0) FROM orders"


def test_three_repairs_in_one_query(con):
    proposal = heal(con, "SELCT city, sum(totl) FROM ordrs GROUP BY city")[0]
    assert proposal.sql == "SELECT city, sum(total) FROM orders GROUP BY city"


def test_expressions_come_back_as_expressions(con):
    proposals = heal(con, "statsu = 'delivered' ADN neighbourhood IS NOT NULL", kind="expression")
    assert proposals[0].sql == "status = 'delivered' AND neighborhood IS NOT NULL"
    proposals = heal(con, "date_format(created_at, 'yyyy-MM-dd')", kind="expression")
    assert proposals[0].sql == "STRFTIME(CAST(created_at AS TIMESTAMP), '%Y-%m-%d')"
    proposals = spark_heal("zone IS NOT NULL", "[UNRESOLVED_COLUMN.WITHOUT_SUGGESTION] A column, variable, or "
                           "function parameter with name `zone` cannot be resolved. SQLSTATE: 42703",
                           kind="expression", tables={"df": {"zone_id": "int64", "ts": "timestamp"}})
    assert proposals[0].sql == "zone_id IS NOT NULL"


# ---- what is never healed ----------------------------------------------------------------------
def test_not_a_sql_problem_gets_nothing():
    req = HealRequest(node="n", sql="SELECT amout FROM orders", tables=TABLES, dialect="duckdb",
                      error="IO Error: No files found that match the pattern \"landing/x.csv\"")
    assert propose(req) == []


def test_semantic_and_type_errors_get_nothing(con):
    assert heal(con, "SELECT sum(city) FROM orders") == []
    assert heal(con, "SELECT order_id FROM orders WHERE created_at > 5") == []


def test_a_valid_query_gets_nothing_even_with_a_sql_error():
    req = HealRequest(node="n", sql="SELECT city FROM orders", tables=TABLES, dialect="duckdb",
                      error='Binder Error: Referenced column "amout" not found in FROM clause!')
    assert propose(req) == []


def test_alternatives_are_offered_best_first(con):
    """Two columns are one typo away from `tirps`: both are offered, the closer first."""
    tables = {"t": {"tips": "float64", "trips": "int64"}}
    con.execute("CREATE TABLE t (tips DOUBLE, trips BIGINT)")
    proposals = heal(con, "SELECT tirps FROM t", tables=tables)
    ranked = sorted(["tips", "trips"], key=lambda c: -name_score("tirps", c))
    assert [p.sql for p in proposals] == [f"SELECT {c} FROM t" for c in ranked]


def test_dml_ddl_and_several_statements_are_never_proposed():
    """Repairing the table name of a DELETE would make it runnable: the guard keeps it out."""
    for sql, error in (("DELETE FROM ordrs WHERE tip > 0", "Catalog Error: Table with name ordrs does not exist!"),
                       ("DROP TABLE ordrs", "Catalog Error: Table with name ordrs does not exist!"),
                       ("SELECT city FROM ordrs; DROP TABLE orders", "Parser Error: syntax error at or near \"DROP\"")):
        assert propose(HealRequest(node="n", sql=sql, error=error, tables=TABLES, dialect="duckdb")) == []


def test_unterminated_string_gets_nothing():
    req = HealRequest(node="n", sql="SELECT 'abc FROM orders", tables=TABLES, dialect="duckdb",
                      error="Parser Error: unterminated quoted string at or near \"'abc FROM orders\"")
    assert propose(req) == []
