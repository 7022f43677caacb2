"""``drop_columns``: remove the named columns."""

from __future__ import annotations

from pydantic import Field

from odibi_core.config.models.base import StrictModel
from odibi_core.transformers.builtin._common import TransformError, resolve_columns, select_list
from odibi_core.transformers.context import TransformContext
from odibi_core.transformers.registry import transform


class DropColumnsParams(StrictModel):
    columns: list[str] = Field(min_length=1, description="columns to remove")


@transform(name="drop_columns", params=DropColumnsParams, builtin=True)
def drop_columns(ctx: TransformContext, params: DropColumnsParams):
    """Remove ``columns``; the others keep their order. An unknown name is an error.

    Written as an explicit list of the remaining columns, so it runs on any SQL engine.

    ```yaml
    transformer: drop_columns
    params:
      columns: [_ingest_file, _raw_payload]
    ```
    """
    columns = ctx.columns()
    dropped = set(resolve_columns(ctx, params.columns, transformer="drop_columns", param="columns",
                                  available=columns))
    kept = [c for c in columns if c not in dropped]
    if not kept:
        raise TransformError("drop_columns: params.columns names every column of the frame; a frame needs at "
                             "least one column left.")
    return ctx.sql(f"SELECT {select_list(ctx, kept)} FROM df")
