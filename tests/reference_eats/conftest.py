"""Fixtures of the OdibiEats tests: a fresh copy of the project and of the hand-made landing."""

from __future__ import annotations

import pytest

from tests.reference_eats.support import copy_landing, copy_project


@pytest.fixture
def project(tmp_path):
    """Path of odibi.yaml in a throw-away copy of reference_eats/ (its lake goes there too)."""
    return copy_project(tmp_path / "reference_eats")


@pytest.fixture
def landing(tmp_path):
    """A throw-away copy of the hand-made landing set (tests may add or remove folders)."""
    return copy_landing(tmp_path / "landing")
