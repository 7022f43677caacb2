"""The pandas engine: frames are pandas DataFrames, SQL runs in DuckDB.

DuckDB reads pandas frames in place (Arrow-backed columns without a copy), so a SQL step over
``df`` and the dependency frames costs little more than the query itself. Each thread gets its
own DuckDB cursor, since independent nodes run in parallel.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
import re
import threading
from typing import Any, Mapping

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from odibi_core.config.models import ReadConfig, WriteConfig
from odibi_core.engines.base import Column, Engine, arrow_logical_type
from odibi_core.engines.registry import register_engine
from odibi_core.errors import OdibiError
from odibi_core.formats.base import WriteResult
from odibi_core.formats.registry import get_format


class _NonContiguous(Exception):
    """DuckDB refused a strided pandas column; retried with a copy."""


class SqlError(OdibiError):
    """A SQL statement failed; keeps the statement so the story and the healer can show it."""

    def __init__(self, message: str, sql: str) -> None:
        self.sql = sql
        super().__init__(message)


@register_engine
class PandasEngine(Engine):
    name = "pandas"
    sql_dialect = "duckdb"

    def __init__(self, connections, project_root, options=None) -> None:
        super().__init__(connections, project_root, options)
        self._db = duckdb.connect(":memory:")
        # DuckDB 1.5.0-1.5.5 rewrites "ROW_NUMBER() ... WHERE rn = 1" into arg_max_nulls_last and then
        # keeps the wrong row when the ORDER BY column holds NULLs (duckdb/duckdb#23677, #24363).
        self._db.execute("SET GLOBAL disabled_optimizers = 'top_n_window_elimination'")
        self._local = threading.local()
        self._lock = threading.Lock()

    def _cursor(self) -> duckdb.DuckDBPyConnection:
        cur = getattr(self._local, "cursor", None)
        if cur is None:
            with self._lock:
                cur = self._db.cursor()
            self._local.cursor = cur
        return cur

    # --- data in and out --------------------------------------------------------------------
    def read(self, cfg: ReadConfig) -> pd.DataFrame:
        fmt = get_format(self.format_of(cfg))
        table = fmt.read(self.connection(cfg.connection), cfg)
        df = self.from_arrow(table)
        if cfg.filter and not getattr(fmt, "pushes_down_filter", False):
            df = self.sql(f"SELECT * FROM df WHERE {cfg.filter}", {"df": df})
        return df

    def write(self, df: pd.DataFrame, cfg: WriteConfig) -> WriteResult:
        fmt = get_format(self.format_of(cfg))
        return fmt.write(self.to_arrow(df), self.connection(cfg.connection), cfg)

    # --- computation ------------------------------------------------------------------------
    def sql(self, query: str, tables: Mapping[str, Any]) -> pd.DataFrame:
        try:
            return self._sql(query, tables)
        except _NonContiguous:
            # DuckDB cannot scan frames whose numeric columns are strided views (df.iloc[::-1],
            # some user functions); a contiguous copy reads the same.
            return self._sql(query, {k: (v.copy() if isinstance(v, pd.DataFrame) else v) for k, v in tables.items()})

    def _sql(self, query: str, tables: Mapping[str, Any]) -> pd.DataFrame:
        cur = self._cursor()
        names = []
        try:
            for name, frame in tables.items():
                if frame is None or not _mentions(query, name):
                    continue  # registering a frame costs ~1-3 ms; skip the ones the query never names
                # DuckDB scans Arrow text columns ~20x faster than pandas ones (zero-copy here)
                cur.register(name, self.to_arrow(frame) if isinstance(frame, pd.DataFrame) else frame)
                names.append(name)
            result = cur.execute(query)
            return self.from_arrow(_narrow_hugeint(result.to_arrow_table(), cur.description))
        except duckdb.Error as exc:
            if "Unable to cast Python instance" in str(exc):
                raise _NonContiguous() from None
            raise SqlError(_clean_duckdb_error(exc), query) from None
        finally:
            for name in names:
                try:
                    cur.unregister(name)
                except duckdb.Error:
                    pass

    def from_arrow(self, table: pa.Table) -> pd.DataFrame:
        """Arrow -> pandas without losing logical types: nullable integers and booleans stay
        integers and booleans (numpy would turn a NULL into float64 / object), and dates and
        decimals stay dates and decimals (Arrow-backed columns)."""
        return table.to_pandas(ignore_metadata=True, types_mapper=_arrow_to_pandas_dtype)

    def to_arrow(self, df: pd.DataFrame) -> pa.Table:
        return pa.Table.from_pandas(df, preserve_index=False)

    # --- inspection -------------------------------------------------------------------------
    def count(self, df: pd.DataFrame) -> int:
        return int(len(df))

    def schema(self, df: pd.DataFrame) -> list[Column]:
        return [Column(str(name), _logical(df[name])) for name in df.columns]

    def head(self, df: pd.DataFrame, n: int) -> pd.DataFrame:
        return df.head(n)

    def sample(self, df: pd.DataFrame, n: int) -> list[dict[str, Any]]:
        if n <= 0 or df is None:
            return []
        rows = df.head(n).to_dict(orient="records")
        return [{str(k): json_safe(v) for k, v in row.items()} for row in rows]

    def close(self) -> None:
        self._db.close()


_NULLABLE = {pa.int8(): pd.Int8Dtype(), pa.int16(): pd.Int16Dtype(), pa.int32(): pd.Int32Dtype(),
             pa.int64(): pd.Int64Dtype(), pa.uint8(): pd.UInt8Dtype(), pa.uint16(): pd.UInt16Dtype(),
             pa.uint32(): pd.UInt32Dtype(), pa.uint64(): pd.UInt64Dtype(), pa.bool_(): pd.BooleanDtype()}


def _arrow_to_pandas_dtype(t: pa.DataType):
    if t in _NULLABLE:
        return _NULLABLE[t]
    if pa.types.is_date(t) or pa.types.is_decimal(t) or pa.types.is_time(t):
        return pd.ArrowDtype(t)
    return None  # pandas' default (str for strings, datetime64 for timestamps, float64 for floats)


_DTYPE_NAMES = {"bool": "bool", "boolean": "bool", "float64": "float64", "Float64": "float64", "float32": "float32",
                "int64": "int64", "Int64": "int64", "int32": "int32", "Int32": "int32", "int16": "int16",
                "int8": "int8", "Int16": "int16", "Int8": "int8", "UInt8": "uint8", "UInt16": "uint16",
                "UInt32": "uint32", "UInt64": "uint64", "str": "string", "string": "string", "category": "string"}


def _logical(series: pd.Series) -> str:
    dtype = series.dtype
    name = str(dtype)
    if name in _DTYPE_NAMES:
        return _DTYPE_NAMES[name]
    if name.startswith("datetime64"):
        return "timestamp"
    if name.startswith("timedelta"):
        return "duration"
    if isinstance(dtype, pd.ArrowDtype):
        return arrow_logical_type(dtype.pyarrow_dtype)
    if name.startswith("string"):
        return "string"
    kind = pd.api.types.infer_dtype(series.head(1000), skipna=True)
    return {"string": "string", "integer": "int64", "floating": "float64", "boolean": "bool", "date": "date",
            "datetime": "timestamp", "datetime64": "timestamp", "decimal": "decimal", "bytes": "binary",
            "empty": "null", "mixed-integer-float": "float64"}.get(kind, "string" if kind.startswith("mixed") else kind)


def json_safe(value: Any) -> Any:
    """A value that json.dumps accepts and that reads well in a story."""
    if value is None or isinstance(value, (bool, int)):
        return value
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        f = float(value)
        return None if math.isnan(f) or math.isinf(f) else f
    if isinstance(value, (np.bool_,)):
        return bool(value)
    if value is pd.NaT or (not isinstance(value, (list, dict, np.ndarray, str)) and pd.isna(value) is True):
        return None
    if isinstance(value, (pd.Timestamp, dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, (pd.Timedelta, dt.timedelta)):
        return str(value)
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, bytes):
        return value[:32].hex() + ("…" if len(value) > 32 else "")
    if isinstance(value, np.ndarray):
        return [json_safe(v) for v in value.tolist()]
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, str):
        return value if len(value) <= 500 else value[:500] + "…"
    return str(value)


def _narrow_hugeint(table: pa.Table, description) -> pa.Table:
    """DuckDB sums integers into HUGEINT, which reaches Arrow as decimal(38,0); Spark gives BIGINT.
    Narrow those columns to int64 when every value fits, so both engines agree on the type."""
    for i, col in enumerate(description or []):
        if str(col[1]) == "HUGEINT":
            try:
                table = table.set_column(i, table.field(i).name, table.column(i).cast(pa.int64()))
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                pass  # beyond int64: keep the exact decimal
    return table


def _mentions(query: str, name: str) -> bool:
    return re.search(r"(?<![A-Za-z0-9_])" + re.escape(name) + r"(?![A-Za-z0-9_])", query, re.IGNORECASE) is not None


def _clean_duckdb_error(exc: Exception) -> str:
    text = str(exc).strip()
    return text.split("\n\nLINE")[0].replace("\n", " ") if text else type(exc).__name__
