"""Data validation: the test types of a node's ``validation:`` block and the runner for them."""

from odibi_core.validation.results import TestResult
from odibi_core.validation.runner import ValidationOutcome, run_validation

__all__ = ["TestResult", "ValidationOutcome", "run_validation"]
