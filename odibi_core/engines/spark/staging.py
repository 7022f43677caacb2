"""Hand a Spark frame to the Arrow formats without collecting it through the driver's Python rows.

The Arrow formats (sql targets, single files, key-based modes, Delta through delta-rs) take
Arrow data. ``df.toArrow()`` would pull the whole frame into the driver in one go; instead Spark
writes the frame as parquet into a temporary folder (in parallel, spilling as it needs), and the
format reads it back as a stream of record batches, or as one table when it needs all rows at
once (an upsert must see every key). The folder is removed afterwards, whatever happens.

Staging needs the driver and the executors to share a disk, which holds for ``local[*]``
masters. On a cluster or over Spark Connect the executors' files are not on this machine, so
the frame is converted with ``toArrow()`` there.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.dataset as ds
from pyspark.sql import DataFrame
from pyspark.sql import types as T

from odibi_core.engines.spark.session import is_local_master
from odibi_core.engines.spark.types import has_top_level


class Staged:
    """``with Staged(spark, df) as s:`` then ``s.reader()`` (streaming) or ``s.table()``."""

    def __init__(self, spark: Any, df: DataFrame) -> None:
        self.spark = spark
        self.df = df
        self._dir: str | None = None
        self._dataset: ds.Dataset | None = None
        self._table: pa.Table | None = None

    def __enter__(self) -> Staged:
        # Parquet cannot hold Spark's void type (a bare NULL column); Arrow can, via toArrow.
        if not is_local_master(self.spark) or has_top_level(self.df, T.NullType):
            self._table = self.df.toArrow()
            return self
        self._dir = tempfile.mkdtemp(prefix="odibi-spark-stage-")
        out = Path(self._dir) / "data"
        try:
            self.df.write.mode("overwrite").parquet(str(out))
        except BaseException:  # __exit__ does not run when __enter__ fails
            self.__exit__(None, None, None)
            raise
        files = sorted(str(p) for p in out.glob("*.parquet"))  # part-00000... keeps the frame's order
        self._dataset = ds.dataset(files, format="parquet")
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
        self._dataset = None
        self._table = None

    @property
    def schema(self) -> pa.Schema:
        schema = self._table.schema if self._table is not None else self._dataset.schema
        return schema.remove_metadata()

    def reader(self) -> pa.RecordBatchReader:
        """The rows as a stream of record batches (Spark's schema metadata removed)."""
        if self._table is not None:
            return pa.RecordBatchReader.from_batches(self.schema, self.table().to_batches())
        schema = self.schema
        batches = (b.replace_schema_metadata(None) for b in self._dataset.to_batches())
        return pa.RecordBatchReader.from_batches(schema, batches)

    def table(self) -> pa.Table:
        """All rows as one Arrow table."""
        if self._table is not None:
            return self._table.replace_schema_metadata(None)
        return self._dataset.to_table().replace_schema_metadata(None)
