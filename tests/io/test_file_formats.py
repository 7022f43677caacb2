"""csv, parquet, json and jsonl: every write mode, glob and directory reads, partitions, atomicity.

All tests use real files under tmp_path through the real LocalConnection. The atomicity tests
replace pyarrow's low-level writer with one that writes part of a file and then raises: that is
the only way to make a write fail half-way on purpose.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq
import pytest

from odibi_core.config.models import LocalConnectionConfig, ReadConfig, WriteConfig
from odibi_core.connections.local import LocalConnection
from odibi_core.errors import OdibiError
from odibi_core.formats.csv import CsvFormat
from odibi_core.formats.json import BAD_LINES_KEY, JsonFormat, JsonlFormat
from odibi_core.formats.parquet import ParquetFormat
from odibi_core.formats.registry import FORMATS

CSV, PARQUET, JSON, JSONL = CsvFormat(), ParquetFormat(), JsonFormat(), JsonlFormat()

# (format, single-file path, directory path)
TARGETS = [
    pytest.param(CSV, "out/data.csv", id="csv-file"),
    pytest.param(CSV, "out/data", id="csv-dir"),
    pytest.param(PARQUET, "out/data.parquet", id="parquet-file"),
    pytest.param(PARQUET, "out/data", id="parquet-dir"),
    pytest.param(JSON, "out/data.json", id="json-file"),
    pytest.param(JSON, "out/data", id="json-dir"),
    pytest.param(JSONL, "out/data.jsonl", id="jsonl-file"),
    pytest.param(JSONL, "out/data", id="jsonl-dir"),
]


@pytest.fixture
def conn(tmp_path: Path) -> LocalConnection:
    return LocalConnection("lake", LocalConnectionConfig(type="local", base_path=str(tmp_path)), tmp_path)


def read(fmt, conn, path, **kw) -> pa.Table:
    return fmt.read(conn, ReadConfig(connection="lake", path=path, **kw))


def write(fmt, conn, table, path, mode="overwrite", keys=None, **kw):
    options = dict(kw.pop("options", {}))
    if keys:
        options["keys"] = keys
    return fmt.write(table, conn, WriteConfig(connection="lake", path=path, mode=mode, options=options, **kw))


def rows(table: pa.Table, *order) -> list[dict]:
    data = table.replace_schema_metadata(None).to_pylist()
    key = order or tuple(table.column_names)
    return sorted(data, key=lambda r: tuple((r[k] is None, r[k]) for k in key))


def leftovers(root: Path) -> list[str]:
    return [str(p) for p in root.rglob("*") if "odibi-tmp" in p.name or "odibi-old" in p.name]


PEOPLE = pa.table({"id": [1, 2, 3], "name": ["ann", "bob", "cid"], "score": [1.5, 2.5, 3.5]})


def test_all_formats_are_registered():
    assert {"csv", "parquet", "json", "jsonl"} <= set(FORMATS)
    assert isinstance(FORMATS["jsonl"], JsonlFormat) and isinstance(FORMATS["json"], JsonFormat)


# --- round trips and targets --------------------------------------------------------------------
@pytest.mark.parametrize("fmt,path", TARGETS)
def test_overwrite_round_trip(fmt, path, conn, tmp_path):
    res = write(fmt, conn, PEOPLE, path)
    assert res.rows_written == 3 and res.mode == "overwrite"
    assert rows(read(fmt, conn, path), "id") == rows(PEOPLE, "id")
    res = write(fmt, conn, PEOPLE.slice(0, 1), path)  # overwrite replaces everything
    assert rows(read(fmt, conn, path), "id") == rows(PEOPLE.slice(0, 1), "id")
    target = tmp_path / path
    assert target.is_dir() == (Path(path).suffix == "")
    assert leftovers(tmp_path) == []


def test_parquet_path_without_extension_is_a_directory_of_part_files(conn, tmp_path):
    write(PARQUET, conn, PEOPLE, "silver/people")
    target = tmp_path / "silver" / "people"
    assert target.is_dir()
    parts = sorted(p.name for p in target.iterdir())
    assert len(parts) == 1
    assert re.fullmatch(r"part-00000-[0-9a-f]{32}\.parquet", parts[0])
    # Any parquet reader understands it, not only ours.
    assert pq.read_table(target / parts[0]).num_rows == 3
    write(PARQUET, conn, PEOPLE, "silver/people", mode="append")
    assert len([p for p in target.iterdir() if p.suffix == ".parquet"]) == 2
    assert read(PARQUET, conn, "silver/people").num_rows == 6


def test_csv_and_json_directories_hold_part_files(conn, tmp_path):
    write(CSV, conn, PEOPLE, "c/people")
    write(JSONL, conn, PEOPLE, "j/people")
    assert re.fullmatch(r"part-00000-[0-9a-f]{32}\.csv", next((tmp_path / "c/people").iterdir()).name)
    assert re.fullmatch(r"part-00000-[0-9a-f]{32}\.jsonl", next((tmp_path / "j/people").iterdir()).name)


# --- modes ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt,path", TARGETS)
def test_append_adds_rows(fmt, path, conn):
    write(fmt, conn, PEOPLE, path)
    more = pa.table({"id": [4], "name": ["dee"], "score": [4.5]})
    res = write(fmt, conn, more, path, mode="append")
    assert res.rows_written == 1
    got = read(fmt, conn, path)
    assert got.num_rows == 4 and sorted(got.column("id").to_pylist()) == [1, 2, 3, 4]


@pytest.mark.parametrize("fmt,path", TARGETS)
@pytest.mark.parametrize("mode", ["upsert", "merge"])
def test_upsert_with_composite_keys(fmt, path, mode, conn):
    base = pa.table({"region": ["eu", "eu", "us"], "id": [1, 2, 1], "amount": [10, 20, 30]})
    write(fmt, conn, base, path)
    change = pa.table({"region": ["eu", "us", "us"], "id": [2, 1, 2], "amount": [25, 35, 40]})
    res = write(fmt, conn, change, path, mode=mode, keys=["region", "id"])
    assert res.rows_written == 3
    assert res.details["inserted"] == 1 and res.details["updated"] == 2
    assert rows(read(fmt, conn, path), "region", "id") == [
        {"region": "eu", "id": 1, "amount": 10},
        {"region": "eu", "id": 2, "amount": 25},
        {"region": "us", "id": 1, "amount": 35},
        {"region": "us", "id": 2, "amount": 40},
    ]


@pytest.mark.parametrize("fmt,path", TARGETS)
def test_append_once_is_idempotent(fmt, path, conn):
    write(fmt, conn, PEOPLE, path, mode="append_once", keys=["id"])  # creates the target
    again = write(fmt, conn, PEOPLE, path, mode="append_once", keys=["id"])
    assert again.rows_written == 0
    assert read(fmt, conn, path).num_rows == 3
    mixed = pa.table({"id": [3, 4], "name": ["CHANGED", "dee"], "score": [0.0, 4.5]})
    res = write(fmt, conn, mixed, path, mode="append_once", keys=["id"])
    assert res.rows_written == 1
    got = {r["id"]: r["name"] for r in read(fmt, conn, path).to_pylist()}
    assert got == {1: "ann", 2: "bob", 3: "cid", 4: "dee"}  # existing key 3 left alone


@pytest.mark.parametrize("fmt,path", TARGETS)
def test_error_mode(fmt, path, conn):
    write(fmt, conn, PEOPLE, path, mode="error")  # missing target: written
    assert fmt.exists(conn, WriteConfig(connection="lake", path=path))
    with pytest.raises(OdibiError, match="already.*mode is 'error'"):
        write(fmt, conn, PEOPLE.slice(0, 1), path, mode="error")
    assert read(fmt, conn, path).num_rows == 3


@pytest.mark.parametrize("fmt,path", TARGETS)
def test_ignore_mode(fmt, path, conn):
    assert not fmt.exists(conn, WriteConfig(connection="lake", path=path))
    assert write(fmt, conn, PEOPLE, path, mode="ignore").rows_written == 3
    res = write(fmt, conn, PEOPLE.slice(0, 1), path, mode="ignore")
    assert res.rows_written == 0 and res.details == {"skipped": True}
    assert read(fmt, conn, path).num_rows == 3


def test_upsert_on_a_missing_target_creates_it(conn):
    write(PARQUET, conn, PEOPLE, "new/people", mode="upsert", keys=["id"])
    assert read(PARQUET, conn, "new/people").num_rows == 3


def test_upsert_rejects_duplicate_and_missing_keys(conn):
    write(PARQUET, conn, PEOPLE, "p.parquet")
    dup = pa.table({"id": [5, 5], "name": ["x", "y"], "score": [1.0, 2.0]})
    with pytest.raises(OdibiError, match="more than once.*deduplicate"):
        write(PARQUET, conn, dup, "p.parquet", mode="upsert", keys=["id"])
    with pytest.raises(OdibiError, match=r"key column\(s\) \['nope'\] not found"):
        write(PARQUET, conn, PEOPLE, "p.parquet", mode="upsert", keys=["nope"])
    assert read(PARQUET, conn, "p.parquet").num_rows == 3


def test_null_keys_never_match(conn):
    t = pa.table({"id": pa.array([None, 1], pa.int64()), "v": ["a", "b"]})
    write(PARQUET, conn, t, "n.parquet")
    write(PARQUET, conn, pa.table({"id": pa.array([None], pa.int64()), "v": ["c"]}), "n.parquet", mode="upsert", keys=["id"])
    assert sorted(read(PARQUET, conn, "n.parquet").column("v").to_pylist()) == ["a", "b", "c"]


# --- schema --------------------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["events", "events.parquet"])
def test_merge_schema_allows_new_columns(path, conn):
    write(PARQUET, conn, PEOPLE, path)
    wider = pa.table({"id": [4], "name": ["dee"], "score": [4.5], "city": ["oslo"]})
    with pytest.raises(OdibiError, match=r"new columns \['city'\].*merge_schema: true"):
        write(PARQUET, conn, wider, path, mode="append")
    assert read(PARQUET, conn, path).num_rows == 3
    write(PARQUET, conn, wider, path, mode="append", merge_schema=True)
    got = {r["id"]: r["city"] for r in read(PARQUET, conn, path).to_pylist()}
    assert got == {1: None, 2: None, 3: None, 4: "oslo"}


def test_parquet_append_with_incompatible_type_fails_before_writing(conn, tmp_path):
    write(PARQUET, conn, PEOPLE, "ds")
    bad = pa.table({"id": ["four"], "name": ["dee"], "score": [4.5]})
    with pytest.raises(OdibiError, match="column 'id' has incompatible types"):
        write(PARQUET, conn, bad, "ds", mode="append")
    assert len(list((tmp_path / "ds").iterdir())) == 1


# --- reads: globs, directories, partitions -------------------------------------------------------
def test_glob_read_concatenates_files_with_unified_schema(conn, tmp_path):
    land = tmp_path / "landing"
    land.mkdir()
    (land / "orders_1.csv").write_text("id,amount\n1,10\n2,20\n")
    (land / "orders_2.csv").write_text("id,amount,note\n3,30.5,late\n")
    (land / "other.csv").write_text("id,amount\n99,99\n")
    got = read(CSV, conn, "landing/orders_*.csv")
    assert got.schema.field("amount").type == pa.float64()
    assert rows(got, "id") == [
        {"id": 1, "amount": 10.0, "note": None},
        {"id": 2, "amount": 20.0, "note": None},
        {"id": 3, "amount": 30.5, "note": "late"},
    ]


def test_glob_read_of_parquet_promotes_and_refuses_conflicts(conn, tmp_path):
    (tmp_path / "p").mkdir()
    pq.write_table(pa.table({"x": [1]}), tmp_path / "p" / "a.parquet")
    pq.write_table(pa.table({"x": [2.5]}), tmp_path / "p" / "b.parquet")
    assert read(PARQUET, conn, "p/*.parquet").column("x").to_pylist() == [1.0, 2.5]
    pq.write_table(pa.table({"x": ["text"]}), tmp_path / "p" / "c.parquet")
    with pytest.raises(OdibiError, match=r"column 'x' has incompatible types.*c\.parquet"):
        read(PARQUET, conn, "p/*.parquet")


def test_csv_glob_with_conflicting_types_falls_back_to_text(conn, tmp_path):
    (tmp_path / "a.csv").write_text("zip\n1234\n")
    (tmp_path / "b.csv").write_text("zip\nAB12\n")
    got = read(CSV, conn, "*.csv")
    assert got.schema.field("zip").type == pa.string()
    assert sorted(got.column("zip").to_pylist()) == ["1234", "AB12"]


def test_recursive_glob_and_no_match(conn, tmp_path):
    for day in ("d1", "d2"):
        (tmp_path / "ev" / day).mkdir(parents=True)
        (tmp_path / "ev" / day / "e.jsonl").write_text(json.dumps({"day": day}) + "\n")
    assert sorted(read(JSONL, conn, "ev/**/*.jsonl").column("day").to_pylist()) == ["d1", "d2"]
    with pytest.raises(OdibiError, match="no files match 'ev/\\*\\.csv' on connection 'lake'"):
        read(CSV, conn, "ev/*.csv")
    with pytest.raises(OdibiError, match="path 'missing.csv' not found on connection 'lake'"):
        read(CSV, conn, "missing.csv")


def test_directory_read_skips_hidden_and_marker_files(conn, tmp_path):
    d = tmp_path / "ds"
    d.mkdir()
    pq.write_table(pa.table({"x": [1]}), d / "part-0.parquet")
    pq.write_table(pa.table({"x": [2]}), d / "part-1.parquet")
    (d / "_SUCCESS").write_text("")
    (d / ".part-0.parquet.crc").write_text("junk")
    (d / ".staging").mkdir()
    pq.write_table(pa.table({"x": [99]}), d / ".staging" / "part-9.parquet")
    assert sorted(read(PARQUET, conn, "ds").column("x").to_pylist()) == [1, 2]


def test_parquet_reads_a_plain_file_without_extension(conn, tmp_path):
    # What Odibi itself writes for an extension-less path: still readable.
    pq.write_table(PEOPLE, tmp_path / "legacy")
    assert read(PARQUET, conn, "legacy").num_rows == 3


@pytest.mark.parametrize("fmt", [PARQUET, CSV, JSONL], ids=lambda f: f.name)
def test_partition_by_writes_hive_folders(fmt, conn, tmp_path):
    t = pa.table({"id": [1, 2, 3, 4], "region": ["eu", "us", "eu", None], "year": [2024, 2024, 2025, 2025]})
    write(fmt, conn, t, "sales", partition_by=["region", "year"])
    folders = sorted(str(p.relative_to(tmp_path / "sales")) for p in (tmp_path / "sales").glob("*/*"))
    assert folders == [
        "region=__HIVE_DEFAULT_PARTITION__/year=2025",
        "region=eu/year=2024",
        "region=eu/year=2025",
        "region=us/year=2024",
    ]
    part = next((tmp_path / "sales" / "region=eu" / "year=2024").iterdir())
    assert part.name.startswith("part-00000-") and part.name.endswith(fmt.suffixes[0])
    got = read(fmt, conn, "sales")
    assert got.schema.field("year").type == pa.int64()
    assert rows(got, "id") == rows(t, "id")
    # Appending keeps the layout; a different layout is refused.
    write(fmt, conn, pa.table({"id": [5], "region": ["us"], "year": [2025]}), "sales", mode="append", partition_by=["region", "year"])
    assert read(fmt, conn, "sales").num_rows == 5
    with pytest.raises(OdibiError, match="partitioned by"):
        write(fmt, conn, pa.table({"id": [6], "region": ["us"], "year": [2025]}), "sales", mode="append")


def test_partitioned_upsert_rewrites_the_dataset(conn):
    t = pa.table({"id": [1, 2], "region": ["eu", "us"], "v": [1, 2]})
    write(PARQUET, conn, t, "s", partition_by=["region"])
    write(PARQUET, conn, pa.table({"id": [2, 3], "region": ["us", "eu"], "v": [20, 30]}), "s",
          mode="upsert", keys=["id"], partition_by=["region"])
    assert rows(read(PARQUET, conn, "s"), "id") == [
        {"id": 1, "v": 1, "region": "eu"}, {"id": 2, "v": 20, "region": "us"}, {"id": 3, "v": 30, "region": "eu"}]


def test_partitioned_upsert_keeps_partition_value_types(conn, tmp_path):
    import datetime as dt

    t = pa.table({"id": [1, 2], "zip": ["01", "02"], "day": [dt.date(2024, 1, 1), dt.date(2024, 1, 2)]})
    write(PARQUET, conn, t, "z", partition_by=["zip", "day"])
    assert (tmp_path / "z" / "zip=01" / "day=2024-01-01").is_dir()
    write(PARQUET, conn, pa.table({"id": [2], "zip": ["02"], "day": [dt.date(2024, 1, 2)]}), "z",
          mode="upsert", keys=["id"], partition_by=["zip", "day"])
    assert sorted(p.name for p in (tmp_path / "z").iterdir()) == ["zip=01", "zip=02"]


def test_json_directory_of_arrays(conn, tmp_path):
    write(JSON, conn, PEOPLE, "arrays", options={"lines": False})
    part = next((tmp_path / "arrays").iterdir())
    assert part.suffix == ".json" and isinstance(json.loads(part.read_text()), list)
    write(JSON, conn, PEOPLE.slice(0, 1), "arrays", mode="append", options={"lines": False})
    assert read(JSON, conn, "arrays").num_rows == 4


def test_partition_by_with_a_single_file_path_is_an_error(conn, tmp_path):
    with pytest.raises(OdibiError, match="partition_by needs a directory target.*'sales'"):
        write(PARQUET, conn, PEOPLE, "sales.parquet", partition_by=["id"])
    with pytest.raises(OdibiError, match="partition column 'nope'"):
        write(PARQUET, conn, PEOPLE, "sales", partition_by=["nope"])
    assert not (tmp_path / "sales.parquet").exists() and not (tmp_path / "sales").exists()


def test_parquet_refuses_a_delta_folder(conn, tmp_path):
    (tmp_path / "t" / "_delta_log").mkdir(parents=True)
    pq.write_table(PEOPLE, tmp_path / "t" / "part-0.parquet")
    with pytest.raises(OdibiError, match="is a Delta table; read it with format: delta"):
        read(PARQUET, conn, "t")


# --- atomicity -----------------------------------------------------------------------------------
def _failing_writer(real):
    """A writer that really starts writing the file, then fails half-way."""

    def fail(table, where, *args, **kwargs):
        real(table.slice(0, 1), where, *args, **kwargs)
        with open(where, "ab") as fh:
            fh.write(b"\x00half-written")
        raise OSError("disk full (simulated)")

    return fail


@pytest.mark.parametrize("path", ["atom.parquet", "atom"])
@pytest.mark.parametrize("mode", ["overwrite", "append", "upsert"])
def test_failed_parquet_write_leaves_previous_data(path, mode, conn, tmp_path, monkeypatch):
    write(PARQUET, conn, PEOPLE, path)
    before = sorted(p.name for p in (tmp_path / path).rglob("*")) if (tmp_path / path).is_dir() else None
    monkeypatch.setattr(pq, "write_table", _failing_writer(pq.write_table))
    new = pa.table({"id": [3, 9], "name": ["X", "Y"], "score": [0.0, 0.0]})
    with pytest.raises(OSError, match="simulated"):
        write(PARQUET, conn, new, path, mode=mode, keys=["id"] if mode == "upsert" else None)
    monkeypatch.undo()
    assert rows(read(PARQUET, conn, path), "id") == rows(PEOPLE, "id")
    if before is not None:
        assert sorted(p.name for p in (tmp_path / path).rglob("*")) == before
    assert leftovers(tmp_path) == []


def test_failed_partitioned_write_after_first_partition_leaves_old_data(conn, tmp_path, monkeypatch):
    t = pa.table({"id": [1, 2], "region": ["eu", "us"]})
    write(PARQUET, conn, t, "parts", partition_by=["region"])
    real, calls = pq.write_table, []

    def second_fails(table, where, *a, **k):
        calls.append(where)
        if len(calls) % 2 == 0:  # the second file of each write fails
            raise OSError("disk full (simulated)")
        real(table, where, *a, **k)

    monkeypatch.setattr(pq, "write_table", second_fails)
    with pytest.raises(OSError):
        write(PARQUET, conn, pa.table({"id": [7, 8], "region": ["eu", "us"]}), "parts", partition_by=["region"])
    with pytest.raises(OSError):
        write(PARQUET, conn, pa.table({"id": [7, 8], "region": ["eu", "xx"]}), "parts", mode="append", partition_by=["region"])
    monkeypatch.undo()
    assert rows(read(PARQUET, conn, "parts"), "id") == rows(t, "id")
    assert not (tmp_path / "parts" / "region=xx").exists()
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("path", ["c.csv", "cdir"])
def test_failed_csv_write_leaves_previous_data(path, conn, tmp_path, monkeypatch):
    write(CSV, conn, PEOPLE, path)
    monkeypatch.setattr(pcsv, "write_csv", _failing_writer(pcsv.write_csv))
    with pytest.raises(OSError):
        write(CSV, conn, PEOPLE.slice(0, 1), path, mode="merge", keys=["id"])
    monkeypatch.undo()
    assert rows(read(CSV, conn, path), "id") == rows(PEOPLE, "id")
    assert leftovers(tmp_path) == []


def test_failed_json_write_leaves_previous_data(conn, tmp_path, monkeypatch):
    write(JSON, conn, PEOPLE, "j.json")
    real = JsonFormat.write_file

    def half(self, table, where, options):
        real(self, table.slice(0, 1), where, options)
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(JsonFormat, "write_file", half)
    with pytest.raises(OSError):
        write(JSON, conn, PEOPLE.slice(0, 2), "j.json")
    monkeypatch.undo()
    assert read(JSON, conn, "j.json").num_rows == 3
    assert leftovers(tmp_path) == []


# --- csv options ---------------------------------------------------------------------------------
def test_csv_read_options(conn, tmp_path):
    (tmp_path / "semi.csv").write_text("junk line\nid;name;note\n1;ann;NA\n2;'b;ob';x\n", encoding="utf-8")
    got = read(CSV, conn, "semi.csv", options={"sep": ";", "skip_rows": 1, "null_values": ["NA"],
                                               "quote_char": "'", "columns": ["id", "name", "note"]})
    assert got.to_pylist() == [{"id": 1, "name": "ann", "note": None}, {"id": 2, "name": "b;ob", "note": "x"}]
    narrow = read(CSV, conn, "semi.csv", options={"delimiter": ";", "skip_rows": 1, "quotechar": "'", "usecols": ["name"]})
    assert narrow.column_names == ["name"]
    (tmp_path / "raw.csv").write_text("1,x\n2,y\n")
    assert read(CSV, conn, "raw.csv", options={"header": False}).column_names == ["column_1", "column_2"]
    (tmp_path / "latin.csv").write_bytes("city\nK\xf8benhavn\n".encode("latin-1"))
    assert read(CSV, conn, "latin.csv", options={"encoding": "latin-1"}).column("city").to_pylist() == ["København"]


def test_csv_unknown_options_are_rejected_with_the_known_list(conn, tmp_path):
    (tmp_path / "a.csv").write_text("id\n1\n")
    with pytest.raises(OdibiError, match="unknown option 'delimeter'. Did you mean 'delimiter'.*Known options: .*header"):
        read(CSV, conn, "a.csv", options={"delimeter": ";"})
    with pytest.raises(OdibiError, match=r"column\(s\) \['nope'\] not in the file \(it has: id\)"):
        read(CSV, conn, "a.csv", options={"columns": ["nope"]})
    with pytest.raises(OdibiError, match="unknown option 'compression'"):
        write(CSV, conn, PEOPLE, "b.csv", options={"compression": "gzip"})


def test_csv_write_options_survive_append_and_upsert(conn, tmp_path):
    write(CSV, conn, PEOPLE, "semi.csv", options={"delimiter": ";"})
    assert (tmp_path / "semi.csv").read_text().splitlines()[0] == '"id";"name";"score"'
    write(CSV, conn, PEOPLE.slice(0, 1), "semi.csv", mode="upsert", keys=["id"], options={"delimiter": ";"})
    write(CSV, conn, pa.table({"id": [4], "name": ["d"], "score": [1.0]}), "semi.csv", mode="append", options={"delimiter": ";"})
    assert read(CSV, conn, "semi.csv", options={"delimiter": ";"}).num_rows == 4


def test_csv_refuses_nested_columns(conn, tmp_path):
    nested = pa.table({"id": [1], "tags": [["a", "b"]]})
    with pytest.raises(OdibiError, match="csv cannot hold column 'tags'"):
        write(CSV, conn, nested, "n.csv")
    assert not (tmp_path / "n.csv").exists()


# --- json ----------------------------------------------------------------------------------------
def test_json_detects_array_and_lines(conn, tmp_path):
    (tmp_path / "arr.json").write_text('[{"a": 1, "b": "x"}, {"a": 2}]')
    (tmp_path / "lines.json").write_text('{"a": 1}\n{"a": 2, "b": "y"}\n')
    assert rows(read(JSON, conn, "arr.json"), "a") == [{"a": 1, "b": "x"}, {"a": 2, "b": None}]
    assert rows(read(JSON, conn, "lines.json"), "a") == [{"a": 1, "b": None}, {"a": 2, "b": "y"}]
    with pytest.raises(OdibiError, match="holds a JSON array.*format: json"):
        read(JSONL, conn, "arr.json")


def test_json_write_lines_by_default_and_array_on_request(conn, tmp_path):
    write(JSON, conn, PEOPLE, "l.json")
    assert [json.loads(x)["id"] for x in (tmp_path / "l.json").read_text().splitlines()] == [1, 2, 3]
    write(JSON, conn, PEOPLE, "a.json", options={"lines": False})
    assert [r["name"] for r in json.loads((tmp_path / "a.json").read_text())] == ["ann", "bob", "cid"]
    assert read(JSON, conn, "a.json").num_rows == 3
    write(JSON, conn, PEOPLE.slice(0, 1), "a.json", mode="append", options={"lines": False})
    assert len(json.loads((tmp_path / "a.json").read_text())) == 4
    with pytest.raises(OdibiError, match="'jsonl' always writes JSON Lines"):
        write(JSONL, conn, PEOPLE, "x.jsonl", options={"lines": False})


def test_json_writes_iso_timestamps_and_null_for_nan(conn, tmp_path):
    import datetime as dt

    t = pa.table({
        "at": pa.array([dt.datetime(2024, 1, 2, 3, 4, 5)], pa.timestamp("us")),
        "utc": pa.array([dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)], pa.timestamp("ms", "UTC")),
        "day": pa.array([dt.date(2024, 1, 2)]),
        "x": [float("nan")],
    })
    write(JSONL, conn, t, "t.jsonl")
    obj = json.loads((tmp_path / "t.jsonl").read_text())
    assert obj == {"at": "2024-01-02T03:04:05", "utc": "2024-01-02T03:04:05+00:00", "day": "2024-01-02", "x": None}


def test_malformed_json_line_names_file_and_line(conn, tmp_path):
    (tmp_path / "bad.jsonl").write_text('{"a": 1}\n\n{"a": 2,}\n{"a": 3}\n[1, 2]\n')
    with pytest.raises(OdibiError, match=r"malformed JSON in '.*bad\.jsonl' at line 3.*on_bad_lines: skip"):
        read(JSONL, conn, "bad.jsonl")
    got = read(JSONL, conn, "bad.jsonl", options={"on_bad_lines": "skip"})
    assert got.column("a").to_pylist() == [1, 3]
    assert got.schema.metadata[BAD_LINES_KEY] == b"2"


def test_skipped_bad_lines_are_counted_across_a_glob(conn, tmp_path):
    (tmp_path / "a.jsonl").write_text('{"a": 1}\nnope\n')
    (tmp_path / "b.jsonl").write_text('{"a": 2}\n{broken\n{"a": 3}\n')
    got = read(JSON, conn, "*.jsonl", options={"on_bad_lines": "skip"})
    assert sorted(got.column("a").to_pylist()) == [1, 2, 3]
    assert got.schema.metadata[BAD_LINES_KEY] == b"2"
    with pytest.raises(OdibiError, match="'on_bad_lines' must be one of error, skip"):
        read(JSON, conn, "*.jsonl", options={"on_bad_lines": "warn"})


def test_json_column_changing_type_becomes_text(conn, tmp_path):
    (tmp_path / "m.jsonl").write_text('{"v": 1}\n{"v": "one"}\n{"v": {"k": 2}}\n')
    got = read(JSONL, conn, "m.jsonl")
    assert got.column("v").to_pylist() == ["1", "one", '{"k": 2}']


def test_write_to_compressed_name_is_refused(conn):
    with pytest.raises(OdibiError, match="compressed output files are not supported"):
        write(CSV, conn, PEOPLE, "x.csv.gz")
