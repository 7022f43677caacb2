"""The Builder's core: validation through the real loader, safe saving, templates, palettes, sketch."""

from __future__ import annotations

import os
import stat

import pytest

from odibi_core.cli.main import main as odibi
from odibi_core.errors import OdibiError
from odibi_core.workspace import Workspace
from odibi_core.workspace.builder import (
    InvalidProject,
    new_project,
    palettes,
    parse_key_path,
    pipeline_sketch,
    save,
    validate_text,
)
from odibi_core.workspace.yaml_doc import YamlDoc, load_plain
from tests.workspace.conftest import snapshot

NODE = "      - name: raw_products\n"


def line_of(text: str, needle: str) -> int:
    return text[:text.index(needle)].count("\n") + 1


def edited(ws, old: str, new: str) -> str:
    text = ws.config_file.read_text()
    assert old in text
    return text.replace(old, new, 1)


def no_leftovers(ws) -> None:
    assert not [p.name for p in ws.root.iterdir() if p.name.startswith(".odibi")]


def test_a_valid_project_has_no_issues(ws):
    assert validate_text(ws, ws.config_file.read_text(), "dev") == []
    no_leftovers(ws)


def test_unknown_key_is_located(ws):
    text = edited(ws, NODE, NODE + "        dependson: [raw_orders]\n")
    [issue] = validate_text(ws, text)
    assert issue.path == ("pipelines", 0, "nodes", 2, "dependson")
    assert (issue.line, issue.column) == (line_of(text, "dependson"), 9)
    assert "did you mean 'depends_on'" in issue.message
    assert issue.node_ref == (0, 2) and issue.field == "dependson" and issue.file is None
    no_leftovers(ws)


def test_unknown_dependency_is_located(ws):
    text = edited(ws, NODE, NODE + "        depends_on: [raw_ordrs]\n")
    [issue] = validate_text(ws, text)
    assert issue.path == ("pipelines", 0, "nodes", 2, "depends_on", 0)
    assert issue.line == line_of(text, "depends_on: [raw_ordrs]")
    assert "unknown node 'raw_ordrs'" in issue.message and "raw_orders" in issue.hint


def test_cycle_is_located_at_the_edge_that_closes_it(ws):
    doc = YamlDoc(ws.config_file.read_text())
    doc.set_key("bronze", "raw_customers", "depends_on", ["raw_products"])
    doc.set_key("bronze", "raw_products", "depends_on", ["raw_customers"])
    text = doc.dump()
    [issue] = validate_text(ws, text)
    assert "dependency cycle" in issue.message
    assert issue.path[:5] == ("pipelines", 0, "nodes", issue.path[3], "depends_on")
    assert issue.line == line_of(text, "depends_on: [raw_products]" if issue.path[3] == 0
                                 else "depends_on: [raw_customers]")


def test_missing_connections_are_all_reported(ws):
    text = edited(ws, "read: {connection: landing, format: csv, path: products.csv}",
                  "read: {connection: landng, format: csv, path: products.csv}")
    text = text.replace("write: {connection: lake, format: delta, path: gold/daily_revenue",
                        "write: {connection: warehouse, format: delta, path: gold/daily_revenue")
    issues = validate_text(ws, text)
    assert [(i.path, i.message.split(" (")[0]) for i in issues] == [
        (("pipelines", 0, "nodes", 2, "read", "connection"), "unknown connection 'landng'"),
        (("pipelines", 2, "nodes", 0, "write", "connection"), "unknown connection 'warehouse'")]
    assert issues[0].hint == "did you mean 'landing'?"
    assert issues[0].line == line_of(text, "connection: landng")


def test_transformer_params_and_overlay_files_are_checked_too(ws):
    text = edited(ws, "params: {keys: [customer_id], order_by: updated_at DESC}",
                  "params: {keyz: [customer_id], order_by: updated_at DESC}")
    issues = validate_text(ws, text)
    assert any(i.path[:5] == ("pipelines", 1, "nodes", 0, "params") and "keyz" in i.message for i in issues)
    (ws.root / "env.dev.yaml").write_text("story: {max_sample_rowz: 10}\n")
    [issue] = validate_text(ws, ws.config_file.read_text(), "dev")
    assert issue.file == "env.dev.yaml" and issue.line == 1
    assert "max_sample_rows" in issue.message


def test_syntax_errors_name_the_project_file_not_the_candidate(ws):
    [issue] = validate_text(ws, "project: x\n  bad: [\n")
    assert issue.line == 2 and issue.file is None
    assert ".odibi-builder" not in issue.render()
    no_leftovers(ws)


def test_parse_key_path():
    assert parse_key_path("pipelines[0].nodes[12].read.path") == ("pipelines", 0, "nodes", 12, "read", "path")
    assert parse_key_path("<root>") == () and parse_key_path(None) == ()


