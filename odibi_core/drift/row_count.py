"""Row-count anomalies: is this run's row count out of line with the node's recent history?

Why a robust z-score: row counts have outliers (a backfill, a holiday, a failed upstream that
delivered nothing) and a mean/stddev score lets one outlier hide the next. The median and the
median absolute deviation (MAD) ignore up to half the history being odd, and
``0.6745 * (x - median) / MAD`` is on the scale of an ordinary z-score for normal data
(Iglewicz & Hoaglin's modified z-score; 3.5 is their suggested cut-off).

Rules, in order:

* no earlier successful run: nothing to compare (``method="no_history"``, never an anomaly);
* fewer than ``min_runs`` earlier runs: percent change against the previous run
  (``pct_change``); an anomaly when ``|change| > pct_threshold``. From 0 rows to any rows is an
  infinite change, so an anomaly; 0 to 0 is no change;
* otherwise the robust z-score over the last ``window`` runs (``robust_z``); an anomaly when
  ``|z| > z_threshold``;
* MAD == 0 (more than half the runs had the same count): the z-score would divide by zero, so
  the mean absolute deviation around the median takes its place,
  ``(x - median) / (1.253314 * MeanAD)`` (``mean_ad_z``; 1.253314 puts it on the same scale);
* MeanAD == 0 too (every run had the same count): there is no spread to measure, so the percent
  change against that constant count decides, with ``pct_threshold`` (``pct_of_median``).

A score exactly at its threshold is not an anomaly. ``expected_low``/``expected_high`` is the
range of counts that would not have been one (never below 0).
"""

from __future__ import annotations

import math
import statistics
from dataclasses import asdict, dataclass
from typing import Any, Literal, Sequence

Method = Literal["no_history", "pct_change", "robust_z", "mean_ad_z", "pct_of_median"]
MAD_SCALE = 0.6745  # Phi^-1(0.75): MAD / 0.6745 estimates the standard deviation of normal data
MEAN_AD_SCALE = 1.253314  # sqrt(pi / 2): MeanAD * 1.253314 estimates it too


@dataclass
class RowCountCheck:
    rows: int
    method: Method
    anomaly: bool
    history_runs: int  # earlier successful runs the check looked at
    score: float | None = None  # z-score (robust_z, mean_ad_z) or percent change (pct_*); None: no score
    threshold: float | None = None
    reference: float | None = None  # the median (z-scores, pct_of_median) or the previous run's count (pct_change)
    spread: float | None = None  # MAD or MeanAD the score divided by
    expected_low: float | None = None
    expected_high: float | None = None
    message: str = ""

    @property
    def is_z(self) -> bool:
        return self.method in ("robust_z", "mean_ad_z")

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        for key in ("score", "reference", "spread", "expected_low", "expected_high"):
            v = d[key]
            if isinstance(v, float):  # strict JSON has no Infinity: a change "from 0" has no score
                d[key] = round(v, 4) if math.isfinite(v) else None
        return d


def median_abs_deviation(values: Sequence[float]) -> tuple[float, float]:
    """``(median, MAD)`` of ``values`` (non-empty)."""
    med = statistics.median(values)
    return med, statistics.median(abs(v - med) for v in values)


def robust_z(x: float, values: Sequence[float]) -> float:
    """``0.6745 * (x - median) / MAD``; raises ZeroDivisionError when MAD is 0 (the caller falls back)."""
    med, mad = median_abs_deviation(values)
    if mad == 0:
        raise ZeroDivisionError("MAD is 0")
    return MAD_SCALE * (x - med) / mad


def pct_change(x: float, reference: float) -> float:
    """Percent change from ``reference`` to ``x``; ``inf`` from 0 to anything else, 0 from 0 to 0."""
    if reference == 0:
        return 0.0 if x == 0 else math.inf
    return (x - reference) / reference * 100.0


def check_row_count(rows: int, history: Sequence[int], *, z_threshold: float = 3.5, pct_threshold: float = 50.0,
                    window: int = 30, min_runs: int = 7) -> RowCountCheck:
    """Judge ``rows`` against ``history`` (earlier successful counts, newest first)."""
    past = [int(v) for v in history if v is not None][:window]
    if not past:
        return RowCountCheck(rows, "no_history", False, 0, message="first successful run: no history to compare")
    if len(past) < min_runs:
        return _pct(rows, past[0], len(past), pct_threshold, "pct_change",
                    f"vs previous run ({len(past)} of {min_runs} runs needed for the z-score)")
    med, mad = median_abs_deviation(past)
    if mad > 0:
        method, spread, sigma = "robust_z", mad, mad / MAD_SCALE  # z = 0.6745 * (x - median) / MAD
        note = ""
    else:
        mean_ad = statistics.fmean(abs(v - med) for v in past)
        if mean_ad == 0:
            return _pct(rows, med, len(past), pct_threshold, "pct_of_median",
                        f"vs the constant count of the last {len(past)} runs (no spread for a z-score)")
        method, spread, sigma = "mean_ad_z", mean_ad, MEAN_AD_SCALE * mean_ad
        note = " (MAD is 0: mean absolute deviation used)"
    z = MAD_SCALE * (rows - med) / mad if mad > 0 else (rows - med) / sigma
    anomaly = abs(z) > z_threshold
    low, high = max(0.0, med - z_threshold * sigma), med + z_threshold * sigma
    return RowCountCheck(rows, method, anomaly, len(past), z, z_threshold, float(med), float(spread), low, high,
                         f"{rows:,} rows, median {med:,.0f} of {len(past)} runs, z {z:+.2f} "
                         f"(threshold {z_threshold:g}): {'anomaly' if anomaly else 'ok'}{note}")


def _pct(rows: int, reference: float, n: int, threshold: float, method: Method, what: str) -> RowCountCheck:
    change = pct_change(rows, reference)
    anomaly = abs(change) > threshold
    low, high = max(0.0, reference * (1 - threshold / 100)), reference * (1 + threshold / 100)
    shown = "from 0" if math.isinf(change) else f"{change:+.1f}%"
    verdict = "anomaly" if anomaly else "ok"
    return RowCountCheck(rows, method, anomaly, n, change, threshold, float(reference), None, low, high,
                         f"{rows:,} rows, {shown} {what} (threshold {threshold:g}%): {verdict}")
