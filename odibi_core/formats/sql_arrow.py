"""Arrow <-> SQL conversions for the ``sql`` format.

Kept apart from the read/write logic because it is pure type mapping: which column type a new
table gets for an Arrow field, and how fetched rows become Arrow arrays even when a database
returns values Arrow cannot infer (UUIDs, IP addresses, SQLite's mixed-type columns).
"""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from typing import Any, Iterable, Sequence

import pyarrow as pa
import sqlalchemy as sa


def sql_type(t: pa.DataType) -> sa.types.TypeEngine:
    """Column type for a new table holding Arrow type ``t``."""
    if pa.types.is_boolean(t):
        return sa.Boolean()
    if pa.types.is_int8(t) or pa.types.is_int16(t) or pa.types.is_uint8(t):
        return sa.SmallInteger()
    if pa.types.is_int32(t) or pa.types.is_uint16(t):
        return sa.Integer()
    if pa.types.is_integer(t):
        return sa.BigInteger()
    if pa.types.is_floating(t):
        return sa.Double()
    if pa.types.is_decimal(t):
        return sa.Numeric(t.precision, t.scale)
    if pa.types.is_date(t):
        return sa.Date()
    if pa.types.is_timestamp(t):
        return sa.DateTime(timezone=t.tz is not None)
    if pa.types.is_time(t):
        return sa.Time()
    if pa.types.is_duration(t):
        return sa.Interval()
    if pa.types.is_binary(t) or pa.types.is_large_binary(t) or pa.types.is_fixed_size_binary(t):
        return sa.LargeBinary()
    if pa.types.is_struct(t) or pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_map(t):
        return sa.JSON()
    if pa.types.is_dictionary(t):
        return sql_type(t.value_type)
    return sa.Text()


def arrow_type(t: sa.types.TypeEngine) -> pa.DataType | None:
    """Arrow type for a reflected column type; used only for columns whose values are all null."""
    try:
        py = t.python_type
    except NotImplementedError:
        return None
    if isinstance(t, sa.Boolean):
        return pa.bool_()
    if py is int:
        return pa.int64()
    if py is float:
        return pa.float64()
    if py is decimal.Decimal:
        precision, scale = getattr(t, "precision", None), getattr(t, "scale", None)
        return pa.decimal128(precision, scale or 0) if precision and precision <= 38 else pa.float64()
    if py is dt.datetime:
        return pa.timestamp("us", tz="UTC" if getattr(t, "timezone", False) else None)
    if py is dt.date:
        return pa.date32()
    if py is dt.time:
        return pa.time64("us")
    if py is str:
        return pa.string()
    if py is bytes:
        return pa.binary()
    return None


def rows_to_arrow(names: Sequence[str], rows: Sequence[Sequence[Any]]) -> pa.Table:
    """One Arrow table from fetched rows, column by column."""
    columns = [to_array([row[i] for row in rows]) for i in range(len(names))]
    return pa.Table.from_arrays(columns, names=list(names))


def to_array(values: list[Any]) -> pa.Array:
    """Arrow array of Python values; falls back to text when the values do not share one type."""
    sample = next((v for v in values if v is not None), None)
    if isinstance(sample, uuid.UUID):
        return pa.array([None if v is None else str(v) for v in values], type=pa.string())
    try:
        arr = pa.array(values, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, OverflowError):
        return pa.array([None if v is None else str(v) for v in values], type=pa.string())
    if isinstance(arr.type, pa.ExtensionType):  # e.g. arrow.uuid: keep the readable text form
        return pa.array([None if v is None else str(v) for v in values], type=pa.string())
    return arr


def combine(chunks: list[pa.Table], names: Sequence[str], reflected: dict[str, Any] | None = None) -> pa.Table:
    """Concatenate fetched chunks, widening types across chunks, typing all-null columns."""
    if not chunks:
        table = pa.Table.from_arrays([pa.array([], type=pa.null()) for _ in names], names=list(names))
    elif len(chunks) == 1:
        table = chunks[0]
    else:
        table = pa.Table.from_arrays([_concat([c.column(i) for c in chunks]) for i in range(len(names))],
                                     names=list(names))
    if reflected:
        for i, name in enumerate(table.column_names):
            if pa.types.is_null(table.schema.field(i).type) and name in reflected:
                target = arrow_type(reflected[name])
                if target is not None:
                    table = table.set_column(i, name, table.column(i).cast(target))
    return table


def _concat(parts: list[pa.ChunkedArray]) -> pa.ChunkedArray:
    """One column from per-chunk pieces; text when they disagree (SQLite's dynamic typing)."""
    try:
        return pa.concat_tables([pa.table({"c": p}) for p in parts], promote_options="permissive").column(0)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        values = [v for p in parts for v in p.to_pylist()]
        return pa.chunked_array([pa.array([None if v is None else str(v) for v in values], type=pa.string())])


def batches(table: pa.Table, size: int) -> Iterable[list[dict[str, Any]]]:
    """Rows of ``table`` as dicts, ``size`` at a time (for executemany inserts)."""
    for batch in table.to_batches(max_chunksize=size):
        if batch.num_rows:
            yield batch.to_pylist()
