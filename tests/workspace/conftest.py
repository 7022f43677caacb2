"""Workspace fixtures: a fresh copy of the local-medallion template (no runs) per test."""

from __future__ import annotations

from pathlib import Path

import pytest

from odibi_core.templates import create_project
from odibi_core.workspace import Workspace


@pytest.fixture
def shop(tmp_path) -> Path:
    return create_project(tmp_path / "shop", "local-medallion")


@pytest.fixture
def ws(shop) -> Workspace:
    return Workspace(shop)


def snapshot(root: Path) -> dict[str, tuple[int, int, bytes]]:
    """Every file under ``root`` with its size, mtime and content: equal snapshots = nothing written."""
    return {str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns, p.read_bytes())
            for p in sorted(root.rglob("*")) if p.is_file()}
