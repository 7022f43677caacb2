"""Answer a question in plain words: semantic parser first, then the LLM if one is configured.

Why this order: the parser is offline, instant and always gives the same SQL for the same
question; the LLM is slower, may cost money and may guess. It is asked only for what the parser
cannot read. Whichever writes the SQL, :func:`run_select` checks it (one SELECT, known tables and
columns) and runs it read-only, so an LLM answer such as ``DROP TABLE`` is refused, not run.

"Cannot answer" is an outcome, not an exception: the :class:`Answer` says why in one plain
sentence (the CLI prints it and exits 1). Only problems the user must fix first raise
:class:`OdibiError`: nothing in scope yet, an empty question.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from typing import Any

from odibi_core.config.models.intel import LLMConfig
from odibi_core.errors import OdibiError
from odibi_core.intel.query.execute import QueryFailed, QueryTimeout, run_select
from odibi_core.intel.query.scope import QueryScope
from odibi_core.intel.sql_guard import UnsafeSQL


@dataclass
class Answer:
    """What the CLI prints and the Studio's Ask page shows. ``source`` says who wrote the SQL:
    ``"semantic"`` (the offline parser), ``"llm"`` or ``None`` when nothing could."""

    question: str
    sql: str | None = None
    columns: list[str] = field(default_factory=list)
    rows: list[list[Any]] = field(default_factory=list)
    source: str | None = None
    explanation: str | None = None
    chart: Any = None  # semantic.ChartHint(kind "bar" | "line", x, y) when a chart fits
    truncated: bool = False
    error: str | None = None
    elapsed_s: float | None = None  # time to answer, SQL generation included

    @property
    def ok(self) -> bool:
        return self.error is None

    def to_json_dict(self) -> dict[str, Any]:
        """Exactly ``{question, sql, columns, rows}``, or ``{question, error}`` when it cannot answer."""
        if self.error is not None:
            return {"question": self.question, "error": self.error}
        return {"question": self.question, "sql": self.sql, "columns": list(self.columns),
                "rows": [list(r) for r in self.rows]}


def ask(question: str, scope: QueryScope, *, llm: LLMConfig | None = None, today: dt.date | None = None,
        max_rows: int = 1000, timeout_s: float = 30.0) -> Answer:
    """Answer ``question`` over ``scope`` (see the module docstring). Never raises for "cannot
    answer"; raises :class:`OdibiError` when there is nothing to ask about or no question."""
    from odibi_core.intel.query.semantic import CannotAnswer, parse_question

    question = " ".join((question or "").split())
    if not question:
        raise OdibiError("the question is empty; ask something like \"total revenue by country\"")
    if not scope.tables:
        raise OdibiError(_nothing_in_scope(scope))
    t0 = time.perf_counter()
    answer = Answer(question=question)
    try:
        parsed = parse_question(question, scope.tables, today=today, dialect="duckdb")
        answer.sql, answer.source = parsed.sql, "semantic"
        answer.explanation, answer.chart = parsed.explanation, parsed.chart
    except CannotAnswer as exc:
        reason = _sentence(exc)
        if llm is None:
            answer.error = (f"cannot answer: {reason}. No LLM is configured (an 'llm:' block in the project) to try "
                            f"questions the offline parser does not read; rephrase with a measure and a column name, "
                            f"e.g. \"average total by country\"")
            return _done(answer, t0)
        answer.sql, answer.error = _llm_sql(question, scope, llm, reason)
        if answer.error is not None:
            return _done(answer, t0)
        answer.source = "llm"
        answer.explanation = f"SQL written by the LLM '{llm.model}' (the offline parser could not read it: {reason})"
    try:
        result = run_select(answer.sql, scope, max_rows=max_rows, timeout_s=timeout_s)
    except UnsafeSQL as exc:
        who = "the LLM's SQL" if answer.source == "llm" else "the generated SQL"
        answer.error = f"cannot answer: {who} was refused ({_sentence(exc)})"
    except (QueryTimeout, QueryFailed) as exc:
        answer.error = f"cannot answer: {_sentence(exc)}"
    else:
        answer.columns, answer.rows, answer.truncated = result.columns, result.rows, result.truncated
    return _done(answer, t0)


def _llm_sql(question: str, scope: QueryScope, llm: LLMConfig, reason: str) -> tuple[str | None, str | None]:
    """``(sql, None)`` from the LLM, or ``(None, error)`` naming both the parser's and the LLM's reason."""
    from odibi_core.intel.llm.client import LLMUnavailable, client_for
    from odibi_core.intel.query.llm_query import LLMCannotAnswer, llm_sql

    try:
        sql = llm_sql(client_for(llm), question, scope.tables, dialect="duckdb", attempts=llm.max_attempts)
    except (LLMCannotAnswer, LLMUnavailable, UnsafeSQL) as exc:
        return None, f"cannot answer: {reason}; the LLM could not answer either: {_sentence(exc)}"
    return sql, None


def _done(answer: Answer, t0: float) -> Answer:
    answer.elapsed_s = round(time.perf_counter() - t0, 6)
    return answer


def _nothing_in_scope(scope: QueryScope) -> str:
    text = ("no tables to ask about: a table is the output of a node with a 'write:' target after a successful run, "
            "and none is recorded in the run history; run the pipelines first (`odibi run`)")
    if scope.skipped:
        text += "; these outputs could not be opened: " + "; ".join(scope.skipped)
    return text


def _sentence(exc: BaseException) -> str:
    return " ".join(str(exc).split()).rstrip(".") or type(exc).__name__
