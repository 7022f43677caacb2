"""``unique``: no two rows share the same value of the listed columns."""

from __future__ import annotations

from odibi_core.validation.base import RowCheck, SqlContext, register_check


@register_check
class UniqueCheck(RowCheck):
    """Every row of a duplicated key fails (all copies, so a quarantine shows the whole clash).

    Counted with ``COUNT(*) OVER (PARTITION BY ...)``, which groups NULLs together: two rows
    with a NULL key are duplicates of each other. Add ``not_null`` to forbid NULL keys.
    """

    type = "unique"

    def columns_used(self) -> list[str]:
        return list(self.cfg.columns)

    def helper_columns(self, ctx: SqlContext) -> dict[str, str]:
        keys = ", ".join(self.col(ctx, c) for c in self.cfg.columns)
        return {self.alias("copies"): f"COUNT(*) OVER (PARTITION BY {keys})"}

    def passes_sql(self, ctx: SqlContext) -> str:
        return f"{ctx.q(self.alias('copies'))} = 1"

    def _key(self) -> str:
        cols = self.cfg.columns
        return cols[0] if len(cols) == 1 else "(" + ", ".join(cols) + ")"

    def failure_message(self, failed: int, total: int) -> str:
        return f"{failed} of {total} rows share their {self._key()} value with another row"

    def success_message(self, total: int) -> str:
        return f"{self._key()} is unique ({total} rows)"
