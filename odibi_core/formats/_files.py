"""Shared helpers for the file formats (csv, parquet, json): listing inputs, atomic writes,
schema unification and the key-based write modes for formats without a native MERGE.

Why here and not in each format: the rules must be the same everywhere. A glob, a directory
dataset and a hive partition mean the same thing for csv as for parquet, and a failed write must
never leave half-written output whatever the format. Writes therefore go to a temporary sibling
(a hidden ``.<name>.odibi-tmp-<uuid>``) and are moved into place with a rename, so readers see
either the old data or the new data, never a mix.
"""

from __future__ import annotations

import difflib
import os
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable
from urllib.parse import quote, unquote

import pyarrow as pa
import pyarrow.compute as pc

from odibi_core.errors import OdibiError

HIVE_NULL = "__HIVE_DEFAULT_PARTITION__"
_ROW = "__odibi_row__"


# --- options ---------------------------------------------------------------------------------
def check_options(options: dict[str, Any], known: Iterable[str], what: str) -> None:
    """Reject unknown option names with the list of known ones (and a did-you-mean hint)."""
    known = sorted(set(known))
    for name in options:
        if name not in known:
            close = difflib.get_close_matches(name, known, n=1)
            hint = f" Did you mean '{close[0]}'?" if close else ""
            raise OdibiError(
                f"{what}: unknown option '{name}'.{hint} Known options: {', '.join(known) or '(none)'}."
            )


def require_local(conn: Any, fmt: str) -> None:
    """File formats do their own atomic renames, which needs a local file connection."""
    if not hasattr(conn, "resolve") or not hasattr(conn, "glob"):
        raise OdibiError(
            f"format '{fmt}' needs a file connection, but connection '{getattr(conn, 'name', '?')}' "
            "is not one (use a local or cloud-storage connection)."
        )
    if not getattr(conn, "is_local", True):
        raise OdibiError(
            f"format '{fmt}' on connection '{conn.name}': only local file connections are supported "
            "for csv, parquet and json in this version; use format: delta for cloud storage."
        )


# --- listing inputs --------------------------------------------------------------------------
@dataclass
class InputFile:
    path: str
    partitions: dict[str, str | None] = field(default_factory=dict)


def is_glob(path: str) -> bool:
    return any(c in path for c in "*?[")


def _visible(name: str) -> bool:
    # Spark and Hadoop leave _SUCCESS, .crc and _delta_log beside the data; we leave .odibi-tmp.
    return not name.startswith((".", "_"))


def data_files_under(root: Path, suffixes: tuple[str, ...]) -> list[Path]:
    """Data files of a directory dataset, recursively, skipping hidden and ``_`` entries."""
    out: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if _visible(d))
        for name in sorted(filenames):
            if _visible(name) and name.lower().endswith(suffixes):
                out.append(Path(dirpath) / name)
    return out


def hive_partitions(base: Path, file: Path) -> dict[str, str | None]:
    """``k=v`` directory segments between ``base`` and ``file`` (values URL-decoded)."""
    try:
        rel = file.parent.relative_to(base)
    except ValueError:
        return {}
    out: dict[str, str | None] = {}
    for seg in rel.parts:
        if "=" in seg:
            key, _, value = seg.partition("=")
            value = unquote(value)
            out[unquote(key)] = None if value == HIVE_NULL else value
    return out


def _static_prefix(pattern: str) -> Path:
    parts = []
    for seg in Path(pattern).parts:
        if is_glob(seg):
            break
        parts.append(seg)
    return Path(*parts) if parts else Path(".")


