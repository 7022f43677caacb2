"""The built-in transformers on the pandas engine (DuckDB SQL), with hand-written expected rows."""

from __future__ import annotations

import datetime as dt
import random

import pandas as pd
import pytest
from pydantic import ValidationError

from odibi_core.engines.pandas_engine import SqlError
from odibi_core.transformers.builtin._common import TransformError
from odibi_core.transformers.registry import TRANSFORMERS, get_transformer, load_builtins
from tests.transformers.support import make_ctx, rows, run, sorted_rows

BUILTINS = ["filter_rows", "derive_columns", "cast_columns", "select_columns", "drop_columns", "rename_columns",
            "deduplicate", "join", "union", "aggregate", "fill_nulls"]


@pytest.fixture
def orders():
    return pd.DataFrame({
        "order_id": [1, 2, 3, 4],
        "customer_id": [10, 20, 10, None],
        "amount": [100.0, None, 50.5, 20.0],
        "status": ["paid", "open", None, "paid"],
    })


# --- registry ------------------------------------------------------------------------------

def test_every_builtin_is_registered_with_documented_params():
    load_builtins()
    for name in BUILTINS:
        spec = TRANSFORMERS[name]
        assert spec.builtin and spec.wants_context and not spec.kwargs_style
        assert "```yaml" in spec.description and f"transformer: {name}" in spec.description
        for field_name, field in spec.params_model.model_fields.items():
            assert field.description, f"{name}.{field_name} has no description"


def test_unknown_param_is_refused_with_did_you_mean():
    with pytest.raises(ValidationError, match=r"unknown key 'conditon' \(did you mean 'condition'\?\)"):
        get_transformer("filter_rows").validate_params({"conditon": "a > 1"})
    with pytest.raises(ValidationError, match=r"did you mean 'keys'"):
        get_transformer("deduplicate").validate_params({"key": ["id"]})


def test_missing_required_param_is_refused():
    with pytest.raises(ValidationError, match=r"condition\s+Field required"):
        get_transformer("filter_rows").validate_params({})
    with pytest.raises(ValidationError, match=r"right\s+Field required"):
        get_transformer("join").validate_params({"on": ["id"]})


def test_wrong_param_type_is_refused():
    with pytest.raises(ValidationError, match=r"condition\s+Input should be a valid string"):
        get_transformer("filter_rows").validate_params({"condition": 5})
    with pytest.raises(ValidationError, match=r"columns\s+Input should be a valid list"):
        get_transformer("select_columns").validate_params({"columns": "order_id"})
    with pytest.raises(ValidationError, match=r"how\s+Input should be 'inner', 'left'"):
        get_transformer("join").validate_params({"right": "c", "on": ["id"], "how": "outer"})


# --- filter_rows ---------------------------------------------------------------------------

def test_filter_rows_keeps_rows_where_condition_is_true_and_drops_null(engine, orders):
    out = run(make_ctx(engine, orders), "filter_rows", condition="amount > 30")
    # order 2 has amount NULL: the condition is NULL, so the row goes (SQL WHERE)
    assert [r["order_id"] for r in rows(engine, out)] == [1, 3]


def test_filter_rows_passes_sql_through(engine, orders):
    out = run(make_ctx(engine, orders), "filter_rows", condition="status = 'paid' OR status IS NULL")
    assert [r["order_id"] for r in rows(engine, out)] == [1, 3, 4]


# --- derive_columns ------------------------------------------------------------------------

def test_derive_columns_adds_replaces_in_place_and_chains(engine, orders):
    out = run(make_ctx(engine, orders), "derive_columns", columns={
        "amount": "COALESCE(amount, 0)",
        "doubled": "amount * 2",          # sees the replaced amount (evaluated in order)
        "status": "UPPER(status)",
    })
    assert list(out.columns) == ["order_id", "customer_id", "amount", "status", "doubled"]
    assert rows(engine, out) == [
        {"order_id": 1, "customer_id": 10.0, "amount": 100.0, "status": "PAID", "doubled": 200.0},
        {"order_id": 2, "customer_id": 20.0, "amount": 0.0, "status": "OPEN", "doubled": 0.0},
        {"order_id": 3, "customer_id": 10.0, "amount": 50.5, "status": None, "doubled": 101.0},
        {"order_id": 4, "customer_id": None, "amount": 20.0, "status": "PAID", "doubled": 40.0},
    ]


def test_derive_columns_independent_expressions_use_one_select(engine, orders):
    ctx = make_ctx(engine, orders)
    run(ctx, "derive_columns", columns={"a": "order_id + 1", "b": "order_id * 10"})
    assert ctx.sql_log[-1].count("SELECT") == 1


