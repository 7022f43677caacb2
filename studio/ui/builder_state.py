"""The Builder's state across reruns: the candidate YAML text is the single source of truth.

Forms and the YAML panel both edit that one text (forms through :class:`YamlDoc`, so the rest
of the file keeps its comments and layout). Node widgets are keyed ``bn.<index>.<field>`` and
take their initial values from the text; after a change the forms did not make (YAML typed in
the panel, a node added, moved or removed, another pipeline picked) those keys are dropped so
every widget is drawn again from the new text.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from odibi_core.workspace import Workspace
from odibi_core.workspace.yaml_doc import YamlDoc

TEXT, BASE, AREA, PIPELINE, FOCUS, PREVIEW, FLASH = ("bld_text", "bld_base", "bld_yaml", "bld_pipeline",
                                                     "bld_focus", "bld_previews", "bld_flash")
WIDGETS = "bn."
TOUCHED = "bld_touched"
NEW_PIPELINE = "➕ New pipeline…"


def _disk(ws: Workspace) -> str:
    return ws.config_file.read_text(encoding="utf-8") if ws.exists else ""


def init(ws: Workspace) -> None:
    """Load the file once; reload it when it changed on disk and there are no unsaved edits."""
    ss = st.session_state
    disk = _disk(ws)
    if ss.get("bld_root") != str(ws.config_file) or TEXT not in ss:
        ss["bld_root"] = str(ws.config_file)
        ss[TEXT] = ss[BASE] = disk
        reset_widgets()
    elif disk != ss[BASE] and ss[TEXT] == ss[BASE]:
        ss[TEXT] = ss[BASE] = disk
        reset_widgets()
    if ss.get(AREA) != ss[TEXT]:  # the panel shows the text (set before the widget is drawn)
        ss[AREA] = ss[TEXT]


def text() -> str:
    return st.session_state[TEXT]


def base() -> str:
    return st.session_state[BASE]


def dirty() -> bool:
    return st.session_state[TEXT] != st.session_state[BASE]


def changed_on_disk(ws: Workspace) -> bool:
    return _disk(ws) != st.session_state[BASE]


def set_text(new: str, *, structural: bool = False) -> None:
    st.session_state[TEXT] = new
    if structural:
        reset_widgets()


def saved(new_base: str) -> None:
    st.session_state[TEXT] = st.session_state[BASE] = new_base


def reset_widgets() -> None:
    """Drop every node widget's state, so the next render draws them from the text."""
    for key in [k for k in st.session_state if isinstance(k, str) and k.startswith(WIDGETS)]:
        del st.session_state[key]


def edit(change: Callable[[YamlDoc], object], *, structural: bool = True) -> None:
    """Apply ``change`` to the text through the round-trip document."""
    doc = YamlDoc(text())
    change(doc)
    set_text(doc.dump(), structural=structural)


def adopt_yaml() -> None:
    """on_change of the YAML panel: what the user typed becomes the text, and the forms follow it."""
    set_text(st.session_state[AREA], structural=True)


def touched(*keys: str) -> None:
    """on_change of node widgets: remember which node keys the user changed in this interaction."""
    st.session_state.setdefault(TOUCHED, set()).update(keys)


def touch(*keys: str) -> dict:
    """Widget kwargs that report a change of ``keys`` (see :func:`touched`)."""
    return {"on_change": touched, "args": keys}


def take_touched() -> set[str]:
    """The node keys changed since the last render (and forget them)."""
    return st.session_state.pop(TOUCHED, set())


def flash(message: str, kind: str = "success") -> None:
    st.session_state[FLASH] = (kind, message)


def show_flash() -> None:
    item = st.session_state.pop(FLASH, None)
    if item:
        kind, message = item
        (st.success if kind == "success" else st.error if kind == "error" else st.info)(message)
