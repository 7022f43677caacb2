"""Pinned schema baselines: the output schema a node is expected to keep, chosen by a person.

Why a separate table: "the previous run" moves with every run, so a slow drift (one column a
week) never looks like much against it. A pinned baseline stays until someone re-pins or
unpins it, which makes it the node's schema contract. One baseline per node (node names are
unique in a project), copied from a recorded schema snapshot so it survives catalog clean-ups
of old runs.

The table is created the first time something is pinned, not when the catalog is read: the
Studio and ``odibi drift`` only look, and looking never changes the file.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from typing import Any

from odibi_core import secrets
from odibi_core.catalog.store import RunCatalog, iso_utc
from odibi_core.errors import OdibiError

TABLE = "drift_baselines"
_DDL = (f"CREATE TABLE IF NOT EXISTS {TABLE} (node TEXT PRIMARY KEY, pipeline TEXT, run_id TEXT NOT NULL, "
        "columns_json TEXT NOT NULL, schema_hash TEXT NOT NULL, captured_at TEXT, pinned_at TEXT NOT NULL, "
        "note TEXT)")


class Baselines:
    """Pin, unpin and read the schema baselines stored in one :class:`RunCatalog`."""

    def __init__(self, catalog: RunCatalog) -> None:
        self.catalog = catalog

    def _exists(self) -> bool:
        return self.catalog.has_table(TABLE)

    # --- writes -------------------------------------------------------------------------------
    def pin(self, node: str, run_id: str | None = None, *, pipeline: str | None = None,
            note: str | None = None) -> dict[str, Any]:
        """Pin ``node``'s output schema from ``run_id`` (default: its latest successful run).

        Raises :class:`OdibiError` when that run recorded no schema for the node (it failed,
        was skipped, or never included the node)."""
        if run_id is None:
            snap = self.catalog.last_successful_schema(node)
            if snap is None:
                raise OdibiError(f"node '{node}' has no successful run with a recorded schema yet; "
                                 f"run it first, then pin its schema")
        else:
            rows = self.catalog._query("SELECT * FROM schema_snapshots WHERE run_id=? AND node=?", (run_id, node))
            if not rows:
                raise OdibiError(self._no_snapshot_message(node, run_id))
            snap = dict(rows[0])
            snap["columns"] = json.loads(snap.pop("columns_json"))
        row = {
            "node": node, "pipeline": pipeline, "run_id": snap["run_id"],
            "columns_json": json.dumps(snap["columns"], ensure_ascii=False), "schema_hash": snap["schema_hash"],
            "captured_at": snap.get("captured_at"), "pinned_at": iso_utc(dt.datetime.now(dt.timezone.utc)),
            "note": secrets.mask(note) if note else None,
        }

        def tx(conn: sqlite3.Connection) -> None:
            conn.execute(_DDL)
            cols = list(row)
            conn.execute(f"INSERT OR REPLACE INTO {TABLE} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                         [row[c] for c in cols])

        self.catalog._write(tx)
        return self.get(node)  # type: ignore[return-value]

    def unpin(self, node: str) -> bool:
        """Drop ``node``'s baseline; False when it had none."""
        if not self._exists():
            return False

        def tx(conn: sqlite3.Connection) -> int:
            return conn.execute(f"DELETE FROM {TABLE} WHERE node=?", (node,)).rowcount

        return bool(self.catalog._write(tx))

    # --- reads --------------------------------------------------------------------------------
    def get(self, node: str) -> dict[str, Any] | None:
        """The baseline of ``node`` (``columns`` decoded), or ``None``."""
        if not self._exists():
            return None
        rows = self.catalog._query(f"SELECT * FROM {TABLE} WHERE node=?", (node,))
        return _decode(rows[0]) if rows else None

    def list(self) -> list[dict[str, Any]]:
        """Every baseline, by node name."""
        if not self._exists():
            return []
        return [_decode(r) for r in self.catalog._query(f"SELECT * FROM {TABLE} ORDER BY node")]

    def as_map(self) -> dict[str, dict[str, Any]]:
        """``{node: baseline}`` in one query (a run checks every node against its baseline)."""
        return {b["node"]: b for b in self.list()}

    def _no_snapshot_message(self, node: str, run_id: str) -> str:
        run = self.catalog.get_run(run_id)
        if run is None:
            return f"no run with id '{run_id}' (see `odibi runs`)"
        statuses = {n["node"]: n["status"] for n in run.get("nodes") or []}
        if node not in statuses:
            return f"run '{run_id}' ({run['pipeline']}) did not include node '{node}'"
        return (f"node '{node}' {statuses[node]} in run '{run_id}', so no schema was recorded; "
                f"pin from a run where it succeeded")


def _decode(row: dict[str, Any]) -> dict[str, Any]:
    out = dict(row)
    out["columns"] = json.loads(out.pop("columns_json"))
    return out
