"""The deterministic healer: candidate fixes for a failing SQL text, without an LLM.

How it works: diagnose the text statically (does it parse in the engine's dialect, are its
commas and quotes right, does every table and column resolve against the schemas, does every
function exist in the dialect), then apply the repair strategies that fit the problems found
(``repair_syntax``, ``repair_quote``, ``repair_names``, ``repair_dialect``). A repaired text that
still has problems, but fewer, is repaired again (a query can have a typo *and* a wrong column),
up to three steps and a bounded number of tries. Texts with no problem left that also pass
:func:`odibi_core.intel.sql_guard.check_select` are the proposals, cheapest chain of edits first.

Why static only: the caller proves each proposal with a zero-row dry run on the real engine;
this module must be cheap and must never run anything.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, SqlglotError
from sqlglot.tokens import Token

from odibi_core.intel.heal.classify import (
    DIALECT,
    DIALECT_SENSITIVE_FUNCTIONS,
    PARSE,
    TYPE,
    classify_error,
    unknown_function,
    unknown_names,
)
from odibi_core.intel.heal.repair_dialect import (
    foreign_functions,
    function_calls,
    rename_edits,
    reserved_words,
    token_signature,
    transpile_edits,
)
from odibi_core.intel.heal.repair_names import (
    BadName,
    find_bad_names,
    nearest_name_edits,
)
from odibi_core.intel.heal.repair_quote import (
    backtick_spans,
    quote_edits,
    unquoted_odd_names,
)
from odibi_core.intel.heal.repair_syntax import (
    comma_edits,
    comma_problems,
    keyword_edits,
)
from odibi_core.intel.heal.repair_text import Edit, Target, quote_identifier, tokenize
from odibi_core.intel.sql_guard import UnsafeSQL, check_select
from odibi_core.intel.types import HealRequest, Proposal

MAX_PROPOSALS = 6
MAX_STEPS = 3  # edits chained on one text
BEAM = 12  # partially repaired texts carried to the next step
MAX_TRIES = 400  # diagnosed texts per request, whatever the above allow


@dataclass
class Diagnosis:
    """What is statically wrong with one text (nothing: :attr:`clean`)."""

    tokens: list[Token] | None
    tree: exp.Expression | None = None
    parse_error: str | None = None
    parsed_fraction: float = 0.0  # how far the parser got before failing
    stray_commas: int = 0
    backticks: int = 0
    odd_names: int = 0
    bad_names: list[BadName] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)
    guard_error: str | None = None

    @property
    def severity(self) -> tuple:
        """Problems by rank, compared in order: a repair that fixes a higher-ranked problem is
        progress even when it reveals lower ones (the table fixed, its misspelt columns show)."""
        if self.tokens is None:
            return (1, 0.0, 0, 0, 0, 0, 0)
        tables = sum(1 for b in self.bad_names if b.kind != "column")
        columns = len(self.bad_names) - tables
        return (0, 2.0 - self.parsed_fraction if self.parse_error is not None else 0.0,
                self.stray_commas + self.backticks + self.odd_names, tables, len(self.foreign), columns,
                1 if self.guard_error else 0)

    @property
    def clean(self) -> bool:
        return not any(self.severity)


@dataclass
class _Candidate:
    sql: str
    edits: tuple[Edit, ...]
    cost: float
    diagnosis: Diagnosis


def propose(req: HealRequest) -> list[Proposal]:
    """Up to six candidate fixes for ``req`` (best first, distinct, none equal to ``req.sql``).

    For ``kind == "expression"`` (a transformer param such as a filter condition) each proposal
    is the repaired expression, checked as ``SELECT <expr> FROM df``. An error that is not a SQL
    problem (a missing file, say) gets no proposal."""
    error_class = classify_error(req.error)
    if error_class is None and (req.error or "").strip():
        return []
    target, text = _target(req)
    missing = unknown_function(req.error or "")
    hinted = frozenset({missing}) if missing else frozenset()
    hints = unknown_names(req.error or "")
    start = diagnose(text, target, hinted)
    if error_class == TYPE and _calls_dialect_sensitive(start):
        error_class = DIALECT  # DuckDB's date_add(ts, 7) fails as '+(TIMESTAMP, INTEGER_LITERAL)'
    if start.clean and error_class not in (PARSE, DIALECT):
        return []  # nothing statically wrong, and no engine quirk (quoting, dialect) to try
    results = _search(text, start, target, hinted, hints, error_class)
    return _proposals(results, req, target)


def diagnose(sql: str, target: Target, hinted: frozenset[str] = frozenset()) -> Diagnosis:
    """Every static problem of ``sql`` against ``target`` (see :class:`Diagnosis`)."""
    tokens = tokenize(sql, target.dialect)
    if tokens is None:
        return Diagnosis(tokens=None)
    reserved = reserved_words()
    diag = Diagnosis(tokens=tokens, stray_commas=len(comma_problems(tokens)),
                     backticks=len(backtick_spans(sql, target)),
                     odd_names=len(unquoted_odd_names(sql, target, reserved)),
                     foreign=foreign_functions(tokens, target.dialect, hinted))
    try:
        trees = [t for t in sqlglot.parse(sql, read=target.dialect) if t is not None]
        if len(trees) != 1:
            raise ParseError(f"expected one statement, found {len(trees)}")
        diag.tree = trees[0]
    except (ParseError, SqlglotError, ValueError, KeyError, RecursionError) as exc:
        diag.parse_error = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        diag.parsed_fraction = _parsed_fraction(exc, sql)
        return diag
    diag.bad_names = find_bad_names(diag.tree, target)
    if not any(diag.severity):
        try:
            check_select(sql, target.schemas, dialect=target.dialect)
        except UnsafeSQL as exc:
            diag.guard_error = str(exc)
    return diag


def _calls_dialect_sensitive(diag: Diagnosis) -> bool:
    return diag.tokens is not None and any(
        t.text.lower() in DIALECT_SENSITIVE_FUNCTIONS for t in function_calls(diag.tokens))


def _search(text: str, start: Diagnosis, target: Target, hinted: frozenset[str], hints: list[str],
            error_class: str | None) -> list[_Candidate]:
    frontier = [_Candidate(text, (), 0.0, start)]
    seen = {_key(text)}
    results: list[_Candidate] = []
    tries = 0
    for _ in range(MAX_STEPS):
        following: list[_Candidate] = []
        for cand in frontier:
            for edit in _edits(cand, target, hints, error_class):
                key = _key(edit.sql)
                if key in seen or tries >= MAX_TRIES:
                    continue
                seen.add(key)
                tries += 1
                diag = diagnose(edit.sql, target, hinted)
                new = _Candidate(edit.sql, cand.edits + (edit,), cand.cost + edit.cost, diag)
                if diag.clean:
                    results.append(new)
                elif diag.severity < cand.diagnosis.severity:
                    following.append(new)
        if results or not following:
            break
        frontier = sorted(following, key=lambda c: (c.diagnosis.severity, c.cost))[:BEAM]
    return sorted(results, key=lambda c: (c.cost, len(c.edits)))


def _edits(cand: _Candidate, target: Target, hints: list[str], error_class: str | None) -> list[Edit]:
    diag, sql = cand.diagnosis, cand.sql
    if diag.tokens is None:
        return []
    reserved = reserved_words()
    columns = set(target.columns())
    known = columns | {t.lower() for t in target.schemas}
    failed = diag.parse_error is not None
    edits: list[Edit] = []
    if failed:
        edits += keyword_edits(sql, diag.tokens, target, known, hints)
    elif diag.bad_names:  # SELECT DISTINT city parses, as a column DISTINT aliased city
        at = {b.start for b in diag.bad_names if b.kind == "column" and not b.quoted}
        edits += keyword_edits(sql, diag.tokens, target, known, hints, only_at=at)
    edits += comma_edits(sql, diag.tokens, target, columns, parse_failed=failed)
    edits += quote_edits(sql, target, reserved)
    if diag.bad_names:
        edits += nearest_name_edits(sql, diag.bad_names, target, reserved)
    if diag.foreign:
        edits += rename_edits(sql, target, diag.tokens, diag.foreign)
    # reading the text as the other dialect is only sound on the author's own quoting
    rewrote_quotes = any(e.strategy in ("transpile", "quote") for e in cand.edits)
    if not rewrote_quotes and (failed or diag.foreign or diag.backticks or error_class in (DIALECT, PARSE)):
        edits += transpile_edits(sql, target)
    return edits


def _proposals(results: list[_Candidate], req: HealRequest, target: Target) -> list[Proposal]:
    original = token_signature(req.sql, req.dialect) if req.kind != "expression" else \
        token_signature(target.prefix + req.sql.strip() + target.suffix, req.dialect)
    out: list[Proposal] = []
    seen: set = set()
    for cand in results:
        sql = _unwrap(cand.sql, target) if req.kind == "expression" else cand.sql
        if sql is None or sql.strip() == req.sql.strip():
            continue
        signature = token_signature(cand.sql, req.dialect)
        if signature == original or signature in seen:
            continue
        seen.add(signature)
        strategies = list(dict.fromkeys(e.strategy for e in cand.edits))
        out.append(Proposal(sql=sql, strategy="+".join(strategies),
                            explanation="; ".join(e.explanation for e in cand.edits), source="deterministic"))
        if len(out) >= MAX_PROPOSALS:
            break
    return out


def _target(req: HealRequest) -> tuple[Target, str]:
    schemas = {name: (dict(cols) if isinstance(cols, Mapping) else {c: "unknown" for c in cols})
               for name, cols in (req.tables or {}).items()}
    if req.kind != "expression":
        return Target(dialect=req.dialect, schemas=schemas), req.sql
    table = "df" if "df" in schemas or not schemas else next(iter(schemas))
    prefix, suffix = "SELECT ", " FROM " + (table if table.isidentifier() else quote_identifier(table, req.dialect))
    return Target(dialect=req.dialect, schemas=schemas, prefix=prefix, suffix=suffix), prefix + req.sql.strip() + suffix


def _unwrap(sql: str, target: Target) -> str | None:
    """The expression back out of ``SELECT <expr> FROM df``."""
    region = target.region(sql)
    if region is not None:
        return sql[region[0]:region[1]].strip()
    try:
        tree = sqlglot.parse_one(sql, read=target.dialect)
    except (SqlglotError, ValueError):
        return None
    if not isinstance(tree, exp.Select) or len(tree.expressions) != 1:
        return None
    return tree.expressions[0].sql(dialect=target.dialect)


def _key(sql: str) -> str:
    return " ".join(sql.split())


def _parsed_fraction(exc: BaseException, sql: str) -> float:
    errors = getattr(exc, "errors", None) or []
    if not errors or not sql:
        return 0.0
    line, col = errors[0].get("line") or 1, errors[0].get("col") or 0
    lines = sql.split("\n")
    offset = sum(len(x) + 1 for x in lines[:max(line - 1, 0)]) + col
    return max(0.0, min(1.0, offset / len(sql)))
