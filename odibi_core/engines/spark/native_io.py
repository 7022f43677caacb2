"""csv, parquet, json and jsonl through Spark's own readers and writers.

The rules are the Arrow formats' rules (:mod:`odibi_core.formats._file_format`), so a project
reads and writes the same data on either engine:

* the same option names are accepted and checked (``sep``/``delimiter``, ``header``,
  ``quote_char``, ``null_values``, ``columns``, ``on_bad_lines``...);
* the same files are read: the input list comes from ``formats._files.list_input_files`` (one
  file, a folder dataset with hive ``k=v`` partitions, a glob; hidden files skipped; a Delta
  folder refused) and Spark reads exactly those files;
* the same types come out: inferred ints and floats are widened to 64 bits, partition columns
  are int64/float64/string, and CSV quoting and multi-line values follow pyarrow's defaults.

Where Spark cannot express an option exactly (``skip_rows``, several ``null_values``, a text
encoding other than UTF-8) the read goes through the Arrow format instead: slower for big
inputs, but never a different answer. One difference stays: without ``null_values`` Spark
treats only empty fields as NULL, while pyarrow also treats tokens such as ``NA`` and ``NULL``
as NULL; give ``null_values`` to make both engines agree.

Writes to a folder path (no extension) with overwrite/append/error/ignore run in Spark and
produce the same layout (``part-*`` files, ``k=v`` folders); they are staged in a hidden temp
folder and moved into place, so a failed write leaves the old data as it was. Everything else
(single-file targets, upsert/append_once) goes through the Arrow format (see ``staging``).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from pyspark.sql import DataFrame, Observation
from pyspark.sql import functions as SF
from pyspark.sql import types as T

from odibi_core.config.models import ReadConfig, WriteConfig
from odibi_core.errors import OdibiError
from odibi_core.formats import _files as F
from odibi_core.formats.base import WriteResult
from odibi_core.formats.csv import _delimiter, _header, _normalise
from odibi_core.formats.json import CORRUPT_COLUMN
from odibi_core.engines.spark.errors import SPARK_ERRORS, one_line
from odibi_core.engines.spark.types import arrow_schema, partition_parity, ref, widen_inferred

NATIVE_FORMATS = ("csv", "parquet", "json", "jsonl")
_UTF8 = ("utf8", "utf-8", "UTF8", "UTF-8")
_HIVE_SEGMENT = re.compile(r"^[^=]+=.*$")


# --- read --------------------------------------------------------------------------------------
def read(spark: Any, fmt: Any, conn: Any, cfg: ReadConfig) -> DataFrame | None:
    """The frame, or None when the Arrow format must read it (see the module docstring)."""
    F.require_local(conn, fmt.name)
    if not cfg.path:
        raise OdibiError(f"format '{fmt.name}' reads files: give 'path' (a file, a folder or a glob).")
    F.check_options(cfg.options, fmt.read_options, f"{fmt.name} read of '{cfg.path}'")
    files = F.list_input_files(conn, cfg.path, suffixes=fmt.suffixes, fmt=fmt.name)
    base = _partition_base(conn, cfg.path, files)
    if base is False:
        return None
    paths = [f.path for f in files]
    partitions = sorted({k for f in files for k in f.partitions})
    try:
        if fmt.name == "csv":
            df = _read_csv(spark, paths, base, cfg)
        elif fmt.name == "parquet":
            df = _read_parquet(spark, paths, base, cfg)
        else:
            df = _read_json(spark, fmt.name, paths, base, cfg)
    except SPARK_ERRORS as exc:
        text = str(exc) + " " + one_line(exc)
        if "TIMESTAMP(NANOS" in text:  # Spark cannot read nanosecond timestamps; pyarrow can
            return None
        if "MALFORMED_RECORD" in text or "Malformed" in text:
            hint = (" or set options: {on_bad_lines: skip} on the read to skip such lines (keep: to keep them in "
                    "a _corrupt_record column)") if fmt.name != "csv" else ""
            raise OdibiError(f"malformed {fmt.name} in '{cfg.path}' on connection '{conn.name}': "
                             f"{one_line(exc)} Fix the file{hint}.") from None
        raise OdibiError(f"cannot read {fmt.name} '{cfg.path}' on connection '{conn.name}': {one_line(exc)}") from None
    if df is None:
        return None
    return partition_parity(df, partitions)


def _partition_base(conn: Any, path: str, files: list[F.InputFile]) -> str | None | bool:
    """basePath for Spark's partition discovery; None without partitions; False when Spark's
    discovery would not see the same columns as the Arrow formats (mixed layouts)."""
    if not any(f.partitions for f in files):
        return None
    base = Path(conn.resolve(str(F._static_prefix(path)))) if F.is_glob(path) else Path(conn.resolve(path))
    layouts = set()
    for f in files:
        try:
            rel = Path(f.path).parent.relative_to(base)
        except ValueError:
            return False
        if not all(_HIVE_SEGMENT.match(seg) for seg in rel.parts):
            return False
        layouts.add(tuple(seg.split("=", 1)[0] for seg in rel.parts))
    return str(base) if len(layouts) == 1 else False


def _reader(spark: Any, base: str | None):
    r = spark.read
    return r.option("basePath", base) if base else r


def _read_csv(spark: Any, paths: list[str], base: str | None, cfg: ReadConfig) -> DataFrame | None:
    what = f"csv read of '{cfg.path}'"
    opts = _normalise(cfg.options, what)
    header = _header(opts.get("header", True), what)
    nulls = opts.get("null_values")
    if isinstance(nulls, str):
        nulls = [nulls]
    encoding = opts.get("encoding", "utf8")
    if int(opts.get("skip_rows", 0) or 0) or (nulls is not None and len(nulls) != 1) or encoding not in _UTF8:
        return None
    quote = opts.get("quote_char", '"')
    columns = opts.get("columns")
    if columns is not None and not (isinstance(columns, list) and all(isinstance(c, str) for c in columns)):
        raise OdibiError(f"{what}: option 'columns' must be a list of column names.")
    reader = (_reader(spark, base).option("header", header).option("inferSchema", True)
              .option("sep", _delimiter(opts.get("delimiter", ","), what)).option("quote", quote)
              .option("escape", quote)  # pyarrow (and RFC 4180) double a quote inside quotes
              .option("multiLine", True).option("mode", "FAILFAST"))
    if nulls is not None:
        reader = reader.option("nullValue", nulls[0])
    df = reader.csv(paths)
    if not header:  # Spark says _c0, _c1...; the Arrow path says column_1, column_2...
        df = df.toDF(*[f"column_{i + 1}" if c == f"_c{i}" else c for i, c in enumerate(df.columns)])
    df = widen_inferred(df)
    return _select(df, columns, what)


def _read_parquet(spark: Any, paths: list[str], base: str | None, cfg: ReadConfig) -> DataFrame:
    reader = _reader(spark, base)
    if len(paths) > 1:  # files written at different times may hold different columns
        reader = reader.option("mergeSchema", True)
    return _select(reader.parquet(*paths), cfg.options.get("columns"), f"parquet read of '{cfg.path}'")


def _read_json(spark: Any, name: str, paths: list[str], base: str | None, cfg: ReadConfig) -> DataFrame | None:
    opts = cfg.options
    bad = opts.get("on_bad_lines", "error")
    if bad not in ("error", "skip", "keep"):
        raise OdibiError(f"{name} read: option 'on_bad_lines' must be one of error, skip, keep (got {bad!r}).")
    lines = opts.get("lines")
    if lines is not None and not isinstance(lines, bool):
        raise OdibiError(f"{name} read of '{cfg.path}': option 'lines' must be true or false.")
    if opts.get("encoding", "utf-8") not in _UTF8:
        return None
    arrays, jsonl, first_keys = [], [], None
    for p in paths:
        head = _head(p)
        if not head:
            continue
        is_array = head[:1] == "["
        if name == "jsonl":
            if lines is False:
                raise OdibiError(f"format 'jsonl' is always JSON Lines; use format: json for '{p}' with lines: false.")
            if is_array:
                raise OdibiError(f"'{p}' holds a JSON array, not JSON Lines; read it with format: json.")
        as_array = is_array if lines is None else not lines
        (arrays if as_array else jsonl).append(p)
        if first_keys is None:
            first_keys = _first_keys(head, as_array)
    if not arrays and not jsonl:
        return None  # only empty files: the Arrow path returns the empty table the pandas engine sees
    if bad == "keep":
        if arrays:
            return None  # a bad array file is one bad record: the Arrow path says so exactly
        return _read_jsonl_keeping_bad_lines(spark, jsonl, base, first_keys)
    mode = "DROPMALFORMED" if bad == "skip" else "FAILFAST"
    frames = []
    for group, multi in ((jsonl, False), (arrays, True)):
        if group:
            r = (_reader(spark, base).option("multiLine", multi).option("mode", mode)
                 .option("inferTimestamp", True))  # pyarrow turns ISO-8601 text into timestamps too
            frames.append(r.json(group))
    df = frames[0] if len(frames) == 1 else frames[0].unionByName(frames[1], allowMissingColumns=True)
    # Spark sorts inferred JSON fields by name; pyarrow keeps the order they appear in.
    order = [c for c in (first_keys or []) if c in df.columns]
    df = df.select(*[ref(c) for c in order + [c for c in df.columns if c not in order]])
    return widen_inferred(df)


def _read_jsonl_keeping_bad_lines(spark: Any, paths: list[str], base: str | None,
                                  first_keys: list[str] | None) -> DataFrame:
    """``on_bad_lines: keep``: every non-blank line is a row; a bad one has NULLs and its text in
    ``_corrupt_record`` (the Arrow format's rule).

    Spark's own PERMISSIVE JSON read refuses queries that touch only ``_corrupt_record``
    (UNSUPPORTED_FEATURE.QUERY_ONLY_CORRUPT_RECORD_COLUMN), which is exactly what a validation
    test does. So the schema is inferred from the good lines, and the lines are read as text and
    parsed with ``from_json``: the corrupt column is then an ordinary column.
    """
    inferred = (_reader(spark, base).option("mode", "DROPMALFORMED").option("inferTimestamp", True)
                .json(paths).schema)
    text = _reader(spark, base).text(paths)
    partitions = [c for c in text.columns if c != "value"]
    if CORRUPT_COLUMN in inferred.fieldNames():
        raise OdibiError(f"the JSON in {paths[0]} already has a field '{CORRUPT_COLUMN}', the column "
                         "on_bad_lines: keep adds; rename the field, or read with on_bad_lines: error or skip.")
    fields = [f for f in inferred.fields if f.name not in partitions]
    schema = T.StructType(fields + [T.StructField(CORRUPT_COLUMN, T.StringType(), True)])
    parsed = (text.where(SF.col("value").rlike(r"\S"))  # blank lines are not records (as in the Arrow format)
              .select(SF.from_json(SF.col("value"), schema, {"mode": "PERMISSIVE",
                                                             "columnNameOfCorruptRecord": CORRUPT_COLUMN})
                      .alias("_odibi_json"), *[ref(c) for c in partitions]))
    data = [f.name for f in fields]
    order = [c for c in (first_keys or []) if c in data]
    order += [c for c in data if c not in order]
    df = parsed.select(*[SF.col("_odibi_json").getField(c).alias(c) for c in order + [CORRUPT_COLUMN]],
                       *[ref(c) for c in partitions])
    return widen_inferred(df, skip=[CORRUPT_COLUMN])


def _head(path: str, size: int = 1 << 16) -> str:
    with open(path, "rb") as fh:
        data = fh.read(size).removeprefix(b"\xef\xbb\xbf")
    return data.decode("utf-8", errors="replace").lstrip()


def _first_keys(head: str, as_array: bool) -> list[str] | None:
    """Keys of the first object, in file order (best effort: the first 64 KiB of the file)."""
    try:
        text = head[1:].lstrip() if as_array else head.splitlines()[0]
        obj, _ = json.JSONDecoder().raw_decode(text)
        return [str(k) for k in obj] if isinstance(obj, dict) else None
    except (ValueError, IndexError):
        return None


def _select(df: DataFrame, columns: Any, what: str) -> DataFrame:
    if columns is None:
        return df
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise OdibiError(f"{what}: column(s) {missing} not in the data (it has: {', '.join(df.columns)}).")
    return df.select(*[ref(c) for c in columns])


# --- write -------------------------------------------------------------------------------------
def write(spark: Any, df: DataFrame, fmt: Any, conn: Any, cfg: WriteConfig) -> WriteResult | None:
    """Write a folder dataset with Spark, or return None for the Arrow path."""
    if cfg.mode not in ("overwrite", "append", "error", "ignore"):
        return None
    if not hasattr(conn, "resolve") or not getattr(conn, "is_local", True):
        return None  # the Arrow format gives the error the pandas engine gives
    what = f"{fmt.name} write to '{cfg.path}' on connection '{conn.name}'"
    F.check_options(cfg.options, fmt.write_options | {"keys"}, what)
    opts = {k: v for k, v in cfg.options.items() if k != "keys"}
    if fmt.name in ("json", "jsonl") and opts.get("lines", True) is False:
        return None  # Spark writes JSON Lines only
    target, as_dir = fmt._target(conn, cfg)
    if not as_dir:
        return None
    schema = arrow_schema(df.schema)
    for col in cfg.partition_by:
        if col not in schema.names:
            raise OdibiError(f"{what}: partition column '{col}' is not in the data ({', '.join(schema.names)}).")
    fmt.check_write(schema.empty_table(), opts, single_file=False)
    existing = fmt._existing_files(target, True)
    result = lambda n, **d: WriteResult(n, str(target), cfg.mode, None, d)  # noqa: E731
    if existing and cfg.mode == "error":
        raise OdibiError(f"{what}: the target exists already and mode is 'error'. Remove it or choose another mode.")
    if existing and cfg.mode == "ignore":
        return result(0, skipped=True)
    obs = Observation()
    counted = df.observe(obs, SF.count(SF.lit(1)).alias("rows"))
    build = lambda folder: _spark_write(counted, fmt.name, folder, cfg.partition_by, opts)  # noqa: E731
    if not existing or cfg.mode != "append":
        F.atomic_replace_dir(target, build)
    else:
        _check_append(fmt, target, existing, schema, cfg, opts, what)
        F.atomic_add_files(target, build)
    return result(int(obs.get.get("rows", 0)))


def _check_append(fmt: Any, target: Path, existing: list, schema: Any, cfg: WriteConfig, opts: dict, what: str) -> None:
    """The checks FileFormat._append makes before adding files: same columns, same layout, types."""
    read_opts = fmt.read_back_options(opts)
    schemas = [fmt.read_schema(f.path, read_opts) for f in existing]
    current = F.unified_schema([(f"'{f.path}'", s) for f, s in zip(existing, schemas, strict=True)], lenient=True)
    layout = sorted({k for f in existing for k in f.partitions})
    names = current.names + [k for k in layout if k not in current.names]
    F.check_same_columns(names, schema.names, merge_schema=cfg.merge_schema, what=what)
    if layout != sorted(cfg.partition_by):
        raise OdibiError(
            f"{what}: the existing dataset is partitioned by {layout or 'nothing'} but this write "
            f"asks for {cfg.partition_by or 'nothing'}; use the same partition_by, or mode: overwrite.")
    if not fmt.lenient_types:
        data = schema.empty_table().drop_columns([c for c in cfg.partition_by if c not in current.names]).schema
        F.unified_schema([("the existing target", current), ("the new data", data)], lenient=False)


def _spark_write(df: DataFrame, name: str, folder: Path, partition_by: list[str], opts: dict[str, Any]) -> None:
    writer = df.write.mode("overwrite")
    if partition_by:
        writer = writer.partitionBy(*partition_by)
    if name == "csv":
        o = _normalise(opts, "csv write")
        quote = '"'
        writer = (writer.option("header", _header(o.get("header", True), "csv write"))
                  .option("sep", _delimiter(o.get("delimiter", ","), "csv write"))
                  .option("quote", quote).option("escape", quote)
                  .option("ignoreLeadingWhiteSpace", False).option("ignoreTrailingWhiteSpace", False))
        writer.csv(str(folder))
    elif name == "parquet":
        writer.option("compression", opts.get("compression", "snappy")).parquet(str(folder))
    else:
        writer = _iso_timestamps(df).write.mode("overwrite")
        if partition_by:
            writer = writer.partitionBy(*partition_by)
        writer.option("ignoreNullFields", False).json(str(folder))
    _drop_markers(folder)


def _iso_timestamps(df: DataFrame) -> DataFrame:
    """Wall-clock timestamps as Python's isoformat writes them ('2024-01-01T10:00:00'), which is
    what the Arrow json format writes and what pyarrow reads back as a timestamp (Spark's own
    '2024-01-01T10:00:00.000' comes back as text)."""
    changes = {f.name: SF.regexp_replace(ref(f.name).cast("string"), " ", "T")
               for f in df.schema.fields if isinstance(f.dataType, T.TimestampNTZType)}
    return df.withColumns(changes) if changes else df


def _drop_markers(folder: Path) -> None:
    """Remove Hadoop's _SUCCESS and .crc files: they are not data and would be moved into place."""
    for p in sorted(folder.rglob("*"), reverse=True):
        if p.is_file() and p.name.startswith(("_", ".")):
            p.unlink()
