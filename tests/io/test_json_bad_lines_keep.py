"""``on_bad_lines: keep`` on the Arrow json/jsonl formats: a malformed line survives the read as a
row of NULLs with its text in ``_corrupt_record``, so a pipeline can quarantine it (OdibiEats'
bronze does) instead of failing the read or dropping the line silently."""

from __future__ import annotations

from pathlib import Path

import pytest

from odibi_core.config.models import LocalConnectionConfig, ReadConfig
from odibi_core.connections.local import LocalConnection
from odibi_core.errors import OdibiError
from odibi_core.formats.json import (
    BAD_LINES_KEY,
    CORRUPT_COLUMN,
    JsonFormat,
    JsonlFormat,
)

JSON, JSONL = JsonFormat(), JsonlFormat()
KEEP = {"on_bad_lines": "keep"}


@pytest.fixture
def conn(tmp_path: Path) -> LocalConnection:
    return LocalConnection("lake", LocalConnectionConfig(type="local", base_path=str(tmp_path)), tmp_path)


def read(fmt, conn, path, **options):
    return fmt.read(conn, ReadConfig(connection="lake", path=path, options=options))


def test_bad_lines_become_rows_with_their_text_in_file_order(conn, tmp_path):
    (tmp_path / "bad.jsonl").write_text('{"a": 1, "b": "x"}\n\n{"a": 2,\n{"a": 3, "b": "z"}\n[1, 2]\r\n42\n',
                                        encoding="utf-8")
    got = read(JSONL, conn, "bad.jsonl", **KEEP)
    assert got.column_names == ["a", "b", CORRUPT_COLUMN]
    assert got.replace_schema_metadata(None).to_pylist() == [
        {"a": 1, "b": "x", CORRUPT_COLUMN: None},
        {"a": None, "b": None, CORRUPT_COLUMN: '{"a": 2,'},
        {"a": 3, "b": "z", CORRUPT_COLUMN: None},
        {"a": None, "b": None, CORRUPT_COLUMN: "[1, 2]"},  # valid JSON, but not an object
        {"a": None, "b": None, CORRUPT_COLUMN: "42"},
    ]
    assert got.schema.metadata[BAD_LINES_KEY] == b"3"
    assert got.schema.field("a").type == "int64"  # the good rows keep their inferred types


def test_a_clean_file_gets_an_all_null_column_so_the_schema_does_not_depend_on_the_data(conn, tmp_path):
    (tmp_path / "ok.jsonl").write_text('{"a": 1}\n{"a": 2}\n', encoding="utf-8")
    (tmp_path / "empty.jsonl").write_text("\n", encoding="utf-8")
    got = read(JSONL, conn, "ok.jsonl", **KEEP)
    assert got.column_names == ["a", CORRUPT_COLUMN] and got.column(CORRUPT_COLUMN).null_count == 2
    assert read(JSONL, conn, "empty.jsonl", **KEEP).column_names == [CORRUPT_COLUMN]


def test_a_file_of_only_bad_lines_and_partition_columns_across_a_folder(conn, tmp_path):
    for day, text in (("2024-11-01", '{"id": "e1"}\n'), ("2024-11-02", "oops\n{\n")):
        (tmp_path / "ev" / f"date={day}").mkdir(parents=True)
        (tmp_path / "ev" / f"date={day}" / "part.jsonl").write_text(text, encoding="utf-8")
    got = read(JSONL, conn, "ev", **KEEP)
    assert got.column_names == ["id", CORRUPT_COLUMN, "date"]
    rows = sorted(got.replace_schema_metadata(None).to_pylist(), key=lambda r: (r["date"], r[CORRUPT_COLUMN] or ""))
    assert rows == [{"id": "e1", CORRUPT_COLUMN: None, "date": "2024-11-01"},
                    {"id": None, CORRUPT_COLUMN: "oops", "date": "2024-11-02"},
                    {"id": None, CORRUPT_COLUMN: "{", "date": "2024-11-02"}]
    assert got.schema.metadata[BAD_LINES_KEY] == b"2"


def test_a_json_array_file_that_does_not_parse_is_one_bad_record(conn, tmp_path):
    (tmp_path / "arr.json").write_text('[{"a": 1}, {"a": 2]', encoding="utf-8")
    (tmp_path / "ok.json").write_text('[{"a": 1}, {"a": 2}]', encoding="utf-8")
    assert read(JSON, conn, "arr.json", **KEEP).to_pylist() == [{CORRUPT_COLUMN: '[{"a": 1}, {"a": 2]'}]
    assert read(JSON, conn, "ok.json", **KEEP).to_pylist() == [{"a": 1, CORRUPT_COLUMN: None},
                                                               {"a": 2, CORRUPT_COLUMN: None}]


def test_data_that_already_has_the_column_and_an_unknown_mode_are_refused(conn, tmp_path):
    (tmp_path / "c.jsonl").write_text('{"_corrupt_record": "mine"}\n', encoding="utf-8")
    with pytest.raises(OdibiError, match="already has a field '_corrupt_record'"):
        read(JSONL, conn, "c.jsonl", **KEEP)
    with pytest.raises(OdibiError, match="must be one of error, skip, keep"):
        read(JSONL, conn, "c.jsonl", on_bad_lines="quarantine")
    (tmp_path / "bad.jsonl").write_text('{"a": 1}\n{"a": \n', encoding="utf-8")
    with pytest.raises(OdibiError, match=r"at line 2.*keep: to keep them in a _corrupt_record column"):
        read(JSONL, conn, "bad.jsonl")
