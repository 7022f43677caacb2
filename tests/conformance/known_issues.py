"""Open bugs the conformance suite found, in ONE place, each with the fix it needs.

A known issue is not a normalisation (those live in ``normalize.py`` and are accepted
differences): it is a bug, and the tests it breaks are reported as xfail naming the issue, so
the suite stays usable for finding NEW differences meanwhile. The xfail is strict in both
directions: a failure that the issue does not explain still fails, and once the bug is fixed
the affected check fails with "no longer reproduces", so the entry is removed with the fix.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from dataclasses import dataclass

import pytest


class KnownIssueWarning(UserWarning):
    """A difference another engine's known bug explains (shown in pytest's warnings summary)."""


@dataclass(frozen=True)
class KnownIssue:
    key: str
    engine: str  # the engine (or component run by that engine) with the bug
    summary: str
    fix: str
    patterns: tuple[str, ...] = ()  # regexes over conform() mismatch lines that this issue explains


KNOWN: dict[str, KnownIssue] = {i.key: i for i in [
    KnownIssue(
        key="sql-int-function-width",
        engine="spark",
        summary="integer-valued SQL functions (YEAR, MONTH, LENGTH, ...) return BIGINT on DuckDB and INT on Spark, "
                "so a column derived with them is int64 on pandas and int32 on Spark (an explicit CAST AS INT "
                "is int32 on both)",
        fix="a decision: either widen every int8/16/32 result of a SQL step to int64 on both engines (one "
            "integer type, like pandas' default), or keep dialect types and document that derived columns "
            "should CAST to the wanted width",
        patterns=(r"derive_functions(\.schema_out| output: schema) column \w+: pandas int64, got int32$",),
    ),
]}


def explained(line: str, engines: tuple[str, ...]) -> KnownIssue | None:
    """The known issue (of one of ``engines``) that explains a mismatch line, if any."""
    for issue in KNOWN.values():
        if issue.engine in engines and any(re.search(p, line) for p in issue.patterns):
            return issue
    return None


@contextmanager
def known_issue(engine: str, key: str):
    """Around the assertions that issue ``key`` breaks: on its engine, a failure there is an
    xfail naming the issue; passing means the bug is gone and the marker must go too."""
    issue = KNOWN[key]
    if engine != issue.engine:
        yield
        return
    try:
        yield
    except AssertionError as exc:
        pytest.xfail(f"known issue {key} ({str(exc).splitlines()[0][:120]})")
    pytest.fail(f"known issue {key} no longer reproduces on {engine}: remove it from "
                f"tests/conformance/known_issues.py and from this test", pytrace=False)
