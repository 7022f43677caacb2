"""The common read/write flow of the file formats (csv, parquet, json, jsonl).

Each format only says how to read one file and write one file; this base class does the rest
the same way for all of them, so the modes behave identically whatever the format:

* read: a glob, one file or a directory dataset (hive ``k=v`` folders become columns), many
  files concatenated under one unified schema;
* write target: a path with an extension is one file; a path without one is a directory of
  ``part-00000-<uuid>.<ext>`` files (optionally hive-partitioned);
* modes: overwrite, append, upsert/merge, append_once, error, ignore; every write is atomic.
"""

from __future__ import annotations

from abc import abstractmethod
from pathlib import Path
from typing import Any, ClassVar

import pyarrow as pa

from odibi_core.config.models import ReadConfig, WriteConfig
from odibi_core.config.models.io import WRITE_MODES
from odibi_core.connections.base import Connection
from odibi_core.errors import OdibiError
from odibi_core.formats import _files as F
from odibi_core.formats.base import Format, WriteResult

STATS_PREFIX = b"odibi."


class FileFormat(Format):
    """Base of the file formats; subclasses implement :meth:`read_file` and :meth:`write_file`."""

    connection_kind = "file"
    write_modes = frozenset(WRITE_MODES)
    suffixes: ClassVar[tuple[str, ...]] = ()  # suffixes of data files; [0] names new part files
    lenient_types: ClassVar[bool] = False  # text formats: conflicting column types become strings
    read_options: ClassVar[frozenset[str]] = frozenset()
    write_options: ClassVar[frozenset[str]] = frozenset()

    # --- what each format provides ---------------------------------------------------------
    @abstractmethod
    def read_file(self, path: str, options: dict[str, Any]) -> pa.Table:
        """Read one file."""

    @abstractmethod
    def write_file(self, table: pa.Table, path: str, options: dict[str, Any]) -> None:
        """Write one file (the caller makes it atomic)."""

    def read_schema(self, path: str, options: dict[str, Any]) -> pa.Schema:
        """Schema of one file; formats with a footer (parquet) override this to skip the data."""
        return self.read_file(path, options).schema

    def check_write(self, table: pa.Table, options: dict[str, Any], single_file: bool) -> None:
        """Refuse data the format cannot hold, before anything is written."""

    def read_back_options(self, write_options: dict[str, Any]) -> dict[str, Any]:
        """Read options that match the write options (csv delimiter/header), to read a target back."""
        return {}

    # --- read ------------------------------------------------------------------------------
    def read(self, conn: Connection, cfg: ReadConfig) -> pa.Table:
        F.require_local(conn, self.name)
        if not cfg.path:
            raise OdibiError(f"format '{self.name}' reads files: give 'path' (a file, a folder or a glob).")
        F.check_options(cfg.options, self.read_options, f"{self.name} read of '{cfg.path}'")
        files = F.list_input_files(conn, cfg.path, suffixes=self.suffixes, fmt=self.name)
        return self._read_files(files, cfg.options)

    def _read_files(self, files: list[F.InputFile], options: dict[str, Any], hints=None) -> pa.Table:
        tables = []
        stats: dict[bytes, int] = {}
        for f in files:
            table = self._read_one(f.path, options)
            for k, v in (table.schema.metadata or {}).items():
                if k.startswith(STATS_PREFIX):
                    stats[k] = stats.get(k, 0) + int(v)
            tables.append((f, table))
        tables = F.add_partition_columns(tables, hints)
        labelled = [(f"'{f.path}'", t) for f, t in zip(files, tables)]
        result = F.unify_tables(labelled, lenient=self.lenient_types)
        if stats:
            result = result.replace_schema_metadata({k: str(v).encode() for k, v in stats.items()})
        return result

    def _read_one(self, path: str, options: dict[str, Any]) -> pa.Table:
        try:
            return self.read_file(path, options)
        except OdibiError:
            raise
        except (pa.ArrowException, OSError, ValueError, UnicodeDecodeError) as exc:
            raise OdibiError(f"cannot read {self.name} file '{path}': {exc}") from None

    # --- write -----------------------------------------------------------------------------
    def _target(self, conn: Connection, cfg: WriteConfig) -> tuple[Path, bool]:
        if not cfg.path:
            raise OdibiError(f"format '{self.name}' writes files: give 'path', not 'table'.")
        target = Path(conn.resolve(cfg.path))
        if target.suffix.lower() in (".gz", ".bz2", ".zst", ".zip"):
            raise OdibiError(
                f"{self.name} write to '{cfg.path}': compressed output files are not supported; "
                f"write an uncompressed file (e.g. '{target.with_suffix('').name}')."
            )
        as_dir = target.is_dir() or (not target.exists() and target.suffix == "")
        if cfg.partition_by and not as_dir:
            raise OdibiError(
                f"{self.name} write to '{cfg.path}': partition_by needs a directory target, but the path "
                f"names a single file. Drop the extension (e.g. '{Path(cfg.path).with_suffix('')}') "
                "to write a partitioned dataset."
            )
        return target, as_dir

    def _existing_files(self, target: Path, as_dir: bool) -> list[F.InputFile]:
        if not as_dir:
            return [F.InputFile(str(target))] if target.is_file() else []
        if not target.is_dir():
            return []
        return [F.InputFile(str(f), F.hive_partitions(target, f)) for f in F.data_files_under(target, self.suffixes)]

    def exists(self, conn: Connection, cfg: WriteConfig) -> bool:
        F.require_local(conn, self.name)
        target, as_dir = self._target(conn, cfg)
        return bool(self._existing_files(target, as_dir))

    def write(self, table: pa.Table, conn: Connection, cfg: WriteConfig) -> WriteResult:
        F.require_local(conn, self.name)
        what = f"{self.name} write to '{cfg.path}' on connection '{conn.name}'"
        F.check_options(cfg.options, self.write_options | {"keys"}, what)
        opts = {k: v for k, v in cfg.options.items() if k != "keys"}
        target, as_dir = self._target(conn, cfg)
        table = table.replace_schema_metadata(None)
        for col in cfg.partition_by:
            if col not in table.column_names:
                raise OdibiError(f"{what}: partition column '{col}' is not in the data ({', '.join(table.column_names)}).")
        self.check_write(table, opts, single_file=not as_dir)
        existing = self._existing_files(target, as_dir)
        mode = cfg.mode
        result = lambda n, **d: WriteResult(n, str(target), mode, None, d)  # noqa: E731

        if mode in ("upsert", "merge", "append_once"):
            F.check_keys(table, cfg.keys, what)
            if mode != "append_once":
                F.check_unique_keys(table, cfg.keys, what)
        if existing and mode == "error":
            raise OdibiError(f"{what}: the target exists already and mode is 'error'. Remove it or choose another mode.")
        if existing and mode == "ignore":
            return result(0, skipped=True)
        if not existing or mode in ("overwrite", "error", "ignore"):
            self._replace(target, as_dir, table, cfg.partition_by, opts)
            return result(table.num_rows)

        if mode == "append":
            self._append(target, as_dir, table, existing, cfg, opts, what)
            return result(table.num_rows)
        hints = {f.name: f.type for f in table.schema}
        current = self._read_files(existing, self.read_back_options(opts), hints).replace_schema_metadata(None)
        F.check_keys(current, cfg.keys, f"{what} (existing target)")
        if mode == "append_once":
            new = F.rows_without_keys_in(table, current, cfg.keys, what)
            if new.num_rows:
                self._append(target, as_dir, new, existing, cfg, opts, what)
            return result(new.num_rows, skipped_existing=table.num_rows - new.num_rows)
        F.check_same_columns(current.column_names, table.column_names, merge_schema=cfg.merge_schema, what=what)
        combined, counts = F.upsert_rows(current, table, cfg.keys, lenient=self.lenient_types, what=what)
        self._replace(target, as_dir, combined, cfg.partition_by, opts)
        return result(table.num_rows, **counts)

    def _append(self, target, as_dir, table, existing, cfg: WriteConfig, opts, what) -> None:
        read_opts = self.read_back_options(opts)
        schemas = [self.read_schema(f.path, read_opts) for f in existing]
        current = F.unified_schema([(f"'{f.path}'", s) for f, s in zip(existing, schemas)], lenient=True)
        layout = sorted({k for f in existing for k in f.partitions})
        names = current.names + [k for k in layout if k not in current.names]
        F.check_same_columns(names, table.column_names, merge_schema=cfg.merge_schema, what=what)
        if not as_dir:
            old = self._read_one(str(target), read_opts)
            combined = F.unify_tables([(f"'{target}'", old), ("the new data", table)], lenient=self.lenient_types)
            F.atomic_write_file(target, lambda tmp: self.write_file(combined, str(tmp), opts))
            return
        if layout != sorted(cfg.partition_by):
            raise OdibiError(
                f"{what}: the existing dataset is partitioned by {layout or 'nothing'} but this write "
                f"asks for {cfg.partition_by or 'nothing'}; use the same partition_by, or mode: overwrite."
            )
        if not self.lenient_types:  # fail now rather than leave files that cannot be read together
            data = table.drop_columns([c for c in cfg.partition_by if c not in current.names])
            F.unified_schema([("the existing target", current), ("the new data", data.schema)], lenient=False)
        F.atomic_add_files(target, lambda stage: self._write_dataset(stage, table, cfg.partition_by, opts))

    def _replace(self, target: Path, as_dir: bool, table: pa.Table, partition_by, opts) -> None:
        if as_dir:
            F.atomic_replace_dir(target, lambda tmp: self._write_dataset(tmp, table, partition_by, opts))
        else:
            F.atomic_write_file(target, lambda tmp: self.write_file(table, str(tmp), opts))

    def _write_dataset(self, root: Path, table: pa.Table, partition_by, opts) -> None:
        for rel, part in F.split_partitions(table, list(partition_by)):
            folder = root / rel if rel else root
            folder.mkdir(parents=True, exist_ok=True)
            self.write_file(part, str(folder / F.part_name(0, self.suffixes[0])), opts)
