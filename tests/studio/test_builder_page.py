"""The Builder page through AppTest: build a pipeline with widgets, save, validate, reload."""

from __future__ import annotations

import json

import yaml

from odibi_core.cli.main import main as odibi
from tests.studio.conftest import assert_clean

NEW = "➕ New pipeline…"


def clean(at) -> None:
    assert_clean(at)
    assert not [e.value for e in at.error if "Not saved" in e.value or "not a valid" in e.value]


def build_three_nodes(at, pipeline: str = "extra") -> None:
    """read csv -> SQL transform -> write parquet, through widgets only."""
    at.selectbox(key="bld_pipeline").select(NEW).run()
    at.text_input(key="bld_new_pipe").input(pipeline)
    at.selectbox(key="bld_new_layer").select("silver")
    at.button(key="bld_create_pipe").click().run()
    clean(at)
    assert at.selectbox(key="bld_pipeline").value == pipeline

    at.text_input(key="bld_new_node").input("src")
    at.button(key="bld_add_node").click().run()
    at.checkbox(key="bn.0.read.on").check().run()
    at.selectbox(key="bn.0.read.connection").select("landing")
    at.selectbox(key="bn.0.read.format").select("csv")
    at.text_input(key="bn.0.read.path").input("customers.csv")
    at.run()
    clean(at)

    at.text_input(key="bld_new_node").input("shaped")
    at.button(key="bld_add_node").click().run()
    assert at.multiselect(key="bn.1.depends_on").value == ["src"]  # a new node follows the last one
    at.selectbox(key="bn.1.new_step").select("sql")
    at.button(key="bn.1.add_step").click().run()
    at.text_area(key="bn.1.s0.sql").input("SELECT customer_id, upper(name) AS name FROM df").run()
    clean(at)

    at.text_input(key="bld_new_node").input("publish")
    at.button(key="bld_add_node").click().run()
    at.checkbox(key="bn.2.write.on").check().run()
    at.selectbox(key="bn.2.write.connection").select("lake")
    at.selectbox(key="bn.2.write.format").select("parquet")
    at.text_input(key="bn.2.write.path").input("silver/customer_names.parquet")
    at.selectbox(key="bn.2.write.mode").select("append")
    at.run()
    clean(at)


EXPECTED = [
    {"name": "src", "read": {"connection": "landing", "format": "csv", "path": "customers.csv"}},
    {"name": "shaped", "depends_on": ["src"],
     "transform": {"steps": [{"sql": "SELECT customer_id, upper(name) AS name FROM df"}]}},
    {"name": "publish", "depends_on": ["shaped"],
     "write": {"connection": "lake", "format": "parquet", "path": "silver/customer_names.parquet",
               "mode": "append"}},
]


def saved_and_reloaded(studio, project, original: str | None) -> None:
    config = project / "odibi.yaml"
    text = config.read_text()
    data = yaml.safe_load(text)
    pipe = next(p for p in data["pipelines"] if p["pipeline"] == "extra")
    assert pipe == {"pipeline": "extra", "layer": "silver", "nodes": EXPECTED}
    if original is not None:  # the other pipelines, comments and layout are untouched
        assert text.startswith(original)
    assert odibi(["validate", str(config), "--env", "dev"]) == 0

    fresh = studio(project, "builder.py")
    fresh.selectbox(key="bld_pipeline").select("extra").run()
    assert_clean(fresh)
    assert fresh.text_input(key="bn.0.name").value == "src"
    assert fresh.selectbox(key="bn.0.read.connection").value == "landing"
    assert fresh.text_input(key="bn.0.read.path").value == "customers.csv"
    fresh.selectbox(key="bld_node").select(1).run()
    assert fresh.text_input(key="bn.1.name").value == "shaped"
    assert fresh.multiselect(key="bn.1.depends_on").value == ["src"]
    assert fresh.text_area(key="bn.1.s0.sql").value == EXPECTED[1]["transform"]["steps"][0]["sql"]
    fresh.selectbox(key="bld_node").select(2).run()
    assert fresh.text_input(key="bn.2.name").value == "publish"
    assert fresh.selectbox(key="bn.2.write.format").value == "parquet"
    assert fresh.selectbox(key="bn.2.write.mode").value == "append"
    assert fresh.session_state["bld_text"] == text  # rendering the forms changed nothing


