"""The api format and the http connection against a real local JSON API (tests/fixtures/http_api.py).

The server checks credentials itself and logs every request, so the tests assert what was
actually sent on the wire: headers, query parameters, number of attempts.
"""

from __future__ import annotations

import base64
from pathlib import Path

import pyarrow as pa
import pytest

from odibi_core import secrets
from odibi_core.config.models import HttpConnectionConfig, LocalConnectionConfig, ReadConfig
from odibi_core.connections.http import HttpConnection
from odibi_core.connections.local import LocalConnection
from odibi_core.errors import ConfigError, ConnectionFailure, OdibiError
from odibi_core.formats.api import ApiFormat, records_to_arrow
from odibi_core.formats.registry import FORMATS

FMT = ApiFormat()


def connect(api, **kw) -> HttpConnection:
    kw.setdefault("backoff_seconds", 0)
    return HttpConnection("api", HttpConnectionConfig(type="http", base_url=api.base_url, **kw), Path("."))


def read(conn, path="", **options) -> pa.Table:
    return FMT.read(conn, ReadConfig(connection=conn.name, format="api", path=path or None, options=options))


def test_registered_read_only():
    assert isinstance(FORMATS["api"], ApiFormat)
    assert ApiFormat.write_modes == frozenset() and ApiFormat.connection_kind == "http"
    with pytest.raises(OdibiError, match="read-only"):
        FMT.write(pa.table({"a": [1]}), None, None)


def test_plain_list_endpoint(http_api_clean):
    table = read(connect(http_api_clean), "/items")
    assert table.num_rows == 23 and table.column_names == ["id", "name", "score"]
    assert table.column("id").to_pylist() == list(range(1, 24))
    assert table.schema.field("score").type == pa.float64()


# --- auth ----------------------------------------------------------------------------------------
def test_auth_none_is_refused_by_guarded_endpoint(http_api_clean):
    with pytest.raises(ConnectionFailure, match="HTTP 401"):
        read(connect(http_api_clean), "/auth/bearer")
    assert "Authorization" not in http_api_clean.requests_to("/auth/bearer")[0].headers


def test_auth_basic(http_api_clean):
    api = http_api_clean
    conn = connect(api, auth={"mode": "basic", "username": api.USERNAME, "password": api.PASSWORD})
    assert read(conn, "/auth/basic").to_pylist() == [{"authorized": True}]
    sent = api.requests_to("/auth/basic")[0].headers["Authorization"]
    assert sent == "Basic " + base64.b64encode(f"{api.USERNAME}:{api.PASSWORD}".encode()).decode()


def test_auth_bearer(http_api_clean):
    api = http_api_clean
    conn = connect(api, auth={"mode": "bearer", "token": api.TOKEN})
    assert read(conn, "/auth/bearer").num_rows == 1
    assert api.requests_to("/auth/bearer")[0].headers["Authorization"] == f"Bearer {api.TOKEN}"


def test_auth_api_key_header(http_api_clean):
    api = http_api_clean
    conn = connect(api, auth={"mode": "api_key", "api_key": api.API_KEY, "header": api.API_KEY_HEADER})
    assert read(conn, "/auth/key-header").num_rows == 1
    seen = api.requests_to("/auth/key-header")[0]
    assert seen.headers[api.API_KEY_HEADER] == api.API_KEY and api.API_KEY_PARAM not in seen.query


def test_auth_api_key_query_param_on_every_page(http_api_clean):
    api = http_api_clean
    conn = connect(api, auth={"mode": "api_key", "api_key": api.API_KEY, "in": "query", "param": api.API_KEY_PARAM})
    assert read(conn, "/auth/key-query").num_rows == 1
    assert api.requests_to("/auth/key-query")[0].query[api.API_KEY_PARAM] == api.API_KEY
    read(conn, "/items/page", records_path="data.items", pagination={"type": "page", "page_size": 10})
    assert len(api.requests_to("/items/page")) == 4
    assert all(s.query.get(api.API_KEY_PARAM) == api.API_KEY for s in api.requests_to("/items/page"))


def test_wrong_credentials_error_is_clear_and_secret_free(http_api_clean):
    api = http_api_clean
    wrong = "wrong-token-abcdef"
    conn = connect(api, auth={"mode": "api_key", "api_key": wrong, "in": "query"})
    with pytest.raises(ConnectionFailure) as err:
        read(conn, "/auth/key-query")
    msg = str(err.value)
    assert "HTTP 401" in msg and "connection 'api'" in msg and "/auth/key-query" in msg
    assert "missing or wrong credentials" in msg and "auth settings" in msg
    assert wrong not in msg and "api_key=***" in msg


