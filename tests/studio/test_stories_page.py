"""Stories page (AppTest): the HTML story, the structured view, the diff, and missing or crafted stories."""

from __future__ import annotations

import json

import pytest

from odibi_core.catalog import RunCatalog
from tests.studio.conftest import assert_clean


def _catalog(project) -> RunCatalog:
    return RunCatalog(project / "lake" / "_odibi_system")


def _silver_runs(project) -> list[dict]:
    """Newest first: success, success, failed (the sample project's history)."""
    cat = _catalog(project)
    try:
        return cat.list_runs(pipeline="silver")
    finally:
        cat.close()


def _open(studio, project, run_id: str | None = None):
    at = studio(project)
    if run_id:
        at.query_params["run"] = run_id
    at.switch_page("../pages/stories.py").run()
    assert_clean(at)
    return at


def _frame(at, *columns: str):
    """The first table showing all these columns (plain st.dataframe elements carry no key in AppTest)."""
    return next(d.value for d in at.dataframe if set(columns) <= set(d.value.columns))


def _iframe_html(at) -> str:
    (frame,) = at.get("iframe")
    return frame.proto.srcdoc


def test_the_newest_run_renders_its_html_story_and_nodes(studio, sample_project):
    at = _open(studio, sample_project)
    cat = _catalog(sample_project)
    newest = cat.list_runs(limit=1)[0]
    cat.close()
    assert at.selectbox(key="story_run").value == newest["run_id"]
    html = _iframe_html(at)
    assert html.lower().startswith("<!doctype html") and newest["run_id"] in html
    nodes = _frame(at, "node", "rows_in", "columns")
    cat = _catalog(sample_project)
    expected = [n["node"] for n in cat.get_run(newest["run_id"])["nodes"]]
    cat.close()
    assert sorted(nodes["node"]) == sorted(expected)
    assert {"rows_in", "rows_out", "duration_s", "columns", "tests"} <= set(nodes.columns)


def test_a_linked_run_shows_node_details_schema_sample_and_tests(studio, sample_project):
    newest = _silver_runs(sample_project)[0]
    at = _open(studio, sample_project, newest["run_id"])
    assert at.selectbox(key="story_run").value == newest["run_id"]
    at.selectbox(key="story_node").set_value("customers").run()
    assert_clean(at)
    frames = [d.value for d in at.dataframe]
    schema = next(f for f in frames if list(f.columns) == ["name", "type"])
    assert list(schema["name"]) == ["customer_id", "name", "email", "country", "updated_at"]
    sample = next(f for f in frames if "email" in f.columns and len(f.columns) > 2)
    assert 0 < len(sample) <= 10 and all(e == e.strip().lower() for e in sample["email"])
    tests = next(f for f in frames if "test" in f.columns)
    assert set(tests["type"]) == {"not_null", "unique", "regex_match"}


def test_the_diff_against_the_failed_run_shows_the_status_change(studio, sample_project):
    newest, previous, failed = _silver_runs(sample_project)
    at = _open(studio, sample_project, newest["run_id"])
    assert at.selectbox(key="story_compare").value == previous["run_id"]  # the previous run of the pipeline
    assert any("No differences" in s.value for s in at.success)
    at.selectbox(key="story_compare").set_value(failed["run_id"]).run()
    assert_clean(at)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Status changes"] == "1"
    table = _frame(at, "node", "Δ rows")
    row = table[table["node"] == "orders"].iloc[0]
    assert row["status"] == "failed → success"
    assert any("orders" in e.label and "status" in e.label for e in at.expander)


def test_a_changed_sql_file_shows_sql_and_schema_diffs(studio, sample_project):
    from tests.studio.conftest import run_project

    sql = sample_project / "sql" / "clean_orders.sql"
    sql.write_text(sql.read_text().replace("    o.product_id,\n", ""))  # drop a column...
    run_project(sample_project / "odibi.yaml")  # ...which the upsert into silver/orders then refuses
    newest, previous = _silver_runs(sample_project)[:2]
    at = _open(studio, sample_project, newest["run_id"])
    assert at.selectbox(key="story_compare").value == previous["run_id"]
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["Schema changes"], metrics["SQL changes"], metrics["Status changes"]) == ("1", "1", "1")
    row = _frame(at, "node", "Δ rows").set_index("node").loc["orders"]
    assert row["status"] == "success → failed" and row["schema"] == "+0 −1 ~0" and row["SQL"] == "changed"
    diffs = [c.value for c in at.code if c.language == "diff"]
    assert any("-    o.product_id," in d for d in diffs)
    removed = next(d.value for d in at.dataframe if "change" in d.value.columns)
    assert list(removed["column"]) == ["product_id"] and list(removed["change"]) == ["removed"]


def test_a_story_deleted_by_retention_falls_back_to_the_catalog(studio, sample_project):
    oldest = _silver_runs(sample_project)[-1]
    cat = _catalog(sample_project)
    cat.close()
    for story in (sample_project / "lake" / "_stories" / "silver").rglob("run_*"):
        data = json.loads(story.read_text()) if story.suffix == ".json" else None
        if data and data["run_id"] == oldest["run_id"]:
            story.unlink()
            story.with_suffix(".html").unlink()
    at = _open(studio, sample_project, oldest["run_id"])
    assert any("retention" in w.value for w in at.warning)
    assert not at.get("iframe")
    assert any("HTML story of this run is not available" in i.value for i in at.info)
    nodes = _frame(at, "node", "rows_in", "columns")
    assert set(nodes["node"]) == {"customers", "orders"}
    assert "failed" in " ".join(nodes["status"])


@pytest.mark.parametrize("crafted", ["/etc/passwd", "../../../../../etc/hostname"])
def test_a_crafted_story_path_is_not_opened(studio, sample_project, crafted):
    newest = _silver_runs(sample_project)[0]
    cat = _catalog(sample_project)
    cat._write(lambda c: c.execute("UPDATE runs SET story_json=?, story_html=? WHERE run_id=?",
                                   (crafted, crafted, newest["run_id"])))
    cat.close()
    at = _open(studio, sample_project, newest["run_id"])
    assert any("outside the project" in w.value for w in at.warning)
    assert not at.get("iframe")
    assert set(_frame(at, "node", "rows_in", "columns")["node"]) == {"customers", "orders"}


def test_an_unknown_run_in_the_link_is_a_clear_error(studio, sample_project):
    at = _open(studio, sample_project, "../../nope")
    assert any("not in the run history" in e.value for e in at.error)


def test_no_runs_yet(studio, tmp_path):
    from odibi_core.templates import create_project

    fresh = tmp_path / "fresh"
    create_project(fresh, "local-medallion")
    at = _open(studio, fresh)
    assert any("No runs yet: press Run" in i.value for i in at.info)
    at.button(key="story_to_run").click().run()
    assert [t.value for t in at.title] == ["Run"]


def test_switching_to_an_environment_without_runs(studio, sample_project):
    newest = _silver_runs(sample_project)[0]
    at = _open(studio, sample_project, newest["run_id"])
    at.sidebar.selectbox(key="env").set_value("prod").run()  # prod writes to ./lake_prod: no history there
    assert_clean(at)
    assert any("No runs yet: press Run" in i.value for i in at.info)
    at.sidebar.selectbox(key="env").set_value("dev").run()
    assert_clean(at)
    assert at.selectbox(key="story_run").value == newest["run_id"]  # the last story viewed
