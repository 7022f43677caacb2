"""Built-ins that combine or reshape frames: join, union, aggregate, fill_nulls."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from pydantic import ValidationError

from odibi_core.engines.pandas_engine import SqlError
from odibi_core.transformers.builtin._common import TransformError
from odibi_core.transformers.registry import get_transformer
from tests.transformers.support import make_ctx, rows, run, sorted_rows


@pytest.fixture
def orders():
    return pd.DataFrame({"order_id": [1, 2, 3, 4], "cust": [10, 20, 30, None], "status": ["paid", "open", "paid", "x"]})


@pytest.fixture
def customers():
    return pd.DataFrame({"cust": [10, 20, 40], "name": ["Ann", "Bob", "Dee"], "status": ["gold", "silver", "gold"]})


def _join(engine, orders, customers, **params):
    ctx = make_ctx(engine, orders, {"customers": customers})
    return run(ctx, "join", right="customers", **params)


# --- join ----------------------------------------------------------------------------------

def test_join_inner_suffixes_clashing_right_columns(engine, orders, customers):
    out = _join(engine, orders, customers, on=["cust"])
    assert list(out.columns) == ["order_id", "cust", "status", "name", "status_right"]
    assert sorted_rows(engine, out, "order_id") == [
        {"order_id": 1, "cust": 10.0, "status": "paid", "name": "Ann", "status_right": "gold"},
        {"order_id": 2, "cust": 20.0, "status": "open", "name": "Bob", "status_right": "silver"},
    ]


def test_join_left_keeps_unmatched_and_null_keys_never_match(engine, orders, customers):
    out = _join(engine, orders, customers, on=["cust"], how="left", select=["name"], suffix="_c")
    assert sorted_rows(engine, out, "order_id") == [
        {"order_id": 1, "cust": 10.0, "status": "paid", "name": "Ann"},
        {"order_id": 2, "cust": 20.0, "status": "open", "name": "Bob"},
        {"order_id": 3, "cust": 30.0, "status": "paid", "name": None},
        {"order_id": 4, "cust": None, "status": "x", "name": None},
    ]


def test_join_right_and_full_take_the_key_from_either_side(engine, orders, customers):
    right = _join(engine, orders, customers, on=["cust"], how="right", select=["name"])
    assert sorted_rows(engine, right, "cust") == [
        {"order_id": 1, "cust": 10.0, "status": "paid", "name": "Ann"},
        {"order_id": 2, "cust": 20.0, "status": "open", "name": "Bob"},
        {"order_id": None, "cust": 40.0, "status": None, "name": "Dee"},
    ]
    full = _join(engine, orders, customers, on=["cust"], how="full", select=["name"])
    assert [(r["order_id"], r["cust"], r["name"]) for r in sorted_rows(engine, full, "cust", "order_id")] == [
        (1, 10.0, "Ann"), (2, 20.0, "Bob"), (3, 30.0, None), (None, 40.0, "Dee"), (4, None, None)]


def test_join_semi_and_anti(engine, orders, customers):
    semi = _join(engine, orders, customers, on=["cust"], how="semi")
    anti = _join(engine, orders, customers, on=["cust"], how="anti")
    assert list(semi.columns) == ["order_id", "cust", "status"]
    assert sorted(r["order_id"] for r in rows(engine, semi)) == [1, 2]
    assert sorted(r["order_id"] for r in rows(engine, anti)) == [3, 4]  # the NULL key has no match


def test_join_mapping_on_and_cross(engine, orders):
    lookup = pd.DataFrame({"code": ["paid", "open"], "label": ["Paid", "Open"]})
    ctx = make_ctx(engine, orders, {"lookup": lookup})
    out = run(ctx, "join", right="lookup", on={"status": "code"}, how="left")
    assert list(out.columns) == ["order_id", "cust", "status", "label"]
    assert [r["label"] for r in sorted_rows(engine, out, "order_id")] == ["Paid", "Open", "Paid", None]
    small = pd.DataFrame({"order_id": [7, 8]})
    cross = run(make_ctx(engine, orders.head(2), {"small": small}), "join", right="small", how="cross")
    assert list(cross.columns) == ["order_id", "cust", "status", "order_id_right"]
    assert sorted((r["order_id"], r["order_id_right"]) for r in rows(engine, cross)) == [
        (1, 7), (1, 8), (2, 7), (2, 8)]


def test_join_param_shapes():
    model = get_transformer("join")
    with pytest.raises(ValidationError, match="a left join needs 'on'"):
        model.validate_params({"right": "c", "how": "left"})
    with pytest.raises(ValidationError, match="a cross join takes no 'on' keys"):
        model.validate_params({"right": "c", "how": "cross", "on": ["id"]})
    with pytest.raises(ValidationError, match="keeps only the left columns"):
        model.validate_params({"right": "c", "how": "anti", "on": ["id"], "select": ["x"]})


def test_join_unknown_table_and_columns(engine, orders, customers):
    with pytest.raises(TransformError, match=r"names table 'customer', which is not a dependency of node "
                                             r"'test_node' \(did you mean 'customers'\?\)"):
        run(make_ctx(engine, orders, {"customers": customers}), "join", right="customer", on=["cust"])
    with pytest.raises(TransformError, match=r"'custt' \(did you mean 'cust'\?\) in params.on not found in the "
                                             r"current frame \(left side\)"):
        _join(engine, orders, customers, on={"custt": "cust"})
    with pytest.raises(TransformError, match=r"'cst' \(did you mean 'cust'\?\) in params.on not found in table "
                                             r"'customers' \(right side\)"):
        _join(engine, orders, customers, on={"cust": "cst"})
    with pytest.raises(TransformError, match=r"'nam' \(did you mean 'name'\?\) in params.select"):
        _join(engine, orders, customers, on=["cust"], select=["nam"])


# --- union ---------------------------------------------------------------------------------

def test_union_by_name_fills_missing_columns_with_null(engine):
    eu = pd.DataFrame({"id": [1, 2], "amount": [5.0, 6.0]})
    us = pd.DataFrame({"amount": [7.0], "id": [3], "state": ["NY"]})
    out = run(make_ctx(engine, eu, {"us": us}), "union", tables=["us"])
    assert list(out.columns) == ["id", "amount", "state"]
    assert sorted_rows(engine, out, "id") == [
        {"id": 1, "amount": 5.0, "state": None},
        {"id": 2, "amount": 6.0, "state": None},
        {"id": 3, "amount": 7.0, "state": "NY"},
    ]


def test_union_by_position_and_distinct(engine):
    a = pd.DataFrame({"x": [1, 2], "y": ["a", "b"]})
    b = pd.DataFrame({"p": [2, 3], "q": ["b", "c"]})
    c = pd.DataFrame({"x": [1], "y": ["a"]})
    out = run(make_ctx(engine, a, {"b": b, "c": c}), "union", tables=["b", "c"], by_name=False)
    assert sorted_rows(engine, out, "x", "y") == [
        {"x": 1, "y": "a"}, {"x": 1, "y": "a"}, {"x": 2, "y": "b"}, {"x": 2, "y": "b"}, {"x": 3, "y": "c"}]
    distinct = run(make_ctx(engine, a, {"b": b, "c": c}), "union", tables=["b", "c"], by_name=False, distinct=True)
    assert sorted_rows(engine, distinct, "x") == [{"x": 1, "y": "a"}, {"x": 2, "y": "b"}, {"x": 3, "y": "c"}]


def test_union_errors(engine):
    a = pd.DataFrame({"x": [1], "y": [2]})
    b = pd.DataFrame({"x": [1]})
    with pytest.raises(TransformError, match=r"needs the 2 columns of the current frame, but 'b' has 1"):
        run(make_ctx(engine, a, {"b": b}), "union", tables=["b"], by_name=False)
    with pytest.raises(TransformError, match=r"names table 'bb'.*did you mean 'b'"):
        run(make_ctx(engine, a, {"b": b}), "union", tables=["bb"])


# --- aggregate -----------------------------------------------------------------------------

@pytest.fixture
def sales():
    return pd.DataFrame({
        "region": ["N", "N", "S", "S", "S", None],
        "amount": [10, 5, 7, 3, None, 1],
        "customer": ["a", "b", "a", "a", "c", "d"],
        "at": [dt.datetime(2024, 1, d) for d in (1, 2, 3, 1, 2, 4)],
    }).astype({"amount": "Int64"})


def test_aggregate_structured_and_sql_forms(engine, sales):
    out = run(make_ctx(engine, sales), "aggregate", group_by=["region"], aggregations={
        "total": {"fn": "sum", "column": "amount"},
        "avg": {"fn": "mean", "column": "amount"},
        "rows": {"fn": "count"},
        "amounts": {"fn": "count", "column": "amount"},   # NULLs are not counted
        "customers": {"fn": "count_distinct", "column": "customer"},
        "lo": {"fn": "min", "column": "amount"},
        "hi": {"fn": "max", "column": "amount"},
        "first_customer": {"fn": "first", "column": "customer", "order_by": "at"},
        "last_customer": {"fn": "last", "column": "customer", "order_by": "at"},
        "doubled": "SUM(amount) * 2",
    })
    assert list(out.columns)[:3] == ["region", "total", "avg"]
    assert {c.name: c.type for c in engine.schema(out)}["total"] == "int64"  # integer sums stay integers
    assert rows(engine, out) == [  # sorted by the group columns, NULL group last
        {"region": "N", "total": 15, "avg": 7.5, "rows": 2, "amounts": 2, "customers": 2, "lo": 5, "hi": 10,
         "first_customer": "a", "last_customer": "b", "doubled": 30},
        {"region": "S", "total": 10, "avg": 5.0, "rows": 3, "amounts": 2, "customers": 2, "lo": 3, "hi": 7,
         "first_customer": "a", "last_customer": "a", "doubled": 20},
        {"region": None, "total": 1, "avg": 1.0, "rows": 1, "amounts": 1, "customers": 1, "lo": 1, "hi": 1,
         "first_customer": "d", "last_customer": "d", "doubled": 2},
    ]


def test_aggregate_without_group_by_is_one_row(engine, sales):
    out = run(make_ctx(engine, sales), "aggregate", aggregations={"n": {"fn": "count"}, "s": "SUM(amount)"})
    assert rows(engine, out) == [{"n": 6, "s": 26}]


def test_aggregate_param_errors(engine, sales):
    model = get_transformer("aggregate")
    with pytest.raises(ValidationError, match=r"aggregation 'sum' needs 'column'"):
        model.validate_params({"aggregations": {"t": {"fn": "sum"}}})
    with pytest.raises(ValidationError, match=r"Input should be 'sum', 'avg'"):
        model.validate_params({"aggregations": {"t": {"fn": "median", "column": "amount"}}})
    with pytest.raises(ValidationError, match=r"did you mean 'column'"):
        model.validate_params({"aggregations": {"t": {"fn": "sum", "colum": "amount"}}})
    with pytest.raises(ValidationError, match=r"'order_by' only applies to first and last"):
        model.validate_params({"aggregations": {"t": {"fn": "sum", "column": "a", "order_by": "b"}}})
    with pytest.raises(TransformError, match=r"'regon' \(did you mean 'region'\?\) in params.group_by"):
        run(make_ctx(engine, sales), "aggregate", group_by=["regon"], aggregations={"n": {"fn": "count"}})
    with pytest.raises(TransformError, match=r"'amont' \(did you mean 'amount'\?\) in params.aggregations.t.column"):
        run(make_ctx(engine, sales), "aggregate", aggregations={"t": {"fn": "sum", "column": "amont"}})
    with pytest.raises(TransformError, match=r"output column\(s\) region"):
        run(make_ctx(engine, sales), "aggregate", group_by=["region"], aggregations={"region": "COUNT(*)"})


# --- fill_nulls ----------------------------------------------------------------------------

def test_fill_nulls_literals_keep_column_types(engine):
    df = pd.DataFrame({"name": ["a", None, "c"], "score": [1.5, None, float("nan")], "n": [1, None, 3],
                       "ok": [True, None, False], "day": [dt.date(2024, 1, 1), None, dt.date(2024, 1, 3)],
                       "other": [None, "x", None]}).astype({"n": "Int64", "ok": "boolean"})
    out = run(make_ctx(engine, df), "fill_nulls", values={
        "name": "it's \\ N/A", "score": 0, "n": -1, "ok": False, "day": dt.date(2000, 1, 1)})
    assert list(out.columns) == ["name", "score", "n", "ok", "day", "other"]
    types = {c.name: c.type for c in engine.schema(out)}
    assert (types["score"], types["n"], types["ok"]) == ("float64", "int64", "bool")
    got = rows(engine, out)
    assert [r["name"] for r in got] == ["a", "it's \\ N/A", "c"]
    assert [r["score"] for r in got] == [1.5, 0.0, 0.0]  # NaN in a pandas float column counts as NULL
    assert [r["n"] for r in got] == [1, -1, 3]
    assert [r["ok"] for r in got] == [True, False, False]
    assert [r["other"] for r in got] == [None, "x", None]  # not named: unchanged
    assert got[1]["day"] in (dt.date(2000, 1, 1), dt.datetime(2000, 1, 1))


def test_fill_nulls_errors(engine):
    df = pd.DataFrame({"n": [1, None]}).astype({"n": "Int64"})
    with pytest.raises(TransformError, match=r"fill_nulls: column 'm' in params.values not found"):
        run(make_ctx(engine, df), "fill_nulls", values={"m": 0})
    with pytest.raises(SqlError, match="Conversion Error"):  # text into a number column
        run(make_ctx(engine, df), "fill_nulls", values={"n": "none"})
    with pytest.raises(ValidationError, match=r"unknown key 'value' \(did you mean 'values'\?\)"):
        get_transformer("fill_nulls").validate_params({"value": {"n": 0}})
