"""``detect_deletes``: compare the current snapshot with the previous one and flag missing keys.

A full-snapshot source (a daily export of every customer) says nothing about deletions: a
deleted row is simply absent. This transformer finds the keys present in the previous snapshot
and absent from the current one (the current frame, ``df``).

The previous snapshot is either a dependency table (``previous``: a depends_on node or an
inputs alias) or read from storage (``previous_read``: a read block, typically the node's own
write target or a Delta table's earlier version). A ``previous_read`` path that does not exist
yet (the first run) is an empty previous snapshot: nothing is deleted.

Keys compare with IS NOT DISTINCT FROM, so a NULL key matches a NULL key. Rows of the previous
snapshot already flagged deleted (its ``flag_column`` is true) are not deleted again, so
``mode: flag`` can read its own previous output: a soft-deleted row stays flagged with its
original ``deleted_at``, and a key that comes back is live again. Written once as SQL
(NOT EXISTS, UNION ALL) for DuckDB and Spark.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import Field, model_validator

from odibi_core.config.models import ReadConfig
from odibi_core.config.models.base import StrictModel
from odibi_core.connections.base import FileConnection
from odibi_core.engines.sql_literals import sql_type_of_logical
from odibi_core.transformers.builtin._common import TransformError, lit, require_table, resolve_columns
from odibi_core.transformers.context import TransformContext
from odibi_core.transformers.registry import transform

_PREV = "_odibi_previous"


class DetectDeletesParams(StrictModel):
    keys: list[str] = Field(min_length=1, description="columns that identify a row in both snapshots")
    previous: str | None = Field(default=None, description="the previous snapshot as a dependency table (a "
                                                           "depends_on node or an inputs alias)")
    previous_read: ReadConfig | None = Field(
        default=None, description="or: where to read the previous snapshot ({connection, format, path|table}); "
                                  "a path that does not exist yet means no previous snapshot")
    mode: Literal["deleted", "flag"] = Field(
        default="deleted", description="deleted: only the rows whose key disappeared (from the previous "
                                       "snapshot); flag: the current rows plus those, with the flag column telling "
                                       "them apart")
    flag_column: str = Field(default="is_deleted", min_length=1, description="boolean column: true on deleted rows")
    timestamp_column: str = Field(default="deleted_at", min_length=1,
                                  description="when the deletion was detected (NULL on live rows)")
    as_of: dt.datetime | None = Field(default=None, description="the detection time to write (default: now, UTC); "
                                                                "set it to re-run a day reproducibly")

    @model_validator(mode="after")
    def _one_previous(self):
        if (self.previous is None) == (self.previous_read is None):
            raise ValueError("give exactly one of 'previous' (a dependency table) or 'previous_read' (a read block)")
        if self.flag_column.lower() == self.timestamp_column.lower():
            raise ValueError("flag_column and timestamp_column must be different columns")
        return self


def _previous_frame(ctx: TransformContext, params: DetectDeletesParams) -> Any | None:
    """The previous snapshot, or None when a previous_read path does not exist yet."""
    if params.previous is not None:
        return require_table(ctx, params.previous, transformer="detect_deletes", param="previous")
    cfg = params.previous_read
    conn = ctx.engine.connections.get(cfg.connection)
    if conn is None:
        raise TransformError(f"detect_deletes: params.previous_read.connection '{cfg.connection}' is not a connection "
                             f"of this project (known: {', '.join(sorted(ctx.engine.connections)) or 'none'}).")
    if cfg.path and isinstance(conn, FileConnection) and not conn.glob(cfg.path):
        return None
    return ctx.engine.read(cfg)


@transform(name="detect_deletes", params=DetectDeletesParams, builtin=True)
def detect_deletes(ctx: TransformContext, params: DetectDeletesParams):
    """Rows whose key was in the previous snapshot and is not in the current frame.

    ``mode: deleted`` returns those rows as they were in the previous snapshot, with
    ``flag_column`` = true and ``timestamp_column`` = ``as_of``. ``mode: flag`` returns the
    current rows (flag false, timestamp NULL) followed by those deleted rows, in the current
    frame's columns. The number of newly deleted keys goes to the story as ``deleted_rows``.

    ```yaml
    transformer: detect_deletes
    params:
      keys: [customer_id]
      previous_read: {connection: lake, format: delta, path: silver/customers}
      mode: flag
    ```
    """
    q = ctx.q
    flag, ts_col = params.flag_column, params.timestamp_column
    current_types = {c.name: c.type for c in ctx.engine.schema(ctx.df)}
    keys = resolve_columns(ctx, params.keys, transformer="detect_deletes", param="keys", available=list(current_types))
    as_of = lit(ctx, params.as_of or dt.datetime.now(dt.timezone.utc).replace(microsecond=0))  # naive UTC
    data_cols = [c for c in current_types if c.lower() not in (flag.lower(), ts_col.lower())]

    prev = _previous_frame(ctx, params)
    if prev is None:
        ctx.metrics["deleted_rows"] = 0
        ctx.metrics["previous_snapshot"] = "missing (first run): nothing deleted"
        prev_types: dict[str, str] = {c: current_types[c] for c in data_cols}
        prev_sql = f"SELECT {', '.join(f'{_typed_null(current_types[c])} AS {q(c)}' for c in data_cols)} FROM df " \
                   f"WHERE 1 = 0"
        tables: dict[str, Any] = {}
    else:
        prev_types = {c.name: c.type for c in ctx.engine.schema(prev)}
        resolve_columns(ctx, keys, transformer="detect_deletes", param="keys", available=list(prev_types),
                        what=f"the previous snapshot ({params.previous or 'previous_read'})")
        prev_sql = f"SELECT * FROM {q(params.previous or _PREV)}"
        tables = {} if params.previous else {_PREV: prev}
    prev_flag = next((c for c in prev_types if c.lower() == flag.lower()), None)
    prev_ts = next((c for c in prev_types if c.lower() == ts_col.lower()), None)
    match = " AND ".join(f"c.{q(k)} IS NOT DISTINCT FROM p.{q(k)}" for k in keys)
    gone = f"NOT EXISTS (SELECT 1 FROM df AS c WHERE {match})"
    not_flagged = f"NOT COALESCE(p.{q(prev_flag)}, FALSE)" if prev_flag else "TRUE"

    if params.mode == "deleted":
        cols = [c for c in prev_types if c not in (prev_flag, prev_ts)]
        query = (f"SELECT {', '.join(f'p.{q(c)}' for c in cols)}, TRUE AS {q(flag)}, {as_of} AS {q(ts_col)} "
                 f"FROM ({prev_sql}) AS p WHERE {not_flagged} AND {gone}")
        out = ctx.sql(query, **tables)
        if prev is not None:
            ctx.metrics["deleted_rows"] = ctx.engine.count(out)
        return out

    def from_prev(c: str) -> str:
        actual = next((p for p in prev_types if p.lower() == c.lower()), None)
        return f"p.{q(actual)}" if actual else f"{_typed_null(current_types[c])} AS {q(c)}"

    when = f"CASE WHEN {not_flagged} THEN {as_of} ELSE p.{q(prev_ts)} END" if prev_flag and prev_ts else as_of
    query = (f"SELECT {', '.join(q(c) for c in data_cols)}, FALSE AS {q(flag)}, CAST(NULL AS TIMESTAMP) AS "
             f"{q(ts_col)} FROM df UNION ALL SELECT {', '.join(from_prev(c) for c in data_cols)}, TRUE AS {q(flag)}, "
             f"CAST({when} AS TIMESTAMP) AS {q(ts_col)} FROM ({prev_sql}) AS p WHERE {gone}")
    out = ctx.sql(query, **tables)
    if prev is not None:
        new = ctx.sql(f"SELECT 1 AS x FROM ({prev_sql}) AS p WHERE {not_flagged} AND {gone}", **tables)
        ctx.metrics["deleted_rows"] = ctx.engine.count(new)
    return out


def _typed_null(logical: str) -> str:
    sql_type = sql_type_of_logical(logical)
    return f"CAST(NULL AS {sql_type})" if sql_type else "NULL"
