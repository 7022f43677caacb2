"""SQL text for a reading of a question: identifiers quoted only when needed, literals escaped,
one SELECT in DuckDB's dialect (other dialects are transpiled by sqlglot afterwards).

Why build text rather than a sqlglot tree: the SQL is shown to the user, so it should read like
SQL a person writes (``AVG(delivery_minutes) AS avg_delivery_minutes``), and the result still
goes through :func:`odibi_core.intel.sql_guard.check_select` before anyone runs it.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import sqlglot

# DuckDB's reserved words plus the few more that Spark (ANSI) reserves: quoted when used as names
RESERVED = frozenset(str.split("""
all analyse analyze and any array as asc asymmetric both case cast check collate column constraint create
default deferrable desc describe distinct do else end except false fetch for foreign from group having in
initially intersect into lambda lateral leading limit not null offset on only or order pivot placing primary
qualify references returning select show some summarize symmetric table then to trailing true union unique
unpivot using variadic when where window with anti asof at authorization binary by collation columns
concurrently cross freeze full generated glob ilike inner is isnull join left like map natural notnull outer
overlaps positional right semi similar struct tablesample try_cast verbose current_date current_time
current_timestamp current_user interval user
"""))
_PLAIN = re.compile(r"[a-z_][a-z0-9_]*")


def q(name: str) -> str:
    """An identifier, double-quoted only when it is not a plain lower-case word or is reserved."""
    if _PLAIN.fullmatch(name) and name not in RESERVED:
        return name
    return '"' + name.replace('"', '""') + '"'


def lit(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def date_lit(day: dt.date) -> str:
    return f"DATE '{day.isoformat()}'"


@dataclass
class Item:
    """One output column: its SQL, its name in the result, and what it is (for charts and ORDER BY)."""

    expr: str
    name: str  # the output column name (alias or column)
    role: str  # dim | attr | measure | column
    time: bool = False

    def sql(self) -> str:
        plain = self.expr.strip('"').replace('""', '"')
        return self.expr if plain == self.name else f"{self.expr} AS {q(self.name)}"


@dataclass
class Plan:
    table: str
    items: list[Item] = field(default_factory=list)  # empty: SELECT *
    where: list[str] = field(default_factory=list)
    group_by: list[str] = field(default_factory=list)
    order_by: list[tuple[str, str]] = field(default_factory=list)  # (output name or expr, asc|desc)
    limit: int | None = None
    distinct: bool = False
    inner: Plan | None = None  # read FROM this subquery instead of the table ("average orders per day")

    def render(self) -> str:
        cols = ", ".join(i.sql() for i in self.items) if self.items else "*"
        source = f"({self.inner.render()}) AS per_{self.inner.items[0].name}" if self.inner else q(self.table)
        sql = f"SELECT {'DISTINCT ' if self.distinct else ''}{cols} FROM {source}"
        if self.where:
            sql += " WHERE " + " AND ".join(self.where)
        if self.group_by:
            sql += " GROUP BY " + ", ".join(self.group_by)
        if self.order_by:
            sql += " ORDER BY " + ", ".join(f"{e} {d.upper()}" if d == "desc" else e for e, d in self.order_by)
        if self.limit is not None:
            sql += f" LIMIT {int(self.limit)}"
        return sql


def to_dialect(sql: str, dialect: str) -> str:
    """``sql`` (DuckDB) in ``dialect``; unchanged for duckdb."""
    if dialect in ("duckdb", "", None):
        return sql
    return sqlglot.transpile(sql, read="duckdb", write=dialect)[0]


def time_expr(column: str, grain: str, logical: str) -> tuple[str, str]:
    """(SQL, output name) of ``column`` cut to ``grain``; a date column by day is itself."""
    if grain == "day":
        return (q(column), column) if logical == "date" else (f"CAST({q(column)} AS DATE)", "day")
    if grain == "hour_of_day":
        return f"hour({q(column)})", "hour_of_day"
    return f"date_trunc('{grain}', {q(column)})", grain


def aggregate_expr(agg: str, column: str | None) -> str:
    if column is None:
        return "COUNT(*)"
    if agg == "distinct":
        return f"COUNT(DISTINCT {q(column)})"
    return f"{agg.upper()}({q(column)})"


def aggregate_name(agg: str, column: str | None, noun: str) -> str:
    if column is None:
        return f"{noun}_count"
    if agg == "distinct":
        return f"distinct_{column}"
    prefix = {"avg": "avg", "sum": "total", "count": "count", "max": "max", "min": "min", "median": "median"}[agg]
    if column.lower() == prefix:
        return f"{agg}_{column}"
    return column if column.lower().startswith(prefix + "_") else f"{prefix}_{column}"
