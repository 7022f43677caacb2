"""Quoting repair: names that exist only when quoted, and quotes of the wrong engine.

Why search the text for schema names rather than read the parse: an unquoted ``order date`` or
``delivery-zone`` does not fail as a name, it parses as something else (``order AS date``,
``delivery - zone``) or not at all. Knowing the schema has a column spelt exactly that way is
what tells the two apart, so every unquoted occurrence of such a name (outside strings, comments
and quoted names) is quoted in the dialect's style: ``"x"`` for DuckDB, `` `x` `` for Spark.
Spark's backticks on DuckDB become double quotes in place, keeping the author's layout.
"""

from __future__ import annotations

import re

from odibi_core.intel.heal.repair_text import (
    Edit,
    Target,
    needs_quotes,
    quote_identifier,
    replace_spans,
)

_FOLLOWED_BY_BY = re.compile(r"\s+BY\b", re.IGNORECASE)


def protected_spans(sql: str) -> list[tuple[int, int, str]]:
    """[start, end) of strings, quoted names and comments, with their kind ("'", '"', '`', '-')."""
    spans: list[tuple[int, int, str]] = []
    i, n = 0, len(sql)
    while i < n:
        ch = sql[i]
        if ch in "'\"`":
            j = i + 1
            while j < n:
                if sql[j] == ch:
                    if j + 1 < n and sql[j + 1] == ch:  # doubled quote inside
                        j += 2
                        continue
                    break
                if ch == "'" and sql[j] == "\\":
                    j += 1
                j += 1
            spans.append((i, min(j + 1, n), ch))
            i = j + 1
        elif sql.startswith("--", i):
            j = sql.find("\n", i)
            j = n if j < 0 else j
            spans.append((i, j, "-"))
            i = j
        elif sql.startswith("/*", i):
            j = sql.find("*/", i + 2)
            j = n if j < 0 else j + 2
            spans.append((i, j, "-"))
            i = j
        else:
            i += 1
    return spans


def unquoted_odd_names(sql: str, target: Target, reserved: frozenset[str]) -> list[tuple[int, int, str]]:
    """Occurrences of schema names with spaces, dashes or a leading digit written without quotes,
    as (start, end, name). Reserved-word names are left to :func:`quote_edits` (``order`` is
    also a keyword, so an occurrence alone proves nothing)."""
    return [hit for hit in _occurrences(sql, target, reserved) if not _is_reserved_word(hit[2], reserved)]


def quote_edits(sql: str, target: Target, reserved: frozenset[str]) -> list[Edit]:
    """Quote every unquoted occurrence of a schema name that needs quotes; when some are reserved
    words, also try each occurrence of those on its own (the parse decides which was a name)."""
    region = target.region(sql)
    if region is None:
        return []
    hits = [h for h in _occurrences(sql, target, reserved) if region[0] <= h[0] and h[1] <= region[1]]
    edits: list[Edit] = []
    if hits:
        spans = [(s, e, quote_identifier(name, target.dialect)) for s, e, name in hits]
        names = ", ".join(sorted({name for _, _, name in hits}))
        edits.append(Edit(sql=replace_spans(sql, spans), strategy="quote", cost=0.2,
                          explanation=f"quoted {names}: the name only works quoted in {target.dialect}"))
        if any(_is_reserved_word(name, reserved) for _, _, name in hits) and len(hits) > 1:
            for s, e, name in hits:
                edits.append(Edit(sql=replace_spans(sql, [(s, e, quote_identifier(name, target.dialect))]),
                                  strategy="quote", cost=0.3,
                                  explanation=f"quoted {name}: a reserved word used as a name"))
    edits.extend(_backtick_edits(sql, target, region))
    return edits


def backtick_spans(sql: str, target: Target) -> list[tuple[int, int, str]]:
    """Spark-style `name` quotes in a DuckDB text."""
    if target.dialect == "spark":
        return []
    return [(s, e, '"' + sql[s + 1:e - 1].replace('"', '""') + '"') for s, e, kind in protected_spans(sql)
            if kind == "`" and e - s >= 2]


def _backtick_edits(sql: str, target: Target, region: tuple[int, int]) -> list[Edit]:
    spans = [s for s in backtick_spans(sql, target) if region[0] <= s[0] and s[1] <= region[1]]
    if not spans:
        return []
    return [Edit(sql=replace_spans(sql, spans), strategy="transpile", cost=0.2,
                 explanation="`backticks` are Spark's quotes; DuckDB quotes names with double quotes")]


def _occurrences(sql: str, target: Target, reserved: frozenset[str]) -> list[tuple[int, int, str]]:
    protected = protected_spans(sql)
    names = {n for cols in target.schemas.values() for n in cols} | set(target.schemas)
    odd = sorted((n for n in names if needs_quotes(n, reserved)), key=len, reverse=True)
    taken: list[tuple[int, int, str]] = []
    for name in odd:
        parts = [re.escape(p) for p in re.split(r"\s+", name.strip())]
        pattern = re.compile(r"(?<![\w\"`'$])" + r"\s+".join(parts) + r"(?![\w\"`'$])", re.IGNORECASE)
        for m in pattern.finditer(sql):
            s, e = m.span()
            if any(ps <= s < pe for ps, pe, _ in protected) or any(ts < e and s < te for ts, te, _ in taken):
                continue
            if _is_reserved_word(name, reserved) and _FOLLOWED_BY_BY.match(sql, e):
                continue  # ORDER BY / GROUP BY: the keyword, not the column
            taken.append((s, e, name))
    return sorted(taken)


def _is_reserved_word(name: str, reserved: frozenset[str]) -> bool:
    return name.lower() in reserved
