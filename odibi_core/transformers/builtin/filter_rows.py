"""``filter_rows``: keep the rows for which a SQL condition is true."""

from __future__ import annotations

from pydantic import Field

from odibi_core.config.models.base import StrictModel
from odibi_core.transformers.context import TransformContext
from odibi_core.transformers.registry import transform


class FilterRowsParams(StrictModel):
    condition: str = Field(min_length=1, description="SQL boolean expression; rows where it is true are kept "
                                                     "(false or NULL drops the row). Example: amount > 0 AND "
                                                     "status <> 'cancelled'")


@transform(name="filter_rows", params=FilterRowsParams, builtin=True)
def filter_rows(ctx: TransformContext, params: FilterRowsParams):
    """Keep the rows where ``condition`` is true; a NULL result drops the row, as in SQL WHERE.

    The condition is passed to the engine as written, so it may use any SQL the engine knows.

    ```yaml
    transformer: filter_rows
    params:
      condition: "amount > 0 AND status <> 'cancelled'"
    ```
    """
    return ctx.sql(f"SELECT * FROM df WHERE ({params.condition})")
