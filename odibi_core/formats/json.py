"""JSON files: a JSON array of objects, or JSON Lines (one object per line).

``json`` auto-detects the two layouts (a file whose first non-blank character is ``[`` is an
array); ``jsonl`` always means JSON Lines. pyarrow parses lines fast; when it fails we parse
line by line in Python only to say *which* line is bad, to skip bad lines when
``options.on_bad_lines: skip``, or to keep them when ``on_bad_lines: keep``: a bad line becomes a
row whose columns are all NULL but ``_corrupt_record``, which holds the line's text (NULL on good
rows; Spark's PERMISSIVE name). A pipeline can then quarantine such rows with a validation test
instead of losing them or failing the whole read. The number of bad lines travels back in the
table's schema metadata (``b"odibi.bad_lines"``) rather than on the format instance, which is
shared between threads. Writes produce JSON Lines unless ``lines: false`` (``json`` only);
timestamps and dates are written as ISO-8601 text.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import io
import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pj

from odibi_core.errors import OdibiError
from odibi_core.formats._file_format import FileFormat
from odibi_core.formats.registry import register_format

BAD_LINES_KEY = b"odibi.bad_lines"
CORRUPT_COLUMN = "_corrupt_record"
_BAD = ("error", "skip", "keep")


def _to_json(value: Any) -> Any:
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    raise TypeError(f"cannot write a value of type {type(value).__name__} as JSON")


def _non_finite_to_null(table: pa.Table) -> pa.Table:
    # JSON has no NaN or Infinity; json.dumps would write those invalid tokens.
    for i, f in enumerate(table.schema):
        if pa.types.is_floating(f.type):
            col = table.column(i)
            table = table.set_column(i, f.name, pc.if_else(pc.is_finite(col), col, pa.scalar(None, f.type)))
    return table


def _arrow_from_lines(data: bytes) -> pa.Table:
    """pyarrow's JSON Lines reader; a block as large as the data, so no line straddles blocks."""
    block = max(1 << 20, len(data) + 1)
    return pj.read_json(io.BytesIO(data), read_options=pj.ReadOptions(block_size=block))


def _python_table(rows: list[dict]) -> pa.Table:
    """Build a table from parsed objects when pyarrow refuses (a column changes type).

    Columns keep every key seen, in first-seen order; a column whose values mix types becomes
    text, with non-string values written back as JSON.
    """
    names: dict[str, None] = {}
    for row in rows:
        names.update(dict.fromkeys(row))
    arrays = []
    for name in names:
        values = [row.get(name) for row in rows]
        try:
            arrays.append(pa.array(values))
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            arrays.append(pa.array([v if v is None or isinstance(v, str) else json.dumps(v) for v in values], pa.string()))
    return pa.Table.from_arrays(arrays, names=list(names))


def _with_corrupt(table: pa.Table, path: str) -> pa.Table:
    """The table with an all-NULL ``_corrupt_record`` column at the end (every row parsed)."""
    if CORRUPT_COLUMN in table.column_names:
        raise OdibiError(f"'{path}' already has a field '{CORRUPT_COLUMN}', the column on_bad_lines: keep adds; "
                         "rename the field, or read with on_bad_lines: error or skip.")
    return table.append_column(pa.field(CORRUPT_COLUMN, pa.string()), pa.nulls(table.num_rows, pa.string()))


def _corrupt_only(texts: list[bytes]) -> pa.Table:
    """A table of bad records only: their text in ``_corrupt_record``."""
    return pa.table({CORRUPT_COLUMN: pa.array([t.decode("utf-8", errors="replace") for t in texts], pa.string())})


