"""A short, actionable hint for the most common node failures (shown in the story and CLI)."""

from __future__ import annotations

import re

from odibi_core.errors import ValidationFailure

_RULES: list[tuple[re.Pattern, str]] = [
    (re.compile(r"Referenced column \"?(\w+)\"? not found|column \"?(\w+)\"? (does not exist|not found)"
                r"|UNRESOLVED_COLUMN|cannot be resolved", re.I),
     "check the column name against the node's input schema in the story (schema in)"),
    (re.compile(r"Table with name (\w+) does not exist|table (\w+) does not exist|TABLE_OR_VIEW_NOT_FOUND", re.I),
     "in SQL steps the current frame is `df` and dependencies are tables by node name (or input alias)"),
    (re.compile(r"Parser Error|syntax error|PARSE_SYNTAX_ERROR", re.I),
     "the SQL does not parse: check commas, quotes and keywords near the position shown"),
    (re.compile(r"Conversion Error|Could not convert|invalid input syntax", re.I),
     "a value does not fit the target type: cast explicitly or clean the column first"),
    (re.compile(r"No such file|not found|does not exist", re.I),
     "check the path against the connection's base_path; globs like 'orders/*.csv' are allowed"),
    (re.compile(r"Connection refused|timed out|Max retries", re.I),
     "the source did not answer: check the connection (`odibi` health) and retry settings"),
]


def suggestion_for(exc: BaseException, node, phase: str) -> str | None:
    if isinstance(exc, ValidationFailure):
        return "fix the data or relax the test (on_fail: warn) in the node's validation block"
    text = str(exc)
    for pattern, hint in _RULES:
        if pattern.search(text):
            return hint
    if phase.startswith("transformer"):
        return f"check the params of transformer '{node.transformer}' (`odibi list transformers`)"
    return None
