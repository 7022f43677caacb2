"""csv, parquet, json and jsonl on the Spark engine: Spark's own readers and writers, the same
options, files, types and folder layouts as the pandas engine, checked against it on real files."""

from __future__ import annotations

import datetime as dt
import os
import tempfile

import pytest

from odibi_core.errors import OdibiError

PEOPLE = """
id,name,price,member,day,at
1,Ann,1.5,true,2024-01-01,2024-01-01 10:00:00
2,"Bob ""B"" Jr",2.25,false,2024-01-02,2024-01-02 11:30:00
3,,3.0,true,2024-01-03,
"""


def data_files(folder):
    return sorted(os.path.relpath(os.path.join(d, f), folder) for d, _, fs in os.walk(folder) for f in fs)


def test_csv_is_read_natively_with_the_pandas_engines_types_and_values(lake):
    lake.file("people.csv", PEOPLE)
    sdf = lake.read(lake.spark, "src", path="people.csv")
    pdf = lake.read(lake.pandas, "src", path="people.csv")
    assert [f.endswith("people.csv") for f in sdf.inputFiles()] == [True]  # Spark's CSV scan, not Arrow
    assert lake.spark.schema(sdf) == lake.pandas.schema(pdf)
    assert [c.type for c in lake.spark.schema(sdf)] == ["int64", "string", "float64", "bool", "date", "timestamp"]
    rows = lake.rows(lake.spark, sdf, "id")
    assert rows == lake.rows(lake.pandas, pdf, "id")
    assert rows[1]["name"] == 'Bob "B" Jr' and rows[2]["name"] is None
    assert rows[0]["at"] == dt.datetime(2024, 1, 1, 10, 0) and rows[2]["at"] is None


def test_csv_friendly_options_mean_the_same_on_both_engines(lake):
    lake.file("semi.csv", """
    a;b;c
    1;'x;y';n/a
    2;'multi
    line';7
    """)
    opts = {"sep": ";", "quote_char": "'", "null_values": ["n/a"], "columns": ["c", "b"]}
    sdf = lake.read(lake.spark, "src", path="semi.csv", options=opts)
    assert sdf.inputFiles()
    pdf = lake.read(lake.pandas, "src", path="semi.csv", options=opts)
    assert lake.rows(lake.spark, sdf) == lake.rows(lake.pandas, pdf)
    assert lake.rows(lake.spark, sdf) == [{"c": None, "b": "x;y"}, {"c": 7, "b": "multi\nline"}]
    lake.file("nohead.csv", "1,a\n2,b\n")
    sdf = lake.read(lake.spark, "src", path="nohead.csv", options={"header": False})
    assert sdf.columns == ["column_1", "column_2"]
    assert lake.rows(lake.spark, sdf) == lake.rows(lake.pandas, lake.read(lake.pandas, "src", path="nohead.csv",
                                                                          options={"header": False}))


def test_csv_options_spark_cannot_express_go_through_arrow_with_the_same_result(lake):
    lake.file("junk.csv", "# exported\nid,v\n1,NA\n2,-\n3,5\n")
    opts = {"skip_rows": 1, "null_values": ["NA", "-"]}
    sdf = lake.read(lake.spark, "src", path="junk.csv", options=opts)
    assert sdf.inputFiles() == []  # built from the Arrow table
    assert lake.rows(lake.spark, sdf, "id") == [{"id": 1, "v": None}, {"id": 2, "v": None}, {"id": 3, "v": 5}]


def test_unknown_read_option_is_refused_with_a_suggestion(lake):
    lake.file("a.csv", "x\n1\n")
    with pytest.raises(OdibiError, match="unknown option 'delimeter'. Did you mean 'delimiter'"):
        lake.read(lake.spark, "src", path="a.csv", options={"delimeter": ";"})


def test_glob_and_missing_paths(lake):
    lake.file("orders/2024-01.csv", "id,amount\n1,5\n2,6\n")
    lake.file("orders/2024-02.csv", "id,amount\n3,7\n")
    lake.file("orders/notes.txt", "not data")
    sdf = lake.read(lake.spark, "src", path="orders/*.csv")
    assert sorted(r["id"] for r in lake.rows(lake.spark, sdf)) == [1, 2, 3]
    with pytest.raises(OdibiError, match="no files match 'nothing/\\*.csv'"):
        lake.read(lake.spark, "src", path="nothing/*.csv")
    with pytest.raises(OdibiError, match="path 'absent.csv' not found on connection 'src'"):
        lake.read(lake.spark, "src", path="absent.csv")


