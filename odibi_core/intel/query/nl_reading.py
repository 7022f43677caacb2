"""Reading a question against one table: which words are values (filters), which are the
"by X" dimensions, which is the measure, and which time column a window applies to.

Why per table: a word means something only in a table that has it ("London" is a value of
``city`` in ``orders``; "delivered" is a status there but part of ``delivered_orders`` in a gold
table). Each table either places every word or reports the words it cannot place, so the parser
can say "no table has 'rating'" instead of guessing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from odibi_core.intel.query.nl_match import (
    Match,
    Word,
    best_matches,
    bool_filters,
    find_values,
    grain_of,
    to_words,
)
from odibi_core.intel.query.nl_schema import Column, TableModel
from odibi_core.intel.query.nl_sql import Item, lit, q, time_expr
from odibi_core.intel.query.nl_vocabulary import GRAIN_WORDS, NEGATIONS, canon

SOFT_DISTINCT = frozenset({"active"})  # "active drivers": the distinct drivers seen in the rows


class Refuse(Exception):
    """This table cannot answer: words it cannot place, a plain reason, or a choice to make."""

    def __init__(self, *, unplaced: list[str] | None = None, reason: str | None = None,
                 ambiguous: list[str] | None = None) -> None:
        self.unplaced = unplaced or []
        self.reason = reason
        self.ambiguous = ambiguous or []
        super().__init__(reason or ", ".join(self.unplaced or self.ambiguous))


@dataclass
class Dim:
    item: Item
    group: str  # the GROUP BY expression
    key: str  # the column itself, or "<grain>:<column>" for a cut of a time column
    score: int
    words: set[str]


@dataclass
class Measure:
    column: Column | None  # None: rows are counted or listed
    score: int
    rest: list[Word] = field(default_factory=list)  # words the column did not use
    entity: bool = False  # a non-numeric column: counted distinct ("how many drivers") or listed
    distinct: bool = False  # "active drivers" where no column says "active": drivers seen, counted once


@dataclass
class Filters:
    where: list[str] = field(default_factory=list)
    said: list[str] = field(default_factory=list)
    columns: set[str] = field(default_factory=set)


def take_values(tokens: list[str] | None, table: TableModel, filters: Filters, mentioned: set[str]) -> list[str]:
    """``tokens`` without the known values they name; each value becomes a filter."""
    if not tokens:
        return []
    hits = find_values(tokens, table)
    keep = [True] * len(tokens)
    for hit in hits:
        choices = hit.choices
        if len(choices) > 1:
            named = [c for c in choices if set(table.columns[c[0]].content) & mentioned]
            if len(named) != 1:
                raise Refuse(ambiguous=[f"{c}{' = ' + lit(v)}" for c, v in choices],
                             reason=f"'{' '.join(tokens[hit.start:hit.end])}' is a value of several columns of "
                                    f"{table.name}")
            choices = named
        col, value = choices[0]
        op = "<>" if hit.negated else "="
        filters.where.append(f"{q(col)} {op} {lit(value)}")
        filters.said.append(f"{col} {op} {lit(value)}")
        filters.columns.add(col)
        for i in range(hit.start, hit.end):
            keep[i] = False
        _drop_column_words(tokens, keep, hit.start, table.columns[col].content)
    return [t for t, k in zip(tokens, keep, strict=True) if k]


def _drop_column_words(tokens: list[str], keep: list[bool], start: int, content: list[str]) -> None:
    """"status cancelled", "with destination = Lagos": the column named just before its value
    belongs to the filter, not to the measure."""
    i = start - 1
    while i >= 0 and tokens[i] in ("is", "=", "of", "equal", "equals", "to"):
        i -= 1
    marked = []
    while i >= 0 and keep[i] and canon(tokens[i]) in content:
        marked.append(i)
        i -= 1
    if {canon(tokens[j]) for j in marked} == set(content):
        for j in range(marked[-1], start):
            keep[j] = False


def absorbable(table: TableModel, negations: bool = True) -> set[str]:
    """Words a table may leave over: its own name, its time and flag columns' words (and "not",
    placed later with the flag it negates)."""
    words = set(table.words) | {table.noun}
    for col in table.columns.values():
        if col.kind in ("time", "bool"):
            words |= set(col.content)
    return words | NEGATIONS if negations else words


def time_hint(words: list[Word], table: TableModel) -> str | None:
    """A time column the question names ("sessions that ended ...", "orders placed ...")."""
    said = {w.canon for w in words}
    named = [c for c in table.times if table.columns[c].content and set(table.columns[c].content) <= said]
    return named[0] if len(named) == 1 else None


def time_column(table: TableModel, hint: str | None, why: str) -> str:
    col = hint or table.default_time()
    if col is None:
        raise Refuse(reason=f"{table.name} has no date or time column for {why}")
    return col


def resolve_dims(tokens: list[str], table: TableModel, hint: str | None) -> list[Dim] | None:
    """The dimension(s) a "by X" phrase names; None when it names the table's own rows ("per order")."""
    words = to_words(tokens)
    if not words:
        return []
    grain = grain_of(words)
    if grain is not None:
        others = [w for w in words if w.surface not in GRAIN_WORDS]
        col = time_hint(others, table) if others else None
        if others and col is None:
            raise Refuse(unplaced=[w.surface for w in others])
        return [grain_dim(table, grain, col or time_column(table, hint, f"'by {grain}'"))]
    candidates = [c for c in table.columns.values() if c.kind in ("string", "bool", "time") or c.is_id]
    found = best_matches(words, candidates, set(table.words) | {table.noun})
    if len(found) > 1:
        raise Refuse(ambiguous=[m.column.name for m in found],
                     reason=f"'{' '.join(tokens)}' could be several columns of {table.name}")
    if found:
        m = found[0]
        if m.column.is_id and m.column.content == [table.noun] and not table.aggregated:
            return None  # "per order" on orders: one row per order already
        return [column_dim(m.column, m.score)]
    if all(w.canon in table.words or w.canon == table.noun for w in words):
        return None
    for k in range(1, len(tokens)):  # "by city status": two dimensions without "and"
        try:
            left, right = resolve_dims(tokens[:k], table, hint), resolve_dims(tokens[k:], table, hint)
        except Refuse:
            continue
        if left and right:
            return left + right
    raise Refuse(unplaced=_unknown(words, table))


