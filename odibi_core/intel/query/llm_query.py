"""A natural-language question to one checked SELECT, through the LLM.

The model's answer is text, never code to run: the SQL found in it must pass
:func:`odibi_core.intel.sql_guard.check_select` (one read-only SELECT over the tables in scope,
known columns only) before the caller may execute it. A refused answer goes back to the model,
with the reason, for a bounded number of attempts. When the model says ``CANNOT_ANSWER`` we
believe it at once: saying plainly that a question cannot be answered beats a guess.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from odibi_core.errors import OdibiError
from odibi_core.intel.llm.client import LLMClient
from odibi_core.intel.llm.extract import extract_refusal, extract_sql
from odibi_core.intel.llm.prompts import query_messages
from odibi_core.intel.sql_guard import UnsafeSQL, check_select
from odibi_core.intel.types import TableInfo

log = logging.getLogger(__name__)


class LLMCannotAnswer(OdibiError):
    """The LLM gave no usable SQL: it declined (``refused``, with its own ``reason``), or none of its
    answers passed validation (``rejections`` holds each (sql, reason))."""

    def __init__(self, message: str, *, reason: str, refused: bool,
                 rejections: list[tuple[str, str]] | None = None) -> None:
        self.reason = reason
        self.refused = refused
        self.rejections = list(rejections or [])
        super().__init__(message)


def llm_sql(client: LLMClient, question: str, tables: Mapping[str, TableInfo], *,
            dialect: str = "duckdb", attempts: int = 2) -> str:
    """One SELECT answering ``question`` over ``tables`` (SQL name -> info), validated by
    sql_guard, without a trailing semicolon. At most ``attempts`` completions.

    Raises :class:`LLMCannotAnswer` (declined, or no valid answer) or
    :class:`~odibi_core.intel.llm.client.LLMUnavailable` (the LLM could not be used)."""
    if attempts < 1:
        raise ValueError("attempts must be at least 1")
    if not tables:
        raise LLMCannotAnswer("there are no tables to ask about: run the pipeline first so the catalog knows its "
                              "outputs", reason="no tables in scope", refused=False)
    schemas = {name: dict(info.columns) for name, info in tables.items()}
    previous: list[tuple[str, str]] = []
    for attempt in range(1, attempts + 1):
        answer = client.complete(query_messages(question, tables, dialect, previous))
        refusal = extract_refusal(answer)
        if refusal is not None:
            raise LLMCannotAnswer(f"the LLM cannot answer this from the tables in scope: {refusal}",
                                  reason=refusal, refused=True, rejections=previous)
        sql = extract_sql(answer)
        if not sql:
            reason = "the answer contained no SQL"
        else:
            try:
                return check_select(sql, schemas, dialect=dialect).sql
            except UnsafeSQL as exc:
                reason = str(exc)
        log.info("LLM answer %d/%d to %r rejected: %s", attempt, attempts, question[:80], reason)
        previous.append((sql or answer[:2000], reason))
    last = previous[-1][1]
    raise LLMCannotAnswer(f"the LLM gave no valid SQL in {attempts} attempt{'s' if attempts > 1 else ''} "
                          f"(last answer refused: {last}); rephrase the question or name the table and columns",
                          reason=last, refused=False, rejections=previous)
