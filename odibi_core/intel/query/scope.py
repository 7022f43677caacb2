"""The tables a natural-language question may use: node outputs the catalog knows were written.

Why from the catalog and not from the YAML alone: a node that never ran has no output to query,
and a question about it can only fail. A table is in scope when its node has a ``write:`` target
and at least one node run that got through (status success or warning) is recorded. Its SQL name
is the node name, the name every odibi SQL step already uses for it.

Why Arrow datasets: an output may be large. Delta tables and parquet files are opened as
``pyarrow.dataset`` objects, which read nothing until DuckDB scans them, and whose row counts come
from file metadata. The profile (schema, row count, a few distinct values of low-cardinality text
columns for filters such as "in Lagos") is computed once per version of the data and cached in
memory, so the Studio's Ask page answers a second question without touching the files again.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from odibi_core import secrets
from odibi_core.catalog import RunCatalog
from odibi_core.config.loader import LoadedProject
from odibi_core.config.models import ReadConfig, WriteConfig
from odibi_core.engines.base import Engine, arrow_logical_type
from odibi_core.errors import OdibiError
from odibi_core.formats import _files as F
from odibi_core.formats.registry import get_format
from odibi_core.intel.sql_guard import unknown_table_message
from odibi_core.intel.types import TableInfo

SAMPLE_ROWS = 200_000  # distinct values are computed over at most this many rows
MAX_DISTINCT = 25  # a text column with more distinct values than this gets no value list
MAX_VALUES = 12  # values kept per low-cardinality column (the most frequent first)
MAX_VALUE_CHARS = 80  # longer texts are descriptions, not categories: not offered as filter values
_CACHE_SIZE = 256
_OK_STATUSES = ("success", "warning")
_FILE_FORMATS = ("csv", "parquet", "json", "jsonl")

Source = Any  # a pyarrow.dataset.Dataset or a pyarrow.Table: what DuckDB scans for a table


@dataclass
class QueryScope:
    """The tables in scope, by SQL name, and how to open each for execution.

    ``skipped`` lists outputs that exist in the catalog but could not be opened, as
    ``"node: reason"``, so a UI can say why a table it expected is missing."""

    tables: dict[str, TableInfo]
    skipped: list[str] = field(default_factory=list)
    _openers: dict[str, Callable[[], Source]] = field(default_factory=dict, repr=False)
    read_configs: dict[str, ReadConfig] = field(default_factory=dict, repr=False)  # how a pipeline reads each

    def source(self, name: str) -> Source:
        """The Arrow dataset or table behind ``name`` (opened now; datasets read lazily)."""
        if name not in self._openers:
            raise OdibiError(unknown_table_message(name, list(self.tables)))
        return self._openers[name]()

    @classmethod
    def from_arrow(cls, sources: Mapping[str, Source], *, profile: bool = True) -> QueryScope:
        """A scope over Arrow tables or datasets held in memory (evaluation sets, notebooks, tests),
        profiled like node outputs but not cached (there is no data version to key on)."""
        scope = cls(tables={})
        for name, source in sources.items():
            columns = {f.name: arrow_logical_type(f.type) for f in source.schema}
            rows = source.num_rows if isinstance(source, pa.Table) else source.count_rows()
            values = _distinct_values(source, columns) if profile else {}
            scope.tables[name] = TableInfo(name=name, columns=columns, values=values, node=name, row_count=rows)
            scope._openers[name] = (lambda s=source: s)
        return scope

    def schemas(self) -> dict[str, dict[str, str]]:
        """``{table: {column: logical type}}``: what :func:`sql_guard.check_select` checks against."""
        return {name: dict(info.columns) for name, info in self.tables.items()}


@dataclass
class _Profile:
    columns: dict[str, str]
    values: dict[str, list[str]] | None  # None: not profiled yet
    row_count: int | None


@dataclass
class _Opened:
    """One output, located: a cache key for its current data and a way to open it."""

    fingerprint: tuple
    open: Callable[[], Source]
    row_count_cheap: bool  # count_rows() reads only metadata


_cache: OrderedDict[tuple, _Profile] = OrderedDict()
_cache_lock = threading.Lock()


def clear_cache() -> None:
    """Forget every cached profile (tests; a Studio "refresh" button)."""
    with _cache_lock:
        _cache.clear()


def build_scope(loaded: LoadedProject, engine: Engine, catalog: RunCatalog, *, tables: list[str] | None = None,
                profile: bool = True) -> QueryScope:
    """The node outputs of ``loaded`` that a question may use (see the module docstring).

    ``tables`` narrows the scope to those node names (an unknown name is an error naming the known
    ones). ``profile=False`` skips the distinct values (schemas and metadata row counts only)."""
    written = _written_nodes(loaded)
    if tables is not None:
        for name in tables:
            if name not in written:
                raise OdibiError(unknown_table_message(name, list(written)) + " (a table is a node with a 'write:' "
                                 "target)")
        written = {name: written[name] for name in tables}
    latest = _latest_successes(catalog, list(written))
    scope = QueryScope(tables={})
    for name, (node, layer) in written.items():
        if name not in latest:
            continue  # never written by a successful run: nothing to ask about yet
        read = read_config_for(node.write, engine)
        try:
            opened = _open(read, engine, latest[name])
            prof = _profile(name, read, opened, profile)
        except Exception as exc:  # noqa: BLE001 - one unreadable output must not hide the others
            scope.skipped.append(f"{name}: {secrets.mask(_reason(exc))}")
            continue
        scope.tables[name] = TableInfo(name=name, columns=prof.columns, values=prof.values or {},
                                       description=node.description, node=name, layer=layer,
                                       row_count=prof.row_count)
        scope._openers[name] = opened.open
        scope.read_configs[name] = read
    return scope


def read_config_for(write: WriteConfig, engine: Engine) -> ReadConfig:
    """The read block that reads back what ``write`` wrote (as the runner reads an upstream output),
    with the csv/json read options that match the write options (a ``;`` delimiter stays one)."""
    fmt = engine.format_of(write)
    options: dict[str, Any] = {}
    if fmt in _FILE_FORMATS:
        options = get_format(fmt).read_back_options({k: v for k, v in write.options.items() if k != "keys"})
    return ReadConfig(connection=write.connection, format=fmt, path=write.path, table=write.table, options=options)


# --- which nodes ---------------------------------------------------------------------------------
def _written_nodes(loaded: LoadedProject) -> dict[str, tuple[Any, str | None]]:
    out: dict[str, tuple[Any, str | None]] = {}
    for pipe in loaded.config.pipelines:
        for node in pipe.nodes:
            if node.write is not None:
                out[node.name] = (node, pipe.layer)
    return out


def _latest_successes(catalog: RunCatalog, nodes: list[str]) -> dict[str, dict[str, Any]]:
    """``{node: newest successful node run}`` in one indexed query (node, started_at)."""
    if not nodes:
        return {}
    marks = ", ".join("?" * len(nodes))
    rows = catalog._query(
        "SELECT node, run_id, write_version, write_target, started_at FROM ("
        "SELECT node, run_id, write_version, write_target, started_at, ROW_NUMBER() OVER "
        "(PARTITION BY node ORDER BY started_at DESC, run_id DESC) AS rn FROM node_runs "
        f"WHERE status IN (?, ?) AND node IN ({marks})) WHERE rn = 1", [*_OK_STATUSES, *nodes])
    return {r["node"]: r for r in rows}


# --- opening -------------------------------------------------------------------------------------
def _open(read: ReadConfig, engine: Engine, last_ok: Mapping[str, Any]) -> _Opened:
    conn = engine.connection(read.connection)
    fmt = read.format
    if fmt == "delta":
        from deltalake import DeltaTable

        uri = conn.resolve(read.path)
        so = getattr(conn, "storage_options", None) or None
        if not DeltaTable.is_deltatable(uri, storage_options=so):
            raise OdibiError(f"no Delta table at '{read.path}' on connection '{read.connection}' (was it removed?)")
        table = DeltaTable(uri, storage_options=so)
        return _Opened(("delta", uri, table.version()), table.to_pyarrow_dataset, True)
    if fmt in _FILE_FORMATS and getattr(conn, "is_local", False) and hasattr(conn, "glob"):
        fmt_obj = get_format(fmt)
        files = F.list_input_files(conn, read.path, suffixes=fmt_obj.suffixes, fmt=fmt)
        stats = tuple((f.path, st.st_mtime_ns, st.st_size) for f in files for st in (os.stat(f.path),))
        if fmt == "parquet" and _plain_parquet(files):
            paths = [f.path for f in files]
            return _Opened(("parquet",) + stats, lambda: ds.dataset(paths, format="parquet"), True)
        # text formats go through odibi's own reader: the same types a pipeline reading them gets
        return _Opened((fmt,) + stats, lambda: fmt_obj.read(conn, read), False)
    # sql tables, APIs, remote files: only the engine can read them; the data changes when a run writes
    version = (last_ok.get("run_id"), last_ok.get("write_version"))
    return _Opened((fmt, read.connection, read.path or read.table) + version,
                   lambda: engine.to_arrow(engine.read(read)), False)


def _plain_parquet(files: list[F.InputFile]) -> bool:
    """One schema and no hive folders: a lazy dataset reads exactly what odibi's reader would."""
    if any(f.partitions for f in files):
        return False
    first = pq.read_schema(files[0].path).remove_metadata()
    return all(pq.read_schema(f.path).remove_metadata().equals(first) for f in files[1:])


