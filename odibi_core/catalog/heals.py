"""The heal log: every auto-heal attempt, with the SQL before and after and what became of it.

Why in the catalog: a proposal outlives the run that made it. A person reviews it later (the
Studio's Auto-Heal page, ``odibi heal --accept``), and "what did the healer change, when, and
who accepted it" must stay answerable next to the run history. Like the drift baselines, the
table is created on the first write, so only looking never changes the file.

Statuses: ``proposed`` (validated fix, waiting for a person), ``applied`` (used to re-run the
node in dev; the YAML is unchanged until accepted), ``refused`` (apply asked for in production:
proposed only), ``unhealed`` (no valid fix found), then a person's ``accepted`` / ``rejected``
(older open proposals for the same SQL become ``superseded``).
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import uuid
from typing import Any

from odibi_core import secrets
from odibi_core.catalog.store import RunCatalog, iso_utc
from odibi_core.errors import OdibiError

TABLE = "heal_log"
_COLUMNS = ("heal_id", "run_id", "pipeline", "node", "env", "created_at", "round", "location", "file", "error",
            "error_class", "before_sql", "after_sql", "diff", "strategy", "source", "explanation", "status",
            "validation", "rejected_json", "decided_at", "decided_by", "note")
_DDL = (f"CREATE TABLE IF NOT EXISTS {TABLE} (heal_id TEXT PRIMARY KEY, run_id TEXT, pipeline TEXT, "
        "node TEXT NOT NULL, env TEXT, created_at TEXT NOT NULL, round INTEGER, location TEXT, file TEXT, "
        "error TEXT, error_class TEXT, before_sql TEXT, after_sql TEXT, diff TEXT, strategy TEXT, source TEXT, "
        "explanation TEXT, status TEXT NOT NULL, validation TEXT, rejected_json TEXT, decided_at TEXT, "
        "decided_by TEXT, note TEXT)",
        f"CREATE INDEX IF NOT EXISTS ix_{TABLE}_node_created ON {TABLE} (node, created_at DESC)",
        f"CREATE INDEX IF NOT EXISTS ix_{TABLE}_created ON {TABLE} (created_at DESC)")
OPEN = ("proposed", "applied", "refused")  # a fix exists and no person has decided yet
DECISIONS = ("accepted", "rejected")


class HealNotFound(OdibiError):
    """No heal with that id in this project's catalog."""


class HealLog:
    """Record and read heal attempts in one :class:`RunCatalog`."""

    def __init__(self, catalog: RunCatalog) -> None:
        self.catalog = catalog

    def _exists(self) -> bool:
        return self.catalog.has_table(TABLE)

    # --- writes -------------------------------------------------------------------------------
    def record(self, entry: dict[str, Any]) -> str:
        """Store one attempt (keys of :data:`_COLUMNS`; texts are masked); returns its heal_id."""
        row = {c: entry.get(c) for c in _COLUMNS}
        row["heal_id"] = row["heal_id"] or new_heal_id()
        row["created_at"] = row["created_at"] or iso_utc(dt.datetime.now(dt.timezone.utc))
        row = {k: (secrets.mask(v) if isinstance(v, str) else v) for k, v in row.items()}

        def tx(conn: sqlite3.Connection) -> None:
            for stmt in _DDL:
                conn.execute(stmt)
            conn.execute(f"INSERT OR REPLACE INTO {TABLE} ({', '.join(_COLUMNS)}) "
                         f"VALUES ({', '.join('?' * len(_COLUMNS))})", [row[c] for c in _COLUMNS])

        self.catalog._write(tx)
        return row["heal_id"]

    def decide(self, heal_id: str, decision: str, *, by: str | None = None, note: str | None = None) -> dict[str, Any]:
        """A person accepted or rejected a proposal. Refuses a heal with no fix or one already decided."""
        if decision not in DECISIONS:
            raise OdibiError(f"a heal can be accepted or rejected, not '{decision}'")
        heal = self.get(heal_id)
        if heal["status"] in DECISIONS:
            raise OdibiError(f"heal {heal_id} was already {heal['status']} ({heal['decided_at']})")
        if heal["status"] not in OPEN:
            raise OdibiError(f"heal {heal_id} has no fix to {decision[:-2]} (status: {heal['status']})")

        now = iso_utc(dt.datetime.now(dt.timezone.utc))

        def tx(conn: sqlite3.Connection) -> None:
            conn.execute(f"UPDATE {TABLE} SET status=?, decided_at=?, decided_by=?, note=? WHERE heal_id=?",
                         (decision, now, by, secrets.mask(note) if note else None, heal_id))
            # earlier proposals for the same SQL are settled by this decision: they leave the review list
            conn.execute(f"UPDATE {TABLE} SET status='superseded', decided_at=?, decided_by=? WHERE node=? AND "
                         f"location IS ? AND heal_id<>? AND created_at<=? AND status IN ({', '.join('?' * len(OPEN))})",
                         (now, f"{decision} {heal_id}", heal["node"], heal["location"], heal_id, heal["created_at"],
                          *OPEN))

        self.catalog._write(tx)
        return self.get(heal_id)

    # --- reads --------------------------------------------------------------------------------
    def get(self, heal_id: str) -> dict[str, Any]:
        rows = self.catalog._query(f"SELECT * FROM {TABLE} WHERE heal_id=?", (heal_id,)) if self._exists() else []
        if not rows:
            raise HealNotFound(f"no heal with id '{heal_id}' in {self.catalog.path} (see `odibi heal --list`)")
        return rows[0]

    def list(self, *, node: str | None = None, statuses: tuple[str, ...] | None = None,
             limit: int = 200) -> list[dict[str, Any]]:
        """Newest first, optionally for one node and/or some statuses."""
        if not self._exists():
            return []
        where, params = [], []
        if node:
            where.append("node=?")
            params.append(node)
        if statuses:
            where.append(f"status IN ({', '.join('?' * len(statuses))})")
            params.extend(statuses)
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        return self.catalog._query(f"SELECT * FROM {TABLE} {clause} ORDER BY created_at DESC, heal_id LIMIT ?",
                                   (*params, int(limit)))

    def open_proposals(self) -> list[dict[str, Any]]:
        """The newest undecided fix of each (node, location): what a person should review."""
        seen: set[tuple] = set()
        out = []
        for row in self.list(statuses=OPEN, limit=1000):
            key = (row["node"], row["location"])
            if key not in seen:
                seen.add(key)
                out.append(row)
        return out


def new_heal_id() -> str:
    return "h-" + uuid.uuid4().hex[:10]
