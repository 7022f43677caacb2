"""HTTP/JSON API connection: authenticated session, bounded retries, readable errors.

APIs fail in ordinary ways (rate limits, a restarting backend), so connection errors, 429 and
5xx answers are retried with exponential backoff, honouring a short ``Retry-After``. Client
errors (4xx) are not retried: they will not get better, and the message says what came back.
URLs shown in errors have credential query parameters blanked and registered secrets masked.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import requests

from odibi_core import secrets
from odibi_core.connections.base import Connection, HealthResult
from odibi_core.connections.registry import register_connection
from odibi_core.errors import ConnectionFailure

log = logging.getLogger(__name__)

_MAX_SLEEP = 30.0  # never wait longer than this between attempts, whatever the server asks
_BODY_PREVIEW = 200
# The one place this module waits; tests swap it to record delays without touching time.sleep,
# which other threads (Spark's py4j, pollers) share.
_sleep = time.sleep


@register_connection
class HttpConnection(Connection):
    kind = "http"
    types = ("http",)

    def __init__(self, name, config, project_root) -> None:
        super().__init__(name, config, project_root)
        auth = config.auth
        for value in (auth.password, auth.token, auth.api_key):
            secrets.register(value)
        self._session: requests.Session | None = None
        self._lock = threading.Lock()

    # --- session -----------------------------------------------------------------------------
    @property
    def session(self) -> requests.Session:
        with self._lock:
            if self._session is None:
                self._session = self._build_session()
            return self._session

    def _build_session(self) -> requests.Session:
        cfg, auth = self.config, self.config.auth
        s = requests.Session()
        s.headers.update({"Accept": "application/json"})
        s.headers.update(cfg.headers)
        s.verify = cfg.verify_ssl
        if auth.mode == "basic":
            s.auth = (auth.username, auth.password)
        elif auth.mode == "bearer":
            s.headers["Authorization"] = f"Bearer {auth.token}"
        elif auth.mode == "api_key":
            if auth.in_ == "query":
                s.params = {auth.param: auth.api_key}
            else:
                s.headers[auth.header] = auth.api_key
        return s

    def url_for(self, path: str | None) -> str:
        """Absolute URL for an endpoint path; absolute URLs (next links) pass through."""
        path = (path or "").strip()
        if path.startswith(("http://", "https://")):
            return path
        base = self.config.base_url
        if not path:
            return base
        return base.rstrip("/") + "/" + path.lstrip("/")

    # --- requests ----------------------------------------------------------------------------
    def request(self, url: str, params: dict[str, Any] | None = None) -> requests.Response:
        """GET ``url`` with retries; returns a 2xx/3xx response or raises ConnectionFailure."""
        cfg = self.config
        attempts = cfg.max_retries + 1
        for attempt in range(attempts):
            last = attempt == attempts - 1
            try:
                resp = self.session.get(url, params=params, timeout=cfg.timeout)
            except requests.RequestException as exc:
                if last:
                    raise ConnectionFailure(
                        f"connection '{self.name}': GET {self.safe_url(url, params)} failed after {attempts} "
                        f"attempt(s): {self.clean(_short(exc))}. Check that the server is up and base_url is right."
                    ) from None
                self._wait(attempt, None)
                continue
            if _retryable(resp.status_code) and not last:
                self._wait(attempt, resp.headers.get("Retry-After"))
                continue
            if resp.status_code >= 400:
                raise self._status_error(resp, attempts)
            return resp
        raise AssertionError("unreachable: the last attempt always returns or raises")

    def _wait(self, attempt: int, retry_after: str | None) -> None:
        delay = min(self.config.backoff_seconds * (2 ** attempt), _MAX_SLEEP)
        if retry_after is not None:
            try:
                asked = float(retry_after)
            except ValueError:  # an HTTP date: fall back to our own backoff
                asked = None
            if asked is not None and 0 <= asked <= _MAX_SLEEP:
                delay = asked
        if delay > 0:
            _sleep(delay)

    def _status_error(self, resp: requests.Response, attempts: int) -> ConnectionFailure:
        status = resp.status_code
        url = self.safe_url(resp.url)
        body = self.clean((resp.text or "")[:_BODY_PREVIEW].strip())
        hint = {
            401: "Check the connection's auth settings (credentials missing or wrong).",
            403: "The credentials are valid but not allowed to read this resource.",
            404: "Check the endpoint path and the connection's base_url.",
            429: "The API is rate limiting; raise backoff_seconds or max_retries.",
        }.get(status, "The server failed; try again later." if status >= 500 else "Check the request parameters.")
        tried = f" after {attempts} attempt(s)" if _retryable(status) and attempts > 1 else ""
        return ConnectionFailure(
            f"connection '{self.name}': GET {url} returned HTTP {status}{tried}"
            + (f" with body: {body!r}" if body else "") + f". {hint}"
        )

    def parse_json(self, resp: requests.Response) -> Any:
        try:
            return resp.json()
        except ValueError:
            ctype = resp.headers.get("Content-Type", "unknown")
            preview = self.clean((resp.text or "")[:_BODY_PREVIEW].strip())
            raise ConnectionFailure(
                f"connection '{self.name}': GET {self.safe_url(resp.url)} did not return JSON "
                f"(Content-Type: {ctype}); the body starts with {preview!r}. Check the endpoint path."
            ) from None

    def get(self, path: str, params: dict[str, Any] | None = None) -> tuple[Any, requests.Response]:
        """JSON body and response of ``GET path`` (the response carries Link headers and the final URL)."""
        resp = self.request(self.url_for(path), params)
        return self.parse_json(resp), resp

    def get_json(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return self.get(path, params)[0]

    def fetch_records(self, path: str, options: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """All records of an endpoint, following the pagination that ``options`` describes."""
        from odibi_core.connections.http_pagination import fetch_all

        return fetch_all(self, path, options or {})

    # --- text without secrets ----------------------------------------------------------------
    def safe_url(self, url: str, params: dict[str, Any] | None = None) -> str:
        """URL with credential-looking query values and user info replaced by ***."""
        parts = urlsplit(url)
        query = parse_qsl(parts.query, keep_blank_values=True)
        query += [(str(k), str(v)) for k, v in (params or {}).items()]
        auth = self.config.auth
        hidden = {auth.param} if auth.mode == "api_key" and auth.in_ == "query" else set()
        query = [(k, secrets.MASK if (k in hidden or secrets.is_secret_key(k)) else v) for k, v in query]
        netloc = parts.netloc.rsplit("@", 1)[-1]
        text = urlunsplit((parts.scheme, netloc, parts.path, urlencode(query, safe="*"), ""))
        return self.clean(text)

    def clean(self, text: str) -> str:
        text = secrets.mask(text)
        auth = self.config.auth
        for value in (auth.password, auth.token, auth.api_key):
            if value:
                text = text.replace(value, secrets.MASK)
        return text

    # --- health and lifecycle -----------------------------------------------------------------
    def check(self) -> HealthResult:
        start = time.perf_counter()
        url = self.config.base_url
        try:
            resp = self.session.get(url, timeout=self.config.timeout)
        except requests.RequestException as exc:
            return HealthResult(False, f"{self.safe_url(url)} is not reachable: {self.clean(_short(exc))}",
                                (time.perf_counter() - start) * 1000)
        latency = (time.perf_counter() - start) * 1000
        ok = resp.status_code < 500
        return HealthResult(ok, f"{self.safe_url(url)} answered HTTP {resp.status_code}", latency,
                            {"status": resp.status_code})

    def close(self) -> None:
        with self._lock:
            if self._session is not None:
                self._session.close()
                self._session = None


def _retryable(status: int) -> bool:
    return status == 429 or status >= 500


def _short(exc: BaseException) -> str:
    """requests nests urllib3 errors several levels deep; the class and first line are enough."""
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
