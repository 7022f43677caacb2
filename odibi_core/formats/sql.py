"""The ``sql`` format: tables and queries on a SQL connection, read and written as Arrow.

Every write runs in ONE transaction, so a failure half-way (a constraint, a value the column
type refuses) rolls back and leaves the table as it was. Upsert is delete-then-insert through
a temporary key table rather than a dialect's MERGE/ON CONFLICT: it behaves the same on
SQLite and PostgreSQL and needs no unique index on the keys.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import sqlalchemy as sa
from sqlalchemy.exc import NoSuchTableError, SQLAlchemyError

from odibi_core.config.models import ReadConfig, WriteConfig
from odibi_core.connections.base import Connection
from odibi_core.errors import OdibiError
from odibi_core.formats.base import Format, WriteResult
from odibi_core.formats.registry import register_format
from odibi_core.formats.sql_arrow import batches, combine, rows_to_arrow, sql_type

_FETCH_ROWS = 50_000
_INSERT_ROWS = 10_000
# The pattern SQLAlchemy's text() treats as a bind parameter; user SQL has none, so escape them.
_BIND = re.compile(r"(?<![:\w\\]):(\w+)(?!:)")


@register_format
class SqlFormat(Format):
    name = "sql"
    connection_kind = "sql"
    write_modes = frozenset({"overwrite", "append", "upsert", "append_once", "merge", "error", "ignore"})
    pushes_down_filter = True  # the engine must not filter again after read()

    # --- read --------------------------------------------------------------------------------
    def read(self, conn: Connection, cfg: ReadConfig) -> pa.Table:
        sql_conn = _sql(conn, cfg)
        size = int(cfg.options.get("chunk_size", _FETCH_ROWS))
        what = f"table '{cfg.table}'" if cfg.table else "query"
        try:
            with sql_conn.engine.connect() as c:
                stmt, reflected = _select(c, sql_conn, cfg)
                result = c.execution_options(stream_results=True, yield_per=size).execute(stmt)
                names = list(result.keys())
                chunks = [rows_to_arrow(names, part) for part in result.partitions(size)]
        except OdibiError:
            raise
        except SQLAlchemyError as exc:
            hint = " Check the filter expression." if cfg.filter else ""
            raise OdibiError(f"reading {what} failed on {sql_conn.explain(exc)}.{hint}") from None
        return combine(chunks, names, reflected)

    # --- write -------------------------------------------------------------------------------
    def write(self, table: pa.Table, conn: Connection, cfg: WriteConfig) -> WriteResult:
        sql_conn = _sql(conn, cfg)
        schema, name = _split(sql_conn, cfg.table)
        mode, target = cfg.mode, f"{conn.name}:{cfg.table}"
        where = f"writing table '{cfg.table}' on connection '{conn.name}' (mode {mode})"
        if table.num_columns == 0:
            raise OdibiError(f"{where}: the data has no columns, so there is nothing to write.")
        keys = cfg.keys if mode in ("upsert", "merge", "append_once") else []
        if keys:
            _check_keys(table, keys, where)
        size = int(cfg.options.get("batch_size", _INSERT_ROWS))
        details: dict[str, Any] = {}
        try:
            with sql_conn.engine.begin() as c:
                existed = sa.inspect(c).has_table(name, schema=schema)
                if existed and mode == "error":
                    raise OdibiError(f"{where}: the table already exists and mode 'error' refuses to touch it. "
                                     "Use another mode (overwrite, append, upsert) or another table.")
                if existed and mode == "ignore":
                    return WriteResult(0, target, mode, details={"skipped": "table exists"})
                if not existed:
                    target_table = _create(c, name, schema, table)
                elif mode == "overwrite":
                    target_table = _reflect(c, name, schema)
                    if set(target_table.columns.keys()) == set(table.column_names):
                        c.execute(target_table.delete())
                    else:  # a new shape replaces the old table, inside the same transaction
                        target_table.drop(c)
                        target_table = _create(c, name, schema, table)
                        details["recreated"] = True
                else:
                    target_table = _align(c, _reflect(c, name, schema), table, cfg.merge_schema, where)
                    if keys and mode in ("upsert", "merge"):
                        details["replaced"] = _delete_matching(c, target_table, table, keys)
                    elif keys:  # append_once
                        before = table.num_rows
                        table = _only_new(c, target_table, table, keys)
                        details["skipped_existing"] = before - table.num_rows
                written = 0
                for rows in batches(table, size):
                    c.execute(target_table.insert(), rows)
                    written += len(rows)
        except OdibiError:
            raise
        except SQLAlchemyError as exc:
            raise OdibiError(f"{where} failed and was rolled back, so the table keeps its previous content: "
                             f"{sql_conn.explain(exc)}") from None
        details["created"] = not existed
        return WriteResult(written, target, mode, details=details)

    def exists(self, conn: Connection, cfg: WriteConfig) -> bool:
        sql_conn = _sql(conn, cfg)
        schema, name = _split(sql_conn, cfg.table)
        try:
            return sa.inspect(sql_conn.engine).has_table(name, schema=schema)
        except SQLAlchemyError as exc:
            raise OdibiError(f"checking table '{cfg.table}' failed on {sql_conn.explain(exc)}") from None


# --- helpers -------------------------------------------------------------------------------------
def _sql(conn: Connection, cfg: ReadConfig | WriteConfig):
    if getattr(conn, "kind", None) != "sql" or not hasattr(conn, "engine"):
        raise OdibiError(f"format 'sql' needs a SQL database connection; '{conn.name}' is of type "
                         f"'{getattr(conn.config, 'type', '?')}'. Use a file format or a SQL connection.")
    if getattr(cfg, "path", None) and not getattr(cfg, "table", None):
        raise OdibiError(f"format 'sql' on connection '{conn.name}' takes 'table' (or 'query' for reads), "
                         f"not 'path' ('{cfg.path}'). Write table: {cfg.path} instead.")
    return conn


def _split(sql_conn, table: str) -> tuple[str | None, str]:
    """``schema.table`` -> (schema, table); a bare name uses the connection's default schema."""
    if "." in table:
        schema, name = table.rsplit(".", 1)
        return schema, name
    return sql_conn.default_schema, table


