"""The pandas engine keeps logical types through Arrow and DuckDB (what the conformance suite compares)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pyarrow as pa

from odibi_core.engines.base import arrow_logical_type


def types(engine, df):
    return {c.name: c.type for c in engine.schema(df)}


def test_nullable_ints_bools_dates_and_decimals_survive_sql(engine):
    table = pa.table({
        "i": pa.array([1, None, 3], pa.int64()),
        "b": pa.array([True, None, False]),
        "d": pa.array([dt.date(2024, 1, 1), None, dt.date(2024, 1, 3)]),
        "m": pa.array([Decimal("1.50"), None, Decimal("2.25")], pa.decimal128(10, 2)),
    })
    df = engine.from_arrow(table)
    assert types(engine, df) == {"i": "int64", "b": "bool", "d": "date", "m": "decimal(10,2)"}
    out = engine.sql("SELECT i, b, d, m FROM df WHERE i IS NULL OR i > 0", {"df": df})
    assert types(engine, out) == {"i": "int64", "b": "bool", "d": "date", "m": "decimal(10,2)"}
    assert engine.sample(out, 3)[1] == {"i": None, "b": None, "d": None, "m": None}


def test_integer_sums_are_bigint_not_hugeint(engine):
    df = engine.from_arrow(pa.table({"k": ["a", "a", "b"], "v": [1, 2, 3]}))
    out = engine.sql("SELECT k, SUM(v) AS total, COUNT(*) AS n FROM df GROUP BY k ORDER BY k", {"df": df})
    assert types(engine, out)["total"] == "int64" and types(engine, out)["n"] == "int64"
    assert engine.sample(out, 2) == [{"k": "a", "total": 3, "n": 2}, {"k": "b", "total": 3, "n": 1}]


def test_huge_sums_keep_exact_decimals(engine):
    df = engine.from_arrow(pa.table({"v": [2**62, 2**62, 2**62]}))
    out = engine.sql("SELECT SUM(v) AS total FROM df", {"df": df})
    assert types(engine, out)["total"] == "decimal(38,0)"
    assert engine.sample(out, 1) == [{"total": str(3 * 2**62)}]


def test_empty_results_keep_text_columns_typed(engine):
    df = engine.from_arrow(pa.table({"id": [1, 2], "name": ["a", "b"]}))
    empty = engine.sql("SELECT id, name FROM df WHERE id > 5", {"df": df})
    assert engine.count(empty) == 0
    assert arrow_logical_type(engine.to_arrow(empty).schema.field("name").type) == "string"
    # an object column with no values (what user functions often return) is written as text, not null
    import pandas as pd

    blank = pd.DataFrame({"name": pd.Series([], dtype=object).astype("str")})
    assert arrow_logical_type(engine.to_arrow(blank).schema.field("name").type) == "string"
    assert types(engine, empty) == {"id": "int64", "name": "string"}


def test_sql_reads_strided_frames(engine):
    df = engine.from_arrow(pa.table({"a": [1, 2, 3], "b": [1.0, 2.0, 3.0]})).iloc[::-1]
    out = engine.sql("SELECT a FROM df", {"df": df})
    assert [r["a"] for r in engine.sample(out, 3)] == [3, 2, 1]
