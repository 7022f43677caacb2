"""Diff of two runs from their stories (or catalog rows once a story is gone), on real runs,
and the story file lookup that keeps the Studio inside the project."""

from __future__ import annotations

import shutil

import pytest

from odibi_core.catalog import RunCatalog
from odibi_core.story.diff import (
    diff_runs,
    diff_story_files,
    sql_unified_diff,
    story_from_catalog,
)
from odibi_core.workspace import OutsideProject, Workspace, stories

CHANGED_SQL = ("CAST(o.quantity AS INT)               AS quantity,",
               "CAST(o.quantity AS BIGINT)            AS quantity,\n    o.quantity * 2 AS double_qty,")


def _run(root, **opts):
    from tests.studio.conftest import run_project

    return run_project(root / "odibi.yaml", env="dev", **opts)


@pytest.fixture(scope="module")
def shop_master(tmp_path_factory):
    """The sample project run twice (bronze + silver); between the runs clean_orders.sql gains a
    column, widens quantity's type and drops two orders."""
    from odibi_core.templates import create_project

    root = tmp_path_factory.mktemp("diff") / "shop"
    create_project(root, "local-medallion")
    config = root / "odibi.yaml"
    old_write = "path: silver/orders, mode: upsert,"
    assert old_write in config.read_text()  # let the new column and type into the Delta table
    config.write_text(config.read_text().replace(old_write, "path: silver/orders, mode: overwrite, merge_schema: true,"))
    _run(root, pipelines=["bronze", "silver"])
    sql = root / "sql" / "clean_orders.sql"
    text = sql.read_text()
    assert CHANGED_SQL[0] in text
    sql.write_text(text.replace(*CHANGED_SQL).replace("WHERE o.order_id IS NOT NULL",
                                                      "WHERE o.order_id IS NOT NULL AND o.order_id > 1002"))
    _run(root, pipelines=["bronze", "silver"])
    return root


@pytest.fixture
def shop(shop_master, tmp_path):
    """A private copy (tests delete stories or edit the catalog); its catalog still names the
    master's story paths, as in any copied or moved project."""
    dest = tmp_path / "shop"
    shutil.copytree(shop_master, dest)
    return dest


def _open(root):
    ws = Workspace(root)
    session = ws.session("dev")
    story_dir = session.story_dir
    session.close()
    cat = RunCatalog(root / "lake" / "_odibi_system")
    silver = [r["run_id"] for r in reversed(cat.list_runs(pipeline="silver"))]
    return ws, cat, story_dir, silver


def test_sql_schema_and_row_changes_between_two_real_runs(shop):
    ws, cat, story_dir, (first, second) = _open(shop)
    try:
        diff = stories.compare_runs(ws, cat, first, second, story_dir)
    finally:
        cat.close()
    assert (diff.a["run_id"], diff.b["run_id"]) == (first, second)
    assert diff.a["source"] == diff.b["source"] == "story" and not diff.notes
    orders = next(n for n in diff.nodes if n.name == "orders")
    assert orders.presence == "both" and not orders.status_changed
    assert [c["name"] for c in orders.added] == ["double_qty"] and not orders.removed
    assert orders.retyped == [{"name": "quantity", "before": "int32", "after": "int64"}]
    assert (orders.rows_a, orders.rows_b, orders.rows_delta) == (8, 6, -2)
    assert orders.rows_pct == pytest.approx(-25.0)
    assert "-    CAST(o.quantity AS INT)" in orders.sql_diff
    assert "+    CAST(o.quantity AS BIGINT)" in orders.sql_diff and "+    o.quantity * 2 AS double_qty," in orders.sql_diff
    assert orders.sql_diff.startswith(f"--- {first}/orders\n+++ {second}/orders")
    customers = next(n for n in diff.nodes if n.name == "customers")
    assert not customers.changed and customers.schema_compared and customers.sql_compared
    assert diff.changed_nodes == [orders]
    assert diff.summary() == {"nodes": 2, "changed": 1, "schema": 1, "rows": 1, "sql": 1, "status": 0,
                              "only_a": 0, "only_b": 0}


def test_diff_of_story_files_directly(shop):
    ws, cat, story_dir, (first, second) = _open(shop)
    try:
        a, b = (stories.open_run(ws, cat, r, story_dir).json_path for r in (first, second))
    finally:
        cat.close()
    assert a.is_relative_to(shop) and b.is_relative_to(shop)  # found in the copy, not the master
    diff = diff_story_files(a, b)
    assert {n.name for n in diff.changed_nodes} == {"orders"}


