"""One tiny landing (scale 0.01, seed 7) for all datagen tests, made through the real command line.

It is generated once per test session with ``python -m datagen`` run from a foreign folder,
which also proves the package works from anywhere once installed. Tests read it; none change it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

SEED = 7
SCALE = 0.01


@pytest.fixture(scope="session")
def landing(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("landing") / "landing"
    cwd = tmp_path_factory.mktemp("elsewhere")
    proc = subprocess.run([sys.executable, "-m", "datagen", "--scale", str(SCALE), "--out", str(out),
                           "--seed", str(SEED), "--quiet"], cwd=cwd, capture_output=True, text=True, timeout=120,
                          check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("datagen: wrote ") and "MB/s" in proc.stdout
    return out


@pytest.fixture(scope="session")
def manifest(landing) -> dict:
    return json.loads((landing / "_datagen.json").read_text())


def lines_of(landing: Path, stream: str) -> list[tuple[str, str, str]]:
    """(folder date, file name, line text) for every line of an event stream, in file order."""
    out = []
    for folder in sorted((landing / "events" / stream).iterdir()):
        for path in sorted(folder.glob("*.jsonl")):
            for line in path.read_text(encoding="utf-8").splitlines():
                out.append((folder.name[5:], path.name, line))
    return out


def parsed(landing: Path, stream: str) -> tuple[list[tuple[str, dict]], list[str]]:
    """((folder date, record) for valid lines, invalid lines)."""
    good, bad = [], []
    for date, _, line in lines_of(landing, stream):
        try:
            good.append((date, json.loads(line)))
        except ValueError:
            bad.append(line)
    return good, bad


@pytest.fixture(scope="session")
def clicks(landing):
    return parsed(landing, "clicks")


@pytest.fixture(scope="session")
def pings(landing):
    return parsed(landing, "driver_pings")


@pytest.fixture(scope="session")
def db(landing):
    import sqlite3

    con = sqlite3.connect(f"file:{landing / 'oltp.sqlite'}?mode=ro", uri=True)
    yield con
    con.close()