def test_derive_columns_needs_columns(engine):
    with pytest.raises(ValidationError, match="columns"):
        get_transformer("derive_columns").validate_params({"columns": {}})


# --- cast_columns --------------------------------------------------------------------------

def test_cast_columns_friendly_types(engine):
    df = pd.DataFrame({"id": ["1", "2"], "big": [1, 2], "price": ["1.25", "2.50"], "flag": ["true", "false"],
                       "day": ["2024-01-31", "2024-02-01"], "at": ["2024-01-31 10:00:00", "2024-02-01 00:30:00"],
                       "n": [1, 2], "keep": ["x", "y"]})
    out = run(make_ctx(engine, df), "cast_columns", columns={
        "id": "int", "big": "bigint", "price": "decimal(10,2)", "flag": "boolean", "day": "date",
        "at": "timestamp", "n": "string"})
    assert list(out.columns) == ["id", "big", "price", "flag", "day", "at", "n", "keep"]
    types = {c.name: c.type for c in engine.schema(out)}
    assert types["id"] == "int32" and types["big"] == "int64" and types["flag"] == "bool"
    assert types["n"] == "string" and types["at"] == "timestamp" and types["keep"] == "string"
    got = rows(engine, out)
    assert got[0]["id"] == 1 and got[0]["n"] == "1" and got[1]["flag"] is False
    assert got[1]["at"] == dt.datetime(2024, 2, 1, 0, 30)
    assert got[0]["day"] in (dt.date(2024, 1, 31), dt.datetime(2024, 1, 31))
    assert float(got[1]["price"]) == 2.5


def test_cast_columns_sql_types(engine):
    df = pd.DataFrame({"a": [1], "b": [1], "c": [1], "d": [1]})
    ctx = make_ctx(engine, df)
    run(ctx, "cast_columns", columns={"a": "double", "b": "float", "c": "Decimal(18, 2)", "d": "long"})
    assert ctx.sql_log[-1] == ('SELECT CAST("a" AS DOUBLE) AS "a", CAST("b" AS FLOAT) AS "b", '
                               'CAST("c" AS DECIMAL(18,2)) AS "c", CAST("d" AS BIGINT) AS "d" FROM df')


def test_cast_columns_unknown_type_is_a_param_error():
    model = get_transformer("cast_columns")
    with pytest.raises(ValidationError, match=r"column 'id': unknown type 'integr' \(did you mean 'integer'\?\)"):
        model.validate_params({"columns": {"id": "integr"}})
    with pytest.raises(ValidationError, match=r"'decimal' needs a precision and scale"):
        model.validate_params({"columns": {"id": "decimal"}})


def test_cast_columns_unknown_column_names_it(engine, orders):
    with pytest.raises(TransformError, match=r"cast_columns: column 'amout' \(did you mean 'amount'\?\) in "
                                             r"params.columns not found"):
        run(make_ctx(engine, orders), "cast_columns", columns={"amout": "int"})


def test_cast_columns_bad_value_fails_unless_try_cast(engine):
    df = pd.DataFrame({"v": ["1", "x", None]})
    with pytest.raises(SqlError, match="Conversion Error"):
        run(make_ctx(engine, df), "cast_columns", columns={"v": "int"})
    out = run(make_ctx(engine, df), "cast_columns", columns={"v": "int"}, try_cast=True)
    assert [r["v"] for r in rows(engine, out)] == [1, None, None]


# --- select / drop / rename ----------------------------------------------------------------

def test_select_columns_in_given_order(engine, orders):
    out = run(make_ctx(engine, orders), "select_columns", columns=["status", "order_id"])
    assert rows(engine, out) == [{"status": "paid", "order_id": 1}, {"status": "open", "order_id": 2},
                                 {"status": None, "order_id": 3}, {"status": "paid", "order_id": 4}]


def test_select_columns_resolves_case_and_refuses_unknown(engine, orders):
    out = run(make_ctx(engine, orders), "select_columns", columns=["ORDER_ID"])
    assert list(out.columns) == ["order_id"]
    with pytest.raises(TransformError, match=r"column 'custmer_id' \(did you mean 'customer_id'\?\)") as err:
        run(make_ctx(engine, orders), "select_columns", columns=["order_id", "custmer_id"])
    assert "order_id, customer_id, amount, status" in str(err.value)


def test_drop_columns(engine, orders):
    out = run(make_ctx(engine, orders), "drop_columns", columns=["amount", "customer_id"])
    assert list(out.columns) == ["order_id", "status"]
    with pytest.raises(TransformError, match=r"did you mean 'status'"):
        run(make_ctx(engine, orders), "drop_columns", columns=["statuss"])
    with pytest.raises(TransformError, match="every column"):
        run(make_ctx(engine, orders), "drop_columns", columns=["order_id", "customer_id", "amount", "status"])