def test_save_refuses_invalid_text_and_leaves_the_file_alone(ws):
    before = snapshot(ws.root)
    bad = edited(ws, NODE, NODE + "        dependson: [raw_orders]\n")
    with pytest.raises(InvalidProject) as info:
        save(ws, bad)
    assert info.value.issues[0].path[-1] == "dependson"
    assert "dependson" in str(info.value)
    assert snapshot(ws.root) == before


def test_save_writes_valid_text_atomically(ws):
    os.chmod(ws.config_file, 0o640)
    doc = YamlDoc(ws.config_file.read_text())
    doc.set_key("bronze", "raw_products", "description", "Products, as they come")
    text = doc.dump()
    save(ws, text, "dev", base=ws.config_file.read_text())
    assert ws.config_file.read_text() == text
    assert stat.S_IMODE(os.stat(ws.config_file).st_mode) == 0o640
    no_leftovers(ws)
    assert odibi(["validate", str(ws.config_file), "--env", "dev"]) == 0


def test_a_crash_while_saving_never_leaves_a_half_written_file(ws, monkeypatch):
    original = ws.config_file.read_bytes()
    text = ws.config_file.read_text().replace("owner: data-team", "owner: someone")

    def crash(src, dst):  # mock: the only way to stop the process between write and rename
        raise OSError("disk vanished")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError):
        save(ws, text)
    assert ws.config_file.read_bytes() == original
    assert not [p for p in ws.root.iterdir() if p.name.endswith(".tmp")]


def test_save_refuses_when_the_file_changed_on_disk(ws):
    base = ws.config_file.read_text()
    ws.config_file.write_text(base.replace("owner: data-team", "owner: editor"))
    with pytest.raises(OdibiError, match="changed on disk"):
        save(ws, base.replace("owner: data-team", "owner: builder"), base=base)
    assert "owner: editor" in ws.config_file.read_text()


def test_new_project_from_template_lands_in_the_folder_only(tmp_path):
    root = tmp_path / "my-shop"
    root.mkdir()
    (root / "notes.txt").write_text("mine")
    ws = Workspace(root)
    new_project(ws, "local-medallion")
    assert ws.exists and (root / "sql" / "clean_orders.sql").is_file()
    assert (root / "notes.txt").read_text() == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["my-shop"]  # nothing beside the folder
    assert "project: my_shop" in ws.config_file.read_text()
    assert validate_text(ws, ws.config_file.read_text()) == []
    with pytest.raises(OdibiError, match="has a project already"):
        new_project(ws, "local-medallion")


def test_new_project_refuses_to_overwrite_files(tmp_path):
    root = tmp_path / "busy"
    (root / "sql").mkdir(parents=True)
    ws = Workspace(root)
    with pytest.raises(OdibiError, match="would overwrite sql"):
        new_project(ws, "local-medallion")
    assert sorted(p.name for p in root.iterdir()) == ["sql"]
    with pytest.raises(OdibiError, match="unknown template"):
        new_project(ws, "nope")


def test_palettes(ws):
    pal = palettes(ws, ws.config_file.read_text(), "dev")
    assert pal.connections == {"landing": "local", "lake": "local"}
    names = {f.name: f for f in pal.formats}
    assert {"csv", "parquet", "delta", "json", "sql", "api"} <= set(names)
    assert not names["api"].writable and names["delta"].writable and "upsert" in names["delta"].write_modes
    assert "keys" in pal.transformers["deduplicate"].params_model.model_fields
    assert pal.transformers["merge"].writes_target and not pal.transformers["filter_rows"].writes_target
    assert "large_from" in pal.transformers["add_order_band"].params_model.model_fields  # the project's own
    assert "columns" in pal.tests["not_null"].model_fields and "overwrite" in pal.write_modes
    broken = palettes(ws, "project: x\nconnections: {a: {type: local}, b: {type: http}}\n")
    assert broken.connections == {"a": "local", "b": "http"}  # invalid text: names as written


def test_pipeline_sketch_follows_edits_even_invalid_ones(ws):
    data = load_plain(ws.config_file.read_text())
    sketch = pipeline_sketch(data, "silver")
    assert ("bronze.raw_orders", "orders") in sketch["edges"]
    assert {n["id"]: n["kind"] for n in sketch["nodes"]}["bronze.raw_orders"] == "external"
    data["pipelines"][0]["nodes"][0]["depends_on"] = ["ghost", "raw_products"]
    data["pipelines"][0]["nodes"][2]["depends_on"] = ["raw_customers"]  # a cycle: still drawn
    sketch = pipeline_sketch(data, "bronze")
    kinds = {n["id"]: n["kind"] for n in sketch["nodes"]}
    assert kinds["ghost"] == "missing" and kinds["raw_orders"] == "node"
    assert ("raw_products", "raw_customers") in sketch["edges"]
