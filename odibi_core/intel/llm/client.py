"""One door to any LLM, through litellm: masked prompts out, text back, one clear error.

Why litellm: one call shape reaches OpenAI, Azure, Anthropic, a local Ollama or any
OpenAI-compatible server, chosen by ``llm.model`` alone. Why so careful around it:

- it is optional and heavy (3-5 s and ~170 MB to import), so it is imported only when a
  completion is actually asked for, never when a project merely has ``llm:``;
- it would fetch a price list from the network at import unless ``LITELLM_LOCAL_MODEL_COST_MAP``
  is set, and print help banners unless told not to;
- its exceptions are many and provider-flavoured; a user needs one line saying which model at
  which address failed, why, and what to check (:class:`LLMUnavailable`);
- everything sent passes :func:`odibi_core.secrets.mask`, and the API key itself is registered
  as a secret, so no credential can travel inside a prompt or come back in an error text.

Retries are ours (the callers bound the number of completions), so litellm's are off.
"""

from __future__ import annotations

import importlib
import logging
import os
import re
import threading
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from odibi_core import secrets
from odibi_core.config.models.intel import LLMConfig
from odibi_core.errors import OdibiError

INSTALL_HINT = "pip install 'odibi-studio[llm]'"
_LOGGERS = ("LiteLLM", "LiteLLM Router", "LiteLLM Proxy", "litellm")
_import_lock = threading.Lock()
_MISSING_KEY = re.compile(r"missing credentials|api_key client option must be set|api[ _]?key\W.*\b(not set|missing|"
                          r"required)", re.IGNORECASE)
_LINE_BREAKS = {ord(c): " " for c in "\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"}


class LLMUnavailable(OdibiError):
    """The configured LLM could not give an answer: not installed, unreachable, refused the key,
    rate-limited, timed out, or failed. ``kind`` says which, for callers that log or fall back."""

    def __init__(self, message: str, *, kind: str) -> None:
        self.kind = kind  # not_installed | connection | timeout | auth | rate_limit | not_found | bad_request | server | error
        super().__init__(message)


def _load_litellm() -> Any:
    """Import litellm once per process, offline and quiet; ``ImportError`` when it is missing."""
    with _import_lock:
        # BEFORE the import: otherwise litellm downloads its model price list at import time
        os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
        litellm = importlib.import_module("litellm")
        litellm.suppress_debug_info = True
        litellm.set_verbose = False
        for name in _LOGGERS:
            logging.getLogger(name).setLevel(logging.CRITICAL)
        return litellm


def safe_url(url: str | None) -> str:
    """``api_base`` as it may appear in a message: no user:password, no query string (keys hide there)."""
    if not url:
        return "the provider's default endpoint"
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return secrets.mask(urlunsplit((parts.scheme, host, parts.path, "", ""))) or "the configured endpoint"


