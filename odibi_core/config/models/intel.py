"""Settings of the assistants: the optional LLM (litellm) and auto-heal of failing SQL.

Neither is ever required. Without ``llm:`` the deterministic healer and the semantic query
parser do the work; with it, the LLM is tried after them (heal) or when the parser cannot
answer (query). Both blocks can be overridden per environment like any other key.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from odibi_core.config.models.base import StrictModel


class LLMConfig(StrictModel):
    """Any litellm model: ``openai/gpt-4o-mini``, ``azure/<deployment>``, ``ollama/llama3``, ..."""

    model: str = Field(min_length=1)
    api_base: str | None = None
    api_key: str | None = None  # put ${ENV_VAR} here: values from the environment are masked everywhere
    temperature: float = Field(default=0.0, ge=0.0, le=2.0)
    timeout: float = Field(default=30.0, gt=0, le=600)
    max_tokens: int = Field(default=1024, ge=16, le=32768)
    max_attempts: int = Field(default=2, ge=1, le=10)  # completions per request before giving up


class AutoHealConfig(StrictModel):
    """``suggest`` records a validated fix; ``apply`` also re-runs the node with it (dev only:
    refused in an env named prod or a project/env marked ``production: true``)."""

    enabled: bool = False
    mode: Literal["suggest", "apply"] = "suggest"
    max_attempts: int = Field(default=3, ge=1, le=10)  # heal rounds per node per run
    use_llm: bool = True  # ask the LLM (when ``llm:`` is set) after the deterministic healer
