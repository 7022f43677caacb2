"""Which failures are SQL problems, and of which kind: DuckDB's real messages (produced here by
running broken SQL on a real in-memory DuckDB) and Spark 4's, written from its error-class
templates (error-conditions.json of Spark 4.2; Spark is not started for these tests)."""

import duckdb
import pytest

from odibi_core.intel.heal.classify import (
    classify_error,
    unknown_function,
    unknown_names,
)


@pytest.fixture(scope="module")
def con():
    con = duckdb.connect(":memory:")
    con.execute("CREATE TABLE orders (order_id BIGINT, status VARCHAR, city VARCHAR, total DOUBLE, "
                "created_at TIMESTAMP, delivered_at TIMESTAMP)")
    yield con
    con.close()


def duckdb_error(con, sql: str) -> str:
    with pytest.raises(duckdb.Error) as info:
        con.execute(sql).fetchall()
    return str(info.value)


@pytest.mark.parametrize("sql, kind, names", [
    ("SELCT order_id FROM orders", "parse", ["SELCT"]),
    ("SELECT order_id FORM orders", "parse", ["orders"]),
    ("SELECT order_id,, total FROM orders", "parse", [","]),
    ("SELECT amout FROM orders", "unknown_column", ["amout"]),
    ("SELECT o.amout FROM orders o", "unknown_column", ["amout"]),
    ("SELECT * FROM ordrs", "unknown_table", ["ordrs"]),
    ("SELECT x.total FROM orders o", "unknown_table", ["x"]),
    ("SELECT CAST('abc' AS INTEGER)", "type", []),
    ("SELECT * FROM orders WHERE created_at > 5", "type", []),
    ("SELECT sum(city) FROM orders", "type", ["sum"]),
    ("SELECT nvl(total, 0) FROM orders", "dialect", ["nvl"]),
    ("SELECT date_format(created_at, 'yyyy') FROM orders", "dialect", ["date_format"]),
    ("SELECT collect_list(city) FROM orders", "dialect", ["collect_list"]),
    ("SELECT datediff(delivered_at, created_at) FROM orders", "dialect", ["datediff"]),
])
def test_real_duckdb_messages(con, sql, kind, names):
    message = duckdb_error(con, sql)
    assert classify_error(message) == kind, message
    assert unknown_names(message) == names, message


def test_duckdb_backticks_are_a_dialect_problem_without_internal_names(con):
    message = duckdb_error(con, "SELECT `city` FROM orders")
    assert "__postfix" in message  # DuckDB's own words for Spark's backticks
    assert classify_error(message) == "dialect"
    assert unknown_names(message) == [] and unknown_function(message) is None


def test_unknown_function_is_named_lower_case(con):
    assert unknown_function(duckdb_error(con, "SELECT NVL(total, 0) FROM orders")) == "nvl"
    assert unknown_function(duckdb_error(con, "SELECT amout FROM orders")) is None


@pytest.mark.parametrize("error, kind", [
    ("IO Error: No files found that match the pattern \"landing/events/clicks/*.jsonl\"", None),
    ("[Errno 2] No such file or directory: 'landing/orders.csv'", None),
    ("could not connect to server: Connection refused (127.0.0.1:5432)", None),
    ("validation 'not_null' failed: 12 rows with NULL in order_id", None),
    ("", None),
])
def test_failures_that_are_not_sql_problems(con, error, kind):
    assert classify_error(error) is kind


def test_io_error_from_duckdb_is_not_a_sql_problem(con):
    assert classify_error(duckdb_error(con, "SELECT * FROM read_csv('/nonexistent/x.csv')")) is None


