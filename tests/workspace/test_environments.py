"""Connection health against real services, and the config matrix across env overlays."""

from __future__ import annotations

import multiprocessing
import os
import pwd
import shutil
import socket
import stat
import tempfile
from pathlib import Path

import pytest

from odibi_core import secrets
from odibi_core.errors import ConfigError
from odibi_core.workspace import Workspace
from odibi_core.workspace.environments import BASE, check_connections, env_matrix, flatten, is_secret_key, show_value

PIPELINES = """\
story: {connection: here, path: _stories}
system: {connection: here, path: _system}
pipelines:
  - pipeline: p
    nodes:
      - name: n
        read: {connection: here, format: csv, path: in.csv}
        write: {connection: here, format: csv, path: out.csv}
"""


def project(folder: Path, connections: str, extra: str = "", files: dict[str, str] | None = None) -> Workspace:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "odibi.yaml").write_text(f"project: t\nconnections:\n  here: {{type: local, base_path: .}}\n"
                                       f"{connections}{PIPELINES}{extra}")
    for name, text in (files or {}).items():
        (folder / name).write_text(text)
    return Workspace(folder)


def by_name(checks):
    return {c.name: c for c in checks}


# --- local folders -------------------------------------------------------------------------------
def test_local_folders_exist_or_not(tmp_path):
    (tmp_path / "p" / "landing").mkdir(parents=True)
    ws = project(tmp_path / "p", "  landing: {type: local, base_path: ./landing}\n"
                                 "  missing: {type: local, base_path: ./nowhere}\n")
    checks = by_name(check_connections(ws, None))
    assert list(checks) == ["here", "landing", "missing"]  # config order
    assert checks["landing"].status == "ok" and "exists and is writable" in checks["landing"].detail
    assert checks["landing"].latency_ms is not None and checks["landing"].latency_ms >= 0
    assert checks["missing"].status == "failed" and not checks["missing"].ok
    assert "does not exist" in checks["missing"].detail and "nowhere" in checks["missing"].detail


def _check_as(uid: int, gid: int, root: str, queue) -> None:
    os.setgid(gid)
    os.setuid(uid)
    queue.put([(c.name, c.status, c.detail) for c in check_connections(Workspace(root), None)])


def test_a_read_only_folder_is_not_writable():
    # root may write anywhere, so as root the check runs in a child process that becomes `nobody`
    base = tempfile.mkdtemp(prefix="odibi-ro-")
    try:
        os.chmod(base, 0o755)
        ws = project(Path(base) / "p", "  frozen: {type: local, base_path: ./frozen}\n")
        frozen = ws.root / "frozen"
        frozen.mkdir()
        os.chmod(ws.root, 0o755)
        os.chmod(ws.root / "odibi.yaml", 0o644)
        os.chmod(frozen, stat.S_IRUSR | stat.S_IXUSR | stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH | stat.S_IXOTH)
        if os.geteuid() == 0:
            nobody = pwd.getpwnam("nobody")
            queue = multiprocessing.get_context("fork").Queue()
            child = multiprocessing.get_context("fork").Process(
                target=_check_as, args=(nobody.pw_uid, nobody.pw_gid, str(ws.root), queue))
            child.start()
            result = queue.get(timeout=60)
            child.join(30)
        else:
            result = [(c.name, c.status, c.detail) for c in check_connections(ws, None)]
        statuses = {name: (status, detail) for name, status, detail in result}
        assert statuses["frozen"][0] == "failed"
        assert "not writable" in statuses["frozen"][1]
    finally:
        for dirpath, dirnames, _ in os.walk(base):
            for d in dirnames:
                os.chmod(os.path.join(dirpath, d), 0o755)
        shutil.rmtree(base, ignore_errors=True)


# --- SQL and HTTP --------------------------------------------------------------------------------
@pytest.mark.postgres
def test_postgres_answers_select_1(postgres_url, tmp_path):
    ws = project(tmp_path / "p", f"  pg: {{type: postgres, url: '{postgres_url}'}}\n")
    check = by_name(check_connections(ws, None))["pg"]
    assert check.status == "ok", check.detail
    assert "SELECT 1 succeeded" in check.detail and check.type == "postgres"
    assert check.latency_ms > 0


@pytest.mark.postgres
def test_postgres_password_never_shows_in_a_failure(postgres_url, tmp_path, monkeypatch):
    monkeypatch.setenv("PG_PASSWORD", "pg-s3cret-value-xyz")  # trust auth ignores it; the URL carries it
    url = postgres_url.replace("odibi@", "odibi:${PG_PASSWORD}@").replace("/postgres", "/no_such_database")
    ws = project(tmp_path / "p", f"  pg: {{type: postgres, url: '{url}'}}\n")
    check = by_name(check_connections(ws, None))["pg"]
    assert check.status == "failed" and "no_such_database" in check.detail
    assert "pg-s3cret-value-xyz" not in check.detail


def test_http_base_url_answers(http_api, tmp_path):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    ws = project(tmp_path / "p", f"  api: {{type: http, base_url: '{http_api.base_url}/'}}\n"
                                 f"  dead: {{type: http, base_url: 'http://127.0.0.1:{closed}/', max_retries: 0}}\n")
    checks = by_name(check_connections(ws, None))
    assert checks["api"].status == "ok" and "HTTP 200" in checks["api"].detail
    assert checks["dead"].status == "failed" and "not reachable" in checks["dead"].detail


