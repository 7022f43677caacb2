"""Spark types in odibi's engine-neutral vocabulary, and the fix-ups that keep both engines alike.

Stories, validation (``schema`` tests), ``fill_nulls`` and ``aggregate`` reason about types by
the logical names of :func:`odibi_core.engines.base.arrow_logical_type` (string, int64, float64,
timestamp, decimal(p,s), list<...>). A Spark frame must report the same names the pandas
engine reports for the same data, or a project would behave differently after
``engine: spark``. Spark's text readers infer 32-bit ints and floats where pyarrow infers
64-bit ones, so inferred columns are widened here.
"""

from __future__ import annotations

from typing import Any, Iterable

import pyarrow as pa
from pyspark.sql import DataFrame
from pyspark.sql import functions as F
from pyspark.sql import types as T


def logical_type(t: T.DataType) -> str:
    """Logical name of a Spark type (the names arrow_logical_type gives the same Arrow data)."""
    if isinstance(t, (T.StringType, T.VarcharType, T.CharType)):
        return "string"
    if isinstance(t, T.BooleanType):
        return "bool"
    simple = {T.LongType: "int64", T.IntegerType: "int32", T.ShortType: "int16", T.ByteType: "int8",
              T.DoubleType: "float64", T.FloatType: "float32", T.DateType: "date", T.BinaryType: "binary",
              T.NullType: "null", T.TimestampType: "timestamp", T.TimestampNTZType: "timestamp"}
    for cls, name in simple.items():
        if isinstance(t, cls):
            return name
    if isinstance(t, T.DecimalType):
        return f"decimal({t.precision},{t.scale})"
    if isinstance(t, T.ArrayType):
        return f"list<{logical_type(t.elementType)}>"
    if isinstance(t, T.StructType):
        return "struct"
    if isinstance(t, T.MapType):
        return f"map<{logical_type(t.keyType)}, {logical_type(t.valueType)}>"
    if isinstance(t, T.DayTimeIntervalType):
        return "duration"
    return t.simpleString()


_WIDER = {T.IntegerType: T.LongType, T.ShortType: T.LongType, T.ByteType: T.LongType, T.FloatType: T.DoubleType}


def widen_inferred(df: DataFrame, skip: Iterable[str] = ()) -> DataFrame:
    """Cast inferred int/short/byte columns to bigint and float to double (pyarrow's choices)."""
    skip = set(skip)
    changes = {}
    for f in df.schema.fields:
        wider = next((w for narrow, w in _WIDER.items() if isinstance(f.dataType, narrow)), None)
        if wider is not None and f.name not in skip:
            changes[f.name] = F.col(_ref(f.name)).cast(wider())
    return df.withColumns(changes) if changes else df


def partition_parity(df: DataFrame, columns: Iterable[str]) -> DataFrame:
    """Hive partition columns typed as the Arrow formats type them: int64, float64, else string.

    Spark also infers dates, timestamps and decimals from folder names; pandas keeps those as
    text, and the two engines must read the same dataset with the same types.
    """
    changes = {}
    types = {f.name: f.dataType for f in df.schema.fields}
    for name in columns:
        t = types.get(name)
        if t is None:
            continue
        if isinstance(t, (T.IntegerType, T.ShortType, T.ByteType, T.LongType)):
            want: T.DataType = T.LongType()
        elif isinstance(t, (T.DoubleType, T.FloatType)):
            want = T.DoubleType()
        else:
            want = T.StringType()
        if type(t) is not type(want):
            changes[name] = F.col(_ref(name)).cast(want)
    return df.withColumns(changes) if changes else df


def spark_schema(schema: pa.Schema) -> T.StructType:
    """The Spark schema for an Arrow schema (naive timestamps become TIMESTAMP_NTZ)."""
    from pyspark.sql.pandas.types import from_arrow_schema

    clean = pa.schema([f.remove_metadata() for f in schema])
    return from_arrow_schema(clean, prefer_timestamp_ntz=True)


def arrow_schema(schema: T.StructType) -> pa.Schema:
    """The Arrow schema Spark's own Arrow conversion gives a frame (timestamps in UTC)."""
    from pyspark.sql.pandas.types import to_arrow_schema

    return to_arrow_schema(schema, timezone="UTC")


def has_top_level(df: DataFrame, kind: type) -> bool:
    return any(isinstance(f.dataType, kind) for f in df.schema.fields)


def _ref(name: str) -> str:
    """A column reference that survives dots and backticks in the name."""
    return "`" + name.replace("`", "``") + "`"


def ref(name: str) -> Any:
    return F.col(_ref(name))
