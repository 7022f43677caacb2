"""MERGE into a Delta table through delta-rs: the ONE implementation behind the ``merge``
transformer and the Delta write modes ``upsert``, ``merge`` and ``append_once``.

Why one function for both: a write mode and a pattern that both say "upsert on these keys"
must not disagree on what happens to a NULL key, a new column or a failed run. Why here, in
the formats layer: ``DeltaFormat`` must call it, and formats may not import transformers.

What it guarantees:

* one Delta commit per call, or none: delta-rs commits a MERGE atomically, so a failure at
  any point (a cast that breaks on row 40,000, a bad condition) leaves the table at its
  previous version; a MERGE that changes nothing commits nothing (idempotent re-runs);
* the first call creates the table (rows passing ``insert_condition``);
* the source is cast to the table's column types first (pandas turns nullable ints into
  floats, Spark infers int32 from CSV), so a type drift is an error naming the column, not
  a silently re-typed table;
* audit columns: ``created`` is set on insert and never touched by an update, ``updated`` is
  set on insert and on every update, both to one UTC timestamp per call.

Conditions are SQL over ``s.`` (source) and ``t.`` (target) as delta-rs (DataFusion) reads
them; ``source.`` and ``target.`` (Odibi's spelling) are accepted and rewritten.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import duckdb
import numpy as np
import pyarrow as pa
from deltalake import DeltaTable, write_deltalake
from deltalake.exceptions import DeltaError, SchemaMismatchError

from odibi_core.errors import OdibiError
from odibi_core.formats import _files as F

STRATEGIES = ("upsert", "append_only", "delete_match")
MISSING_POLICIES = ("null", "keep", "error")
WRITE_OPTIONS = ("keys", "strategy", "update_condition", "insert_condition", "delete_condition",
                 "audit_columns", "missing_columns")
AUDIT_TYPE = pa.timestamp("us", tz="UTC")
EXISTS = "__odibi_merge_key_exists"


def quote_ident(name: str) -> str:
    """Quote a column name for a delta-rs (DataFusion) expression; keeps case and spaces."""
    return '"' + name.replace('"', '""') + '"'


def merge_predicate(keys: list[str] | tuple[str, ...]) -> str:
    return " AND ".join(f"t.{quote_ident(k)} = s.{quote_ident(k)}" for k in keys)


class MergeError(OdibiError):
    """A MERGE was refused or failed; the Delta table is unchanged."""


@dataclass(frozen=True)
class MergeOptions:
    """What to merge on and how. ``keys`` may be composite."""

    keys: tuple[str, ...]
    strategy: str = "upsert"
    update_condition: str | None = None
    insert_condition: str | None = None
    delete_condition: str | None = None
    created_column: str | None = "created_at"
    updated_column: str | None = "updated_at"
    missing_columns: str = "null"  # null | keep | error: a target column the source lacks
    evolve_schema: bool = True  # add new source columns to the table
    partition_by: tuple[str, ...] = ()  # used when the call creates the table
    null_keys: str = "error"  # error | insert (SQL '=' never matches NULL, so such rows are inserted)
    unique_keys: bool = True  # refuse a source with two rows for one key (upsert, append_only)

    @property
    def audit(self) -> tuple[str, ...]:
        return tuple(c for c in (self.created_column, self.updated_column) if c)


@dataclass
class MergeOutcome:
    """What a MERGE did; ``version`` is None when no table exists (delete_match on nothing)."""

    version: int | None
    source_rows: int
    inserted: int = 0
    updated: int = 0
    deleted: int = 0
    created: bool = False
    committed: bool = False
    added_columns: list[str] = field(default_factory=list)
    untyped_columns: list[str] = field(default_factory=list)  # all-NULL new columns, not added (no type)

    def metrics(self) -> dict[str, Any]:
        out = {"source_rows": self.source_rows, "inserted": self.inserted, "updated": self.updated,
               "deleted": self.deleted, "version": self.version, "committed": self.committed}
        if self.created:
            out["created"] = True
        if self.added_columns:
            out["added_columns"] = list(self.added_columns)
        if self.untyped_columns:
            out["untyped_columns_not_added"] = list(self.untyped_columns)
        return out


# --- conditions ------------------------------------------------------------------------------
_ALIAS = re.compile(r"(?<![\w\".])(source|target)\.", re.IGNORECASE)


def normalize_condition(text: str | None) -> str | None:
    """``source.x > target.x`` -> ``s.x > t.x``, leaving quoted text alone."""
    if text is None or not text.strip():
        return None
    out, quote, start = [], "", 0
    for i, ch in enumerate(text):
        if quote:
            if ch == quote:
                quote = ""
                out.append(text[start:i + 1])
                start = i + 1
        elif ch in "'\"`":
            out.append(_ALIAS.sub(lambda m: m.group(1)[0].lower() + ".", text[start:i]))
            quote, start = ch, i
    tail = text[start:]
    out.append(tail if quote else _ALIAS.sub(lambda m: m.group(1)[0].lower() + ".", tail))
    return "".join(out).strip()


# --- source checks ---------------------------------------------------------------------------
def _check_source(source: pa.Table, opts: MergeOptions, what: str) -> None:
    F.check_keys(source, list(opts.keys), what)
    if opts.null_keys == "error" and source.num_rows:
        for k in opts.keys:
            nulls = source.column(k).null_count
            if nulls:
                raise MergeError(
                    f"{what}: key column '{k}' is NULL in {nulls} source row(s); a merge key must identify a "
                    "row, and NULL never matches. Filter those rows out or fill the key first.")
    if opts.unique_keys and opts.strategy != "delete_match":
        F.check_unique_keys(source, list(opts.keys), what)
    taken = [c for c in opts.audit if c in source.column_names]
    if taken:
        raise MergeError(
            f"{what}: the source already has a column named {taken[0]!r}, which is an audit column this merge "
            "fills in. Rename the source column, give the audit column another name (audit_columns: "
            "{created: ..., updated: ...}), or turn audit columns off (audit_columns: false).")


def _with_audit(source: pa.Table, opts: MergeOptions, now: dt.datetime) -> pa.Table:
    if opts.strategy == "delete_match":
        return source
    stamp = pa.scalar(now.astimezone(dt.timezone.utc), AUDIT_TYPE)
    for name in opts.audit:
        source = source.append_column(pa.field(name, AUDIT_TYPE), pa.repeat(stamp, source.num_rows))
    return source


def conform_to(source: pa.Table, target: pa.Schema, what: str) -> pa.Table:
    """Cast the columns the table already has to the table's types (safe casts only)."""
    columns, fields = [], []
    for f, col in zip(source.schema, source.columns):
        want = target.field(f.name).type if f.name in target.names else f.type
        if col.type != want:
            try:
                col = col.cast(want, safe=True)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError) as exc:
                raise MergeError(
                    f"{what}: column '{f.name}' is {_type_name(col.type)} in the source but {want} in the table, "
                    f"and the values do not convert ({str(exc).splitlines()[0]}). Cast the column to {want} before "
                    "the merge.") from None
        columns.append(col)
        fields.append(pa.field(f.name, want))
    return pa.Table.from_arrays(columns, schema=pa.schema(fields))


