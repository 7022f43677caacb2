"""Helpers shared by the built-in transformers: column and table look-ups, literals, ORDER BY.

Built-ins are written once as SQL for every engine, so they never look inside a frame: column
names come from ``ctx.columns()`` and every identifier goes through ``ctx.q``. A name that is not
there is reported before any SQL runs, naming the transformer, the param and the closest match,
because an engine's own "column not found" error does not say which param was wrong.
"""

from __future__ import annotations

import re
from typing import Any, Iterable

from odibi_core.config.models.base import suggest
from odibi_core.engines.sql_literals import sql_literal
from odibi_core.errors import OdibiError
from odibi_core.transformers.context import TransformContext


class TransformError(OdibiError):
    """A built-in transformer's params do not fit the data (unknown column, unknown table...)."""


def _find(name: str, available: list[str]) -> str | None:
    """Exact match first, then a unique case-insensitive one (DuckDB and Spark both ignore case)."""
    if name in available:
        return name
    folded = [c for c in available if c.lower() == name.lower()]
    return folded[0] if len(folded) == 1 else None


def resolve_columns(ctx: TransformContext, names: Iterable[str], *, transformer: str, param: str,
                    available: list[str] | None = None, what: str = "the current frame") -> list[str]:
    """The actual column names for ``names``; one error listing every unknown name otherwise."""
    available = ctx.columns() if available is None else available
    found, missing = [], []
    for name in names:
        actual = _find(name, available)
        (found if actual is not None else missing).append(actual if actual is not None else name)
    if missing:
        parts = []
        lower = {c.lower(): c for c in available}
        for name in missing:
            close = lower.get(suggest(name.lower(), lower) or "")
            parts.append(f"'{name}'" + (f" (did you mean '{close}'?)" if close else ""))
        noun = "column" if len(missing) == 1 else "columns"
        raise TransformError(
            f"{transformer}: {noun} {', '.join(parts)} in params.{param} not found in {what}, which has "
            f"{', '.join(available) or 'no columns'}. Fix the name in the node's params, or add the column "
            f"in an earlier step.")
    return found


def resolve_column(ctx: TransformContext, name: str, **kwargs: Any) -> str:
    return resolve_columns(ctx, [name], **kwargs)[0]


def require_table(ctx: TransformContext, name: str, *, transformer: str, param: str) -> Any:
    """The dependency frame called ``name`` (a ``depends_on`` node or an ``inputs`` alias)."""
    if name in ctx.tables and ctx.tables[name] is not None:
        return ctx.tables[name]
    known = sorted(ctx.tables)
    close = suggest(name, known)
    hint = f"did you mean '{close}'?" if close else f"known tables: {', '.join(known) or 'none'}"
    raise TransformError(
        f"{transformer}: params.{param} names table '{name}', which is not a dependency of node "
        f"'{ctx.node}' ({hint}). Add it to the node's depends_on or inputs.")


def lit(ctx: TransformContext, value: Any) -> str:
    """A SQL literal for ``value`` in the engine's dialect."""
    return sql_literal(value, ctx.engine.sql_dialect)


def split_top_level(text: str, sep: str = ",") -> list[str]:
    """Split at ``sep`` outside parentheses and quotes: "COALESCE(a, b) DESC, id" -> 2 items."""
    items, depth, quote, start = [], 0, "", 0
    for i, ch in enumerate(text):
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "'\"`":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == sep and depth == 0:
            items.append(text[start:i].strip())
            start = i + 1
    items.append(text[start:].strip())
    return [item for item in items if item]


_ORDER_ITEM = re.compile(r"^(?P<expr>.+?)(?:\s+(?P<dir>ASC|DESC))?(?:\s+NULLS\s+(?P<nulls>FIRST|LAST))?$",
                         re.IGNORECASE | re.DOTALL)
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def order_by_sql(ctx: TransformContext, order_by: str | list[str], *, transformer: str,
                 param: str = "order_by") -> str:
    """An ORDER BY list from "updated_at DESC, id" or ["updated_at DESC", "id"].

    A bare column name is checked and quoted; any other expression is passed through as written.
    NULLs sort last unless the item says otherwise: DuckDB and Spark disagree on the default
    for ascending order, and the kept row must not depend on the engine.
    """
    raw = split_top_level(order_by) if isinstance(order_by, str) else [s.strip() for s in order_by]
    out = []
    for item in raw:
        m = _ORDER_ITEM.match(item)
        expr, direction, nulls = m.group("expr").strip(), (m.group("dir") or "ASC").upper(), m.group("nulls")
        if _IDENT.match(expr):
            expr = ctx.q(resolve_column(ctx, expr, transformer=transformer, param=param))
        out.append(f"{expr} {direction} NULLS {(nulls or 'LAST').upper()}")
    if not out:
        raise TransformError(f"{transformer}: params.{param} is empty; name at least one column to order by.")
    return ", ".join(out)


def select_list(ctx: TransformContext, columns: Iterable[str], alias: str | None = None) -> str:
    """``"a", "b"`` (or ``l."a", l."b"``): an explicit column list, never ``*`` with exclusions."""
    prefix = f"{alias}." if alias else ""
    return ", ".join(prefix + ctx.q(c) for c in columns)