@pytest.mark.parametrize("fmt", ["csv", "parquet", "json", "jsonl"])
def test_spark_writes_a_partitioned_folder_that_pandas_reads_back(lake, fmt):
    lake.file("people.csv", PEOPLE)
    sdf = lake.spark.sql("SELECT id, name, price, CASE WHEN id = 2 THEN 'us' ELSE 'gb' END AS country FROM df",
                         {"df": lake.read(lake.spark, "src", path="people.csv")})
    result = lake.write(lake.spark, sdf, format=fmt, path=f"out_{fmt}", partition_by=["country"])
    assert result.rows_written == 3 and result.mode == "overwrite"
    files = data_files(lake.root / "lake" / f"out_{fmt}")
    assert [f.split("/")[0] for f in files] == ["country=gb", "country=us"]
    assert all("c000" in f and not os.path.basename(f).startswith(("_", ".")) for f in files)  # Spark's parts only
    pandas_rows = lake.rows(lake.pandas, lake.read(lake.pandas, format=fmt, path=f"out_{fmt}"), "id")
    spark_rows = lake.rows(lake.spark, lake.read(lake.spark, format=fmt, path=f"out_{fmt}"), "id")
    assert pandas_rows == spark_rows
    assert [(r["id"], r["name"], r["country"]) for r in pandas_rows] == [
        (1, "Ann", "gb"), (2, 'Bob "B" Jr', "us"), (3, None, "gb")]

    again = lake.write(lake.spark, sdf, format=fmt, path=f"out_{fmt}", partition_by=["country"], mode="append")
    assert again.rows_written == 3
    assert lake.pandas.count(lake.read(lake.pandas, format=fmt, path=f"out_{fmt}")) == 6
    lake.write(lake.spark, sdf, format=fmt, path=f"out_{fmt}", partition_by=["country"])
    assert lake.spark.count(lake.read(lake.spark, format=fmt, path=f"out_{fmt}")) == 3


@pytest.mark.parametrize("fmt", ["csv", "parquet", "json"])
def test_pandas_written_folders_read_in_spark_with_the_same_types(lake, fmt):
    lake.file("people.csv", PEOPLE)
    pdf = lake.read(lake.pandas, "src", path="people.csv")
    lake.write(lake.pandas, pdf, format=fmt, path=f"p_{fmt}", partition_by=["member"])
    sdf = lake.read(lake.spark, format=fmt, path=f"p_{fmt}")
    assert sdf.inputFiles()
    back = lake.read(lake.pandas, format=fmt, path=f"p_{fmt}")
    assert lake.spark.schema(sdf) == lake.pandas.schema(back)
    assert lake.rows(lake.spark, sdf, "id") == lake.rows(lake.pandas, back, "id")


def test_write_modes_error_ignore_and_schema_checks(lake):
    lake.file("a.csv", "id,v\n1,x\n")
    sdf = lake.read(lake.spark, "src", path="a.csv")
    lake.write(lake.spark, sdf, format="parquet", path="t")
    with pytest.raises(OdibiError, match="the target exists already and mode is 'error'"):
        lake.write(lake.spark, sdf, format="parquet", path="t", mode="error")
    assert lake.write(lake.spark, sdf, format="parquet", path="t", mode="ignore").details == {"skipped": True}
    wider = lake.spark.sql("SELECT *, 1 AS extra FROM df", {"df": sdf})
    with pytest.raises(OdibiError, match=r"new columns \['extra'\].*merge_schema: true"):
        lake.write(lake.spark, wider, format="parquet", path="t", mode="append")
    with pytest.raises(OdibiError, match="partitioned by nothing but this write asks for"):
        lake.write(lake.spark, sdf, format="parquet", path="t", mode="append", partition_by=["v"])
    retyped = lake.spark.sql("SELECT CAST(id AS STRING) AS id, v FROM df", {"df": sdf})
    with pytest.raises(OdibiError, match="column 'id' has incompatible types"):
        lake.write(lake.spark, retyped, format="parquet", path="t", mode="append")
    assert lake.rows(lake.pandas, lake.read(lake.pandas, format="parquet", path="t")) == [{"id": 1, "v": "x"}]


def test_failed_spark_write_leaves_the_old_data_and_no_temp_folders(lake):
    lake.file("a.csv", "id,v\n1,x\n2,y\n")
    sdf = lake.read(lake.spark, "src", path="a.csv")
    lake.write(lake.spark, sdf, format="parquet", path="t")
    before = data_files(lake.root / "lake" / "t")
    bad = lake.spark.sql("SELECT id, CAST(CAST(v AS INT) AS STRING) AS v FROM df", {"df": sdf})  # fails when run
    for mode in ("overwrite", "append"):
        with pytest.raises(OdibiError, match="CAST_INVALID_INPUT") as info:
            lake.write(lake.spark, bad, format="parquet", path="t", mode=mode)
        assert "\n" not in str(info.value)
    assert data_files(lake.root / "lake" / "t") == before
    assert sorted(os.listdir(lake.root / "lake")) == ["t"]


