"""The comparison machinery itself: it must see the differences it exists to find.

No engine runs here: crafted Arrow tables go through the same normalise/compare functions the
conformance tests use, so a harness that silently compared nothing would fail these tests.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pyarrow as pa

from tests.conformance.harness import compare_output
from tests.conformance.known_issues import explained
from tests.conformance.normalize import logical_schema, normalize, rows
from tests.conformance.reader import ReadBack


def back(table: pa.Table, shape: str = "file") -> ReadBack:
    return ReadBack(shape, normalize(table))


def test_rows_sort_on_every_column_with_nulls_first():
    t = pa.table({"a": pa.array([2, None, 1, 1], pa.int64()), "b": ["x", "y", None, "a"]})
    assert rows(normalize(t)) == [{"a": None, "b": "y"}, {"a": 1, "b": None}, {"a": 1, "b": "a"},
                                  {"a": 2, "b": "x"}]


def test_floats_compare_at_nine_significant_digits():
    a = pa.table({"x": [0.1 + 0.2, 1234.5678]})
    b = pa.table({"x": [0.3, 1234.567800000001]})
    assert compare_output(back(a), back(b)) == []
    c = pa.table({"x": [0.3, 1234.5679]})
    assert compare_output(back(a), back(c)) != []


def test_timestamps_compare_as_utc_microseconds():
    naive_ns = pa.table({"t": pa.array([dt.datetime(2024, 1, 5, 10, 30)], pa.timestamp("ns"))})
    utc_us = pa.table({"t": pa.array([dt.datetime(2024, 1, 5, 10, 30, tzinfo=dt.timezone.utc)],
                                     pa.timestamp("us", tz="UTC"))})
    assert compare_output(back(naive_ns), back(utc_us)) == []
    later = pa.table({"t": pa.array([dt.datetime(2024, 1, 5, 10, 30, 1)], pa.timestamp("us"))})
    assert compare_output(back(naive_ns), back(later)) != []


def test_differences_that_are_reported():
    base = pa.table({"id": pa.array([1, 2], pa.int64()), "s": ["a", None]})
    # a value
    assert any("sorted row" in p for p in compare_output(back(base), back(pa.table({"id": [1, 2], "s": ["a", ""]}))))
    # NULL vs empty string is a difference, not a normalisation
    assert compare_output(back(base), back(pa.table({"id": pa.array([1, 2], pa.int64()), "s": ["a", ""]}))) != []
    # a type (int32 vs int64)
    narrow = pa.table({"id": pa.array([1, 2], pa.int32()), "s": ["a", None]})
    assert compare_output(back(base), back(narrow)) == ["schema column id: pandas int64, got int32"]
    # column order
    assert "columns" in compare_output(back(base), back(base.select(["s", "id"])))[0]
    # a row count
    assert any(p.startswith("rows:") for p in compare_output(back(base), back(base.slice(0, 1))))
    # the shape of the target (one file vs a folder of part files)
    assert "written as file" in compare_output(back(base), back(base, "dir"))[0]


def test_type_difference_still_compares_values():
    """A decimal written as a float is a type difference; a wrong value in it is one more."""
    dec = pa.table({"x": pa.array([Decimal("1.50")], pa.decimal128(10, 2))})
    same = pa.table({"x": [1.5]})
    other = pa.table({"x": [1.25]})
    assert compare_output(back(same), back(dec)) == ["schema column x: pandas float64, got decimal(10,2)"]
    assert len(compare_output(back(other), back(dec))) == 2


def test_run_specific_columns_are_masked_but_kept():
    a = pa.table({"id": [1], "_run_id": ["run-1"], "_quarantined_at": pa.array([dt.datetime(2024, 1, 1)])})
    b = pa.table({"id": [1], "_run_id": ["run-2"], "_quarantined_at": pa.array([dt.datetime(2025, 6, 1)])})
    assert compare_output(back(a), back(b)) == []
    assert logical_schema(normalize(a)) == [("id", "int64"), ("_run_id", "string"), ("_quarantined_at", "timestamp")]


def test_known_issue_patterns_explain_only_their_lines():
    line = "derive_functions.schema_out column order_year: pandas int64, got int32"
    assert explained(line, ("pandas", "spark")).key == "sql-int-function-width"
    assert explained(line.replace("int64, got int32", "int32, got int64"), ("pandas", "spark")) is None
    assert explained(line, ("pandas",)) is None
