"""Delta Lake tables through delta-rs (the ``deltalake`` package): no Spark, no JVM.

Reads go through the Delta log (``DeltaTable``), never the folder's parquet files: after an
overwrite or a MERGE the folder still holds the replaced files, and a plain parquet read would
count them too. Time travel picks a version or the last version committed at a timestamp.
Writes use delta-rs' own transactions, so they are atomic by construction: a failed write
commits nothing. Upserts are a real Delta MERGE on the key columns.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pyarrow as pa
from deltalake import DeltaTable, write_deltalake
from deltalake.exceptions import DeltaError, SchemaMismatchError

from odibi_core.config.models import ReadConfig, WriteConfig
from odibi_core.config.models.io import WRITE_MODES
from odibi_core.connections.base import Connection
from odibi_core.errors import OdibiError
from odibi_core.formats import _files as F
from odibi_core.formats.base import Format, WriteResult
from odibi_core.formats.delta_merge import merge_into, merge_predicate, options_for_write, quote_ident  # noqa: F401
from odibi_core.formats.registry import register_format


def _versions_text(versions: list[int]) -> str:
    if not versions:
        return "none"
    versions = sorted(versions)
    if versions == list(range(versions[0], versions[-1] + 1)):
        return f"{versions[0]}" if len(versions) == 1 else f"{versions[0]} to {versions[-1]}"
    return ", ".join(map(str, versions))


def parse_timestamp(text: str, where: str) -> dt.datetime:
    """ISO-8601 date or date-time; a time without an offset is taken as UTC (Delta's clock)."""
    try:
        value = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise OdibiError(
            f"time_travel.as_of_timestamp for {where} is not an ISO-8601 timestamp: {text!r} "
            "(e.g. '2024-05-01T12:00:00Z' or '2024-05-01')."
        ) from None
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)


class _Counted:
    """A RecordBatchReader that counts the rows passing through it, for the WriteResult."""

    def __init__(self, reader: pa.RecordBatchReader) -> None:
        self.column_names = reader.schema.names
        self.num_rows = 0
        schema = reader.schema.remove_metadata()

        def batches():
            for batch in reader:
                self.num_rows += batch.num_rows
                yield batch.replace_schema_metadata(None)

        self.data = pa.RecordBatchReader.from_batches(schema, batches())