def test_single_file_targets_and_upserts_go_through_the_arrow_formats(lake):
    lake.file("a.csv", "id,k,v\n1,a,x\n2,a,y\n")
    sdf = lake.read(lake.spark, "src", path="a.csv")
    lake.write(lake.spark, sdf, format="csv", path="one/file.csv")
    assert (lake.root / "lake" / "one" / "file.csv").read_text() == '"id","k","v"\n1,"a","x"\n2,"a","y"\n'
    change = lake.spark.sql("SELECT 2 AS id, 'a' AS k, 'Y' AS v UNION ALL SELECT 3, 'b', 'z'", {})
    result = lake.write(lake.spark, change, format="parquet", path="one/file.parquet")
    assert result.rows_written == 2
    lake.write(lake.spark, sdf, format="parquet", path="keyed")
    up = lake.write(lake.spark, change, format="parquet", path="keyed", mode="upsert", options={"keys": ["id", "k"]})
    assert up.details["inserted"] == 1 and up.details["updated"] == 1
    assert lake.rows(lake.pandas, lake.read(lake.pandas, format="parquet", path="keyed"), "id") == [
        {"id": 1, "k": "a", "v": "x"}, {"id": 2, "k": "a", "v": "Y"}, {"id": 3, "k": "b", "v": "z"}]


def test_json_arrays_lines_bad_lines_and_column_order(lake):
    lake.file("j/arr.json", '[{"zeta": 1, "alpha": "a"}, {"zeta": 2, "alpha": null}]')
    lake.file("j/lines.json", '{"zeta": 3, "alpha": "c", "extra": 1.5}\n')
    sdf = lake.read(lake.spark, "src", format="json", path="j")
    pdf = lake.read(lake.pandas, "src", format="json", path="j")
    assert sdf.columns == ["zeta", "alpha", "extra"]  # the file's order, not Spark's alphabetical one
    assert lake.spark.schema(sdf) == lake.pandas.schema(pdf)
    assert lake.rows(lake.spark, sdf, "zeta") == lake.rows(lake.pandas, pdf, "zeta")

    lake.file("bad.jsonl", '{"a": 1}\n{"a": 2,\n{"a": 3}\n')
    with pytest.raises(OdibiError, match="malformed jsonl in 'bad.jsonl'.*on_bad_lines: skip"):
        lake.spark.count(lake.read(lake.spark, "src", format="jsonl", path="bad.jsonl"))
    skipped = lake.read(lake.spark, "src", format="jsonl", path="bad.jsonl", options={"on_bad_lines": "skip"})
    assert sorted(r["a"] for r in lake.rows(lake.spark, skipped)) == [1, 3]
    with pytest.raises(OdibiError, match="holds a JSON array, not JSON Lines"):
        lake.read(lake.spark, "src", format="jsonl", path="j/arr.json")


def test_a_delta_folder_is_never_read_as_plain_parquet(lake):
    lake.file("a.csv", "id\n1\n")
    lake.write(lake.pandas, lake.read(lake.pandas, "src", path="a.csv"), format="delta", path="d")
    with pytest.raises(OdibiError, match="is a Delta table; read it with format: delta"):
        lake.read(lake.spark, format="parquet", path="d")


def test_staging_folders_are_removed_after_arrow_path_writes_even_when_they_fail(lake, monkeypatch, tmp_path):
    staging = tmp_path / "tmp"
    staging.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(staging))
    lake.file("a.csv", "id,v\n1,x\n")
    sdf = lake.read(lake.spark, "src", path="a.csv")
    lake.write(lake.spark, sdf, format="parquet", path="single.parquet")
    assert list(staging.iterdir()) == []
    bad = lake.spark.sql("SELECT id, CAST(v AS INT) AS v FROM df", {"df": sdf})
    with pytest.raises(OdibiError, match=r"writing 'single.parquet' on connection 'lake' failed: \[CAST_INVALID"):
        lake.write(lake.spark, bad, format="parquet", path="single.parquet")
    assert list(staging.iterdir()) == []
    assert lake.rows(lake.pandas, lake.read(lake.pandas, format="parquet", path="single.parquet")) == [
        {"id": 1, "v": "x"}]
