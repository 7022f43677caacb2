"""Retry policy: how many attempts, how long to wait, and which failures are worth retrying.

Retrying a SQL syntax error or a failed data test only repeats the failure, so those are never
retried; I/O, network and unexpected errors are.
"""

from __future__ import annotations

from odibi_core.config.models import RetryConfig
from odibi_core.errors import ConfigError, ValidationFailure


def attempts_for(retry: RetryConfig | None) -> int:
    if retry is None or not retry.enabled:
        return 1
    return retry.max_attempts


def delay_for(retry: RetryConfig, attempt: int) -> float:
    """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
    base = retry.initial_delay
    if retry.backoff == "exponential":
        delay = base * (2 ** (attempt - 1))
    elif retry.backoff == "linear":
        delay = base * attempt
    else:
        delay = base
    return min(delay, retry.max_delay)


def is_retryable(exc: BaseException | None) -> bool:
    if exc is None:
        return False
    if isinstance(exc, (ConfigError, ValidationFailure, KeyError, TypeError, NameError, AttributeError,
                        SyntaxError, ImportError)):
        return False  # a bug or a config slip: the next attempt would fail the same way
    name = type(exc).__name__
    if name in ("SqlError", "ValidationError", "ParamsError"):
        return False
    return True
