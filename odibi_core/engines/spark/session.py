"""One SparkSession per process, created lazily from the project's ``performance`` block.

Starting a JVM takes seconds, so the session is shared by every node, run and engine in the
process. An existing session (a notebook's, a test fixture's, one an earlier run created) is
reused as it is; only a session odibi creates gets odibi's defaults, which fit a small machine
(2 cores, a few GB) and make Spark read and write the same types as the pandas engine:

* ``spark.sql.session.timeZone=UTC`` and ``spark.sql.timestampType=TIMESTAMP_NTZ``: a
  TIMESTAMP is a wall-clock time without a zone, as in DuckDB and in pandas' naive datetimes,
  so CSV inference and ``CAST(... AS TIMESTAMP)`` give the same type on both engines;
* ``spark.sql.parquet.outputTimestampType=TIMESTAMP_MICROS``: Spark's default (INT96) loses the
  UTC flag when pyarrow reads the file back. This one is also set on a reused session, since the
  staging files odibi writes for the Arrow formats depend on it and no other output changes.

Before a JVM starts, Java is checked (Spark 4 needs Java 17+) so a missing or old Java gives a
clear OdibiError instead of a Py4J stack trace.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import re
import shutil
import subprocess
import sys
import threading
import warnings
from typing import Any

from odibi_core.errors import OdibiError

log = logging.getLogger("odibi.spark")

MIN_JAVA = 17
DEFAULTS: dict[str, str] = {
    "spark.driver.memory": "4g",
    "spark.sql.shuffle.partitions": "4",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.timestampType": "TIMESTAMP_NTZ",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
    "spark.log.level": "WARN",
}
# Runtime settings odibi relies on even in a session it did not create (see the module docstring).
REQUIRED_RUNTIME: dict[str, str] = {"spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS"}

_lock = threading.Lock()


class SparkSetupError(OdibiError):
    """Spark cannot start here (no Java, an old Java, Spark Connect extras missing)."""


def quiet_pyspark() -> None:
    """Silence what pyspark prints on its own.

    pyspark 4.x warns on import that it does not fully support pandas >= 3 (what odibi uses
    works), and logs every SQL error as a JSON record with the JVM stack trace before raising it;
    odibi raises those errors again as one-line OdibiErrors, so the log would only duplicate them.
    """
    warnings.filterwarnings("ignore", message=r".*PySpark does not yet fully support pandas", category=FutureWarning)
    try:
        from pyspark.logger import PySparkLogger
    except ImportError:  # pragma: no cover - pyspark < 4 has no such loggers
        return
    for name in ("SQLQueryContextLogger", "DataFrameQueryContextLogger"):
        PySparkLogger.getLogger(name).setLevel(logging.CRITICAL)


# --- Java -----------------------------------------------------------------------------------
def find_java() -> str | None:
    """``$JAVA_HOME/bin/java`` when JAVA_HOME is set and holds one, else ``java`` on PATH."""
    home = os.environ.get("JAVA_HOME")
    if home:
        candidate = os.path.join(home, "bin", "java.exe" if os.name == "nt" else "java")
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return shutil.which("java")


def java_version_text(java: str) -> str:
    """What ``java -version`` prints (on stderr, by Java's convention)."""
    try:
        proc = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"could not run: {exc}"
    return (proc.stderr or "") + (proc.stdout or "")


def parse_java_major(text: str) -> int | None:
    """17 from 'openjdk version "17.0.15"', 8 from 'java version "1.8.0_292"', None if unknown."""
    m = re.search(r'version "([^"]+)"', text)
    if not m:
        return None
    parts = re.split(r"[._\-+]", m.group(1))
    try:
        major = int(parts[0])
        return int(parts[1]) if major == 1 and len(parts) > 1 else major
    except ValueError:
        return None


def check_java() -> None:
    """Raise SparkSetupError when Java is missing or older than Spark 4 needs."""
    install = (f"Install a Java {MIN_JAVA} or 21 runtime (e.g. `apt-get install openjdk-{MIN_JAVA}-jre-headless`, "
               "or Temurin from adoptium.net) and put its bin folder on PATH or set JAVA_HOME to it, "
               "or run the project with `engine: pandas`.")
    java = find_java()
    if java is None:
        home = os.environ.get("JAVA_HOME")
        where = f"set to '{home}' but has no bin/java" if home else "not set"
        raise SparkSetupError(f"engine 'spark' needs Java, but no `java` was found (JAVA_HOME is {where} and there is "
                              f"no java on PATH). Spark runs on the Java virtual machine. {install}")
    text = java_version_text(java)
    major = parse_java_major(text)
    if major is None:
        first = text.strip().splitlines()[0] if text.strip() else "no output"
        raise SparkSetupError(f"engine 'spark' could not tell which Java '{java}' is (`java -version` said: {first}). "
                              f"Spark {_spark_version()} needs Java {MIN_JAVA} or newer. {install}")
    if major < MIN_JAVA:
        raise SparkSetupError(f"engine 'spark' found Java {major} at '{java}', but Spark {_spark_version()} needs Java "
                              f"{MIN_JAVA} or newer. {install}")


def _spark_version() -> str:
    try:
        import pyspark

        return pyspark.__version__
    except ImportError:  # pragma: no cover - the engine module imports pyspark first
        return "4"


# --- the session ----------------------------------------------------------------------------
def get_session(performance: Any = None, project: str = "project"):
    """The process's SparkSession: the active/default one if it exists, else a new one."""
    from pyspark.errors import PySparkRuntimeError
    from pyspark.sql import SparkSession

    quiet_pyspark()
    with _lock:
        try:
            spark = SparkSession.active()
        except PySparkRuntimeError:
            spark = None
        if spark is not None:
            _apply(spark, REQUIRED_RUNTIME, strict=False)
            return spark
        return create_session(performance, project)


def create_session(performance: Any = None, project: str = "project"):
    """A new session from a PerformanceConfig (master, app_name, spark_config, remote)."""
    from pyspark.sql import SparkSession

    quiet_pyspark()
    master = getattr(performance, "master", None) or "local[*]"
    app_name = getattr(performance, "app_name", None) or f"odibi-{project}"
    remote = getattr(performance, "remote", None)
    user = {str(k): _conf_text(v) for k, v in (getattr(performance, "spark_config", None) or {}).items()}

    builder = SparkSession.builder.appName(app_name)
    if remote:
        _check_connect(remote)
        builder = builder.remote(remote)
        for key, value in user.items():  # the server owns the JVM; only runtime settings apply
            builder = builder.config(key, value)
        spark = builder.getOrCreate()
        log.info("connected to Spark Connect at %s", remote)
        return spark

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)  # workers must use this venv's python
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    check_java()
    builder = builder.master(master)
    for key, value in {**DEFAULTS, **user}.items():
        builder = builder.config(key, value)
    try:
        spark = builder.getOrCreate()
    except Exception as exc:  # noqa: BLE001 - Py4J/JVM start-up failures have no common type
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise SparkSetupError(f"Spark could not start (master '{master}'): {first}. Check the performance block "
                              "(master, spark_config) and that Java works (`java -version`).") from None
    spark.sparkContext.setLogLevel({**DEFAULTS, **user}["spark.log.level"])
    log.info("started Spark %s (master %s, app %s)", spark.version, master, app_name)
    return spark


