"""The sql format on real databases: a SQLite file and the session PostgreSQL (tests/fixtures/postgres.py).

Each behaviour runs on both backends through the ``db`` fixture; PostgreSQL cases are skipped
only when no PostgreSQL binaries exist on the machine.
"""

from __future__ import annotations

import datetime as dt
import decimal
import uuid

import pyarrow as pa
import pytest
import sqlalchemy as sa

from odibi_core import secrets
from odibi_core.config.models import LocalConnectionConfig, ReadConfig, SqlConnectionConfig, WriteConfig
from odibi_core.connections.local import LocalConnection
from odibi_core.connections.sql import SqlConnection
from odibi_core.errors import OdibiError
from odibi_core.formats.registry import FORMATS
from odibi_core.formats.sql import SqlFormat

FMT = SqlFormat()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request, tmp_path):
    if request.param == "sqlite":
        conn = SqlConnection("db", SqlConnectionConfig(type="sqlite", path="test.db"), tmp_path)
    else:
        url = request.getfixturevalue("postgres_url")
        conn = SqlConnection("db", SqlConnectionConfig(type="postgres", url=url), tmp_path)
    yield conn
    conn.close()


@pytest.fixture
def name() -> str:
    """A fresh table name, so tests sharing the session PostgreSQL never see each other's tables."""
    return f"t_{uuid.uuid4().hex[:12]}"


def write(conn, table: pa.Table, target: str, mode: str = "overwrite", **kw):
    return FMT.write(table, conn, WriteConfig(connection=conn.name, format="sql", table=target, mode=mode, **kw))


def read(conn, **kw) -> pa.Table:
    return FMT.read(conn, ReadConfig(connection=conn.name, format="sql", **kw))


def rows(conn, target: str, order: str = "id") -> list[dict]:
    return read(conn, query=f"SELECT * FROM {target} ORDER BY {order}").to_pylist()


PEOPLE = pa.table({"id": [1, 2, 3], "name": ["Ann", "Bob", "Cid"], "score": [1.5, None, 3.0]})


def test_registered_and_declares_push_down():
    assert isinstance(FORMATS["sql"], SqlFormat)
    assert SqlFormat.pushes_down_filter is True
    assert SqlFormat.connection_kind == "sql"
    assert {"overwrite", "append", "upsert", "append_once", "merge", "error", "ignore"} == SqlFormat.write_modes


def test_overwrite_creates_then_replaces(db, name):
    result = write(db, PEOPLE, name)
    assert (result.rows_written, result.target, result.mode) == (3, f"db:{name}", "overwrite")
    assert result.details["created"] is True
    assert rows(db, name) == PEOPLE.to_pylist()
    result = write(db, pa.table({"id": [9], "name": ["Zed"], "score": [0.5]}), name)
    assert result.rows_written == 1 and result.details["created"] is False
    assert rows(db, name) == [{"id": 9, "name": "Zed", "score": 0.5}]


def test_read_table_roundtrips_types(db, name):
    data = pa.table({
        "id": pa.array([1, 2], pa.int64()),
        "flag": [True, None],
        "amount": pa.array([decimal.Decimal("12.50"), decimal.Decimal("-3.25")], pa.decimal128(10, 2)),
        "day": pa.array([dt.date(2024, 1, 31), None], pa.date32()),
        "at": pa.array([dt.datetime(2024, 1, 31, 12, 30, 5), dt.datetime(2024, 2, 1)], pa.timestamp("us")),
        "label": ["x", "y"],
    })
    write(db, data, name)
    back = read(db, table=name)
    assert back.column_names == data.column_names
    assert back.to_pylist() == data.to_pylist()
    assert back.schema.field("id").type == pa.int64()
    assert back.schema.field("flag").type == pa.bool_()
    assert back.schema.field("day").type == pa.date32()
    assert pa.types.is_timestamp(back.schema.field("at").type)


def test_empty_table_keeps_its_column_types(db, name):
    write(db, PEOPLE.slice(0, 0), name)
    back = read(db, table=name)
    assert back.num_rows == 0
    assert back.schema.field("id").type == pa.int64()
    assert back.schema.field("name").type == pa.string()


def test_overwrite_failing_midway_keeps_previous_content(db, name):
    with db.engine.begin() as c:
        c.execute(sa.text(f"CREATE TABLE {name} (id INTEGER PRIMARY KEY, name TEXT NOT NULL)"))
    write(db, pa.table({"id": [1, 2], "name": ["old1", "old2"]}), name, mode="append")
    bad = pa.table({"id": [10, 11, 12, 13], "name": ["n10", "n11", "n12", None]})  # last row breaks NOT NULL
    with pytest.raises(OdibiError) as err:
        write(db, bad, name, options={"batch_size": 1})
    msg = str(err.value)
    assert name in msg and "rolled back" in msg and "'db'" in msg
    assert rows(db, name) == [{"id": 1, "name": "old1"}, {"id": 2, "name": "old2"}]


