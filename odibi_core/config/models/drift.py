"""Drift settings: when a node's output schema or row count counts as drifted.

Kept in its own model (not a loose dict) so a typo such as ``z_treshold`` is refused at load
time with a "did you mean" hint, like every other key, instead of silently using a default.
The same model is accepted at the project level (defaults for every node) and on a node;
:func:`effective_drift` merges the two key by key, the node winning.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from odibi_core.config.models.base import StrictModel, key_error


class RowCountDriftConfig(StrictModel):
    """Row-count anomalies: a robust z-score over past runs, or a percent change while history is short."""

    enabled: bool = Field(default=True, description="Check the node's output row count against its history.")
    z_threshold: float = Field(
        default=3.5, gt=0,
        description="Robust z-score (0.6745 * (rows - median) / MAD) above which the count is an anomaly; "
                    "used once `min_runs` successful runs exist. A score exactly at the threshold is not one.")
    pct_threshold: float = Field(
        default=50.0, gt=0,
        description="Percent change against the previous successful run above which the count is an anomaly; "
                    "used while fewer than `min_runs` runs exist. 50 means +/-50 %.")
    window: int = Field(default=30, ge=3, le=1000,
                        description="How many of the latest successful runs the z-score looks at.")
    min_runs: int = Field(default=7, ge=3, le=1000,
                          description="Successful runs needed before the z-score replaces the percent change.")

    @model_validator(mode="after")
    def _fits_window(self):
        if {"min_runs", "window"} <= self.model_fields_set and self.min_runs > self.window:
            raise key_error("min_runs", f"min_runs ({self.min_runs}) must not exceed window ({self.window}): "
                                        "the z-score could never be used")
        return self


class SchemaDriftConfig(StrictModel):
    """Schema drift: columns added, removed or retyped against the previous run and the pinned baseline."""

    enabled: bool = Field(default=True, description="Compare the node's output schema with earlier ones.")
    fail_on: Literal["none", "removed", "any"] = Field(
        default="none",
        description="Which schema changes fail the run (after the write: odibi compares the recorded output). "
                    "`none`: report only; `removed`: a removed or retyped column; `any`: any change. Compared "
                    "with the pinned baseline when there is one, else with the previous successful run.")


class DriftConfig(StrictModel):
    """``drift:`` on a node (or at the project level, as defaults for every node)."""

    enabled: bool = Field(default=True, description="Detect drift for this node during runs and in `odibi drift`.")
    row_count: RowCountDriftConfig = Field(default_factory=RowCountDriftConfig,
                                           description="Row-count anomaly thresholds.")
    schema_drift: SchemaDriftConfig = Field(default_factory=SchemaDriftConfig, alias="schema",
                                            description="Schema drift settings.")


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        out[key] = _merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def effective_drift(project: DriftConfig | None, node: DriftConfig | None) -> DriftConfig:
    """The settings a node runs with: defaults <- project ``drift:`` <- node ``drift:``, key by key.

    Only keys written in the YAML take part, so a node that sets ``row_count.window`` keeps the
    project's ``z_threshold``. When the two levels combine to ``min_runs > window`` (each valid on
    its own), ``min_runs`` is capped at ``window``."""
    data: dict[str, Any] = {}
    for cfg in (project, node):
        if cfg is not None:
            data = _merge(data, cfg.model_dump(by_alias=True, exclude_unset=True))
    rc = data.get("row_count") or {}
    window = rc.get("window", RowCountDriftConfig.model_fields["window"].default)
    if rc.get("min_runs", RowCountDriftConfig.model_fields["min_runs"].default) > window:
        data["row_count"] = {**rc, "min_runs": window}
    return DriftConfig.model_validate(data)
