"""``range``: a numeric column stays within ``min`` and/or ``max`` (both inclusive)."""

from __future__ import annotations

from odibi_core.validation.base import RowCheck, SqlContext, register_check


def _num(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


@register_check
class RangeCheck(RowCheck):
    """A row fails when the value is below ``min`` or above ``max``; NULL is not judged."""

    type = "range"
    ignores_nulls = True

    def columns_used(self) -> list[str]:
        return [self.cfg.column]

    def passes_sql(self, ctx: SqlContext) -> str:
        c = self.col(ctx, self.cfg.column)
        bounds = []
        if self.cfg.min is not None:
            bounds.append(f"{c} >= {self.lit(ctx, _num(self.cfg.min))}")
        if self.cfg.max is not None:
            bounds.append(f"{c} <= {self.lit(ctx, _num(self.cfg.max))}")
        return f"({c} IS NULL OR ({' AND '.join(bounds)}))"

    def _where(self) -> str:
        lo, hi = self.cfg.min, self.cfg.max
        if lo is not None and hi is not None:
            return f"outside [{_num(lo)}, {_num(hi)}]"
        return f"below {_num(lo)}" if lo is not None else f"above {_num(hi)}"

    def failure_message(self, failed: int, total: int) -> str:
        return f"{failed} of {total} rows have {self.cfg.column} {self._where()}"

    def success_message(self, total: int) -> str:
        return f"no {self.cfg.column} {self._where()} ({total} rows)"
