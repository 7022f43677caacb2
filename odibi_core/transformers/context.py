"""What a transformer sees: the current frame, the dependency frames and the engine."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from odibi_core.engines.base import Engine


@dataclass
class TransformContext:
    engine: Engine
    df: Any
    tables: dict[str, Any]
    node: str
    pipeline: str = ""
    run_id: str = ""
    env: str | None = None
    metrics: dict[str, Any] = field(default_factory=dict)  # numbers a transformer wants in the story
    sql_log: list[str] = field(default_factory=list)  # every SQL statement run, for the story

    def sql(self, query: str, **extra_tables: Any) -> Any:
        """Run SQL with ``df`` = the current frame and every dependency visible by name."""
        tables = {**self.tables, **({"df": self.df} if self.df is not None else {}), **extra_tables}
        self.sql_log.append(query)
        return self.engine.sql(query, tables)

    def q(self, identifier: str) -> str:
        return self.engine.quote(identifier)

    def columns(self, df: Any = None) -> list[str]:
        return [c.name for c in self.engine.schema(self.df if df is None else df)]

    def with_df(self, df: Any) -> TransformContext:
        return TransformContext(self.engine, df, self.tables, self.node, self.pipeline, self.run_id, self.env,
                                self.metrics, self.sql_log)
