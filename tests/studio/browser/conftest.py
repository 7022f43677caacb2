"""Real-browser fixtures: one Streamlit server and one chromium per test run, a fresh page per test.

Why one server: starting Streamlit and chromium costs seconds; a fresh browser *context* per test
still gives each test its own Streamlit session (own ``session_state``), so tests stay isolated.
The server runs on a copy of the sample project so runs made through the UI never touch the
shared master. Chromium is Debian's (``make system-deps`` installs it); there is no
``playwright install``. Without it the tests skip locally and fail under ``CI=true``.

Console errors are collected per test and fail it at teardown, except known harmless noise
(:data:`HARMLESS_CONSOLE`). Every request to a non-loopback host is aborted so the tests never
depend on the internet (Streamlit fetches the material-icon favicon from fonts.gstatic.com).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.studio.browser.helpers import (
    ARTIFACTS,
    ROOT,
    RUN_COUNTER_JS,
    open_app,
    slug,
    wait_components,
)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SERVER_START_TIMEOUT = 60.0
VIEWPORT = {"width": 1400, "height": 900}
LOOPBACK = re.compile(r"^(https?|wss?)://(127\.0\.0\.1|localhost)(:\d+)?(/|$)")

# Console messages that are not defects of the Studio. Each entry: (regex, why it is harmless).
HARMLESS_CONSOLE = [
    # Requests to other hosts are aborted on purpose (offline, deterministic); the browser logs them.
    # Only non-loopback URLs qualify: a failed load from the Studio itself stays an error.
    (re.compile(r"^Failed to load resource: net::ERR_(FAILED|NAME_NOT_RESOLVED|INTERNET_DISCONNECTED)"),
     "an external resource (e.g. the material-icon favicon) that the tests block"),
]


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def _unavailable(reason: str):
    """Skip locally, but never silently in CI: there the browser is installed by `make test`."""
    if _in_ci():
        pytest.fail(f"{reason} (CI=true: browser tests must run; `make system-deps` installs chromium)",
                    pytrace=False)
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as resp:
            return resp.status == 200 and resp.read().strip() == b"ok"
    except OSError:
        return False


def _stop(proc: subprocess.Popen) -> None:
    """Terminate the server's whole process group (it was started in its own session)."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    except ProcessLookupError:
        pass


class StudioServer:
    """A running ``streamlit run studio/app.py``: its URL, project copy and log file."""

    def __init__(self, url: str, project: Path, log: Path, proc: subprocess.Popen):
        self.url, self.project, self.log, self.proc = url, project, log, proc

    def log_text(self, tail: int | None = None) -> str:
        text = self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-tail:]) if tail else text


@pytest.fixture(scope="session")
def studio_server(sample_project_master, tmp_path_factory) -> StudioServer:
    """The Studio served on a free loopback port over a private copy of the sample project."""
    base = tmp_path_factory.mktemp("browser")
    project = base / "shop"
    shutil.copytree(sample_project_master, project, symlinks=True)
    log = base / "streamlit.log"
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items()
           if k not in {"ODIBI_STUDIO_PASSWORD", "ODIBI_ENV", "ODIBI_STUDIO_TEST"}}
    env.update(ODIBI_PROJECT=str(project), PYTHONUNBUFFERED="1", STREAMLIT_BROWSER_GATHER_USAGE_STATS="false")
    cmd = [sys.executable, "-m", "streamlit", "run", "studio/app.py", "--server.port", str(port),
           "--server.address", "127.0.0.1", "--server.headless", "true",
           # Uncaught errors in full, so a failing test says why (the shipped config redacts them).
           "--client.showErrorDetails", "full"]
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
    server = StudioServer(url, project, log, proc)
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while not _healthy(url):
            if proc.poll() is not None:
                raise RuntimeError(f"streamlit exited with {proc.returncode} before answering. Log:\n"
                                   f"{server.log_text()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"streamlit did not answer {url}/_stcore/health within "
                                   f"{SERVER_START_TIMEOUT:.0f} s. Log:\n{server.log_text()}")
            time.sleep(0.2)
        yield server
    finally:
        _stop(proc)


@pytest.fixture(scope="session")
def browser():
    """One headless chromium for the whole run (Debian's, not Playwright's download)."""
    if not os.access(CHROMIUM, os.X_OK):
        _unavailable(f"{CHROMIUM} not found: run `make system-deps` (apt-get install chromium chromium-driver)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed (pip install -e '.[dev]')")
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


class ConsoleLog:
    """Browser console errors and uncaught page errors of one test."""

    def __init__(self):
        self.errors: list[str] = []
        self.allowed: list[re.Pattern] = []
        self.last_at = time.monotonic()

    def allow(self, pattern: str) -> None:
        """Accept a console error a test provokes on purpose."""
        self.allowed.append(re.compile(pattern))

    def on_console(self, msg) -> None:
        self.last_at = time.monotonic()
        if msg.type != "error":
            return
        url = (msg.location or {}).get("url") or ""
        if not LOOPBACK.match(url) and any(p.search(msg.text) for p, _ in HARMLESS_CONSOLE):
            return
        self.errors.append(f"console.error: {msg.text} (at {url or '?'})")

    def on_page_error(self, exc) -> None:
        self.errors.append(f"uncaught page error: {exc}")

    def settle(self, page, quiet: float = 0.5, most: float = 3.0) -> None:
        """Let late output arrive (components log after they draw): wait until the console of
        every frame has been quiet for ``quiet`` seconds, at most ``most``."""
        start = time.monotonic()
        while time.monotonic() - self.last_at < quiet and time.monotonic() - start < most:
            page.wait_for_timeout(50)

    def unexpected(self) -> list[str]:
        """The errors no allowance covers, each once (with a count when repeated)."""
        counts: dict[str, int] = {}
        for e in self.errors:
            if not any(p.search(e) for p in self.allowed):
                counts[e] = counts.get(e, 0) + 1
        return [e if n == 1 else f"{e}  [x{n}]" for e, n in counts.items()]


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the item so the page fixture knows whether the test failed."""
    rep = yield
    setattr(item, f"rep_{rep.when}", rep)
    return rep


@pytest.fixture
def console() -> ConsoleLog:
    return ConsoleLog()


@pytest.fixture
def page(browser, studio_server, console, request):
    """A fresh browser context and page with the Studio loaded (default page, first run finished).

    Fails the test at teardown on unexpected console errors; on failure it saves a screenshot to
    test-artifacts/failures/ and prints the tail of the server log."""
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(15_000)
    context.add_init_script(RUN_COUNTER_JS)
    context.route(lambda url: not LOOPBACK.match(url), lambda route: route.abort())
    pg = context.new_page()
    pg.on("console", console.on_console)
    pg.on("pageerror", console.on_page_error)
    try:
        open_app(pg, studio_server.url)
        yield pg
        rep = getattr(request.node, "rep_call", None)
        if rep is not None and rep.failed:
            shot = ARTIFACTS / "failures" / f"{slug(request.node.name)}.png"
            shot.parent.mkdir(parents=True, exist_ok=True)
            with contextlib.suppress(Exception):  # a dead page must not hide the real failure
                pg.screenshot(path=str(shot), full_page=True)
            print(f"screenshot: {shot}\n--- streamlit log (tail) ---\n{studio_server.log_text(tail=60)}")
        wait_components(pg)
        console.settle(pg)
        errors = console.unexpected()
        if errors:
            pytest.fail("unexpected browser console errors:\n" + "\n".join(errors), pytrace=False)
    finally:
        context.close()
