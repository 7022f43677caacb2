"""``scd2``: keep the full history of a snapshot in a Delta table (slowly changing dimension, type 2)."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from deltalake import DeltaTable
from pydantic import Field, model_validator

from odibi_core.config.models import ReadConfig
from odibi_core.config.models.base import key_error
from odibi_core.transformers.context import TransformContext
from odibi_core.transformers.patterns.scd2 import Scd2Spec, apply_scd2
from odibi_core.transformers.patterns.target import TargetParams
from odibi_core.transformers.registry import transform


class Scd2Params(TargetParams):
    _renames: ClassVar[dict[str, str]] = {"track_cols": "tracked_columns", "effective_time_col": "effective_time",
                                          "end_time_col": "valid_to", "current_flag_col": "is_current"}

    keys: list[str] = Field(min_length=1, description="columns that identify the thing whose history is kept "
                                                      "(several for a composite key)")
    tracked_columns: list[str] | None = Field(
        default=None, description="columns whose change opens a new version (default: every column but the keys "
                                  "and the effective time); other columns keep the value of the version's first row")
    effective_time: str = Field(min_length=1, description="the column saying when a row's values became true "
                                                          "(a timestamp or date); it becomes valid_from")
    valid_from: str = Field(default="valid_from", min_length=1, description="output column: when the version "
                                                                            "became true (included)")
    valid_to: str = Field(default="valid_to", min_length=1, description="output column: when it stopped being "
                                                                        "true (excluded); open end for the current")
    is_current: str = Field(default="is_current", min_length=1, description="output column: true on each key's "
                                                                            "current version")
    open_end: dt.date | dt.datetime | None = Field(
        default=None, description="valid_to of current versions: empty for NULL, or a far-future date such as "
                                  "9999-12-31")
    close_out_missing: bool = Field(
        default=False, description="the batch is a full snapshot: close the current version of every key it lacks, "
                                   "at the snapshot's time (its largest effective time)")
    partition_by: list[str] = Field(default_factory=list, description="partition columns when the first run "
                                                                      "creates the table")

    @model_validator(mode="after")
    def _distinct_outputs(self):
        if len({self.valid_from, self.valid_to, self.is_current}) < 3:
            raise key_error("valid_to", "valid_from, valid_to and is_current must be three different names")
        return self


@transform(name="scd2", params=Scd2Params, builtin=True)
def scd2(ctx: TransformContext, params: Scd2Params):
    """Record the snapshot in the SCD2 history at ``target``; returns the whole history.

    Each key's versions cover half-open intervals [valid_from, valid_to) that never overlap,
    and the key's current version has ``is_current`` true and an open end. Per run:

    * an unchanged row (tracked columns equal, NULLs equal) changes nothing;
    * a changed row closes the current version at its effective time and opens a new one;
    * a new key opens its first version;
    * with ``close_out_missing``, a key absent from the snapshot has its current version closed
      at the snapshot's time (no version is current afterwards; it reopens if the key returns);
    * several rows of one key in one batch are applied in effective-time order, each change
      opening a version; rows equal to the one before them are not changes.

    A row whose effective time is not after the start of the key's current version is already
    history: it is skipped, so re-running a snapshot commits nothing (no new table version), and
    late rows are never back-dated. All changes go in ONE Delta MERGE (atomic). Keys and the
    effective time must not be NULL.

    "Value as of time T" (an OdibiEats menu history, prices by item):

    ```sql
    -- price of a Burger on Nov 1st
    SELECT item, price FROM menu_history
    WHERE item = 'Burger'
      AND valid_from <= TIMESTAMP '2024-11-01 00:00:00'
      AND (valid_to IS NULL OR valid_to > TIMESTAMP '2024-11-01 00:00:00')
    -- current price
    SELECT item, price FROM menu_history WHERE item = 'Burger' AND is_current
    ```

    or in Python: ``odibi_core.transformers.patterns.as_of(history, "2024-11-01")``.

    ```yaml
    transformer: scd2
    params:
      target: {connection: lake, path: silver/menu_history}
      keys: [item_id]
      tracked_columns: [price, name]
      effective_time: updated_at
      close_out_missing: true
    ```
    """
    what = f"scd2 (node '{ctx.node}')"
    target = params.resolve(ctx.engine, what)
    spec = Scd2Spec(
        keys=tuple(params.keys), effective_time=params.effective_time,
        tracked=tuple(params.tracked_columns) if params.tracked_columns is not None else None,
        valid_from=params.valid_from, valid_to=params.valid_to, is_current=params.is_current,
        open_end=params.open_end, close_out_missing=params.close_out_missing, partition_by=tuple(params.partition_by))
    outcome = apply_scd2(ctx, target, spec)
    ctx.metrics["scd2"] = outcome.metrics()
    if not DeltaTable.is_deltatable(target.uri, storage_options=target.storage_options):
        return ctx.df  # an empty first snapshot: there is no history yet
    return ctx.engine.read(ReadConfig(connection=target.connection, format="delta", path=target.path))