def save(at) -> None:
    assert any("Valid" in s.value for s in at.success), [e.value for e in at.expander]
    at.button(key="bld_save").click().run()
    assert_clean(at)
    assert any("Saved odibi.yaml" in s.value for s in at.success)


def test_round_trip_on_the_sample_project(studio, sample_project):
    original = (sample_project / "odibi.yaml").read_text()
    at = studio(sample_project, "builder.py")
    build_three_nodes(at)
    assert (sample_project / "odibi.yaml").read_text() == original  # nothing written before Save
    save(at)
    saved_and_reloaded(studio, sample_project, original)


def test_round_trip_on_an_empty_folder_via_a_template(studio, empty_project):
    at = studio(empty_project, "builder.py")
    assert any("no odibi.yaml" in i.value for i in at.info)
    at.selectbox(key="bld_template").select("local-medallion")
    at.button(key="bld_new_project").click().run()
    assert_clean(at)
    assert (empty_project / "odibi.yaml").is_file()
    assert any("Created odibi.yaml" in s.value for s in at.success)
    build_three_nodes(at)
    save(at)
    saved_and_reloaded(studio, empty_project, None)


def graph(at) -> dict:
    args = json.loads(at.get("component_instance")[0].proto.json_args)
    data = json.loads(args["data"])
    return {"nodes": sorted(n["id"] for n in data["nodes"]),
            "edges": sorted((e["from"], e["to"]) for e in data["edges"]),
            "physics": json.loads(args["config"])["physics"]["enabled"]}


def test_graph_follows_dependencies_live(studio, sample_project):
    at = studio(sample_project, "builder.py")
    assert graph(at) == {"nodes": ["raw_customers", "raw_orders", "raw_products"], "edges": [], "physics": False}
    at.selectbox(key="bld_node").select(2).run()
    at.multiselect(key="bn.2.depends_on").select("raw_customers").select("raw_orders").run()
    assert_clean(at)
    assert graph(at)["edges"] == [("raw_customers", "raw_products"), ("raw_orders", "raw_products")]
    assert "depends_on: [raw_customers, raw_orders]" in at.text_area(key="bld_yaml").value


def test_yaml_panel_and_forms_stay_in_sync(studio, sample_project):
    at = studio(sample_project, "builder.py")
    at.selectbox(key="bld_node").select(2).run()
    text = at.text_area(key="bld_yaml").value
    at.text_area(key="bld_yaml").input(text.replace("      - name: raw_products\n",
                                                    "      - name: raw_products\n        description: from YAML\n"))
    at.run()
    assert_clean(at)
    assert at.text_input(key="bn.2.description").value == "from YAML"
    at.text_input(key="bn.2.description").input("from the form").run()
    assert "description: from the form" in at.text_area(key="bld_yaml").value
    assert "# A medallion project" in at.text_area(key="bld_yaml").value  # comments kept


def test_drawing_a_node_never_rewrites_it(studio, sample_project):
    """Values the widgets cannot show as written (a string where a list belongs) stay as written."""
    config = sample_project / "odibi.yaml"
    config.write_text(config.read_text().replace(
        "      - name: raw_products\n", "      - name: raw_products\n        depends_on: raw_orders\n"))
    at = studio(sample_project, "builder.py")
    at.selectbox(key="bld_node").select(2).run()
    assert_clean(at)
    assert at.session_state["bld_text"] == config.read_text()
    at.text_input(key="bn.2.description").input("touched").run()
    assert at.session_state["bld_text"] == config.read_text().replace(  # in the canonical key order
        "        depends_on: raw_orders\n", "        description: touched\n        depends_on: raw_orders\n")


