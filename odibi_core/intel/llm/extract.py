"""Pull the SQL (or a refusal) out of a model's free-text answer.

Models wrap SQL in Markdown fences, add a sentence before or after, end with a semicolon, or get
cut off by ``max_tokens`` before closing the fence. This module only finds the text; whether it
is acceptable SQL is decided by :mod:`odibi_core.intel.sql_guard` and the caller's dry run, and
nothing found here is ever executed as anything but SQL.
"""

from __future__ import annotations

import re

# an opening fence: ``` or ~~~ with an optional language tag, alone on its line
_FENCE = re.compile(r"^[ \t]*(```|~~~)[ \t]*([A-Za-z0-9_+-]*)[^\n]*\n", re.MULTILINE)
_REFUSAL = re.compile(r"^[ \t>*_`]*CANNOT[_ ]ANSWER\b[*_`]*[ \t]*[:\-]?[ \t]*(.*)$", re.MULTILINE | re.IGNORECASE)
_SQL_TAGS = {"sql", "duckdb", "sparksql", "spark", "postgresql", "postgres", "mysql", "tsql", "sqlite"}
_NOTE_CHARS = 200


def _blocks(text: str) -> list[tuple[str, str, int, int]]:
    """Fenced blocks as (language tag, body, start, end); an unclosed last fence runs to the end."""
    blocks: list[tuple[str, str, int, int]] = []
    pos = 0
    while True:
        opening = _FENCE.search(text, pos)
        if opening is None:
            return blocks
        marker, tag = opening.group(1), opening.group(2).lower()
        closing = re.compile(rf"^[ \t]*{re.escape(marker)}[ \t]*$", re.MULTILINE).search(text, opening.end())
        end = closing.start() if closing else len(text)
        blocks.append((tag, text[opening.end():end], opening.start(), closing.end() if closing else len(text)))
        pos = closing.end() if closing else len(text)


def _clean(sql: str) -> str:
    sql = sql.strip()
    while sql.endswith(";"):
        sql = sql[:-1].rstrip()
    return sql


def extract_sql(text: str) -> str:
    """The first ```sql block, else the first fenced block of any kind, else the whole text;
    stripped, without trailing semicolons. ``""`` when there is nothing."""
    if not text:
        return ""
    blocks = _blocks(text)
    for tag, body, _, _ in blocks:
        if tag in _SQL_TAGS:
            return _clean(body)
    if blocks:
        return _clean(blocks[0][1])
    inline = re.fullmatch(r"\s*`([^`]+)`\s*", text)  # a lone `inline code` answer
    return _clean(inline.group(1) if inline else text)


def extract_refusal(text: str) -> str | None:
    """The model's reason when a line starts with ``CANNOT_ANSWER`` (as the prompt asks), else None.
    The reason is one line, at most 300 characters; ``"no reason given"`` when empty."""
    if not text:
        return None
    match = _REFUSAL.search(text)
    if match is None:
        return None
    reason = match.group(1).strip().strip("*_`").strip()
    return reason[:300] or "no reason given"


def extract_note(text: str) -> str:
    """The prose outside the fenced blocks, on one line and capped (the model's explanation)."""
    if not text:
        return ""
    pieces, pos = [], 0
    blocks = _blocks(text)
    if not blocks:
        return ""  # the whole answer was the SQL
    for _, _, start, end in blocks:
        pieces.append(text[pos:start])
        pos = end
    pieces.append(text[pos:])
    note = " ".join(" ".join(pieces).split())
    return note if len(note) <= _NOTE_CHARS else note[:_NOTE_CHARS - 1].rstrip() + "…"