class LLMClient:
    """A configured LLM. ``complete(messages)`` returns the answer text (``""`` when the model
    said nothing) or raises :class:`LLMUnavailable`. Thread-safe; holds no connection."""

    def __init__(self, config: LLMConfig) -> None:
        self.config = config
        secrets.register(config.api_key)
        self.calls = 0  # completions asked for through this client (for logs and tests)
        self._lock = threading.Lock()

    @property
    def model(self) -> str:
        return self.config.model

    def describe(self) -> str:
        """``'openai/gpt-4o-mini' at https://host/v1``: safe to log (no credentials)."""
        return f"'{self.config.model}' at {safe_url(self.config.api_base)}"

    def complete(self, messages: list[dict[str, Any]]) -> str:
        outgoing = [_masked(m) for m in messages]
        try:
            litellm = _load_litellm()
        except ImportError as exc:
            raise LLMUnavailable(
                f"the LLM {self.describe()} is configured but litellm is not installed: run {INSTALL_HINT}, "
                f"or remove 'llm:' from the project to use the offline assistants only", kind="not_installed",
            ) from exc
        cfg = self.config
        with self._lock:
            self.calls += 1
        try:
            response = litellm.completion(
                model=cfg.model, messages=outgoing, api_base=cfg.api_base, api_key=cfg.api_key,
                temperature=cfg.temperature, timeout=cfg.timeout, max_tokens=cfg.max_tokens,
                num_retries=0, max_retries=0, drop_params=True,
            )
        except Exception as exc:  # litellm raises provider-specific types; every one becomes one user line
            raise self._translate(exc) from exc
        try:
            content = response.choices[0].message.content
        except (AttributeError, IndexError, TypeError) as exc:
            raise LLMUnavailable(f"the LLM {self.describe()} returned an answer without a message; "
                                 f"check that llm.model names a chat model", kind="error") from exc
        return content if isinstance(content, str) else ""

    # -- errors ----------------------------------------------------------------------------
    def _translate(self, exc: Exception) -> LLMUnavailable:
        who = f"the LLM {self.describe()}"
        detail = _detail(exc)
        name = type(exc).__name__
        status = getattr(exc, "status_code", None)
        if _caused_by(exc, ("Timeout", "APITimeoutError", "TimeoutException", "TimeoutError")):
            kind, text = "timeout", (f"{who} did not answer within {self.config.timeout:g} s; check that the server "
                                     f"is up and not overloaded, or raise llm.timeout")
        elif _caused_by(exc, ("APIConnectionError", "ConnectError", "ConnectionError")):
            kind, text = "connection", (f"{who} could not be reached ({detail}); check that the server is running "
                                        f"and that llm.api_base is right")
        elif self.config.api_key is None and _MISSING_KEY.search(str(exc)):
            kind, text = "auth", (f"{who} needs an API key and none is configured; set llm.api_key (e.g. api_key: "
                                  f"${{OPENAI_API_KEY}}); a local server that checks none accepts any value")
        elif name in ("AuthenticationError", "PermissionDeniedError") or status in (401, 403):
            kind, text = "auth", (f"{who} refused the credentials ({status or name}: {detail}); check llm.api_key "
                                  f"(e.g. api_key: ${{OPENAI_API_KEY}}) and that the variable is set")
        elif name == "RateLimitError" or status == 429:
            kind, text = "rate_limit", (f"{who} is rate-limited or out of quota (429: {detail}); wait and retry, "
                                        f"or check the account's limits")
        elif name == "NotFoundError" or status == 404:
            kind, text = "not_found", (f"{who} does not know the model or the path (404: {detail}); check llm.model "
                                       f"and llm.api_base (OpenAI-compatible servers end in /v1)")
        elif "LLM Provider NOT provided" in str(exc):
            kind, text = "bad_request", (f"litellm cannot tell the provider from llm.model '{self.config.model}'; "
                                         f"write it as provider/model, e.g. openai/gpt-4o-mini or ollama/llama3")
        elif name == "ContextWindowExceededError":
            kind, text = "bad_request", (f"{who} refused a prompt that is too long for the model ({detail}); "
                                         f"use a model with a larger context")
        elif name in ("BadRequestError", "UnprocessableEntityError", "UnsupportedParamsError") or status in (400, 422):
            kind, text = "bad_request", (f"{who} rejected the request ({status or name}: {detail}); check llm.model "
                                         f"and the llm settings")
        elif isinstance(status, int) and status >= 500 or name in ("InternalServerError", "ServiceUnavailableError",
                                                                   "BadGatewayError"):
            kind, text = "server", (f"{who} failed on the server side ({status or name}: {detail}); check the "
                                    f"server's logs, or retry later")
        else:
            kind, text = "error", f"{who} failed ({name}: {detail}); check the llm settings"
        return LLMUnavailable(secrets.mask(text).translate(_LINE_BREAKS), kind=kind)


def client_for(config: LLMConfig | None) -> LLMClient | None:
    """The client of a project's ``llm:`` block, or None when no LLM is configured."""
    return LLMClient(config) if config is not None else None


def _masked(message: dict[str, Any]) -> dict[str, Any]:
    content = message.get("content")
    if isinstance(content, str):
        return {**message, "content": secrets.mask(content)}
    if isinstance(content, list):  # content parts: [{"type": "text", "text": ...}, ...]
        parts = [{**p, "text": secrets.mask(p["text"])} if isinstance(p, dict) and isinstance(p.get("text"), str)
                 else p for p in content]
        return {**message, "content": parts}
    return dict(message)


def _caused_by(exc: BaseException, names: tuple[str, ...]) -> bool:
    """True when ``exc`` or anything in its cause/context chain has one of these class names."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if any(cls.__name__ in names for cls in type(current).__mro__):
            return True
        current = current.__cause__ or current.__context__
    return False


def _detail(exc: BaseException) -> str:
    """The provider's own words, without litellm's ``litellm.X: X: OpenAIException -`` prefixes."""
    text = str(getattr(exc, "message", "") or exc).strip()
    for sep in (" - ", ": "):
        while text.startswith("litellm.") and sep in text:
            text = text.split(sep, 1)[1].strip()
    if "OpenAIException - " in text:
        text = text.split("OpenAIException - ", 1)[1]
    root, seen = exc, {id(exc)}
    while (root.__cause__ or root.__context__) is not None and id(root.__cause__ or root.__context__) not in seen:
        root = root.__cause__ or root.__context__  # type: ignore[assignment]
        seen.add(id(root))
    if isinstance(root, OSError) and root.strerror:  # "Connection error." says less than "Connection refused"
        text = root.strerror
    first = (text.splitlines() or [type(exc).__name__])[0].strip()
    return first[:200] or type(exc).__name__