# --- pagination ----------------------------------------------------------------------------------
def test_page_pagination_with_records_path(http_api_clean):
    api = http_api_clean
    table = read(connect(api), "/items/page", records_path="data.items",
                 pagination={"type": "page", "page_param": "page", "size_param": "page_size", "page_size": 10,
                             "start": 1})
    assert table.column("id").to_pylist() == list(range(1, 24))
    pages = [s.query for s in api.requests_to("/items/page")]
    assert [p["page"] for p in pages] == ["1", "2", "3", "4"], "stops at the first empty page"
    assert all(p["page_size"] == "10" for p in pages)


def test_paginated_body_without_a_top_level_list_needs_records_path(http_api_clean):
    # /items/page nests its list under data.items; without records_path there is no list to take,
    # and silently treating the whole body as one record would page on forever.
    with pytest.raises(ConnectionFailure, match="no list of records.*records_path"):
        read(connect(http_api_clean), "/items/page", pagination={"type": "page"})


def test_offset_pagination(http_api_clean):
    api = http_api_clean
    table = read(connect(api), "/items/offset", params={"sort": "id"},
                 pagination={"type": "offset", "offset_param": "offset", "limit_param": "limit", "limit": 7})
    assert table.column("id").to_pylist() == list(range(1, 24))
    offsets = [s.query["offset"] for s in api.requests_to("/items/offset")]
    assert offsets == ["0", "7", "14", "21", "23"]
    assert all(s.query["sort"] == "id" and s.query["limit"] == "7" for s in api.requests_to("/items/offset"))


def test_cursor_pagination_records_default_to_first_list_value(http_api_clean):
    api = http_api_clean
    table = read(connect(api), "/items/cursor", params={"limit": 10},
                 pagination={"type": "cursor", "cursor_param": "cursor", "cursor_path": "meta.next_cursor"})
    assert table.column("id").to_pylist() == list(range(1, 24))
    cursors = [s.query.get("cursor") for s in api.requests_to("/items/cursor")]
    assert cursors == [None, "c10", "c20"], "no cursor first, then follow until next_cursor is null"


def test_next_url_pagination_relative_links(http_api_clean):
    api = http_api_clean
    table = read(connect(api), "/items/next", params={"limit": 9}, pagination={"type": "next_url", "next_path": "next"})
    assert table.column("id").to_pylist() == list(range(1, 24))
    assert [s.query["start"] for s in api.requests_to("/items/next")[1:]] == ["9", "18"]


def test_link_header_pagination(http_api_clean):
    api = http_api_clean
    table = read(connect(api), "/items/link", params={"per_page": 5}, pagination={"type": "link_header"})
    assert table.column("id").to_pylist() == list(range(1, 24))
    assert [s.query.get("page", "1") for s in api.requests_to("/items/link")] == ["1", "2", "3", "4", "5"]


def test_max_pages_bounds_pagination(http_api_clean):
    api = http_api_clean
    table = read(connect(api), "/items/offset", max_pages=2, pagination={"type": "offset", "limit": 5})
    assert table.num_rows == 10
    assert len(api.requests_to("/items/offset")) == 2


def test_pagination_config_errors():
    conn = HttpConnection("api", HttpConnectionConfig(type="http", base_url="http://127.0.0.1:9"), Path("."))
    with pytest.raises(ConfigError, match="'pages' is not one of page, offset, cursor, next_url, link_header"):
        conn.fetch_records("/x", {"pagination": {"type": "pages"}})
    with pytest.raises(ConfigError, match="did you mean 'page_size'"):
        conn.fetch_records("/x", {"pagination": {"type": "page", "page_sise": 5}})
    with pytest.raises(ConfigError, match="did you mean 'records_path'"):
        conn.fetch_records("/x", {"record_path": "data"})


# --- records -------------------------------------------------------------------------------------
def test_nested_and_differing_records_are_unified(http_api_clean):
    table = read(connect(http_api_clean), "/nested")
    assert table.column_names == ["id", "user", "tags", "extra"]
    assert pa.types.is_struct(table.schema.field("user").type)
    assert table.to_pylist() == [
        {"id": 1, "user": {"name": "Ann", "age": 34}, "tags": ["a", "b"], "extra": None},
        {"id": 2, "user": {"name": "Bob", "age": None}, "tags": None, "extra": True},
        {"id": 3, "user": None, "tags": [], "extra": None},
    ]


