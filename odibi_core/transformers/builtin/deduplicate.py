"""``deduplicate``: keep one row per key, the first by a given order."""

from __future__ import annotations

from pydantic import Field

from odibi_core.config.models.base import StrictModel
from odibi_core.engines.base import Engine
from odibi_core.transformers.builtin._common import order_by_sql, resolve_columns, select_list
from odibi_core.transformers.context import TransformContext
from odibi_core.transformers.registry import transform

_RN = "_odibi_row_number"


class DeduplicateParams(StrictModel):
    keys: list[str] = Field(min_length=1, description="columns that identify a row; one row is kept per key")
    order_by: str | list[str] | None = Field(
        default=None, description="which row to keep: the first by this order, e.g. 'updated_at DESC, id' keeps "
                                  "the latest. NULLs sort last unless written otherwise.")


def _orderable(logical: str) -> bool:
    return not (logical.startswith(("list<", "map", "struct")) or logical in ("binary", "null"))


@transform(name="deduplicate", params=DeduplicateParams, builtin=True)
def deduplicate(ctx: TransformContext, params: DeduplicateParams):
    """Keep one row per ``keys`` value (NULL keys count as one value), chosen by ``order_by``.

    With ``order_by`` the first row in that order is kept (``updated_at DESC``: the latest).
    Without it, the kept row is the one that sorts first on the other columns, so the result
    depends neither on the input order nor on the engine. Uses ROW_NUMBER(), which every SQL
    engine has. The output row order is not specified.

    ```yaml
    transformer: deduplicate
    params:
      keys: [order_id]
      order_by: updated_at DESC
    ```
    """
    engine: Engine = ctx.engine
    schema = engine.schema(ctx.df)
    columns = [c.name for c in schema]
    keys = resolve_columns(ctx, params.keys, transformer="deduplicate", param="keys", available=columns)
    if params.order_by:
        order = order_by_sql(ctx, params.order_by, transformer="deduplicate")
    else:
        rest = [c.name for c in schema if c.name not in keys and _orderable(c.type)]
        order = ", ".join(f"{ctx.q(c)} ASC NULLS LAST" for c in (rest or keys))
    partition = ", ".join(ctx.q(k) for k in keys)
    return ctx.sql(
        f"SELECT {select_list(ctx, columns)} FROM ("
        f"SELECT *, ROW_NUMBER() OVER (PARTITION BY {partition} ORDER BY {order}) AS {ctx.q(_RN)} FROM df"
        f") AS {ctx.q('_odibi_dedup')} WHERE {ctx.q(_RN)} = 1")
