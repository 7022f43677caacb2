"""``snap_compare``: SVG snapshots of a Textual app, the way Textual tests its own apps.

Why not the pytest-textual-snapshot plugin: it pins syrupy 4.8.0, which refuses pytest 9 (our
pinned test runner). This fixture does what the plugin does: run the app headless at a fixed
terminal size, press keys, wait for animations, export the screen as SVG with
``App.export_screenshot`` and compare it with ``__snapshots__/<test module>/<test name>.svg``.
A mismatch writes the new SVG to ``test-artifacts/snapshots/`` for review; set
``ODIBI_SNAPSHOT_UPDATE=1`` to accept the new pictures.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from concurrent.futures import ThreadPoolExecutor
from typing import Awaitable, Callable, Iterable, TypeVar

import pytest

HERE = Path(__file__).resolve().parent
ARTIFACTS = HERE.parents[1] / "test-artifacts" / "snapshots"
T = TypeVar("T")


def in_own_thread(fn: Callable[[], T]) -> T:
    """Run ``fn`` in a fresh thread and return its result (re-raising its error).

    Textual runs its app with ``asyncio.run``, which refuses to start inside a running event loop;
    Playwright's sync API (the browser tests, earlier in the same pytest session) keeps one running
    in the main thread. A thread of our own has no loop, whatever ran before."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="textual-test") as pool:
        return pool.submit(fn).result()


def take_svg(app, *, press: Iterable[str] = (), terminal_size: tuple[int, int] = (80, 24),
             run_before: Callable[[object], Awaitable[None] | None] | None = None) -> str:
    async def auto_pilot(pilot) -> None:
        await pilot.pause()
        if run_before is not None:
            result = run_before(pilot)
            if result is not None:
                await result
        await pilot.press(*press)
        await pilot.wait_for_scheduled_animations()
        await pilot.pause()
        pilot.app.exit(pilot.app.export_screenshot(title="odibi top"))

    return in_own_thread(lambda: app.run(headless=True, auto_pilot=auto_pilot, size=terminal_size))


@pytest.fixture
def snap_compare(request):
    module = Path(request.node.fspath).stem
    name = request.node.name.replace("/", "_")

    def compare(app, *, press: Iterable[str] = (), terminal_size: tuple[int, int] = (80, 24),
                run_before=None) -> bool:
        # the export names its CSS classes after a hash of the run; the plugin drops it, and so do we
        svg = re.sub(r"terminal-\d+-", "terminal-", take_svg(app, press=press, terminal_size=terminal_size,
                                                           run_before=run_before))
        expected = HERE / "__snapshots__" / module / f"{name}.svg"
        if os.environ.get("ODIBI_SNAPSHOT_UPDATE") == "1" or not expected.exists():
            if os.environ.get("ODIBI_SNAPSHOT_UPDATE") != "1":
                pytest.fail(f"no snapshot {expected}; run with ODIBI_SNAPSHOT_UPDATE=1 to create it")
            expected.parent.mkdir(parents=True, exist_ok=True)
            expected.write_text(svg, encoding="utf-8")
            return True
        if svg == expected.read_text(encoding="utf-8"):
            return True
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        (ARTIFACTS / f"{module}__{name}.svg").write_text(svg, encoding="utf-8")
        return False

    return compare
