"""The run catalog: every run, node run and output schema, in an embedded SQLite file.

Why SQLite and not DuckDB: several processes write the catalog at the same time (CLI runs,
the Studio, a background run started from the Studio). SQLite in WAL mode with a busy timeout
lets any number of readers work next to one writer at a time, across processes, and queues the
writers; DuckDB allows only one process to open a file for writing, so a second ``odibi run``
would fail to record its history while the Studio is open. The catalog's queries are small
lookups and listings, which SQLite serves well.

How it stays safe under concurrency: WAL journal, ``busy_timeout`` of 30 s, one connection per
thread (the runner records node progress from its worker threads), every write in one
``BEGIN IMMEDIATE`` transaction (the write lock is taken up front, so two writers cannot
deadlock upgrading read locks), and a few retries with backoff when SQLite still reports
"database is locked". Every text goes through :func:`odibi_core.secrets.mask` on the way in.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import random
import sqlite3
import threading
import time
import weakref
from pathlib import Path
from typing import Any, Callable, TypeVar

from odibi_core import secrets
from odibi_core.catalog.schema import DDL, SCHEMA_VERSION
from odibi_core.errors import OdibiError
from odibi_core.runner.results import NodeResult, RunResult

T = TypeVar("T")
BUSY_TIMEOUT_S = 30.0
_RETRIES = 8
_OK_STATUSES = ("success", "warning")  # a node that ran to the end; "warning" = warn-level tests failed
_MAX_ERROR_CHARS = 4000


class _Connection(sqlite3.Connection):
    """Weak-referenceable, so :meth:`RunCatalog.close` can reach live connections while a connection
    of a thread that ended (the Studio and the runner come and go with threads) is freed and closed."""


class CatalogError(OdibiError):
    """The catalog file cannot be used (corrupt, newer format, locked for too long)."""


class RunCatalog:
    """Run history of one project, stored in ``<folder>/catalog.db``."""

    def __init__(self, path: str | os.PathLike) -> None:
        self.folder = Path(path)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CatalogError(f"cannot create the run history folder {self.folder}: {exc.strerror or exc}; "
                               f"check system.path and the folder's permissions") from exc
        self.path = self.folder / "catalog.db"
        self._local = threading.local()
        self._conns: weakref.WeakSet[sqlite3.Connection] = weakref.WeakSet()
        self._conns_lock = threading.Lock()
        self._setup()

    # --- connections and transactions ---------------------------------------------------------
    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None or getattr(self._local, "pid", None) != os.getpid():
            conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None,
                                   check_same_thread=False, factory=_Connection)
            conn.row_factory = sqlite3.Row
            conn.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")
            conn.execute("PRAGMA synchronous=NORMAL")
            self._local.conn, self._local.pid = conn, os.getpid()
            with self._conns_lock:
                self._conns.add(conn)
        return conn

    def _retry(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        for attempt in range(_RETRIES):
            try:
                return fn(self._conn())
            except sqlite3.OperationalError as exc:
                if _is_busy(exc) and attempt < _RETRIES - 1:
                    time.sleep(min(2.0, 0.05 * 2 ** attempt) * (0.5 + random.random()))
                    continue
                raise self._error(exc) from exc
            except sqlite3.DatabaseError as exc:
                raise self._error(exc) from exc
        raise AssertionError("unreachable")  # the loop returns or raises

    def _write(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        def tx(conn: sqlite3.Connection) -> T:
            conn.execute("BEGIN IMMEDIATE")
            try:
                out = fn(conn)
                conn.execute("COMMIT")
                return out
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise

        return self._retry(tx)

    def _query(self, sql: str, params: tuple | list = ()) -> list[dict[str, Any]]:
        return self._retry(lambda c: [dict(r) for r in c.execute(sql, params).fetchall()])

    def _error(self, exc: sqlite3.Error) -> CatalogError:
        if _is_busy(exc):
            hint = (f"another odibi process kept it locked for more than {BUSY_TIMEOUT_S:.0f} s; "
                    f"wait for it to finish and try again")
        else:
            hint = "if the file is damaged, move it away (run history then starts afresh)"
        return CatalogError(f"run catalog {self.path} could not be used ({exc}); {hint}")

    def _setup(self) -> None:
        def wal(conn: sqlite3.Connection) -> None:
            mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise CatalogError(f"run catalog {self.path} cannot use WAL journaling (got '{mode}'); "
                                   f"put system.path on a local disk")

        def create(conn: sqlite3.Connection) -> None:
            for stmt in DDL:
                conn.execute(stmt)
            row = conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
            if row is None:
                conn.execute("INSERT INTO meta(key, value) VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
            elif int(row[0]) > SCHEMA_VERSION:
                raise CatalogError(f"run catalog {self.path} has schema version {row[0]}, newer than this odibi "
                                   f"understands ({SCHEMA_VERSION}); upgrade odibi")

        self._retry(wal)
        self._write(create)

    def close(self) -> None:
        """Close every connection this catalog opened (in any thread)."""
        with self._conns_lock:
            conns, self._conns = list(self._conns), weakref.WeakSet()
        for conn in conns:
            try:
                conn.close()
            except sqlite3.Error:
                pass
        self._local = threading.local()

    def fingerprint(self) -> tuple:
        """Changes whenever anything is written (the file or its WAL grows or is touched).

        A stat call, no query: the Studio keys its caches on it, so cached catalog reads are
        dropped exactly when a run (from any process) records something."""
        out: list = []
        for suffix in ("", "-wal"):
            try:
                st = os.stat(f"{self.path}{suffix}")
                out += [st.st_mtime_ns, st.st_size]
            except FileNotFoundError:
                out += [0, 0]
        return tuple(out)

    def has_table(self, name: str) -> bool:
        """Whether ``name`` exists; tables created on first write (baselines, heal log) are asked with this,
        so reading never creates them."""
        return bool(self._query("SELECT 1 AS ok FROM sqlite_master WHERE type='table' AND name=?", (name,)))

    @property
    def schema_version(self) -> int:
        return int(self._query("SELECT value FROM meta WHERE key='schema_version'")[0]["value"])

    # --- writes -------------------------------------------------------------------------------
    def record_run_start(self, result: RunResult) -> None:
        """A run began: its row (status as given, usually running) and its nodes as pending."""
        def tx(conn: sqlite3.Connection) -> None:
            _upsert(conn, "runs", ("run_id",), _run_row(result))
            for seq, nr in enumerate(result.nodes):
                row = _node_row(result.run_id, nr, seq)
                cols = ", ".join(row)
                conn.execute(f"INSERT INTO node_runs ({cols}) VALUES ({', '.join('?' * len(row))}) "
                             f"ON CONFLICT(run_id, node) DO NOTHING", list(row.values()))

        self._write(tx)

    def record_node(self, run_id: str, node: NodeResult) -> None:
        """Live progress: one node's current state, and the run's node counts brought up to date."""
        def tx(conn: sqlite3.Connection) -> None:
            old = conn.execute("SELECT seq FROM node_runs WHERE run_id=? AND node=?", (run_id, node.name)).fetchone()
            if old is not None:
                seq = old[0]
            else:
                seq = conn.execute("SELECT COALESCE(MAX(seq) + 1, 0) FROM node_runs WHERE run_id=?",
                                   (run_id,)).fetchone()[0]
            _upsert(conn, "node_runs", ("run_id", "node"), _node_row(run_id, node, seq))
            conn.execute(
                "UPDATE runs SET "
                "nodes_total=(SELECT COUNT(*) FROM node_runs n WHERE n.run_id=runs.run_id), "
                "nodes_success=(SELECT COUNT(*) FROM node_runs n WHERE n.run_id=runs.run_id "
                "AND n.status IN ('success','warning')), "
                "nodes_failed=(SELECT COUNT(*) FROM node_runs n WHERE n.run_id=runs.run_id AND n.status='failed'), "
                "nodes_skipped=(SELECT COUNT(*) FROM node_runs n WHERE n.run_id=runs.run_id AND n.status='skipped') "
                "WHERE run_id=?", (run_id,))

        self._write(tx)

    def record_run(self, result: RunResult) -> None:
        """The final record: run, all node runs and the output schemas of nodes that ran, in one transaction."""
        def tx(conn: sqlite3.Connection) -> None:
            _upsert(conn, "runs", ("run_id",), _run_row(result))
            names = [nr.name for nr in result.nodes]
            conn.execute(f"DELETE FROM node_runs WHERE run_id=? AND node NOT IN ({', '.join('?' * len(names))})",
                         [result.run_id, *names])
            for seq, nr in enumerate(result.nodes):
                _upsert(conn, "node_runs", ("run_id", "node"), _node_row(result.run_id, nr, seq))
                if nr.status in _OK_STATUSES and nr.schema_out:
                    _upsert(conn, "schema_snapshots", ("run_id", "node"), _snapshot_row(result, nr))

        self._write(tx)

    # --- reads --------------------------------------------------------------------------------
    def list_runs(self, pipeline: str | None = None, status: str | None = None, since: Any = None,
                  until: Any = None, limit: int = 50, offset: int = 0) -> list[dict[str, Any]]:
        """Runs, newest first; ``since``/``until`` bound started_at (datetimes or ISO strings)."""
        where, params = _run_filters(pipeline, status, since, until)
        limit, offset = _page(limit, offset)
        return self._query(f"SELECT * FROM runs{where} ORDER BY started_at DESC, run_id DESC LIMIT ? OFFSET ?",
                           [*params, limit, offset])

    def count_runs(self, pipeline: str | None = None, status: str | None = None, since: Any = None,
                   until: Any = None) -> int:
        where, params = _run_filters(pipeline, status, since, until)
        return int(self._query(f"SELECT COUNT(*) AS n FROM runs{where}", params)[0]["n"])

    def get_run(self, run_id: str) -> dict[str, Any] | None:
        """One run with its node runs under ``nodes`` (in run order)."""
        rows = self._query("SELECT * FROM runs WHERE run_id=?", (run_id,))
        if not rows:
            return None
        run = rows[0]
        run["nodes"] = self._query("SELECT * FROM node_runs WHERE run_id=? ORDER BY seq, node", (run_id,))
        return run

    def latest_run(self, pipeline: str | None = None) -> dict[str, Any] | None:
        """The newest run (of ``pipeline`` if given), with its nodes."""
        rows = self.list_runs(pipeline=pipeline, limit=1)
        return self.get_run(rows[0]["run_id"]) if rows else None

    def node_history(self, node: str, limit: int = 50, pipeline: str | None = None) -> list[dict[str, Any]]:
        """One node across runs, newest first, with the run's env and status."""
        limit, _ = _page(limit, 0)
        extra, params = (" AND n.pipeline=?", [pipeline]) if pipeline else ("", [])
        return self._query(
            "SELECT n.*, r.env AS env, r.status AS run_status, r.started_at AS run_started_at "
            "FROM node_runs n LEFT JOIN runs r ON r.run_id = n.run_id "
            f"WHERE n.node=?{extra} ORDER BY COALESCE(n.started_at, r.started_at) DESC, r.started_at DESC, "
            "n.run_id DESC LIMIT ?", [node, *params, limit])

    def schema_history(self, node: str, limit: int = 50) -> list[dict[str, Any]]:
        """Output schemas of ``node``, newest first; ``changed`` says it differs from the one before."""
        limit, _ = _page(limit, 0)
        rows = self._query("SELECT * FROM schema_snapshots WHERE node=? ORDER BY captured_at DESC, run_id DESC "
                           "LIMIT ?", (node, limit + 1))
        out = [_snapshot(r) for r in rows]
        for i, snap in enumerate(out):
            snap["changed"] = i + 1 < len(out) and out[i + 1]["schema_hash"] != snap["schema_hash"]
        return out[:limit]

    def last_successful_schema(self, node: str, before_run_id: str | None = None) -> dict[str, Any] | None:
        """The newest output schema of ``node`` from a run that got through it, before ``before_run_id``
        (that run excluded; older snapshots only when the run is known), or ``None``."""
        sql, params = "SELECT * FROM schema_snapshots WHERE node=?", [node]
        if before_run_id is not None:
            sql += (" AND run_id<>? AND captured_at < COALESCE((SELECT started_at FROM runs WHERE run_id=?),"
                    " '9999')")
            params += [before_run_id, before_run_id]
        rows = self._query(sql + " ORDER BY captured_at DESC, run_id DESC LIMIT 1", params)
        return _snapshot(rows[0]) if rows else None


