"""Small display helpers shared by pages: status colours, empty states, readable errors."""

from __future__ import annotations

import streamlit as st

from odibi_core import secrets
from odibi_core.errors import OdibiError

STATUS_COLORS = {
    "success": "#16a34a",
    "warning": "#f59e0b",
    "partial": "#f59e0b",
    "failed": "#dc2626",
    "cancelled": "#6b7280",
    "skipped": "#9ca3af",
    "running": "#2563eb",
    "pending": "#cbd5e1",
    "disabled": "#e5e7eb",
    None: "#cbd5e1",
}
LAYER_COLORS = {"bronze": "#b45309", "silver": "#64748b", "gold": "#ca8a04", None: "#475569"}
STATUS_ICONS = {"success": "✅", "warning": "⚠️", "partial": "⚠️", "failed": "❌", "cancelled": "⏹️",
                "skipped": "⏭️", "running": "⏳", "pending": "…"}


def status_color(status: str | None) -> str:
    return STATUS_COLORS.get(status, STATUS_COLORS[None])


def layer_color(layer: str | None) -> str:
    return LAYER_COLORS.get(layer, LAYER_COLORS[None])


def empty_state(message: str, hint: str | None = None) -> None:
    """A friendly placeholder instead of a blank page: what is missing and what to do."""
    st.info(message + (f"\n\n{hint}" if hint else ""), icon=":material/info:")


def show_error(exc: BaseException | None, title: str = "Something went wrong") -> None:
    """A user error as one readable paragraph (file:line: key: message), secrets masked, no traceback."""
    if exc is None:
        st.error(title)
        return
    text = str(exc) if isinstance(exc, OdibiError) else f"{type(exc).__name__}: {exc}"
    st.error(f"**{title}**\n\n{secrets.mask(text)}", icon=":material/error:")


def fmt_rows(value) -> str:
    return "–" if value is None else f"{int(value):,}"


def fmt_seconds(value) -> str:
    if value is None:
        return "–"
    value = float(value)
    if value < 60:
        return f"{value:.1f} s"
    minutes, seconds = divmod(int(round(value)), 60)
    return f"{minutes} min {seconds:02d} s" if minutes < 60 else f"{minutes // 60} h {minutes % 60:02d} min"
