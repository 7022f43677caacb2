"""Running a question's SQL: one checked SELECT, read-only DuckDB, row and time limits.

The attacks are real SQL against a real DuckDB over real Delta outputs; the second lock (the
sandbox connection itself) is proven separately, with the guard out of the way.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa
import pytest
from deltalake import DeltaTable

from odibi_core.errors import OdibiError
from odibi_core.intel.query.execute import (
    QueryFailed,
    QueryTimeout,
    run_select,
    sandbox,
)
from odibi_core.intel.query.scope import QueryScope
from odibi_core.intel.sql_guard import UnsafeSQL
from odibi_core.intel.types import TableInfo
from tests.intel.test_query_scope import make_shop, scope_of


@pytest.fixture(scope="module")
def shop(tmp_path_factory) -> Path:
    return make_shop(tmp_path_factory.mktemp("execute"))


@pytest.fixture(scope="module")
def scope(shop):
    return scope_of(shop)


def test_a_join_returns_json_safe_rows(scope):
    res = run_select("SELECT c.country, COUNT(*) AS n, SUM(o.total) AS revenue, MIN(o.order_date) AS first_day "
                     "FROM orders o JOIN customers c ON o.customer_id = c.customer_id "
                     "GROUP BY c.country ORDER BY revenue DESC", scope)
    assert res.columns == ["country", "n", "revenue", "first_day"]
    assert res.rows == [["US", 3, pytest.approx(313.8), "2024-03-01"], ["GB", 4, pytest.approx(267.5), "2024-03-01"],
                        ["NL", 1, pytest.approx(59.9), "2024-03-01"]]
    assert res.truncated is False and res.elapsed_s > 0


def test_values_are_json_safe(scope):
    res = run_select("SELECT CAST(1.25 AS DECIMAL(6,2)) AS d, CAST('nan' AS DOUBLE) AS nan, "
                     "TIMESTAMP '2024-03-01 10:30:00' AS ts, NULL AS nothing, [1, 2] AS xs, "
                     "MAX(updated_at) AS last FROM customers", scope)
    assert res.rows == [[1.25, None, "2024-03-01T10:30:00", None, [1, 2], "2024-02-01T08:30:00"]]


def test_rows_stop_at_max_rows_and_say_so(scope):
    res = run_select("SELECT order_id FROM orders ORDER BY order_id", scope, max_rows=3)
    assert res.rows == [[1001], [1002], [1003]] and res.truncated is True
    res = run_select("SELECT order_id FROM orders ORDER BY order_id;", scope, max_rows=8)
    assert len(res.rows) == 8 and res.truncated is False


def test_a_trailing_comment_does_not_swallow_the_limit(scope):
    res = run_select("SELECT status FROM orders ORDER BY order_id -- first ones\n", scope, max_rows=2)
    assert res.rows == [["placed"], ["shipped"]] and res.truncated


def test_a_cte_may_shadow_a_table_name_and_reads_only_what_it_selects(scope):
    res = run_select("WITH orders AS (SELECT 42 AS x) SELECT x FROM orders", scope)
    assert res.rows == [[42]]
    res = run_select("WITH read_csv AS (SELECT country FROM customers) SELECT count(*) AS n FROM read_csv", scope)
    assert res.rows == [[5]]


ATTACKS = [
    ("COPY orders TO '{tmp}/stolen.csv'", "forbidden"),
    ("COPY (SELECT * FROM orders) TO '{tmp}/stolen.csv' (FORMAT csv)", "forbidden"),
    ("ATTACH '{tmp}/other.db' AS other", "forbidden"),
    ("SELECT * FROM read_csv('/etc/passwd')", "table_function"),
    ("SELECT * FROM read_text('/etc/hostname')", "table_function"),
    ("SELECT * FROM '/etc/passwd'", None),
    ("SELECT * FROM orders, read_parquet('{tmp}/x.parquet')", "table_function"),
    ("WITH x AS (SELECT * FROM read_csv('/etc/passwd')) SELECT * FROM x", "table_function"),
    ("SELECT (SELECT count(*) FROM glob('/etc/*')) AS n FROM orders", "table_function"),
    ("INSERT INTO orders (order_id) VALUES (1)", "forbidden"),
    ("DELETE FROM orders", "forbidden"),
    ("UPDATE orders SET total = 0", "forbidden"),
    ("DROP TABLE orders", "forbidden"),
    ("CREATE TABLE t AS SELECT * FROM orders", "forbidden"),
    ("SELECT * INTO t FROM orders", "forbidden"),
    ("SELECT 1 AS a; DROP TABLE orders", "multiple"),
    ("SELECT 1 AS a; SELECT 2 AS b", "multiple"),
    ("SET enable_external_access = true", "forbidden"),
    ("PRAGMA database_list", "forbidden"),
    ("INSTALL httpfs", None),
    ("LOAD httpfs", None),
    ("SELECT * FROM main.orders", "unknown_table"),
    ("SELECT * FROM secret_table", "unknown_table"),
    ("SELECT password FROM customers", "unknown_column"),
]


@pytest.mark.parametrize("sql,reason", ATTACKS, ids=[a[0][:40] for a in ATTACKS])
def test_anything_but_one_select_over_known_tables_is_refused(scope, shop, tmp_path, sql, reason):
    with pytest.raises(UnsafeSQL) as info:
        run_select(sql.format(tmp=tmp_path), scope)
    if reason is not None:
        assert info.value.reason == reason, str(info.value)
    assert list(tmp_path.iterdir()) == []  # nothing was written
    assert DeltaTable(str(shop.parent / "lake/silver/orders")).to_pyarrow_table().num_rows == 8


def test_the_sandbox_itself_cannot_reach_files_python_or_its_settings(tmp_path):
    secret_frame = pa.table({"password": ["hunter2"]})  # a Python variable DuckDB could otherwise scan by name
    (tmp_path / "data.csv").write_text("a\n1\n", encoding="utf-8")
    con = sandbox({"t": pa.table({"x": [1, 2, 3]})})
    try:
        assert con.execute("SELECT sum(x) FROM t").fetchall() == [(6,)]
        for sql in (f"SELECT * FROM read_csv('{tmp_path}/data.csv')", f"SELECT * FROM '{tmp_path}/data.csv'",
                    f"COPY t TO '{tmp_path}/out.csv'", f"ATTACH '{tmp_path}/x.db' AS x",
                    "SELECT * FROM read_text('/etc/hostname')", "SELECT * FROM glob('/etc/*')", "LOAD httpfs"):
            with pytest.raises(duckdb.PermissionException):
                con.execute(sql)
        for sql in ("SET enable_external_access = true", "RESET lock_configuration",
                    "SET python_enable_replacements = true"):
            with pytest.raises(duckdb.InvalidInputException, match="configuration"):
                con.execute(sql)
        with pytest.raises(duckdb.CatalogException):
            con.execute("SELECT * FROM secret_frame")
        with pytest.raises(duckdb.Error):
            con.execute("INSERT INTO t VALUES (4)")  # an Arrow view, not a table
        assert con.execute("SELECT sum(x) FROM t").fetchall() == [(6,)]
    finally:
        con.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.csv"]
    assert secret_frame.num_rows == 1


def test_only_the_tables_a_query_names_are_opened():
    opened: list[str] = []

    def opener(name):
        def open_():
            opened.append(name)
            if name == "unreadable":
                raise OSError("disk gone")
            return pa.table({"v": [1, 2]})
        return open_

    names = ("a", "unreadable")
    scope = QueryScope(tables={n: TableInfo(name=n, columns={"v": "int64"}) for n in names},
                       _openers={n: opener(n) for n in names})
    assert run_select("SELECT sum(v) AS s FROM a", scope).rows == [[3]]
    assert opened == ["a"]


def test_a_long_query_is_interrupted(tmp_path):
    scope = QueryScope.from_arrow({"t": pa.table({"x": list(range(20_000))})}, profile=False)
    assert scope.tables["t"].columns == {"x": "int64"} and scope.tables["t"].row_count == 20_000
    with pytest.raises(QueryTimeout, match="longer than 0.3 s"):
        run_select("SELECT sum(a.x * b.x + c.x) AS s FROM t a, t b, t c", scope, timeout_s=0.3)
    assert run_select("SELECT count(*) AS n FROM t", scope, timeout_s=5).rows == [[20_000]]


def test_duckdb_errors_and_bad_limits_are_plain_errors(scope):
    with pytest.raises(QueryFailed, match="the query failed in DuckDB: Conversion Error"):
        run_select("SELECT CAST(status AS INTEGER) AS n FROM orders", scope)
    with pytest.raises(OdibiError, match="max_rows"):
        run_select("SELECT 1 AS a", scope, max_rows=-1)
    with pytest.raises(OdibiError, match="time limit"):
        run_select("SELECT 1 AS a", scope, timeout_s=0)