def test_overwrite_with_new_shape_failing_midway_keeps_old_table(db, name):
    """Dropping and recreating the table happens in the same transaction as the insert."""
    write(db, PEOPLE, name)
    # The last row cannot be stored, so the insert fails after DROP + CREATE ran: sqlite3 cannot
    # bind a month/day/nano interval, PostgreSQL refuses NUL characters in text.
    if db.dialect_name == "sqlite":
        bad = pa.array([None, None, pa.MonthDayNano([1, 2, 3])], pa.month_day_nano_interval())
    else:
        bad = pa.array(["ok", "ok", "nul\x00byte"])
    with pytest.raises(OdibiError, match="rolled back"):
        write(db, pa.table({"id": [1, 2, 3], "other": bad}), name, options={"batch_size": 1})
    assert rows(db, name) == PEOPLE.to_pylist()


def test_overwrite_with_new_shape_replaces_the_table(db, name):
    write(db, PEOPLE, name)
    result = write(db, pa.table({"id": [5], "city": ["Oslo"]}), name)
    assert result.details.get("recreated") is True
    assert rows(db, name) == [{"id": 5, "city": "Oslo"}]


def test_append_adds_rows_and_refuses_unknown_columns(db, name):
    write(db, PEOPLE, name)
    result = write(db, pa.table({"id": [4], "name": ["Dee"], "score": [4.0]}), name, mode="append")
    assert result.rows_written == 1
    assert [r["id"] for r in rows(db, name)] == [1, 2, 3, 4]
    with pytest.raises(OdibiError, match=r"no column\(s\) city.*merge_schema"):
        write(db, pa.table({"id": [5], "city": ["Oslo"]}), name, mode="append")
    assert len(rows(db, name)) == 4


def test_append_with_merge_schema_adds_columns(db, name):
    write(db, PEOPLE, name)
    write(db, pa.table({"id": [5], "city": ["Oslo"]}), name, mode="append", merge_schema=True)
    got = rows(db, name)
    assert got[-1] == {"id": 5, "name": None, "score": None, "city": "Oslo"}
    assert got[0]["city"] is None


ORDERS = pa.table({"region": ["eu", "eu", "us"], "id": [1, 2, 1], "amount": [10, 20, 30]})


@pytest.mark.parametrize("mode", ["upsert", "merge"])
def test_upsert_with_composite_keys(db, name, mode):
    write(db, ORDERS, name)
    change = pa.table({"region": ["eu", "us", "us"], "id": [2, 1, 2], "amount": [25, 35, 40]})
    result = write(db, change, name, mode=mode, options={"keys": ["region", "id"]})
    assert result.rows_written == 3 and result.mode == mode
    assert result.details["replaced"] == 2
    got = rows(db, name, order="region, id")
    assert got == [
        {"region": "eu", "id": 1, "amount": 10},  # untouched: ("eu", 1) not in the source
        {"region": "eu", "id": 2, "amount": 25},
        {"region": "us", "id": 1, "amount": 35},  # ("us", 1) replaced, not confused with ("eu", 1)
        {"region": "us", "id": 2, "amount": 40},
    ]


def test_upsert_into_missing_table_creates_it(db, name):
    result = write(db, ORDERS, name, mode="upsert", options={"keys": ["region", "id"]})
    assert result.rows_written == 3 and result.details["created"]


def test_upsert_failure_rolls_back_the_delete(db, name):
    with db.engine.begin() as c:
        c.execute(sa.text(f"CREATE TABLE {name} (id INTEGER, name TEXT NOT NULL)"))
    write(db, pa.table({"id": [1, 2], "name": ["a", "b"]}), name, mode="append")
    with pytest.raises(OdibiError, match="rolled back"):
        write(db, pa.table({"id": [1, 2], "name": ["A", None]}), name, mode="upsert",
              options={"keys": ["id"], "batch_size": 1})
    assert rows(db, name) == [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}]


def test_append_once_inserts_only_new_keys(db, name):
    write(db, ORDERS, name)
    more = pa.table({"region": ["eu", "us", "ap"], "id": [1, 7, 1], "amount": [999, 70, 80]})
    result = write(db, more, name, mode="append_once", options={"keys": ["region", "id"]})
    assert result.rows_written == 2 and result.details["skipped_existing"] == 1
    got = rows(db, name, order="region, id")
    assert {"region": "eu", "id": 1, "amount": 10} in got, "an existing key keeps its old row"
    assert {"region": "ap", "id": 1, "amount": 80} in got and {"region": "us", "id": 7, "amount": 70} in got
    assert len(got) == 5
    again = write(db, more, name, mode="append_once", options={"keys": ["region", "id"]})
    assert again.rows_written == 0 and len(rows(db, name)) == 5


