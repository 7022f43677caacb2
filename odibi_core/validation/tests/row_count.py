"""``row_count``: the frame has between ``min`` and ``max`` rows."""

from __future__ import annotations

from odibi_core.validation.base import TableCheck, TableFacts, Verdict, register_check


@register_check
class RowCountCheck(TableCheck):
    type = "row_count"

    def evaluate(self, facts: TableFacts) -> Verdict:
        n, lo, hi = facts.total_rows, self.cfg.min, self.cfg.max
        if lo is not None and n < lo:
            return Verdict(False, f"{n} rows, expected at least {lo}")
        if hi is not None and n > hi:
            return Verdict(False, f"{n} rows, expected at most {hi}")
        if lo is None and hi is None:
            return Verdict(True, f"{n} rows (no min or max set)")
        within = f"between {lo} and {hi}" if lo is not None and hi is not None else \
            (f"at least {lo}" if lo is not None else f"at most {hi}")
        return Verdict(True, f"{n} rows, {within} as expected")