def test_a_deleted_story_is_compared_from_the_catalog(shop):
    ws, cat, story_dir, (first, second) = _open(shop)
    try:
        old = stories.open_run(ws, cat, first, story_dir)
        old.json_path.unlink()
        old.html_path.unlink()
        gone = stories.open_run(ws, cat, first, story_dir)
        diff = stories.compare_runs(ws, cat, first, second, story_dir)
    finally:
        cat.close()
    assert gone.story["source"] == "catalog" and gone.html_path is None and not gone.from_story
    assert any("retention" in n for n in gone.notes)
    assert {n["name"] for n in gone.story["nodes"]} == {"customers", "orders"}
    assert diff.a["source"] == "catalog" and any("no story file" in n for n in diff.notes)
    orders = next(n for n in diff.nodes if n.name == "orders")
    assert [c["name"] for c in orders.added] == ["double_qty"] and orders.rows_delta == -2  # from the catalog
    assert not orders.sql_compared and orders.sql_diff == ""


def test_status_change_and_a_failed_node_is_not_all_columns_removed(shop):
    sql = shop / "sql" / "clean_orders.sql"
    sql.write_text(sql.read_text().replace("SELECT", "SELEC", 1))
    _run(shop, pipelines=["silver"])
    ws, cat, story_dir, runs = _open(shop)
    try:
        diff = stories.compare_runs(ws, cat, runs[1], runs[2], story_dir)
    finally:
        cat.close()
    orders = next(n for n in diff.nodes if n.name == "orders")
    assert (orders.status_a, orders.status_b, orders.status_changed) == ("success", "failed", True)
    assert not orders.schema_compared and not orders.removed
    assert diff.summary()["status"] == 1


def test_nodes_only_in_one_run():
    a = {"run_id": "a", "pipeline": "p", "nodes": [{"name": "x", "status": "success", "rows_out": 0,
                                                     "schema_out": [], "sql": []}]}
    b = {"run_id": "b", "pipeline": "q", "nodes": [{"name": "y", "status": "success", "rows_out": 5,
                                                     "schema_out": [], "sql": []}]}
    diff = diff_runs(a, b)
    assert [(n.name, n.presence) for n in diff.nodes] == [("y", "only_b"), ("x", "only_a")]
    assert all(n.changed for n in diff.nodes) and any("different pipelines" in n for n in diff.notes)
    same = diff_runs(a, {**a, "run_id": "c", "nodes": [{**a["nodes"][0], "rows_out": 4}]})
    assert same.nodes[0].rows_delta == 4 and same.nodes[0].rows_pct is None  # from zero: no percentage


def test_sql_diff_helpers_and_the_catalog_fallback_shape():
    assert sql_unified_diff(["SELECT 1"], "SELECT 1\n") == ""
    text = sql_unified_diff(["SELECT a", "SELECT b"], ["SELECT a", "SELECT c"], "x", "y")
    assert "-- statement 2" in text and "-SELECT b" in text and "+SELECT c" in text
    run = {"run_id": "r", "pipeline": "p", "status": "failed", "nodes": [
        {"node": "n", "pipeline": "p", "status": "failed", "rows_in": 3, "rows_out": None, "error": "boom"}]}
    story = story_from_catalog(run, {"n": [{"name": "id", "type": "int64"}]})
    assert story["source"] == "catalog" and story["nodes"][0]["sql"] is None
    assert story["nodes"][0]["schema_out"] == [{"name": "id", "type": "int64"}]
    assert story["nodes"][0]["error"] == "boom"


# --- the security line ---------------------------------------------------------------------------
@pytest.mark.parametrize("crafted", ["/etc/passwd", "../../../../etc/passwd", "/etc/cron.d/2026-01-01/run_1.json",
                                     "lake/_stories/../../../outside.json",
                                     "/x/../2026-01-01/run_00-00-00.json"])
def test_a_crafted_story_path_is_refused_and_the_catalog_shown(shop, crafted):
    ws, cat, story_dir, (first, _) = _open(shop)
    try:
        cat._write(lambda c: c.execute("UPDATE runs SET story_json=?, story_html=? WHERE run_id=?",
                                       (crafted, crafted, first)))
        with pytest.raises(OutsideProject, match="outside the project"):
            stories.story_file(ws, crafted, story_dir)
        rs = stories.open_run(ws, cat, first, story_dir)
    finally:
        cat.close()
    assert rs.story["source"] == "catalog" and rs.json_path is None and rs.html_path is None
    assert any("outside the project" in n for n in rs.notes)
    with pytest.raises(OutsideProject):
        stories.read_html(ws, shop.parent / "elsewhere.html")


def test_a_symlink_in_the_story_folder_pointing_out_is_refused(shop, tmp_path):
    outside = tmp_path / "secret.json"
    outside.write_text('{"run_id": "x"}')
    ws, cat, story_dir, _ = _open(shop)
    link = story_dir / "silver" / "2026-01-01" / "run_00-00-00.json"
    link.parent.mkdir(parents=True)
    link.symlink_to(outside)
    try:
        with pytest.raises(OutsideProject):
            stories.story_file(ws, str(link), story_dir)
    finally:
        cat.close()
