"""Page helpers for the real-browser Studio tests: navigate, wait for Streamlit, check for errors.

Why these waits: Streamlit re-runs the page script on every interaction and streams elements
over a websocket, so "the DOM has the element" does not mean "the page finished". An init script
(:data:`RUN_COUNTER_JS`) counts the server's "script finished" messages in ``window.__odibiRuns``,
so a helper waits for *the* run an action started instead of sleeping; then :func:`wait_idle`
checks ``stApp``'s ``data-test-script-state`` and that no stale or loading element is left.
"""

from __future__ import annotations

import ast
import re
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
APP = ROOT / "studio" / "app.py"
ARTIFACTS = ROOT / "test-artifacts"

RUN_TIMEOUT_MS = 30_000  # one script run of a page; a pipeline run is waited for separately
POLL_MS = 50  # how often the in-page waits re-check their condition

# Counts finished script runs: every ForwardMsg whose top-level field 6 (``script_finished``) is
# set, except FINISHED_EARLY_FOR_RERUN (2: another run follows). Counting messages, not DOM state
# changes, because React may batch "running" and "finished" into one render when a run is quick.
# The count moves as the message arrives, before React has drawn it, so the script also notes the
# time of the last DOM change and :func:`wait_idle` waits for a quiet DOM. The walker is checked
# against real ForwardMsg bytes in test_infrastructure.py.
RUN_COUNTER_JS = """
(() => {
  window.__odibiRuns = 0;
  window.__odibiChanged = performance.now();
  new MutationObserver(() => { window.__odibiChanged = performance.now(); })
    .observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
  const finished = (buf) => {
    const b = new Uint8Array(buf);
    let i = 0;
    const varint = () => { let r = 0, s = 0, x; do { x = b[i++]; r += (x & 0x7f) * 2 ** s; s += 7; } while (x & 0x80 && i < b.length); return r; };
    while (i < b.length) {
      const tag = varint(), field = Math.floor(tag / 8), wire = tag & 7;
      if (wire === 0) { const v = varint(); if (field === 6) return v !== 2; }
      else if (wire === 2) { const n = varint(); i += n; }  // not `i += varint()`: that reads i first
      else if (wire === 1) { i += 8; } else if (wire === 5) { i += 4; } else { return false; }
    }
    return false;
  };
  const Native = window.WebSocket;
  window.WebSocket = function (...args) {
    const ws = new Native(...args);
    ws.addEventListener('message', (ev) => {
      if (ev.data instanceof ArrayBuffer && finished(ev.data)) {
        window.__odibiRuns += 1;
      }
    });
    return ws;
  };
  window.WebSocket.prototype = Native.prototype;
  Object.assign(window.WebSocket, {CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3});
})();
"""

# True when the app is idle: not running, no status spinner, no loading skeletons, no stale elements,
# and the DOM unchanged for QUIET_MS (React has drawn the last messages).
QUIET_MS = 150
_IDLE_JS = f"""
() => {{
  if (performance.now() - (window.__odibiChanged || 0) < {QUIET_MS}) return false;
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app) return false;
  const state = app.getAttribute('data-test-script-state');
  if (state !== 'notRunning' && state !== 'compilationError') return false;
  if (document.querySelector('[data-testid="stStatusWidget"] [data-testid="stStatusWidgetRunningIcon"]')) return false;
  // Lazily loaded element code shows a skeleton (Suspense fallback) until its chunk arrives.
  if (document.querySelector('[data-testid="stSkeleton"], [data-testid="stSkeletonElement"], [data-testid="stAppSkeleton"]')) return false;
  return !document.querySelector('[data-stale="true"]');
}}
"""


