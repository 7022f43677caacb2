"""The node table of ``odibi top``: one virtualised DataTable, updated in place.

Why in place: the table is redrawn every poll while a run goes. Clearing and refilling it would
throw the cursor back to the top each second; instead, when the same nodes are shown, only the
cells that changed are updated, and after a filter or a run switch the cursor stays on the node
it was on when that node is still listed. DataTable renders only the visible lines, so a few
hundred nodes cost no more than a screenful.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable

from odibi_core.tui.render import COLUMNS, row_cells
from odibi_core.workspace.live import NodeRow

NOTE_CHARS = 160  # long errors are cut in the table; `odibi runs` and the story have them in full


def row_key(row: NodeRow) -> str:
    return f"{row.run_id}:{row.node}"


def _signature(cell: Text) -> tuple:
    return cell.plain, str(cell.style), tuple(cell.spans), cell.justify


def _cells(row: NodeRow) -> tuple[Text, ...]:
    cells = list(row_cells(row))
    note = cells[-1]
    if len(note.plain) > NOTE_CHARS:
        note.truncate(NOTE_CHARS - 1)
        note.append("…")
    return tuple(cells)


class NodeTable(DataTable):
    """Nodes of the shown run; :meth:`show` makes it list exactly ``rows``."""

    def __init__(self, **kwargs) -> None:
        super().__init__(cursor_type="row", **kwargs)
        self._keys: list[str] = []
        self._cells: dict[str, tuple[Text, ...]] = {}
        self._rows: dict[str, NodeRow] = {}

    def on_mount(self) -> None:
        for label, key in COLUMNS:
            self.add_column(label, key=key)

    @property
    def current(self) -> NodeRow | None:
        """The node under the cursor."""
        if not self._keys or not 0 <= self.cursor_row < len(self._keys):
            return None
        return self._rows[self._keys[self.cursor_row]]

    def show(self, rows: list[NodeRow]) -> None:
        keys = [row_key(r) for r in rows]
        cells = {k: _cells(r) for k, r in zip(keys, rows)}
        if keys == self._keys:
            for key in keys:
                for (_, column), old, new in zip(COLUMNS, self._cells[key], cells[key]):
                    if _signature(old) != _signature(new):
                        self.update_cell(key, column, new, update_width=True)
        else:
            here = self.current
            self.clear()
            for key, row_cells_ in cells.items():
                self.add_row(*row_cells_, key=key)
            if here is not None and row_key(here) in cells:
                self.move_cursor(row=keys.index(row_key(here)), animate=False)
        self._keys, self._cells, self._rows = keys, cells, dict(zip(keys, rows))
