"""``aggregate``: group rows and compute aggregates."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from odibi_core.config.models.base import StrictModel
from odibi_core.engines.base import Engine
from odibi_core.transformers.builtin._common import TransformError, resolve_column, resolve_columns
from odibi_core.transformers.context import TransformContext
from odibi_core.transformers.registry import transform

AggFn = Literal["sum", "avg", "mean", "min", "max", "count", "count_distinct", "first", "last"]


class Aggregation(StrictModel):
    fn: AggFn = Field(description="sum, avg (or mean), min, max, count, count_distinct, first or last")
    column: str | None = Field(default=None, description="input column (count without a column counts rows)")
    order_by: str | None = Field(default=None, description="first/last only: the column that decides which row "
                                                           "is first (smallest) or last (largest)")

    @model_validator(mode="after")
    def _shape(self):
        if self.column is None and self.fn != "count":
            raise ValueError(f"aggregation '{self.fn}' needs 'column'")
        if self.order_by is not None and self.fn not in ("first", "last"):
            raise ValueError("'order_by' only applies to first and last")
        return self


class AggregateParams(StrictModel):
    group_by: list[str] = Field(default_factory=list, description="columns to group by (empty: one row for the "
                                                                  "whole frame)")
    aggregations: dict[str, str | Aggregation] = Field(
        min_length=1, description="output column -> SQL aggregate expression ('SUM(amount)') or "
                                  "{fn: sum, column: amount}")


def _expr(ctx: TransformContext, out: str, spec: Aggregation, types: dict[str, str]) -> str:
    if spec.column is None:
        return "COUNT(*)"
    col = resolve_column(ctx, spec.column, transformer="aggregate", param=f"aggregations.{out}.column",
                         available=list(types))
    c = ctx.q(col)
    if spec.fn == "sum":
        # DuckDB widens integer sums to HUGEINT (a float in pandas); Spark keeps BIGINT. Say BIGINT.
        return f"CAST(SUM({c}) AS BIGINT)" if types[col].startswith(("int", "uint")) else f"SUM({c})"
    if spec.fn in ("avg", "mean"):
        return f"AVG({c})"
    if spec.fn == "count_distinct":
        return f"COUNT(DISTINCT {c})"
    if spec.fn in ("first", "last") and spec.order_by:
        by = ctx.q(resolve_column(ctx, spec.order_by, transformer="aggregate",
                                  param=f"aggregations.{out}.order_by", available=list(types)))
        # NULL values are skipped (as by every aggregate): DuckDB's MIN_BY skips them, Spark's would
        # return the NULL, so give NULL values a NULL ordering key, which both engines ignore.
        return f"{'MIN_BY' if spec.fn == 'first' else 'MAX_BY'}({c}, CASE WHEN {c} IS NOT NULL THEN {by} END)"
    return f"{spec.fn.upper()}({c})"


@transform(name="aggregate", params=AggregateParams, builtin=True)
def aggregate(ctx: TransformContext, params: AggregateParams):
    """One row per ``group_by`` value with the ``aggregations``; output sorted by the group columns.

    A string aggregation is SQL passed through as written. In the structured form, ``first``
    and ``last`` without ``order_by`` take whichever row the engine reads first or last, which
    is not guaranteed; give ``order_by`` (written as MIN_BY / MAX_BY) for a stable answer.
    Aggregates skip NULLs, as in SQL; ``count`` without a column counts rows.

    ```yaml
    transformer: aggregate
    params:
      group_by: [customer_id]
      aggregations:
        revenue: "SUM(amount)"
        orders: {fn: count}
        last_status: {fn: last, column: status, order_by: updated_at}
    ```
    """
    engine: Engine = ctx.engine
    types = {c.name: c.type for c in engine.schema(ctx.df)}
    groups = resolve_columns(ctx, params.group_by, transformer="aggregate", param="group_by", available=list(types))
    clash = sorted({o for o in params.aggregations if o.lower() in {g.lower() for g in groups}})
    if clash:
        raise TransformError(f"aggregate: output column(s) {', '.join(clash)} in params.aggregations also appear "
                             f"in params.group_by; give the aggregation another name.")
    items = [ctx.q(g) for g in groups]
    for out, spec in params.aggregations.items():
        expr = spec if isinstance(spec, str) else _expr(ctx, out, spec, types)
        items.append(f"{expr} AS {ctx.q(out)}")
    query = f"SELECT {', '.join(items)} FROM df"
    if groups:
        keys = ", ".join(ctx.q(g) for g in groups)
        order = ", ".join(f"{ctx.q(g)} ASC NULLS LAST" for g in groups)
        query += f" GROUP BY {keys} ORDER BY {order}"
    return ctx.sql(query)
