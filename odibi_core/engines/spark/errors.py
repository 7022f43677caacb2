"""Spark's exceptions as odibi's one-paragraph errors.

Spark reports a failure as a Python exception holding a multi-line message (the logical plan,
a SQL excerpt with carets, sometimes a JVM stack trace), or, for errors pyspark does not map,
as a raw ``Py4JJavaError`` whose first line only names a Java method. Users see one line that
says what odibi was doing and what Spark objected to, as on the pandas engine.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from typing import Iterator

from pyspark.errors import PySparkException

from odibi_core.engines.pandas_engine import SqlError
from odibi_core.errors import OdibiError

try:  # absent in a Spark Connect-only client
    from py4j.protocol import Py4JJavaError
except ImportError:  # pragma: no cover
    Py4JJavaError = PySparkException  # type: ignore[misc,assignment]

SPARK_ERRORS: tuple[type[BaseException], ...] = (PySparkException, Py4JJavaError)
_SQLSTATE = re.compile(r"\s*SQLSTATE: \w+;?")
_POSITION = re.compile(r"[\s;]*line (\d+) pos (\d+);?$")


class SparkSqlError(SqlError):
    """A Spark SQL statement failed to parse or analyse; ``.sql`` holds the statement."""


class SparkExecutionError(OdibiError):
    """Spark failed while computing or writing a frame (a cast that does not fit, a file gone...)."""


def one_line(exc: BaseException) -> str:
    """Spark's message without the plan, the SQL excerpt, the SQLSTATE code or the Java frames."""
    text = str(exc).strip()
    if isinstance(exc, Py4JJavaError) and not isinstance(exc, PySparkException):
        try:
            text = str(exc.java_exception.getMessage() or exc.java_exception.toString()).strip()
        except Exception:  # noqa: BLE001 - the JVM may be gone already
            pass
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    first = lines[0] if lines else type(exc).__name__
    first = _SQLSTATE.sub("", first).strip()
    return _POSITION.sub(r" (line \1, position \2)", first).rstrip(";").strip()


@contextmanager
def spark_errors(what: str) -> Iterator[None]:
    """Turn Spark's exceptions into OdibiErrors that say what was being done."""
    try:
        yield
    except OdibiError:
        raise
    except SPARK_ERRORS as exc:
        raise SparkExecutionError(f"{what} failed: {one_line(exc)}") from None
