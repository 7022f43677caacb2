"""``odibi top``: a live terminal view of the running pipeline, or of the last runs.

The app only draws what :class:`~odibi_core.tui.model.TopModel` says and turns keys into model
calls. It polls on a timer (the catalog is re-read only when its fingerprint moved); with
``interval=0`` there is no timer and tests drive it with the ``r`` key, so nothing waits on time.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Footer, Input, Static

from odibi_core.tui.model import TopModel
from odibi_core.tui.render import bars_text, dag_text, header_text, summary_text
from odibi_core.tui.story import Opener, open_in_browser
from odibi_core.tui.widgets import NodeTable


class TopApp(App[None]):
    TITLE = "odibi top"
    ENABLE_COMMAND_PALETTE = False
    CSS = """
    #header { height: auto; padding: 0 1; background: $boost; }
    #summary { height: 1; padding: 0 1; }
    #panel { height: auto; max-height: 40%; padding: 0 1; border-top: solid $primary-darken-2; }
    #progress { height: auto; }
    #nodes { height: 1fr; border-top: solid $primary-darken-2; }
    #filter { display: none; height: 3; }
    #filter.-active { display: block; }
    #message { height: 1; padding: 0 1; color: $text-muted; }
    """
    BINDINGS: ClassVar[list[Binding]] = [
        Binding("q", "quit", "Quit"),
        Binding("slash", "filter", "Filter"),
        Binding("s", "status", "Status"),
        Binding("escape", "clear", "Clear filters"),
        Binding("n", "older", "Older run"),
        Binding("p", "newer", "Newer run"),
        Binding("l", "latest", "Latest"),
        Binding("o", "story", "Story"),
        Binding("r", "reload", "Refresh", show=False),
    ]

    def __init__(self, model: TopModel, *, interval: float = 1.0, opener: Opener = open_in_browser) -> None:
        super().__init__()
        self.model = model
        self.interval = interval
        self.opener = opener
        self.message = ""

    def compose(self) -> ComposeResult:
        yield Static(id="header")
        yield Static(id="summary")
        with VerticalScroll(id="panel"):
            yield Static(id="progress")
        yield NodeTable(id="nodes")
        yield Input(placeholder="words in pipeline.node, status or error · Enter keeps · Esc clears", id="filter")
        yield Static(id="message")
        yield Footer()

    def on_mount(self) -> None:
        self.redraw()
        self.table.focus()
        if self.interval > 0:
            self.set_interval(self.interval, self.tick)

    @property
    def table(self) -> NodeTable:
        return self.query_one(NodeTable)

    # --- drawing --------------------------------------------------------------------------------
    def tick(self) -> None:
        if self.model.refresh():
            self.redraw()

    def redraw(self) -> None:
        m = self.model
        header = self.query_one("#header", Static)
        if m.view is None:
            header.update(Text("no runs recorded yet: start one with `odibi run`"))
        else:
            header.update(header_text(m.view, m.now, m.position, len(m.runs), m.following, m.pipelines))
        self.query_one("#summary", Static).update(summary_text(m.rows, len(m.visible), m.status_filter, m.text))
        self.table.show(m.visible)
        self.draw_progress()
        self.query_one("#message", Static).update(Text(self.message))

    def draw_progress(self) -> None:
        text = bars_text(self.model.bars)
        if self.model.levels:
            text.append("\n")
            text.append("graph", style="bold")
            text.append(" (topological levels; the selected node is reversed)\n", style="bright_black")
            text.append_text(dag_text(self.model.levels, highlight=self.table.current))
        self.query_one("#progress", Static).update(text)

    def say(self, message: str) -> None:
        self.message = message
        self.query_one("#message", Static).update(Text(message))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.draw_progress()

    # --- filters --------------------------------------------------------------------------------
    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.add_class("-active")
        box.value = self.model.text
        box.focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        self.model.set_text(event.value)
        self.redraw()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.input.remove_class("-active")
        self.table.focus()

    def action_status(self) -> None:
        self.say(f"status filter: {self.model.cycle_status()}")
        self.redraw()

    def action_clear(self) -> None:
        box = self.query_one("#filter", Input)
        box.remove_class("-active")
        with box.prevent(Input.Changed):
            box.value = ""
        self.model.clear_filters()
        self.table.focus()
        self.say("filters cleared")
        self.redraw()

    # --- runs -----------------------------------------------------------------------------------
    def action_older(self) -> None:
        self._step(1, "this is the oldest run shown")

    def action_newer(self) -> None:
        self._step(-1, "this is the newest run")

    def _step(self, delta: int, at_end: str) -> None:
        if self.model.step(delta):
            self.message = f"run {self.model.view.key}: press l to follow the newest run again"
        else:
            self.message = at_end
        self.redraw()

    def action_latest(self) -> None:
        self.model.follow()
        self.message = "following the newest run"
        self.redraw()

    def action_reload(self) -> None:
        self.model.refresh()
        self.model.recompute()
        self.redraw()

    # --- story ----------------------------------------------------------------------------------
    def action_story(self) -> None:
        path, why = self.model.story_for(self.table.current)
        if path is None:
            self.say(why)
        elif self.opener(path):
            self.say(f"opened in the browser: {path}")
        else:
            self.say(f"no graphical browser here; the story is {path}")
