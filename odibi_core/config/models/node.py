"""Nodes and pipelines."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from odibi_core.config.models.base import StrictModel, key_error
from odibi_core.config.models.drift import DriftConfig
from odibi_core.config.models.io import ReadConfig, WriteConfig
from odibi_core.config.models.validation import ValidationConfig

NAME_RE = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
INPUT_REF_RE = re.compile(r"^\$([a-zA-Z_][a-zA-Z0-9_]*)\.([a-zA-Z_][a-zA-Z0-9_]*)$")


class RetryConfig(StrictModel):
    enabled: bool = True
    max_attempts: int = Field(default=3, ge=1, le=100)
    backoff: Literal["exponential", "linear", "constant"] = "exponential"
    initial_delay: float = Field(default=1.0, ge=0)
    max_delay: float = Field(default=60.0, ge=0)


class TransformStep(StrictModel):
    """Exactly one of ``sql``, ``sql_file``, ``function`` or ``operation``."""

    sql: str | None = None
    sql_file: str | None = None
    function: str | None = None
    operation: str | None = None
    params: dict[str, Any] = Field(default_factory=dict)
    description: str | None = None

    @model_validator(mode="after")
    def _exactly_one(self):
        given = [k for k in ("sql", "sql_file", "function", "operation") if getattr(self, k)]
        if len(given) > 1:
            raise key_error(given[1], "a step needs exactly one of sql, sql_file, function, operation "
                                      f"(got {', '.join(given)}); split it into {len(given)} steps")
        if not given:
            raise ValueError("a step needs exactly one of sql, sql_file, function, operation (got none)")
        if self.params and not (self.function or self.operation):
            raise key_error("params", "'params' goes with 'function' or 'operation' steps only")
        return self

    @property
    def kind(self) -> str:
        return next(k for k in ("sql", "sql_file", "function", "operation") if getattr(self, k))


class TransformConfig(StrictModel):
    steps: list[TransformStep] = Field(default_factory=list)


class NodeConfig(StrictModel):
    name: str
    description: str | None = None
    depends_on: list[str] = Field(default_factory=list)
    inputs: dict[str, str | ReadConfig] = Field(default_factory=dict)
    read: ReadConfig | None = None
    transformer: str | None = None
    params: dict[str, Any] = Field(default_factory=dict)
    transform: TransformConfig | None = None
    validation: ValidationConfig | None = None
    write: WriteConfig | None = None
    on_error: Literal["fail_fast", "fail_later", "ignore"] = "fail_later"
    enabled: bool = True
    tags: list[str] = Field(default_factory=list)
    cache: bool = False
    sensitive: bool | list[str] = False
    retry: RetryConfig | None = None
    drift: DriftConfig | None = None  # None: the project's drift defaults (see config/models/drift.py)

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        if not NAME_RE.match(v):
            raise ValueError(f"node name '{v}' must match ^[a-zA-Z_][a-zA-Z0-9_]*$ (letters, digits, underscore)")
        return v

    @field_validator("inputs", mode="before")
    @classmethod
    def _inputs(cls, v: Any) -> Any:
        if isinstance(v, dict):
            for alias, ref in v.items():
                if not isinstance(alias, str) or not NAME_RE.match(alias):
                    raise key_error(alias, f"input alias '{alias}' must be a valid table name "
                                           "(letters, digits, underscore)")
                if isinstance(ref, str) and not INPUT_REF_RE.match(ref):
                    raise key_error(alias, f"input '{alias}: {ref}' must look like $pipeline.node "
                                           "(or be a read block)")
        return v

    @model_validator(mode="after")
    def _coherent(self):
        if self.params and not self.transformer:
            raise key_error("params", "'params' needs a 'transformer' on the node")
        twice = sorted({d for d in self.depends_on if self.depends_on.count(d) > 1})
        if twice:
            raise key_error("depends_on", f"depends_on lists '{twice[0]}' twice")
        if self.name in self.depends_on:
            raise key_error("depends_on", f"node '{self.name}' depends on itself")
        return self


class PipelineConfig(StrictModel):
    pipeline: str
    layer: str | None = None
    description: str | None = None
    owner: str | None = None
    tags: list[str] = Field(default_factory=list)
    schedule: str | None = None
    nodes: list[NodeConfig] = Field(min_length=1)

    @field_validator("pipeline")
    @classmethod
    def _name(cls, v: str) -> str:
        if not NAME_RE.match(v):
            raise ValueError(f"pipeline name '{v}' must match ^[a-zA-Z_][a-zA-Z0-9_]*$")
        return v
