"""``rename_columns``: rename columns, keeping their order."""

from __future__ import annotations

from pydantic import Field

from odibi_core.config.models.base import StrictModel
from odibi_core.transformers.builtin._common import TransformError, resolve_columns
from odibi_core.transformers.context import TransformContext
from odibi_core.transformers.registry import transform


class RenameColumnsParams(StrictModel):
    mapping: dict[str, str] = Field(min_length=1, description="old column name -> new column name")


@transform(name="rename_columns", params=RenameColumnsParams, builtin=True)
def rename_columns(ctx: TransformContext, params: RenameColumnsParams):
    """Rename columns in place. Unknown old names and clashing new names are errors.

    ```yaml
    transformer: rename_columns
    params:
      mapping:
        cust_id: customer_id
        amt: amount
    ```
    """
    columns = ctx.columns()
    old = resolve_columns(ctx, params.mapping, transformer="rename_columns", param="mapping", available=columns)
    renames = dict(zip(old, params.mapping.values()))
    out = [renames.get(c, c) for c in columns]
    clashes = sorted({n for n in out if [o.lower() for o in out].count(n.lower()) > 1})
    if clashes:
        raise TransformError(f"rename_columns: after renaming, the frame would have more than one column named "
                             f"{', '.join(repr(c) for c in clashes)}; pick new names that are not taken "
                             f"(or drop the old column first).")
    items = [f"{ctx.q(c)} AS {ctx.q(renames[c])}" if c in renames else ctx.q(c) for c in columns]
    return ctx.sql(f"SELECT {', '.join(items)} FROM df")
