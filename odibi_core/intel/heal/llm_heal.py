"""Ask the LLM for fixes of a failing SQL, a bounded number of times, and let through only what
the caller's check accepts.

Why a loop with feedback: a model's first fix often invents a column or keeps the dialect
mistake. Each rejected answer goes back into the next prompt with the reason (as data), so the
next attempt learns, and the total number of completions never exceeds ``attempts`` however the
caller iterates. Why the caller's ``check``: only it knows the engine and the frames for the
zero-row dry run; this module knows only the LLM (it still refuses, before ``check``, anything
that is not one read-only SELECT, so a lax check cannot let DDL or DML through).

Use::

    run = llm_proposals(client, req, attempts=3, check=check)
    for proposal in run:            # each one passed check(); source == strategy == "llm"
        if works(proposal):
            break
        run.reject("re-running the node failed: ...")   # optional: tells the next attempt why
    for r in run.rejections:        # every answer that did not pass, for the heal log
        log(r.attempt, r.sql, r.reason)

:class:`~odibi_core.intel.llm.client.LLMUnavailable` propagates out of the iteration (the LLM
is down, the key is refused...); ``run.rejections`` and ``run.completions`` still say what
happened before it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from odibi_core.errors import OdibiError
from odibi_core.intel.llm.client import LLMClient
from odibi_core.intel.llm.extract import extract_note, extract_refusal, extract_sql
from odibi_core.intel.llm.prompts import heal_messages
from odibi_core.intel.sql_guard import UnsafeSQL, check_select
from odibi_core.intel.types import HealRequest, Proposal

log = logging.getLogger(__name__)
_ANSWER_CHARS = 2000
NOT_FIXED = "it passed validation but did not fix the failure; propose a different fix"


@dataclass(frozen=True)
class LLMRejection:
    """One LLM answer that was not proposed: which completion (1-based), the SQL found in it
    (``""`` when none), why it was refused, and the model's raw text (capped)."""

    attempt: int
    sql: str
    reason: str
    answer: str


class LLMHealRun(Iterator[Proposal]):
    """Iterator of validated :class:`Proposal` objects, plus the record of what was refused."""

    def __init__(self, client: LLMClient, req: HealRequest, *, attempts: int,
                 check: Callable[[str], str | None]) -> None:
        if attempts < 1:
            raise ValueError("attempts must be at least 1")
        self.client = client
        self.request = req
        self.attempts = attempts
        self.check = check
        self.completions = 0  # LLM completions asked for so far (never more than attempts)
        self.rejections: list[LLMRejection] = []
        self.proposals: list[Proposal] = []  # everything yielded, in order
        self._feedback: str | None = None
        self._steps = self._run()

    def __iter__(self) -> LLMHealRun:
        return self

    def __next__(self) -> Proposal:
        return next(self._steps)

    def reject(self, reason: str) -> None:
        """Say why the last yielded proposal did not do (shown to the model on the next attempt)."""
        self._feedback = reason

    def _run(self) -> Iterator[Proposal]:
        req = self.request
        previous: list[tuple[str, str]] = []
        seen = {_normal(req.sql)}
        for attempt in range(1, self.attempts + 1):
            self.completions += 1
            answer = self.client.complete(heal_messages(req, previous))
            sql = extract_sql(answer)
            reason = self._screen(answer, sql, seen)
            if reason is None:
                reason = self._checked(sql)
            if reason is not None:
                self.rejections.append(LLMRejection(attempt, sql, reason, answer[:_ANSWER_CHARS]))
                log.info("LLM heal answer %d/%d for node '%s' rejected: %s", attempt, self.attempts, req.node, reason)
                previous.append((sql or answer[:_ANSWER_CHARS], reason))
                continue
            seen.add(_normal(sql))
            note = extract_note(answer)
            explanation = f"proposed by the LLM {self.client.describe()}, answer {attempt} of {self.attempts}"
            proposal = Proposal(sql=sql, strategy="llm", source="llm",
                                explanation=explanation + (f": {note}" if note else ""))
            self.proposals.append(proposal)
            self._feedback = None
            yield proposal
            previous.append((sql, self._feedback or NOT_FIXED))  # resumed: the caller wants another
            self._feedback = None

    def _screen(self, answer: str, sql: str, seen: set[str]) -> str | None:
        refusal = extract_refusal(answer)
        if refusal is not None:
            return f"the model declined: {refusal}"
        if not sql:
            return "the answer contained no SQL"
        if _normal(sql) == _normal(self.request.sql):
            return "it is the failing SQL unchanged"
        if _normal(sql) in seen:
            return "it repeats an earlier proposal"
        # a floor under the caller's check: whatever it does, nothing but one read-only SELECT
        # (or an expression that makes one) is ever proposed
        statement = sql if self.request.kind != "expression" else f"SELECT {sql}"
        try:
            check_select(statement, self.request.tables, dialect=self.request.dialect, check_columns=False)
        except UnsafeSQL as exc:
            return str(exc)
        return None

    def _checked(self, sql: str) -> str | None:
        try:
            return self.check(sql)
        except OdibiError as exc:  # a check that raises (UnsafeSQL...) rejects just like one that returns
            return str(exc)


def llm_proposals(client: LLMClient, req: HealRequest, *, attempts: int,
                  check: Callable[[str], str | None]) -> LLMHealRun:
    """Validated LLM fixes for ``req``: at most ``attempts`` completions in total. ``check(sql)``
    returns a rejection reason or None (sql_guard + zero-row dry run, done by the caller)."""
    return LLMHealRun(client, req, attempts=attempts, check=check)


def _normal(sql: str) -> str:
    return " ".join(sql.strip().rstrip(";").split())