def test_key_problems_are_refused_before_writing(db, name):
    write(db, ORDERS, name)
    dup = pa.table({"region": ["eu", "eu"], "id": [1, 1], "amount": [1, 2]})
    with pytest.raises(OdibiError, match=r"more than once.*'region': 'eu'"):
        write(db, dup, name, mode="upsert", options={"keys": ["region", "id"]})
    with pytest.raises(OdibiError, match="key column 'id' has 1 null"):
        write(db, pa.table({"region": ["eu"], "id": pa.array([None], pa.int64()), "amount": [1]}), name,
              mode="upsert", options={"keys": ["region", "id"]})
    with pytest.raises(OdibiError, match="options.keys names column.*order_id"):
        write(db, ORDERS, name, mode="append_once", options={"keys": ["order_id"]})
    assert len(rows(db, name)) == 3


def test_error_and_ignore_modes(db, name):
    assert FMT.exists(db, WriteConfig(connection="db", table=name)) is False
    assert write(db, PEOPLE, name, mode="error").rows_written == 3
    assert FMT.exists(db, WriteConfig(connection="db", table=name)) is True
    with pytest.raises(OdibiError, match="already exists"):
        write(db, PEOPLE, name, mode="error")
    result = write(db, pa.table({"id": [7], "name": ["New"], "score": [1.0]}), name, mode="ignore")
    assert result.rows_written == 0 and result.details["skipped"]
    assert len(rows(db, name)) == 3
    other = name + "_b"
    assert write(db, PEOPLE, other, mode="ignore").rows_written == 3


def test_filter_is_pushed_down_to_the_database(db, name):
    write(db, PEOPLE, name)
    seen: list[str] = []
    sa.event.listen(db.engine, "before_cursor_execute", lambda *a: seen.append(a[2]))
    by_table = read(db, table=name, filter="score > 2 OR name = 'Ann'")
    by_query = read(db, query=f"SELECT id, name FROM {name};", filter="id >= 2")
    assert sorted(r["id"] for r in by_table.to_pylist()) == [1, 3]
    assert sorted(r["id"] for r in by_query.to_pylist()) == [2, 3]
    assert any("score > 2 OR name = 'Ann'" in s for s in seen)
    assert any("AS src WHERE id >= 2" in s for s in seen)


def test_query_with_percent_and_colon_literals(db, name):
    write(db, pa.table({"id": [1, 2, 3], "name": ["50% off", "at 10:30", "plain"]}), name)
    got = read(db, query=f"SELECT id FROM {name} WHERE name LIKE '%\\%%' ESCAPE '\\' OR name = 'at 10:30'")
    assert sorted(r["id"] for r in got.to_pylist()) == [1, 2]
    got = read(db, query=f"SELECT id FROM {name} WHERE name LIKE '%:3%' OR name = ':plain'")
    assert [r["id"] for r in got.to_pylist()] == [2]


def test_chunked_read_unifies_types_across_chunks(db, name):
    values = [None] * 4 + [1, 2, 3, 4, 5, 6]
    with db.engine.begin() as c:
        c.execute(sa.text(f"CREATE TABLE {name} (id INTEGER, v BIGINT)"))
        c.execute(sa.text(f"INSERT INTO {name} (id, v) VALUES (:id, :v)"),
                  [{"id": i, "v": v} for i, v in enumerate(values)])
    got = read(db, query=f"SELECT id, v FROM {name} ORDER BY id", options={"chunk_size": 3})
    assert got.num_rows == 10
    assert got.schema.field("v").type == pa.int64()
    assert got.column("v").to_pylist() == values


def test_missing_table_and_bad_query_errors(db, name):
    with pytest.raises(OdibiError, match=f"table 'nope_{name}' does not exist on connection 'db'"):
        read(db, table=f"nope_{name}")
    with pytest.raises(OdibiError, match="reading query failed on connection 'db'"):
        read(db, query="SELEC broken")
    with pytest.raises(OdibiError, match="Check the filter"):
        read(db, query="SELECT 1 AS x", filter="no_such_col = 1")


def test_sql_format_refuses_file_connections_and_paths(tmp_path, db):
    local = LocalConnection("lake", LocalConnectionConfig(type="local"), tmp_path)
    with pytest.raises(OdibiError, match="needs a SQL database connection; 'lake'"):
        read(local, table="x")
    with pytest.raises(OdibiError, match="takes 'table'"):
        FMT.read(db, ReadConfig(connection="db", format="sql", path="orders.csv"))
    with pytest.raises(OdibiError, match="no columns"):
        write(db, pa.table({}), "empty_tbl")


