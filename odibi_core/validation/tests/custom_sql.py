"""``custom_sql``: every row satisfies a SQL condition written by the user."""

from __future__ import annotations

from odibi_core.validation.base import RowCheck, SqlContext, register_check


@register_check
class CustomSqlCheck(RowCheck):
    """A row fails unless ``condition`` is TRUE for it: a NULL result fails the row.

    The condition is passed to the engine as written (``amount >= 0 AND currency IS NOT NULL``).
    """

    type = "custom_sql"

    def passes_sql(self, ctx: SqlContext) -> str:
        return f"({self.cfg.condition})"

    def failure_message(self, failed: int, total: int) -> str:
        return f"{failed} of {total} rows do not satisfy {self.cfg.condition} (a NULL result counts as failing)"

    def success_message(self, total: int) -> str:
        return f"all {total} rows satisfy {self.cfg.condition}"
