"""Studio fixtures: a sample project with real runs, an empty project, and AppTest drivers.

The sample project is the local-medallion template, run for real twice (once with a broken
SQL file, so history has a failure as well as successes). Tests that change it take a copy.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "studio" / "app.py"


def run_project(path: Path, env: str | None = "dev", **opts):
    from odibi_core.runner.runner import RunOptions
    from odibi_core.session import Session

    session = Session(path, env=env)
    try:
        return session.run(RunOptions(**opts))
    finally:
        session.close()


@pytest.fixture(scope="session")
def sample_project_master(tmp_path_factory) -> Path:
    """Built once per test run; never modified by tests (use ``sample_project``)."""
    from odibi_core.templates import create_project

    root = tmp_path_factory.mktemp("studio") / "shop"
    create_project(root, "local-medallion")
    sql = root / "sql" / "clean_orders.sql"
    good = sql.read_text()
    sql.write_text(good.replace("SELECT", "SELEC", 1))  # a failing run first
    run_project(root / "odibi.yaml")
    sql.write_text(good)
    run_project(root / "odibi.yaml")
    run_project(root / "odibi.yaml")
    return root


@pytest.fixture
def sample_project(sample_project_master, tmp_path) -> Path:
    """A private copy of the sample project (with its run history) for one test."""
    dest = tmp_path / "shop"
    shutil.copytree(sample_project_master, dest, symlinks=True)
    return dest


@pytest.fixture
def empty_project(tmp_path) -> Path:
    folder = tmp_path / "empty"
    folder.mkdir()
    return folder


@pytest.fixture
def studio(monkeypatch):
    """``studio(project, page=None)`` -> an AppTest that has run once on ``project`` (a folder).

    ``page`` is a file name in pages/ (``"run.py"``); the app then switches to it."""
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("ODIBI_STUDIO_TEST", "1")
    monkeypatch.delenv("ODIBI_STUDIO_PASSWORD", raising=False)
    monkeypatch.delenv("ODIBI_ENV", raising=False)

    def open_app(project: Path, page: str | None = None, timeout: float = 60) -> AppTest:
        monkeypatch.setenv("ODIBI_PROJECT", str(project))
        at = AppTest.from_file(str(APP), default_timeout=timeout)
        at.run()
        if page is not None:
            at.switch_page(f"../pages/{page}")
            at.run()
        return at

    return open_app


def assert_clean(at) -> None:
    """No uncaught exception on the page (AppTest collects them as elements)."""
    assert not at.exception, [e.value for e in at.exception]