def test_sqlite_mixed_type_column_reads_as_text(tmp_path):
    conn = SqlConnection("lite", SqlConnectionConfig(type="sqlite", path="m.db"), tmp_path)
    with conn.engine.begin() as c:
        c.execute(sa.text("CREATE TABLE m (v)"))
        c.execute(sa.text("INSERT INTO m VALUES (1), ('two'), (NULL)"))
    got = read(conn, query="SELECT v FROM m")
    assert got.schema.field("v").type == pa.string()
    assert got.column("v").to_pylist() == ["1", "two", None]


@pytest.mark.postgres
def test_postgres_schema_qualified_tables_and_native_types(postgres_url, tmp_path, name):
    conn = SqlConnection("pg", SqlConnectionConfig(type="postgres", url=postgres_url), tmp_path)
    schema = f"s_{name}"
    with conn.engine.begin() as c:
        c.execute(sa.text(f"CREATE SCHEMA {schema}"))
    data = pa.table({
        "id": [1, 2],
        "at": pa.array([dt.datetime(2024, 5, 1, 8, tzinfo=dt.timezone.utc), None], pa.timestamp("us", tz="UTC")),
        "meta": [{"k": "a", "n": 1}, {"k": "b", "n": 2}],
    })
    write(conn, data, f"{schema}.orders")
    back = read(conn, table=f"{schema}.orders")
    assert back.column("id").to_pylist() == [1, 2]
    assert back.column("at").to_pylist()[0] == dt.datetime(2024, 5, 1, 8, tzinfo=dt.timezone.utc)
    assert back.column("meta").to_pylist() == [{"k": "a", "n": 1}, {"k": "b", "n": 2}]
    with conn.engine.connect() as c:
        assert c.execute(sa.text(f"SELECT count(*) FROM {schema}.orders")).scalar() == 2
    # the connection's default schema applies to bare table names
    scoped = SqlConnection("pg2", SqlConnectionConfig(type="postgres", url=postgres_url, schema=schema), tmp_path)
    assert read(scoped, table="orders").num_rows == 2
    conn.close()
    scoped.close()


@pytest.mark.postgres
def test_postgres_type_error_midway_keeps_content(postgres_url, tmp_path, name):
    conn = SqlConnection("pg", SqlConnectionConfig(type="postgres", url=postgres_url), tmp_path)
    with conn.engine.begin() as c:
        c.execute(sa.text(f"CREATE TABLE {name} (id INTEGER, qty INTEGER)"))
    write(conn, pa.table({"id": [1], "qty": [5]}), name, mode="append")
    bad = pa.table({"id": ["2", "3", "4"], "qty": ["7", "8", "lots"]})  # 'lots' is no integer
    with pytest.raises(OdibiError, match="rolled back"):
        write(conn, bad, name, options={"batch_size": 1})
    assert rows(conn, name) == [{"id": 1, "qty": 5}]
    conn.close()


@pytest.mark.postgres
def test_postgres_error_messages_never_show_the_password(postgres_url, tmp_path):
    from sqlalchemy.engine import make_url

    password = "Sup3r-Secret-Pw"
    secrets.register(password)
    url = make_url(postgres_url).set(password=password)  # trust auth ignores it; the URL carries it
    conn = SqlConnection("pg", SqlConnectionConfig(type="postgres", url=url.render_as_string(False)), tmp_path)
    with pytest.raises(OdibiError) as err:
        read(conn, query="SELECT * FROM no_such_table_xyz")
    msg = str(err.value)
    assert "no_such_table_xyz" in msg and password not in msg
    assert secrets.mask(msg) == msg
    conn.close()


def test_parallel_writers_to_one_sqlite_file_wait_instead_of_failing(tmp_path):
    """Nodes run in parallel; eight appends to one SQLite file must all land (BEGIN IMMEDIATE + busy timeout)."""
    from concurrent.futures import ThreadPoolExecutor

    import pyarrow as pa

    from odibi_core.config.models import SqlConnectionConfig, WriteConfig
    from odibi_core.connections.sql import SqlConnection
    from odibi_core.formats.sql import SqlFormat

    conn = SqlConnection("db", SqlConnectionConfig(type="sqlite", path="shared.db"), tmp_path)
    fmt = SqlFormat()
    table = pa.table({"id": list(range(200)), "v": [float(i) for i in range(200)]})

    def append(i):
        for _ in range(3):
            fmt.write(table, conn, WriteConfig(connection="db", table=f"t{i}", mode="append"))

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(append, range(8)))
    with conn.engine.connect() as c:
        counts = [c.exec_driver_sql(f"SELECT COUNT(*) FROM t{i}").scalar() for i in range(8)]
    assert counts == [600] * 8
    conn.close()