SPARK = {
    "parse": "[PARSE_SYNTAX_ERROR] Syntax error at or near 'FORM'. SQLSTATE: 42601 (line 1, pos 16)\n\n== SQL ==\n"
             "SELECT order_id FORM orders\n----------------^^^\n",
    "column": "[UNRESOLVED_COLUMN.WITH_SUGGESTION] A column, variable, or function parameter with name `o`.`amout` "
              "cannot be resolved. Did you mean one of the following? [`o`.`total`, `o`.`city`]. SQLSTATE: 42703; "
              "line 1 pos 7;\n'Project ['o.amout]\n+- SubqueryAlias o\n",
    "column_plain": "[UNRESOLVED_COLUMN.WITHOUT_SUGGESTION] A column, variable, or function parameter with name "
                    "`statsu` cannot be resolved.  SQLSTATE: 42703",
    "table": "[TABLE_OR_VIEW_NOT_FOUND] The table or view `spark_catalog`.`default`.`ordrs` cannot be found. Verify "
             "the spelling and correctness of the schema and catalog.\nIf you did not qualify the name with a schema, "
             "verify the current_schema() output, or qualify the name with the correct schema and catalog.\nTo "
             "tolerate the error on drop use DROP VIEW IF EXISTS or DROP TABLE IF EXISTS. SQLSTATE: 42P01; "
             "line 1 pos 14;",
    "type": "[DATATYPE_MISMATCH.BINARY_OP_DIFF_TYPES] Cannot resolve \"(created_at > 5)\" due to data type mismatch: "
            "the left and right operands of the binary operator have incompatible types (\"TIMESTAMP\" and "
            "\"INT\"). SQLSTATE: 42K09",
    "cast": "[CAST_INVALID_INPUT] The value 'abc' of the type \"STRING\" cannot be cast to \"INT\" because it is "
            "malformed. Correct the value as per the syntax, or change its target type. Use `try_cast` to tolerate "
            "malformed input and return NULL instead. SQLSTATE: 22018",
    "routine": "[UNRESOLVED_ROUTINE] Cannot resolve routine `strftime` on search path [`system`.`builtin`, "
               "`system`.`session`, `spark_catalog`.`default`]. SQLSTATE: 42883; line 1 pos 7",
    "unit": "[INVALID_PARAMETER_VALUE.DATETIME_UNIT] The value of parameter(s) `unit` in `date_diff` is invalid: "
            "expects one of the units without quotes YEAR, QUARTER, MONTH, WEEK, DAY, DAYOFYEAR, HOUR, MINUTE, "
            "SECOND, MILLISECOND, MICROSECOND, but got the string literal 'day'. SQLSTATE: 22023",
    "args": "[WRONG_NUM_ARGS.WITHOUT_SUGGESTION] The `datediff` requires 2 parameters but the actual number is 3. "
            "Please, refer to 'https://spark.apache.org/docs/latest/sql-ref-functions.html' for a fix. "
            "SQLSTATE: 42605",
}


@pytest.mark.parametrize("key, kind, names", [
    ("parse", "parse", ["FORM"]),
    ("column", "unknown_column", ["amout"]),
    ("column_plain", "unknown_column", ["statsu"]),
    ("table", "unknown_table", ["ordrs"]),
    ("type", "type", []),
    ("cast", "type", []),
    ("routine", "dialect", ["strftime"]),
    ("unit", "dialect", ["date_diff"]),
    ("args", "dialect", ["datediff"]),
])
def test_spark4_error_classes(key, kind, names):
    assert classify_error(SPARK[key]) == kind
    assert unknown_names(SPARK[key]) == names


def test_spark_routine_is_the_unknown_function():
    assert unknown_function(SPARK["routine"]) == "strftime"
    assert unknown_function(SPARK["column"]) is None


def test_wrapped_message_still_classified(con):
    """The runner wraps engine errors in its own sentence; the engine's words inside still count."""
    inner = duckdb_error(con, "SELECT amout FROM orders")
    wrapped = f"node 'orders_clean' failed in transform step 2 (sql): {inner}"
    assert classify_error(wrapped) == "unknown_column"
    assert unknown_names(wrapped) == ["amout"]
