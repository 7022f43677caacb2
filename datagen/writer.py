"""Where everything lands on disk, and the bookkeeping around it.

Layout (the landing contract, see ``datagen/README.md``)::

    events/clicks/date=YYYY-MM-DD/part-<batch date>-<block>.jsonl
    events/driver_pings/date=YYYY-MM-DD/part-<batch date>-<block>.jsonl
    oltp.sqlite, oltp_dump.sql
    lookups/zones.csv, lookups/restaurants.csv
    lookups/menu/snapshot_date=YYYY-MM-DD/menu.csv
    _datagen.json   (what was generated: plan and exact counts; readers skip ``_`` files)

Event files are named after the batch (the day and block of visits) that wrote them, so a
folder holds its own day's batch plus files that arrived from earlier batches (events after
midnight, and late events). Names are unique, so parallel workers never write the same file.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from pathlib import Path

from datagen import config as C

MANIFEST = "_datagen.json"
OWNED = ("events", "lookups", "oltp.sqlite", "oltp_dump.sql", MANIFEST)


class LandingError(Exception):
    """A problem with the output folder, explained for the user."""


def prepare(out: Path) -> None:
    """Make ``out`` ready: create it, or clear a previous datagen landing; refuse other content."""
    if out.exists() and not out.is_dir():
        raise LandingError(f"--out {out} is a file, not a folder; pass a folder path.")
    if out.exists() and any(out.iterdir()):
        if not (out / MANIFEST).exists() and not (out / "events").exists():
            raise LandingError(f"--out {out} is not empty and holds no previous datagen landing ({MANIFEST} is "
                               "missing); pick an empty or new folder so nothing of yours is deleted.")
        for name in OWNED:
            path = out / name
            if path.is_dir():
                shutil.rmtree(path)
            elif path.exists():
                path.unlink()
    out.mkdir(parents=True, exist_ok=True)


def event_path(out: Path, stream: str, plan: C.Plan, folder_day: int, source_day: int, block: int) -> Path:
    folder = out / "events" / stream / f"date={plan.date(folder_day).isoformat()}"
    return folder / f"part-{plan.date(source_day):%Y%m%d}-{block:03d}.jsonl"


def write_bytes(path: Path, data) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as fh:
        fh.write(data)
    return len(data) if not isinstance(data, memoryview) else data.nbytes


def write_pieces(path: Path, pieces) -> int:
    """Write byte pieces (bytes or memoryviews) one after another into a new file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as fh:
        fh.writelines(pieces)
    return sum(p.nbytes if isinstance(p, memoryview) else len(p) for p in pieces)


def menu_path(out: Path, plan: C.Plan, day: int) -> Path:
    return out / "lookups" / "menu" / f"snapshot_date={plan.date(day).isoformat()}" / "menu.csv"


class OltpSink:
    """Appends SQL to ``oltp_dump.sql`` and executes the same text into ``oltp.sqlite``.

    SQLite runs without a journal and without syncs while loading (PRAGMA journal_mode=OFF,
    synchronous=OFF): the file is rebuilt from scratch on every run, so a crash only means
    running again.
    """

    def __init__(self, out: Path, plan: C.Plan, ddl: str, indexes: str) -> None:
        self.indexes = indexes
        self.dump = open(out / "oltp_dump.sql", "w", encoding="utf-8", newline="\n")  # noqa: SIM115 - closed by close()/abort()
        self.dump.write(
            f"-- OdibiEats OLTP dump (datagen seed={plan.seed} scale={plan.scale:g} days={plan.days}, "
            f"{plan.start_date}..{plan.date(plan.days - 1)}; times are UTC).\n"
            "-- Plain SQL in one transaction; loads into PostgreSQL (psql -v ON_ERROR_STOP=1 -f oltp_dump.sql) and SQLite.\n"
            "BEGIN;\nDROP TABLE IF EXISTS payments;\nDROP TABLE IF EXISTS order_items;\nDROP TABLE IF EXISTS orders;\n"
            + ddl
        )
        self.db = sqlite3.connect(out / "oltp.sqlite", isolation_level=None)
        self.db.execute("PRAGMA journal_mode=OFF")
        self.db.execute("PRAGMA synchronous=OFF")
        self.db.executescript(ddl)

    def add(self, sql: bytes) -> None:
        if not sql:
            return
        text = sql.decode("ascii")
        self.dump.write(text)
        self.db.executescript("BEGIN;\n" + text + "COMMIT;\n")

    def close(self) -> None:
        self.dump.write(self.indexes + "COMMIT;\n")
        self.dump.close()
        self.db.executescript(self.indexes)
        self.db.close()

    def abort(self) -> None:
        self.dump.close()
        self.db.close()


def write_manifest(out: Path, manifest: dict) -> None:
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def tree_size(out: Path) -> tuple[int, int]:
    """Total bytes and number of files under ``out``."""
    total = files = 0
    for dirpath, _, names in os.walk(out):
        for name in names:
            total += os.path.getsize(os.path.join(dirpath, name))
            files += 1
    return total, files
