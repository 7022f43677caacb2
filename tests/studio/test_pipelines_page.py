"""The Pipelines page: the graph sent to agraph, filters, node details, empty states."""

from __future__ import annotations

import json

from odibi_core.catalog import RunCatalog
from odibi_core.templates import create_project
from studio.ui.widgets import LAYER_COLORS, STATUS_COLORS
from tests.studio.conftest import assert_clean, run_project
from studio.ui.graph_payload import CROSS_EDGE_COLOR, EDGE_COLOR, IMPLICIT_EDGE_COLOR
from tests.workspace.graph_projects import write_big_project, write_edges_project

SAMPLE_NODES = {"raw_customers", "raw_orders", "raw_products", "customers", "orders", "daily_revenue",
                "revenue_by_country"}
SAMPLE_EDGES = {("raw_customers", "customers"), ("raw_orders", "orders"), ("raw_products", "orders"),
                ("orders", "daily_revenue"), ("orders", "revenue_by_country"), ("customers", "revenue_by_country")}
LAYER_OF = {"raw_customers": "bronze", "raw_orders": "bronze", "raw_products": "bronze", "customers": "silver",
            "orders": "silver", "daily_revenue": "gold", "revenue_by_country": "gold"}


def payload(at) -> tuple[dict, dict, int]:
    """(graph data, vis config, raw size in bytes) as the page sent them to the agraph component."""
    components = at.get("component_instance")
    assert len(components) == 1
    raw = components[0].proto.json_args
    args = json.loads(raw)
    return json.loads(args["data"]), json.loads(args["config"]), len(raw)


def texts(at) -> str:
    parts = [e.value for kind in ("markdown", "caption", "error", "info", "warning", "code") for e in getattr(at, kind)]
    return "\n".join(str(p) for p in parts)


def metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_graph_has_every_node_and_edge_coloured_by_status_and_layer(studio, sample_project):
    at = studio(sample_project, "pipelines.py")
    assert_clean(at)
    data, config, _ = payload(at)
    nodes = {n["id"]: n for n in data["nodes"]}
    assert set(nodes) == SAMPLE_NODES
    assert {(e["from"], e["to"]) for e in data["edges"]} == SAMPLE_EDGES
    for name, node in nodes.items():
        assert node["color"]["background"] == STATUS_COLORS["success"], name  # the newest runs succeeded
        assert node["color"]["border"] == LAYER_COLORS[LAYER_OF[name]], name
        assert isinstance(node["x"], int) and isinstance(node["y"], int)
    assert config["physics"]["enabled"] is False and config["groups"] == {}
    assert all(e.get("dashes") is not True for e in data["edges"])  # every sample edge is declared
    assert metric(at, "Pipelines") == "3" and metric(at, "Nodes") == "7" and "success" in metric(at, "Last run")
    assert "Last run (fill)" in "".join(h.proto.body for h in at.get("html"))  # the legend


def test_inferred_edges_are_dashed_and_cross_pipeline_edges_stand_out(studio, tmp_path):
    write_edges_project(tmp_path / "edges")
    at = studio(tmp_path / "edges", "pipelines.py")
    assert_clean(at)
    edges = {(e["from"], e["to"]): e for e in payload(at)[0]["edges"]}
    assert len(edges) == 5
    inferred = edges[("load_a", "reread_a")]
    assert inferred["dashes"] is True and inferred["color"] == IMPLICIT_EDGE_COLOR
    assert edges[("load_b", "join_ab")]["color"] == CROSS_EDGE_COLOR and "dashes" not in edges[("load_b", "join_ab")]
    assert edges[("load_a", "load_b")]["color"] == EDGE_COLOR
    assert "smooth" in edges[("load_a", "join_ab")]  # skips a level: curved around load_b


def test_a_failed_node_turns_red(studio, sample_project):
    sql = sample_project / "sql" / "clean_orders.sql"
    sql.write_text(sql.read_text().replace("SELECT", "SELEC", 1))
    run_project(sample_project, pipelines=["silver"])
    at = studio(sample_project, "pipelines.py")
    assert_clean(at)
    nodes = {n["id"]: n for n in payload(at)[0]["nodes"]}
    assert nodes["orders"]["color"]["background"] == STATUS_COLORS["failed"]
    assert nodes["customers"]["color"]["background"] == STATUS_COLORS["success"]
    assert metric(at, "Nodes failing") == "1" and "failed" in metric(at, "Last run")
    at.selectbox(key="pl_node").select("orders").run()
    assert any("SELEC" in e.value or "syntax" in e.value.lower() for e in at.error)  # the run's error


