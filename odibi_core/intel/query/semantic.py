"""The deterministic natural-language-to-SQL parser: a question in, one checked SELECT out, or a
plain "cannot answer" that names the words it could not place.

Why deterministic first: it is offline, instant, free and gives the same SQL for the same
question, so the Ask page and ``odibi query`` work with no LLM configured. It reads aggregates
(average, total, count, max, min, distinct count), measures and dimensions by column name and
synonym, "by X" groupings, time windows, filters on known values, top-N and ordering.

How it chooses: the question's shape is read once (:mod:`nl_intent`), then every table in scope
tries to place every word (:mod:`nl_plan`). The table that fits best wins; on a tie the gold
layer beats silver and bronze, then the table the question names. It refuses rather than guesses:
an unknown word, a measure that fits several columns equally, two tables that fit equally, or a
re-aggregation of stored averages all raise :class:`CannotAnswer` with what exists instead.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from odibi_core.config.models import suggest
from odibi_core.errors import OdibiError
from odibi_core.intel.query.nl_intent import Intent, QuestionError, read_intent
from odibi_core.intel.query.nl_plan import Reading, interpret
from odibi_core.intel.query.nl_schema import table_model
from odibi_core.intel.query.nl_sql import to_dialect
from odibi_core.intel.query.nl_time import BadDate
from odibi_core.intel.query.nl_vocabulary import STOPWORDS
from odibi_core.intel.sql_guard import UnsafeSQL, check_select
from odibi_core.intel.types import TableInfo

_MAX_COLUMNS_SHOWN = 14
_MAX_REASONS = 3


@dataclass
class ChartHint:
    """How to draw the result: ``bar`` for one category and a number, ``line`` over time."""

    kind: str  # bar | line
    x: str
    y: str


@dataclass
class SemanticQuery:
    sql: str
    table: str
    explanation: str
    chart: ChartHint | None = None


class CannotAnswer(OdibiError):
    """The parser will not guess: ``unplaced`` are the question's words no table could place,
    ``candidates`` the columns or tables to choose between when several fit equally."""

    def __init__(self, message: str, *, unplaced: list[str] | None = None,
                 candidates: list[str] | None = None) -> None:
        self.unplaced = list(unplaced or [])
        self.candidates = list(candidates or [])
        super().__init__(message)


def parse_question(question: str, tables: Mapping[str, TableInfo], *, today: dt.date | None = None,
                   dialect: str = "duckdb") -> SemanticQuery:
    """One SELECT (in ``dialect``) answering ``question`` over ``tables``; raises :class:`CannotAnswer`."""
    if not (question or "").strip():
        raise CannotAnswer("the question is empty")
    if not tables:
        raise CannotAnswer("there are no tables to answer from")
    try:
        intent = read_intent(question, today or dt.date.today())
    except (QuestionError, BadDate) as exc:
        raise CannotAnswer(str(exc)) from exc
    if not _has_content(intent):
        raise CannotAnswer("the question names nothing to measure, group or list; ask e.g. \"total <number column> "
                           f"by <column>\"; tables in scope: {'; '.join(_describe(t) for t in tables.values())}")
    models = [table_model(t) for t in tables.values()]
    readings = [interpret(intent, m) for m in models]
    fitting = [r for r in readings if r.plan is not None]
    if not fitting:
        raise _refusal(question, readings, tables)
    fitting.sort(key=lambda r: r.rank, reverse=True)
    best = fitting[0]
    if best.ambiguous:
        raise CannotAnswer(f"{best.reason}: {', '.join(best.ambiguous)}; name the one you mean",
                           candidates=best.ambiguous)
    ties = [r for r in fitting[1:] if r.rank == best.rank and not r.ambiguous]
    if ties:
        names = [best.table.name] + [r.table.name for r in ties]
        raise CannotAnswer(f"the question fits several tables equally well ({', '.join(names)}); name the table "
                           f"you mean, e.g. \"... in {names[0]}\"", candidates=names)
    sql = best.plan.render()
    schemas = {t.name: t.columns for t in tables.values()}
    try:
        sql = to_dialect(sql, dialect)
        check_select(sql, schemas, dialect=dialect)
    except UnsafeSQL as exc:  # a bug here, never the user's fault: refuse rather than run it
        raise CannotAnswer(f"the SQL built for this question did not pass the safety check ({exc})") from exc
    chart = ChartHint(*best.chart) if best.chart else None
    return SemanticQuery(sql=sql, table=best.table.name, explanation=best.explanation, chart=chart)


def _refusal(question: str, readings: list[Reading], tables: Mapping[str, TableInfo]) -> CannotAnswer:
    """Why no table fits, in one paragraph: the words nothing knows, else the closest table's reason."""
    everywhere = None
    for r in readings:
        words = set(r.unplaced) if r.unplaced else set()
        everywhere = words if everywhere is None else everywhere & words
    scope = "; ".join(_describe(t) for t in tables.values())
    if everywhere:
        words = [w for w in _in_order(question, everywhere)]
        known = sorted({c for t in tables.values() for c in t.columns} | set(tables))
        hints = [f"'{w}' -> '{h}'?" for w in words if (h := suggest(w, known))]
        return CannotAnswer(f"no table in scope has a column or known value for {_quoted(words)}"
                            + (f" (did you mean {', '.join(hints)})" if hints else "")
                            + f"; tables in scope: {scope}", unplaced=words)
    ambiguous = [r for r in readings if r.ambiguous]
    if ambiguous:
        r = ambiguous[0]
        return CannotAnswer(f"{r.reason}: {', '.join(r.ambiguous)}; name the one you mean", candidates=r.ambiguous)
    # closest first: tables that placed every word but refused for a reason, then the fewest unknown words
    closest = sorted(readings, key=lambda r: (not r.reason, len(r.unplaced)))[:_MAX_REASONS]
    detail = "; ".join(f"{r.table.name}: {r.reason}" if r.reason else f"{r.table.name} lacks {_quoted(r.unplaced)}"
                       for r in closest)
    return CannotAnswer(f"no single table answers \"{question.strip()}\" ({detail}); tables in scope: {scope}",
                        unplaced=sorted({w for r in readings for w in r.unplaced}))


def _has_content(intent: Intent) -> bool:
    words = intent.pool + (intent.head or []) + [w for d in intent.dims for w in d]
    return any(w not in STOPWORDS for w in words)


def _describe(t: TableInfo) -> str:
    cols = list(t.columns)
    shown = ", ".join(cols[:_MAX_COLUMNS_SHOWN]) + (", ..." if len(cols) > _MAX_COLUMNS_SHOWN else "")
    return f"{t.name} ({shown})"


def _quoted(words) -> str:
    return ", ".join(f"'{w}'" for w in words)


def _in_order(question: str, words: set[str]) -> list[str]:
    from odibi_core.intel.query.nl_vocabulary import normalize, singular

    order = [singular(w) for w in normalize(question).split()]
    return sorted(words, key=lambda w: order.index(w) if w in order else len(order))
