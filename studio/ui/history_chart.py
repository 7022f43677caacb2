"""The Run history timeline as an Altair chart: one bar per run, or stacked buckets when many.

Why bar height is the duration (and not a Gantt bar from start to end): runs last seconds to
minutes while the history spans weeks, so start-to-end bars would be invisible slivers. A bar
at the run's start, as tall as the run was long, shows both when it ran and how long it took;
runs that started together stack. Past a few hundred runs the page asks the core for buckets
(hour/day/week) and this draws runs per bucket, stacked by outcome.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from odibi_core.catalog.timeline import OUTCOMES, Timeline
from studio.ui.widgets import STATUS_COLORS

PICK = "pick"
LABELS = {"success": "success", "warning": "partial / warnings", "failed": "failed", "cancelled": "cancelled",
          "running": "running"}
_COLOURS = {"success": STATUS_COLORS["success"], "warning": STATUS_COLORS["partial"],
            "failed": STATUS_COLORS["failed"], "cancelled": STATUS_COLORS["cancelled"],
            "running": STATUS_COLORS["running"]}


def _colour() -> alt.Color:
    domain = [LABELS[o] for o in OUTCOMES]
    return alt.Color("label:N", title="outcome", sort=domain,
                     scale=alt.Scale(domain=domain, range=[_COLOURS[o] for o in OUTCOMES]),
                     legend=alt.Legend(orient="top"))


def timeline_chart(tl: Timeline) -> alt.Chart:
    """The chart for a :class:`Timeline`; in runs mode, clicking a bar selects its run_id (``PICK``)."""
    df = pd.DataFrame(tl.rows)
    if tl.mode == "runs":
        return _runs_chart(df)
    return _buckets_chart(df, tl.bucket or "day")


def _runs_chart(df: pd.DataFrame) -> alt.Chart:
    df["start"] = pd.to_datetime(df["started_at"], utc=True, format="ISO8601")
    df["label"] = df["outcome"].map(LABELS)
    df["duration_s"] = df["duration_s"].fillna(0.0)
    size = max(3, min(18, 700 // max(1, len(df))))
    pick = alt.selection_point(name=PICK, fields=["run_id"], on="click")
    return alt.Chart(df).mark_bar(size=size, cursor="pointer").encode(
        x=alt.X("start:T", title="run started"),
        y=alt.Y("duration_s:Q", title="duration (s)", stack=True),
        color=_colour(),
        opacity=alt.condition(pick, alt.value(1.0), alt.value(0.35)),
        tooltip=[alt.Tooltip("pipeline:N"), alt.Tooltip("status:N"),
                 alt.Tooltip("duration_s:Q", title="duration (s)", format=",.2f"),
                 alt.Tooltip("start:T", title="started", format="%Y-%m-%d %H:%M:%S"),
                 alt.Tooltip("warnings_count:Q", title="warnings"), alt.Tooltip("run_id:N", title="run")],
    ).add_params(pick).properties(height=240)


def _buckets_chart(df: pd.DataFrame, bucket: str) -> alt.Chart:
    df["start"] = pd.to_datetime(df["bucket_start"], utc=True, format="ISO8601")
    df["end"] = pd.to_datetime(df["bucket_end"], utc=True, format="ISO8601")
    df["label"] = df["outcome"].map(LABELS)
    # stacked by hand: with x and x2 (a bar as wide as its bucket) Vega-Lite does not stack y itself
    order = {o: i for i, o in enumerate(OUTCOMES)}
    df = df.assign(_order=df["outcome"].map(order)).sort_values(["bucket_start", "_order"])
    df["top"] = df.groupby("bucket_start")["runs"].cumsum()
    df["bottom"] = df["top"] - df["runs"]
    pick = alt.selection_point(name=PICK, fields=["bucket_start"], on="click")
    fmt = "%Y-%m-%d %H:00" if bucket == "hour" else "%Y-%m-%d"
    return alt.Chart(df.drop(columns="_order")).mark_bar(cursor="pointer").encode(
        x=alt.X("start:T", title=f"runs per {bucket}"), x2="end:T",
        y=alt.Y("top:Q", title="runs"), y2="bottom:Q",
        color=_colour(),
        opacity=alt.condition(pick, alt.value(1.0), alt.value(0.5)),
        tooltip=[alt.Tooltip("start:T", title=f"{bucket} from", format=fmt), alt.Tooltip("label:N", title="outcome"),
                 alt.Tooltip("runs:Q", title="runs", format=","),
                 alt.Tooltip("avg_duration_s:Q", title="avg duration (s)", format=",.1f"),
                 alt.Tooltip("max_duration_s:Q", title="longest (s)", format=",.1f")],
    ).add_params(pick).properties(height=240)


def picked(event, field: str) -> str | None:
    """The value of ``field`` in the chart's click selection (``None`` when nothing is picked)."""
    try:
        points = event.selection[PICK]
    except (AttributeError, KeyError, TypeError):
        return None
    if isinstance(points, list) and points and isinstance(points[0], dict):
        value = points[0].get(field)
        return str(value) if value is not None else None
    return None
