"""The Spark engine: frames are Spark DataFrames, SQL is Spark SQL.

It implements the same Engine interface as the pandas engine, so ``engine: spark`` switches a
project without any other change: the built-in transformers and validation tests already
write Spark SQL when ``sql_dialect`` is ``spark``. Frames stay lazy; data reach the driver only
for samples, ``to_arrow`` and the Arrow-based formats (see ``staging``).

SQL steps see ``df`` and every dependency by name. Spark resolves names through temporary
views, which are global to the session, while the runner runs independent nodes on several
threads. Rather than giving up node parallelism (``supports_parallel_nodes = False``),
registering the views, analysing the query and dropping the views again happen under one
process-wide lock: classic Spark binds a view's plan into the query when it analyses it (in
``spark.sql``), so the returned frame no longer depends on the views, and the expensive part,
executing it, runs outside the lock in parallel. Analysis takes milliseconds. Spark Connect
analyses lazily on the server, so there each query carries its frames as named relations of
the SQL plan itself (the mechanism behind ``spark.sql(query, **dataframes)``) and needs no views.
"""

from __future__ import annotations

import threading
import weakref
from typing import Any, Mapping

import pyarrow as pa

from odibi_core.engines.spark.session import get_session, is_connect, quiet_pyspark

quiet_pyspark()

from pyspark.errors import PySparkException  # noqa: E402 - after quiet_pyspark on purpose
from pyspark.sql import DataFrame  # noqa: E402
from pyspark.sql import types as T  # noqa: E402

from odibi_core.config.models import ReadConfig, WriteConfig  # noqa: E402
from odibi_core.engines.base import Column, Engine  # noqa: E402
from odibi_core.engines.pandas_engine import json_safe  # noqa: E402
from odibi_core.engines.registry import register_engine  # noqa: E402
from odibi_core.engines.spark import jdbc, native_io  # noqa: E402
from odibi_core.engines.spark.delta import SparkDelta, detect_mode  # noqa: E402
from odibi_core.engines.spark.errors import SPARK_ERRORS, SparkSqlError, one_line, spark_errors  # noqa: E402
from odibi_core.engines.spark.staging import Staged  # noqa: E402
from odibi_core.engines.spark.types import logical_type  # noqa: E402
from odibi_core.formats.base import WriteResult  # noqa: E402
from odibi_core.formats.registry import get_format  # noqa: E402

_VIEWS = threading.Lock()  # temp views are per session, and the session is per process


