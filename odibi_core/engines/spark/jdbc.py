"""SQL sources read by Spark's JDBC reader when the database's JDBC driver is on the classpath.

The JDBC reader runs in the executors, so a big table never passes through the driver's
Python process. Its driver is a jar (``org.postgresql.Driver``...) that the session must have
been started with (``spark.jars`` / ``spark.jars.packages`` in ``performance.spark_config``).
Without it, the read goes through the ``sql`` format (SQLAlchemy, Arrow) exactly as on the
pandas engine, and a log line says so. The URL and credentials come from the connection's
SQLAlchemy URL; the password goes to Spark as a property and never into a message or a log.
"""

from __future__ import annotations

import logging
from typing import Any

from pyspark.sql import DataFrame

from odibi_core.config.models import ReadConfig
from odibi_core.engines.spark.session import is_connect
from odibi_core.errors import OdibiError

log = logging.getLogger("odibi.spark")

# SQLAlchemy backend -> (JDBC driver class, URL builder)
_DRIVERS: dict[str, tuple[str, Any]] = {
    "postgresql": ("org.postgresql.Driver",
                   lambda u: f"jdbc:postgresql://{u.host}:{u.port or 5432}/{u.database or ''}"),
    "mysql": ("com.mysql.cj.jdbc.Driver", lambda u: f"jdbc:mysql://{u.host}:{u.port or 3306}/{u.database or ''}"),
    "mariadb": ("org.mariadb.jdbc.Driver", lambda u: f"jdbc:mariadb://{u.host}:{u.port or 3306}/{u.database or ''}"),
    "mssql": ("com.microsoft.sqlserver.jdbc.SQLServerDriver",
              lambda u: f"jdbc:sqlserver://{u.host}:{u.port or 1433};databaseName={u.database or ''};encrypt=true"),
    "sqlite": ("org.sqlite.JDBC", lambda u: f"jdbc:sqlite:{u.database}"),
}


def jdbc_target(conn: Any) -> tuple[str, str] | None:
    """(driver class, JDBC URL) for a SQL connection, or None for a database without a mapping."""
    url = getattr(conn, "url", None)
    if url is None:
        return None
    entry = _DRIVERS.get(url.get_backend_name())
    if entry is None or (url.get_backend_name() != "sqlite" and not url.host):
        return None
    driver, build = entry
    return driver, build(url)


def driver_loadable(spark: Any, driver: str) -> bool:
    if is_connect(spark):
        return False  # the client cannot see the server's classpath; the Arrow path always works
    try:
        return bool(spark._jvm.org.apache.spark.util.Utils.classIsLoadable(driver))
    except Exception:  # noqa: BLE001 - py4j errors
        return False


def read(spark: Any, conn: Any, cfg: ReadConfig) -> DataFrame | None:
    """The frame through JDBC, or None (with a log line) when the Arrow ``sql`` format must read it."""
    if getattr(conn, "kind", None) != "sql" or getattr(cfg, "path", None):
        return None  # the sql format gives the usual error
    target = jdbc_target(conn)
    if target is None:
        log.info("connection '%s': no JDBC mapping for this database; reading through SQLAlchemy and Arrow",
                 conn.name)
        return None
    driver, jdbc_url = target
    if not driver_loadable(spark, driver):
        log.info("connection '%s': JDBC driver %s is not on Spark's classpath; reading through SQLAlchemy and "
                 "Arrow instead (add the driver jar via performance.spark_config spark.jars to read in parallel)",
                 conn.name, driver)
        return None
    url = conn.url
    reader = spark.read.format("jdbc").option("url", jdbc_url).option("driver", driver)
    if url.username:
        reader = reader.option("user", url.username)
    if url.password:
        reader = reader.option("password", str(url.password))
    if "chunk_size" in cfg.options:
        reader = reader.option("fetchsize", int(cfg.options["chunk_size"]))
    if cfg.table:
        source = cfg.table
        query = f"SELECT * FROM {source}" + (f" WHERE {cfg.filter}" if cfg.filter else "")
    else:
        inner = cfg.query.strip().rstrip(";").strip()
        query = f"SELECT * FROM ({inner}) src" + (f" WHERE {cfg.filter}" if cfg.filter else "")
    what = f"table '{cfg.table}'" if cfg.table else "query"
    try:
        df = reader.option("query", query).load()
    except Exception as exc:  # noqa: BLE001 - driver errors arrive as Py4J/Spark exceptions
        raise OdibiError(f"reading {what} through JDBC failed on {conn.explain(exc)}") from None
    log.info("connection '%s': reading %s through JDBC (%s)", conn.name, what, driver)
    return df
