"""Secret tracking and masking.

Values that came from environment variables, and values of keys that look like credentials,
are registered here when the config is loaded. Stories, logs and the catalog pass their text
through :func:`mask`, so a secret cannot leak even when it ends up inside an error message or
a connection string.
"""

from __future__ import annotations

import re
import threading
from typing import Any

MASK = "***"
SECRET_KEY_PATTERN = re.compile(
    r"(password|passwd|pwd|secret|token|api_key|apikey|access_key|account_key|sas|credential|client_secret|private_key)",
    re.IGNORECASE,
)
_MIN_SECRET_LEN = 4  # never mask tiny values such as "1" or "on": that would corrupt every text

_lock = threading.Lock()
_secrets: set[str] = set()


def register(value: Any) -> None:
    """Remember a secret value so :func:`mask` replaces it everywhere."""
    if isinstance(value, str) and len(value) >= _MIN_SECRET_LEN:
        with _lock:
            _secrets.add(value)


def is_secret_key(key: str) -> bool:
    return bool(SECRET_KEY_PATTERN.search(key))


def mask(text: str) -> str:
    """Replace every registered secret in ``text``; longest first so overlaps mask fully."""
    if not text or not _secrets:
        return text
    with _lock:
        values = sorted(_secrets, key=len, reverse=True)
    for value in values:
        if value in text:
            text = text.replace(value, MASK)
    return text


def mask_obj(obj: Any) -> Any:
    """Mask a JSON-like structure: secret-looking keys lose their value, strings are scrubbed."""
    if isinstance(obj, dict):
        return {
            k: (MASK if isinstance(k, str) and is_secret_key(k) and v not in (None, "") else mask_obj(v))
            for k, v in obj.items()
        }
    if isinstance(obj, (list, tuple)):
        return [mask_obj(v) for v in obj]
    if isinstance(obj, str):
        return mask(obj)
    return obj


def clear() -> None:
    """Forget registered secrets (tests)."""
    with _lock:
        _secrets.clear()
