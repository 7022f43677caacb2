"""``regex_match``: a column's text matches a regular expression."""

from __future__ import annotations

from odibi_core.engines.sql_literals import BACKSLASH_ESCAPE_DIALECTS
from odibi_core.validation.base import RowCheck, SqlContext, register_check


@register_check
class RegexMatchCheck(RowCheck):
    """A row fails when the value does not match ``pattern``; NULL is not judged.

    The pattern is searched anywhere in the value, as both DuckDB's ``regexp_matches`` and
    Spark's ``RLIKE`` do: anchor it (``^...$``) to match the whole value. The column is cast to
    text first, so a number column can be checked too.
    """

    type = "regex_match"
    ignores_nulls = True

    def columns_used(self) -> list[str]:
        return [self.cfg.column]

    def passes_sql(self, ctx: SqlContext) -> str:
        c = self.col(ctx, self.cfg.column)
        text, pattern = f"CAST({c} AS STRING)", self.lit(ctx, self.cfg.pattern)
        if ctx.engine.sql_dialect in BACKSLASH_ESCAPE_DIALECTS:
            match = f"{text} RLIKE {pattern}"
        else:
            match = f"regexp_matches({text}, {pattern})"
        return f"({c} IS NULL OR {match})"

    def failure_message(self, failed: int, total: int) -> str:
        return f"{failed} of {total} rows have {self.cfg.column} not matching '{self.cfg.pattern}'"

    def success_message(self, total: int) -> str:
        return f"every {self.cfg.column} matches '{self.cfg.pattern}' or is NULL ({total} rows)"