def _drop_untyped(source: pa.Table, existing: list[str], outcome: MergeOutcome) -> pa.Table:
    """A new column whose values are all NULL and that has no type (a pandas column of None)
    cannot become a Delta column; it is left out until a batch brings a value (and a type)."""
    untyped = [f.name for f in source.schema if pa.types.is_null(f.type) and f.name not in existing]
    outcome.untyped_columns = untyped
    return source.drop_columns(untyped) if untyped else source


def _type_name(t: pa.DataType) -> str:
    if pa.types.is_large_string(t) or pa.types.is_string_view(t):
        return "string"
    return "binary" if pa.types.is_large_binary(t) else str(t)


def _filter(source: pa.Table, condition: str, what: str) -> pa.Table:
    """Rows of ``source`` passing ``condition`` (over ``s.``), for a table that does not exist yet.

    There is no target to MERGE into, so DuckDB evaluates the condition; conditions written for
    a merge are plain SQL, which DuckDB and delta-rs read alike.
    """
    con = duckdb.connect(":memory:")
    try:
        con.register("s", source)
        return con.execute(f"SELECT * FROM s WHERE {condition}").to_arrow_table()
    except duckdb.Error as exc:
        raise MergeError(f"{what}: insert_condition {condition!r} cannot be evaluated: "
                         f"{str(exc).splitlines()[0]}") from None
    finally:
        con.close()


