"""A tiny project whose first node waits at a gate the test opens, so a run is slow on purpose
and deterministically: the test knows when the node is inside (``gate.entered``) and decides
when it may finish (``gate.open``), with no sleeps of guessed length."""

from __future__ import annotations

import time
from pathlib import Path

PROJECT = """\
project: gated
engine: pandas
connections:
  data: {type: local, base_path: ./data}
story: {connection: data, path: _stories}
system: {connection: data, path: _system}
pipelines:
  - pipeline: slow
    nodes:
      - name: gate
        read: {connection: data, format: csv, path: in.csv}
        transform:
          steps:
            - function: wait_for_gate
        write: {connection: data, format: csv, path: out/gate.csv}
      - name: after
        depends_on: [gate]
        write: {connection: data, format: csv, path: out/after.csv}
  - pipeline: quick
    nodes:
      - name: quick_copy
        read: {connection: data, format: csv, path: in.csv}
        write: {connection: data, format: csv, path: out/quick.csv}
"""

TRANSFORMS = """\
import time
from pathlib import Path

from odibi_core import transform

HERE = Path(__file__).resolve().parent


@transform
def wait_for_gate(df):
    (HERE / "gate.entered").touch()
    deadline = time.monotonic() + 120  # a safety net for a broken test, not a timing assumption
    while not (HERE / "gate.open").exists():
        if time.monotonic() > deadline:
            raise RuntimeError("the test never opened the gate")
        time.sleep(0.02)
    return df
"""


def make_gated_project(root: Path) -> Path:
    (root / "data").mkdir(parents=True)
    (root / "data" / "in.csv").write_text("id,name\n1,a\n2,b\n3,c\n")
    (root / "odibi.yaml").write_text(PROJECT)
    (root / "transforms.py").write_text(TRANSFORMS)
    return root


def wait_for(condition, what: str, timeout: float = 60.0):
    """Poll ``condition`` until it is truthy; the timeout only bounds a broken test."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def open_gate(root: Path) -> None:
    (root / "gate.open").touch()