def _reflect(c: sa.Connection, name: str, schema: str | None) -> sa.Table:
    return sa.Table(name, sa.MetaData(), schema=schema, autoload_with=c)


def _select(c: sa.Connection, sql_conn, cfg: ReadConfig) -> tuple[Any, dict[str, Any] | None]:
    if cfg.table:
        schema, name = _split(sql_conn, cfg.table)
        try:
            table = _reflect(c, name, schema)
        except NoSuchTableError:
            raise OdibiError(f"table '{cfg.table}' does not exist on connection '{sql_conn.name}'. "
                             "Check the name (and schema), or write the table first.") from None
        stmt = sa.select(table)
        if cfg.filter:
            stmt = stmt.where(sa.text(_BIND.sub(r"\\:\1", cfg.filter)))
        return stmt, {col.name: col.type for col in table.columns}
    query = cfg.query.strip().rstrip(";").strip()
    if cfg.filter:
        query = f"SELECT * FROM ({query}) AS src WHERE {cfg.filter}"
    return sa.text(_BIND.sub(r"\\:\1", query)), None


def _create(c: sa.Connection, name: str, schema: str | None, data: pa.Table) -> sa.Table:
    columns = [sa.Column(f.name, sql_type(f.type), nullable=True) for f in data.schema]
    table = sa.Table(name, sa.MetaData(), *columns, schema=schema)
    table.create(c)
    return table