def list_input_files(conn: Any, path: str, *, suffixes: tuple[str, ...], fmt: str) -> list[InputFile]:
    """Files a read names: a glob pattern, one file, or a directory dataset (hive partitions kept)."""
    where = f"connection '{conn.name}'"
    if is_glob(path):
        matches = [Path(m) for m in conn.glob(path)]
        base = Path(conn.resolve(str(_static_prefix(path))))
        files: list[Path] = []
        for m in matches:
            if m.is_dir():
                refuse_delta_dir(m, fmt, path, conn.name)
                files.extend(data_files_under(m, suffixes))
            elif m.is_file():
                files.append(m)
        if not files:
            raise OdibiError(f"no files match '{path}' on {where}; check the pattern and the connection's base_path.")
        return [InputFile(str(f), hive_partitions(base, f)) for f in files]
    target = Path(conn.resolve(path))
    if target.is_file():
        return [InputFile(str(target))]
    if target.is_dir():
        refuse_delta_dir(target, fmt, path, conn.name)
        files = data_files_under(target, suffixes)
        if not files:
            raise OdibiError(
                f"directory '{path}' on {where} holds no {fmt} files (looked for {', '.join(suffixes)})."
            )
        return [InputFile(str(f), hive_partitions(target, f)) for f in files]
    raise OdibiError(f"path '{path}' not found on {where} (resolved to {target}).")


def refuse_delta_dir(directory: Path, fmt: str, path: str, conn_name: str) -> None:
    """A Delta folder read as plain parquet counts removed files too: refuse it."""
    if (directory / "_delta_log").is_dir():
        raise OdibiError(
            f"'{path}' on connection '{conn_name}' is a Delta table; read it with format: delta, "
            f"not {fmt} (its folder keeps replaced files that a plain read would count twice)."
        )


def _partition_type(values: list[str]) -> pa.DataType:
    present = [v for v in values if v is not None]
    for typ, conv in ((pa.int64(), int), (pa.float64(), float)):
        try:
            for v in present:
                conv(v)
            return typ if present else pa.string()
        except ValueError:
            continue
    return pa.string()


def add_partition_columns(
    tables: list[tuple[InputFile, pa.Table]], hints: dict[str, pa.DataType] | None = None
) -> list[pa.Table]:
    """Append hive partition values as columns.

    Folder names are text, so the type is inferred (int64, float64, else string) across all
    files, unless ``hints`` gives the type the writer had (an upsert rewriting a dataset keeps
    ``zip=01`` a string and a date a date).
    """
    keys: dict[str, list] = {}
    for f, _ in tables:
        for k, v in f.partitions.items():
            keys.setdefault(k, []).append(v)
    types = {k: _partition_type(vs) for k, vs in keys.items()}
    for k, typ in (hints or {}).items():
        if k in types:
            try:
                pa.array(keys[k], pa.string()).cast(typ)
                types[k] = typ
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
                pass
    out = []
    for f, t in tables:
        for k, typ in types.items():
            if k not in t.column_names:
                raw = pa.array([f.partitions.get(k)] * t.num_rows, pa.string())
                t = t.append_column(k, raw.cast(typ))
        out.append(t)
    return out


# --- schemas ---------------------------------------------------------------------------------
def _one(name: str, typ: pa.DataType) -> pa.Schema:
    return pa.schema([pa.field(name, typ)])


def unified_schema(labelled: list[tuple[str, pa.Schema]], *, lenient: bool) -> pa.Schema:
    """One schema for many (permissive promotion: int64 + double -> double, null + x -> x).

    ``lenient`` (csv, json: loosely typed text) turns an unresolvable column into strings;
    otherwise the error names the column, both types and where each came from.
    """
    schemas = [s.remove_metadata() for _, s in labelled]
    try:
        merged = pa.unify_schemas(schemas, promote_options="permissive")
        return pa.schema([f.with_nullable(True).remove_metadata() for f in merged])
    except (pa.ArrowTypeError, pa.ArrowInvalid):
        pass
    order: dict[str, list[tuple[str, pa.DataType]]] = {}
    for label, s in labelled:
        for f in s:
            order.setdefault(f.name, []).append((label, f.type))
    fields = []
    for name, seen in order.items():
        (first_label, typ) = seen[0]
        for label, other in seen[1:]:
            try:
                typ = pa.unify_schemas([_one(name, typ), _one(name, other)], promote_options="permissive").field(0).type
            except (pa.ArrowTypeError, pa.ArrowInvalid):
                if not lenient:
                    raise OdibiError(
                        f"column '{name}' has incompatible types: {typ} in {first_label} but {other} in "
                        f"{label}. Make them agree (cast the column to one type), or keep the data apart."
                    ) from None
                typ = pa.string()
                break
        fields.append(pa.field(name, typ))
    return pa.schema(fields)


