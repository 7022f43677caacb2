"""`odibi list`: what the VS Code extension reads (its JSON shape is a contract, see
odibi_core/cli/list_cmd.py), checked through the real command in a subprocess: every file and line
must point at the text that defines the item."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

TOP_KEYS = ["project", "config_file", "env", "engine", "connections", "pipelines", "nodes", "transformers"]


def odibi(*args, cwd=None):
    env = {k: v for k, v in os.environ.items() if k != "ODIBI_ENV"} | {"COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "odibi_core.cli.main", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def listing(*args, cwd=None) -> dict:
    res = odibi("list", *args, "--json", cwd=cwd)
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout)


def line_at(item: dict) -> str:
    return Path(item["file"]).read_text(encoding="utf-8").splitlines()[item["line"] - 1]


def builtin_names() -> set[str]:
    from odibi_core.transformers.registry import TRANSFORMERS, load_builtins

    load_builtins()
    return {name for name, spec in TRANSFORMERS.items() if spec.builtin}


@pytest.fixture(scope="module")
def shop(tmp_path_factory) -> Path:
    """The reference-lite template (10 nodes, SQL steps, a transforms.py, a prod overlay)."""
    from odibi_core.templates import create_project

    return create_project(tmp_path_factory.mktemp("list") / "shop", "reference-lite")


def test_json_has_the_documented_shape_and_every_location_points_at_its_text(shop):
    data = listing(cwd=shop)
    assert list(data) == TOP_KEYS
    assert (data["project"], data["config_file"], data["env"], data["engine"]) == (
        "shop", str(shop / "odibi.yaml"), None, "pandas")
    assert [c["name"] for c in data["connections"]] == ["raw", "lake", "mart"]
    for conn in data["connections"]:
        assert set(conn) == {"name", "type", "file", "line", "column"}
        assert line_at(conn)[conn["column"] - 1:].startswith(f"{conn['name']}: {{type: {conn['type']}")
    assert [(p["name"], p["layer"]) for p in data["pipelines"]] == [("bronze", "bronze"), ("silver", "silver"),
                                                                    ("gold", "gold")]
    for pipe in data["pipelines"]:
        assert line_at(pipe)[pipe["column"] - 1:] == f"pipeline: {pipe['name']}"
    names = [n["name"] for n in data["nodes"]]
    assert names == ["customer_snapshots", "products", "landed_events", "events", "raw_orders",
                     "customers_history", "orders", "revenue_by_tier", "event_counts", "current_customers"]
    for node in data["nodes"]:
        assert set(node) == {"name", "pipeline", "file", "line", "column", "tags", "transformer", "sql_steps"}
        assert line_at(node).strip() == f"- name: {node['name']}" and node["file"] == str(shop / "odibi.yaml")
        for line in node["sql_steps"]:
            assert line_at({"file": node["file"], "line": line}).strip().startswith("- sql:")
    by_name = {n["name"]: n for n in data["nodes"]}
    assert by_name["revenue_by_tier"]["tags"] == ["reporting"] and by_name["events"]["transformer"] == "deduplicate"
    assert len(by_name["event_counts"]["sql_steps"]) == 1 and len(by_name["current_customers"]["sql_steps"]) == 1
    assert by_name["orders"]["sql_steps"] == []  # a sql_file step is not inline SQL
    assert by_name["orders"]["pipeline"] == "silver" and by_name["customers_history"]["transformer"] == "scd2"


def test_transformers_are_the_builtins_plus_the_projects_own_functions(shop):
    transformers = {t["name"]: t for t in listing(cwd=shop)["transformers"]}
    assert set(transformers) == builtin_names() | {"add_loyalty_points"}
    own = transformers.pop("add_loyalty_points")
    assert (own["builtin"], own["params"], own["file"]) == (False, ["gold_multiplier"], str(shop / "transforms.py"))
    source = Path(own["file"]).read_text().splitlines()
    assert source[own["line"] - 1] == "@transform" and source[own["line"]].startswith("def add_loyalty_points(")
    assert own["description"].startswith("One point per whole unit")
    for t in transformers.values():
        assert t["builtin"] and t["file"] is None and t["line"] is None and t["description"]
        assert "\n" not in t["description"]
    assert {"target", "keys", "strategy", "update_condition"} <= set(transformers["merge"]["params"])
    assert transformers["scd2"]["params"][:3] == ["target", "connection", "path"]
    assert transformers["deduplicate"]["params"] == ["keys", "order_by"]


def test_with_an_env_the_overlay_is_applied_and_located(shop):
    data = listing("odibi.yaml", "--env", "prod", cwd=shop)
    assert data["env"] == "prod"
    for conn in data["connections"]:  # env.prod.yaml replaces all three
        assert conn["file"] == str(shop / "env.prod.yaml") and line_at(conn).strip().startswith(conn["name"] + ":")
    orders = next(n for n in data["nodes"] if n["name"] == "orders")
    assert orders["file"] == str(shop / "odibi.yaml")  # its gate is overridden; the node is still defined here


def test_transformers_alone_need_no_project(tmp_path, shop):
    for args, cwd in ((["transformers"], tmp_path), ([], tmp_path), (["transformers"], shop)):
        data = listing(*args, cwd=cwd)
        assert list(data) == TOP_KEYS
        assert data["project"] is None and data["config_file"] is None and data["nodes"] == []
        assert {t["name"] for t in data["transformers"]} == builtin_names(), (args, cwd)


def test_a_node_from_an_imported_file_points_at_that_file(tmp_path):
    (tmp_path / "pipes").mkdir()
    (tmp_path / "pipes" / "silver.yaml").write_text(
        "pipelines:\n  - pipeline: silver\n    nodes:\n      - name: clean\n"
        "        read: {connection: lake, format: csv, path: a.csv}\n"
        "        transform:\n          steps:\n            - sql: SELECT 1 AS x FROM df\n")
    (tmp_path / "odibi.yaml").write_text(
        "project: imp\nimports: [pipes/silver.yaml]\nconnections:\n  lake: {type: local, base_path: .}\n"
        "story: {connection: lake}\nsystem: {connection: lake}\n")
    [node] = listing(cwd=tmp_path)["nodes"]
    assert node["file"] == str(tmp_path / "pipes" / "silver.yaml") and node["line"] == 4
    assert node["sql_steps"] == [8]


def test_errors_exit_2_with_the_place(tmp_path):
    res = odibi("list", "nope.yaml", "--json", cwd=tmp_path)
    assert res.returncode == 2 and "project file not found: nope.yaml" in res.stderr and res.stdout == ""
    (tmp_path / "odibi.yaml").write_text("project: x\nconnections: {}\nstory: {connection: l}\n"
                                         "system: {connection: l}\npipelines:\n  - pipeline: p\n"
                                         "    nodes:\n      - name: n\n        raed: {connection: l}\n")
    res = odibi("list", "--json", cwd=tmp_path)
    assert res.returncode == 2 and "odibi.yaml:9:" in res.stderr and "did you mean 'read'" in res.stderr


def test_text_output_is_tables_with_places(shop, tmp_path):
    res = odibi("list", cwd=shop)
    assert res.returncode == 0, res.stderr
    out = res.stdout
    for title in ("Connections", "Pipelines", "Nodes", "Transformers"):
        assert title in out
    assert "odibi.yaml:34" in out and "customer_snapshots" in out and "add_loyalty_points" in out
    assert "built-in ones: odibi list transformers" in out and "window_calculation" not in out
    res = odibi("list", "transformers", cwd=tmp_path)
    assert res.returncode == 0 and "window_calculation" in res.stdout and "Nodes" not in res.stdout


def test_only_this_projects_functions_are_listed_in_a_shared_process(tmp_path, shop):
    """The Studio and tests load several projects in one process; the registry is global."""
    from odibi_core.cli.list_cmd import build_listing
    from odibi_core.templates import create_project

    other = create_project(tmp_path / "tickets", "pandas-only")
    assert "hours_between" in {t["name"] for t in build_listing(str(other / "odibi.yaml"))["transformers"]}
    names = {t["name"] for t in build_listing(str(shop / "odibi.yaml"))["transformers"]}
    assert "hours_between" not in names and "add_loyalty_points" in names
    assert "add_loyalty_points" not in {t["name"] for t in build_listing("transformers")["transformers"]}
