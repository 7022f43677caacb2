"""Matching the words of a question to one table's columns and known values.

Scores say how sure a match is, so the parser can prefer the better table and refuse a tie:
3 = the words are the column's own words ("delivery minutes"), 2 = the same words through
synonyms ("delivery time" -> ``delivery_minutes``), 1 = a partial or vague fit ("fee" ->
``delivery_fee``, "amount" -> any money column). Words the table itself stands for ("orders" in
``orders``) may be left over without harm; any other leftover word means "no match".
"""

from __future__ import annotations

from dataclasses import dataclass, field

from odibi_core.intel.query.nl_schema import Column, TableModel
from odibi_core.intel.query.nl_vocabulary import (
    GRAIN_WORDS,
    MONEY_WORDS,
    NEGATIONS,
    STOPWORDS,
    canon,
    normalize,
    singular,
)


@dataclass(frozen=True)
class Word:
    """A question word: as written (singular) and canonical."""

    surface: str
    canon: str


def to_words(tokens: list[str]) -> list[Word]:
    return [Word(singular(t), canon(t)) for t in tokens if t not in STOPWORDS]


@dataclass
class Match:
    column: Column
    score: int
    leftover: list[Word] = field(default_factory=list)  # words absorbed by the table itself


def _split(words: list[Word], absorbable: set[str]) -> tuple[list[Word], list[Word]]:
    return [w for w in words if w.canon not in absorbable], [w for w in words if w.canon in absorbable]


def match_column(words: list[Word], column: Column, absorbable: set[str]) -> Match | None:
    """How well ``words`` name ``column``; None when some word is neither the column's nor the table's."""
    if not words:
        return None
    wanted = {w.canon for w in words}
    have = set(column.content)
    if have and have <= wanted:
        rest = [w for w in words if w.canon not in have]
        if all(w.canon in absorbable for w in rest):
            used = [w for w in words if w.canon in have]
            exact = all(w.surface in column.words for w in used)
            return Match(column, 3 if exact else 2, rest)
    specific, absorbed = _split(words, absorbable)
    if specific and {w.canon for w in specific} <= have:
        return Match(column, 1, absorbed)
    if column.money and specific and all(w.canon in MONEY_WORDS for w in specific):
        return Match(column, 1, absorbed)
    return None


def best_matches(words: list[Word], columns: list[Column], absorbable: set[str]) -> list[Match]:
    """The columns that match best (several when they tie)."""
    found = [m for c in columns if (m := match_column(words, c, absorbable)) is not None]
    if not found:
        return []
    top = max(m.score for m in found)
    return [m for m in found if m.score == top]


@dataclass
class ValueHit:
    start: int  # token span in the question part it was found in
    end: int
    choices: list[tuple[str, str]]  # (column, value as stored)
    negated: bool = False


def find_values(tokens: list[str], table: TableModel) -> list[ValueHit]:
    """Known values of ``table`` spelled out in ``tokens`` (longest first, no overlaps)."""
    candidates: list[tuple[list[str], str, str]] = []
    for col, values in (table.info.values or {}).items():
        if col not in table.columns:
            continue
        for value in values:
            norm = normalize(str(value)).split()
            if norm and not all(w in STOPWORDS for w in norm):
                candidates.append((norm, col, str(value)))
    candidates.sort(key=lambda c: -len(c[0]))
    taken = [False] * len(tokens)
    hits: dict[tuple[int, int], ValueHit] = {}
    for norm, col, value in candidates:
        n = len(norm)
        for i in range(len(tokens) - n + 1):
            span = tokens[i:i + n]
            if [singular(t) for t in span] != [singular(t) for t in norm]:
                continue
            key = (i, i + n)
            if key in hits:
                if (col, value) not in hits[key].choices:
                    hits[key].choices.append((col, value))
                continue
            if any(taken[i:i + n]):
                continue
            for j in range(i, i + n):
                taken[j] = True
            hits[key] = ValueHit(i, i + n, [(col, value)])
    out = sorted(hits.values(), key=lambda h: h.start)
    for hit in out:
        if hit.start > 0 and tokens[hit.start - 1] in NEGATIONS and not taken[hit.start - 1]:
            hit.negated = True
            hit.start -= 1
            taken[hit.start] = True
    return out


def bool_filters(words: list[Word], table: TableModel, used: set[str]) -> list[tuple[str, bool, list[Word]]]:
    """Bool columns named in ``words`` ("converted sessions" -> converted = TRUE), with their words."""
    out = []
    for col in table.columns.values():
        if col.kind != "bool" or col.name in used or not col.content:
            continue
        idx = [i for i, w in enumerate(words) if w.canon in col.content]
        if {words[i].canon for i in idx} == set(col.content):
            negations = [i - 1 for i in idx if i > 0 and words[i - 1].surface in NEGATIONS]
            out.append((col.name, not negations, [words[i] for i in sorted(set(idx) | set(negations))]))
    return out


def grain_of(words: list[Word]) -> str | None:
    """'day', 'hour', ... when the words ask for a time grain ("by day", "per date", "monthly")."""
    grains = {GRAIN_WORDS[w.surface] for w in words if w.surface in GRAIN_WORDS}
    return grains.pop() if len(grains) == 1 else None