def conform(table: pa.Table, schema: pa.Schema, label: str) -> pa.Table:
    """Cast ``table`` to ``schema``; columns it lacks become nulls."""
    cols = []
    for f in schema:
        if f.name not in table.column_names:
            cols.append(pa.nulls(table.num_rows, f.type))
            continue
        col = table.column(f.name)
        try:
            cols.append(col if col.type == f.type else col.cast(f.type))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError) as exc:
            raise OdibiError(f"column '{f.name}' in {label} cannot be converted from {col.type} to {f.type}: {exc}") from None
    return pa.Table.from_arrays(cols, schema=schema)


def unify_tables(labelled: list[tuple[str, pa.Table]], *, lenient: bool) -> pa.Table:
    """Concatenate tables whose schemas differ (missing columns become nulls)."""
    if len(labelled) == 1:
        return labelled[0][1].replace_schema_metadata(None)
    schema = unified_schema([(label, t.schema) for label, t in labelled], lenient=lenient)
    return pa.concat_tables([conform(t, schema, label) for label, t in labelled])


def check_same_columns(existing: list[str], incoming: list[str], *, merge_schema: bool, what: str) -> None:
    """Without ``merge_schema`` the new data must have exactly the target's columns."""
    if merge_schema:
        return
    added = [c for c in incoming if c not in existing]
    missing = [c for c in existing if c not in incoming]
    if added or missing:
        parts = []
        if added:
            parts.append(f"new columns {added}")
        if missing:
            parts.append(f"missing columns {missing}")
        raise OdibiError(
            f"{what}: the data's columns differ from the existing target ({'; '.join(parts)}). "
            "Set merge_schema: true on the write to evolve the schema, or select the target's columns."
        )


# --- key-based modes -------------------------------------------------------------------------
def check_keys(table: pa.Table, keys: list[str], what: str) -> None:
    missing = [k for k in keys if k not in table.column_names]
    if missing:
        raise OdibiError(
            f"{what}: key column(s) {missing} not found (columns: {', '.join(table.column_names)}); "
            "fix options.keys."
        )


def check_unique_keys(table: pa.Table, keys: list[str], what: str) -> None:
    """Upsert needs one source row per key, or which row wins would be arbitrary."""
    if table.num_rows == 0:
        return
    keyed = table.select(keys)
    mask = None
    for k in keys:
        valid = pc.is_valid(keyed.column(k))
        mask = valid if mask is None else pc.and_(mask, valid)
    counts = keyed.filter(mask).group_by(keys).aggregate([([], "count_all")])
    dups = counts.filter(pc.greater(counts.column("count_all"), 1))
    if dups.num_rows:
        example = {k: dups.column(k)[0].as_py() for k in keys}
        raise OdibiError(
            f"{what}: {dups.num_rows} key value(s) occur more than once in the data (e.g. {example}); "
            "an upsert needs one row per key. Deduplicate first (transformer: deduplicate)."
        )


def rows_without_keys_in(table: pa.Table, other: pa.Table, keys: list[str], what: str) -> pa.Table:
    """Rows of ``table`` whose key tuple does not occur in ``other`` (null keys never match)."""
    if table.num_rows == 0 or other.num_rows == 0:
        return table
    left = table.select(keys).append_column(_ROW, pa.array(range(table.num_rows), pa.int64()))
    right_cols = []
    for k in keys:
        col, want = other.column(k), table.schema.field(k).type
        if col.type != want:
            try:
                col = col.cast(want)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
                raise OdibiError(
                    f"{what}: key column '{k}' is {want} in one table but {col.type} in the other; "
                    "cast it to one type."
                ) from None
        right_cols.append(col)
    right = pa.Table.from_arrays(right_cols, names=keys).group_by(keys).aggregate([])
    kept = left.join(right, keys=keys, join_type="left anti")
    idx = pc.sort_indices(kept.column(_ROW))
    return table.take(pc.take(kept.column(_ROW), idx))


