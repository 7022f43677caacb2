"""Dialect repair: SQL written for the other engine (Spark SQL on DuckDB, DuckDB SQL on Spark).

Why sqlglot transpiling first: the differences are rarely a plain rename. Spark's
``datediff(end, start)`` is DuckDB's ``date_diff('day', start, end)``, ``date_format`` takes Java
patterns where ``strftime`` takes C ones, ``collect_list`` skips NULLs where ``list`` keeps them.
sqlglot knows those shapes, so the query is parsed as the other dialect and written as this one.
What sqlglot leaves unknown is renamed from a small table, and a call that is just a typo of a
common function (``cont(*)``) gets the nearest name.

Which functions exist: DuckDB says so itself (``duckdb_functions()``, read once per process, no
data involved). Spark cannot be asked without starting a JVM, so for Spark a curated list of the
DuckDB functions it lacks stands in, plus whatever function the engine's error named.
"""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import pairwise

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError
from sqlglot.tokens import Token, TokenType

from odibi_core.intel.heal.repair_text import (
    Edit,
    Target,
    match_case,
    nearest_names,
    replace_spans,
    tokenize,
)

_WORD = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_NOT_CALLS = {TokenType.IDENTIFIER, TokenType.STRING, TokenType.IN, TokenType.VALUES, TokenType.OVER,
              TokenType.FILTER, TokenType.USING, TokenType.EXISTS, TokenType.ALIAS, TokenType.ON, TokenType.FROM,
              TokenType.JOIN, TokenType.WHERE, TokenType.AND, TokenType.OR, TokenType.NOT, TokenType.SELECT}

# DuckDB functions that Spark 4 does not have (checked against Spark 4.2's function registry)
DUCKDB_ONLY = frozenset({
    "strftime", "strptime", "list", "epoch", "epoch_ms", "epoch_us", "epoch_ns", "regexp_matches", "strpos",
    "list_distinct", "list_contains", "list_has", "list_sort", "list_aggregate", "list_transform", "list_filter",
    "list_value", "list_concat", "list_slice", "array_length", "arg_max", "arg_min", "string_split", "str_split",
    "string_split_regex", "str_split_regex", "regexp_split_to_array", "today", "quantile_cont", "quantile_disc",
    "approx_quantile", "regexp_full_match", "strlen", "to_days", "isodow", "time_bucket", "age", "struct_pack",
    "suffix", "prefix", "array_to_string", "list_aggr", "epoch_seconds",
})

# parsed as calls by DuckDB but absent from duckdb_functions()
_DUCKDB_SPECIAL = frozenset({"if", "ifnull", "coalesce", "nullif", "cast", "try_cast", "extract", "exists",
                             "row", "columns", "unpack", "grouping", "struct", "map", "position", "substring",
                             "trim", "overlay", "interval"})

# calls sqlglot leaves as they are, renamed to what this dialect calls the same thing
RENAMES: dict[str, dict[str, str]] = {
    "duckdb": {"nvl": "coalesce", "timestamp_millis": "epoch_ms", "std": "stddev_samp", "lcase": "lower",
               "ucase": "upper", "countdistinct": "approx_count_distinct", "bround": "round_even",
               "char_length": "length", "array_size": "len", "size": "len"},
    "spark": {"arg_max": "max_by", "arg_min": "min_by", "list_distinct": "array_distinct",
              "list_contains": "array_contains", "list_has": "array_contains", "list_sort": "array_sort",
              "array_length": "size", "strlen": "length", "suffix": "endswith", "prefix": "startswith",
              "list_transform": "transform", "list_filter": "filter", "epoch_us": "unix_micros",
              "strpos": "instr", "regexp_matches": "rlike", "list_value": "array", "today": "current_date",
              "quantile_cont": "percentile", "approx_quantile": "percentile_approx", "array_to_string": "array_join"},
}

# functions every analyst types; a near miss of one of these is a typo, not another dialect
COMMON_FUNCTIONS = (
    "count", "sum", "avg", "min", "max", "coalesce", "round", "abs", "floor", "ceil", "lower", "upper", "length",
    "trim", "concat", "substring", "replace", "nullif", "greatest", "least", "date_trunc", "date_part", "extract",
    "row_number", "rank", "dense_rank", "lag", "lead", "first_value", "last_value", "stddev", "median",
    "count_if", "sqrt", "power", "cast", "try_cast", "current_date", "current_timestamp", "hour", "year",
    "month", "day", "split_part", "regexp_replace", "percentile_cont",
)


@lru_cache(maxsize=1)
def duckdb_names() -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """DuckDB's function names, keywords and reserved keywords (lower case), from DuckDB itself."""
    import duckdb

    con = duckdb.connect(":memory:")
    try:
        functions = frozenset(r[0].lower() for r in con.execute(
            "SELECT DISTINCT function_name FROM duckdb_functions()").fetchall())
        keywords = con.execute("SELECT keyword_name, keyword_category FROM duckdb_keywords()").fetchall()
    finally:
        con.close()
    return (functions, frozenset(k.lower() for k, _ in keywords),
            frozenset(k.lower() for k, cat in keywords if cat == "reserved"))


def reserved_words() -> frozenset[str]:
    """Words an identifier must be quoted to be: DuckDB's reserved keywords (quoting them in Spark
    does no harm either)."""
    return duckdb_names()[2]


def function_calls(tokens: list[Token]) -> list[Token]:
    """The name tokens of calls written as ``name(`` (a dialect may tokenize a function name as
    a keyword, as Spark does ``list``; structural words such as IN or OVER are DuckDB keywords
    and never in the DuckDB-only list, so they never count as foreign)."""
    return [tok for tok, nxt in pairwise(tokens)
            if nxt.token_type == TokenType.L_PAREN and tok.token_type not in _NOT_CALLS
            and _WORD.match(tok.text)]


