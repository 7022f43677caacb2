"""The project: top-level settings that hold connections and pipelines."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator

from odibi_core.config.models.base import StrictModel
from odibi_core.config.models.connections import ConnectionConfig
from odibi_core.config.models.drift import DriftConfig
from odibi_core.config.models.intel import AutoHealConfig, LLMConfig
from odibi_core.config.models.node import PipelineConfig, RetryConfig


class StoryConfig(StrictModel):
    connection: str
    path: str = "stories"
    enabled: bool = True
    max_sample_rows: int = Field(default=10, ge=0, le=1000)
    retention_days: int | None = Field(default=30, ge=1)
    retention_count: int | None = Field(default=100, ge=1)
    auto_generate: bool = True


class SystemConfig(StrictModel):
    connection: str
    path: str = "_odibi_system"
    environment: str | None = None


class LoggingConfig(StrictModel):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "debug", "info", "warning", "error"] = "INFO"
    structured: bool = False


class AlertConfig(StrictModel):
    type: Literal["webhook", "slack", "teams"]
    url: str
    on_events: list[Literal["on_start", "on_success", "on_failure", "on_quarantine", "on_gate_block",
                            "on_drift"]] = Field(default_factory=lambda: ["on_failure"])
    metadata: dict[str, Any] = Field(default_factory=dict)


class PerformanceConfig(StrictModel):
    spark_config: dict[str, Any] = Field(default_factory=dict)
    master: str | None = None
    app_name: str | None = None
    remote: str | None = None  # Spark Connect, sc://host:port
    workers: int | None = Field(default=None, ge=1, le=64)


class ProjectConfig(StrictModel):
    project: str
    engine: Literal["pandas", "spark"] = "pandas"
    description: str | None = None
    version: str | None = None
    owner: str | None = None
    connections: dict[str, ConnectionConfig]
    pipelines: list[PipelineConfig] = Field(min_length=1)
    story: StoryConfig
    system: SystemConfig
    vars: dict[str, Any] = Field(default_factory=dict)
    imports: list[str] = Field(default_factory=list)
    environments: dict[str, dict[str, Any]] = Field(default_factory=dict)
    retry: RetryConfig = Field(default_factory=lambda: RetryConfig(enabled=False, max_attempts=1))
    logging: LoggingConfig = Field(default_factory=LoggingConfig)
    alerts: list[AlertConfig] = Field(default_factory=list)
    performance: PerformanceConfig = Field(default_factory=PerformanceConfig)
    production: bool = False
    drift: DriftConfig | None = None  # defaults for every node's drift: (a node's own keys win)
    llm: LLMConfig | None = None  # optional: the assistants work without it
    auto_heal: AutoHealConfig = Field(default_factory=AutoHealConfig)

    def is_production(self, env: str | None) -> bool:
        """Production: an env named prod/production, or ``production: true`` (in the file or the env)."""
        return self.production or (env or "").lower() in ("prod", "production")

    @field_validator("connections")
    @classmethod
    def _some(cls, v):
        if not v:
            raise ValueError("at least one connection is needed")
        return v

    def all_nodes(self):
        """(pipeline, node) pairs in file order."""
        for pipe in self.pipelines:
            for node in pipe.nodes:
                yield pipe, node
