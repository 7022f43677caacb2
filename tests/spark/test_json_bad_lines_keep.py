"""``on_bad_lines: keep`` on Spark's native JSON read gives what the Arrow format gives (the same
rows, types and column order), and the ``_corrupt_record`` column can be queried on its own,
which Spark's PERMISSIVE JSON source refuses (QUERY_ONLY_CORRUPT_RECORD_COLUMN)."""

from __future__ import annotations

from odibi_core.formats.json import CORRUPT_COLUMN

KEEP = {"on_bad_lines": "keep"}
DAY1 = ('{"event_id": "e1", "ts": "2024-11-01T18:00:00Z", "n": 1}\n'
        '{"event_id": "e2", "ts": "2024-11-01T18:05:00Z", "n": null}\n'
        '{"event_id": "e3", "ts": \n'
        "\n"
        "[1, 2]\n")
DAY2 = '{"event_id": "e4", "ts": "2024-11-02T09:00:00Z", "n": 4}\nnot json at all\n'


def test_spark_keeps_bad_lines_like_the_arrow_format(lake):
    lake.file("ev/date=2024-11-01/a.jsonl", DAY1)
    lake.file("ev/date=2024-11-02/a.jsonl", DAY2)
    sdf = lake.read(lake.spark, "src", format="jsonl", path="ev", options=KEEP)
    pdf = lake.read(lake.pandas, "src", format="jsonl", path="ev", options=KEEP)
    assert sdf.columns == ["event_id", "ts", "n", CORRUPT_COLUMN, "date"]
    assert [c.name for c in lake.spark.schema(sdf)] == [c.name for c in lake.pandas.schema(pdf)]
    assert lake.spark.schema(sdf)[2].type == lake.pandas.schema(pdf)[2].type == "int64"
    key = ("date", "event_id", CORRUPT_COLUMN)
    srows = [{k: r[k] for k in ("event_id", "n", CORRUPT_COLUMN, "date")} for r in lake.rows(lake.spark, sdf, *key)]
    prows = [{k: r[k] for k in ("event_id", "n", CORRUPT_COLUMN, "date")} for r in lake.rows(lake.pandas, pdf, *key)]
    assert srows == prows
    assert sorted(r[CORRUPT_COLUMN] for r in srows if r[CORRUPT_COLUMN]) == ['[1, 2]', "not json at all",
                                                                             '{"event_id": "e3", "ts": ']
    # a query touching only the corrupt column works (a validation test does exactly this)
    assert sdf.where(f"{CORRUPT_COLUMN} IS NOT NULL").count() == 3
    assert lake.spark.sql(f"SELECT COUNT({CORRUPT_COLUMN}) AS n FROM df", {"df": sdf}).collect()[0]["n"] == 3


def test_spark_keep_on_a_clean_file_still_has_the_column(lake):
    lake.file("ok.jsonl", '{"a": 1}\n{"a": 2}\n')
    sdf = lake.read(lake.spark, "src", format="jsonl", path="ok.jsonl", options=KEEP)
    assert sdf.columns == ["a", CORRUPT_COLUMN]
    assert lake.rows(lake.spark, sdf, "a") == [{"a": 1, CORRUPT_COLUMN: None}, {"a": 2, CORRUPT_COLUMN: None}]
