"""``union``: append the rows of dependency tables to the current frame."""

from __future__ import annotations

from pydantic import Field

from odibi_core.config.models.base import StrictModel
from odibi_core.transformers.builtin._common import TransformError, require_table
from odibi_core.transformers.context import TransformContext
from odibi_core.transformers.registry import transform


class UnionParams(StrictModel):
    tables: list[str] = Field(min_length=1, description="dependency tables (depends_on nodes or inputs aliases) "
                                                        "whose rows are added to the current frame")
    by_name: bool = Field(default=True, description="match columns by name (a column missing from a table is "
                                                    "NULL there); false: by position, all tables need the same "
                                                    "number of columns")
    distinct: bool = Field(default=False, description="remove duplicate rows from the result (SQL UNION instead "
                                                      "of UNION ALL)")


@transform(name="union", params=UnionParams, builtin=True)
def union(ctx: TransformContext, params: UnionParams):
    """Stack ``df`` and ``tables``. By name, the result has every column seen, in first-seen order.

    Column names match case-insensitively, as in DuckDB and Spark SQL. By position, the result
    takes the names of ``df``.

    ```yaml
    transformer: union
    depends_on: [orders_eu, orders_us]     # df is orders_eu
    params:
      tables: [orders_us]
      by_name: true
    ```
    """
    frames = {name: require_table(ctx, name, transformer="union", param="tables") for name in params.tables}
    sources = [("df", ctx.columns())] + [(ctx.q(n), ctx.columns(f)) for n, f in frames.items()]
    op = " UNION " if params.distinct else " UNION ALL "
    if params.by_name:
        all_cols: list[str] = []
        for _, cols in sources:
            all_cols += [c for c in cols if c.lower() not in {a.lower() for a in all_cols}]
        selects = []
        for source, cols in sources:
            have = {c.lower(): c for c in cols}
            items = [(ctx.q(have[c.lower()]) if c.lower() in have else "NULL") + f" AS {ctx.q(c)}" for c in all_cols]
            selects.append(f"SELECT {', '.join(items)} FROM {source}")
        return ctx.sql(op.join(selects))
    width = len(sources[0][1])
    wrong = [f"'{name}' has {len(cols)}" for name, (_, cols) in zip(params.tables, sources[1:]) if len(cols) != width]
    if wrong:
        raise TransformError(f"union: with by_name: false every table needs the {width} columns of the current "
                             f"frame, but {', '.join(wrong)}. Use by_name: true to match columns by name.")
    return ctx.sql(op.join(f"SELECT * FROM {source}" for source, _ in sources))
