"""The runner end to end on the pandas engine: order, parallelism, failures, retries, selection."""

from __future__ import annotations

import pandas as pd
import pytest
from deltalake import DeltaTable

from odibi_core.errors import ConfigError
from odibi_core.runner.runner import RunOptions
from odibi_core.session import Session
from tests.helpers import PEOPLE_CSV, write_project

READ = {"connection": "src", "format": "csv", "path": "people.csv"}


def node(name, **kw):
    return {"name": name, **kw}


def run(path, **opts):
    session = Session(path)
    try:
        return session, session.run(RunOptions(sleep=lambda s: None, **opts))
    finally:
        session.close()


def test_chain_runs_in_order_and_writes_delta(tmp_path):
    path = write_project(tmp_path, [{"pipeline": "p", "nodes": [
        node("a", read=READ),
        node("b", depends_on=["a"], transform={"steps": [{"sql": "SELECT name, age FROM df WHERE age > 30"}]}),
        node("c", depends_on=["b"], transform={"steps": [{"sql": "SELECT count(*) AS n FROM b"}]},
             write={"connection": "lake", "format": "delta", "path": "gold/c"}),
    ]}], files={"src/people.csv": PEOPLE_CSV})
    _, results = run(path)
    (r,) = results
    assert r.status == "success"
    assert [n.status for n in r.nodes] == ["success"] * 3
    assert r.node("a").rows_out == 4 and r.node("b").rows_out == 2
    assert r.node("b").columns_removed == ["id", "country"]
    assert r.node("c").sql == ["SELECT count(*) AS n FROM b"]
    assert DeltaTable(str(tmp_path / "lake/gold/c")).to_pandas()["n"].tolist() == [2]
    assert ("a", "b") in r.edges and ("b", "c") in r.edges


def test_failure_skips_downstream_and_fail_later_continues(tmp_path):
    path = write_project(tmp_path, [{"pipeline": "p", "nodes": [
        node("a", read=READ),
        node("bad", depends_on=["a"], transform={"steps": [{"sql": "SELECT no_such_col FROM df"}]}),
        node("after_bad", depends_on=["bad"]),
        node("fine", depends_on=["a"], transform={"steps": [{"sql": "SELECT * FROM df"}]}),
    ]}], files={"src/people.csv": PEOPLE_CSV})
    _, (r,) = run(path, workers=1)
    status = {n.name: n.status for n in r.nodes}
    assert status == {"a": "success", "bad": "failed", "after_bad": "skipped", "fine": "success"}
    assert r.status == "failed"
    bad = r.node("bad")
    assert "no_such_col" in bad.error and bad.suggestion
    assert "upstream node 'bad'" in r.node("after_bad").skipped_reason


def test_fail_fast_stops_launching_new_nodes(tmp_path):
    path = write_project(tmp_path, [{"pipeline": "p", "nodes": [
        node("bad", read=READ, on_error="fail_fast", transform={"steps": [{"sql": "SELECT nope FROM df"}]}),
        node("independent", read=READ),
    ]}], files={"src/people.csv": PEOPLE_CSV})
    _, (r,) = run(path, workers=1)
    assert r.node("bad").status == "failed"
    assert r.node("independent").status == "skipped"
    assert "fail_fast" in r.node("independent").skipped_reason


def test_ignore_does_not_fail_the_run(tmp_path):
    path = write_project(tmp_path, [{"pipeline": "p", "nodes": [
        node("bad", read=READ, on_error="ignore", transform={"steps": [{"sql": "SELECT nope FROM df"}]}),
        node("ok", read=READ),
    ]}], files={"src/people.csv": PEOPLE_CSV})
    _, (r,) = run(path)
    assert r.status == "partial"
    assert r.node("ok").status == "success"


def test_retries_follow_retry_config(tmp_path):
    calls = tmp_path / "calls.txt"
    transforms = f'''
from odibi_core import transform

@transform
def flaky(df):
    """Fails twice, then works: a stand-in for a network blip."""
    p = {str(calls)!r}
    import os
    n = int(open(p).read()) if os.path.exists(p) else 0
    open(p, "w").write(str(n + 1))
    if n < 2:
        raise OSError("temporary failure")
    return df
'''
    path = write_project(tmp_path, [{"pipeline": "p", "nodes": [
        node("a", read=READ, transform={"steps": [{"function": "flaky"}]},
             retry={"max_attempts": 3, "backoff": "constant", "initial_delay": 0}),
    ]}], files={"src/people.csv": PEOPLE_CSV, "transforms.py": transforms})
    _, (r,) = run(path)
    assert r.node("a").status == "success"
    assert r.node("a").attempts == 3
    assert calls.read_text() == "3"


def test_sql_errors_are_not_retried(tmp_path):
    path = write_project(tmp_path, [{"pipeline": "p", "nodes": [
        node("a", read=READ, transform={"steps": [{"sql": "SELEC * FROM df"}]}, retry={"max_attempts": 5}),
    ]}], files={"src/people.csv": PEOPLE_CSV})
    _, (r,) = run(path)
    assert r.node("a").status == "failed" and r.node("a").attempts == 1


def test_cross_pipeline_inputs_read_from_write_target_when_upstream_not_selected(tmp_path):
    pipelines = [
        {"pipeline": "bronze", "nodes": [node("raw", read=READ,
                                               write={"connection": "lake", "format": "parquet", "path": "b/raw"})]},
        {"pipeline": "silver", "nodes": [node("clean", inputs={"r": "$bronze.raw"},
                                              transform={"steps": [{"sql": "SELECT * FROM r WHERE country = 'gb'"}]})]},
    ]
    path = write_project(tmp_path, pipelines, files={"src/people.csv": PEOPLE_CSV})
    _, results = run(path)
    assert [r.pipeline for r in results] == ["bronze", "silver"]
    assert results[1].node("clean").rows_out == 2
    assert ("bronze.raw", "clean") in results[1].edges
    # now only silver: bronze's output is read back from its parquet target
    _, (silver,) = run(path, pipelines=["silver"])
    assert silver.node("clean").status == "success" and silver.node("clean").rows_out == 2


