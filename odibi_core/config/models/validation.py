"""Data validation tests, quarantine and gate settings of a node."""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import Field, model_validator

from odibi_core.config.models.base import StrictModel
from odibi_core.config.models.drift import RowCountDriftConfig

OnFail = Literal["warn", "fail", "quarantine"]


class _Test(StrictModel):
    name: str | None = None
    on_fail: OnFail | None = None  # None: inherit the validation block's mode
    description: str | None = None


class NotNullTest(_Test):
    type: Literal["not_null"]
    columns: list[str] = Field(min_length=1)


class UniqueTest(_Test):
    type: Literal["unique"]
    columns: list[str] = Field(min_length=1)


class AcceptedValuesTest(_Test):
    type: Literal["accepted_values"]
    column: str
    values: list[Any] = Field(min_length=1)


class RangeTest(_Test):
    type: Literal["range"]
    column: str
    min: float | None = None
    max: float | None = None

    @model_validator(mode="after")
    def _bounds(self):
        if self.min is None and self.max is None:
            raise ValueError("range needs 'min' or 'max'")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"range min ({self.min}) is greater than max ({self.max})")
        return self


class RegexMatchTest(_Test):
    type: Literal["regex_match"]
    column: str
    pattern: str


class RowCountTest(_Test):
    type: Literal["row_count"]
    min: int | None = Field(default=None, ge=0)
    max: int | None = Field(default=None, ge=0)


class CustomSqlTest(_Test):
    """``condition`` is a boolean SQL expression every valid row satisfies."""

    type: Literal["custom_sql"]
    condition: str


class FreshnessTest(_Test):
    type: Literal["freshness"]
    column: str
    max_age: str  # "24h", "7d", "30m"


class SchemaTest(_Test):
    type: Literal["schema"]
    columns: list[str] = Field(min_length=1)
    strict: bool = False


class VolumeDropTest(_Test):
    type: Literal["volume_drop"]
    threshold: float = Field(default=0.5, gt=0, le=1)
    lookback_runs: int = Field(default=1, ge=1)


TestConfig = Annotated[
    Union[NotNullTest, UniqueTest, AcceptedValuesTest, RangeTest, RegexMatchTest, RowCountTest,
          CustomSqlTest, FreshnessTest, SchemaTest, VolumeDropTest],
    Field(discriminator="type"),
]


class QuarantineConfig(StrictModel):
    connection: str
    path: str | None = None
    table: str | None = None
    format: Literal["delta", "parquet", "csv", "json"] = "delta"


class GateConfig(StrictModel):
    require_pass_rate: float = Field(default=1.0, ge=0, le=1)
    on_fail: Literal["abort", "warn_and_write", "write_valid_only"] = "abort"
    row_count: RowCountDriftConfig | None = Field(
        default=None, description="Row-count anomaly thresholds for this node; the same keys as "
                                  "drift.row_count, which they override (see docs/drift.md).")


class ValidationConfig(StrictModel):
    mode: Literal["fail", "warn"] = "fail"
    tests: list[TestConfig] = Field(default_factory=list)
    quarantine: QuarantineConfig | None = None
    gate: GateConfig | None = None