def nav_titles() -> list[str]:
    """Titles of every ``st.Page(..., title=...)`` in studio/app.py, in navigation order.

    Read from the source (not hard-coded) so a page added to the navigation is screenshot too."""
    titles = []
    for node in ast.walk(ast.parse(APP.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "Page":
            for kw in node.keywords:
                if kw.arg == "title" and isinstance(kw.value, ast.Constant):
                    titles.append(kw.value.value)
    return titles


def slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


def runs_finished(page) -> int:
    return int(page.evaluate("() => window.__odibiRuns || 0"))


def wait_idle(page, timeout: float = RUN_TIMEOUT_MS) -> None:
    """Wait until Streamlit has no script running and no stale elements left."""
    page.wait_for_function(_IDLE_JS, timeout=timeout, polling=POLL_MS)


# Custom components (agraph, streamlit-flow) are iframes that load after the script run and then
# report their height; until then they are 0 px tall and blank.
_COMPONENTS_READY_JS = """
() => Array.from(document.querySelectorAll('iframe[data-testid="stCustomComponentV1"]'))
          .every(f => f.getBoundingClientRect().height > 0)
"""


# Inside a component frame: the bundle ran and drew something (vis-network's canvas, an svg...).
_FRAME_DRAWN_JS = """
() => document.readyState === 'complete' && !!document.querySelector('#root')
      && document.querySelector('#root canvas, #root svg') !== null
"""


def wait_components(page, timeout: float = RUN_TIMEOUT_MS) -> None:
    """Wait until every custom-component iframe has loaded and drawn its content.

    The iframe's size is set before its bundle runs (agraph builds its canvas, and logs option
    errors, only afterwards) and the frame starts as about:blank, so each frame is polled until
    its document is complete and #root holds a canvas or svg."""
    from playwright.sync_api import Error as PlaywrightError

    page.wait_for_function(_COMPONENTS_READY_JS, timeout=timeout, polling=POLL_MS)
    deadline = time.monotonic() + timeout / 1000
    pending = ["?"]
    while pending:
        pending = []
        for handle in page.locator('iframe[data-testid="stCustomComponentV1"]').element_handles():
            try:
                frame = handle.content_frame()
                if frame is None or "/component/" not in frame.url or not frame.evaluate(_FRAME_DRAWN_JS):
                    pending.append(handle.get_attribute("title") or "?")
            except PlaywrightError:  # navigating or replaced by a rerun: look again
                pending.append("?")
        if pending and time.monotonic() > deadline:
            raise AssertionError(f"custom components did not draw within {timeout / 1000:.0f} s: {pending}")
        if pending:
            page.wait_for_timeout(100)


def act(page, action, timeout: float = RUN_TIMEOUT_MS) -> None:
    """Do ``action()`` (a click, an Enter...) that triggers a rerun, and wait for that rerun to end."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    before = runs_finished(page)
    action()
    try:
        page.wait_for_function(f"() => (window.__odibiRuns || 0) > {before}", timeout=timeout, polling=POLL_MS)
    except PlaywrightTimeout:
        raise AssertionError(f"no Streamlit run finished within {timeout / 1000:.0f} s of {action!r} "
                             "(did the action change anything?)") from None
    wait_idle(page, timeout)


def open_app(page, base_url: str) -> None:
    """Load the Studio and wait for its first run (the default page) to finish."""
    page.goto(base_url + "/")
    page.get_by_test_id("stSidebarNav").wait_for(timeout=RUN_TIMEOUT_MS)
    wait_idle(page)


def nav_link(page, title: str):
    return page.get_by_test_id("stSidebarNav").get_by_role("link", name=title, exact=True)


def heading(page, title: str):
    """The page's title heading (``st.title``): its text starts with ``title`` (case-insensitive),
    so a page may say more than its navigation label ("Environments & connections")."""
    pattern = re.compile(rf"^\s*{re.escape(title)}(\W|$)", re.IGNORECASE)
    return page.locator("h1").filter(has_text=pattern)


def goto_page(page, title: str, timeout: float = RUN_TIMEOUT_MS) -> None:
    """Click the navigation link ``title``; return once the page ran to the end and shows its title."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    link = nav_link(page, title)
    if link.get_attribute("aria-current") != "page":
        act(page, link.click, timeout)
    wait_idle(page, timeout)
    wait_components(page, timeout)
    assert_no_streamlit_exception(page)
    try:  # the run has finished, so the title is there or never will be
        heading(page, title).first.wait_for(timeout=5_000)
    except PlaywrightTimeout:
        shown = page.locator("h1").all_inner_texts()
        raise AssertionError(f"page {title!r} has no title heading {title!r}; h1 shown: {shown}") from None


def assert_no_streamlit_exception(page) -> None:
    """No uncaught exception box and no Streamlit error panel for a failed script."""
    boxes = page.get_by_test_id("stException")
    if boxes.count():
        raise AssertionError("Streamlit showed an exception:\n" + "\n---\n".join(boxes.all_inner_texts()))
    # A page that fails to import/compile shows a "compilation error" state and an alert.
    state = page.get_by_test_id("stApp").get_attribute("data-test-script-state")
    assert state != "compilationError", "the page script failed to compile"


def widget(page, key: str):
    """The element container Streamlit tags with ``st-key-<key>`` for a widget created with ``key=``.

    Streamlit replaces every character outside ``[a-zA-Z0-9_-]`` by ``-`` (``bn.0.name`` ->
    ``st-key-bn-0-name``), as its frontend does."""
    return page.locator(".st-key-" + re.sub(r"[^a-zA-Z0-9_-]", "-", key.strip()))


def save_screenshot(page, name: str) -> Path:
    """A full-page PNG in test-artifacts/screenshots/<name>.png.

    Streamlit scrolls inside ``stMain``, not the document, so Playwright's ``full_page`` alone
    would only capture the viewport: grow the viewport to the content height first."""
    out = ARTIFACTS / "screenshots" / f"{name}.png"
    out.parent.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size or {"width": 1400, "height": 900}
    height = page.evaluate(
        """() => Math.max(...['stMain', 'stMainBlockContainer', 'stSidebarContent']
             .map(id => document.querySelector(`[data-testid="${id}"]`))
             .filter(Boolean).map(el => el.scrollHeight + el.getBoundingClientRect().top), 0)"""
    )
    tall = min(int(height) + 24, 8000) if height > size["height"] else size["height"]
    if tall != size["height"]:
        page.set_viewport_size({"width": size["width"], "height": tall})
        wait_idle(page)
    try:
        page.screenshot(path=str(out), full_page=True)
    finally:
        if tall != size["height"]:
            page.set_viewport_size(size)
    return out


# --- driving widgets by key -------------------------------------------------------------------
def click_button(page, key: str, timeout: float = RUN_TIMEOUT_MS) -> None:
    """Click the button created with ``key=`` and wait for the rerun it causes."""
    act(page, widget(page, key).get_by_role("button").first.click, timeout)


def fill_text(page, key: str, value: str, timeout: float = RUN_TIMEOUT_MS) -> None:
    """Type ``value`` into the text input ``key`` and commit it (Enter), waiting for the rerun.

    Streamlit sends a text input's value on Enter or blur, and only when it changed."""
    box = widget(page, key).locator("input")
    if box.input_value() == value:
        return
    box.fill(value)
    act(page, lambda: box.press("Enter"), timeout)


def fill_text_area(page, key: str, value: str, timeout: float = RUN_TIMEOUT_MS) -> None:
    """Replace the text area ``key``'s content and commit it (Ctrl+Enter), waiting for the rerun."""
    box = widget(page, key).locator("textarea")
    if box.input_value() == value:
        return
    box.fill(value)
    act(page, lambda: box.press("Control+Enter"), timeout)


def _pick(page, box, option: str, timeout: float) -> None:
    """Open the (react-aria) list of ``box`` and click ``option``, waiting for the rerun.

    A list opened while an earlier rerun still redraws the widget can close again at once, so
    opening is retried (a few times) until the option is visible."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    listbox = page.get_by_role("listbox")
    choice = listbox.get_by_role("option", name=option, exact=True).first
    shown: list[str] = []
    for attempt in range(4):
        wait_idle(page, timeout)
        if attempt % 2 == 0:
            box.get_by_role("button", name="Open").click()
        else:  # the keyboard way: focus the combobox, ArrowDown opens its list
            box.get_by_role("combobox").focus()
            page.keyboard.press("ArrowDown")
        try:
            choice.wait_for(state="visible", timeout=5_000)
        except PlaywrightTimeout:
            shown = listbox.get_by_role("option").all_inner_texts() or shown
            page.keyboard.press("Escape")
            continue
        act(page, choice.click, timeout)
        return
    raise AssertionError(f"option {option!r} is not offered by {box}; options shown: {shown}")


def select_option(page, key: str, option: str, timeout: float = RUN_TIMEOUT_MS) -> None:
    """Pick ``option`` (its shown label, exactly) in the selectbox ``key``."""
    box = widget(page, key)
    if box.get_by_role("combobox").input_value() == option:
        return
    _pick(page, box, option, timeout)


def set_checkbox(page, key: str, checked: bool, timeout: float = RUN_TIMEOUT_MS) -> None:
    """Tick or clear the checkbox ``key`` (clicking its label, as a user does)."""
    box = widget(page, key)
    if box.get_by_role("checkbox").is_checked() == checked:
        return
    act(page, box.locator("label").first.click, timeout)


def multiselect_only(page, key: str, options: list[str], timeout: float = RUN_TIMEOUT_MS) -> None:
    """Make the multiselect ``key`` hold exactly ``options``: remove the other tags, add the missing."""
    box = widget(page, key)
    tags = box.get_by_test_id("stMultiSelectTagsContainer").first.locator("[data-tag]")
    for tag in tags.evaluate_all("els => els.map(e => e.getAttribute('aria-label'))"):
        if tag not in options:
            act(page, box.get_by_role("button", name=f"Remove {tag}", exact=True).first.click, timeout)
    current = set(tags.evaluate_all("els => els.map(e => e.getAttribute('aria-label'))"))
    for option in options:
        if option not in current:
            _pick(page, box, option, timeout)
            page.keyboard.press("Escape")  # close the list so it does not cover other widgets