def test_selection_by_node_tag_and_unknown_names(tmp_path):
    path = write_project(tmp_path, [{"pipeline": "p", "nodes": [
        node("a", read=READ, tags=["x"]), node("b", read=READ), node("c", depends_on=["a"], tags=["x"]),
    ]}], files={"src/people.csv": PEOPLE_CSV})
    _, (r,) = run(path, tags=["x"])
    assert [n.name for n in r.nodes] == ["a", "c"]
    _, (r,) = run(path, nodes=["c"], with_upstream=True)
    assert [n.name for n in r.nodes] == ["a", "c"]
    with pytest.raises(ConfigError, match="did you mean 'b'"):
        run(path, nodes=["bb"])
    with pytest.raises(ConfigError, match="no node has tag"):
        run(path, tags=["nope"])


def test_upstream_without_write_target_is_a_clear_error(tmp_path):
    path = write_project(tmp_path, [{"pipeline": "p", "nodes": [node("a", read=READ), node("b", depends_on=["a"])]}],
                         files={"src/people.csv": PEOPLE_CSV})
    _, (r,) = run(path, nodes=["b"])
    assert r.node("b").status == "failed"
    assert "has no 'write' target" in r.node("b").error


def test_parallel_levels_all_run(tmp_path):
    nodes = [node("root", read=READ)] + [
        node(f"leaf{i}", depends_on=["root"], transform={"steps": [{"sql": f"SELECT *, {i} AS k FROM df"}]})
        for i in range(12)
    ]
    path = write_project(tmp_path, [{"pipeline": "p", "nodes": nodes}], files={"src/people.csv": PEOPLE_CSV})
    _, (r,) = run(path, workers=4)
    assert r.status == "success" and len(r.nodes) == 13
    assert all(n.rows_out == 4 for n in r.nodes)


def test_dry_run_writes_nothing(tmp_path):
    path = write_project(tmp_path, [{"pipeline": "p", "nodes": [
        node("a", read=READ, write={"connection": "lake", "format": "csv", "path": "out.csv"})]}],
        files={"src/people.csv": PEOPLE_CSV})
    _, (r,) = run(path, dry_run=True)
    assert r.node("a").status == "pending"
    assert not (tmp_path / "lake/out.csv").exists()
    assert not (tmp_path / "lake/_system").exists()


def test_sensitive_nodes_mask_samples(tmp_path):
    path = write_project(tmp_path, [{"pipeline": "p", "nodes": [
        node("all", read=READ, sensitive=True), node("some", read=READ, sensitive=["name"])]}],
        files={"src/people.csv": PEOPLE_CSV})
    _, (r,) = run(path)
    assert all(v == "***" for row in r.node("all").sample for v in row.values())
    some = r.node("some").sample
    assert {row["name"] for row in some} == {"***"} and {row["country"] for row in some} == {"gb", "us"}


def test_stories_and_catalog_are_written(tmp_path):
    path = write_project(tmp_path, [{"pipeline": "p", "nodes": [node("a", read=READ)]}],
                         files={"src/people.csv": PEOPLE_CSV})
    session, (r,) = run(path)
    assert r.story_html and r.story_html.endswith(".html")
    assert (tmp_path / "lake/_stories/p").is_dir()
    runs = Session(path).catalog.list_runs()
    assert runs[0]["run_id"] == r.run_id and runs[0]["status"] == "success"


def test_add_metadata_columns(tmp_path):
    path = write_project(tmp_path, [{"pipeline": "p", "nodes": [
        node("a", read=READ, write={"connection": "lake", "format": "parquet", "path": "a.parquet",
                                     "add_metadata": True})]}], files={"src/people.csv": PEOPLE_CSV})
    _, (r,) = run(path)
    out = pd.read_parquet(tmp_path / "lake/a.parquet")
    assert {"_odibi_loaded_at", "_odibi_run_id", "_odibi_node"} <= set(out.columns)
    assert set(out["_odibi_run_id"]) == {r.run_id}


def test_sql_over_strided_frames_from_user_functions(tmp_path):
    """DuckDB cannot scan reversed views (df.iloc[::-1]); the engine retries with a copy."""
    transforms = '''
from odibi_core import transform

@transform
def reverse(df):
    return df.iloc[::-1]
'''
    path = write_project(tmp_path, [{"pipeline": "p", "nodes": [
        node("a", read=READ, transform={"steps": [{"function": "reverse"}, {"sql": "SELECT id FROM df"}]}),
    ]}], files={"src/people.csv": PEOPLE_CSV, "transforms.py": transforms})
    _, (r,) = run(path)
    assert r.node("a").status == "success", r.node("a").error
    assert [row["id"] for row in r.node("a").sample] == [4, 3, 2, 1]


def test_spark_error_wording_gets_the_same_hints():
    from odibi_core.runner.suggestions import suggestion_for

    class N:
        transformer = None

    col = suggestion_for(Exception("[UNRESOLVED_COLUMN.WITH_SUGGESTION] A column `x` cannot be resolved"), N, "x")
    table = suggestion_for(Exception("[TABLE_OR_VIEW_NOT_FOUND] The table `t` cannot be found"), N, "x")
    parse = suggestion_for(Exception("[PARSE_SYNTAX_ERROR] Syntax error at or near 'SELEC'"), N, "x")
    assert "column name" in col and "`df`" in table and "does not parse" in parse