# --- the merge ---------------------------------------------------------------------------------
def merge_into(source: pa.Table, uri: str, storage_options: dict[str, str] | None, opts: MergeOptions,
               where: str, *, now: dt.datetime | None = None, local: bool = True) -> MergeOutcome:
    """MERGE ``source`` into the Delta table at ``uri`` (created when missing). See the module doc."""
    what = f"merge into {where}"
    so = storage_options or None
    source = source.replace_schema_metadata(None)
    _check_source(source, opts, what)
    source = _with_audit(source, opts, now or dt.datetime.now(dt.timezone.utc))
    outcome = MergeOutcome(version=None, source_rows=source.num_rows)
    exists = DeltaTable.is_deltatable(uri, storage_options=so)
    source = _drop_untyped(source, pa.schema(DeltaTable(uri, storage_options=so).schema().to_arrow()).names
                           if exists else [], outcome)
    if not exists:
        if opts.strategy == "delete_match":
            return outcome  # nothing to delete from; no empty table is made
        rows = _filter(source, normalize_condition(opts.insert_condition), what) if opts.insert_condition else source
        for col in opts.partition_by:
            if col not in rows.column_names:
                raise MergeError(f"{what}: partition column '{col}' is not in the data "
                                 f"({', '.join(rows.column_names)}).")
        if local:
            _refuse_foreign_folder(uri, what)
        run(what, lambda: write_deltalake(uri, rows, mode="append", partition_by=list(opts.partition_by) or None,
                                          storage_options=so))
        outcome.version, outcome.inserted = DeltaTable(uri, storage_options=so).version(), rows.num_rows
        outcome.created = outcome.committed = True
        return outcome

    table = DeltaTable(uri, storage_options=so)
    target = pa.schema(table.schema().to_arrow())
    names = target.names
    missing_keys = [k for k in opts.keys if k not in names]
    if missing_keys:
        raise MergeError(f"{what}: key column(s) {missing_keys} are not in the existing table ({', '.join(names)}).")
    if not opts.evolve_schema and opts.strategy != "delete_match":  # audit columns may always be added
        F.check_same_columns([c for c in names if c not in opts.audit],
                             [c for c in source.column_names if c not in opts.audit], merge_schema=False, what=what)
    added = [c for c in source.column_names if c not in names] if opts.strategy != "delete_match" else []
    missing = [c for c in names if c not in source.column_names and c not in opts.audit]
    if missing and opts.missing_columns == "error" and opts.strategy != "delete_match":
        raise MergeError(
            f"{what}: the source lacks the table's column(s) {missing}. Add them to the source, or set "
            "missing_columns: null (rows the merge writes get NULL there) or keep (updated rows keep their value).")
    source = conform_to(source, target, what)
    if missing and opts.missing_columns == "null" and opts.strategy != "delete_match":
        # typed NULL columns rather than NULL literals: delta-rs resolves SET targets against the
        # source when the schema evolves
        for name in missing:
            typ = target.field(name).type
            source = source.append_column(pa.field(name, typ), pa.nulls(source.num_rows, typ))
    before = table.version()
    columns = source.column_names
    predicate = merge_predicate(opts.keys)
    guarded = bool(added) and opts.strategy == "upsert" and bool(normalize_condition(opts.update_condition))
    if guarded:
        # delta-rs 1.6 bug: when a MERGE adds columns, every MATCHED row takes the new columns'
        # source values, also a row the update_condition leaves alone (it should read NULL).
        # So only rows that will change may match: the conditions join the match predicate,
        # and a source row whose key exists but fails them must not be inserted either.
        guard = " OR ".join(f"({c})" for c in (normalize_condition(opts.update_condition),
                                                 normalize_condition(opts.delete_condition)) if c)
        predicate = f"{predicate} AND ({guard})"
        source = source.append_column(EXISTS, _key_exists(source, table, opts.keys))
    merger = table.merge(source, predicate, source_alias="s", target_alias="t", merge_schema=bool(added))
    merger = _clauses(merger, opts, columns, guarded=guarded)
    metrics = run(what, merger.execute)
    outcome.version = DeltaTable(uri, storage_options=so).version()
    outcome.committed = outcome.version != before
    outcome.inserted = int(metrics.get("num_target_rows_inserted", 0))
    outcome.updated = int(metrics.get("num_target_rows_updated", 0))
    outcome.deleted = int(metrics.get("num_target_rows_deleted", 0))
    outcome.added_columns = added if outcome.committed else []
    return outcome


def _key_exists(source: pa.Table, table: DeltaTable, keys: tuple[str, ...]) -> pa.Array:
    """Per source row: does the table hold its key? (a semi-join on the table's key columns)"""
    rows = source.select(list(keys)).append_column("__row", pa.array(np.arange(source.num_rows), pa.int64()))
    existing = table.to_pyarrow_dataset().to_table(columns=list(keys)).group_by(list(keys)).aggregate([])
    found = rows.join(existing, list(keys), join_type="left semi").column("__row").to_numpy()
    flags = np.zeros(source.num_rows, dtype=bool)
    flags[found] = True
    return pa.array(flags)