def test_an_unreachable_sql_host_fails_within_the_timeout(tmp_path):
    # A port that accepts TCP connections but never answers: the driver would wait forever.
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    port = silent.getsockname()[1]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        refused = s.getsockname()[1]
    try:
        ws = project(tmp_path / "p", f"  hung: {{type: postgres, host: 127.0.0.1, port: {port}, database: x, "
                                     f"username: u, password: hung-pw-123}}\n"
                                     f"  refused: {{type: postgres, host: 127.0.0.1, port: {refused}, database: x, "
                                     f"username: u}}\n")
        checks = by_name(check_connections(ws, None, timeout=1.0))
        hung, down = checks["hung"], checks["refused"]
        assert hung.status == "timeout" and "no answer within 1 s" in hung.detail
        assert hung.latency_ms == 1000.0
        assert down.status == "failed" and str(refused) in down.detail
        assert "refused" in down.detail.lower() or "connect" in down.detail.lower()
        assert checks["here"].status == "ok"  # the others are still checked
        assert all("hung-pw-123" not in c.detail for c in checks.values())
    finally:
        silent.close()


def test_a_connection_that_does_not_build_is_a_failed_check(tmp_path, monkeypatch):
    monkeypatch.delenv("NOT_SET_PW", raising=False)
    ws = project(tmp_path / "p", "  db: {type: postgres, host: h, password: '${NOT_SET_PW}'}\n"
                                 "  lake: {type: delta}\n"
                                 "  odd: {type: local, base_pth: x}\n")
    checks = by_name(check_connections(ws, None))
    assert checks["db"].status == "error" and "NOT_SET_PW" in checks["db"].detail
    assert checks["lake"].status == "error" and "not supported" in checks["lake"].detail
    assert checks["odd"].status == "error" and "base_pth" in checks["odd"].detail
    assert checks["here"].status == "ok"


def test_a_project_that_cannot_be_read_raises_a_located_error(tmp_path):
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "odibi.yaml").write_text("project: [unclosed\n")
    with pytest.raises(ConfigError) as err:
        check_connections(Workspace(tmp_path / "p"), None)
    assert "odibi.yaml:" in str(err.value)


# --- the env matrix ------------------------------------------------------------------------------
SECRET = "hunter2-Very-Secret-77"
TOKEN = "tok-abcdef-123456"


def test_env_matrix_diffs_overlays_and_never_shows_a_secret(tmp_path, monkeypatch):
    monkeypatch.setenv("DB_PASSWORD", SECRET)
    monkeypatch.setenv("SERVICE_TOKEN", TOKEN)
    monkeypatch.setenv("ODIBI_ENV", "prod")  # must not leak into the base column
    ws = project(
        tmp_path / "p",
        "  db: {type: postgres, host: db.dev, username: app, password: '${DB_PASSWORD}'}\n"
        "  api: {type: http, base_url: 'https://api.example/v1', auth: {mode: bearer, token: '${SERVICE_TOKEN}'}}\n",
        "environments:\n  dev:\n    retry: {enabled: false}\n",
        {"env.prod.yaml": "connections:\n  db: {host: db.prod}\n"
                          "  api: {base_url: 'https://svc:${SERVICE_TOKEN}@api.example/v2'}\n",
         "env.broken.yaml": "connections:\n  db: {hots: typo}\n"})
    matrix = env_matrix(ws)
    assert matrix.columns == [BASE, "broken", "dev", "prod"]
    assert "env.broken.yaml:" in matrix.errors["broken"] and "hots" in matrix.errors["broken"]
    rows = {r.key: r for r in matrix.rows}
    host = rows["connections.db.host"]
    assert host.differs and host.values == {BASE: "db.dev", "broken": None, "dev": "db.dev", "prod": "db.prod"}
    assert rows["retry.enabled"].values[BASE] is None and rows["retry.enabled"].values["dev"] == "false"
    assert not rows["connections.db.username"].differs
    assert {r.key for r in matrix.differing()} >= {"connections.db.host", "connections.api.base_url",
                                                   "retry.enabled"}
    password = rows["connections.db.password"]
    assert password.secret and set(password.values.values()) == {secrets.MASK, None}
    assert rows["connections.api.base_url"].values["prod"] == "https://svc:***@api.example/v2"
    everything = repr(matrix) + "".join(str(v) for r in matrix.rows for v in r.values.values())
    assert SECRET not in everything and TOKEN not in everything
    assert "pipelines[p].nodes[n].write.path" in rows  # named lists are keyed by name


def test_env_matrix_on_a_project_without_envs_or_config(tmp_path):
    ws = project(tmp_path / "p", "")
    matrix = env_matrix(ws)
    assert matrix.columns == [BASE] and not matrix.errors and matrix.differing() == []
    empty = env_matrix(Workspace(tmp_path / "empty"))
    assert empty.rows == [] and BASE in empty.errors


def test_secret_keys_and_values_are_recognised():
    for key in ("connections.db.password", "auth.token", "x.api_key", "x.account_key", "x.key",
                "x.connection_string", "headers.Authorization", "client_secret"):
        assert is_secret_key(key), key
    for key in ("write.options.keys", "connections.db.host", "pipelines[p].nodes[n].name", "keyword"):
        assert not is_secret_key(key), key
    assert show_value("plain", secret=True) == secrets.MASK
    assert show_value("postgresql://u:pw12345@h/db") == "postgresql://u:***@h/db"
    assert show_value([1, 2]) == "[1, 2]" and show_value(True) == "true"
    assert flatten({"a": [{"name": "x", "v": 1}], "b": {}}) == {"a[x].v": 1, "b": {}}
