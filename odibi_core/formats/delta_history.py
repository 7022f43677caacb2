"""Commit SCD2 changes to a Delta history table in ONE atomic MERGE.

The changes (computed by :mod:`odibi_core.transformers.patterns.scd2_sql`) are new versions
to insert and current versions to close. Both go into one MERGE, so readers never see a key
with its old version closed and no new one (or two current versions): the source rows that
close a version match exactly one target row, by key and ``valid_from``, and only while it is
current; the rows that insert never match (their match column is NULL) and are inserted.
No changes, no commit: re-running a snapshot leaves the table's version where it was.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc
from deltalake import DeltaTable, write_deltalake

from odibi_core.errors import OdibiError
from odibi_core.formats.delta_merge import conform_to, quote_ident, run

ACTION = "_scd2_action"
CLOSE_FROM = "_scd2_close_from"
INTERNAL = (ACTION, CLOSE_FROM, "_scd2_new_key")


@dataclass
class HistoryOutcome:
    version: int | None
    inserted: int = 0
    closed: int = 0
    created: bool = False
    committed: bool = False


def apply_history(changes: pa.Table, uri: str, storage_options: dict[str, str] | None, *, keys: list[str],
                  valid_from: str, is_current: str, valid_to: str, where: str,
                  partition_by: list[str] | tuple[str, ...] = ()) -> HistoryOutcome:
    """Insert the ``insert`` rows of ``changes`` and close the versions its close rows name."""
    so = storage_options or None
    what = f"scd2 into {where}"
    history_cols = [c for c in changes.column_names if c not in INTERNAL]
    exists = DeltaTable.is_deltatable(uri, storage_options=so)
    if not exists:
        inserts = changes.filter(pc.equal(changes.column(ACTION), "insert")).select(history_cols)
        if inserts.num_rows == 0:
            return HistoryOutcome(None)
        run(what, lambda: write_deltalake(uri, inserts, mode="append", partition_by=list(partition_by) or None,
                                          storage_options=so))
        return HistoryOutcome(DeltaTable(uri, storage_options=so).version(), inserted=inserts.num_rows,
                              created=True, committed=True)
    table = DeltaTable(uri, storage_options=so)
    if changes.num_rows == 0:
        return HistoryOutcome(table.version())
    target = pa.schema(table.schema().to_arrow())
    lacking = [c for c in (*keys, valid_from, valid_to, is_current) if c not in target.names]
    if lacking:
        raise OdibiError(f"{what}: the table lacks column(s) {lacking}, so it is not an SCD2 history with these "
                         "params. Point the target at the history table, or fix keys / valid_from / valid_to / "
                         "is_current to the names it uses.")
    changes = conform_to(changes, target, what)
    close_from = changes.column(CLOSE_FROM)
    want = target.field(valid_from).type
    if close_from.type != want:
        changes = changes.set_column(changes.column_names.index(CLOSE_FROM), pa.field(CLOSE_FROM, want),
                                     close_from.cast(want))
    q = quote_ident
    predicate = " AND ".join([*(f"t.{q(k)} = s.{q(k)}" for k in keys), f"t.{q(valid_from)} = s.{CLOSE_FROM}",
                              f"t.{q(is_current)} = TRUE"])
    before = table.version()
    # A new column (schema evolution) takes the source's value on every MATCHED row in delta-rs
    # 1.6, whatever the SET says; the close rows carry NULL there (see scd2_sql), which is right.
    added = [c for c in history_cols if c not in target.names]
    merger = table.merge(changes, predicate, source_alias="s", target_alias="t", merge_schema=bool(added))
    merger = merger.when_matched_update({q(valid_to): f"s.{q(valid_to)}", q(is_current): "FALSE"})
    merger = merger.when_not_matched_insert({q(c): f"s.{q(c)}" for c in history_cols},
                                            predicate=f"s.{ACTION} = 'insert'")
    metrics = run(what, merger.execute)
    version = DeltaTable(uri, storage_options=so).version()
    return HistoryOutcome(version, inserted=int(metrics.get("num_target_rows_inserted", 0)),
                          closed=int(metrics.get("num_target_rows_updated", 0)), committed=version != before)
