"""``not_null``: the listed columns have a value in every row."""

from __future__ import annotations

from odibi_core.validation.base import RowCheck, SqlContext, column_list, register_check


@register_check
class NotNullCheck(RowCheck):
    """A row fails when any listed column is NULL (NaN in a pandas float column counts as NULL)."""

    type = "not_null"

    def columns_used(self) -> list[str]:
        return list(self.cfg.columns)

    def passes_sql(self, ctx: SqlContext) -> str:
        return "(" + " AND ".join(f"{self.col(ctx, c)} IS NOT NULL" for c in self.cfg.columns) + ")"

    def failure_message(self, failed: int, total: int) -> str:
        return f"{failed} of {total} rows have NULL in {column_list(self.cfg.columns)}"

    def success_message(self, total: int) -> str:
        return f"no NULL in {', '.join(self.cfg.columns)} ({total} rows)"
