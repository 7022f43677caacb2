"""Fixtures for background-run tests (see gated.py for the slow-on-purpose project)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.jobs.gated import make_gated_project


@pytest.fixture
def gated_project(tmp_path) -> Path:
    return make_gated_project(tmp_path / "gated")
