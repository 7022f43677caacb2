"""Nearest-name repair: tables and columns the SQL names but the schemas do not have.

Why resolve scope by scope (sqlglot's scope builder) rather than look each name up in every
table: ``o.amout`` must become a column of the table ``o`` aliases, a name in an outer query may
be a CTE's output column, and a select alias (``count(*) AS n ... ORDER BY n``) or a CTE name is
the author's own invention, never something to "repair". Only a name that no table in its scope
has, and that has a close enough known spelling, is replaced, in place, in the original text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlglot import exp
from sqlglot.errors import SqlglotError
from sqlglot.optimizer.scope import Scope, ScopeType, traverse_scope

from odibi_core.intel.heal.repair_text import (
    Edit,
    Target,
    nearest_names,
    needs_quotes,
    quote_identifier,
    replace_spans,
)

_VALUE_CONTEXT = re.compile(r"(=|<>|!=|<|>|\bLIKE|\bIN\s*\(|\bIN\s*\(.*,)\s*$", re.IGNORECASE)


@dataclass
class BadName:
    """A name that resolves to nothing: where it is in the text and what it could be instead."""

    kind: str  # table | column | qualifier
    name: str
    start: int  # [start, end) in the text, quotes included
    end: int
    quoted: bool
    choices: list[tuple[str, float]] = field(default_factory=list)  # (known name, score), best first


def find_bad_names(tree: exp.Expression, target: Target) -> list[BadName]:
    """Unknown tables, unknown column qualifiers and unknown columns of ``tree`` (parsed from the
    text being healed). Columns of a table that is itself unknown are not judged yet."""
    schemas = {name.lower(): list(cols) for name, cols in target.schemas.items()}
    ctes = {c.alias_or_name.lower(): c.alias_or_name for c in tree.find_all(exp.CTE)}
    table_choices = list(target.schemas) + list(ctes.values())
    bad: list[BadName] = []
    for table in tree.find_all(exp.Table):
        if not isinstance(table.this, exp.Identifier) or table.args.get("db") or table.args.get("catalog"):
            continue  # a table function or a schema-qualified name: the guard refuses those itself
        if table.name.lower() in schemas or table.name.lower() in ctes:
            continue
        _add(bad, "table", table.this, nearest_names(table.name, table_choices))
    try:
        scopes = traverse_scope(tree)
    except (SqlglotError, RecursionError, KeyError, ValueError):
        return bad
    for scope in scopes:
        _judge_scope(scope, schemas, bad)
    return bad


def _judge_scope(scope: Scope, schemas: dict[str, list[str]], bad: list[BadName]) -> None:
    visible: dict[str, tuple[exp.Expression | Scope, list[str] | None]] = {}
    current: Scope | None = scope
    while current is not None:
        for alias, source in current.sources.items():
            visible.setdefault(alias.lower(), (source, _columns_of(source, schemas)))
        current = current.parent if current.scope_type == ScopeType.SUBQUERY else None
    projections = scope.expression.expressions if isinstance(scope.expression, exp.Select) else []
    for column in scope.columns:
        if not isinstance(column.this, exp.Identifier) or _is_lambda_argument(column):
            continue
        qualifier = column.args.get("table")
        if isinstance(qualifier, exp.Identifier):
            _judge_qualified(column, qualifier, visible, bad)
            continue
        if any(cols is None for _, cols in visible.values()):
            continue  # a source whose columns are unknown could hold it
        known = [c for _, cols in visible.values() for c in cols or ()]
        if column.name.lower() in {c.lower() for c in known}:
            continue
        aliases = [p.alias for p in projections if isinstance(p, exp.Alias) and not _inside(column, p)]
        if column.name.lower() in {a.lower() for a in aliases}:
            continue  # a select alias the author defined (ORDER BY n)
        # a misspelt reference to a select alias may mean the alias (the alias itself is never changed)
        choices = aliases if _in_clause_after_select(column) else []
        _add(bad, "column", column.this, nearest_names(column.name, dict.fromkeys(known + choices)))


def _judge_qualified(column: exp.Column, qualifier: exp.Identifier, visible, bad: list[BadName]) -> None:
    entry = visible.get(qualifier.this.lower())
    if entry is None:
        all_columns = {c.lower() for _, cols in visible.values() for c in cols or ()}
        if qualifier.this.lower() in all_columns:
            return  # struct field access (col.field)
        choices = nearest_names(qualifier.this, list(visible))
        if not choices and len(visible) == 1:  # one table in scope: the qualifier can only mean it
            ((alias, (source, _)),) = visible.items()
            choices = [(source.alias_or_name if isinstance(source, exp.Table) else alias, 0.8)]
        for alias, (source, _) in visible.items():  # orders.total written while orders is aliased o
            if isinstance(source, exp.Table) and source.name.lower() == qualifier.this.lower() and alias != source.name.lower():
                choices.insert(0, (source.alias_or_name, 0.95))
        _add(bad, "qualifier", qualifier, choices)
        return
    _, cols = entry
    if cols is None or column.name.lower() in {c.lower() for c in cols}:
        return
    _add(bad, "column", column.this, nearest_names(column.name, cols))


def _columns_of(source, schemas: dict[str, list[str]], depth: int = 0) -> list[str] | None:
    """Output columns of a scope's source, or None when they cannot be known."""
    if depth > 8:
        return None
    if isinstance(source, exp.Table):
        return schemas.get(source.name.lower())
    if not isinstance(source, Scope):
        return None
    expr = source.expression
    if not isinstance(expr, exp.Select):
        names = list(getattr(expr, "named_selects", []) or [])
        return None if not names or "*" in names else names
    out: list[str] = []
    for proj in expr.expressions:
        if isinstance(proj, exp.Star) or (isinstance(proj, exp.Column) and isinstance(proj.this, exp.Star)):
            which = [proj.table.lower()] if isinstance(proj, exp.Column) and proj.table else list(source.sources)
            for alias in which:
                inner = source.sources.get(alias) or next(
                    (s for a, s in source.sources.items() if a.lower() == alias), None)
                cols = _columns_of(inner, schemas, depth + 1)
                if cols is None:
                    return None
                out.extend(cols)
        elif proj.alias_or_name:
            out.append(proj.alias_or_name)
        else:
            return None
    return out


