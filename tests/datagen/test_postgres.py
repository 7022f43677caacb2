"""``oltp_dump.sql`` loads into a real PostgreSQL (tests/fixtures/postgres.py) and matches ``oltp.sqlite``."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

pytestmark = pytest.mark.postgres

CHECKS = {
    "orders": "SELECT COUNT(*), COUNT(delivered_at), COUNT(driver_id), ROUND(CAST(SUM(total) AS NUMERIC), 2) FROM orders",
    "order_items": "SELECT COUNT(*), SUM(quantity), ROUND(CAST(SUM(unit_price) AS NUMERIC), 2) FROM order_items",
    "payments": "SELECT COUNT(*), COUNT(paid_at), COUNT(DISTINCT status) FROM payments",
}


@pytest.fixture
def database(postgres_url):
    """A fresh database, so the dump's DROP/CREATE cannot touch other tests' tables."""
    name = f"datagen_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(sa.text(f"CREATE DATABASE {name}"))
    url = postgres_url.rsplit("/", 1)[0] + f"/{name}"
    yield url
    sa.create_engine(url).dispose()
    with admin.connect() as c:
        c.execute(sa.text(f"DROP DATABASE {name} WITH (FORCE)"))
    admin.dispose()


def test_dump_loads_into_postgres_with_the_same_rows_as_sqlite(database, landing, db):
    import psycopg

    script = (landing / "oltp_dump.sql").read_text(encoding="utf-8")
    assert "COPY" not in script and script.count("BEGIN;") == 1 and script.rstrip().endswith("COMMIT;")
    with psycopg.connect(database.replace("postgresql+psycopg", "postgresql"), autocommit=True) as pg:
        pg.execute(script)  # the whole file, as psql -f would run it
        for table, sql in CHECKS.items():
            got = pg.execute(sql).fetchone()
            want = db.execute(sql.replace("CAST(", "(").replace(" AS NUMERIC)", ")")).fetchone()
            assert [float(x) for x in got] == pytest.approx([float(x) for x in want]), table
        types = dict(pg.execute("""SELECT column_name, data_type FROM information_schema.columns
                                   WHERE table_name = 'orders'""").fetchall())
        assert types["created_at"].startswith("timestamp") and types["total"] == "double precision"
        # loading twice works too: the dump drops its tables first
        pg.execute(script)
        assert pg.execute("SELECT COUNT(*) FROM orders").fetchone()[0] == db.execute("SELECT COUNT(*) FROM orders").fetchone()[0]
