"""SQL database connection: one cached SQLAlchemy engine per connection.

The URL is built with ``sqlalchemy.URL.create`` from the config parts, never by formatting a
password into a string: that is how credentials end up in logs. Every error message goes
through :func:`odibi_core.secrets.mask` and has the password removed even when it was not
registered as a secret.
"""

from __future__ import annotations

import importlib.util
import threading
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import URL, Engine, make_url

from odibi_core.connections.base import Connection, HealthResult
from odibi_core.connections.registry import register_connection
from odibi_core.errors import ConnectionFailure
from odibi_core.secrets import MASK, mask

# type -> (SQLAlchemy driver name, the Python package it needs or None when bundled)
_DRIVERS: dict[str, tuple[str, str | None]] = {
    "postgres": ("postgresql+psycopg", None),
    "postgresql": ("postgresql+psycopg", None),
    "sql_server": ("mssql+pyodbc", "pyodbc"),
    "azure_sql": ("mssql+pyodbc", "pyodbc"),
    "mysql": ("mysql+pymysql", "pymysql"),
}
_DEFAULT_ODBC_DRIVER = "ODBC Driver 18 for SQL Server"


@register_connection
class SqlConnection(Connection):
    kind = "sql"
    types = ("sql", "sqlite", "postgres", "postgresql", "sql_server", "azure_sql", "mysql")

    def __init__(self, name, config, project_root) -> None:
        super().__init__(name, config, project_root)
        self._engine: Engine | None = None
        self._lock = threading.Lock()

    # --- URL and engine ----------------------------------------------------------------------
    @property
    def url(self) -> URL:
        cfg = self.config
        if cfg.url:
            try:
                url = make_url(cfg.url)
            except Exception:  # noqa: BLE001 - sqlalchemy raises ArgumentError and ValueError
                raise ConnectionFailure(
                    f"connection '{self.name}': url '{self._clean(cfg.url)}' is not a SQLAlchemy URL "
                    "(expected e.g. postgresql+psycopg://user@host:5432/db or sqlite:///file.db)"
                ) from None
            # psycopg (v3) is the bundled PostgreSQL driver; a bare postgresql:// would ask for psycopg2.
            if url.drivername in ("postgres", "postgresql"):
                url = url.set(drivername="postgresql+psycopg")
            if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
                db = Path(url.database)
                if not db.is_absolute():
                    url = url.set(database=str(self.project_root / db))
            return url
        if cfg.type == "sqlite":
            target = cfg.path or cfg.database
            if target != ":memory:":
                db = Path(target)
                target = str(db if db.is_absolute() else self.project_root / db)
            return URL.create("sqlite", database=target)
        driver, _ = _DRIVERS[cfg.type]
        query = {str(k): str(v) for k, v in (cfg.options or {}).items()}
        if driver.startswith("mssql"):
            query.setdefault("driver", cfg.driver or _DEFAULT_ODBC_DRIVER)
        return URL.create(driver, username=cfg.username, password=cfg.password, host=cfg.host,
                          port=cfg.port, database=cfg.database, query=query)

    @property
    def engine(self) -> Engine:
        """The connection's engine, created on first use and shared afterwards."""
        with self._lock:
            if self._engine is None:
                self._engine = self._create_engine()
            return self._engine

    def _create_engine(self) -> Engine:
        url = self.url
        self._require_driver(url)
        try:
            sqlite = url.get_backend_name() == "sqlite"
            engine = sa.create_engine(url, pool_pre_ping=not sqlite,
                                      connect_args={"timeout": 30} if sqlite else {})
        except Exception as exc:  # noqa: BLE001 - unknown dialects, bad options
            raise ConnectionFailure(
                f"connection '{self.name}': cannot create a database engine for "
                f"{self._safe_url(url)}: {self._clean(str(exc))}"
            ) from None
        if url.get_backend_name() == "sqlite":
            _make_sqlite_transactional(engine)
        return engine

    def _require_driver(self, url: URL) -> None:
        package = {"pyodbc": "pyodbc", "pymysql": "pymysql", "psycopg": "psycopg"}.get(url.get_driver_name())
        if package and importlib.util.find_spec(package) is None:
            extra = " and Microsoft's ODBC driver for SQL Server" if package == "pyodbc" else ""
            raise ConnectionFailure(
                f"connection '{self.name}' (type {self.config.type}) needs the Python package '{package}', "
                f"which is not installed. Install it with `pip install {package}`{extra}."
            )

    @property
    def dialect_name(self) -> str:
        """Database family: sqlite, postgresql, mssql, mysql..."""
        return self.url.get_backend_name()

    @property
    def default_schema(self) -> str | None:
        return self.config.db_schema

    # --- health and lifecycle -----------------------------------------------------------------
    def check(self) -> HealthResult:
        start = time.perf_counter()
        try:
            with self.engine.connect() as conn:
                conn.execute(sa.text("SELECT 1")).scalar()
        except ConnectionFailure as exc:
            return HealthResult(False, str(exc), (time.perf_counter() - start) * 1000)
        except Exception as exc:  # noqa: BLE001 - any driver error means "not reachable"
            return HealthResult(False, self.explain(exc), (time.perf_counter() - start) * 1000)
        latency = (time.perf_counter() - start) * 1000
        return HealthResult(True, f"SELECT 1 succeeded on {self._safe_url(self.url)}", latency)

    def close(self) -> None:
        with self._lock:
            if self._engine is not None:
                self._engine.dispose()
                self._engine = None

    def describe(self) -> dict[str, Any]:
        data = super().describe()
        if self.config.url:
            data["url"] = self._safe_url(make_url(self.config.url))
        return data

    # --- error text ---------------------------------------------------------------------------
    def explain(self, exc: BaseException) -> str:
        """One-paragraph, secret-free description of a driver error."""
        detail = str(getattr(exc, "orig", None) or exc).strip()
        first = detail.splitlines()[0] if detail else type(exc).__name__
        return f"connection '{self.name}' ({self._safe_url(self.url)}): {self._clean(first)}"

    def _safe_url(self, url: URL) -> str:
        return self._clean(url.render_as_string(hide_password=True))

    def _clean(self, text: str) -> str:
        text = mask(text)
        password = self.config.password
        if not password and self.config.url:
            try:
                password = make_url(self.config.url).password
            except Exception:  # noqa: BLE001 - unparsable URL: nothing more to strip
                password = None
        if password:
            text = text.replace(str(password), MASK)
        return text


def _make_sqlite_transactional(engine: Engine) -> None:
    """Let SQLite run DDL inside transactions (SQLAlchemy's documented pysqlite recipe).

    Python's sqlite3 module starts transactions only before INSERT/UPDATE/DELETE, so a
    DROP/CREATE done while replacing a table would escape the rollback. Taking over BEGIN makes
    "overwrite" all-or-nothing on SQLite as it is on PostgreSQL.
    """

    @event.listens_for(engine, "connect")
    def _no_implicit_transactions(dbapi_connection, _record):  # pragma: no cover - driver callback
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(conn):  # pragma: no cover - driver callback
        # IMMEDIATE takes the write lock up front, so two nodes writing one file wait for each
        # other (busy timeout) instead of failing with "database is locked" on lock upgrade.
        conn.exec_driver_sql("BEGIN IMMEDIATE")