def foreign_functions(tokens: list[Token], dialect: str, hinted: frozenset[str] = frozenset()) -> list[str]:
    """Names called in the text that ``dialect`` does not have (lower case, in order)."""
    names = [t.text.lower() for t in function_calls(tokens)]
    if dialect == "duckdb":
        functions, keywords, _ = duckdb_names()
        unknown = [n for n in names if n not in functions and n not in keywords and n not in _DUCKDB_SPECIAL]
    else:
        unknown = [n for n in names if n in DUCKDB_ONLY]
    unknown += [n for n in names if n in hinted]
    return list(dict.fromkeys(unknown))


def token_signature(sql: str, dialect: str) -> tuple | None:
    """The text as tokens, case and layout ignored (strings keep their case): two texts with the
    same signature are the same query, whatever a transpiler did to the spacing."""
    tokens = tokenize(sql, dialect)
    if tokens is None:
        return None
    return tuple((t.token_type.name, t.text if t.token_type == TokenType.STRING else t.text.lower())
                 for t in tokens if t.token_type != TokenType.SEMICOLON)


def transpile_edits(sql: str, target: Target) -> list[Edit]:
    """``sql`` read as the other engine's dialect and written as ``target.dialect``."""
    other = "spark" if target.dialect == "duckdb" else "duckdb"
    try:
        trees = [t for t in sqlglot.parse(sql, read=other) if t is not None]
    except (SqlglotError, ValueError, KeyError, RecursionError):
        return []
    if len(trees) != 1:
        return []
    tree = trees[0]
    _rename_leftovers(tree, target)
    try:
        text = tree.sql(dialect=target.dialect, pretty="\n" in sql.strip() and not target.prefix)
    except (SqlglotError, ValueError, KeyError):
        return []
    if token_signature(text, target.dialect) == token_signature(sql, target.dialect):
        return []
    engine = {"spark": "Spark", "duckdb": "DuckDB"}
    return [Edit(sql=text, strategy="transpile", cost=0.5,
                 explanation=f"written for {engine[other]}; rewritten for {engine[target.dialect]} by sqlglot")]


def _rename_leftovers(tree: exp.Expression, target: Target) -> None:
    """What sqlglot's transpiler leaves wrong or unknown, fixed with the schemas' help."""
    renames = RENAMES.get(target.dialect, {})
    for node in list(tree.find_all(exp.Anonymous)):
        new = renames.get(str(node.name).lower())
        if new:
            node.set("this", new)
    if target.dialect != "spark":
        return
    for node in list(tree.find_all(exp.Length)):  # DuckDB's len(list) is Spark's size()
        if isinstance(node.this, (exp.ArrayAgg, exp.Array)):
            node.replace(exp.ArraySize(this=node.this))
    types = {c.lower(): t for cols in target.schemas.values() for c, t in cols.items()}
    for node in list(tree.find_all(exp.UnixToTime)):
        # DuckDB's epoch_ms(ts) reads a timestamp as milliseconds; sqlglot takes it for the
        # opposite direction (number -> timestamp) unless the argument is known to be a timestamp
        arg = node.this
        if isinstance(arg, exp.Column) and types.get(arg.name.lower()) in ("timestamp", "date"):
            scale = node.args.get("scale")
            unit = {"3": "UNIX_MILLIS", "6": "UNIX_MICROS"}.get(scale.name if scale is not None else "",
                                                                 "UNIX_SECONDS")
            node.replace(exp.Anonymous(this=unit, expressions=[arg.copy()]))


def rename_edits(sql: str, target: Target, tokens: list[Token], foreign: list[str]) -> list[Edit]:
    """Foreign calls renamed in place (layout kept): the table of known equivalents, else the
    nearest common function (a typo such as ``cont(*)``)."""
    region = target.region(sql)
    if region is None or not foreign:
        return []
    spans: list[tuple[int, int, str]] = []
    notes: list[str] = []
    nearest_spans: list[tuple[int, int, str]] = []
    nearest_notes: list[str] = []
    cost = 0.0
    available = _available_common(target.dialect)
    for tok in function_calls(tokens):
        name = tok.text.lower()
        if name not in foreign or not (region[0] <= tok.start and tok.end < region[1]):
            continue
        if name in RENAMES.get(target.dialect, {}):
            new = RENAMES[target.dialect][name]
            spans.append((tok.start, tok.end + 1, match_case(new, tok.text)))
            notes.append(f"{tok.text}() -> {new}()")
            continue
        close = nearest_names(name, available, cutoff=0.8, n=1)
        if close:
            new, score = close[0]
            nearest_spans.append((tok.start, tok.end + 1, match_case(new, tok.text)))
            nearest_notes.append(f"unknown function {tok.text}() -> {new}()")
            cost += (1.0 - score) * 3.0 + 0.3
    edits = []
    if spans:
        edits.append(Edit(sql=replace_spans(sql, spans), strategy="transpile", cost=0.4,
                          explanation="; ".join(notes) + f" (the {target.dialect} name)"))
    if nearest_spans:
        edits.append(Edit(sql=replace_spans(sql, spans + nearest_spans), strategy="nearest_function",
                          cost=cost + (0.4 if spans else 0.0), explanation="; ".join(notes + nearest_notes)))
    return edits


def _available_common(dialect: str) -> list[str]:
    if dialect != "duckdb":
        return list(COMMON_FUNCTIONS)
    functions, keywords, _ = duckdb_names()
    return [f for f in COMMON_FUNCTIONS if f in functions or f in keywords or f in _DUCKDB_SPECIAL]
