"""Run one checked SELECT over the tables in scope, read-only, with row and time limits.

Two locks, not one. First :func:`sql_guard.check_select` refuses anything but a single SELECT
over known tables and columns (no COPY, ATTACH, table functions such as ``read_csv``, several
statements...). Then the SELECT runs in a fresh in-memory DuckDB that holds nothing but the
tables it names, registered as Arrow views (which DuckDB cannot write to), with external access
turned off and the configuration locked: even a query that slipped past the guard could not
read a file, load an extension, see a Python variable or switch those settings back on. A timer
thread interrupts a query that runs too long, and at most ``max_rows + 1`` rows are fetched.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import duckdb

from odibi_core.errors import OdibiError
from odibi_core.intel.query.scope import QueryScope
from odibi_core.intel.sql_guard import check_select


class QueryTimeout(OdibiError):
    """The query ran longer than its time limit and was interrupted."""


class QueryFailed(OdibiError):
    """DuckDB refused or failed the (checked) query: a type mismatch, a bad cast, out of memory..."""


@dataclass
class QueryResult:
    columns: list[str]
    rows: list[list[Any]]  # JSON-safe values
    truncated: bool  # more than max_rows rows matched; only the first max_rows are here
    elapsed_s: float


def run_select(sql: str, scope: QueryScope, *, max_rows: int = 1000, timeout_s: float = 30.0) -> QueryResult:
    """Check ``sql`` against the scope's schemas, then run it read-only (see the module docstring).

    Raises :class:`~odibi_core.intel.sql_guard.UnsafeSQL` when the guard refuses it,
    :class:`QueryTimeout` after ``timeout_s`` and :class:`QueryFailed` when DuckDB fails it."""
    if max_rows < 0:
        raise OdibiError(f"max_rows must be 0 or more (got {max_rows})")
    if timeout_s <= 0:
        raise OdibiError(f"the time limit must be more than 0 seconds (got {timeout_s})")
    checked = check_select(sql, scope.schemas(), dialect="duckdb")
    t0 = time.perf_counter()
    con = sandbox({name: scope.source(name) for name in checked.tables})
    try:
        columns, rows = _run(con, f"SELECT * FROM (\n{checked.sql}\n) AS odibi_answer LIMIT {int(max_rows) + 1}",
                             timeout_s)
    finally:
        con.close()
    truncated = len(rows) > max_rows
    return QueryResult(columns=columns, rows=[[json_value(v) for v in row] for row in rows[:max_rows]],
                       truncated=truncated, elapsed_s=round(time.perf_counter() - t0, 6))


def sandbox(tables: Mapping[str, Any]) -> duckdb.DuckDBPyConnection:
    """A fresh in-memory DuckDB that sees only ``tables`` (Arrow datasets/tables, read-only views)
    and can reach nothing else: no files, no extensions, no Python variables, settings locked."""
    con = duckdb.connect(":memory:")
    try:
        # the pandas engine's workaround for duckdb#23677: the same query gives the same answer here
        con.execute("SET disabled_optimizers = 'top_n_window_elimination'")
        con.execute("SET python_enable_replacements = false")
        con.execute("SET autoinstall_known_extensions = false")
        con.execute("SET autoload_known_extensions = false")
        for name, source in tables.items():
            con.register(name, source)
        con.execute("SET enable_external_access = false")
        con.execute("SET lock_configuration = true")
    except BaseException:
        con.close()
        raise
    return con


def _run(con: duckdb.DuckDBPyConnection, query: str, timeout_s: float) -> tuple[list[str], list[tuple]]:
    fired = threading.Event()
    done = threading.Lock()  # held while the query runs; the timer interrupts only a running query

    def interrupt() -> None:
        with done:
            if not finished:
                fired.set()
                con.interrupt()

    finished = False
    timer = threading.Timer(timeout_s, interrupt)
    timer.daemon = True
    timer.start()
    try:
        cur = con.execute(query)
        columns = [d[0] for d in cur.description or []]
        rows = cur.fetchall()
        return columns, rows
    except duckdb.InterruptException:
        raise QueryTimeout(f"the query took longer than {timeout_s:g} s and was stopped; narrow it (a filter, "
                           f"fewer groups) or raise the limit (--timeout)") from None
    except duckdb.Error as exc:
        if fired.is_set():
            raise QueryTimeout(f"the query took longer than {timeout_s:g} s and was stopped") from None
        raise QueryFailed(f"the query failed in DuckDB: {_first_line(exc)}") from None
    finally:
        with done:
            finished = True
        timer.cancel()


def json_value(value: Any) -> Any:
    """A value ``json.dumps`` accepts without losing meaning: ISO dates, floats for decimals,
    ``None`` for NaN and infinities, text for UUIDs, intervals and bytes."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, decimal.Decimal):
        return None if not value.is_finite() else float(value)
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).hex()
    if isinstance(value, (list, tuple)):
        return [json_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): json_value(v) for k, v in value.items()}
    return str(value)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return (text.split("\n\nLINE")[0].replace("\n", " ") or type(exc).__name__)[:400]