def upsert_rows(existing: pa.Table, source: pa.Table, keys: list[str], *, lenient: bool, what: str) -> tuple[pa.Table, dict]:
    """Existing rows whose keys occur in ``source`` are replaced by the source rows."""
    kept = rows_without_keys_in(existing, source, keys, what)
    updated = existing.num_rows - kept.num_rows
    result = unify_tables([("the existing target", kept), ("the new data", source)], lenient=lenient)
    inserted = rows_without_keys_in(source, existing, keys, what).num_rows
    return result, {"inserted": inserted, "updated": source.num_rows - inserted, "replaced_rows": updated}


# --- atomic writes ---------------------------------------------------------------------------
def _tmp_sibling(target: Path, kind: str) -> Path:
    return target.parent / f".{target.name}.odibi-{kind}-{uuid.uuid4().hex[:12]}"


def _remove(p: Path) -> None:
    if p.is_dir() and not p.is_symlink():
        shutil.rmtree(p, ignore_errors=True)
    elif p.exists() or p.is_symlink():
        p.unlink(missing_ok=True)


def atomic_write_file(target: Path, write: Callable[[Path], None]) -> None:
    """Write through a temp file in the same directory, then ``os.replace`` it into place."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = _tmp_sibling(target, "tmp")
    try:
        write(tmp)
        os.replace(tmp, target)
    except BaseException:
        _remove(tmp)
        raise


def atomic_replace_dir(target: Path, build: Callable[[Path], None]) -> None:
    """Build the new content in a sibling temp dir, then swap it in with two renames.

    A failure while building leaves the old directory untouched. If the second rename fails,
    the old directory is renamed back.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = _tmp_sibling(target, "tmp")
    tmp.mkdir()
    try:
        build(tmp)
    except BaseException:
        _remove(tmp)
        raise
    if not (target.exists() or target.is_symlink()):
        os.rename(tmp, target)
        return
    old = _tmp_sibling(target, "old")
    os.rename(target, old)
    try:
        os.rename(tmp, target)
    except BaseException:
        os.rename(old, target)
        _remove(tmp)
        raise
    _remove(old)


def atomic_add_files(target_dir: Path, build: Callable[[Path], None]) -> list[Path]:
    """Add files to an existing directory dataset: stage them in a hidden dir inside it, then
    move each into place; on failure the moved files are taken out again."""
    stage = target_dir / f".odibi-tmp-{uuid.uuid4().hex[:12]}"
    stage.mkdir(parents=True)
    moved: list[Path] = []
    made: list[Path] = []
    try:
        build(stage)
        for f in sorted(p for p in stage.rglob("*") if p.is_file()):
            dest = target_dir / f.relative_to(stage)
            for parent in reversed(dest.relative_to(target_dir).parents):
                d = target_dir / parent
                if not d.exists():
                    d.mkdir()
                    made.append(d)
            os.rename(f, dest)
            moved.append(dest)
        return moved
    except BaseException:
        for d in moved:
            d.unlink(missing_ok=True)
        for d in reversed(made):
            try:
                d.rmdir()
            except OSError:
                pass
        raise
    finally:
        _remove(stage)


def split_partitions(table: pa.Table, partition_by: list[str]) -> list[tuple[str, pa.Table]]:
    """Hive layout: ``(relative dir 'k=v/k2=v2', rows without the partition columns)``."""
    if not partition_by:
        return [("", table)]
    if table.num_rows == 0:
        return [("", table)]
    indexed = table.select(partition_by).append_column(_ROW, pa.array(range(table.num_rows), pa.int64()))
    groups = indexed.group_by(partition_by, use_threads=False).aggregate([(_ROW, "list")])
    data = table.drop_columns(partition_by)
    out = []
    for row in groups.to_pylist():
        segs = []
        for k in partition_by:
            v = row[k]
            text = HIVE_NULL if v is None else (v.isoformat() if hasattr(v, "isoformat") else str(v))
            segs.append(f"{quote(k, safe='')}={quote(text, safe='')}")
        out.append(("/".join(segs), data.take(pa.array(row[f"{_ROW}_list"], pa.int64()))))
    return out


def part_name(index: int, suffix: str) -> str:
    return f"part-{index:05d}-{uuid.uuid4().hex}{suffix}"