class _JsonBase(FileFormat):
    suffixes = (".jsonl", ".json", ".ndjson")
    lenient_types = True
    read_options = frozenset({"on_bad_lines", "lines", "encoding"})
    write_options = frozenset({"lines"})

    def _layout(self, data: bytes, options: dict[str, Any], path: str) -> bool:
        """True for JSON Lines, False for an array."""
        lines = options.get("lines")
        if lines is not None and not isinstance(lines, bool):
            raise OdibiError(f"{self.name} read of '{path}': option 'lines' must be true or false.")
        starts_array = data.lstrip()[:1] == b"["
        if self.name == "jsonl":
            if lines is False:
                raise OdibiError(f"format 'jsonl' is always JSON Lines; use format: json for '{path}' with lines: false.")
            if starts_array:
                raise OdibiError(f"'{path}' holds a JSON array, not JSON Lines; read it with format: json.")
            return True
        return (not starts_array) if lines is None else lines

    def read_file(self, path: str, options: dict[str, Any]) -> pa.Table:
        bad = options.get("on_bad_lines", "error")
        if bad not in _BAD:
            raise OdibiError(f"{self.name} read: option 'on_bad_lines' must be one of {', '.join(_BAD)} (got {bad!r}).")
        data = Path(path).read_bytes()
        encoding = options.get("encoding", "utf-8")
        if encoding.lower().replace("-", "") not in ("utf8", "utf8sig"):
            data = data.decode(encoding).encode("utf-8")
        data = data.removeprefix(b"\xef\xbb\xbf")
        if not self._layout(data, options, path):
            table = self._read_array(data, path, keep=bad == "keep")
        else:
            table = self._read_lines(data, path, bad)
        return table

    def _read_array(self, data: bytes, path: str, *, keep: bool = False) -> pa.Table:
        try:
            rows = json.loads(data)
        except json.JSONDecodeError as exc:
            if keep:  # the whole file is one bad record, as Spark's multiLine PERMISSIVE read says
                return _corrupt_only([data])
            raise OdibiError(f"'{path}' is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}.") from None
        if isinstance(rows, dict):
            rows = [rows]
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            if keep:
                return _corrupt_only([data])
            raise OdibiError(f"'{path}': a JSON file must hold an object or an array of objects.")
        if not rows:
            return _with_corrupt(pa.table({}), path) if keep else pa.table({})
        lines = b"\n".join(json.dumps(r).encode() for r in rows)
        try:
            table = _arrow_from_lines(lines)
        except pa.ArrowInvalid:
            table = _python_table(rows)
        return _with_corrupt(table, path) if keep else table

    def _read_lines(self, data: bytes, path: str, bad: str = "error") -> pa.Table:
        keep = bad == "keep"
        meta = {BAD_LINES_KEY: b"0"} if bad != "error" else None
        if not data.strip():
            table = _with_corrupt(pa.table({}), path) if keep else pa.table({})
            return table.replace_schema_metadata(meta)
        try:
            table = _arrow_from_lines(data)
            return (_with_corrupt(table, path) if keep else table).replace_schema_metadata(meta)
        except pa.ArrowInvalid:
            pass  # find the bad line (or the type change) in Python
        rows, good, bad_lines = [], [], []
        positions: list[int | None] = []  # per kept row: its index among the good rows, None for a bad line
        for lineno, raw in enumerate(data.splitlines(), start=1):
            if not raw.strip():
                continue
            try:
                obj = json.loads(raw)
                if not isinstance(obj, dict):
                    raise ValueError(f"expected an object, got {type(obj).__name__}")
            except ValueError as exc:
                if bad == "error":
                    reason = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)
                    raise OdibiError(
                        f"malformed JSON in '{path}' at line {lineno}: {reason}. Fix the line, or set "
                        "options: {on_bad_lines: skip} on the read to skip such lines (keep: to keep them "
                        "in a _corrupt_record column)."
                    ) from None
                bad_lines.append(raw)
                positions.append(None)
                continue
            positions.append(len(rows))
            rows.append(obj)
            good.append(raw)
        meta = {BAD_LINES_KEY: str(len(bad_lines)).encode()} if bad != "error" else None
        if not rows:
            table = _corrupt_only(bad_lines) if keep else pa.table({})
            return table.replace_schema_metadata(meta)
        try:
            table = _arrow_from_lines(b"\n".join(good))
        except pa.ArrowInvalid:
            table = _python_table(rows)
        if keep:
            table = _with_corrupt(table, path)
            # a NULL index in take() gives a row of NULLs: the bad lines, in file order
            table = table.take(pa.array(positions, pa.int64()))
            texts = iter(bad_lines)
            corrupt = [None if p is not None else next(texts).decode("utf-8", errors="replace") for p in positions]
            table = table.set_column(table.num_columns - 1, CORRUPT_COLUMN, pa.array(corrupt, pa.string()))
        return table.replace_schema_metadata(meta)

    def check_write(self, table: pa.Table, options: dict[str, Any], single_file: bool) -> None:
        lines = options.get("lines", True)
        if not isinstance(lines, bool):
            raise OdibiError(f"{self.name} write: option 'lines' must be true or false.")
        if not lines and self.name == "jsonl":
            raise OdibiError("format 'jsonl' always writes JSON Lines; use format: json with lines: false for an array.")

    def write_file(self, table: pa.Table, path: str, options: dict[str, Any]) -> None:
        lines = options.get("lines", True)
        table = _non_finite_to_null(table)
        with open(path, "w", encoding="utf-8") as fh:
            if not lines:
                fh.write("[")
            first = True
            for batch in table.to_batches(max_chunksize=10_000):
                for row in batch.to_pylist():
                    text = json.dumps(row, default=_to_json, ensure_ascii=False)
                    if lines:
                        fh.write(text + "\n")
                    else:
                        fh.write(("\n" if first else ",\n") + text)
                    first = False
            if not lines:
                fh.write("\n]\n")


@register_format
class JsonFormat(_JsonBase):
    """``format: json``: an array file or JSON Lines, detected per file."""

    name = "json"
    suffixes = (".json", ".jsonl", ".ndjson")


@register_format
class JsonlFormat(_JsonBase):
    """``format: jsonl``: JSON Lines only."""

    name = "jsonl"
    suffixes = (".jsonl", ".ndjson", ".json")