def is_connect(spark: Any) -> bool:
    """True for a Spark Connect session (no local JVM, no py4j)."""
    return type(spark).__module__.startswith("pyspark.sql.connect")


def is_local_master(spark: Any) -> bool:
    """Driver and executors share this machine's disk (so staged files are visible to both)."""
    if is_connect(spark):
        return False
    try:
        return spark.sparkContext.master.startswith("local")
    except Exception:  # noqa: BLE001 - a session without a SparkContext
        return False


def _apply(spark: Any, settings: dict[str, str], *, strict: bool) -> None:
    for key, value in settings.items():
        try:
            if spark.conf.get(key, None) != value:
                spark.conf.set(key, value)
        except Exception:  # noqa: BLE001 - a static or forbidden setting in someone else's session
            if strict:
                raise


def _conf_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _check_connect(remote: str) -> None:
    if not str(remote).startswith("sc://"):
        raise SparkSetupError(f"performance.remote must be a Spark Connect URL like 'sc://host:15002', got '{remote}'.")
    # Checked by module name: pyspark's own check_dependencies() exits the process in some
    # interpreters (python -c) instead of raising.
    missing = [package for module, package in _CONNECT_MODULES.items() if not _importable(module)]
    if missing:
        raise SparkSetupError(
            f"performance.remote is set ({remote}), but the Spark Connect client extras are not installed "
            f"(missing: {', '.join(missing)}). Install them with `pip install 'pyspark[connect]=={_spark_version()}'`, "
            "or remove performance.remote to run Spark locally.")


_CONNECT_MODULES = {"grpc": "grpcio", "grpc_status": "grpcio-status", "google.rpc": "googleapis-common-protos",
                    "zstandard": "zstandard"}


def _importable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False
