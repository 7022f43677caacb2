"""The interface every validation test type implements, and their registry.

Two kinds, because they cost differently and mean different things:

* A **row check** says, as one SQL boolean expression, whether a row passes. The runner counts
  the failing rows of every row check in one SQL pass over the frame, and the same expressions
  will later mark, per row, exactly which tests that row failed (for quarantine). A check that
  needs a window (``unique``) declares it as a helper column, computed in an inner SELECT.
* A **table check** judges the frame as a whole (row count, freshness, schema, volume drop).
  It may add aggregate expressions to that same SQL pass and then decides from their values.

NULL rule: the runner counts a row as failing unless the expression is TRUE, so an expression
that comes out NULL fails the row (``custom_sql``, ``not_null``). Tests about a value's content
(``accepted_values``, ``range``, ``regex_match``) ignore NULLs, as dbt and Great Expectations
do: they write ``col IS NULL OR ...`` into their expression; pair them with ``not_null`` to
reject NULLs too.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

from odibi_core.config.models.base import suggest
from odibi_core.engines.base import Engine
from odibi_core.engines.sql_literals import sql_literal
from odibi_core.errors import ConfigError


class SqlContext(Protocol):
    """What validation needs from the node's context (a ``TransformContext`` fits).

    Spelled out here because validation and transformers are sibling layers that may not
    import each other.
    """

    engine: Engine

    def sql(self, query: str, **extra_tables: Any) -> Any: ...

    def q(self, identifier: str) -> str: ...

    def columns(self, df: Any = None) -> list[str]: ...


class ValidationCheck(ABC):
    """One configured test. ``key`` is unique within a validation run (used for SQL aliases)."""

    type: ClassVar[str]

    def __init__(self, cfg: Any, name: str, key: str, index: int) -> None:
        self.cfg = cfg
        self.name = name
        self.key = key
        self.index = index
        self._actual: dict[str, str] = {}  # configured column name -> the frame's spelling (set by bind)

    @staticmethod
    def default_name(cfg: Any) -> str:
        """``<type>_<column(s)>`` (just the type for tests without columns)."""
        cols = getattr(cfg, "columns", None) or ([cfg.column] if getattr(cfg, "column", None) else [])
        return "_".join([cfg.type, *cols])

    def columns_used(self) -> list[str]:
        """Columns that must exist before the SQL runs (a clear error beats an engine's)."""
        return []

    def bind(self, available: list[str]) -> None:
        """Check the test against the frame's columns before any SQL runs; ConfigError if it cannot run."""
        self._actual = {}
        missing = []
        for name in self.columns_used():
            actual = resolve_column(name, available)
            if actual is None:
                missing.append(name)
            else:
                self._actual[name] = actual
        if missing:
            raise unknown_columns_error(self, missing, available)

    def col(self, ctx: SqlContext, name: str) -> str:
        """The quoted identifier of configured column ``name`` (as the frame spells it)."""
        return ctx.q(self._actual.get(name, name))

    def config_error(self, message: str) -> ConfigError:
        return ConfigError(f"test '{self.name}' ({self.type}): {message}", key_path=f"validation.tests[{self.index}]")

    def alias(self, suffix: str) -> str:
        return f"_odibi_{self.key}_{suffix}"

    def lit(self, ctx: SqlContext, value: Any) -> str:
        return sql_literal(value, ctx.engine.sql_dialect)


class RowCheck(ValidationCheck):
    """A test decided row by row by :meth:`passes_sql`."""

    ignores_nulls: ClassVar[bool] = False

    def helper_columns(self, ctx: SqlContext) -> dict[str, str]:
        """alias -> window expression the pass expression refers to (computed in an inner SELECT)."""
        return {}

    @abstractmethod
    def passes_sql(self, ctx: SqlContext) -> str:
        """SQL boolean expression that is TRUE for a row that passes (anything else fails it)."""

    @abstractmethod
    def failure_message(self, failed: int, total: int) -> str: ...

    @abstractmethod
    def success_message(self, total: int) -> str: ...


@dataclass
class TableFacts:
    """What a table check decides from: the row count, the columns, its aggregates, the history."""

    total_rows: int
    columns: list[str]
    values: dict[str, Any] = field(default_factory=dict)  # this check's aggregates, by alias
    history: list[int] | None = None  # previous row counts of the node, newest first


@dataclass
class Verdict:
    passed: bool
    message: str
    failed_rows: int = 0


class TableCheck(ValidationCheck):
    """A test decided for the whole frame."""

    def aggregates(self, ctx: SqlContext) -> dict[str, str]:
        """alias -> aggregate expression computed in the runner's single SQL pass over the frame."""
        return {}

    @abstractmethod
    def evaluate(self, facts: TableFacts) -> Verdict: ...


CHECKS: dict[str, type[ValidationCheck]] = {}


def register_check(cls: type[ValidationCheck]) -> type[ValidationCheck]:
    CHECKS[cls.type] = cls
    return cls


def resolve_column(name: str, available: list[str]) -> str | None:
    """The actual column for ``name``: exact, else a unique case-insensitive match (as SQL engines)."""
    if name in available:
        return name
    folded = [c for c in available if c.lower() == name.lower()]
    return folded[0] if len(folded) == 1 else None


def suggest_column(name: str, available: list[str]) -> str | None:
    """The closest column name, ignoring case (``nme`` -> ``Name``)."""
    lower = {c.lower(): c for c in available}
    close = suggest(name.lower(), lower)
    return lower[close] if close else None


def unknown_columns_error(check: ValidationCheck, missing: list[str], available: list[str]) -> ConfigError:
    parts = []
    for name in missing:
        close = suggest_column(name, available)
        parts.append(f"'{name}'" + (f" (did you mean '{close}'?)" if close else ""))
    noun = "column" if len(missing) == 1 else "columns"
    return ConfigError(
        f"test '{check.name}' ({check.type}) checks {noun} {', '.join(parts)}, not found in the frame, which has "
        f"{', '.join(available) or 'no columns'}. Fix the test's column name, or add the column in a transform step.",
        key_path=f"validation.tests[{check.index}]")


def column_list(columns: list[str]) -> str:
    return ", ".join(columns) if len(columns) < 2 else ", ".join(columns[:-1]) + " or " + columns[-1]
