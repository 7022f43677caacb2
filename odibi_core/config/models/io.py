"""Read and write blocks of a node."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from odibi_core.config.models.base import StrictModel, key_error

FORMATS = ("csv", "parquet", "json", "jsonl", "delta", "sql", "api")
WRITE_MODES = ("overwrite", "append", "upsert", "append_once", "merge", "error", "ignore")


class TimeTravelConfig(StrictModel):
    as_of_version: int | None = Field(default=None, ge=0)
    as_of_timestamp: str | None = None

    @model_validator(mode="after")
    def _one(self):
        if self.as_of_version is not None and self.as_of_timestamp is not None:
            raise ValueError("give either 'as_of_version' or 'as_of_timestamp', not both")
        if self.as_of_version is None and self.as_of_timestamp is None:
            raise ValueError("time_travel needs 'as_of_version' or 'as_of_timestamp'")
        return self


class IncrementalConfig(StrictModel):
    """Read only rows newer than the high-water mark kept in the catalog."""

    column: str
    mode: Literal["rolling_window", "stateful"] = "stateful"
    lookback: str | None = None  # e.g. "7d" for rolling_window
    date_format: str | None = None


class ReadConfig(StrictModel):
    connection: str
    format: Literal["csv", "parquet", "json", "jsonl", "delta", "sql", "api"] | None = None
    path: str | None = None
    table: str | None = None
    query: str | None = None
    options: dict[str, Any] = Field(default_factory=dict)
    filter: str | None = None
    incremental: IncrementalConfig | None = None
    time_travel: TimeTravelConfig | None = None

    @model_validator(mode="after")
    def _one_source(self):
        given = [k for k in ("path", "table", "query") if getattr(self, k)]
        if len(given) > 1:
            raise key_error(given[1], f"give only one of path, table, query (got {', '.join(given)})")
        if not given and self.format != "api":
            raise ValueError("a read needs one of 'path', 'table' or 'query'")
        # time_travel vs format is checked in checks.py, where a format inferred from the path is known
        return self


class WriteConfig(StrictModel):
    connection: str
    format: Literal["csv", "parquet", "json", "jsonl", "delta", "sql"] | None = None
    path: str | None = None
    table: str | None = None
    mode: Literal["overwrite", "append", "upsert", "append_once", "merge", "error", "ignore"] = "overwrite"
    partition_by: list[str] = Field(default_factory=list)
    merge_schema: bool = False
    add_metadata: bool | list[str] = False
    options: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _target(self):
        if bool(self.path) == bool(self.table):
            raise ValueError("a write needs exactly one of 'path' or 'table'")
        if self.mode in ("upsert", "merge", "append_once") and not self.options.get("keys"):
            raise key_error("mode", f"write mode '{self.mode}' needs options.keys (the key columns), "
                                    "e.g. options: {keys: [id]}")
        keys = self.options.get("keys")
        if keys is not None and not (isinstance(keys, list) and all(isinstance(k, str) for k in keys)):
            raise key_error("options", "options.keys must be a list of column names")
        return self

    @property
    def keys(self) -> list[str]:
        return list(self.options.get("keys") or [])
