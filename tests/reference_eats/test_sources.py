"""The other two sources, for real: ``--env pg`` against a PostgreSQL server (the shared fixture,
loaded with the hand-made landing's oltp_dump.sql) and ``--env api`` against ``python -m datagen
serve`` on 127.0.0.1 over the hand-made clicks. Both must give the hand-worked answers."""

from __future__ import annotations

import shutil
import subprocess
import sys
import uuid

import pytest
import sqlalchemy as sa

from tests.reference_eats.checks import assert_hand_worked_answers
from tests.reference_eats.support import REPO, copy_landing, lake, rows, run_project

PG_PASSWORD = "eats-pg-password-7781"  # trust auth ignores it; it must still never be written anywhere


@pytest.fixture
def eats_database(postgres_url, landing):
    """A fresh database holding the hand-made OLTP tables, loaded from the landing's SQL dump."""
    name = f"odibi_eats_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.exec_driver_sql(f"CREATE DATABASE {name}")
    url = sa.make_url(postgres_url).set(database=name)
    db = sa.create_engine(url)
    with db.begin() as c:
        c.exec_driver_sql((landing / "oltp_dump.sql").read_text(encoding="utf-8"))
    db.dispose()
    yield url
    with admin.connect() as c:
        c.exec_driver_sql(f"DROP DATABASE {name} WITH (FORCE)")
    admin.dispose()


def test_env_pg_reads_the_oltp_tables_from_postgresql(project, landing, eats_database):
    (landing / "oltp.sqlite").unlink()  # so the run cannot fall back on SQLite unnoticed
    nodes = run_project(project, landing, env="pg", ODIBI_EATS_PG_HOST=eats_database.host,
                        ODIBI_EATS_PG_PORT=str(eats_database.port), ODIBI_EATS_PG_DATABASE=eats_database.database,
                        ODIBI_EATS_PG_USER=eats_database.username, ODIBI_EATS_PG_PASSWORD=PG_PASSWORD)
    assert nodes["bronze_orders"].rows_out == 7
    assert_hand_worked_answers(project)
    # PostgreSQL gives TIMESTAMP and NUMERIC where SQLite gives text and REAL: bronze types are the same
    order = rows(project, "bronze/orders", "order_id")[1]
    assert (order["total"], str(order["delivered_at"])) == (16.49, "2024-11-01 18:48:30")
    written = [p for p in lake(project).rglob("*") if p.is_file()]
    assert not [p for p in written if PG_PASSWORD.encode() in p.read_bytes()]


@pytest.fixture
def click_api(tmp_path):
    """``python -m datagen serve`` over its own copy of the hand-made landing, on a free port of
    127.0.0.1; stopped afterwards."""
    served = copy_landing(tmp_path / "served_landing")
    proc = subprocess.Popen([sys.executable, "-m", "datagen", "serve", "--landing", str(served), "--port", "0"],
                            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = proc.stdout.readline()  # "datagen serve: http://127.0.0.1:PORT/clicks (...)"
        if not first.startswith("datagen serve: http://127.0.0.1:"):
            proc.kill()
            pytest.fail(f"datagen serve did not start: {first!r} {proc.stderr.read()}")
        yield first.split()[2].removesuffix("/clicks")
    finally:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(timeout=10)


def test_env_api_reads_the_clicks_from_datagen_serve_page_by_page(project, landing, click_api):
    shutil.rmtree(landing / "events" / "clicks")  # the project's landing has no click files: only the API has them
    nodes = run_project(project, landing, env="api", ODIBI_EATS_API_URL=click_api, ODIBI_EATS_API_PAGE_SIZE="4")
    assert nodes["api_clicks"].rows_out == 26  # every landed line, the malformed one and the duplicate included
    assert_hand_worked_answers(project)
