"""The pandas engine keeps logical types through Arrow and DuckDB (what the conformance suite compares)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pyarrow as pa


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
