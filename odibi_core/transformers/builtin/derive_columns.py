"""``derive_columns``: add or replace columns computed from SQL expressions."""

from __future__ import annotations

import re

from pydantic import Field

from odibi_core.config.models.base import StrictModel
from odibi_core.transformers.builtin._common import TransformError
from odibi_core.transformers.context import TransformContext
from odibi_core.transformers.registry import transform


class DeriveColumnsParams(StrictModel):
    columns: dict[str, str] = Field(min_length=1, description="new or existing column name -> SQL expression. "
                                                               "An expression may use columns derived above it.")


def _mentions(expr: str, name: str) -> bool:
    return re.search(r"(?<![A-Za-z0-9_])" + re.escape(name) + r"(?![A-Za-z0-9_])", expr, re.IGNORECASE) is not None


@transform(name="derive_columns", params=DeriveColumnsParams, builtin=True)
def derive_columns(ctx: TransformContext, params: DeriveColumnsParams):
    """Add columns (at the end) or replace existing ones (in place, keeping the column order).

    Expressions are SQL passed through as written. They are evaluated in order, so a later
    expression may use a column derived by an earlier one: such expressions go into an outer
    SELECT, which both DuckDB and Spark flatten, so the nesting costs nothing.

    ```yaml
    transformer: derive_columns
    params:
      columns:
        total: "price * quantity"
        total_with_tax: "total * 1.2"
        status: "UPPER(status)"          # replaces status, same position
    ```
    """
    for name, expr in params.columns.items():
        if not name.strip() or not expr.strip():
            raise TransformError(f"derive_columns: params.columns has an empty name or expression ('{name}': "
                                 f"'{expr}'); give each new column a name and a SQL expression.")
    levels: list[dict[str, str]] = [{}]
    for name, expr in params.columns.items():
        if any(_mentions(expr, earlier) for earlier in levels[-1]) or name in levels[-1]:
            levels.append({})
        levels[-1][name] = expr
    query, columns = "df", ctx.columns()
    for level in levels:
        lower = {c.lower(): c for c in columns}
        replaced = {lower[n.lower()]: e for n, e in level.items() if n.lower() in lower}
        items = [f"{replaced[c]} AS {ctx.q(c)}" if c in replaced else ctx.q(c) for c in columns]
        added = [n for n in level if n.lower() not in lower]
        items += [f"{level[n]} AS {ctx.q(n)}" for n in added]
        columns = columns + added
        source = query if query == "df" else f"({query}) AS {ctx.q('_odibi_derive')}"
        query = f"SELECT {', '.join(items)} FROM {source}"
    return ctx.sql(query)
