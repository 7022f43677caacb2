"""``volume_drop``: the row count did not fall too far below the previous runs'."""

from __future__ import annotations

from odibi_core.validation.base import TableCheck, TableFacts, Verdict, register_check


@register_check
class VolumeDropCheck(TableCheck):
    """Compares with the average row count of the last ``lookback_runs`` runs of the node.

    Fails when the count is more than ``threshold`` (a fraction: 0.5 = 50%) below that
    average. With no history (first run) there is nothing to compare with, so it passes.
    """

    type = "volume_drop"

    def evaluate(self, facts: TableFacts) -> Verdict:
        previous = [int(n) for n in (facts.history or []) if n is not None][: self.cfg.lookback_runs]
        n = facts.total_rows
        if not previous:
            return Verdict(True, f"{n} rows; no previous run to compare with")
        baseline = sum(previous) / len(previous)
        shown = f"{baseline:.0f}" if baseline.is_integer() else f"{baseline:.1f}"
        against = f"the previous run ({shown})" if len(previous) == 1 else \
            f"the average of the last {len(previous)} runs ({shown})"
        if baseline == 0:
            return Verdict(True, f"{n} rows; {against} had no rows, so nothing can drop")
        drop = (baseline - n) / baseline
        allowed = f"allowed drop {self.cfg.threshold:.0%}"
        if drop > self.cfg.threshold:
            return Verdict(False, f"{n} rows, {drop:.0%} fewer than {against}; {allowed}")
        change = f"{drop:.0%} fewer than" if drop > 0 else "no fewer than"
        return Verdict(True, f"{n} rows, {change} {against}; {allowed}")
