"""Is a failure a SQL problem, and which kind? Read from the engine's own words.

Why from the message and not from the exception type: the runner wraps engine exceptions in
its own errors (a node failure carries text, not the DuckDB or Spark class), and the text is what
the story and the heal log keep. Both engines say plainly what went wrong: DuckDB prefixes its
messages with the error family ("Parser Error:", "Binder Error:", "Catalog Error:"...), Spark 4
with an error class in brackets ("[UNRESOLVED_COLUMN.WITH_SUGGESTION]"). Anything else (a missing
file, a refused connection, a failed validation) is not a SQL problem and is never healed.
"""

from __future__ import annotations

import re

PARSE = "parse"
UNKNOWN_COLUMN = "unknown_column"
UNKNOWN_TABLE = "unknown_table"
TYPE = "type"
DIALECT = "dialect"

# Functions whose signature differs between Spark and DuckDB: "no function matches" on one of
# them means SQL written for the other engine (datediff(end, start) vs datediff(unit, start, end)),
# not a value of the wrong type.
DIALECT_SENSITIVE_FUNCTIONS = frozenset({
    "datediff", "date_diff", "date_add", "date_sub", "dateadd", "date_format", "to_date",
    "to_timestamp", "trunc", "date_trunc", "instr", "split", "split_part", "concat_ws", "substring_index",
    "regexp_extract", "regexp_replace", "from_unixtime", "unix_timestamp", "last_day", "months_between",
    "strftime", "strptime", "array_contains", "element_at", "size", "len", "length", "timestampdiff",
})

# Spark 4 error classes (the part before the first dot) -> kind
_SPARK_CLASSES: dict[str, str] = {
    "PARSE_SYNTAX_ERROR": PARSE, "PARSE_EMPTY_STATEMENT": PARSE, "INVALID_IDENTIFIER": PARSE,
    "UNCLOSED_BRACKETED_COMMENT": PARSE, "INVALID_SQL_SYNTAX": PARSE,
    "UNRESOLVED_COLUMN": UNKNOWN_COLUMN, "UNRESOLVED_FIELD": UNKNOWN_COLUMN, "AMBIGUOUS_REFERENCE": UNKNOWN_COLUMN,
    "MISSING_AGGREGATION": UNKNOWN_COLUMN, "MISSING_GROUP_BY": PARSE,
    "TABLE_OR_VIEW_NOT_FOUND": UNKNOWN_TABLE,
    "DATATYPE_MISMATCH": TYPE, "CAST_INVALID_INPUT": TYPE, "CAST_OVERFLOW": TYPE, "DIVIDE_BY_ZERO": TYPE,
    "INCOMPATIBLE_COLUMN_TYPE": TYPE, "CANNOT_PARSE_TIMESTAMP": TYPE, "INVALID_FORMAT": TYPE,
    "UNRESOLVED_ROUTINE": DIALECT, "WRONG_NUM_ARGS": DIALECT, "INVALID_PARAMETER_VALUE": DIALECT,
}
_SPARK_CLASS = re.compile(r"\[([A-Z][A-Z0-9_]+)(?:\.[A-Z0-9_.]+)?\]")

# DuckDB (and a few generic) phrasings, tried in order; the first that matches decides
_DUCKDB_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(p, re.IGNORECASE), k) for p, k in (
    (r"\b(Scalar|Aggregate|Table|Window|Pragma)? ?Function with name \S+ does not exist", DIALECT),
    (r"Catalog Error: Table with name \S+ does not exist", UNKNOWN_TABLE),
    (r"Binder Error: Referenced table \"[^\"]+\" not found", UNKNOWN_TABLE),
    (r"Referenced column \"[^\"]+\" not found", UNKNOWN_COLUMN),
    (r"does not have a column named \"[^\"]+\"", UNKNOWN_COLUMN),
    (r"column \"[^\"]+\" must appear in the GROUP BY clause", UNKNOWN_COLUMN),
    (r"Ambiguous reference to column name", UNKNOWN_COLUMN),
    (r"No function matches the given name and argument types", TYPE),  # refined below
    ((r"Conversion Error|Mismatch Type Error|Cannot compare values of type|Could not convert"
      r"|Invalid Input Error: Could not|cannot be cast|Out of Range Error"), TYPE),
    (r"Parser Error|syntax error at or near|syntax error at end of input|ParseException", PARSE),
    (r"Table or view not found", UNKNOWN_TABLE),  # Spark 3 wording
    (r"cannot resolve '[^']+' given input columns", UNKNOWN_COLUMN),  # Spark 3 wording
))
_NO_FUNCTION_MATCHES = re.compile(r"No function matches the given name and argument types '([A-Za-z_][\w]*)\(",
                                  re.IGNORECASE)