# --- row building ----------------------------------------------------------------------------------
def _is_busy(exc: BaseException) -> bool:
    text = str(exc).lower()
    return "database is locked" in text or "database is busy" in text or "database table is locked" in text


def _m(value: Any) -> Any:
    return secrets.mask(value) if isinstance(value, str) else value


def iso_utc(value: Any) -> str | None:
    """ISO-8601 UTC with milliseconds; naive values are taken as UTC. Unparseable text stays as given."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day)
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value.astimezone(dt.timezone.utc).isoformat(timespec="milliseconds")


def _run_row(r: RunResult) -> dict[str, Any]:
    counts = r.counts
    written = [n.rows_written for n in r.nodes if n.rows_written is not None]
    errors = [f"{n.name}: {n.error}" for n in r.nodes if n.status == "failed" and n.error]
    error = "; ".join(errors)
    row = {
        "run_id": r.run_id, "project": r.project, "pipeline": r.pipeline, "env": r.env, "engine": r.engine,
        "status": r.status, "started_at": iso_utc(r.started_at) or iso_utc(dt.datetime.now(dt.timezone.utc)),
        "ended_at": iso_utc(r.ended_at), "duration_s": r.duration_s, "nodes_total": len(r.nodes),
        "nodes_success": sum(counts.get(s, 0) for s in _OK_STATUSES), "nodes_failed": counts.get("failed", 0),
        "nodes_skipped": counts.get("skipped", 0), "rows_written": sum(written) if written else None,
        "story_json": r.story_json, "story_html": r.story_html, "config_file": r.config_file,
        "error": error[:_MAX_ERROR_CHARS] or None, "warnings_count": len(r.warnings), "layer": r.layer,
        "dry_run": int(bool(r.dry_run)),
    }
    return {k: _m(v) for k, v in row.items()}


def _node_row(run_id: str, n: NodeResult, seq: int) -> dict[str, Any]:
    row = {
        "run_id": run_id, "node": n.name, "pipeline": n.pipeline, "status": n.status,
        "started_at": iso_utc(n.started_at), "ended_at": iso_utc(n.ended_at), "duration_s": n.duration_s,
        "attempts": n.attempts, "rows_in": n.rows_in, "rows_out": n.rows_out, "rows_written": n.rows_written,
        "error": n.error, "suggestion": n.suggestion, "write_target": n.write_target, "seq": seq,
        "error_type": n.error_type, "skipped_reason": n.skipped_reason, "write_mode": n.write_mode,
        "write_version": n.write_version,
    }
    return {k: _m(v) for k, v in row.items()}


def schema_hash(columns: list[dict[str, str]]) -> str:
    """Order-sensitive hash of (name, type) pairs: a reordered output is a changed output."""
    canon = json.dumps([[c.get("name"), c.get("type")] for c in columns], separators=(",", ":"))
    return hashlib.sha256(canon.encode("utf-8")).hexdigest()[:16]


def _snapshot_row(r: RunResult, n: NodeResult) -> dict[str, Any]:
    columns = [{k: _m(v) for k, v in c.items()} for c in n.schema_out]
    captured = iso_utc(n.ended_at) or iso_utc(r.ended_at) or iso_utc(r.started_at)
    return {"run_id": r.run_id, "node": _m(n.name), "columns_json": json.dumps(columns, ensure_ascii=False),
            "schema_hash": schema_hash(columns), "captured_at": captured}


def _snapshot(row: dict[str, Any]) -> dict[str, Any]:
    row = dict(row)
    row["columns"] = json.loads(row.pop("columns_json"))
    return row


def _upsert(conn: sqlite3.Connection, table: str, keys: tuple[str, ...], row: dict[str, Any]) -> None:
    cols = list(row)
    updates = ", ".join(f"{c}=excluded.{c}" for c in cols if c not in keys)
    conn.execute(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))}) "
                 f"ON CONFLICT({', '.join(keys)}) DO UPDATE SET {updates}", [row[c] for c in cols])


def _run_filters(pipeline: str | None, status: str | None, since: Any, until: Any) -> tuple[str, list[Any]]:
    clauses, params = [], []
    for col, value, op in (("pipeline", pipeline, "="), ("status", status, "="),
                           ("started_at", since, ">="), ("started_at", until, "<")):
        if value is None:
            continue
        if col == "started_at":
            value = _bound(value)
        clauses.append(f"{col} {op} ?")
        params.append(value)
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), params


def _bound(value: Any) -> str:
    if isinstance(value, str):
        try:
            dt.datetime.fromisoformat(value)
        except ValueError:
            raise OdibiError(f"'{value}' is not a date or ISO-8601 timestamp "
                             f"(e.g. 2026-11-03 or 2026-11-03T10:00:00+00:00)") from None
    elif not isinstance(value, dt.date):
        raise OdibiError(f"{value!r} is not a date or timestamp; pass a datetime or an ISO-8601 string")
    return iso_utc(value)


def _page(limit: int, offset: int) -> tuple[int, int]:
    if int(limit) < 0 or int(offset) < 0:
        raise OdibiError(f"limit and offset must be 0 or more (got limit={limit}, offset={offset})")
    return int(limit), int(offset)