# --- profiling -----------------------------------------------------------------------------------
def _profile(name: str, read: ReadConfig, opened: _Opened, values: bool) -> _Profile:
    key = (name, read.connection, read.path or read.table) + opened.fingerprint
    with _cache_lock:
        cached = _cache.get(key)
        if cached is not None:
            _cache.move_to_end(key)
    if cached is not None and (cached.values is not None or not values):
        return cached
    source = opened.open()
    schema = source.schema
    columns = {f.name: arrow_logical_type(f.type) for f in schema}
    if cached is not None:
        row_count = cached.row_count
    elif isinstance(source, pa.Table):
        row_count = source.num_rows
    else:
        row_count = source.count_rows() if opened.row_count_cheap else None
    prof = _Profile(columns, _distinct_values(source, columns) if values else None, row_count)
    with _cache_lock:
        _cache[key] = prof
        _cache.move_to_end(key)
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return prof


def _distinct_values(source: Source, columns: dict[str, str]) -> dict[str, list[str]]:
    """Up to :data:`MAX_VALUES` most frequent values of each text column with at most
    :data:`MAX_DISTINCT` distinct values, over the first :data:`SAMPLE_ROWS` rows."""
    text = [c for c, t in columns.items() if t == "string"]
    if not text:
        return {}
    sample = source.slice(0, SAMPLE_ROWS).select(text) if isinstance(source, pa.Table) \
        else source.head(SAMPLE_ROWS, columns=text)
    con = duckdb.connect(":memory:")
    try:
        con.execute("SET python_enable_replacements = false")
        con.register("sample", sample)
        q = [f'"{c.replace(chr(34), chr(34) * 2)}"' for c in text]
        counts = con.execute("SELECT " + ", ".join(f"count(DISTINCT {c})" for c in q) + " FROM sample").fetchone()
        out: dict[str, list[str]] = {}
        for col, quoted, n in zip(text, q, counts):
            if not n or n > MAX_DISTINCT:
                continue
            rows = con.execute(f"SELECT {quoted}, count(*) AS n FROM sample WHERE {quoted} IS NOT NULL "
                               f"GROUP BY 1 ORDER BY n DESC, 1 LIMIT {MAX_VALUES}").fetchall()
            vals = [str(r[0]) for r in rows if len(str(r[0])) <= MAX_VALUE_CHARS]
            if vals:
                out[col] = vals
        return out
    finally:
        con.close()


def _reason(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:300]