def _clauses(merger: Any, opts: MergeOptions, columns: list[str], *, guarded: bool = False) -> Any:
    q = quote_ident
    update_cond = normalize_condition(opts.update_condition)
    insert_cond = normalize_condition(opts.insert_condition)
    if guarded:  # see merge_into: a key that exists never counts as new
        insert_cond = f"NOT s.{q(EXISTS)}" + (f" AND ({insert_cond})" if insert_cond else "")
    delete_cond = normalize_condition(opts.delete_condition)
    inserts = {q(c): f"s.{q(c)}" for c in columns}
    if opts.strategy == "delete_match":
        return merger.when_matched_delete(delete_cond)
    if opts.strategy == "upsert":
        if delete_cond:  # first matching clause wins: a row the source marks deleted is not updated
            merger = merger.when_matched_delete(delete_cond)
        updates = {q(c): f"s.{q(c)}" for c in columns if c not in opts.keys and c != opts.created_column}
        if updates:
            merger = merger.when_matched_update(updates, update_cond)
    return merger.when_not_matched_insert(inserts, insert_cond)


# --- write modes -------------------------------------------------------------------------------
def options_for_write(mode: str, keys: list[str], options: dict[str, Any], merge_schema: bool,
                      partition_by: list[str], what: str) -> MergeOptions:
    """The MergeOptions of a Delta write with ``mode: upsert | merge | append_once``.

    ``upsert`` and ``merge`` are the ``upsert`` strategy unless ``options.strategy`` says
    otherwise; ``append_once`` is ``append_only``. Unlike the transformer, a write mode adds
    no audit columns unless ``options.audit_columns`` asks, keeps NULL-key rows (inserted, as
    SQL '=' never matches them) and changes the table's columns only with ``merge_schema``.
    """
    F.check_options(options, WRITE_OPTIONS, what)
    if mode == "append_once":
        extra = [k for k in options if k not in ("keys", "insert_condition", "audit_columns")]
        if extra:
            raise OdibiError(f"{what}: option '{extra[0]}' does not apply to mode append_once, which only "
                             "inserts new keys (use mode: merge with options.strategy).")
        strategy = "append_only"
    else:
        strategy = options.get("strategy", "upsert")
        if strategy not in STRATEGIES:
            raise OdibiError(f"{what}: options.strategy must be one of {', '.join(STRATEGIES)} (got {strategy!r}).")
    policy = options.get("missing_columns") or "null"  # YAML reads `null` as None
    if policy not in MISSING_POLICIES:
        raise OdibiError(f"{what}: options.missing_columns must be one of {', '.join(MISSING_POLICIES)} "
                         f"(got {policy!r}).")
    for name in ("update_condition", "insert_condition", "delete_condition"):
        if name in options and not isinstance(options[name], str):
            raise OdibiError(f"{what}: options.{name} must be a SQL condition (text).")
    created, updated = audit_names(options.get("audit_columns", False), f"{what}: options.audit_columns")
    return MergeOptions(
        keys=tuple(keys), strategy=strategy, update_condition=options.get("update_condition"),
        insert_condition=options.get("insert_condition"), delete_condition=options.get("delete_condition"),
        created_column=created, updated_column=updated, missing_columns=policy, evolve_schema=merge_schema,
        partition_by=tuple(partition_by), null_keys="insert", unique_keys=mode != "append_once")


def audit_names(value: Any, what: str) -> tuple[str | None, str | None]:
    """``true`` -> (created_at, updated_at); ``false`` -> none; ``{created: x, updated: y}`` -> names."""
    if value is True:
        return "created_at", "updated_at"
    if value is False or value is None:
        return None, None
    if isinstance(value, dict) and set(value) <= {"created", "updated"} and all(
            v is None or isinstance(v, str) for v in value.values()):
        return value.get("created", "created_at"), value.get("updated", "updated_at")
    raise OdibiError(f"{what} must be true, false or {{created: <name or null>, updated: <name or null>}} "
                     f"(got {value!r}).")


# --- shared plumbing ---------------------------------------------------------------------------
def _refuse_foreign_folder(uri: str, what: str) -> None:
    folder = Path(uri)
    if "://" in uri:
        return
    if folder.is_file() or (folder.is_dir() and any(folder.iterdir())):
        raise MergeError(f"{what}: the path holds other files but is not a Delta table (no _delta_log). "
                         "Choose an empty or new path, or remove what is there.")


def run(what: str, action: Callable[[], Any]) -> Any:
    """Run a delta-rs action; its errors become one-paragraph OdibiErrors (nothing was committed)."""
    try:
        return action()
    except OdibiError:
        raise
    except SchemaMismatchError as exc:
        raise MergeError(f"{what}: the data's schema does not match the table's ({exc}). Cast the columns to "
                         "the table's types.") from None
    except (DeltaError, pa.ArrowException) as exc:
        text = str(exc).split("\nDetail:")[0].strip()
        raise MergeError(f"{what} failed, nothing was committed: {text}") from None
    except Exception as exc:  # delta-rs raises bare Exception for some cast errors
        if type(exc) is not Exception:
            raise
        raise MergeError(f"{what} failed, nothing was committed: {exc}. Check the column types against the "
                         "table's.") from None