def test_problems_show_at_the_field_and_save_is_refused(studio, sample_project):
    config = sample_project / "odibi.yaml"
    before = config.read_bytes()
    at = studio(sample_project, "builder.py")
    at.selectbox(key="bld_node").select(2).run()
    at.selectbox(key="bn.2.read.connection").select("lake").run()  # another real connection: still valid
    assert any("Valid" in s.value for s in at.success)
    text = at.text_area(key="bld_yaml").value
    assert "read: {connection: lake, format: csv, path: products.csv}" in text
    at.text_area(key="bld_yaml").input(text.replace("{connection: lake, format: csv, path: products.csv}",
                                                    "{connection: landng, format: csv, path: products.csv}")).run()
    assert_clean(at)
    assert [m.value for m in at.markdown if "unknown connection 'landng'" in m.value], "shown at the read block"
    assert at.selectbox(key="bn.2.read.connection").value == "landng"  # the form follows the YAML
    assert "1 problem" in at.expander[0].label
    assert "1 problem" in at.selectbox(key="bld_node").format_func(2)
    at.button(key="bld_save").click().run()
    assert any("Not saved" in e.value and "landng" in e.value for e in at.error)
    assert config.read_bytes() == before


def test_unreadable_yaml_hides_the_forms_but_not_the_panel(studio, sample_project):
    at = studio(sample_project, "builder.py")
    at.text_area(key="bld_yaml").input("project: x\n  bad: [\n").run()
    assert_clean(at)
    assert any("cannot be read" in e.value for e in at.error)
    assert at.text_area(key="bld_yaml").value == "project: x\n  bad: [\n"
    at.button(key="bld_revert").click().run()
    assert at.text_input(key="bn.0.name").value == "raw_customers"


def test_transformer_params_form_and_node_moves(studio, sample_project):
    at = studio(sample_project, "builder.py")
    at.selectbox(key="bn.0.transformer").select("deduplicate").run()
    at.text_input(key="bn.0.tp.deduplicate.keys").input("customer_id").run()
    assert_clean(at)
    assert yaml.safe_load(at.session_state["bld_text"])["pipelines"][0]["nodes"][0]["params"] == {
        "keys": ["customer_id"]}
    at.button(key="bld_down").click().run()
    names = [n["name"] for n in yaml.safe_load(at.session_state["bld_text"])["pipelines"][0]["nodes"]]
    assert names == ["raw_orders", "raw_customers", "raw_products"]
    assert at.selectbox(key="bld_node").value == 1  # the picked node moved with it
    assert at.text_input(key="bn.1.name").value == "raw_customers"  # widgets were redrawn from the text
    at.selectbox(key="bld_node").select(2).run()
    at.button(key="bld_remove").click().run()
    names = [n["name"] for n in yaml.safe_load(at.session_state["bld_text"])["pipelines"][0]["nodes"]]
    assert names == ["raw_orders", "raw_customers"]
    assert at.selectbox(key="bld_node").options == ["1. raw_orders", "2. raw_customers"]


def test_preview_shows_rows_and_writes_nothing(studio, sample_project):
    catalog = sample_project / "lake" / "_odibi_system" / "catalog.db"
    before = catalog.read_bytes()
    at = studio(sample_project, "builder.py")
    at.selectbox(key="bld_pipeline").select("silver").run()
    at.selectbox(key="bld_node").select(1).run()
    at.button(key="bld_preview").click().run()
    assert_clean(at)
    [frame] = [d.value for d in at.dataframe]
    assert 0 < len(frame) <= 50 and "band" in frame.columns
    assert any("nothing was written" in m.value for m in at.markdown)
    assert catalog.read_bytes() == before
