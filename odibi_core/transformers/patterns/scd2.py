"""SCD type 2: keep every version of a row, with the interval in which it was true.

:func:`apply_scd2` compares a snapshot (the current frame) with the history table, computes
the changes with one SQL statement on the engine (see :mod:`.scd2_sql`) and commits them in
one Delta MERGE (see :mod:`odibi_core.formats.delta_history`). Intervals are half-open:
a version is true from ``valid_from`` (included) to ``valid_to`` (excluded); the current
version has ``is_current`` true and an open end (NULL, or the ``open_end`` date).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from deltalake import DeltaTable

from odibi_core.config.models import ReadConfig
from odibi_core.engines.base import Column
from odibi_core.errors import OdibiError
from odibi_core.formats.delta_history import apply_history
from odibi_core.transformers.context import TransformContext
from odibi_core.transformers.patterns import scd2_sql
from odibi_core.transformers.patterns.target import Target

HISTORY = "_scd2_history"


class TransformError(OdibiError):
    """The snapshot does not fit the scd2 params (NULL keys, clashing versions, reserved names)."""


@dataclass(frozen=True)
class Scd2Spec:
    keys: tuple[str, ...]
    effective_time: str
    tracked: tuple[str, ...] | None = None  # None: every column but the keys and the effective time
    valid_from: str = "valid_from"
    valid_to: str = "valid_to"
    is_current: str = "is_current"
    open_end: Any = None  # None: NULL; else a date/datetime stored in valid_to of current versions
    close_out_missing: bool = False
    partition_by: tuple[str, ...] = ()


@dataclass
class Scd2Outcome:
    version: int | None
    source_rows: int
    versions_added: int = 0
    versions_closed: int = 0
    keys_closed_out: int = 0
    new_keys: int = 0
    created: bool = False
    committed: bool = False
    tracked: list[str] = field(default_factory=list)

    def metrics(self) -> dict[str, Any]:
        return {"source_rows": self.source_rows, "versions_added": self.versions_added,
                "versions_closed": self.versions_closed, "keys_closed_out": self.keys_closed_out,
                "new_keys": self.new_keys, "version": self.version, "committed": self.committed,
                **({"created": True} if self.created else {})}


def apply_scd2(ctx: TransformContext, target: Target, spec: Scd2Spec) -> Scd2Outcome:
    """Bring the history at ``target`` up to date with the snapshot ``ctx.df``."""
    # imported here: builtin imports this module, so a module-level import would be circular
    from odibi_core.transformers.builtin._common import resolve_column, resolve_columns

    engine = ctx.engine
    schema = engine.schema(ctx.df)
    names = [c.name for c in schema]
    where = {"transformer": "scd2", "available": names}
    keys = resolve_columns(ctx, spec.keys, param="keys", **where)
    eff = resolve_column(ctx, spec.effective_time, param="effective_time", **where)
    if spec.tracked is None:
        tracked = [c for c in names if c not in keys and c != eff]
    else:
        tracked = resolve_columns(ctx, spec.tracked, param="tracked_columns", **where)
    data = [c for c in names if c != eff]
    _check_names(ctx, keys, eff, tracked, data, spec)

    counted = engine.to_arrow(ctx.sql(scd2_sql.stats_sql(ctx.q, keys, eff))).to_pylist()[0]
    stats = {k: int(v or 0) for k, v in counted.items()}
    rows = stats["n"]
    exists = DeltaTable.is_deltatable(target.uri, storage_options=target.storage_options)
    outcome = Scd2Outcome(version=None, source_rows=rows, tracked=tracked)
    if rows == 0:
        if exists:
            outcome.version = DeltaTable(target.uri, storage_options=target.storage_options).version()
        return outcome
    if stats["null_keys"]:
        raise TransformError(f"scd2: {stats['null_keys']} row(s) have a NULL in the key column(s) "
                             f"{', '.join(keys)}; a version must belong to a key. Filter or fill them first.")
    if stats["null_times"]:
        raise TransformError(f"scd2: {stats['null_times']} row(s) have a NULL effective time ('{eff}'); every "
                             "version needs the time it became true. Filter or fill them first.")
    clash = engine.to_arrow(ctx.sql(scd2_sql.conflicts_sql(ctx.q, keys, eff, tracked))).to_pylist() \
        if stats["dup_groups"] else []
    if clash:
        row = {k: clash[0][k] for k in [*keys, eff]}
        raise TransformError(f"scd2: the batch has {clash[0]['versions']} different versions of one key at the same "
                             f"effective time ({row}); which one is true is undecidable. Deduplicate the batch "
                             "(transformer: deduplicate) or make the effective time finer.")

    tables = {}
    history_cols: list[str] = []
    if exists:
        history = engine.read(ReadConfig(connection=target.connection, format="delta", path=target.path))
        history_cols = [c.name for c in engine.schema(history)]
        lacking = [c for c in (*keys, spec.valid_from, spec.valid_to, spec.is_current) if c not in history_cols]
        if lacking:
            raise TransformError(
                f"scd2: the table at {target.where} lacks column(s) {lacking}, so it is not an SCD2 history with "
                "these params. Point target at the history table, or set keys / valid_from / valid_to / "
                "is_current to the names it uses.")
        tables[HISTORY] = history
    order = [c.name for c in schema if c.name in data and c.name not in keys and _orderable(c.type)]
    query = scd2_sql.changes_sql(
        ctx.q, keys=keys, tracked=tracked, eff=eff, data=data, valid_from=spec.valid_from, valid_to=spec.valid_to,
        is_current=spec.is_current, history=HISTORY if exists else None, history_columns=history_cols,
        order=order, close_out=spec.close_out_missing, dedupe=bool(stats["dup_groups"]))
    changes = engine.to_arrow(ctx.sql(query, **tables)).replace_schema_metadata(None)
    changes = _restore_types(changes, schema, eff, spec)
    changes = _fill_open_end(changes, spec)

    actions = changes.column(scd2_sql.ACTION)
    outcome.keys_closed_out = pc.sum(pc.equal(actions, "close_out")).as_py() or 0
    outcome.new_keys = pc.sum(changes.column(scd2_sql.NEW_KEY)).as_py() or 0
    result = apply_history(changes, target.uri, target.storage_options, keys=keys, valid_from=spec.valid_from,
                           valid_to=spec.valid_to, is_current=spec.is_current, where=target.where,
                           partition_by=spec.partition_by)
    outcome.version, outcome.created, outcome.committed = result.version, result.created, result.committed
    outcome.versions_added, outcome.versions_closed = result.inserted, result.closed
    return outcome


def _check_names(ctx: TransformContext, keys, eff, tracked, data, spec: Scd2Spec) -> None:
    outputs = {"valid_from": spec.valid_from, "valid_to": spec.valid_to, "is_current": spec.is_current}
    if len(set(outputs.values())) < 3:
        raise TransformError("scd2: valid_from, valid_to and is_current must be three different column names "
                             f"(got {outputs}).")
    for param, name in outputs.items():
        if name in data:
            raise TransformError(
                f"scd2: the snapshot already has a column '{name}', which params.{param} names as an output "
                f"column. Rename that column, or choose another name with params.{param}.")
    internal = sorted(set(data) & scd2_sql.INTERNAL)
    if internal:
        raise TransformError(f"scd2: column '{internal[0]}' is reserved for scd2's own bookkeeping; rename it.")
    if not tracked:
        raise TransformError("scd2: there is no column to track (the snapshot has only keys and the effective "
                             "time). Name the columns whose changes open a new version in params.tracked_columns.")
    overlap = [c for c in tracked if c in keys or c == eff]
    if overlap:
        raise TransformError(f"scd2: params.tracked_columns names '{overlap[0]}', which is a key or the effective "
                             "time; track the other columns.")


def _orderable(logical: str) -> bool:
    return not (logical.startswith(("list<", "map", "struct")) or logical in ("binary", "null"))


_DECIMAL = re.compile(r"^decimal\((\d+),(\d+)\)$")
_ARROW = {"string": pa.string(), "int64": pa.int64(), "int32": pa.int32(), "int16": pa.int16(), "int8": pa.int8(),
          "float64": pa.float64(), "float32": pa.float32(), "bool": pa.bool_(), "date": pa.date32()}


def _arrow_type(logical: str) -> pa.DataType | None:
    m = _DECIMAL.match(logical)
    return pa.decimal128(int(m.group(1)), int(m.group(2))) if m else _ARROW.get(logical)


def _restore_types(changes: pa.Table, schema: list[Column], eff: str, spec: Scd2Spec) -> pa.Table:
    """Give the change rows the snapshot's logical types back.

    The pandas engine's SQL returns DATE as a timestamp and an int column holding NULLs (the
    close rows' data columns) as floats; the history must keep the snapshot's types.
    """
    want = {c.name: _arrow_type(c.type) for c in schema}
    want[spec.valid_from] = want[spec.valid_to] = want.get(eff)
    want[spec.is_current] = pa.bool_()
    want[scd2_sql.CLOSE_FROM] = want.get(eff)
    columns, fields = [], []
    for f, col in zip(changes.schema, changes.columns):
        typ = want.get(f.name)
        if typ is not None and col.type != typ:
            col = col.cast(typ)
        columns.append(col)
        fields.append(pa.field(f.name, col.type))
    return pa.Table.from_arrays(columns, schema=pa.schema(fields))


def _fill_open_end(changes: pa.Table, spec: Scd2Spec) -> pa.Table:
    if spec.open_end is None:
        return changes
    i = changes.column_names.index(spec.valid_to)
    col = changes.column(i)
    value = spec.open_end
    if pa.types.is_date(col.type) and isinstance(value, dt.datetime):
        value = value.date()
    elif pa.types.is_timestamp(col.type) and not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day)
    if pa.types.is_timestamp(col.type) and col.type.tz and value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    try:
        scalar = pa.scalar(value, col.type)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError):
        raise TransformError(f"scd2: params.open_end {spec.open_end!r} does not fit column '{spec.valid_to}' "
                             f"({col.type}); use a date such as 9999-12-31, or leave it out for NULL.") from None
    return changes.set_column(i, pa.field(spec.valid_to, col.type), pc.fill_null(col, scalar))
