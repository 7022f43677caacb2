"""The outcome of one validation test, as stories, the catalog and the Studio read it.

It lives in the validation layer, which produces it; ``odibi_core.runner.results`` re-exports
it beside the other result dataclasses (the runner sits above validation and may import it,
not the other way round).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class TestResult:
    """One validation test's outcome on one node."""

    __test__ = False  # not a pytest test class, despite the name

    name: str
    type: str
    passed: bool
    failed_rows: int = 0
    total_rows: int = 0
    on_fail: str = "fail"
    message: str = ""
