"""SQL steps, the inspection methods and Arrow conversion on the Spark engine."""

from __future__ import annotations

import datetime as dt
import decimal
import json
import threading

import pandas as pd
import pyarrow as pa
import pytest

from odibi_core.engines.base import arrow_logical_type
from odibi_core.engines.pandas_engine import SqlError
from odibi_core.errors import OdibiError


@pytest.fixture
def engine(lake):
    return lake.spark


def frame(engine, **columns):
    return engine.from_arrow(pa.table(columns))


def test_sql_sees_df_and_dependency_tables_by_name(engine):
    orders = frame(engine, id=[1, 2, 3], customer=[10, 20, 10], amount=[5.0, 7.5, 1.0])
    customers = frame(engine, customer=[10, 20], name=["Ann", "Bob"])
    out = engine.sql("SELECT c.name, SUM(o.amount) AS total FROM df o JOIN customers c USING (customer) "
                     "GROUP BY c.name ORDER BY c.name", {"df": orders, "customers": customers})
    assert engine.to_arrow(out).to_pylist() == [{"name": "Ann", "total": 6.0}, {"name": "Bob", "total": 7.5}]
    assert engine.spark.catalog.listTables() == []  # the views are gone, the frame still works
    assert engine.count(out) == 2


def test_a_result_keeps_its_inputs_after_the_names_are_reused(engine):
    first = engine.sql("SELECT * FROM df", {"df": frame(engine, v=[1])})
    engine.sql("SELECT * FROM df", {"df": frame(engine, v=[2, 3])})
    assert engine.to_arrow(first).to_pylist() == [{"v": 1}]


def test_sql_from_many_threads_uses_each_threads_own_frames(engine):
    frames = [frame(engine, v=list(range(i + 1))) for i in range(8)]
    results: dict[int, int] = {}

    def work(i):
        out = engine.sql("SELECT COUNT(*) AS n, MAX(v) AS top FROM df", {"df": frames[i]})
        results[i] = engine.to_arrow(out).to_pylist()[0]

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == {i: {"n": i + 1, "top": i} for i in range(8)}


def test_sql_errors_are_one_line_odibi_errors_that_keep_the_statement(engine):
    df = frame(engine, amount=[1])
    with pytest.raises(SqlError) as info:
        engine.sql("SELECT amout FROM df", {"df": df})
    err = info.value
    assert isinstance(err, OdibiError) and err.sql == "SELECT amout FROM df"
    assert "`amout` cannot be resolved" in str(err) and "`amount`" in str(err) and "\n" not in str(err)
    with pytest.raises(SqlError, match="TABLE_OR_VIEW_NOT_FOUND.*`customers`"):
        engine.sql("SELECT * FROM customers", {"df": df})
    with pytest.raises(SqlError, match="PARSE_SYNTAX_ERROR"):
        engine.sql("SELECT * FROM df WHERE amount >", {"df": df})


def test_failures_while_computing_are_named_odibi_errors(engine):
    out = engine.sql("SELECT CAST(v AS INT) AS v FROM df", {"df": frame(engine, v=["x"])})
    with pytest.raises(OdibiError, match=r"^counting rows failed: \[CAST_INVALID_INPUT\] The value 'x'") as info:
        engine.count(out)
    assert "\n" not in str(info.value)


def test_schema_uses_the_same_logical_names_as_arrow(engine):
    out = engine.sql(
        "SELECT 'a' AS s, CAST(1 AS INT) AS i32, CAST(1 AS BIGINT) AS i64, CAST(1 AS SMALLINT) AS i16, "
        "1.5D AS f64, CAST(1.5 AS FLOAT) AS f32, CAST(1.5 AS DECIMAL(10,2)) AS dec, TRUE AS b, DATE'2024-01-02' AS d, "
        "TIMESTAMP'2024-01-02 03:04:05' AS ts, X'CAFE' AS bin, ARRAY(1, 2) AS arr, NAMED_STRUCT('x', 1) AS st", {})
    names = {c.name: c.type for c in engine.schema(out)}
    assert names == {"s": "string", "i32": "int32", "i64": "int64", "i16": "int16", "f64": "float64",
                     "f32": "float32", "dec": "decimal(10,2)", "b": "bool", "d": "date", "ts": "timestamp",
                     "bin": "binary", "arr": "list<int32>", "st": "struct"}
    arrow = engine.to_arrow(out)
    assert {f.name: arrow_logical_type(f.type) for f in arrow.schema} == names


def test_sample_rows_are_json_safe_and_head_limits(engine):
    out = engine.sql("SELECT 1.5BD AS dec, DATE'2024-01-02' AS d, TIMESTAMP'2024-01-02 03:04:05' AS ts, "
                     "X'CAFE' AS bin, CAST('NaN' AS DOUBLE) AS nan, ARRAY(1, 2) AS arr, NULL AS nothing", {})
    rows = engine.sample(out, 5)
    assert rows == [{"dec": "1.5", "d": "2024-01-02", "ts": "2024-01-02T03:04:05", "bin": "cafe", "nan": None,
                     "arr": [1, 2], "nothing": None}]
    json.dumps(rows)
    many = frame(engine, v=list(range(100)))
    assert engine.count(engine.head(many, 3)) == 3
    assert len(engine.sample(many, 7)) == 7 and engine.sample(many, 0) == []


def test_arrow_round_trip_and_odd_arrow_types(engine):
    table = pa.table({
        "big": pa.array(["a", None], pa.large_string()),
        "cat": pa.array(["x", "y"]).dictionary_encode(),
        "ts": pa.array([dt.datetime(2024, 1, 1, 10), None], pa.timestamp("s")),
        "dec": pa.array([decimal.Decimal("1.25"), None], pa.decimal128(9, 2)),
    })
    df = engine.from_arrow(table)
    assert [c.type for c in engine.schema(df)] == ["string", "string", "timestamp", "decimal(9,2)"]
    assert engine.to_arrow(df).to_pylist() == [
        {"big": "a", "cat": "x", "ts": dt.datetime(2024, 1, 1, 10), "dec": decimal.Decimal("1.25")},
        {"big": None, "cat": "y", "ts": None, "dec": None}]
    empty = engine.from_arrow(pa.table({}))
    assert engine.count(empty) == 0 and engine.schema(empty) == []


def test_pandas_frames_from_user_code_are_accepted_as_tables(engine):
    out = engine.sql("SELECT SUM(v) AS s FROM df", {"df": pd.DataFrame({"v": [1, 2, 3]})})
    assert engine.to_arrow(out).to_pylist() == [{"s": 6}]


def test_quote_uses_backticks(engine):
    assert engine.quote("a`b c") == "`a``b c`"
    out = engine.sql(f"SELECT {engine.quote('odd name')} FROM df", {"df": frame(engine, **{"odd name": [1]})})
    assert out.columns == ["odd name"]


def test_read_filter_runs_as_spark_sql(lake):
    lake.file("a.csv", "id,v\n1,x\n2,y\n3,x\n")
    df = lake.read(lake.spark, "src", path="a.csv", filter="v = 'x' AND id > 1")
    assert lake.rows(lake.spark, df) == [{"id": 3, "v": "x"}]
    with pytest.raises(SqlError) as info:
        lake.read(lake.spark, "src", path="a.csv", filter="nope = 1")
    assert info.value.sql == "SELECT * FROM df WHERE nope = 1"
