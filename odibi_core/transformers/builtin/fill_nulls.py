"""``fill_nulls``: replace NULLs with fixed values, per column."""

from __future__ import annotations

import datetime as dt
from typing import Union

from pydantic import Field

from odibi_core.config.models.base import StrictModel
from odibi_core.engines.base import Engine
from odibi_core.engines.sql_literals import sql_type_of_logical
from odibi_core.transformers.builtin._common import lit, resolve_columns
from odibi_core.transformers.context import TransformContext
from odibi_core.transformers.registry import transform

FillValue = Union[bool, int, float, str, dt.datetime, dt.date]


class FillNullsParams(StrictModel):
    values: dict[str, FillValue] = Field(min_length=1, description="column -> value put where the column is NULL "
                                                                   "(a literal, not SQL)")


@transform(name="fill_nulls", params=FillNullsParams, builtin=True)
def fill_nulls(ctx: TransformContext, params: FillNullsParams):
    """Replace NULLs (and NaN in pandas float columns) with literal values; other columns unchanged.

    Values are literals, quoted for the engine (``"N/A"`` is the text N/A, not SQL). The value
    is cast to the column's type, so the column keeps its type on every engine, and a value
    that does not fit the type (text in a number column) fails the node instead of silently
    turning the column into text.

    ```yaml
    transformer: fill_nulls
    params:
      values:
        country: "unknown"
        discount: 0
        is_member: false
    ```
    """
    engine: Engine = ctx.engine
    types = {c.name: c.type for c in engine.schema(ctx.df)}
    actual = resolve_columns(ctx, params.values, transformer="fill_nulls", param="values", available=list(types))
    fills = dict(zip(actual, params.values.values()))
    items = []
    for c in types:
        if c not in fills:
            items.append(ctx.q(c))
            continue
        value = lit(ctx, fills[c])
        sql_type = sql_type_of_logical(types[c])
        if sql_type is not None:
            value = f"CAST({value} AS {sql_type})"
        items.append(f"COALESCE({ctx.q(c)}, {value}) AS {ctx.q(c)}")
    return ctx.sql(f"SELECT {', '.join(items)} FROM df")
