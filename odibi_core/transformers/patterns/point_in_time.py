""""What was true at time T?" over an SCD2 history.

A version is true from ``valid_from`` (included) to ``valid_to`` (excluded); the current
version's ``valid_to`` is NULL or a far-future date. So the rows true at T are::

    SELECT * FROM history
    WHERE valid_from <= T AND (valid_to IS NULL OR valid_to > T)

which gives at most one row per key, or none for a key that did not exist yet at T or had
been closed by then. The current rows are ``WHERE is_current`` (the same as "as of now").

:func:`as_of` applies that filter to whatever holds the history: an Arrow table, a pandas
frame, a Spark frame, a ``deltalake.DeltaTable`` or the path of a Delta table.
:func:`as_of_condition` writes the WHERE condition for a SQL step.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc


def as_of_condition(ts_sql: str, *, valid_from: str = "valid_from", valid_to: str = "valid_to",
                    quote: str = '"') -> str:
    """The WHERE condition for "true at ``ts_sql``" (a SQL expression, e.g. ``TIMESTAMP '2024-11-01'``).

    ``quote`` is the identifier quote of the dialect: ``"`` for DuckDB, a backtick for Spark.
    """
    def q(name: str) -> str:
        end = {"[": "]"}.get(quote, quote)
        return quote + name.replace(end, end + end) + end

    return f"{q(valid_from)} <= {ts_sql} AND ({q(valid_to)} IS NULL OR {q(valid_to)} > {ts_sql})"


def _as_datetime(ts: Any) -> Any:
    if isinstance(ts, str):
        text = ts.strip().replace("Z", "+00:00")
        return dt.datetime.fromisoformat(text)
    if isinstance(ts, dt.date) and not isinstance(ts, dt.datetime):
        return dt.datetime(ts.year, ts.month, ts.day)
    return ts


def _scalar_for(ts: Any, typ: pa.DataType) -> pa.Scalar:
    value = _as_datetime(ts)
    if pa.types.is_date(typ):
        return pa.scalar(value.date() if isinstance(value, dt.datetime) else value, typ)
    if pa.types.is_timestamp(typ) and isinstance(value, dt.datetime):
        if typ.tz and value.tzinfo is None:
            value = value.replace(tzinfo=dt.timezone.utc)
        elif not typ.tz and value.tzinfo is not None:
            value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return pa.scalar(value, typ)


def _arrow_as_of(table: pa.Table, ts: Any, valid_from: str, valid_to: str) -> pa.Table:
    t = _scalar_for(ts, table.schema.field(valid_from).type)
    t_end = _scalar_for(ts, table.schema.field(valid_to).type)
    started = pc.less_equal(table.column(valid_from), t)
    not_ended = pc.or_kleene(pc.is_null(table.column(valid_to)), pc.greater(table.column(valid_to), t_end))
    return table.filter(pc.and_kleene(started, not_ended))


def as_of(history: Any, ts: Any, *, valid_from: str = "valid_from", valid_to: str = "valid_to") -> Any:
    """The rows of ``history`` true at ``ts`` (a datetime, a date or an ISO-8601 string).

    Returns the same kind of thing it was given (a path or DeltaTable gives an Arrow table).
    A timestamp without a zone compared with zoned columns is taken as UTC.
    """
    if isinstance(history, (str, Path)):
        from deltalake import DeltaTable

        history = DeltaTable(str(history))
    if type(history).__name__ == "DeltaTable" and hasattr(history, "to_pyarrow_table"):
        history = history.to_pyarrow_table()
    if isinstance(history, pa.Table):
        return _arrow_as_of(history, ts, valid_from, valid_to)
    module = type(history).__module__
    if module.startswith("pandas"):
        import pandas as pd

        table = pa.Table.from_pandas(history, preserve_index=False)
        mask = _arrow_as_of(table.append_column("__row", pa.array(range(len(history)), pa.int64())),
                            ts, valid_from, valid_to).column("__row").to_pylist()
        out: pd.DataFrame = history.iloc[mask]
        return out.reset_index(drop=True)
    if module.startswith("pyspark"):
        from pyspark.sql import functions as F

        value = _as_datetime(ts)
        if isinstance(value, dt.datetime) and value.tzinfo is not None:
            value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
        lit = F.lit(value)
        return history.where((F.col(valid_from) <= lit) & (F.col(valid_to).isNull() | (F.col(valid_to) > lit)))
    raise TypeError(f"as_of: cannot filter a {type(history).__name__}; give an Arrow table, a pandas or Spark "
                    "frame, a deltalake.DeltaTable or the path of a Delta table.")