def column_dim(col: Column, score: int) -> Dim:
    return Dim(Item(q(col.name), col.name, "dim", time=col.kind == "time"), q(col.name), col.name, score,
               set(col.content))


def grain_dim(table: TableModel, grain: str, column: str) -> Dim:
    direct = next((c for c in table.times if c.lower() == grain and table.columns[c].kind == "time"), None)
    if direct is not None:
        column = direct
        expr, name = q(direct), direct
    else:
        expr, name = time_expr(column, grain, table.columns[column].logical)
    key = column if name == column else f"{grain}:{column}"
    return Dim(Item(expr, name, "dim", time=True), expr, key, 3, {grain, "day" if grain == "day" else grain})


def resolve_measure(words: list[Word], table: TableModel) -> Measure:
    """The measure column the words name, or rows (None) when they only name the table."""
    absorb = absorbable(table)
    measures = [c for c in table.columns.values() if c.is_measure]
    found = best_matches(words, measures, absorb)
    soft = [w for w in words if w.canon in SOFT_DISTINCT]
    if not found and soft and not any(w.canon in c.content for c in table.columns.values() for w in soft):
        rest = [w for w in words if w not in soft]
        if rest:
            inner = resolve_measure(rest, table)
            if inner.entity:
                inner.distinct = True
                return inner
    if len(found) > 1:
        raise Refuse(ambiguous=[m.column.name for m in found],
                     reason=f"'{' '.join(w.surface for w in words)}' fits several columns of {table.name}")
    own_rows = not table.aggregated and table.noun_surface in {w.surface for w in words} \
        and all(w.surface == table.noun_surface or (w.canon in absorb and w.canon != table.noun) for w in words)
    if found and (found[0].score == 3 or not own_rows):
        return Measure(found[0].column, found[0].score, found[0].leftover)
    if own_rows:  # "how many sales" on sales: its rows, not a column that "sale" is a synonym of
        return Measure(None, 3, words)
    canons = {w.canon for w in words}
    strict = [w for w in words if w.canon not in absorb or (w.canon in table.words and w.canon != table.noun)]
    if table.noun in canons and all(w.canon in absorb for w in words):
        return Measure(None, 3, words)
    if not strict:
        return Measure(None, 1, words)
    others = [c for c in table.columns.values() if not c.is_measure and c.kind in ("string", "number", "bool")]
    entity = best_matches(words, others, absorb)
    if len(entity) > 1:
        entity = _prefer_row_key(entity)
    if len(entity) > 1:
        raise Refuse(ambiguous=[m.column.name for m in entity],
                     reason=f"'{' '.join(w.surface for w in words)}' fits several columns of {table.name}")
    if entity:
        return Measure(entity[0].column, entity[0].score, entity[0].leftover, entity=True)
    if all(w.canon in absorb for w in words):
        return Measure(None, 1, words)
    raise Refuse(unplaced=_unknown(words, table))


def _prefer_row_key(found: list[Match]) -> list[Match]:
    """Of several equal fits, the one id column ("customers": customer_id over customer_name)."""
    keys = [m for m in found if m.column.is_id]
    return keys if len(keys) == 1 else found


def leftover_filters(rest: list[Word], table: TableModel, filters: Filters) -> list[Word]:
    """Flags named among the leftover words become filters; returns words still unplaced."""
    remaining = list(rest)
    for col, truth, used in bool_filters(remaining, table, filters.columns):
        filters.where.append(f"{q(col)} = {'TRUE' if truth else 'FALSE'}")
        filters.said.append(f"{col} is {'true' if truth else 'false'}")
        filters.columns.add(col)
        remaining = [w for w in remaining if w not in used]
    absorb = absorbable(table, negations=False)
    return [w for w in remaining if w.canon not in absorb]


def _unknown(words: list[Word], table: TableModel) -> list[str]:
    known: set[str] = set(table.words) | {table.noun}
    for col in table.columns.values():
        known |= set(col.content)
    return [w.surface for w in words if w.canon not in known] or [w.surface for w in words]