def _in_clause_after_select(column: exp.Column) -> bool:
    """In ORDER BY, GROUP BY, HAVING or QUALIFY, where both engines accept select aliases."""
    parent = column.parent
    while parent is not None and not isinstance(parent, exp.Select):
        if isinstance(parent, (exp.Order, exp.Group, exp.Having, exp.Qualify)):
            return True
        parent = parent.parent
    return False


def _inside(node: exp.Expression, ancestor: exp.Expression) -> bool:
    parent = node.parent
    while parent is not None:
        if parent is ancestor:
            return True
        parent = parent.parent
    return False


def _is_lambda_argument(column: exp.Column) -> bool:
    parent = column.parent
    while parent is not None:
        if isinstance(parent, exp.Lambda) and any(
                isinstance(a, exp.Identifier) and a.this.lower() == column.name.lower() for a in parent.expressions):
            return True
        parent = parent.parent
    return False


def _add(bad: list[BadName], kind: str, ident: exp.Identifier, choices: list[tuple[str, float]]) -> None:
    meta = ident.meta or {}
    if "start" not in meta or "end" not in meta:
        return  # made by sqlglot, not written by the author: nothing to point at
    bad.append(BadName(kind=kind, name=ident.this, start=meta["start"], end=meta["end"] + 1,
                       quoted=bool(ident.args.get("quoted")), choices=choices))


def nearest_name_edits(sql: str, bad: list[BadName], target: Target, reserved: frozenset[str]) -> list[Edit]:
    """Replace every unknown table (and qualifier) with its closest known name, and every unknown
    column likewise; one edit per kind with the best choices, plus one per runner-up."""
    region = target.region(sql)
    if region is None:
        return []
    inside = [b for b in bad if region[0] <= b.start and b.end <= region[1]]
    edits: list[Edit] = []
    for strategy, kinds in (("nearest_table", ("table", "qualifier")), ("nearest_column", ("column",))):
        groups: dict[tuple[str, str], list[BadName]] = {}
        for b in inside:
            if b.kind in kinds and b.choices:
                groups.setdefault((b.kind, b.name.lower()), []).append(b)
        if not groups:
            continue
        picks = {key: 0 for key in groups}
        edits.append(_name_edit(sql, groups, picks, strategy, target, reserved))
        for key, members in groups.items():
            for alt in range(1, len(members[0].choices)):
                edits.append(_name_edit(sql, groups, {**picks, key: alt}, strategy, target, reserved))
    edits.extend(_string_literal_edits(sql, inside, target))
    return edits


def _name_edit(sql: str, groups, picks, strategy: str, target: Target, reserved: frozenset[str]) -> Edit:
    spans, notes, cost = [], [], 0.0
    for key, members in groups.items():
        choice, score = members[0].choices[picks[key]]
        for b in members:
            text = quote_identifier(choice, target.dialect) if b.quoted or needs_quotes(choice, reserved) else choice
            spans.append((b.start, b.end, text))
        what = "table" if key[0] == "table" else ("qualifier" if key[0] == "qualifier" else "column")
        notes.append(f"unknown {what} '{members[0].name}' -> '{choice}'")
        cost += (1.0 - score) * 3.0 + 0.05
    return Edit(sql=replace_spans(sql, spans), strategy=strategy, explanation="; ".join(notes), cost=cost)


def _string_literal_edits(sql: str, bad: list[BadName], target: Target) -> list[Edit]:
    """``status = "delivered"``: Spark reads double quotes as a string, DuckDB as a column. On
    DuckDB an unknown double-quoted name compared with something is the author's string."""
    if target.dialect == "spark":
        return []
    spans = [(b.start, b.end, "'" + b.name.replace("'", "''") + "'") for b in bad
             if b.kind == "column" and b.quoted and sql[b.start] == '"' and _VALUE_CONTEXT.search(sql[:b.start])]
    if not spans:
        return []
    names = ", ".join(sql[s:e] for s, e, _ in spans)
    return [Edit(sql=replace_spans(sql, spans), strategy="transpile", cost=0.25 * len(spans),
                 explanation=f"{names}: a Spark string in double quotes; DuckDB strings take single quotes")]