@register_format
class DeltaFormat(Format):
    name = "delta"
    connection_kind = "file"
    write_modes = frozenset(WRITE_MODES)

    # --- where -----------------------------------------------------------------------------
    def _locate(self, conn: Connection, path: str | None) -> tuple[str, str, dict[str, str] | None]:
        if not hasattr(conn, "resolve"):
            raise OdibiError(f"format 'delta' needs a file connection; connection '{conn.name}' is not one.")
        if not path:
            raise OdibiError(f"format 'delta' on connection '{conn.name}' needs 'path' (the table's folder).")
        uri = conn.resolve(path)
        return uri, f"'{path}' on connection '{conn.name}'", (conn.storage_options or None)

    def exists(self, conn: Connection, cfg: WriteConfig) -> bool:
        uri, _, so = self._locate(conn, cfg.path)
        return DeltaTable.is_deltatable(uri, storage_options=so)

    # --- read ------------------------------------------------------------------------------
    def read(self, conn: Connection, cfg: ReadConfig) -> pa.Table:
        uri, where, so = self._locate(conn, cfg.path)
        F.check_options(cfg.options, {"columns"}, f"delta read of {where}")
        if not DeltaTable.is_deltatable(uri, storage_options=so):
            raise OdibiError(
                f"no Delta table at {where} (resolved to {uri}; no _delta_log found). "
                "Check the path, or run the node that writes it first."
            )
        tt = cfg.time_travel
        try:
            if tt is not None and tt.as_of_version is not None:
                table = self._at_version(uri, so, tt.as_of_version, where)
            else:
                table = DeltaTable(uri, storage_options=so)
                if tt is not None and tt.as_of_timestamp:
                    self._at_timestamp(table, tt.as_of_timestamp, where)
            columns = cfg.options.get("columns")
            if columns is not None:
                names = [f.name for f in table.schema().fields]
                missing = [c for c in columns if c not in names]
                if missing:
                    raise OdibiError(f"delta read of {where}: column(s) {missing} not in the table ({', '.join(names)}).")
            return table.to_pyarrow_table(columns=columns)
        except DeltaError as exc:
            raise OdibiError(f"cannot read Delta table {where}: {exc}") from None

    def _versions(self, uri: str, so) -> list[int]:
        return sorted(int(h["version"]) for h in DeltaTable(uri, storage_options=so).history() if "version" in h)

    def _at_version(self, uri: str, so, version: int, where: str) -> DeltaTable:
        try:
            return DeltaTable(uri, version=version, storage_options=so)
        except DeltaError:
            raise OdibiError(
                f"Delta table {where} has no version {version}; versions available: "
                f"{_versions_text(self._versions(uri, so))}. Fix time_travel.as_of_version."
            ) from None

    def _at_timestamp(self, table: DeltaTable, text: str, where: str) -> None:
        when = parse_timestamp(text, where)
        history = table.history()
        first = min((h for h in history if "timestamp" in h), key=lambda h: h["timestamp"], default=None)
        if first is not None:
            first_at = dt.datetime.fromtimestamp(first["timestamp"] / 1000, tz=dt.timezone.utc)
            if when < first_at:
                raise OdibiError(
                    f"Delta table {where} did not exist yet at {when.isoformat()}: its oldest available "
                    f"version ({first.get('version', 0)}) was committed at {first_at.isoformat()}. "
                    "Use a later time_travel.as_of_timestamp."
                )
        table.load_as_version(when)

    # --- write -----------------------------------------------------------------------------
    def write(self, table: pa.Table | pa.RecordBatchReader, conn: Connection,
              cfg: WriteConfig) -> WriteResult:
        """Write ``table``; a RecordBatchReader (Spark's staged output) streams into overwrite and
        append, and is read whole for the other modes, whose key checks and MERGE need every row."""
        uri, where, so = self._locate(conn, cfg.path)
        what = f"delta write to {where}"
        if cfg.mode not in ("upsert", "merge", "append_once"):
            F.check_options(cfg.options, {"keys"}, what)
        if isinstance(table, pa.RecordBatchReader) and cfg.mode not in ("overwrite", "append"):
            table = table.read_all()
        if isinstance(table, pa.RecordBatchReader):
            table = _Counted(table)
        else:
            table = table.replace_schema_metadata(None)
        data = table.data if isinstance(table, _Counted) else table
        for col in cfg.partition_by:
            if col not in table.column_names:
                raise OdibiError(f"{what}: partition column '{col}' is not in the data ({', '.join(table.column_names)}).")
        mode = cfg.mode
        if mode in ("upsert", "merge", "append_once"):
            return self._merge(table, conn, cfg, uri, so, where)

        if not DeltaTable.is_deltatable(uri, storage_options=so):
            self._refuse_foreign_folder(conn, uri, what)
            self._run(what, lambda: write_deltalake(
                uri, data, mode="append", partition_by=cfg.partition_by or None, storage_options=so))
            return self._result(table.num_rows, uri, mode, so, created=True)

        current = DeltaTable(uri, storage_options=so)
        if mode == "error":
            raise OdibiError(f"{what}: the table exists already and mode is 'error'. Remove it or choose another mode.")
        if mode == "ignore":
            return WriteResult(0, uri, mode, current.version(), {"skipped": True})
        names = [f.name for f in current.schema().fields]
        F.check_same_columns(names, table.column_names, merge_schema=cfg.merge_schema, what=what)
        if mode in ("overwrite", "append"):
            self._check_partitioning(current, cfg.partition_by, what)
            self._run(what, lambda: write_deltalake(
                uri, data, mode=mode, partition_by=cfg.partition_by or None,
                schema_mode="merge" if cfg.merge_schema else None, storage_options=so))
            return self._result(table.num_rows, uri, mode, so)

        raise OdibiError(f"{what}: unknown write mode {mode!r}.")

    def _merge(self, table: pa.Table, conn: Connection, cfg: WriteConfig, uri: str, so, where: str) -> WriteResult:
        """upsert / merge / append_once: the same MERGE as the ``merge`` transformer (delta_merge)."""
        what = f"delta write to {where}"
        opts = options_for_write(cfg.mode, cfg.keys, cfg.options, cfg.merge_schema, cfg.partition_by, what)
        if DeltaTable.is_deltatable(uri, storage_options=so):
            self._check_partitioning(DeltaTable(uri, storage_options=so), cfg.partition_by, what)
        out = merge_into(table, uri, so, opts, where, local=getattr(conn, "is_local", True))
        if out.created:
            return WriteResult(table.num_rows, uri, cfg.mode, out.version, {"created": True})
        details = {"inserted": out.inserted, "updated": out.updated}
        if out.deleted:
            details["deleted"] = out.deleted
        if cfg.mode == "append_once":
            details["skipped_existing"] = table.num_rows - out.inserted
            return WriteResult(out.inserted, uri, cfg.mode, out.version, details)
        return WriteResult(table.num_rows, uri, cfg.mode, out.version, details)

    def _result(self, rows: int, uri: str, mode: str, so, **details: Any) -> WriteResult:
        return WriteResult(rows, uri, mode, DeltaTable(uri, storage_options=so).version(), details)

    def _check_partitioning(self, current: DeltaTable, partition_by: list[str], what: str) -> None:
        have = list(current.metadata().partition_columns)
        if partition_by and sorted(partition_by) != sorted(have):
            raise OdibiError(
                f"{what}: the table is partitioned by {have or 'nothing'} but this write asks for "
                f"{partition_by}. Keep the table's partition_by (or drop it from the write); changing "
                "a Delta table's partitioning needs a rebuild into a new path."
            )

    def _refuse_foreign_folder(self, conn: Connection, uri: str, what: str) -> None:
        if not getattr(conn, "is_local", True):
            return
        folder = Path(uri)
        if folder.is_file() or (folder.is_dir() and any(folder.iterdir())):
            raise OdibiError(
                f"{what}: the path holds other files but is not a Delta table (no _delta_log). "
                "Choose an empty or new path, or remove what is there."
            )

    def _run(self, what: str, action):
        try:
            return action()
        except OdibiError:
            raise
        except SchemaMismatchError as exc:
            raise OdibiError(
                f"{what}: the data's schema does not match the table's ({exc}). Set merge_schema: true "
                "to evolve the table, or cast the columns to the table's types."
            ) from None
        except (DeltaError, pa.ArrowException) as exc:
            raise OdibiError(f"{what} failed: {exc}") from None
        except Exception as exc:  # delta-rs raises bare Exception for cast errors
            if type(exc) is not Exception:
                raise
            raise OdibiError(f"{what} failed: {exc}. Check the column types against the table's.") from None
