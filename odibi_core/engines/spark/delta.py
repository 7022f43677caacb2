"""Delta Lake on Spark: Delta's own Spark integration when it is there, delta-rs through Arrow otherwise.

*native*: the session has ``DeltaSparkSessionExtension`` in ``spark.sql.extensions`` and the
class ``io.delta.tables.DeltaTable`` loads in its JVM (the delta-spark jars are on the
classpath). Reads use ``spark.read.format("delta")``; upserts are Delta's own MERGE.

*deltalake-arrow*: the jars are missing (they come from Maven, which is not always reachable).
The Delta log is read with delta-rs (``deltalake``): the files of the wanted version are
listed from the log and Spark reads exactly those files, with the table's own schema, so
removed files (an overwrite's or a MERGE's leftovers) are never counted, older files that lack
a later column read it as NULL, and partition columns get the table's types. Writes go through
:class:`odibi_core.formats.delta.DeltaFormat` (delta-rs transactions), fed from the staged
parquet stream (see ``staging``), so the Delta tables the two engines write are the same.

In both modes the errors are the pandas engine's: a missing table, a missing version and a
timestamp before the table's first commit are checked with the same helpers.
"""

from __future__ import annotations

import logging
from typing import Any

import pyarrow as pa
from deltalake import DeltaTable
from deltalake.exceptions import DeltaError
from pyspark.sql import DataFrame
from pyspark.sql import functions as SF

from odibi_core.config.models import ReadConfig, WriteConfig
from odibi_core.engines.spark.session import is_connect
from odibi_core.engines.spark.staging import Staged
from odibi_core.engines.spark.types import ref, spark_schema
from odibi_core.errors import OdibiError
from odibi_core.formats import _files as F
from odibi_core.formats.base import WriteResult
from odibi_core.formats.registry import get_format

log = logging.getLogger("odibi.spark")

NATIVE, ARROW = "native", "deltalake-arrow"
_ARROW_ONLY_FEATURES = {"deletionVectors", "columnMapping"}  # parquet files alone do not tell the rows
_announced: set[str] = set()


def detect_mode(spark: Any) -> str:
    """``native`` when Delta's Spark extension and classes are usable, else ``deltalake-arrow``."""
    try:
        extensions = spark.conf.get("spark.sql.extensions", "") or ""
    except Exception:  # noqa: BLE001 - a session that refuses to show its settings
        extensions = ""
    mode = ARROW
    if "DeltaSparkSessionExtension" in extensions and _python_api_present():
        if is_connect(spark):
            mode = NATIVE  # the server owns the classpath; its extension setting is the signal
        else:
            try:
                if spark._jvm.org.apache.spark.util.Utils.classIsLoadable("io.delta.tables.DeltaTable"):
                    mode = NATIVE
            except Exception:  # noqa: BLE001 - py4j errors have no common base worth naming
                mode = ARROW
    key = _session_key(spark)
    if key not in _announced:
        _announced.add(key)
        if mode == NATIVE:
            log.info("Delta tables use Delta's Spark integration (delta-spark on the classpath)")
        else:
            log.info("Delta tables use delta-rs through Arrow: Delta's Spark jars are not on the classpath")
    return mode


def _python_api_present() -> bool:
    try:
        import delta.tables  # noqa: F401
    except ImportError:
        return False
    return True


def _session_key(spark: Any) -> str:
    try:
        return str(spark.sparkContext.applicationId)
    except Exception:  # noqa: BLE001 - Spark Connect has no SparkContext
        return str(getattr(spark, "session_id", id(spark)))


