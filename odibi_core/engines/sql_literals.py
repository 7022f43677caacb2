"""SQL literals and type names that read the same in DuckDB and Spark SQL.

Transformers and validation tests build SQL text from YAML values, once, for every engine. A
string literal is the one place where the two dialects differ in a way that silently changes
data: Spark reads a backslash inside '...' as an escape character, DuckDB keeps it as it is. So
literals are rendered per ``Engine.sql_dialect`` here, beside the engines that define the
dialects, and both the transformers and the validation layer (which may not import each other)
use this module.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
import re
from typing import Any

# sqlglot dialect names whose string literals use backslash escapes (Spark's default parser setting)
BACKSLASH_ESCAPE_DIALECTS = frozenset({"spark", "spark2", "databricks", "hive"})


def sql_string(text: str, dialect: str) -> str:
    """A single-quoted string literal holding exactly ``text`` in ``dialect``."""
    if dialect in BACKSLASH_ESCAPE_DIALECTS:
        return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"
    return "'" + text.replace("'", "''") + "'"


def sql_literal(value: Any, dialect: str) -> str:
    """A SQL literal for a YAML/Python value (None, bool, number, string, date, datetime).

    Typed literals (``DATE '...'``, ``TIMESTAMP '...'``) and ``CAST('NaN' AS DOUBLE)`` are
    accepted by DuckDB and Spark alike. Anything else is a programming error (TypeError).
    """
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            word = "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
            return f"CAST('{word}' AS DOUBLE)"
        return repr(value)
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, str):
        return sql_string(value, dialect)
    if isinstance(value, dt.datetime):
        text = value.replace(tzinfo=None).isoformat(sep=" ") if value.tzinfo is None else \
            value.astimezone(dt.timezone.utc).replace(tzinfo=None).isoformat(sep=" ")
        return f"TIMESTAMP '{text}'"
    if isinstance(value, dt.date):
        return f"DATE '{value.isoformat()}'"
    raise TypeError(f"cannot write a {type(value).__name__} value as a SQL literal: {value!r}")


_LOGICAL_SQL_TYPES = {
    "string": "STRING", "bool": "BOOLEAN", "int64": "BIGINT", "int32": "INT", "int16": "SMALLINT",
    "int8": "TINYINT", "float64": "DOUBLE", "float32": "FLOAT", "date": "DATE", "timestamp": "TIMESTAMP",
}
_DECIMAL = re.compile(r"^decimal\((\d+),\s*(\d+)\)$")


def sql_type_of_logical(logical: str) -> str | None:
    """The SQL type (valid in DuckDB and Spark) of a logical type from ``Engine.schema``, or None."""
    if logical in _LOGICAL_SQL_TYPES:
        return _LOGICAL_SQL_TYPES[logical]
    m = _DECIMAL.match(logical)
    return f"DECIMAL({m.group(1)},{m.group(2)})" if m else None
