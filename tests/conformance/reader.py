"""Test inputs written, and engine outputs read, WITHOUT any odibi_core code.

Reading what an engine wrote through the product's own formats would let a bug in those
formats hide itself (the pandas engine uses them), so both directions use the libraries
directly: pyarrow for csv/parquet/json files and folders, deltalake for Delta tables,
SQLAlchemy for SQL tables. Every engine's output goes through the same reader, so any
difference that comes out of here is a difference in what the engines wrote.
"""

from __future__ import annotations

import datetime as dt
import decimal
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.json as pj
import pyarrow.parquet as pq
import sqlalchemy as sa
from deltalake import DeltaTable, write_deltalake

DATA = Path(__file__).parent / "data"

ORDERS_TYPES = {"order_id": pa.int64(), "customer_id": pa.int64(), "status": pa.string(), "amount": pa.float64(),
                "qty": pa.int64(), "ordered_at": pa.timestamp("us"), "order_date": pa.date32(),
                "is_gift": pa.bool_(), "code": pa.string(), "updated_at": pa.timestamp("us")}
CUSTOMERS_TYPES = {"customer_id": pa.int64(), "name": pa.string(), "country": pa.string(), "tier": pa.string(),
                   "status": pa.string(), "signup_date": pa.date32()}
BATCH_TYPES = {"id": pa.int64(), "name": pa.string(), "amount": pa.float64(), "ts": pa.timestamp("us")}


