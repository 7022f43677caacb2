"""``window_calculation``: running totals, ranks, previous/next values, moving averages.

Written once as SQL window functions that DuckDB and Spark both run. The structured form
also pins the result types down where the engines differ: ROW_NUMBER/RANK/DENSE_RANK are INT
in Spark and BIGINT in DuckDB, an integer SUM is BIGINT in Spark and HUGEINT (a float in
pandas) in DuckDB; both come out BIGINT here. A frame is checked against a small grammar
(ROWS|RANGE BETWEEN <bound> AND <bound>) so it reads the same in both dialects.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from odibi_core.config.models.base import StrictModel
from odibi_core.transformers.builtin._common import (
    TransformError,
    lit,
    order_by_sql,
    resolve_column,
    resolve_columns,
    select_list,
)
from odibi_core.transformers.context import TransformContext
from odibi_core.transformers.registry import transform

WindowFn = Literal["lag", "lead", "row_number", "rank", "dense_rank", "sum", "avg", "min", "max", "count"]
_RANKING = ("row_number", "rank", "dense_rank")
_OFFSET = ("lag", "lead")
_BOUND = r"(UNBOUNDED\s+PRECEDING|UNBOUNDED\s+FOLLOWING|CURRENT\s+ROW|\d+\s+PRECEDING|\d+\s+FOLLOWING)"
_FRAME = re.compile(rf"^\s*(ROWS|RANGE)\s+BETWEEN\s+{_BOUND}\s+AND\s+{_BOUND}\s*$", re.IGNORECASE)


class WindowSpec(StrictModel):
    fn: WindowFn = Field(description="lag, lead, row_number, rank, dense_rank, sum, avg, min, max or count")
    column: str | None = Field(default=None, description="input column (not for the ranking functions; count "
                                                         "without a column counts rows)")
    offset: int = Field(default=1, ge=0, description="lag/lead: how many rows back or ahead")
    default: Any = Field(default=None, description="lag/lead: value when there is no such row (default NULL)")
    frame: str | None = Field(default=None, description="aggregates only: 'ROWS BETWEEN 2 PRECEDING AND CURRENT "
                                                        "ROW' and the like (default: the SQL default frame)")
    partition_by: list[str] | None = Field(default=None, description="overrides the transformer's partition_by")
    order_by: str | list[str] | None = Field(default=None, description="overrides the transformer's order_by")

    @field_validator("frame")
    @classmethod
    def _frame(cls, v: str | None) -> str | None:
        if v is not None and not _FRAME.match(v):
            raise ValueError("frame must read ROWS|RANGE BETWEEN <bound> AND <bound>, each bound one of UNBOUNDED "
                             "PRECEDING, N PRECEDING, CURRENT ROW, N FOLLOWING, UNBOUNDED FOLLOWING")
        return v

    @model_validator(mode="after")
    def _shape(self):
        if self.fn in _RANKING and self.column is not None:
            raise ValueError(f"{self.fn} takes no 'column'")
        if self.fn not in _RANKING and self.fn != "count" and self.column is None:
            raise ValueError(f"{self.fn} needs 'column'")
        if self.frame is not None and self.fn in _RANKING + _OFFSET:
            raise ValueError(f"{self.fn} takes no 'frame' (only sum, avg, min, max and count do)")
        if self.fn not in _OFFSET and ("offset" in self.model_fields_set or "default" in self.model_fields_set):
            raise ValueError("'offset' and 'default' only apply to lag and lead")
        return self


class WindowCalculationParams(StrictModel):
    partition_by: list[str] = Field(default_factory=list, description="columns that split the rows into "
                                                                      "independent windows (empty: one window)")
    order_by: str | list[str] | None = Field(default=None, description="row order inside a window, e.g. "
                                                                       "'event_time, id'; NULLs sort last")
    calculations: dict[str, str | WindowSpec] = Field(
        min_length=1, description="output column -> a window function call written as SQL ('SUM(amount)'; the "
                                  "OVER clause is added) or {fn: lag, column: amount, offset: 1}")


def _over(ctx: TransformContext, partition: list[str], order: str | list[str] | None, frame: str | None,
          where_partition: str = "", where_order: str = "") -> str:
    """The OVER clause; ``where_*`` is the params path that set it ('' or 'calculations.<out>.')."""
    parts = []
    if partition:
        cols = resolve_columns(ctx, partition, transformer="window_calculation",
                               param=f"{where_partition}partition_by")
        parts.append("PARTITION BY " + ", ".join(ctx.q(c) for c in cols))
    if order:
        parts.append("ORDER BY " + order_by_sql(ctx, order, transformer="window_calculation",
                                                param=f"{where_order}order_by"))
    if frame:
        parts.append(" ".join(frame.upper().split()))
    return f"OVER ({' '.join(parts)})"


def _call(ctx: TransformContext, out: str, spec: WindowSpec, types: dict[str, str], over: str,
          ordered: bool) -> str:
    if spec.fn in _RANKING + _OFFSET and not ordered:
        raise TransformError(f"window_calculation: calculations.{out} uses {spec.fn}, which needs an order; set "
                             f"params.order_by (or order_by on the calculation).")
    if spec.fn in _RANKING:
        return f"CAST({spec.fn.upper()}() {over} AS BIGINT)"
    if spec.column is None:
        return f"COUNT(*) {over}"
    col = resolve_column(ctx, spec.column, transformer="window_calculation", param=f"calculations.{out}.column",
                         available=list(types))
    c = ctx.q(col)
    if spec.fn in _OFFSET:
        default = f", {lit(ctx, spec.default)}" if spec.default is not None else ""
        return f"{spec.fn.upper()}({c}, {spec.offset}{default}) {over}"
    if spec.fn == "sum" and types[col].startswith(("int", "uint")):
        return f"CAST(SUM({c}) {over} AS BIGINT)"
    return f"{spec.fn.upper()}({c}) {over}"


@transform(name="window_calculation", params=WindowCalculationParams, builtin=True)
def window_calculation(ctx: TransformContext, params: WindowCalculationParams):
    """Add one column per calculation, computed over a window of rows.

    The window is ``PARTITION BY partition_by ORDER BY order_by``; a structured calculation may
    override either and add a ``frame``. Without a frame, SQL's default applies: with an order,
    an aggregate runs from the window's first row to the current row and its peers (a running
    total); without one, it covers the whole partition. A string calculation is one window
    function call as SQL (``SUM(amount)``, ``NTILE(4)``) and gets the OVER clause appended,
    unless it already has its own ``OVER (...)``. An output name that exists replaces that
    column; row order is not specified.

    ```yaml
    transformer: window_calculation
    params:
      partition_by: [customer_id]
      order_by: ordered_at
      calculations:
        running_total: "SUM(amount)"
        previous_amount: {fn: lag, column: amount, offset: 1}
        order_rank: {fn: row_number}
        avg_last_3: {fn: avg, column: amount, frame: "ROWS BETWEEN 2 PRECEDING AND CURRENT ROW"}
    ```
    """
    types = {c.name: c.type for c in ctx.engine.schema(ctx.df)}
    resolve_columns(ctx, params.partition_by, transformer="window_calculation", param="partition_by",
                    available=list(types))
    items = []
    outs = {o.lower() for o in params.calculations}
    if len(outs) != len(params.calculations):
        raise TransformError("window_calculation: two calculations have the same output name (names ignore case); "
                             "rename one.")
    for out, spec in params.calculations.items():
        if isinstance(spec, str):
            has_over = re.search(r"\bOVER\s*\(", spec, re.IGNORECASE) is not None
            expr = spec if has_over else f"{spec} {_over(ctx, params.partition_by, params.order_by, None)}"
        else:
            partition = params.partition_by if spec.partition_by is None else spec.partition_by
            order = params.order_by if spec.order_by is None else spec.order_by
            where_p = "" if spec.partition_by is None else f"calculations.{out}."
            where_o = "" if spec.order_by is None else f"calculations.{out}."
            over = _over(ctx, partition, order, spec.frame, where_p, where_o)
            expr = _call(ctx, out, spec, types, over, ordered=bool(order))
        items.append(f"{expr} AS {ctx.q(out)}")
    keep = [c for c in types if c.lower() not in outs]
    return ctx.sql(f"SELECT {select_list(ctx, keep)}, {', '.join(items)} FROM df")
