"""``python -m datagen serve`` answered by real HTTP clients, and read by odibi's own ``api`` format."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from odibi_core.config.models import HttpConnectionConfig, ReadConfig
from odibi_core.connections.http import HttpConnection
from odibi_core.formats.api import ApiFormat
from tests.datagen.conftest import lines_of

DATE = "2026-10-03"  # with seed 7 this folder holds 3 cut-short lines


@pytest.fixture(scope="module")
def server(landing, tmp_path_factory):
    """The real command in a subprocess on a free port (--port 0); yields its base URL."""
    proc = subprocess.Popen([sys.executable, "-m", "datagen", "serve", "--landing", str(landing), "--port", "0",
                             "--page-size", "250"], cwd=tmp_path_factory.mktemp("serve"), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    first = proc.stdout.readline()
    assert first.startswith("datagen serve: http://127.0.0.1:"), first + proc.stderr.read()
    base = first.split()[2].rsplit("/", 1)[0]
    yield base, proc
    if proc.poll() is None:
        proc.kill()
        proc.wait(timeout=10)


def _expected(landing: Path, date: str) -> list[str]:
    return [line for folder, _, line in lines_of(landing, "clicks") if folder == date]


def test_health_and_dates(server):
    base, _ = server
    assert requests.get(f"{base}/health", timeout=10).json()["status"] == "ok"
    dates = requests.get(f"{base}/clicks/dates", timeout=10).json()["data"]
    assert len(dates) == 30 and dates[0]["date"] == "2026-10-02" and all(d["lines"] > 0 for d in dates)


def test_follows_next_links_to_the_end_and_serves_every_line_once(server, landing):
    base, _ = server
    url, records, pages = f"{base}/clicks?date={DATE}", [], 0
    while url:
        body = requests.get(url, timeout=10).json()
        records += body["data"]
        url = body["next"]
        pages += 1
    expected = _expected(landing, DATE)
    assert len(records) == len(expected) and pages == -(-len(expected) // 250)
    raw = 0
    for rec, line in zip(records, expected):
        try:
            assert rec == json.loads(line)
        except ValueError:  # a malformed line comes back as a record holding its text
            assert rec["raw_line"] == line and rec["parse_error"].startswith("invalid JSON")
            raw += 1
    assert raw > 0


def test_page_offset_and_cursor_styles_agree(server):
    base, _ = server
    a = requests.get(f"{base}/clicks", params={"date": DATE, "page": 2, "page_size": 100}, timeout=10).json()
    b = requests.get(f"{base}/clicks", params={"date": DATE, "offset": 100, "limit": 100}, timeout=10).json()
    c = requests.get(f"{base}/clicks", params={"date": DATE, "cursor": a["meta"]["next_cursor"], "page_size": 100},
                     timeout=10).json()
    assert a["data"] == b["data"] and len(a["data"]) == 100
    d = requests.get(f"{base}/clicks", params={"date": DATE, "page": 3, "page_size": 100}, timeout=10).json()
    assert c["data"] == d["data"]
    beyond = requests.get(f"{base}/clicks", params={"date": DATE, "page": 10_000}, timeout=10).json()
    assert beyond["data"] == [] and beyond["next"] is None


def test_bad_requests_get_a_clear_400(server):
    base, _ = server
    r = requests.get(f"{base}/clicks", params={"date": "2026-02-30"}, timeout=10)
    assert r.status_code == 400 and "YYYY-MM-DD" in r.json()["error"]
    r = requests.get(f"{base}/clicks", params={"page_size": 0}, timeout=10)
    assert r.status_code == 400 and "page_size" in r.json()["error"]
    assert requests.get(f"{base}/nothing", timeout=10).status_code == 404


@pytest.mark.parametrize("pagination", [{"type": "page", "page_size": 400}, {"type": "next_url"},
                                        {"type": "offset", "limit": 300}, {"type": "link_header"}])
def test_odibi_api_format_reads_every_click_with_malformed_lines_as_rows(server, landing, pagination):
    base, _ = server
    conn = HttpConnection("clicks_api", HttpConnectionConfig(type="http", base_url=base), landing)
    try:
        table = ApiFormat().read(conn, ReadConfig(connection="clicks_api", format="api", path="/clicks", options={
            "params": {"date": DATE}, "records_path": "data", "pagination": pagination}))
    finally:
        conn.close()
    expected = _expected(landing, DATE)
    assert table.num_rows == len(expected)
    assert table.column_names[:7] == ["event_id", "session_id", "user_id", "event_type", "ts", "restaurant_id",
                                      "order_id"]
    malformed = sum(1 for line in expected if not line.rstrip().endswith("}"))
    assert malformed > 0
    assert table.column("raw_line").null_count == table.num_rows - malformed
    assert table.column("parse_error").null_count == table.num_rows - malformed


def test_sigint_stops_the_server_cleanly(landing, tmp_path):
    proc = subprocess.Popen([sys.executable, "-m", "datagen", "serve", "--landing", str(landing), "--port", "0"],
                            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    base = proc.stdout.readline().split()[2].rsplit("/", 1)[0]
    assert requests.get(f"{base}/health", timeout=10).ok
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=15) == 0
    assert "stopped" in proc.stderr.read()
