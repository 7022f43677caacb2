"""Preview: one node on a bounded sample, upstream computed in memory, and nothing ever written."""

from __future__ import annotations

import shutil

import pytest

from odibi_core.runner.runner import Runner, RunOptions
from odibi_core.session import Session
from odibi_core.templates import create_project
from odibi_core.workspace import Workspace
from odibi_core.workspace.preview import preview_node
from odibi_core.workspace.yaml_doc import YamlDoc
from tests.workspace.conftest import snapshot


@pytest.fixture(scope="module")
def ran_master(tmp_path_factory):
    """A project that has run once: lake tables, catalog and a story exist."""
    root = create_project(tmp_path_factory.mktemp("pv") / "shop", "local-medallion")
    session = Session(root / "odibi.yaml", env="dev")
    try:
        assert all(r.status == "success" for r in session.run(RunOptions()))
    finally:
        session.close()
    return root


@pytest.fixture
def ran(ran_master, tmp_path) -> Workspace:
    dest = tmp_path / "shop"
    shutil.copytree(ran_master, dest)
    return Workspace(dest)


def test_preview_returns_rows_and_writes_nothing(ran):
    before = snapshot(ran.root)
    assert (ran.root / "lake" / "_odibi_system" / "catalog.db").is_file()
    result = preview_node(ran, ran.config_file.read_text(), "daily_revenue", "dev", limit=3)
    assert result.status == "success", result.error
    assert result.computed == ["raw_orders", "raw_products", "orders", "daily_revenue"]
    assert [c["name"] for c in result.schema] == ["order_date", "orders", "revenue", "currency"]
    assert 0 < len(result.rows) <= 3 and result.rows[0]["currency"] == "EUR"
    assert snapshot(ran.root) == before  # lake, catalog, stories, config: byte for byte


def test_reads_are_bounded_and_the_sample_holds_the_limit(ws):
    csv = ws.root / "data" / "landing" / "big.csv"
    csv.write_text("id,v\n" + "".join(f"{i},{i * 2}\n" for i in range(500)))
    doc = YamlDoc(ws.config_file.read_text())
    doc.add_node("bronze", {"name": "big", "read": {"connection": "landing", "format": "csv", "path": "big.csv"},
                            "write": {"connection": "lake", "format": "parquet", "path": "bronze/big.parquet"}})
    result = preview_node(ws, doc.dump(), "big", limit=40)
    assert (result.rows_in, result.rows_out, len(result.rows)) == (40, 40, 40)
    assert result.rows[39] == {"id": 39, "v": 78}
    assert not (ws.root / "lake").exists()  # the write block was skipped: not even the folder


def test_a_broken_sql_step_gives_the_located_error(ws):
    doc = YamlDoc(ws.config_file.read_text())
    node = doc.node("gold", "daily_revenue")
    node["transform"]["steps"][0]["sql"] = "SELEC order_date FROM df"
    doc.replace_node("gold", "daily_revenue", node)
    result = preview_node(ws, doc.dump(), "daily_revenue", "dev")
    assert result.status == "failed" and not result.ok
    assert result.phase == "transform.steps[0] (sql)"
    assert "SELEC" in result.error and "Traceback" not in result.error
    assert result.suggestion


def test_an_upstream_failure_is_reported_as_such(ws):
    (ws.root / "sql" / "clean_orders.sql").write_text("SELECT nope FROM raw")
    result = preview_node(ws, ws.config_file.read_text(), "daily_revenue", "dev")
    assert result.status == "failed" and result.failed_node == "orders"
    assert "upstream node 'orders' failed" in result.error and result.phase.startswith("transform.steps[0]")


def test_invalid_text_is_not_run(ws):
    text = ws.config_file.read_text().replace("depends_on", "dependson") + "\n  - {pipeline: x, nodes: [{name: y}]}\n"
    result = preview_node(ws, text, "y")
    assert result.status == "invalid" and result.issues and not result.rows


def test_merge_and_quarantine_do_not_write_in_a_preview(ws):
    doc = YamlDoc(ws.config_file.read_text())
    doc.add_node("bronze", {
        "name": "merged", "read": {"connection": "landing", "format": "csv", "path": "customers.csv"},
        "transformer": "merge", "params": {"target": {"connection": "lake", "path": "silver/merged"},
                                           "keys": ["customer_id"]},
        "validation": {"tests": [{"type": "accepted_values", "column": "country", "values": ["XX"],
                                  "on_fail": "quarantine"}],
                       "quarantine": {"connection": "lake", "path": "quarantine/merged"}}})
    result = preview_node(ws, doc.dump(), "merged")
    assert result.ok, result.error
    assert any("'merge' writes to its target table" in w for w in result.warnings)
    assert not (ws.root / "lake").exists()


def test_runner_write_false_runs_everything_and_writes_nothing(ws):
    session = Session(ws.config_file, env="dev")
    try:
        runs = Runner(session.loaded, session.engine, session.graph).run(RunOptions(row_limit=5, write=False))
    finally:
        session.close()
    nodes = {n.name: n for r in runs for n in r.nodes}
    assert all(n.status == "success" for n in nodes.values()), {k: n.error for k, n in nodes.items()}
    assert nodes["raw_orders"].rows_in == 5 and nodes["raw_orders"].write_target is None
    assert not (ws.root / "lake").exists()
