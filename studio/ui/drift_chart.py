"""The Drift page's row-count chart: counts over time, the expected band, anomalies in red.

Why the band varies along the chart: each run is judged against the runs before it (see
:func:`odibi_core.drift.row_count_series`), so the band shows the range that run had to stay
in, which is what explains a red point. The band is the thresholds made visible.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

ANOMALY_RED = "#dc2626"
NORMAL_BLUE = "#2563eb"


def series_frame(points: list[dict]) -> pd.DataFrame:
    df = pd.DataFrame(points)
    if df.empty:
        return df
    df["when"] = pd.to_datetime(df["started_at"], utc=True, errors="coerce", format="ISO8601")
    df["result"] = df["anomaly"].map({True: "anomaly", False: "ok"})
    df["score_text"] = [_score_text(p) for p in points]
    return df


def _score_text(p: dict) -> str:
    if p.get("method") in ("robust_z", "mean_ad_z"):
        return f"z {p['score']:+.2f} (> {p['threshold']:g} is an anomaly)"
    if p.get("method") in ("pct_change", "pct_of_median"):
        change = "from 0" if p.get("score") is None else f"{p['score']:+.1f}%"
        return f"{change} (> {p['threshold']:g}% is an anomaly)"
    return "first run: nothing to compare"


def row_count_chart(points: list[dict]) -> alt.LayerChart:
    """Layered chart: expected band (grey), count line, points coloured by anomaly."""
    df = series_frame(points)
    x = alt.X("when:T", title="run started (UTC)")
    tooltip = [alt.Tooltip("when:T", title="started", format="%Y-%m-%d %H:%M:%S"),
               alt.Tooltip("run_id:N", title="run"), alt.Tooltip("rows:Q", title="rows", format=","),
               alt.Tooltip("expected_low:Q", title="expected from", format=",.0f"),
               alt.Tooltip("expected_high:Q", title="expected to", format=",.0f"),
               alt.Tooltip("score_text:N", title="score"), alt.Tooltip("method:N", title="method"),
               alt.Tooltip("result:N", title="result")]
    base = alt.Chart(df)
    band = base.mark_area(opacity=0.18, color="#64748b", interpolate="step-after").encode(
        x=x, y=alt.Y("expected_low:Q", title="rows out"), y2="expected_high:Q")
    line = base.mark_line(color=NORMAL_BLUE, strokeWidth=1.5).encode(x=x, y="rows:Q")
    dots = base.mark_circle(size=70, opacity=1).encode(
        x=x, y="rows:Q", tooltip=tooltip,
        color=alt.Color("result:N", title="", scale=alt.Scale(domain=["ok", "anomaly"],
                                                              range=[NORMAL_BLUE, ANOMALY_RED])))
    return alt.layer(band, line, dots).properties(height=280)
