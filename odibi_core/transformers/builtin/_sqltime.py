"""Time in SQL that DuckDB and Spark compute alike: epoch microseconds and gap durations.

Patterns that reason about time (``sessionize``'s inactivity gap, a session's duration, a
timestamp inside a hash key) work on whole microseconds since 1970-01-01, an integer both
engines compute exactly. The two dialects spell it differently, so this is the one place that
branches on ``sql_dialect``:

* DuckDB: ``epoch_us(ts)`` (a naive TIMESTAMP is read as UTC, a TIMESTAMPTZ is an instant);
* Spark: ``timestampdiff(MICROSECOND, TIMESTAMP_NTZ '1970-01-01 00:00:00', ts)``, which takes
  TIMESTAMP_NTZ (odibi's default, a wall-clock time read as UTC) and TIMESTAMP (an instant, read
  in the session time zone, UTC in odibi's sessions). ``unix_micros`` refuses TIMESTAMP_NTZ.
"""

from __future__ import annotations

import re

from odibi_core.transformers.builtin._common import TransformError
from odibi_core.transformers.context import TransformContext

_UNITS_US = {"ms": 1_000, "s": 1_000_000, "m": 60_000_000, "h": 3_600_000_000, "d": 86_400_000_000}
_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)", re.IGNORECASE)


def parse_duration_us(value: int | float | str) -> int:
    """Microseconds in ``"30m"``, ``"1800s"``, ``"1h30m"``, ``"500ms"``, ``"2d"`` or a number of seconds.

    Raises ValueError (params models call it from a validator, so a bad duration is a config
    error located at the key, before anything runs).
    """
    if isinstance(value, bool):
        raise ValueError(f"must be a duration such as '30m' or a number of seconds, not {str(value).lower()}")
    if isinstance(value, (int, float)):
        if value < 0:
            raise ValueError(f"must not be negative (got {value})")
        return int(round(value * 1_000_000))
    text = str(value).strip().lower().replace(" ", "")
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return int(round(float(text) * 1_000_000))
    pos, total = 0, 0.0
    for m in _PART.finditer(text):
        if m.start() != pos:
            break
        total += float(m.group(1)) * _UNITS_US[m.group(2).lower()]
        pos = m.end()
    if pos != len(text) or not text:
        raise ValueError(f"'{value}' is not a duration: write a number with a unit (ms, s, m, h, d), e.g. '30m', "
                         f"'1800s' or '1h30m', or a plain number of seconds")
    return int(round(total))


def timestamp_expr(ctx: TransformContext, column: str, logical: str, *, transformer: str, param: str) -> str:
    """``column`` as a TIMESTAMP expression (strings and dates are cast; other types refused)."""
    q = ctx.q(column)
    if logical == "timestamp":
        return q
    if logical in ("string", "date"):
        return f"CAST({q} AS TIMESTAMP)"
    raise TransformError(f"{transformer}: column '{column}' in params.{param} is {logical}, not a timestamp. Give a "
                         f"timestamp, date or text column (cast it first with cast_columns if needed).")


def epoch_us(ctx: TransformContext, ts_sql: str) -> str:
    """A BIGINT expression: microseconds since 1970-01-01 of the TIMESTAMP expression ``ts_sql``."""
    if ctx.engine.sql_dialect in ("spark", "spark2", "databricks"):
        return f"timestampdiff(MICROSECOND, TIMESTAMP_NTZ '1970-01-01 00:00:00', {ts_sql})"
    return f"epoch_us({ts_sql})"