def test_rename_columns(engine, orders):
    out = run(make_ctx(engine, orders), "rename_columns", mapping={"amount": "total", "order_id": "id"})
    assert list(out.columns) == ["id", "customer_id", "total", "status"]
    assert rows(engine, out)[0] == {"id": 1, "customer_id": 10.0, "total": 100.0, "status": "paid"}
    with pytest.raises(TransformError, match=r"column 'ammount' \(did you mean 'amount'\?\) in params.mapping"):
        run(make_ctx(engine, orders), "rename_columns", mapping={"ammount": "total"})
    with pytest.raises(TransformError, match=r"more than one column named 'status'"):
        run(make_ctx(engine, orders), "rename_columns", mapping={"amount": "status"})


# --- deduplicate ---------------------------------------------------------------------------

@pytest.fixture
def versions():
    return pd.DataFrame({
        "id": [1, 1, 1, 2, 2, 3],
        "updated_at": [dt.datetime(2024, 1, d) for d in (1, 3, 2, 5, 4, 9)],
        "value": ["a1", "a3", "a2", "b5", "b4", "c9"],
    })


def test_deduplicate_keeps_latest_with_desc(engine, versions):
    out = run(make_ctx(engine, versions), "deduplicate", keys=["id"], order_by="updated_at DESC")
    assert [(r["id"], r["value"]) for r in sorted_rows(engine, out, "id")] == [(1, "a3"), (2, "b5"), (3, "c9")]
    assert list(out.columns) == ["id", "updated_at", "value"]


def test_deduplicate_keeps_first_with_asc_list(engine, versions):
    out = run(make_ctx(engine, versions), "deduplicate", keys=["id"], order_by=["updated_at", "value DESC"])
    assert [(r["id"], r["value"]) for r in sorted_rows(engine, out, "id")] == [(1, "a1"), (2, "b4"), (3, "c9")]


def test_deduplicate_nulls_sort_last(engine):
    df = pd.DataFrame({"id": [1, 1, 1], "v": [None, 2.0, 1.0], "tag": ["null", "two", "one"]})
    asc = run(make_ctx(engine, df), "deduplicate", keys=["id"], order_by="v")
    desc = run(make_ctx(engine, df), "deduplicate", keys=["id"], order_by="v DESC")
    first = run(make_ctx(engine, df), "deduplicate", keys=["id"], order_by="v NULLS FIRST")
    assert [r["tag"] for r in rows(engine, asc)] == ["one"]
    assert [r["tag"] for r in rows(engine, desc)] == ["two"]
    assert [r["tag"] for r in rows(engine, first)] == ["null"]


def test_deduplicate_order_by_expression_passes_through(engine, versions):
    out = run(make_ctx(engine, versions), "deduplicate", keys=["id"], order_by="COALESCE(value, '') DESC, id")
    assert [(r["id"], r["value"]) for r in sorted_rows(engine, out, "id")] == [(1, "a3"), (2, "b5"), (3, "c9")]


def test_deduplicate_without_order_is_independent_of_input_order(engine, versions):
    expected = [(1, "a1"), (2, "b4"), (3, "c9")]  # smallest updated_at, then value, per id
    shuffled = versions.sample(frac=1, random_state=random.Random(7).randint(0, 1000)).reset_index(drop=True)
    backwards = versions.sort_values("value", ascending=False, ignore_index=True)
    for frame in (versions, shuffled, backwards):
        out = run(make_ctx(engine, frame), "deduplicate", keys=["id"])
        assert [(r["id"], r["value"]) for r in sorted_rows(engine, out, "id")] == expected


def test_deduplicate_null_keys_are_one_key(engine):
    df = pd.DataFrame({"k": [None, None, 1.0], "v": [2, 1, 3]})
    out = run(make_ctx(engine, df), "deduplicate", keys=["k"], order_by="v")
    assert sorted_rows(engine, out, "k") == [{"k": 1.0, "v": 3}, {"k": None, "v": 1}]


def test_deduplicate_unknown_columns(engine, versions):
    with pytest.raises(TransformError, match=r"deduplicate: column 'idd' \(did you mean 'id'\?\) in params.keys"):
        run(make_ctx(engine, versions), "deduplicate", keys=["idd"])
    with pytest.raises(TransformError, match=r"'updated' \(did you mean 'updated_at'\?\) in params.order_by"):
        run(make_ctx(engine, versions), "deduplicate", keys=["id"], order_by="updated DESC")
