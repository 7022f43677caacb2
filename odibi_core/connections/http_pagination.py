"""Pagination strategies for JSON APIs, chosen by ``options.pagination.type``.

Every strategy stops on an empty page and is bounded by ``max_pages`` (default 1000), so a
server that never says "done" cannot make a pipeline loop forever. Where records sit in a
response is ``records_path`` (dotted); without it the body itself when it is a list, else the
first list value of the body.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

from odibi_core.config.models.base import unknown_key_message
from odibi_core.errors import ConfigError, ConnectionFailure

if TYPE_CHECKING:
    from odibi_core.connections.http import HttpConnection

log = logging.getLogger(__name__)

OPTION_KEYS = ("pagination", "records_path", "params", "max_pages")
# type -> its keys and their defaults
STRATEGIES: dict[str, dict[str, Any]] = {
    "page": {"page_param": "page", "size_param": "page_size", "page_size": 100, "start": 1},
    "offset": {"offset_param": "offset", "limit_param": "limit", "limit": 100, "start": 0},
    "cursor": {"cursor_param": "cursor", "cursor_path": "meta.next_cursor"},
    "next_url": {"next_path": "next"},
    "link_header": {},
}


def fetch_all(conn: HttpConnection, path: str, options: dict[str, Any]) -> list[dict[str, Any]]:
    for key in options:
        if key not in OPTION_KEYS:
            raise ConfigError(f"api read on connection '{conn.name}': options: {unknown_key_message(key, OPTION_KEYS)}")
    params = dict(options.get("params") or {})
    records_path = options.get("records_path")
    max_pages = int(options.get("max_pages", 1000))
    if max_pages < 1:
        raise ConfigError(f"api read on connection '{conn.name}': options.max_pages must be at least 1")
    spec = options.get("pagination")
    if spec in (None, False, "none"):
        body, resp = conn.get(path, params)
        return _extract(conn, body, resp, records_path, paginated=False)
    settings = _settings(conn.name, spec)
    pager = _PAGERS[settings.pop("type")]
    return pager(conn, path, params, records_path, max_pages, settings)


def _settings(conn_name: str, spec: Any) -> dict[str, Any]:
    if isinstance(spec, str):
        spec = {"type": spec}
    where = f"api read on connection '{conn_name}': options.pagination"
    if not isinstance(spec, dict) or spec.get("type") not in STRATEGIES:
        got = spec.get("type") if isinstance(spec, dict) else spec
        raise ConfigError(f"{where}: type {got!r} is not one of {', '.join(STRATEGIES)}")
    kind = spec["type"]
    allowed = ("type", *STRATEGIES[kind])
    for key in spec:
        if key not in allowed:
            raise ConfigError(f"{where} ({kind}): {unknown_key_message(key, allowed)}")
    return {**STRATEGIES[kind], **spec}


def _page(conn, path, params, records_path, max_pages, s) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for i in range(max_pages):
        query = {**params, s["page_param"]: s["start"] + i}
        if s["size_param"]:
            query[s["size_param"]] = s["page_size"]
        body, resp = conn.get(path, query)
        records = _extract(conn, body, resp, records_path)
        if not records:
            return out
        out.extend(records)
    _bounded(conn, max_pages)
    return out


def _offset(conn, path, params, records_path, max_pages, s) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    offset = s["start"]
    for _ in range(max_pages):
        body, resp = conn.get(path, {**params, s["offset_param"]: offset, s["limit_param"]: s["limit"]})
        records = _extract(conn, body, resp, records_path)
        if not records:
            return out
        out.extend(records)
        offset += len(records)
    _bounded(conn, max_pages)
    return out


def _cursor(conn, path, params, records_path, max_pages, s) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    cursor = None
    for _ in range(max_pages):
        query = {**params, s["cursor_param"]: cursor} if cursor not in (None, "") else dict(params)
        body, resp = conn.get(path, query)
        records = _extract(conn, body, resp, records_path)
        out.extend(records)
        cursor = dig(body, s["cursor_path"])
        if not records or cursor in (None, ""):
            return out
    _bounded(conn, max_pages)
    return out


def _next_url(conn, path, params, records_path, max_pages, s) -> list[dict[str, Any]]:
    return _follow(conn, path, params, records_path, max_pages, lambda body, resp: dig(body, s["next_path"]))


def _link_header(conn, path, params, records_path, max_pages, s) -> list[dict[str, Any]]:
    return _follow(conn, path, params, records_path, max_pages,
                   lambda body, resp: resp.links.get("next", {}).get("url"))


def _follow(conn, path, params, records_path, max_pages, next_of) -> list[dict[str, Any]]:
    """Follow "next" links; the first request carries ``params``, later links already hold theirs."""
    out: list[dict[str, Any]] = []
    target, query = path, params
    for _ in range(max_pages):
        body, resp = conn.get(target, query)
        records = _extract(conn, body, resp, records_path)
        out.extend(records)
        nxt = next_of(body, resp)
        if not records or not nxt:
            return out
        target, query = urljoin(resp.url, str(nxt)), None
    _bounded(conn, max_pages)
    return out


_PAGERS = {"page": _page, "offset": _offset, "cursor": _cursor, "next_url": _next_url, "link_header": _link_header}


def _bounded(conn: HttpConnection, max_pages: int) -> None:
    log.warning("connection '%s': stopped after options.max_pages=%d pages; later pages were not read",
                conn.name, max_pages)


def _extract(conn, body, resp, records_path, paginated=True) -> list[dict[str, Any]]:
    where = f"connection '{conn.name}': GET {conn.safe_url(resp.url)}"
    return extract_records(body, records_path, where, paginated)


def dig(body: Any, dotted: str) -> Any:
    """Value at a dotted path (``meta.next_cursor``; list indexes allowed), or None when absent."""
    node = body
    for part in str(dotted).split("."):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
    return node


def extract_records(body: Any, records_path: str | None, where: str, paginated: bool = True) -> list[dict[str, Any]]:
    """The list of records in one response body; scalar items become ``{"value": item}``.

    ``where`` names the connection and request for error messages.
    """
    if records_path:
        node = body
        for part in str(records_path).split("."):
            if isinstance(node, dict) and part in node:
                node = node[part]
            elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                keys = ", ".join(map(str, node)) if isinstance(node, dict) else type(node).__name__
                raise ConnectionFailure(
                    f"{where}: records_path '{records_path}' does not exist in the response: "
                    f"no '{part}' there (found: {keys}). Fix options.records_path."
                )
        if node is None:
            return []
        if isinstance(node, dict):
            node = [node]
        if not isinstance(node, list):
            raise ConnectionFailure(
                f"{where}: records_path '{records_path}' is a {type(node).__name__} in the response, "
                "not a list of records. Point options.records_path at the list."
            )
    elif isinstance(body, list):
        node = body
    elif isinstance(body, dict):
        node = next((v for v in body.values() if isinstance(v, list)), None)
        if node is None:
            if paginated:
                raise ConnectionFailure(
                    f"{where}: the response holds no list of records (keys: {', '.join(map(str, body))}). "
                    "Set options.records_path to the list."
                )
            node = [body] if body else []
    else:
        raise ConnectionFailure(
            f"{where}: the response is a {type(body).__name__}, not records; set options.records_path."
        )
    return [item if isinstance(item, dict) else {"value": item} for item in node]
