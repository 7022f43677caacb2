"""Rich renderables for ``odibi top``: the same text in the live UI and in ``--once`` output.

Why hand-drawn bars instead of Textual's ProgressBar: a ProgressBar per pipeline is a widget
each (slow with many pipelines) and shows an ETA that moves with the wall clock, which would
make snapshots flaky. Text bars and a glyph-per-node DAG keep a few hundred nodes on a few lines,
and depend only on the data and the injected clock.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from rich.console import Group
from rich.table import Table
from rich.text import Text

from odibi_core.workspace.ghosts import parse_ts
from odibi_core.workspace.live import NodeRow, PipelineProgress, RunView

if TYPE_CHECKING:
    from odibi_core.tui.model import TopModel

STYLE = {"success": "green", "warning": "yellow", "partial": "yellow", "failed": "red", "cancelled": "magenta",
         "stale": "magenta", "skipped": "yellow", "running": "cyan", "pending": "bright_black"}
GLYPH = {"success": "●", "warning": "●", "partial": "◑", "failed": "✗", "cancelled": "✗", "stale": "?",
         "skipped": "–", "running": "◐", "pending": "○"}
BAR_WIDTH = 24
NONE = "—"


# --- numbers ------------------------------------------------------------------------------------------
def fmt_rows(n: int | None) -> str:
    return NONE if n is None else f"{n:,}"


def fmt_seconds(s: float | None) -> str:
    if s is None:
        return NONE
    if s < 60:
        return f"{s:.1f}s"
    whole = int(s)
    if whole < 3600:
        return f"{whole // 60}m{whole % 60:02d}s"
    return f"{whole // 3600}h{whole % 3600 // 60:02d}m"


def fmt_rate(r: float | None) -> str:
    """Rows per second, short: 7.5/s, 350/s, 12.3k/s, 4.1M/s."""
    if r is None:
        return NONE
    if r < 10:
        return f"{r:.1f}/s"
    if r < 1000:
        return f"{r:.0f}/s"
    if r < 1_000_000:
        return f"{r / 1000:.1f}k/s"
    return f"{r / 1_000_000:.1f}M/s"


def fmt_ts(ts: str | None) -> str:
    value = parse_ts(ts)
    return NONE if value is None else value.astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def status_text(status: str, glyph: bool = True) -> Text:
    return Text(f"{GLYPH.get(status, '•')} {status}" if glyph else status, style=STYLE.get(status, ""))


# --- pieces -------------------------------------------------------------------------------------------
def header_text(view: RunView, now: dt.datetime, position: int, total: int, following: bool,
                pipelines: list[str] | None = None) -> Text:
    """Two lines: what run this is and how it stands; where it sits among the recent runs.
    ``pipelines`` gives their display order (the project's), else the view's."""
    out = Text()
    if view.project:
        out.append(f"{view.project} · ", style="bold")
    out.append_text(status_text(view.status))
    out.append(f" · started {fmt_ts(view.started_at)} · {fmt_seconds(view.elapsed_s(now))}")
    out.append(f" · env {view.env or 'base'} · {view.engine or '?'}\n")
    names = ", ".join(pipelines or view.pipelines)
    out.append(f"run {view.key}", style="bold")
    out.append(f" · {len(view.runs)} pipeline(s): {names} · run {position} of {total}")
    out.append(" · following the newest run" if following else " · pinned", style="italic bright_black")
    return out


def summary_text(rows: list[NodeRow], shown: int, status_filter: str, text: str) -> Text:
    """Node counts by status, and what the filters hide."""
    counts: dict[str, int] = {}
    for r in rows:
        counts[r.status] = counts.get(r.status, 0) + 1
    out = Text(f"{len(rows)} node(s)")
    for status in ("success", "warning", "running", "failed", "cancelled", "stale", "pending", "skipped"):
        if counts.get(status):
            out.append(" · ")
            out.append(f"{counts[status]} {status}", style=STYLE[status])
    if status_filter != "all" or text:
        what = [f"status {status_filter}"] if status_filter != "all" else []
        what += [f"text '{text}'"] if text else []
        out.append(f" │ showing {shown} ({', '.join(what)})", style="bold")
    return out


def _segments(bar: PipelineProgress, width: int) -> list[tuple[int, str]]:
    """Cell counts per part, from cumulative boundaries so they always add up to ``width``."""
    parts = [(bar.ok, "green"), (bar.failed, "red"), (bar.skipped, "yellow"), (bar.running, "cyan")]
    total = max(bar.total, 1)
    out, cum, edge = [], 0, 0
    for count, style in parts:
        cum += count
        nxt = round(cum * width / total)
        out.append((nxt - edge, style))
        edge = nxt
    out.append((width - edge, "bright_black"))
    return out


def bars_text(bars: list[PipelineProgress], width: int = BAR_WIDTH) -> Text:
    """One stacked bar per pipeline: ok, failed, skipped, running, then what is still waiting."""
    out = Text()
    label = min(max((len(b.pipeline) for b in bars), default=0), 24)
    for i, bar in enumerate(bars):
        if i:
            out.append("\n")
        out.append(bar.pipeline[:label].ljust(label) + " ", style="bold")
        for cells, style in _segments(bar, width):
            out.append(("░" if style == "bright_black" else "█") * cells, style=style)
        out.append(f" {bar.done}/{bar.total}")
        for count, status in ((bar.running, "running"), (bar.failed, "failed")):
            if count:
                out.append(f" {GLYPH[status]}{count}", style=STYLE[status])
    return out


def dag_text(levels: list[list[NodeRow]], highlight: NodeRow | None = None) -> Text:
    """One line per topological level, one glyph per node in its status colour; the node under
    the table's cursor is drawn reversed so it can be found in the graph."""
    out = Text()
    for i, level in enumerate(levels, start=1):
        if i > 1:
            out.append("\n")
        done = sum(1 for r in level if r.status not in ("pending", "running"))
        out.append(f"L{i:<2}{done:>4}/{len(level):<4}", style="bright_black")
        for r in level:
            style = STYLE.get(r.status, "")
            if highlight is not None and (r.run_id, r.node) == (highlight.run_id, highlight.node):
                style += " reverse"
            out.append(GLYPH.get(r.status, "•"), style=style)
    return out


def row_cells(r: NodeRow) -> tuple[Text, ...]:
    """The cells of one node in the table, in :data:`COLUMNS` order."""
    return (Text(GLYPH.get(r.status, "•"), style=STYLE.get(r.status, "")), Text(r.pipeline), Text(r.node),
            status_text(r.status, glyph=False), Text(fmt_rows(r.rows), justify="right"),
            Text(fmt_seconds(r.elapsed_s), justify="right"), Text(fmt_rate(r.throughput), justify="right"),
            Text((r.error or "").replace("\n", " "), style="red" if r.status == "failed" else "bright_black"))


COLUMNS = (("", "icon"), ("pipeline", "pipeline"), ("node", "node"), ("status", "status"), ("rows", "rows"),
           ("elapsed", "elapsed"), ("rows/s", "rate"), ("note", "note"))


def nodes_table(rows: list[NodeRow]) -> Table:
    table = Table(box=None, pad_edge=False, header_style="bold")
    for label, key in COLUMNS:
        table.add_column(label, justify="right" if key in ("rows", "elapsed", "rate") else "left",
                         overflow="fold" if key == "note" else "ellipsis")
    for r in rows:
        table.add_row(*row_cells(r))
    return table


def snapshot(model: TopModel) -> Group:
    """Everything at once, for ``odibi top --once``: header, bars, DAG levels, nodes, stories."""
    view = model.view
    if view is None:
        return Group(Text("no runs recorded yet: start one with `odibi run`"))
    parts: list = [header_text(view, model.now, model.position, len(model.runs), model.following, model.pipelines),
                   summary_text(model.rows, len(model.visible), model.status_filter, model.text), Text(""),
                   bars_text(model.bars), Text(""), Text("graph (topological levels)", style="bold"),
                   dag_text(model.levels), Text(""), nodes_table(model.visible)]
    stories = [(r.pipeline, r.story_html) for r in view.runs if r.story_html]
    if stories:
        parts.append(Text(""))
        parts += [Text(f"story {pipeline}: {path}") for pipeline, path in stories]
    return Group(*parts)
