"""SQL sources on the Spark engine against the real PostgreSQL of tests/fixtures/postgres.py.

No JDBC driver jar can be downloaded here, so reads take the documented fallback (SQLAlchemy
and Arrow, then a Spark frame) and say so in a log line; the JDBC URL mapping is checked too.
"""

from __future__ import annotations

import logging
import uuid

import pytest
import sqlalchemy as sa

from odibi_core.config.models import ReadConfig, SqlConnectionConfig, WriteConfig
from odibi_core.connections.sql import SqlConnection
from odibi_core.engines.base import arrow_logical_type
from odibi_core.engines.spark import jdbc
from odibi_core.engines.spark.engine import SparkEngine
from odibi_core.formats.registry import get_format

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg(postgres_url, spark, tmp_path):
    url = postgres_url.replace("odibi@", "odibi:s3cret-pw@")  # trust auth: the password is ignored
    conn = SqlConnection("pg", SqlConnectionConfig(type="postgres", url=url), tmp_path)
    name = f"t_{uuid.uuid4().hex[:10]}"
    with conn.engine.begin() as c:
        c.execute(sa.text(f"CREATE TABLE {name} (id int PRIMARY KEY, name text, amount numeric(10,2))"))
        c.execute(sa.text(f"INSERT INTO {name} VALUES (1, 'a', 1.50), (2, 'b', NULL), (3, 'c', 7.25)"))
    engine = SparkEngine({"pg": conn}, tmp_path)
    yield engine, conn, name
    engine.close()
    conn.close()


def test_without_a_driver_jar_reads_fall_back_to_arrow_and_say_so(pg, caplog):
    engine, conn, name = pg
    with caplog.at_level(logging.INFO, logger="odibi.spark"):
        df = engine.read(ReadConfig(connection="pg", format="sql", table=name, filter="id >= 2"))
    assert sorted((r["id"], r["name"]) for r in engine.to_arrow(df).to_pylist()) == [(2, "b"), (3, "c")]
    arrow = get_format("sql").read(conn, ReadConfig(connection="pg", format="sql", table=name))
    assert [c.type for c in engine.schema(df)] == [arrow_logical_type(f.type) for f in arrow.schema]
    logs = " ".join(r.getMessage() for r in caplog.records)
    assert "JDBC driver org.postgresql.Driver is not on Spark's classpath" in logs
    assert "s3cret-pw" not in logs
    q = engine.read(ReadConfig(connection="pg", format="sql", query=f"SELECT id * 10 AS x FROM {name}",
                               filter="x > 10"))
    assert sorted(r["x"] for r in engine.to_arrow(q).to_pylist()) == [20, 30]


def test_jdbc_url_mapping(pg):
    _, conn, _ = pg
    driver, url = jdbc.jdbc_target(conn)
    assert driver == "org.postgresql.Driver"
    assert url == f"jdbc:postgresql://127.0.0.1:{conn.url.port}/postgres"
    assert "s3cret-pw" not in url
    assert jdbc.driver_loadable(pg[0].spark, driver) is False
    assert jdbc.driver_loadable(pg[0].spark, "org.apache.spark.sql.SparkSession") is True


def test_spark_frames_write_to_postgres_through_the_sql_format(pg):
    engine, conn, name = pg
    df = engine.sql("SELECT id + 10 AS id, upper(name) AS name, amount FROM df",
                    {"df": engine.read(ReadConfig(connection="pg", format="sql", table=name))})
    result = engine.write(df, WriteConfig(connection="pg", format="sql", table=f"{name}_out"))
    assert result.rows_written == 3
    up = engine.sql("SELECT 11 AS id, 'Z' AS name, CAST(0 AS DECIMAL(10,2)) AS amount", {})
    engine.write(up, WriteConfig(connection="pg", format="sql", table=f"{name}_out", mode="upsert",
                                 options={"keys": ["id"]}))
    with conn.engine.connect() as c:
        rows = c.execute(sa.text(f"SELECT id, name FROM {name}_out ORDER BY id")).all()
    assert [tuple(r) for r in rows] == [(11, "Z"), (12, "B"), (13, "C")]