class SparkDelta:
    """Delta reads and writes for one engine, in the mode its session allows."""

    def __init__(self, spark: Any, mode: str) -> None:
        self.spark = spark
        self.mode = mode
        self.fmt = get_format("delta")

    # --- read ------------------------------------------------------------------------------
    def read(self, conn: Any, cfg: ReadConfig) -> DataFrame:
        uri, where, so = self.fmt._locate(conn, cfg.path)
        F.check_options(cfg.options, {"columns"}, f"delta read of {where}")
        if not DeltaTable.is_deltatable(uri, storage_options=so):
            raise OdibiError(f"no Delta table at {where} (resolved to {uri}; no _delta_log found). "
                             "Check the path, or run the node that writes it first.")
        try:
            table = self._snapshot(uri, so, cfg, where)
            names = [f.name for f in table.schema().fields]
            columns = cfg.options.get("columns")
            missing = [c for c in columns or [] if c not in names]
            if missing:
                raise OdibiError(f"delta read of {where}: column(s) {missing} not in the table ({', '.join(names)}).")
            df = self._native_read(uri, table) if self.mode == NATIVE else self._arrow_read(uri, table)
        except DeltaError as exc:
            raise OdibiError(f"cannot read Delta table {where}: {exc}") from None
        return df.select(*[ref(c) for c in columns]) if columns else df

    def _snapshot(self, uri: str, so: Any, cfg: ReadConfig, where: str) -> DeltaTable:
        """The table at the version the read asks for (same checks and errors as DeltaFormat)."""
        tt = cfg.time_travel
        if tt is not None and tt.as_of_version is not None:
            return self.fmt._at_version(uri, so, tt.as_of_version, where)
        table = DeltaTable(uri, storage_options=so)
        if tt is not None and tt.as_of_timestamp:
            self.fmt._at_timestamp(table, tt.as_of_timestamp, where)
        return table

    def _native_read(self, uri: str, table: DeltaTable) -> DataFrame:
        # The version was resolved (and checked) by delta-rs, so both modes pick the same snapshot.
        return self.spark.read.format("delta").option("versionAsOf", table.version()).load(uri)

    def _arrow_read(self, uri: str, table: DeltaTable) -> DataFrame:
        schema = pa.schema(table.schema().to_arrow())
        sschema = spark_schema(schema)
        features = set(table.protocol().reader_features or [])
        if features & _ARROW_ONLY_FEATURES:
            return self.spark.createDataFrame(table.to_pyarrow_table())
        files = table.file_uris()
        if not files:
            return self.spark.createDataFrame([], sschema)
        # The table's schema, not one file's: older files lacking a later column read it as
        # NULL, and partition columns (only in folder names) get the table's types.
        df = self.spark.read.schema(sschema).option("basePath", uri).parquet(*files)
        return df.select(*[ref(n) for n in schema.names])

    # --- write -----------------------------------------------------------------------------
    def write(self, df: DataFrame, conn: Any, cfg: WriteConfig) -> WriteResult:
        if self.mode == NATIVE:
            return self._native_write(df, conn, cfg)
        with Staged(self.spark, df) as staged:
            streams = cfg.mode in ("overwrite", "append")
            return self.fmt.write(staged.reader() if streams else staged.table(), conn, cfg)

    def _native_write(self, df: DataFrame, conn: Any, cfg: WriteConfig) -> WriteResult:
        from delta.tables import DeltaTable as SparkDeltaTable

        uri, where, _ = self.fmt._locate(conn, cfg.path)
        what = f"delta write to {where}"
        F.check_options(cfg.options, {"keys"}, what)
        for col in cfg.partition_by:
            if col not in df.columns:
                raise OdibiError(f"{what}: partition column '{col}' is not in the data ({', '.join(df.columns)}).")
        mode = cfg.mode
        keyed = mode in ("upsert", "merge", "append_once")
        if keyed:
            _check_keys(df, cfg.keys, what, unique=mode != "append_once")
        exists = SparkDeltaTable.isDeltaTable(self.spark, uri)
        if exists and mode == "error":
            raise OdibiError(f"{what}: the table exists already and mode is 'error'. Remove it or choose another mode.")
        if exists and mode == "ignore":
            return WriteResult(0, uri, mode, _version(SparkDeltaTable.forPath(self.spark, uri)), {"skipped": True})
        if not exists or mode in ("overwrite", "append"):
            if exists:
                target = SparkDeltaTable.forPath(self.spark, uri)
                F.check_same_columns(target.toDF().columns, df.columns, merge_schema=cfg.merge_schema, what=what)
                have = list(target.detail().select("partitionColumns").first()[0] or [])
                if cfg.partition_by and sorted(cfg.partition_by) != sorted(have):
                    raise OdibiError(
                        f"{what}: the table is partitioned by {have or 'nothing'} but this write asks for "
                        f"{cfg.partition_by}. Keep the table's partition_by (or drop it from the write); changing "
                        "a Delta table's partitioning needs a rebuild into a new path.")
            writer = df.write.format("delta").mode("append" if not exists else mode)
            if cfg.partition_by:
                writer = writer.partitionBy(*cfg.partition_by)
            if cfg.merge_schema:
                writer = writer.option("mergeSchema", "true")
            writer.save(uri)
            table = SparkDeltaTable.forPath(self.spark, uri)
            rows = _metric(table, "numOutputRows")
            return WriteResult(rows, uri, mode, _version(table), {"created": True} if not exists else {})
        target = SparkDeltaTable.forPath(self.spark, uri)
        names = target.toDF().columns
        F.check_same_columns(names, df.columns, merge_schema=cfg.merge_schema, what=what)
        missing = [k for k in cfg.keys if k not in names]
        if missing:
            raise OdibiError(f"{what}: key column(s) {missing} are not in the existing table ({', '.join(names)}).")
        predicate = " AND ".join(f"t.{ref_sql(k)} = s.{ref_sql(k)}" for k in cfg.keys)
        merger = target.alias("t").merge(df.alias("s"), predicate)
        if cfg.merge_schema:
            merger = merger.withSchemaEvolution()
        if mode != "append_once":
            merger = merger.whenMatchedUpdateAll()
        merger.whenNotMatchedInsertAll().execute()
        inserted, updated = _metric(target, "numTargetRowsInserted"), _metric(target, "numTargetRowsUpdated")
        details = {"inserted": inserted, "updated": updated}
        if mode == "append_once":
            source_rows = _metric(target, "numSourceRows")
            details["skipped_existing"] = source_rows - inserted
            return WriteResult(inserted, uri, mode, _version(target), details)
        return WriteResult(_metric(target, "numSourceRows"), uri, mode, _version(target), details)


def _check_keys(df: DataFrame, keys: list[str], what: str, *, unique: bool) -> None:
    missing = [k for k in keys if k not in df.columns]
    if missing:
        raise OdibiError(f"{what}: key column(s) {missing} not found (columns: {', '.join(df.columns)}); "
                         "fix options.keys.")
    if not unique:
        return
    keyed = df.where(" AND ".join(f"{ref_sql(k)} IS NOT NULL" for k in keys))
    dups = keyed.groupBy(*[ref(k) for k in keys]).count().where(SF.col("count") > 1)
    first = dups.limit(1).collect()
    if first:
        example = {k: first[0][k] for k in keys}
        raise OdibiError(f"{what}: key value(s) occur more than once in the data (e.g. {example}); an upsert needs "
                         "one row per key. Deduplicate first (transformer: deduplicate).")


def ref_sql(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def _last_commit(table: Any) -> Any:
    return table.history(1).select("version", "operationMetrics").first()


def _version(table: Any) -> int:
    return int(_last_commit(table)["version"])


def _metric(table: Any, name: str) -> int:
    metrics = _last_commit(table)["operationMetrics"] or {}
    try:
        return int(metrics.get(name, 0))
    except (TypeError, ValueError):
        return 0
