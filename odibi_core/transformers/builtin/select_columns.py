"""``select_columns``: keep only the named columns, in the order given."""

from __future__ import annotations

from pydantic import Field

from odibi_core.config.models.base import StrictModel
from odibi_core.transformers.builtin._common import TransformError, resolve_columns, select_list
from odibi_core.transformers.context import TransformContext
from odibi_core.transformers.registry import transform


class SelectColumnsParams(StrictModel):
    columns: list[str] = Field(min_length=1, description="columns to keep, in the output order")


@transform(name="select_columns", params=SelectColumnsParams, builtin=True)
def select_columns(ctx: TransformContext, params: SelectColumnsParams):
    """Keep only ``columns``, in that order. An unknown name is an error, not a silent skip.

    ```yaml
    transformer: select_columns
    params:
      columns: [order_id, customer_id, amount]
    ```
    """
    actual = resolve_columns(ctx, params.columns, transformer="select_columns", param="columns")
    twice = sorted({c for c in actual if actual.count(c) > 1})
    if twice:
        raise TransformError(f"select_columns: params.columns names {', '.join(twice)} more than once; "
                             f"list each column once.")
    return ctx.sql(f"SELECT {select_list(ctx, actual)} FROM df")