def data_text(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


def typed(name: str, types: dict[str, pa.DataType]) -> pa.Table:
    """A data/ CSV file with explicit column types (empty field = NULL, also for text)."""
    convert = pcsv.ConvertOptions(column_types=types, strings_can_be_null=True)
    return pcsv.read_csv(DATA / name, convert_options=convert)


# --- sources ------------------------------------------------------------------------------------
@dataclass
class Delta:
    """A Delta table source; each table in ``versions`` is one commit (overwrite, then appends)."""

    versions: list[pa.Table]


@dataclass
class SqlTable:
    """A table in the SQLite file ``db`` (relative to the project), created with declared types."""

    table: str
    data: pa.Table
    db: str = "db.sqlite"


def write_source(root: Path, rel: str, value: Any) -> None:
    """Write one input: text as is, an Arrow table by the path's extension, Delta, SQL table."""
    if isinstance(value, SqlTable):
        _write_sql(root / value.db, value.table, value.data)
        return
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(value, str):
        path.write_text(value, encoding="utf-8")
    elif isinstance(value, Delta):
        for i, table in enumerate(value.versions):
            write_deltalake(str(path), table, mode="overwrite" if i == 0 else "append")
    elif isinstance(value, pa.Table) and path.suffix == ".parquet":
        pq.write_table(value, path)
    elif isinstance(value, pa.Table) and path.suffix == ".json":
        path.write_text(json.dumps(value.to_pylist(), default=_iso, indent=1), encoding="utf-8")
    elif isinstance(value, pa.Table) and path.suffix == ".jsonl":
        path.write_text("".join(json.dumps(r, default=_iso) + "\n" for r in value.to_pylist()), encoding="utf-8")
    else:
        raise TypeError(f"no writer for {rel!r} ({type(value).__name__})")


def _iso(value: Any) -> str:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    raise TypeError(type(value).__name__)


_SQL_TYPES = [(pa.types.is_boolean, sa.Boolean), (pa.types.is_integer, sa.BigInteger),
              (pa.types.is_floating, sa.Float), (pa.types.is_timestamp, sa.DateTime), (pa.types.is_date, sa.Date),
              (pa.types.is_string, sa.Text)]


def _write_sql(db: Path, name: str, data: pa.Table) -> None:
    engine = sa.create_engine(f"sqlite:///{db}")
    cols = [sa.Column(f.name, next(t for test, t in _SQL_TYPES if test(f.type))()) for f in data.schema]
    table = sa.Table(name, sa.MetaData(), *cols)
    with engine.begin() as c:
        table.drop(c, checkfirst=True)
        table.create(c)
        c.execute(table.insert(), data.to_pylist())
    engine.dispose()


# --- outputs ------------------------------------------------------------------------------------
@dataclass
class Output:
    """Where a node's output lands: ``kind`` csv|parquet|json|delta|sql, a path (or table name)."""

    kind: str
    path: str
    db: str = "db.sqlite"


@dataclass
class ReadBack:
    """An output as read back: its shape (file, dir, table or missing) and its data."""

    shape: str
    table: pa.Table | None = None
    files: list[str] = field(default_factory=list)


def read_output(root: Path, out: Output) -> ReadBack:
    if out.kind == "sql":
        return _read_sql(root / out.db, out.path)
    path = root / out.path
    if not path.exists():
        return ReadBack("missing")
    if out.kind == "delta":
        return ReadBack("delta", DeltaTable(str(path)).to_pyarrow_table())
    if path.is_file():
        return ReadBack("file", _read_file(out.kind, path), [path.name])
    files = sorted(f for f in path.rglob("*") if f.is_file() and not _hidden(f.relative_to(path)))
    tables = [_with_partitions(_read_file(out.kind, f), f.relative_to(path)) for f in files]
    table = pa.concat_tables(tables, promote_options="permissive") if tables else pa.table({})
    return ReadBack("dir", table, [str(f.relative_to(path)) for f in files])


def _hidden(rel: Path) -> bool:
    # Spark's _SUCCESS and .crc files, and any staging folder, are not data.
    return any(part.startswith((".", "_")) for part in rel.parts)


def _read_file(kind: str, path: Path) -> pa.Table:
    if kind == "parquet":
        return pq.read_table(path)
    if kind == "csv":
        convert = pcsv.ConvertOptions(strings_can_be_null=True)
        return pcsv.read_csv(path, convert_options=convert)
    if kind == "json":
        data = path.read_bytes()
        if not data.strip():
            return pa.table({})
        if data.lstrip()[:1] == b"[":
            data = b"\n".join(json.dumps(r).encode() for r in json.loads(data))
        return pj.read_json(io.BytesIO(data), read_options=pj.ReadOptions(block_size=max(1 << 20, len(data) + 1)))
    raise ValueError(f"unknown output kind {kind!r}")


def _with_partitions(table: pa.Table, rel: Path) -> pa.Table:
    """Hive ``key=value`` folders become columns (at the end), typed like a CSV value would be."""
    for part in rel.parts[:-1]:
        if "=" in part:
            key, value = part.split("=", 1)
            column = pcsv.read_csv(io.BytesIO(f"{key}\n{value}\n".encode())).column(0)
            table = table.append_column(key, pa.repeat(column[0], table.num_rows))
    return table


def _arrow_type(t: sa.types.TypeEngine) -> pa.DataType | None:
    if isinstance(t, sa.Boolean):
        return pa.bool_()
    if isinstance(t, sa.Integer):
        return pa.int64()
    if isinstance(t, sa.Float):
        return pa.float64()
    if isinstance(t, sa.Numeric):
        return pa.decimal128(t.precision or 38, t.scale or 0)
    if isinstance(t, sa.DateTime):
        return pa.timestamp("us")
    if isinstance(t, sa.Date):
        return pa.date32()
    if isinstance(t, (sa.String, sa.Text)):
        return pa.string()
    return None


def _read_sql(db: Path, name: str) -> ReadBack:
    if not db.exists():
        return ReadBack("missing")
    engine = sa.create_engine(f"sqlite:///{db}")
    try:
        if not sa.inspect(engine).has_table(name):
            return ReadBack("missing")
        table = sa.Table(name, sa.MetaData(), autoload_with=engine)
        with engine.connect() as c:
            fetched = c.execute(sa.select(table)).all()
        arrays = []
        for i, col in enumerate(table.columns):
            values = [r[i] for r in fetched]
            values = [float(v) if isinstance(v, decimal.Decimal) and isinstance(col.type, sa.Float) else v
                      for v in values]
            arrays.append(pa.array(values, type=_arrow_type(col.type)))
        return ReadBack("table", pa.Table.from_arrays(arrays, names=[c.name for c in table.columns]))
    finally:
        engine.dispose()
