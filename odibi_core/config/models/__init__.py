"""Pydantic models of the Odibi YAML format (see docs/config.md)."""

from odibi_core.config.models.base import StrictModel, suggest
from odibi_core.config.models.connections import (
    AzureBlobConnectionConfig,
    ConnectionConfig,
    DeltaCatalogConnectionConfig,
    HttpAuthConfig,
    HttpConnectionConfig,
    LocalConnectionConfig,
    SqlConnectionConfig,
)
from odibi_core.config.models.intel import AutoHealConfig, LLMConfig
from odibi_core.config.models.io import IncrementalConfig, ReadConfig, TimeTravelConfig, WriteConfig
from odibi_core.config.models.node import NodeConfig, PipelineConfig, RetryConfig, TransformConfig, TransformStep
from odibi_core.config.models.project import (
    AlertConfig,
    LoggingConfig,
    PerformanceConfig,
    ProjectConfig,
    StoryConfig,
    SystemConfig,
)
from odibi_core.config.models.validation import GateConfig, QuarantineConfig, TestConfig, ValidationConfig

__all__ = [
    "AlertConfig", "AutoHealConfig", "LLMConfig", "AzureBlobConnectionConfig", "ConnectionConfig", "DeltaCatalogConnectionConfig", "GateConfig",
    "HttpAuthConfig", "HttpConnectionConfig", "IncrementalConfig", "LocalConnectionConfig", "LoggingConfig",
    "NodeConfig", "PerformanceConfig", "PipelineConfig", "ProjectConfig", "QuarantineConfig", "ReadConfig",
    "RetryConfig", "SqlConnectionConfig", "StoryConfig", "StrictModel", "SystemConfig", "TestConfig",
    "TimeTravelConfig", "TransformConfig", "TransformStep", "ValidationConfig", "WriteConfig", "suggest",
]
