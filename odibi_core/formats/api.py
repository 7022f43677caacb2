"""The ``api`` format: records from a JSON API (through an ``http`` connection) as an Arrow table.

APIs rarely return perfectly regular records: optional fields are left out, nested objects
appear. Columns are therefore the union of all keys in first-seen order, missing values are
null, nested objects become structs, and a column whose values do not share one type falls
back to JSON text instead of failing the read.
"""

from __future__ import annotations

import json
from typing import Any

import pyarrow as pa

from odibi_core.config.models import ReadConfig
from odibi_core.connections.base import Connection
from odibi_core.errors import OdibiError
from odibi_core.formats.base import Format
from odibi_core.formats.registry import register_format


@register_format
class ApiFormat(Format):
    name = "api"
    connection_kind = "http"
    write_modes = frozenset()

    def read(self, conn: Connection, cfg: ReadConfig) -> pa.Table:
        if getattr(conn, "kind", None) != "http" or not hasattr(conn, "fetch_records"):
            raise OdibiError(f"format 'api' needs an http connection; '{conn.name}' is of type "
                             f"'{getattr(conn.config, 'type', '?')}'.")
        if cfg.table or cfg.query:
            raise OdibiError(f"format 'api' on connection '{conn.name}' reads an endpoint 'path'; "
                             "'table' and 'query' do not apply.")
        records = conn.fetch_records(cfg.path or "", dict(cfg.options))
        return records_to_arrow(records)


def records_to_arrow(records: list[dict[str, Any]]) -> pa.Table:
    """Arrow table from dict records with possibly differing keys (missing -> null)."""
    if not records:
        return pa.table({})
    names: dict[str, None] = {}
    for rec in records:
        for key in rec:
            names.setdefault(str(key), None)
    columns = {name: _column([rec.get(name) for rec in records]) for name in names}
    return pa.table(columns)


def _column(values: list[Any]) -> pa.Array:
    try:
        return pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, OverflowError):
        # Mixed types (e.g. 1 and "1", or an object in some rows and a string in others): keep the
        # data readable as text rather than fail; strings stay as they are, the rest become JSON.
        return pa.array([None if v is None else v if isinstance(v, str) else json.dumps(v, default=str)
                         for v in values], type=pa.string())