@register_engine
class SparkEngine(Engine):
    name = "spark"
    sql_dialect = "spark"
    supports_parallel_nodes = True  # see the module docstring: SQL is made thread-safe instead

    def __init__(self, connections, project_root, options=None) -> None:
        super().__init__(connections, project_root, options)
        self._spark = None
        self._delta: SparkDelta | None = None
        self._lock = threading.Lock()
        self._counts: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    # --- the session -----------------------------------------------------------------------
    @property
    def spark(self):
        """The shared SparkSession, started on first use (a pandas-only code path never starts it)."""
        with self._lock:
            if self._spark is None:
                self._spark = get_session(self.options, self.project_root.name)
            return self._spark

    @property
    def delta(self) -> SparkDelta:
        spark = self.spark
        with self._lock:
            if self._delta is None:
                self._delta = SparkDelta(spark, detect_mode(spark))
            return self._delta

    @property
    def delta_mode(self) -> str:
        """``native`` (Delta's Spark integration) or ``deltalake-arrow`` (delta-rs via Arrow)."""
        return self.delta.mode

    # --- data in and out --------------------------------------------------------------------
    def read(self, cfg: ReadConfig) -> DataFrame:
        name = self.format_of(cfg)
        conn = self.connection(cfg.connection)
        fmt = get_format(name)
        df = None
        with spark_errors(f"reading {_what(cfg)} on connection '{cfg.connection}'"):
            if name in native_io.NATIVE_FORMATS:
                df = native_io.read(self.spark, fmt, conn, cfg)
            elif name == "delta":
                df = self.delta.read(conn, cfg)
            elif name == "sql":
                df = jdbc.read(self.spark, conn, cfg)
        if df is None:
            df = self.from_arrow(fmt.read(conn, cfg))
        if cfg.filter and not getattr(fmt, "pushes_down_filter", False):
            df = self.sql(f"SELECT * FROM df WHERE {cfg.filter}", {"df": df})
        return df

    def write(self, df: DataFrame, cfg: WriteConfig) -> WriteResult:
        name = self.format_of(cfg)
        conn = self.connection(cfg.connection)
        fmt = get_format(name)
        with spark_errors(f"writing {_what(cfg)} on connection '{cfg.connection}'"):
            if name in native_io.NATIVE_FORMATS:
                done = native_io.write(self.spark, df, fmt, conn, cfg)
                if done is not None:
                    return done
            if name == "delta":
                return self.delta.write(df, conn, cfg)
            with Staged(self.spark, df) as staged:
                return fmt.write(staged.table(), conn, cfg)

    # --- computation ------------------------------------------------------------------------
    def sql(self, query: str, tables: Mapping[str, Any]) -> DataFrame:
        spark = self.spark
        frames = {name: self._as_frame(frame) for name, frame in tables.items() if frame is not None}
        if is_connect(spark):
            return self._sql_connect(spark, query, frames)
        registered: list[str] = []
        with _VIEWS:
            try:
                for name, frame in frames.items():
                    frame.createOrReplaceTempView(name)
                    registered.append(name)
                return spark.sql(query)
            except SPARK_ERRORS as exc:
                raise SparkSqlError(one_line(exc), query) from None
            finally:
                for name in registered:
                    spark.catalog.dropTempView(name)

    def _sql_connect(self, spark: Any, query: str, frames: dict[str, DataFrame]) -> DataFrame:
        from pyspark.sql.connect.dataframe import DataFrame as ConnectFrame
        from pyspark.sql.connect.plan import SQL, SubqueryAlias

        views = [SubqueryAlias(frame._plan, name) for name, frame in frames.items()]
        df = ConnectFrame(SQL(query, [], {}, views), spark)
        try:
            df.schema  # noqa: B018 - analyse now, so a bad statement fails in this step
        except PySparkException as exc:
            raise SparkSqlError(one_line(exc), query) from None
        return df

    def _as_frame(self, frame: Any) -> DataFrame:
        """Spark frames as they are; Arrow tables and pandas frames (from user code) converted."""
        if isinstance(frame, pa.Table):
            return self.from_arrow(frame)
        if type(frame).__module__.startswith("pandas"):
            return self.from_arrow(pa.Table.from_pandas(frame, preserve_index=False))
        return frame

    def from_arrow(self, table: pa.Table) -> DataFrame:
        spark = self.spark
        if table.num_columns == 0:
            return spark.createDataFrame([], T.StructType([]))
        table = table.replace_schema_metadata(None)
        with spark_errors("converting Arrow data to a Spark frame"):
            return spark.createDataFrame(_spark_friendly(table))

    def to_arrow(self, df: DataFrame) -> pa.Table:
        with spark_errors("collecting the frame"):
            return df.toArrow()

    # --- inspection -------------------------------------------------------------------------
    def count(self, df: DataFrame) -> int:
        """Rows in ``df``, remembered per frame object: the runner counts a node's output and then
        the next node's input, which is the same frame, and each count is a Spark job."""
        with self._lock:
            known = self._counts.get(df)
        if known is not None:
            return known
        with spark_errors("counting rows"):
            n = int(df.count())
        with self._lock:
            self._counts[df] = n
        return n

    def schema(self, df: DataFrame) -> list[Column]:
        return [Column(f.name, logical_type(f.dataType)) for f in df.schema.fields]

    def head(self, df: DataFrame, n: int) -> DataFrame:
        return df.limit(max(int(n), 0))

    def sample(self, df: DataFrame, n: int) -> list[dict[str, Any]]:
        if n <= 0 or df is None:
            return []
        with spark_errors("taking sample rows"):
            rows = df.limit(n).toArrow().to_pylist()
        return [{str(k): json_safe(v) for k, v in row.items()} for row in rows]

    def quote(self, identifier: str) -> str:
        return "`" + identifier.replace("`", "``") + "`"

    def close(self) -> None:
        """Forget the session without stopping it: it is shared by every run in this process."""
        with self._lock:
            self._spark = None
            self._delta = None


def _spark_friendly(table: pa.Table) -> pa.Table:
    """Arrow types Spark's converter refuses, turned into the ones it takes (same values)."""
    columns, changed = [], False
    for f, col in zip(table.schema, table.columns, strict=True):
        if pa.types.is_dictionary(f.type):
            col, changed = col.cast(f.type.value_type), True
        elif pa.types.is_large_string(f.type) or pa.types.is_string_view(f.type):
            col, changed = col.cast(pa.string()), True
        elif pa.types.is_large_binary(f.type):
            col, changed = col.cast(pa.binary()), True
        columns.append(col)
    return pa.Table.from_arrays(columns, names=table.column_names) if changed else table


def _what(cfg: ReadConfig | WriteConfig) -> str:
    if cfg.path:
        return f"'{cfg.path}'"
    if cfg.table:
        return f"table '{cfg.table}'"
    return "a query"
