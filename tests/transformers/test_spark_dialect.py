"""Built-ins build SQL from ``ctx.q`` and the engine's dialect, so Spark SQL comes out unchanged.

Spark is not installed here, so ``SparkDialectEngine`` (see ``support``) stands in: the SQL the
built-ins generate for ``sql_dialect = "spark"`` must parse strictly as Spark SQL, and, once
sqlglot translates it for DuckDB, give the same rows as the DuckDB SQL does.
"""

from __future__ import annotations

import pandas as pd
import pytest

from odibi_core.engines.pandas_engine import PandasEngine
from tests.transformers.support import SparkDialectEngine, make_ctx, run, sorted_rows

ORDERS = pd.DataFrame({"id": [1, 1, 2, 3], "amount": [5.0, None, 7.5, 1.0], "status": ["a", "b", None, "a"],
                       "v": [1, 2, 3, 4]})
CUSTOMERS = pd.DataFrame({"id": [1, 2, 9], "status": ["gold", "silver", "x"], "name": ["A", "B", "Z"]})

CASES = [
    ("filter_rows", {"condition": "amount > 2 OR status IS NULL"}),
    ("derive_columns", {"columns": {"double": "amount * 2", "more": "double + 1", "status": "UPPER(status)"}}),
    ("cast_columns", {"columns": {"v": "string", "amount": "decimal(10,2)"}}),
    ("select_columns", {"columns": ["status", "id"]}),
    ("drop_columns", {"columns": ["v"]}),
    ("rename_columns", {"mapping": {"v": "version"}}),
    ("deduplicate", {"keys": ["id"], "order_by": "v DESC"}),
    ("deduplicate", {"keys": ["id"]}),
    ("join", {"right": "customers", "on": ["id"], "how": "full"}),
    ("join", {"right": "customers", "on": {"id": "id"}, "how": "anti"}),
    ("union", {"tables": ["customers"]}),
    ("aggregate", {"group_by": ["status"], "aggregations": {"n": {"fn": "count"}, "s": {"fn": "sum", "column": "v"},
                                                            "last": {"fn": "last", "column": "v", "order_by": "amount"}}}),
    ("fill_nulls", {"values": {"status": "it's a \\ back\\slash", "amount": 0}}),
]


@pytest.fixture
def engines(tmp_path):
    duck, spark = PandasEngine({}, tmp_path), SparkDialectEngine({}, tmp_path)
    yield duck, spark
    duck.close()
    spark.close()


@pytest.mark.parametrize(("name", "params"), CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
def test_spark_sql_gives_the_same_rows(engines, name, params):
    duck, spark = engines
    results = []
    for engine in (duck, spark):
        ctx = make_ctx(engine, ORDERS.copy(), {"customers": CUSTOMERS.copy()})
        out = run(ctx, name, **params)
        cols = list(out.columns)
        results.append((cols, sorted_rows(engine, out, *cols)))
        if engine is spark:
            assert '"' not in ctx.sql_log[-1]  # identifiers quoted the Spark way
    assert results[0] == results[1]


def test_spark_string_literals_escape_backslashes(engines):
    _, spark = engines
    ctx = make_ctx(spark, ORDERS.copy())
    out = run(ctx, "fill_nulls", values={"status": "a\\b'c"})
    assert "'a\\\\b\\'c'" in ctx.sql_log[-1]  # Spark reads '\\' as one backslash and \' as a quote
    assert sorted_rows(spark, out, "v")[2]["status"] == "a\\b'c"
