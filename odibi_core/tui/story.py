"""Opening a run's HTML story from the terminal UI.

Why not plain ``webbrowser.open``: on a machine without a display Python falls back to console
browsers (lynx, w3m, www-browser), which would take over the terminal the UI is drawing on and
leave it garbled. Only a graphical browser is used; otherwise the UI shows the story's path, to
open elsewhere or copy. The app takes the opener as a parameter, so tests swap it.
"""

from __future__ import annotations

import webbrowser
from pathlib import Path
from typing import Callable

Opener = Callable[[str], bool]  # story path -> True when a browser was asked to show it


def is_console_browser(browser: webbrowser.BaseBrowser) -> bool:
    """A browser that runs in this terminal (and would block or garble a full-screen UI)."""
    if isinstance(browser, webbrowser.GenericBrowser) and not isinstance(browser, webbrowser.BackgroundBrowser):
        return True
    return isinstance(browser, webbrowser.UnixBrowser) and not browser.background


def open_in_browser(path: str) -> bool:
    """Show the story in a graphical browser; ``False`` when there is none to use."""
    try:
        browser = webbrowser.get()
    except webbrowser.Error:
        return False
    if is_console_browser(browser):
        return False
    return bool(browser.open(Path(path).resolve().as_uri(), new=2))
