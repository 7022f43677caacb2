"""Connections: local path confinement and glob, SQL engines and health, HTTP sessions, Azure paths.

Everything runs against real things: files in tmp_path, SQLite files, the session PostgreSQL
and the session HTTP API (tests/fixtures). Real Azure Storage cannot be reached from this
machine, so the Azure tests cover only what runs offline: URI building, path confinement,
storage options per auth mode, masking of keys, and the clear message when adlfs is missing.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

from odibi_core import secrets
from odibi_core.config.models import (
    AzureBlobConnectionConfig,
    HttpConnectionConfig,
    LocalConnectionConfig,
    SqlConnectionConfig,
)
from odibi_core.connections.azure_blob import AzureBlobConnection
from odibi_core.connections.http import HttpConnection
from odibi_core.connections.local import LocalConnection
from odibi_core.connections.registry import create_connection
from odibi_core.connections.sql import SqlConnection
from odibi_core.errors import ConnectionFailure


# --- local ---------------------------------------------------------------------------------------
@pytest.fixture
def lake(tmp_path: Path) -> LocalConnection:
    base = tmp_path / "project" / "lake"
    (base / "orders" / "2024" / "01").mkdir(parents=True)
    (base / "orders" / "2024" / "02").mkdir(parents=True)
    for rel in ("orders/a.csv", "orders/b.csv", "orders/notes.txt", "orders/2024/01/c.csv",
                "orders/2024/02/d.csv", "x1.csv", "x22.csv"):
        (base / rel).write_text("id\n1\n")
    (base / "delta_table").mkdir()
    (base / "delta_table" / "part-0.parquet").write_text("x")
    return LocalConnection("lake", LocalConnectionConfig(type="local", base_path="lake"), tmp_path / "project")


def test_base_path_is_relative_to_project_root(lake, tmp_path):
    assert lake.resolve("orders/a.csv") == str(tmp_path / "project" / "lake" / "orders" / "a.csv")
    assert lake.resolve("") == str(tmp_path / "project" / "lake")


def test_absolute_base_path_is_used_as_is(tmp_path):
    conn = LocalConnection("abs", LocalConnectionConfig(type="local", base_path=str(tmp_path / "elsewhere")),
                           tmp_path / "project")
    assert conn.resolve("f.csv") == str(tmp_path / "elsewhere" / "f.csv")


def test_resolve_allows_dotdot_that_stays_inside(lake, tmp_path):
    assert lake.resolve("orders/2024/../a.csv") == str(tmp_path / "project" / "lake" / "orders" / "a.csv")


@pytest.mark.parametrize("path", ["../secrets.txt", "orders/../../secrets.txt", "../lake2/x.csv"])
def test_resolve_refuses_dotdot_escape(lake, tmp_path, path):
    with pytest.raises(ConnectionFailure) as err:
        lake.resolve(path)
    msg = str(err.value)
    assert "'lake'" in msg and path in msg and str(tmp_path / "project" / "lake") in msg


def test_resolve_absolute_paths_inside_ok_outside_refused(lake, tmp_path):
    inside = tmp_path / "project" / "lake" / "orders" / "a.csv"
    assert lake.resolve(str(inside)) == str(inside)
    with pytest.raises(ConnectionFailure, match="outside the connection's base folder"):
        lake.resolve("/etc/passwd")
    with pytest.raises(ConnectionFailure):
        lake.resolve(str(tmp_path / "project" / "other.csv"))


def test_resolve_refuses_symlink_pointing_outside(lake, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.csv").write_text("pw\n1\n")
    base = tmp_path / "project" / "lake"
    os.symlink(outside, base / "link_dir")
    os.symlink(outside / "secret.csv", base / "link_file.csv")
    with pytest.raises(ConnectionFailure, match="link_dir/secret.csv"):
        lake.resolve("link_dir/secret.csv")
    with pytest.raises(ConnectionFailure, match="link_file.csv"):
        lake.resolve("link_file.csv")


def test_symlink_inside_base_is_allowed_and_keeps_its_name(lake, tmp_path):
    base = tmp_path / "project" / "lake"
    os.symlink(base / "orders" / "a.csv", base / "alias.csv")
    assert lake.resolve("alias.csv") == str(base / "alias.csv")


def test_glob_star_question_and_recursive(lake, tmp_path):
    base = tmp_path / "project" / "lake"
    assert lake.glob("orders/*.csv") == [str(base / "orders/a.csv"), str(base / "orders/b.csv")]
    assert lake.glob("x?.csv") == [str(base / "x1.csv")]
    assert lake.glob("orders/**/*.csv") == sorted(str(base / p) for p in (
        "orders/a.csv", "orders/b.csv", "orders/2024/01/c.csv", "orders/2024/02/d.csv"))
    assert lake.glob("nothing/*.csv") == []


def test_glob_returns_only_files_and_directory_itself_for_plain_dir(lake, tmp_path):
    base = tmp_path / "project" / "lake"
    assert lake.glob("orders/*") == [str(base / "orders/a.csv"), str(base / "orders/b.csv"),
                                     str(base / "orders/notes.txt")]
    assert lake.glob("delta_table") == [str(base / "delta_table")]
    assert lake.glob("orders/a.csv") == [str(base / "orders/a.csv")]
    assert lake.glob("missing_table") == []


def test_glob_refuses_escapes(lake, tmp_path):
    (tmp_path / "project" / "evil.csv").write_text("x")
    with pytest.raises(ConnectionFailure, match=r"\.\./\*\.csv"):
        lake.glob("../*.csv")
    with pytest.raises(ConnectionFailure):
        lake.glob(str(tmp_path / "project" / "*.csv"))
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "s.csv").write_text("x")
    os.symlink(outside, tmp_path / "project" / "lake" / "orders" / "link")
    with pytest.raises(ConnectionFailure, match="outside"):
        lake.glob("orders/**/*.csv")


def test_local_check(tmp_path):
    missing = LocalConnection("m", LocalConnectionConfig(type="local", base_path="nope"), tmp_path)
    result = missing.check()
    assert not result.ok and "does not exist" in result.detail
    assert not (tmp_path / "nope").exists(), "check() must not create the folder"
    (tmp_path / "nope").mkdir()
    assert missing.check().ok
    (tmp_path / "file").write_text("x")
    assert not LocalConnection("f", LocalConnectionConfig(type="local", base_path="file"), tmp_path).check().ok


def test_registry_creates_local(tmp_path):
    conn = create_connection("lake", LocalConnectionConfig(type="local", base_path="."), tmp_path)
    assert isinstance(conn, LocalConnection) and conn.kind == "file" and conn.is_local


# --- sql -----------------------------------------------------------------------------------------
def test_sqlite_path_relative_to_project_and_check(tmp_path):
    conn = create_connection("db", SqlConnectionConfig(type="sqlite", path="data/app.db"), tmp_path)
    assert isinstance(conn, SqlConnection)
    (tmp_path / "data").mkdir()
    result = conn.check()
    assert result.ok, result.detail
    assert result.latency_ms >= 0
    assert (tmp_path / "data" / "app.db").exists()
    assert conn.dialect_name == "sqlite"
    assert conn.engine is conn.engine, "the engine is cached"
    conn.close()
    assert conn._engine is None


def test_sqlite_url_given_as_is(tmp_path):
    conn = SqlConnection("db", SqlConnectionConfig(type="sql", url=f"sqlite:///{tmp_path}/x.db"), tmp_path)
    assert conn.check().ok
    assert (tmp_path / "x.db").exists()


def test_postgres_parts_build_psycopg_url_without_formatting_password(tmp_path):
    cfg = SqlConnectionConfig(type="postgres", host="db.example", port=5433, database="sales",
                              username="etl", password="p@ss:w/rd#1", options={"sslmode": "require"})
    conn = SqlConnection("pg", cfg, tmp_path)
    url = conn.url
    assert url.drivername == "postgresql+psycopg"
    assert url.password == "p@ss:w/rd#1" and url.host == "db.example" and url.port == 5433
    assert url.query == {"sslmode": "require"}
    assert "p@ss" not in str(conn.describe())


def test_bare_postgresql_url_uses_psycopg(tmp_path):
    conn = SqlConnection("pg", SqlConnectionConfig(type="postgres", url="postgresql://u@h/db"), tmp_path)
    assert conn.url.drivername == "postgresql+psycopg"


@pytest.mark.skipif(importlib.util.find_spec("pyodbc") is not None, reason="pyodbc is installed here")
def test_sql_server_without_pyodbc_says_what_to_install(tmp_path):
    cfg = SqlConnectionConfig(type="sql_server", host="srv", database="db", username="u", password="pw-12345")
    conn = SqlConnection("mssql", cfg, tmp_path)
    assert conn.url.drivername == "mssql+pyodbc"
    assert conn.url.query["driver"] == "ODBC Driver 18 for SQL Server"
    with pytest.raises(ConnectionFailure, match="pip install pyodbc"):
        conn.engine
    assert not conn.check().ok


@pytest.mark.skipif(importlib.util.find_spec("pymysql") is not None, reason="pymysql is installed here")
def test_mysql_without_pymysql_says_what_to_install(tmp_path):
    conn = SqlConnection("my", SqlConnectionConfig(type="mysql", host="h", database="d"), tmp_path)
    with pytest.raises(ConnectionFailure, match="pip install pymysql"):
        conn.engine


@pytest.mark.postgres
def test_postgres_check_on_real_server(postgres_url, tmp_path):
    conn = SqlConnection("pg", SqlConnectionConfig(type="postgres", url=postgres_url), tmp_path)
    result = conn.check()
    assert result.ok, result.detail
    assert conn.dialect_name == "postgresql"
    conn.close()


@pytest.mark.postgres
def test_postgres_failure_message_masks_password(postgres_url, tmp_path):
    from sqlalchemy.engine import make_url

    real = make_url(postgres_url)
    password = "Hunter2-very-secret"
    secrets.register(password)
    cfg = SqlConnectionConfig(type="postgres", host=real.host, port=real.port, database="no_such_db",
                              username="nobody", password=password)
    conn = SqlConnection("pg", cfg, tmp_path)
    result = conn.check()
    assert not result.ok
    assert password not in result.detail
    assert "'pg'" in result.detail and "nobody" in result.detail
    assert password not in secrets.mask(str(conn.describe()))


def test_unregistered_password_still_hidden_in_errors(tmp_path):
    """Even a password nobody registered as a secret must not appear in check() output."""
    port = _closed_port()
    cfg = SqlConnectionConfig(type="postgres", host="127.0.0.1", port=port, database="d",
                              username="u", password="plain-pass-42")
    result = SqlConnection("pg", cfg, tmp_path).check()
    assert not result.ok
    assert "plain-pass-42" not in result.detail
    assert f"127.0.0.1:{port}" in result.detail


def test_password_inside_url_is_hidden_in_describe(tmp_path):
    conn = SqlConnection("pg", SqlConnectionConfig(type="postgres", url="postgresql://u:urlpass99@h/db"), tmp_path)
    assert "urlpass99" not in str(conn.describe())


def _closed_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- http ----------------------------------------------------------------------------------------
def _http(base_url: str, **kw) -> HttpConnection:
    kw.setdefault("backoff_seconds", 0)
    return HttpConnection("api", HttpConnectionConfig(type="http", base_url=base_url, **kw), Path("."))


def test_http_check_reachable_and_unreachable(http_api):
    result = _http(http_api.base_url).check()
    assert result.ok and result.extra["status"] == 200
    assert _http(http_api.url("/unauthorized")).check().ok, "a 401 still proves the server is reachable"
    dead = _http(f"http://127.0.0.1:{_closed_port()}").check()
    assert not dead.ok and "not reachable" in dead.detail


def test_http_default_headers_and_get_json(http_api_clean):
    conn = _http(http_api_clean.base_url, headers={"X-Team": "data"})
    body = conn.get_json("/echo", {"q": "1"})
    assert body["query"] == {"q": "1"}
    assert http_api_clean.requests_to("/echo")[0].headers["X-Team"] == "data"


def test_http_registry_kind(http_api):
    conn = create_connection("api", HttpConnectionConfig(type="http", base_url=http_api.base_url), Path("."))
    assert isinstance(conn, HttpConnection) and conn.kind == "http"


# --- azure ---------------------------------------------------------------------------------------
def _azure(**kw) -> AzureBlobConnection:
    cfg = AzureBlobConnectionConfig(type="azure_blob", account_name="acct", container="raw", **kw)
    return AzureBlobConnection("adls", cfg, Path("."))


def test_azure_resolve_builds_abfss_uri_and_refuses_escape():
    conn = _azure(base_path="/landing/sales/", account_key="k" * 20)
    root = "abfss://raw@acct.dfs.core.windows.net/landing/sales"
    assert conn.resolve("orders/2024.csv") == f"{root}/orders/2024.csv"
    assert conn.resolve("a/../b.csv") == f"{root}/b.csv"
    assert conn.resolve("") == root
    assert conn.resolve(f"{root}/x.parquet") == f"{root}/x.parquet"
    assert not conn.is_local
    for bad in ("../other/x.csv", "a/../../x", "abfss://other@acct.dfs.core.windows.net/x"):
        with pytest.raises(ConnectionFailure, match="outside the connection's base"):
            conn.resolve(bad)


def test_azure_storage_options_per_auth_mode():
    assert _azure(account_key="KEY123456").storage_options == {"account_name": "acct", "account_key": "KEY123456"}
    assert _azure(auth_mode="sas", sas_token="?sv=2024&sig=abc").storage_options == {
        "account_name": "acct", "sas_token": "sv=2024&sig=abc"}
    sp = _azure(auth_mode="service_principal", tenant_id="t", client_id="c", client_secret="cs-secret")
    assert sp.storage_options == {"account_name": "acct", "tenant_id": "t", "client_id": "c",
                                  "client_secret": "cs-secret"}
    assert _azure(auth_mode="managed_identity").storage_options == {"account_name": "acct"}
    with pytest.raises(ConnectionFailure, match="needs client_secret"):
        _azure(auth_mode="service_principal", tenant_id="t", client_id="c").storage_options


def test_azure_describe_masks_keys():
    conn = _azure(account_key="AccountKey-abcdef-0123", sas_token="sig-zzzz-9999",
                  client_secret="cs-secret-8888")
    text = str(conn.describe())
    for value in ("AccountKey-abcdef-0123", "sig-zzzz-9999", "cs-secret-8888"):
        assert value not in text
    assert "acct" in text


@pytest.mark.skipif(importlib.util.find_spec("adlfs") is not None, reason="adlfs is installed here")
def test_azure_glob_and_check_without_adlfs_explain_the_fix():
    conn = _azure(account_key="k" * 20)
    with pytest.raises(ConnectionFailure, match="pip install adlfs"):
        conn.glob("*.csv")
    result = conn.check()
    assert not result.ok and "pip install adlfs" in result.detail
