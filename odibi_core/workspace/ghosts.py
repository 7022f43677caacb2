"""Closing "ghost" runs: catalog rows still marked running whose process is gone.

Why it is needed: a run records itself as running when it starts and writes its final record
when it ends. A process killed in between (SIGKILL, the OOM killer, a second Ctrl+C, a power
cut) never writes that final record, and history would show a run "running" forever. Two
signals tell a ghost apart from a live run, both without guessing from elapsed time:

- a Studio job whose process is gone before its state file says finished (its run ids are known);
- a running row whose pipeline holds no live lock, or only a lock taken after that row began
  (a run holds its pipeline's lock from before its row is written until after its final record).

The update is conditional (``WHERE status='running'``), so a run that writes its final record
at the same moment keeps it.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from typing import Iterable

from odibi_core import locks
from odibi_core.catalog import RunCatalog

DIED = ("its process ended before the run finished (killed, or crashed, e.g. out of memory); "
        "outputs of nodes that were running may be partial: run it again")
KILLED = "stopped at once by the user; outputs of nodes that were running may be partial"


def parse_ts(ts: str | None) -> dt.datetime | None:
    """An ISO timestamp as an aware datetime (naive = UTC); None when missing or unreadable."""
    try:
        value = dt.datetime.fromisoformat(ts) if ts else None
    except ValueError:
        return None
    if value is not None and value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value


def close_unfinished(catalog: RunCatalog, run_ids: Iterable[str], *, status: str = "failed",
                     error: str = DIED) -> list[str]:
    """Mark runs still recorded as running as ``status`` (failed or cancelled), with ``error``.

    Their running nodes get the same status and error, pending ones are skipped. Returns the
    run ids that were changed."""
    ids = list(dict.fromkeys(run_ids))
    if not ids:
        return []
    now = dt.datetime.now(dt.timezone.utc)
    now_iso = now.isoformat(timespec="milliseconds")

    def tx(conn: sqlite3.Connection) -> list[str]:
        changed = []
        for run_id in ids:
            row = conn.execute("SELECT started_at FROM runs WHERE run_id=? AND status='running'",
                               (run_id,)).fetchone()
            if row is None:
                continue
            started = parse_ts(row[0])
            conn.execute("UPDATE node_runs SET status=?, error=COALESCE(error, ?), ended_at=COALESCE(ended_at, ?) "
                         "WHERE run_id=? AND status='running'", (status, error, now_iso, run_id))
            conn.execute("UPDATE node_runs SET status='skipped', skipped_reason=? WHERE run_id=? AND status='pending'",
                         ("the run stopped before this node started", run_id))
            conn.execute(
                "UPDATE runs SET status=?, ended_at=?, duration_s=?, error=?, "
                "nodes_failed=(SELECT COUNT(*) FROM node_runs n WHERE n.run_id=runs.run_id AND n.status='failed'), "
                "nodes_skipped=(SELECT COUNT(*) FROM node_runs n WHERE n.run_id=runs.run_id AND n.status='skipped') "
                "WHERE run_id=? AND status='running'",
                (status, now_iso, round((now - started).total_seconds(), 3) if started else None, error, run_id))
            changed.append(run_id)
        return changed

    return catalog._write(tx)


def find_ghosts(catalog: RunCatalog, system_dir: str | os.PathLike) -> list[str]:
    """Run ids recorded as running that no live process holds (see the module docstring)."""
    rows = catalog._query("SELECT run_id, pipeline, started_at FROM runs WHERE status='running'")
    ghosts = []
    for row in rows:
        lock = locks.holder(system_dir, row["pipeline"])
        if lock is None:
            ghosts.append(row["run_id"])
            continue
        lock_start, run_start = lock.started(), parse_ts(row["started_at"])
        if lock_start is not None and run_start is not None and run_start < lock_start:
            ghosts.append(row["run_id"])  # an earlier run's row; the lock belongs to a newer run
    return ghosts


def settle(catalog: RunCatalog, system_dir: str | os.PathLike) -> list[str]:
    """Close every ghost run in the catalog as failed; returns their run ids."""
    return close_unfinished(catalog, find_ghosts(catalog, system_dir))
