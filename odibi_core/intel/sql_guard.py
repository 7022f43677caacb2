"""The gate every generated or repaired SQL passes before it runs: one read-only SELECT over
known tables and known columns.

Why sqlglot and not a regex: a regex cannot tell ``SELECT 'drop table x'`` from ``DROP TABLE
x``, nor a column from an alias. sqlglot parses the text in the engine's dialect, so we refuse by
statement type (DDL, DML, COPY, ATTACH, PRAGMA, SET, SELECT INTO, several statements) and then
resolve every column with its qualifier against the real schemas (CTEs, subqueries and select
aliases included). The same check serves the auto-healer (a fix may only use what exists) and
natural-language queries (an answer may not invent a column).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Sequence

import sqlglot
from sqlglot import exp
from sqlglot.errors import OptimizeError, ParseError, SqlglotError
from sqlglot.optimizer.qualify import qualify

from odibi_core.errors import OdibiError

# statements and clauses that change something or reach outside the tables in scope
_FORBIDDEN: tuple[type[exp.Expression], ...] = tuple(
    t for t in (getattr(exp, n, None) for n in (
        "Insert", "Update", "Delete", "Merge", "Create", "Drop", "Alter", "AlterTable", "TruncateTable",
        "Command", "Pragma", "Set", "Use", "Copy", "Attach", "Detach", "Transaction", "Commit", "Rollback",
        "Into", "Grant", "Revoke", "LoadData", "Install", "Export", "Cache", "Uncache", "Refresh", "Analyze",
        "Describe", "Show", "Summarize"))
    if isinstance(t, type))


class UnsafeSQL(OdibiError):
    """The SQL is refused: it does not parse, is not a single SELECT, or names unknown things."""

    def __init__(self, message: str, *, reason: str) -> None:
        self.reason = reason  # parse | not_select | multiple | forbidden | unknown_table | unknown_column | table_function
        super().__init__(message)


@dataclass
class CheckedSQL:
    """A SELECT that passed :func:`check_select`, with what it reads (names as known)."""

    sql: str
    tables: list[str] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)


def parse_one_statement(sql: str, dialect: str = "duckdb") -> exp.Expression:
    """Parse ``sql``; exactly one statement (a trailing semicolon is fine)."""
    try:
        statements = [s for s in sqlglot.parse(sql, read=dialect) if s is not None]
    except (ParseError, SqlglotError) as exc:
        raise UnsafeSQL(f"the SQL does not parse ({_first_line(exc)})", reason="parse") from exc
    if not statements:
        raise UnsafeSQL("the SQL is empty", reason="parse")
    if len(statements) > 1:
        raise UnsafeSQL(f"only one statement is allowed, found {len(statements)}", reason="multiple")
    return statements[0]


def check_select(sql: str, schemas: Mapping[str, Sequence[str] | Mapping[str, str]], *,
                 dialect: str = "duckdb", check_columns: bool = True) -> CheckedSQL:
    """Refuse anything but one read-only SELECT over ``schemas`` (table -> column names or
    name -> type). Returns what it reads; raises :class:`UnsafeSQL` with a plain reason."""
    tree = parse_one_statement(sql, dialect)
    for node in tree.walk():
        if isinstance(node, _FORBIDDEN):
            raise UnsafeSQL(f"only SELECT is allowed; found {node.key.upper()}", reason="forbidden")
    if not isinstance(tree, exp.Query):
        raise UnsafeSQL(f"only SELECT is allowed; found {tree.key.upper()}", reason="not_select")
    known = {name.lower(): name for name in schemas}
    ctes = {c.alias_or_name.lower() for c in tree.find_all(exp.CTE)}
    used: list[str] = []
    for table in tree.find_all(exp.Table):
        if not isinstance(table.this, exp.Identifier):
            raise UnsafeSQL(f"table functions are not allowed ({table.this.sql(dialect=dialect)[:60]})",
                            reason="table_function")
        if table.args.get("db") or table.args.get("catalog"):
            raise UnsafeSQL(f"only the tables in scope are allowed; '{table.sql(dialect=dialect)}' names a "
                            f"schema or catalog", reason="unknown_table")
        name = table.name.lower()
        if name in ctes:
            continue
        if name not in known:
            raise UnsafeSQL(unknown_table_message(table.name, list(schemas)), reason="unknown_table")
        if known[name] not in used:
            used.append(known[name])
    columns: list[str] = []
    if check_columns:
        columns = _check_columns(tree, schemas, dialect)
    return CheckedSQL(sql=sql.strip().rstrip(";").strip(), tables=used, columns=columns)


def _check_columns(tree: exp.Expression, schemas, dialect: str) -> list[str]:
    mapping = {name: (dict(cols) if isinstance(cols, Mapping) else {c: "UNKNOWN" for c in cols})
               for name, cols in schemas.items()}
    try:
        qualified = qualify(tree.copy(), schema=mapping, dialect=dialect, validate_qualify_columns=True,
                            quote_identifiers=False, identify=False)
    except OptimizeError as exc:
        raise UnsafeSQL(f"unknown column: {_first_line(exc)}", reason="unknown_column") from exc
    except SqlglotError as exc:  # the optimizer may not understand an exotic construct: be strict
        raise UnsafeSQL(f"the SQL could not be checked ({_first_line(exc)})", reason="parse") from exc
    return sorted({c.name for c in qualified.find_all(exp.Column) if c.name})


def unknown_table_message(name: str, known: Sequence[str]) -> str:
    from odibi_core.config.models import suggest

    hint = suggest(name, known)
    return (f"unknown table '{name}'" + (f" (did you mean '{hint}'?)" if hint else "")
            + f"; tables in scope: {', '.join(sorted(known)) or 'none'}")


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]
