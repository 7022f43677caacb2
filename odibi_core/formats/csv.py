"""CSV files through pyarrow.csv (multi-threaded, typed inference, no pandas round trip).

Options use friendly names, with pandas' spellings accepted as aliases because Odibi projects
pass pandas ``read_csv`` keywords (``sep``, ``quotechar``, ``skiprows``, ``na_values``,
``usecols``). Anything else is rejected with the list of known options rather than ignored,
so a typo cannot silently change how a file is parsed.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pyarrow.csv as pcsv

from odibi_core.errors import OdibiError
from odibi_core.formats._file_format import FileFormat
from odibi_core.formats.registry import register_format

ALIASES = {
    "sep": "delimiter",
    "quotechar": "quote_char",
    "skiprows": "skip_rows",
    "na_values": "null_values",
    "usecols": "columns",
}
READ_OPTIONS = {"delimiter", "header", "encoding", "quote_char", "skip_rows", "null_values", "columns"}
WRITE_OPTIONS = {"delimiter", "header"}


def _normalise(options: dict[str, Any], what: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in options.items():
        name = ALIASES.get(key, key)
        if name in out:
            raise OdibiError(f"{what}: options '{key}' and '{name}' mean the same thing; give only one.")
        out[name] = value
    return out


def _header(value: Any, what: str) -> bool:
    # pandas spells "first row is the header" as header=0 and "no header" as header=None.
    if value is None or value is False:
        return False
    if value is True or value == 0:
        return True
    raise OdibiError(f"{what}: option 'header' must be true or false (got {value!r}).")


def _delimiter(value: Any, what: str) -> str:
    text = "\t" if value in ("\\t", "tab") else value
    if not isinstance(text, str) or len(text) != 1:
        raise OdibiError(f"{what}: option 'delimiter' must be a single character (got {value!r}).")
    return text


@register_format
class CsvFormat(FileFormat):
    name = "csv"
    suffixes = (".csv", ".csv.gz", ".csv.bz2", ".tsv")
    lenient_types = True
    read_options = frozenset(READ_OPTIONS | set(ALIASES))
    write_options = frozenset(WRITE_OPTIONS | {"sep"})

    def read_file(self, path: str, options: dict[str, Any]) -> pa.Table:
        what = f"csv read of '{path}'"
        opts = _normalise(options, what)
        header = _header(opts.get("header", True), what)
        columns = opts.get("columns")
        if columns is not None and not (isinstance(columns, list) and all(isinstance(c, str) for c in columns)):
            raise OdibiError(f"{what}: option 'columns' must be a list of column names.")
        read = pcsv.ReadOptions(
            skip_rows=int(opts.get("skip_rows", 0)),
            autogenerate_column_names=not header,
            encoding=opts.get("encoding", "utf8"),
        )
        parse = pcsv.ParseOptions(
            delimiter=_delimiter(opts.get("delimiter", ","), what),
            quote_char=opts.get("quote_char", '"'),
            newlines_in_values=True,
        )
        nulls = opts.get("null_values")
        if isinstance(nulls, str):
            nulls = [nulls]
        convert = pcsv.ConvertOptions(
            strings_can_be_null=True, **({"null_values": list(nulls)} if nulls is not None else {})
        )
        table = pcsv.read_csv(path, read_options=read, parse_options=parse, convert_options=convert)
        if not header:  # pyarrow names them f0, f1...; pandas users know them as column_1...
            table = table.rename_columns([f"column_{i + 1}" for i in range(table.num_columns)])
        if columns is not None:
            missing = [c for c in columns if c not in table.column_names]
            if missing:
                raise OdibiError(f"{what}: column(s) {missing} not in the file (it has: {', '.join(table.column_names)}).")
            table = table.select(columns)
        return table

    def read_schema(self, path: str, options: dict[str, Any]) -> pa.Schema:
        # The streaming reader infers the schema from the first block only: enough for names.
        try:
            opts = _normalise(options, "csv")
            read = pcsv.ReadOptions(autogenerate_column_names=not _header(opts.get("header", True), "csv"))
            parse = pcsv.ParseOptions(delimiter=_delimiter(opts.get("delimiter", ","), "csv"), newlines_in_values=True)
            return pcsv.open_csv(path, read_options=read, parse_options=parse).schema
        except pa.ArrowInvalid:
            return self.read_file(path, options).schema

    def read_back_options(self, write_options: dict[str, Any]) -> dict[str, Any]:
        opts = _normalise(write_options, "csv")
        return {k: v for k, v in opts.items() if k in ("delimiter", "header")}

    def check_write(self, table: pa.Table, options: dict[str, Any], single_file: bool) -> None:
        for f in table.schema:
            if pa.types.is_nested(f.type) or pa.types.is_binary(f.type) or pa.types.is_large_binary(f.type):
                raise OdibiError(
                    f"csv cannot hold column '{f.name}' of type {f.type}; write json or parquet instead, "
                    "or convert the column to text first."
                )
        opts = _normalise(options, "csv write")
        _header(opts.get("header", True), "csv write")
        _delimiter(opts.get("delimiter", ","), "csv write")

    def write_file(self, table: pa.Table, path: str, options: dict[str, Any]) -> None:
        opts = _normalise(options, "csv write")
        write = pcsv.WriteOptions(
            include_header=_header(opts.get("header", True), "csv write"),
            delimiter=_delimiter(opts.get("delimiter", ","), "csv write"),
        )
        pcsv.write_csv(table, path, write_options=write)
