"""Small helpers for tests that build throw-away projects in tmp_path."""

from __future__ import annotations

import textwrap
from pathlib import Path

import yaml

BASE = {
    "project": "t",
    "connections": {"src": {"type": "local", "base_path": "./src"}, "lake": {"type": "local", "base_path": "./lake"}},
    "story": {"connection": "lake", "path": "_stories"},
    "system": {"connection": "lake", "path": "_system"},
}


def write_project(root: Path, pipelines: list[dict], files: dict[str, str] | None = None, **top) -> Path:
    """Write odibi.yaml (+ data files under src/) and return the config path."""
    (root / "src").mkdir(parents=True, exist_ok=True)
    (root / "lake").mkdir(parents=True, exist_ok=True)
    for rel, text in (files or {}).items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    cfg = {**BASE, **top, "pipelines": pipelines}
    path = root / "odibi.yaml"
    path.write_text(yaml.safe_dump(cfg, sort_keys=False), encoding="utf-8")
    return path


PEOPLE_CSV = """
id,name,age,country
1,Ann,34,gb
2,Bob,41,us
3,Cid,29,gb
4,Dee,,us
"""