def _align(c: sa.Connection, table: sa.Table, data: pa.Table, merge_schema: bool, where: str) -> sa.Table:
    """Make sure every data column exists in the table (adding them when merge_schema is on)."""
    missing = [f for f in data.schema if f.name not in table.columns]
    if not missing:
        return table
    names = ", ".join(f.name for f in missing)
    if not merge_schema:
        raise OdibiError(f"{where}: the table has no column(s) {names}. Add them to the table, drop them "
                         "from the data, or set merge_schema: true to add them automatically.")
    prep = c.dialect.identifier_preparer
    add = "ADD" if c.dialect.name == "mssql" else "ADD COLUMN"
    for f in missing:
        ddl = f"ALTER TABLE {prep.format_table(table)} {add} {prep.quote(f.name)} " \
              f"{sql_type(f.type).compile(dialect=c.dialect)}"
        c.exec_driver_sql(ddl.replace("%", "%%"))
    return _reflect(c, table.name, table.schema)


def _check_keys(data: pa.Table, keys: list[str], where: str) -> None:
    absent = [k for k in keys if k not in data.column_names]
    if absent:
        raise OdibiError(f"{where}: options.keys names column(s) {', '.join(absent)} that the data does not "
                         f"have (columns: {', '.join(data.column_names)}).")
    for k in keys:
        nulls = data.column(k).null_count
        if nulls:
            raise OdibiError(f"{where}: key column '{k}' has {nulls} null value(s); rows without a key cannot "
                             "be matched. Fill or filter them before the write.")
    counts = data.group_by(keys).aggregate([([], "count_all")])
    dup = counts.filter(pc.greater(counts["count_all"], 1))
    if dup.num_rows:
        example = {k: dup.column(k)[0].as_py() for k in keys}
        raise OdibiError(f"{where}: {dup.num_rows} key value(s) occur more than once in the data "
                         f"(e.g. {example}). Deduplicate on {', '.join(keys)} first (transformer: deduplicate).")


def _stage_keys(c: sa.Connection, target: sa.Table, data: pa.Table, keys: list[str]) -> sa.Table:
    """A temporary table holding the data's key values, typed like the target's key columns."""
    tag = uuid.uuid4().hex[:10]
    cols = [sa.Column(k, target.c[k].type) for k in keys]
    if c.dialect.name == "mssql":
        stage = sa.Table(f"#odibi_keys_{tag}", sa.MetaData(), *cols)
    else:
        stage = sa.Table(f"odibi_keys_{tag}", sa.MetaData(), *cols, prefixes=["TEMPORARY"])
    stage.create(c)
    for rows in batches(data.select(keys), _INSERT_ROWS):
        c.execute(stage.insert(), rows)
    return stage


def _matches(stage: sa.Table, target: sa.Table, keys: list[str]):
    """EXISTS over equal keys; SQLAlchemy correlates it with whichever table the outer statement uses."""
    return sa.exists().where(sa.and_(*[stage.c[k] == target.c[k] for k in keys]))


def _delete_matching(c: sa.Connection, target: sa.Table, data: pa.Table, keys: list[str]) -> int:
    if data.num_rows == 0:
        return 0
    stage = _stage_keys(c, target, data, keys)
    deleted = c.execute(target.delete().where(_matches(stage, target, keys))).rowcount
    stage.drop(c)
    return max(int(deleted or 0), 0)


def _only_new(c: sa.Connection, target: sa.Table, data: pa.Table, keys: list[str]) -> pa.Table:
    """The data rows whose keys are not in the target yet."""
    if data.num_rows == 0:
        return data
    stage = _stage_keys(c, target, data, keys)
    present = {tuple(r) for r in c.execute(sa.select(*[stage.c[k] for k in keys]).where(_matches(stage, target, keys)))}
    stage.drop(c)
    if not present:
        return data
    rows = data.select(keys).to_pylist()
    keep = pa.array([tuple(r[k] for k in keys) not in present for r in rows])
    return data.filter(keep)