def test_selecting_a_node_shows_config_last_run_schema_and_sample(studio, sample_project):
    at = studio(sample_project, "pipelines.py")
    assert "Pick a node" in texts(at)
    at.selectbox(key="pl_node").select("orders").run()
    assert_clean(at)
    config = "\n".join(c.value for c in at.code)
    assert "name: orders" in config and "sql_file: sql/clean_orders.sql" in config
    last = RunCatalog(sample_project / "lake" / "_odibi_system").node_history("orders", limit=1)[0]
    assert metric(at, "Rows out") == f"{last['rows_out']:,}" and last["status"] == "success"
    assert last["run_id"] in texts(at)
    schema, sample = at.dataframe[0].value, at.dataframe[1].value
    assert {"order_id", "customer_id", "total", "band"} <= set(schema["name"])
    assert len(sample) > 0 and {"order_id", "band"} <= set(sample.columns)


def test_filters_and_search_keep_the_edges_between_kept_nodes(studio, sample_project):
    at = studio(sample_project, "pipelines.py")
    at.multiselect(key="pl_pipelines").set_value(["silver", "gold"]).run()
    data = payload(at)[0]
    assert {n["id"] for n in data["nodes"]} == {"customers", "orders", "daily_revenue", "revenue_by_country"}
    assert {(e["from"], e["to"]) for e in data["edges"]} == {
        ("orders", "daily_revenue"), ("orders", "revenue_by_country"), ("customers", "revenue_by_country")}
    at.multiselect(key="pl_pipelines").set_value([]).run()
    at.multiselect(key="pl_tags").set_value(["reporting"]).run()
    assert {n["id"] for n in payload(at)[0]["nodes"]} == {"daily_revenue", "revenue_by_country"}
    at.multiselect(key="pl_tags").set_value([]).run()
    at.multiselect(key="pl_layers").set_value(["bronze"]).run()
    assert {n["id"] for n in payload(at)[0]["nodes"]} == {"raw_customers", "raw_orders", "raw_products"}
    at.multiselect(key="pl_layers").set_value([]).run()
    at.text_input(key="pl_search").input("silver/orders").run()  # a write path
    assert {n["id"] for n in payload(at)[0]["nodes"]} == {"orders"}
    at.text_input(key="pl_search").input("nothing like this").run()
    assert_clean(at)
    assert not at.get("component_instance") and "No node matches" in texts(at)


def test_node_config_masks_secrets(studio, sample_project, monkeypatch):
    monkeypatch.setenv("SHOP_API_TOKEN", "shop-token-0123456789")
    yaml_file = sample_project / "odibi.yaml"
    yaml_file.write_text(yaml_file.read_text().replace(
        "read: {connection: landing, format: csv, path: customers.csv}",
        "read: {connection: landing, format: csv, path: customers.csv, options: {token: '${SHOP_API_TOKEN}'}}"))
    at = studio(sample_project, "pipelines.py")
    at.selectbox(key="pl_node").select("raw_customers").run()
    assert_clean(at)
    config = "\n".join(c.value for c in at.code)
    assert "token: '***'" in config or "token: ***" in config
    assert "shop-token-0123456789" not in texts(at)


def test_a_project_that_never_ran_is_grey_with_a_hint(studio, tmp_path):
    create_project(tmp_path / "fresh", "local-medallion")
    at = studio(tmp_path / "fresh", "pipelines.py")
    assert_clean(at)
    nodes = payload(at)[0]["nodes"]
    assert len(nodes) == 7 and {n["color"]["background"] for n in nodes} == {STATUS_COLORS[None]}
    assert metric(at, "Last run") == "none yet"
    at.selectbox(key="pl_node").select("orders").run()
    assert_clean(at)
    assert "has not run yet" in texts(at) and "name: orders" in "\n".join(c.value for c in at.code)


def test_empty_folder_shows_a_hint(studio, empty_project):
    at = studio(empty_project, "pipelines.py")
    assert_clean(at)
    assert "no odibi.yaml" in texts(at) and not at.get("component_instance")


def test_a_200_node_project_sends_a_small_static_graph(studio, tmp_path):
    write_big_project(tmp_path / "big")
    at = studio(tmp_path / "big", "pipelines.py")
    assert_clean(at)
    data, config, size = payload(at)
    assert len(data["nodes"]) == 200 and len(data["edges"]) == 199
    assert size < 200 * 400, size  # bytes, JSON inside JSON: about 320 per node and its edge
    assert config["physics"]["enabled"] is False
    assert all("title" not in n for n in data["nodes"])  # no HTML tooltips (see graph_payload)