# what the offending identifier looks like in each phrasing (the first group is the name)
_NAME_PATTERNS: tuple[re.Pattern[str], ...] = tuple(re.compile(p, re.IGNORECASE) for p in (
    r"Referenced column \"([^\"]+)\" not found",
    r"does not have a column named \"([^\"]+)\"",
    r"Table with name ([^\s!]+) does not exist",
    r"Referenced table \"([^\"]+)\" not found",
    r"Function with name ([^\s!]+) does not exist",
    r"No function matches the given name and argument types '([A-Za-z_]\w*)\(",
    r"syntax error at or near \"([^\"]+)\"",
    r"\[UNRESOLVED_(?:COLUMN|FIELD)[A-Z_.]*\] A (?:column|field)[^`]*?with name ((?:`[^`]*`\.?)+)",
    r"\[TABLE_OR_VIEW_NOT_FOUND\] The table or view ((?:`[^`]*`\.?)+)",
    r"\[UNRESOLVED_ROUTINE\] Cannot resolve routine ((?:`[^`]*`\.?)+)",
    r"\[WRONG_NUM_ARGS[A-Z_.]*\] The ((?:`[^`]*`\.?)+)",
    r"\[INVALID_PARAMETER_VALUE[A-Z_.]*\][^`]*?`[^`]*` in ((?:`[^`]*`\.?)+)",
    r"\[PARSE_SYNTAX_ERROR\] Syntax error at or near '([^']+)'",
    r"cannot resolve '`?([^'`]+)`?' given input columns",
    r"Table or view not found: ([\w.`]+)",
))
_MISSING_FUNCTION = tuple(re.compile(p, re.IGNORECASE) for p in (
    r"Function with name ([^\s!]+) does not exist",
    r"\[UNRESOLVED_ROUTINE\] Cannot resolve routine ((?:`[^`]*`\.?)+)",
))


def classify_error(message: str) -> str | None:
    """The kind of SQL problem ``message`` reports: "parse", "unknown_column", "unknown_table",
    "type" or "dialect"; None when it is not a SQL problem (missing file, connection, validation)."""
    if not message:
        return None
    for match in _SPARK_CLASS.finditer(message):
        kind = _SPARK_CLASSES.get(match.group(1))
        if kind is not None:
            return kind
    for pattern, kind in _DUCKDB_RULES:
        if pattern.search(message):
            if kind == TYPE and (m := _NO_FUNCTION_MATCHES.search(message)):
                return DIALECT if m.group(1).lower() in DIALECT_SENSITIVE_FUNCTIONS else TYPE
            return kind
    return None


def unknown_names(message: str) -> list[str]:
    """The identifiers ``message`` blames (an unknown column, table or function, the token a parse
    failed at), without quotes or qualifiers, in the order they appear; [] when it names none."""
    found: list[tuple[int, str]] = []
    for pattern in _NAME_PATTERNS:
        for m in pattern.finditer(message or ""):
            name = _last_part(m.group(1))
            if name and not name.startswith("__") and not any(name == n for _, n in found):
                found.append((m.start(), name))
    return [name for _, name in sorted(found)]


def unknown_function(message: str) -> str | None:
    """The function an engine says does not exist ("Scalar Function with name nvl does not exist",
    "[UNRESOLVED_ROUTINE] Cannot resolve routine `strftime`"), lower case; None otherwise."""
    for pattern in _MISSING_FUNCTION:
        m = pattern.search(message or "")
        if m and not _last_part(m.group(1)).startswith("__"):  # DuckDB's internal operators
            return _last_part(m.group(1)).lower()
    return None


def _last_part(text: str) -> str:
    """`spark_catalog`.`default`.`orders` -> orders; "o.amout" stays the column's own name."""
    text = text.strip()
    if "`" in text:
        parts = re.findall(r"`([^`]*)`", text)
        return parts[-1] if parts else text.strip("`")
    return text.strip("\"'")
