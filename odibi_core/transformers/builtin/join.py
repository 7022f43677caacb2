"""``join``: join the current frame with a dependency table."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from odibi_core.config.models.base import StrictModel
from odibi_core.transformers.builtin._common import require_table, resolve_columns, select_list
from odibi_core.transformers.context import TransformContext
from odibi_core.transformers.registry import transform

_JOINS = {"inner": "INNER JOIN", "left": "LEFT JOIN", "right": "RIGHT JOIN", "full": "FULL OUTER JOIN",
          "cross": "CROSS JOIN"}


class JoinParams(StrictModel):
    right: str = Field(min_length=1, description="name of the table to join with: a depends_on node or an "
                                                 "inputs alias")
    on: list[str] | dict[str, str] | None = Field(
        default=None, description="key columns: a list of names found on both sides, or {left_column: "
                                  "right_column}. Not used by a cross join.")
    how: Literal["inner", "left", "right", "full", "semi", "anti", "cross"] = Field(
        default="inner", description="inner, left, right, full, semi (left rows with a match), anti (left rows "
                                     "without a match) or cross")
    select: list[str] | None = Field(default=None, description="columns of the right table to bring in "
                                                               "(default: all but its keys)")
    suffix: str = Field(default="_right", min_length=1, description="added to a right column whose name is "
                                                                    "already taken")

    @model_validator(mode="after")
    def _shape(self):
        if self.how == "cross" and self.on:
            raise ValueError("a cross join takes no 'on' keys; remove 'on' or pick another 'how'")
        if self.how != "cross" and not self.on:
            raise ValueError(f"a {self.how} join needs 'on': a list of key columns or {{left_column: right_column}}")
        if self.how in ("semi", "anti") and self.select is not None:
            raise ValueError(f"a {self.how} join keeps only the left columns, so 'select' does not apply")
        return self


@transform(name="join", params=JoinParams, builtin=True)
def join(ctx: TransformContext, params: JoinParams):
    """Join ``df`` (left) with the dependency table ``right``.

    Key columns appear once, under the left name (a full join takes the value from whichever
    side has it). Right columns whose name is already taken get ``suffix``. Keys compare with
    SQL ``=``, so NULL keys never match. semi and anti joins keep only the left columns and are
    written with [NOT] EXISTS, which every SQL engine runs.

    ```yaml
    transformer: join
    depends_on: [clean_orders, customers]
    params:
      right: customers
      on: [customer_id]            # or {customer_id: id}
      how: left
      select: [name, country]
    ```
    """
    right_df = require_table(ctx, params.right, transformer="join", param="right")
    left_cols, right_cols = ctx.columns(), ctx.columns(right_df)
    pairs: list[tuple[str, str]] = []
    if params.on:
        on = params.on if isinstance(params.on, dict) else {k: k for k in params.on}
        lks = resolve_columns(ctx, on, transformer="join", param="on", available=left_cols,
                              what="the current frame (left side)")
        rks = resolve_columns(ctx, on.values(), transformer="join", param="on", available=right_cols,
                              what=f"table '{params.right}' (right side)")
        pairs = list(zip(lks, rks))
    cond = " AND ".join(f"l.{ctx.q(lk)} = r.{ctx.q(rk)}" for lk, rk in pairs)
    right_sql = f"{ctx.q(params.right)} AS r"

    if params.how in ("semi", "anti"):
        exists = "EXISTS" if params.how == "semi" else "NOT EXISTS"
        return ctx.sql(f"SELECT {select_list(ctx, left_cols, 'l')} FROM df AS l "
                       f"WHERE {exists} (SELECT 1 FROM {right_sql} WHERE {cond})")

    key_of = dict(pairs)
    items = []
    for c in left_cols:
        if c in key_of and params.how == "right":
            items.append(f"r.{ctx.q(key_of[c])} AS {ctx.q(c)}")
        elif c in key_of and params.how == "full":
            items.append(f"COALESCE(l.{ctx.q(c)}, r.{ctx.q(key_of[c])}) AS {ctx.q(c)}")
        else:
            items.append(f"l.{ctx.q(c)}")
    if params.select is not None:
        brought = resolve_columns(ctx, params.select, transformer="join", param="select", available=right_cols,
                                  what=f"table '{params.right}' (right side)")
    else:
        right_keys = {rk for _, rk in pairs}
        brought = [c for c in right_cols if c not in right_keys]
    taken = {c.lower() for c in left_cols}
    for c in brought:
        name = c
        while name.lower() in taken:
            name += params.suffix
        taken.add(name.lower())
        items.append(f"r.{ctx.q(c)}" + (f" AS {ctx.q(name)}" if name != c else ""))
    on_sql = f" ON {cond}" if cond else ""
    return ctx.sql(f"SELECT {', '.join(items)} FROM df AS l {_JOINS[params.how]} {right_sql}{on_sql}")
