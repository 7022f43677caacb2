"""Plain values shared by the healer, the query assistant, the LLM prompts, the CLI and the Studio."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class TableInfo:
    """One table an assistant may use: its SQL name, columns and a few known values.

    ``values`` holds up to a handful of distinct values of low-cardinality text columns (so "in
    Lagos" can become ``city = 'Lagos'``); they are data, never instructions, in every prompt."""

    name: str
    columns: dict[str, str]  # column -> logical type (string, int64, float64, timestamp, date, bool, ...)
    values: dict[str, list[str]] = field(default_factory=dict)
    description: str | None = None
    node: str | None = None  # the node whose output this is
    layer: str | None = None
    row_count: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "columns": self.columns, "values": self.values,
                "description": self.description, "node": self.node, "layer": self.layer,
                "row_count": self.row_count}


@dataclass
class HealRequest:
    """A failing piece of SQL, what the engine said, and every table (with schema) it could use.

    ``sql`` is the text as the user wrote it: a whole query for SQL steps and ``sql_file``s, or an
    expression for transformer params (``kind == "expression"``, e.g. a filter condition)."""

    node: str
    sql: str
    error: str
    tables: dict[str, dict[str, str]]  # table name in the SQL -> {column: logical type}
    dialect: str = "duckdb"  # sqlglot dialect of the engine that runs it (duckdb | spark)
    kind: str = "query"  # query | expression
    location: str = ""  # where the SQL lives in the node: transform.steps[1].sql, params.condition, ...


@dataclass
class Proposal:
    """One candidate fix. ``strategy`` says what produced it (for the story and the heal log)."""

    sql: str
    strategy: str  # transpile | nearest_column | nearest_table | keyword | comma | quote | llm | ...
    explanation: str
    source: str = "deterministic"  # deterministic | llm
