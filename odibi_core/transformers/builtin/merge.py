"""``merge``: MERGE the current frame into a Delta table (upsert, insert-new-only or delete)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, ClassVar, Literal

from pydantic import Field, field_validator, model_validator

from odibi_core.config.models import ReadConfig
from odibi_core.config.models.base import StrictModel, key_error
from odibi_core.formats.delta_merge import MergeOptions
from odibi_core.transformers.builtin._common import resolve_columns
from odibi_core.transformers.context import TransformContext
from odibi_core.transformers.patterns.merge import merge_frame, merge_stream
from odibi_core.transformers.patterns.target import TargetParams
from odibi_core.transformers.registry import transform


class AuditColumns(StrictModel):
    created: str | None = Field(default="created_at", description="set when a row is inserted, never changed "
                                                                  "afterwards; null: no such column")
    updated: str | None = Field(default="updated_at", description="set when a row is inserted or updated; "
                                                                  "null: no such column")


class MergeParams(TargetParams):
    _renames: ClassVar[dict[str, str]] = {"audit_cols": "audit_columns"}

    keys: list[str] = Field(min_length=1, description="columns that identify a row in the source and the target "
                                                      "(several for a composite key); never NULL in the source")
    strategy: Literal["upsert", "append_only", "delete_match"] = Field(
        default="upsert", description="upsert: update matching rows, insert new ones; append_only: insert only "
                                      "keys the target lacks; delete_match: delete target rows whose key is in "
                                      "the source")
    update_condition: str | None = Field(
        default=None, description="upsert only: update a matching row only when this SQL holds, over s. (source) "
                                  "and t. (target), e.g. s.updated_at > t.updated_at")
    insert_condition: str | None = Field(default=None, description="insert a new key only when this SQL holds "
                                                                   "(over s.), e.g. s.is_deleted = false")
    delete_condition: str | None = Field(
        default=None, description="upsert: delete a matching row (instead of updating it) when this SQL holds; "
                                  "delete_match: delete only matching rows where it holds")
    audit_columns: bool | AuditColumns = Field(
        default=True, description="true: add created_at and updated_at (UTC); false: none; or name them "
                                  "{created: ..., updated: ...} (null turns one off)")
    missing_columns: Literal["null", "keep", "error"] = Field(
        default="null", description="a target column the source lacks: null (written rows get NULL), keep "
                                    "(updated rows keep their value, new rows get NULL) or error")
    partition_by: list[str] = Field(default_factory=list, description="partition columns when the merge "
                                                                      "creates the table")
    checkpoint: str | None = Field(default=None, description="streaming sources (Spark): checkpoint folder on "
                                                             "the target's connection (default "
                                                             "_checkpoints/<target path>)")

    @model_validator(mode="before")
    @classmethod
    def _odibi_audit(cls, data: Any) -> Any:
        """Odibi's ``audit_cols: {created_col, updated_col}`` (names; absent means none)."""
        if not isinstance(data, dict):
            return data
        for key in ("audit_cols", "audit_columns"):  # before or after the rename
            cols = data.get(key)
            if isinstance(cols, dict) and set(cols) & {"created_col", "updated_col"}:
                extra = set(cols) - {"created_col", "updated_col"}
                if extra:
                    raise key_error(key, f"unknown key '{sorted(extra)[0]}' in {key} (Odibi's keys are "
                                         "created_col and updated_col)")
                data = {**data, key: {"created": cols.get("created_col"), "updated": cols.get("updated_col")}}
        return data

    @field_validator("missing_columns", mode="before")
    @classmethod
    def _yaml_null(cls, value: Any) -> Any:
        return "null" if value is None else value  # YAML reads `missing_columns: null` as None

    @model_validator(mode="after")
    def _fits_strategy(self):
        not_for = {"append_only": ("update_condition", "delete_condition"),
                   "delete_match": ("update_condition", "insert_condition")}.get(self.strategy, ())
        for name in not_for:
            if getattr(self, name):
                raise key_error(name, f"{name} does not apply to strategy '{self.strategy}'")
        created, updated = self.audit_names
        if created and created == updated:
            raise key_error("audit_columns", f"created and updated audit columns need two names (both '{created}')")
        return self

    @property
    def audit_names(self) -> tuple[str | None, str | None]:
        if self.audit_columns is True:
            return "created_at", "updated_at"
        if self.audit_columns is False:
            return None, None
        return self.audit_columns.created, self.audit_columns.updated

    def options(self) -> MergeOptions:
        created, updated = self.audit_names
        return MergeOptions(
            keys=tuple(self.keys), strategy=self.strategy, update_condition=self.update_condition,
            insert_condition=self.insert_condition, delete_condition=self.delete_condition,
            created_column=created, updated_column=updated, missing_columns=self.missing_columns,
            partition_by=tuple(self.partition_by))


@transform(name="merge", params=MergeParams, builtin=True)
def merge(ctx: TransformContext, params: MergeParams):
    """MERGE the current frame into the Delta table ``target`` on ``keys``; returns the frame unchanged.

    One Delta commit per run, or none when nothing changed: a failure half-way leaves the table
    at its previous version. The first run creates the table. Conditions are SQL over ``s.``
    (source) and ``t.`` (target); Odibi's ``source.`` / ``target.`` work too.

    * ``upsert``: matching rows are updated (``created_at`` kept, ``updated_at`` set), new keys
      inserted; with ``delete_condition``, a matching row where it holds is deleted instead.
    * ``append_only``: only keys the table lacks are inserted; existing rows are not touched.
    * ``delete_match``: table rows whose key is in the source are deleted.

    New source columns are added to the table. A table column the source lacks follows
    ``missing_columns``. Source keys must be unique (upsert, append_only) and never NULL. The
    story shows inserted / updated / deleted counts and the table version. The same MERGE runs
    for a Delta write with ``mode: upsert`` or ``merge`` (options: keys, strategy, conditions,
    audit_columns, off by default there). On Spark, a streaming frame merges every micro-batch
    through foreachBatch (see ``odibi_core.transformers.patterns.merge.merge_stream``).

    ```yaml
    transformer: merge
    params:
      target: {connection: lake, path: silver/menu_items}
      keys: [restaurant_id, item_id]
      strategy: upsert
      update_condition: s.price_updated_at > t.price_updated_at
      audit_columns: {created: first_seen_at, updated: last_changed_at}
    ```
    """
    what = f"merge (node '{ctx.node}')"
    keys = resolve_columns(ctx, params.keys, transformer="merge", param="keys")
    target = params.resolve(ctx.engine, what)
    opts = replace(params.options(), keys=tuple(keys))
    if getattr(ctx.df, "isStreaming", False):
        conn = ctx.engine.connections[target.connection]
        checkpoint = conn.resolve(params.checkpoint or f"_checkpoints/{target.path}")
        outcomes = merge_stream(ctx.df, target, opts, checkpoint, query_name=None)
        ctx.metrics["merge"] = {"micro_batches": len(outcomes), "inserted": sum(o.inserted for o in outcomes),
                                "updated": sum(o.updated for o in outcomes),
                                "deleted": sum(o.deleted for o in outcomes)}
        return ctx.engine.read(ReadConfig(connection=target.connection, format="delta", path=target.path))
    outcome = merge_frame(ctx.engine, ctx.df, target, opts)
    ctx.metrics["merge"] = outcome.metrics()
    return ctx.df
