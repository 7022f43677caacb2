"""Parquet files and directory datasets.

A path ending ``.parquet``/``.pq`` is one file. A path without an extension is a directory
dataset of ``part-00000-<uuid>.parquet`` files, hive-partitioned when ``partition_by`` is set;
Odibi writes a single extension-less file there, which other tools do not recognise as parquet,
so that behaviour is deliberately not copied. Parquet is strictly typed: files whose column
types cannot be promoted to one type are an error, not silently turned into strings.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from odibi_core.errors import OdibiError
from odibi_core.formats._file_format import FileFormat
from odibi_core.formats.registry import register_format

COMPRESSIONS = ("snappy", "gzip", "brotli", "zstd", "lz4", "none")


@register_format
class ParquetFormat(FileFormat):
    name = "parquet"
    suffixes = (".parquet", ".pq")
    lenient_types = False
    read_options = frozenset({"columns"})
    write_options = frozenset({"compression"})

    def read_file(self, path: str, options: dict[str, Any]) -> pa.Table:
        columns = options.get("columns")
        if columns is not None:
            names = pq.read_schema(path).names
            missing = [c for c in columns if c not in names]
            if missing:
                raise OdibiError(f"parquet read of '{path}': column(s) {missing} not in the file (it has: {', '.join(names)}).")
        # partitioning=None: hive folders are handled by the caller, the same way for every format.
        return pq.read_table(path, columns=columns, partitioning=None)

    def read_schema(self, path: str, options: dict[str, Any]) -> pa.Schema:
        return pq.read_schema(path)

    def check_write(self, table: pa.Table, options: dict[str, Any], single_file: bool) -> None:
        comp = options.get("compression", "snappy")
        if comp not in COMPRESSIONS:
            raise OdibiError(f"parquet write: compression '{comp}' is not one of {', '.join(COMPRESSIONS)}.")

    def write_file(self, table: pa.Table, path: str, options: dict[str, Any]) -> None:
        pq.write_table(table, path, compression=options.get("compression", "snappy"))
