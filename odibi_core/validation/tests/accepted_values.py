"""``accepted_values``: a column only holds values from a given list."""

from __future__ import annotations

from odibi_core.validation.base import RowCheck, SqlContext, register_check


@register_check
class AcceptedValuesCheck(RowCheck):
    """A row fails when the column holds a value outside ``values``; NULL is not judged."""

    type = "accepted_values"
    ignores_nulls = True

    def columns_used(self) -> list[str]:
        return [self.cfg.column]

    def passes_sql(self, ctx: SqlContext) -> str:
        c = self.col(ctx, self.cfg.column)
        values = ", ".join(self.lit(ctx, v) for v in self.cfg.values)
        return f"({c} IS NULL OR {c} IN ({values}))"

    def _values(self) -> str:
        shown = ", ".join(repr(v) for v in self.cfg.values[:10])
        return "[" + shown + (f", ... ({len(self.cfg.values)} in all)" if len(self.cfg.values) > 10 else "") + "]"

    def failure_message(self, failed: int, total: int) -> str:
        return f"{failed} of {total} rows have {self.cfg.column} outside the accepted values {self._values()}"

    def success_message(self, total: int) -> str:
        return f"every {self.cfg.column} is one of {self._values()} or NULL ({total} rows)"
