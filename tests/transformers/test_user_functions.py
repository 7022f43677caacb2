"""User functions registered with ``@transform`` run beside the built-ins, with checked params.

This module uses ``from __future__ import annotations`` on purpose: the annotations of a
kwargs-style function are then strings, which the registry must resolve.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

import pandas as pd
import pytest
from pydantic import Field, ValidationError

from odibi_core.config.models.base import StrictModel
from odibi_core.transformers import transform
from odibi_core.transformers.registry import TRANSFORMERS, get_transformer
from tests.transformers.support import make_ctx, rows, run

NAMES = ["t_add_tax", "t_tag_rows", "t_enrich", "t_drop_small"]


class MinParams(StrictModel):
    """Declared only by annotating ``params`` (module level, so the string annotation resolves)."""

    min_amount: float


@pytest.fixture(autouse=True)
def _registered():
    """Register the test functions for one test, then forget them (the registry is global)."""

    @transform(name="t_add_tax")
    def add_tax(df, rate: float = 0.2):
        return df.assign(total=df["amount"] * (1 + rate))

    @transform(name="t_tag_rows")
    def tag_rows(df, mode: Literal["upper", "lower"] = "upper", since: dt.date | None = None):
        label = "SINCE" if mode == "upper" else "since"
        return df.assign(tag=f"{label} {since.isoformat()}" if since else label)

    class EnrichParams(StrictModel):
        lookup: str = Field(description="dependency table with id and label")
        label_column: str = "label"

    @transform(name="t_enrich", params=EnrichParams)
    def enrich(ctx, params):
        ctx.metrics["lookup_rows"] = ctx.engine.count(ctx.tables[params.lookup])
        return ctx.sql(f"SELECT df.*, l.{ctx.q(params.label_column)} AS label FROM df "
                       f"LEFT JOIN {ctx.q(params.lookup)} AS l ON df.id = l.id")

    @transform(name="t_drop_small")
    def drop_small(df, params: MinParams):
        return df[df["amount"] >= params.min_amount]

    yield
    for name in NAMES:
        TRANSFORMERS.pop(name, None)


@pytest.fixture
def frame():
    return pd.DataFrame({"id": [1, 2], "amount": [100.0, 10.0]})


def test_kwargs_style_function_gets_the_frame_and_typed_params(engine, frame):
    spec = get_transformer("t_add_tax")
    assert spec.kwargs_style and not spec.wants_context and not spec.builtin
    out = run(make_ctx(engine, frame), "t_add_tax", rate=0.5)
    assert rows(engine, out) == [{"id": 1, "amount": 100.0, "total": 150.0}, {"id": 2, "amount": 10.0, "total": 15.0}]
    default = run(make_ctx(engine, frame), "t_add_tax")
    assert [r["total"] for r in rows(engine, default)] == [120.0, 12.0]


def test_kwargs_style_params_are_checked(engine, frame):
    spec = get_transformer("t_add_tax")
    with pytest.raises(ValidationError, match=r"unknown key 'rat' \(did you mean 'rate'\?\)"):
        spec.validate_params({"rat": 0.1})
    with pytest.raises(ValidationError, match=r"rate\s+Input should be a valid number"):
        spec.validate_params({"rate": "high"})


def test_string_annotations_from_future_import_are_resolved(engine, frame):
    out = run(make_ctx(engine, frame), "t_tag_rows", mode="lower", since="2024-03-01")
    assert [r["tag"] for r in rows(engine, out)] == ["since 2024-03-01", "since 2024-03-01"]
    with pytest.raises(ValidationError, match=r"mode\s+Input should be 'upper' or 'lower'"):
        get_transformer("t_tag_rows").validate_params({"mode": "title"})


def test_context_style_function_gets_ctx_and_its_params_model(engine, frame):
    lookup = pd.DataFrame({"id": [1], "name": ["one"]})
    ctx = make_ctx(engine, frame, {"names": lookup})
    spec = get_transformer("t_enrich")
    assert spec.wants_context and not spec.kwargs_style
    out = run(ctx, "t_enrich", lookup="names", label_column="name")
    assert rows(engine, out) == [{"id": 1, "amount": 100.0, "label": "one"}, {"id": 2, "amount": 10.0, "label": None}]
    assert ctx.metrics == {"lookup_rows": 1}
    assert "LEFT JOIN" in ctx.sql_log[-1]
    with pytest.raises(ValidationError, match=r"did you mean 'lookup'"):
        spec.validate_params({"lookups": "names"})
    with pytest.raises(ValidationError, match=r"lookup\s+Field required"):
        spec.validate_params({})


def test_frame_and_params_model_style(engine, frame):
    spec = get_transformer("t_drop_small")
    assert not spec.wants_context and not spec.kwargs_style
    out = run(make_ctx(engine, frame), "t_drop_small", min_amount=50)
    assert rows(engine, out) == [{"id": 1, "amount": 100.0}]


def test_unknown_transformer_suggests_the_closest(engine):
    with pytest.raises(KeyError, match=r"unknown transformer 'dedupe' \(did you mean 'deduplicate'\?\)"):
        get_transformer("dedupe")
