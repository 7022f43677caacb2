"""The ONE place where documented, harmless differences between engines are normalised.

Everything the conformance suite compares goes through :func:`normalize` first, and nothing
else in the suite bends data to make engines agree. Each rule says why it exists; a difference
that no rule covers is a real mismatch and must show up as a failing test (fix the engine, or
add a rule here with the reason, never a special case inside a test).

Deliberately NOT normalised: column names and their order (a select_columns order is a
promise), logical types (``int32`` vs ``int64`` is a real difference), NULL vs empty string,
NULL vs NaN, decimal scale, row counts.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from odibi_core.engines.base import arrow_logical_type

FLOAT_DIGITS = 9
# Columns that hold the run's own id and clock (quarantine tables, add_metadata): different in
# every run by design, so two runs can never agree on them. Their presence, type and NULLs are
# still compared; the values are replaced by a marker.
RUN_SPECIFIC = frozenset({"_run_id", "_quarantined_at", "_odibi_run_id", "_odibi_loaded_at"})


def normalize(table: pa.Table) -> pa.Table:
    """Apply every rule below, in order, and return a table ready to compare."""
    table = table.replace_schema_metadata(None)
    columns = [_column(table.column(i).combine_chunks(), table.schema.field(i)) for i in range(table.num_columns)]
    fields = [pa.field(f.name, c.type) for f, c in zip(table.schema, columns)]
    table = pa.Table.from_arrays(columns, schema=pa.schema(fields))
    return sort_rows(table)


def _column(col, field: pa.Field):
    t = field.type
    if field.name in RUN_SPECIFIC:
        return _mask(col)
    # Rule: dictionary encoding is a storage choice (parquet/pandas categoricals), not a type;
    # arrow_logical_type already names a dictionary column by its value type.
    if pa.types.is_dictionary(t):
        col = col.cast(t.value_type)
        t = t.value_type
    # Rule: large_string / string_view are the same logical "string"; which one a reader gets
    # depends on the writer's arrow version, not on the data.
    if pa.types.is_large_string(t) or pa.types.is_string_view(t):
        return col.cast(pa.string())
    # Rule: timestamps compare as UTC microseconds. pandas keeps nanoseconds and naive values;
    # Spark's TIMESTAMP is microseconds and carries the session time zone. Both engines call the
    # type "timestamp" (arrow_logical_type); the instant is what must agree. A naive value is
    # read as UTC, the convention of the whole project (validation/freshness, delta).
    if pa.types.is_timestamp(t):
        if t.tz is None:
            return pc.assume_timezone(col.cast(pa.timestamp("us")), "UTC")
        return col.cast(pa.timestamp("us", tz="UTC"))
    # Rule: floats are compared at 9 significant digits. Parallel aggregation adds in a
    # different order on each engine (and on each run of Spark), so the last bits of a SUM or
    # AVG differ; 9 digits is far above the precision of any value in the test data.
    if pa.types.is_floating(t):
        values = [None if v is None else _round(v) for v in col.to_pylist()]
        return pa.array(values, type=pa.float64() if t.bit_width == 64 else t)
    return col


def _mask(col):
    """Same type and NULLs, every value replaced by the type's zero/epoch/empty value."""
    if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
        marker = pa.scalar("<run-specific>", col.type)
    elif pa.types.is_timestamp(col.type):
        marker = pa.scalar(0, pa.int64()).cast(col.type)
    else:
        return col
    return pc.if_else(pc.is_null(col), pa.scalar(None, col.type), marker)


def _round(v: float) -> float:
    if math.isnan(v) or math.isinf(v) or v == 0:
        return v
    return float(f"{v:.{FLOAT_DIGITS}g}")


def sort_rows(table: pa.Table) -> pa.Table:
    """Stable sort on every column, NULLs first.

    Rule: row order is not part of any result. Spark writes one file per partition in task
    order and SQL engines do not promise an order without ORDER BY, so rows are compared as a
    sorted list (duplicates still count: this is a multiset comparison, not a set one).
    """
    if table.num_rows < 2 or table.num_columns == 0:
        return table
    keys = [(name, "ascending", "at_start") for name, t in zip(table.column_names, table.schema.types) if _sortable(t)]
    if not keys:
        return table
    # Duplicate column names cannot be sort keys by name; such tables keep their order.
    if len({k[0] for k in keys}) != len(keys):
        return table
    idx = pc.sort_indices(table, sort_keys=keys)
    return table.take(idx)


def _sortable(t: pa.DataType) -> bool:
    return not (pa.types.is_nested(t) or pa.types.is_null(t) or pa.types.is_binary(t) or pa.types.is_large_binary(t))


def logical_schema(table: pa.Table) -> list[tuple[str, str]]:
    """``[(column, logical type)]`` in column order, in the engine-neutral vocabulary."""
    return [(f.name, arrow_logical_type(f.type)) for f in table.schema]


def rows(table: pa.Table) -> list[dict[str, Any]]:
    """Rows as plain dicts, for assertions in tests (timestamps as naive UTC datetimes)."""
    out = []
    for row in table.to_pylist():
        out.append({k: (v.astimezone(dt.timezone.utc).replace(tzinfo=None) if isinstance(v, dt.datetime)
                        and v.tzinfo else v) for k, v in row.items()})
    return out


def show(value: Any) -> str:
    """A short, unambiguous rendering of one value for mismatch messages."""
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, decimal.Decimal):
        return f"Decimal('{value}')"
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return repr(value)