def test_empty_result_is_empty_table_without_columns(http_api_clean):
    table = read(connect(http_api_clean), "/empty")
    assert table.num_rows == 0 and table.num_columns == 0


def test_records_to_arrow_mixed_types_fall_back_to_text():
    table = records_to_arrow([{"v": 1}, {"v": "x"}, {"v": {"a": 1}}, {}])
    assert table.column("v").to_pylist() == ["1", "x", '{"a": 1}', None]


def test_missing_records_path_is_a_clear_error(http_api_clean):
    with pytest.raises(ConnectionFailure, match=r"records_path 'data.rows' does not exist.*found: items"):
        read(connect(http_api_clean), "/items/page", records_path="data.rows")


# --- failures ------------------------------------------------------------------------------------
def test_retries_503_then_succeeds(http_api_clean):
    api = http_api_clean
    table = read(connect(api, max_retries=3), "/flaky", params={"key": "retry-ok", "fail": 2})
    assert table.to_pylist() == [{"attempt": 3}]
    assert len(api.requests_to("/flaky")) == 3


def test_backoff_doubles_and_short_retry_after_is_honoured(http_api_clean, monkeypatch):
    """The waits are recorded instead of slept (the only stand-in in this file): the test checks
    which delays the connection asks for, not how long anything takes."""
    import odibi_core.connections.http as http_mod

    waits: list[float] = []
    monkeypatch.setattr(http_mod, "_sleep", waits.append)
    conn = connect(http_api_clean, max_retries=3, backoff_seconds=2)
    read(conn, "/flaky", params={"key": "no-header", "fail": 2, "retry_after": "none"})
    assert waits == [2, 4]
    waits.clear()
    read(conn, "/flaky", params={"key": "asks-1s", "fail": 2, "retry_after": "1"})
    assert waits == [1.0, 1.0], "a small Retry-After replaces the backoff"
    waits.clear()
    read(conn, "/flaky", params={"key": "asks-1h", "fail": 1, "retry_after": "3600"})
    assert waits == [2], "an hour-long Retry-After is not honoured; the bounded backoff is used"


def test_retries_are_bounded(http_api_clean):
    api = http_api_clean
    with pytest.raises(ConnectionFailure, match=r"HTTP 503 after 3 attempt\(s\).*down for maintenance"):
        read(connect(api, max_retries=2), "/always-503")
    assert len(api.requests_to("/always-503")) == 3


def test_401_is_not_retried(http_api_clean):
    api = http_api_clean
    with pytest.raises(ConnectionFailure, match=r"HTTP 401 with body: .*invalid token"):
        read(connect(api, max_retries=5), "/unauthorized")
    assert len(api.requests_to("/unauthorized")) == 1


def test_non_json_body_is_a_clear_error(http_api_clean):
    with pytest.raises(ConnectionFailure, match=r"did not return JSON \(Content-Type: text/html\).*Welcome"):
        read(connect(http_api_clean), "/not-json")


def test_unreachable_server_after_retries():
    conn = HttpConnection("api", HttpConnectionConfig(type="http", base_url="http://127.0.0.1:9", max_retries=1,
                                                      backoff_seconds=0, timeout=2), Path("."))
    with pytest.raises(ConnectionFailure, match=r"failed after 2 attempt\(s\).*server is up"):
        conn.get_json("/x")


def test_secrets_never_appear_in_errors(http_api_clean):
    api = http_api_clean
    password = "Pa55word-registered"
    secrets.register(password)
    conn = connect(api, auth={"mode": "basic", "username": "ann", "password": password},
                   headers={"X-Echo": password})
    with pytest.raises(ConnectionFailure) as err:
        # the query string carries the secret too; the error must show neither
        read(conn, "/not-json", params={"note": password})
    assert password not in str(err.value)
    assert secrets.mask(str(err.value)) == str(err.value)
    assert password not in str(conn.describe())


def test_api_format_needs_http_connection(tmp_path):
    local = LocalConnection("lake", LocalConnectionConfig(type="local"), tmp_path)
    with pytest.raises(OdibiError, match="needs an http connection; 'lake'"):
        read(local, "/x")
