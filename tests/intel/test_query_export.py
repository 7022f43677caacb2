"""Export as pipeline: the YAML loads with odibi's own loader, validates, runs, and gives the answer's rows."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyarrow.dataset as ds
import pytest
import yaml
from deltalake import DeltaTable

from odibi_core.cli.main import main
from odibi_core.config.loader import load_project
from odibi_core.errors import OdibiError
from odibi_core.intel.query.execute import json_value, run_select
from odibi_core.intel.query.export import (
    export_node,
    import_hint,
    node_name_for,
    write_export,
)
from odibi_core.intel.sql_guard import UnsafeSQL
from odibi_core.runner.runner import RunOptions
from odibi_core.session import Session
from tests.intel.test_query_scope import _mixed_project, make_shop, scope_of

REVENUE_SQL = """SELECT c.country, COUNT(*) AS orders, ROUND(SUM(o.total), 2) AS revenue
FROM orders o JOIN customers c ON o.customer_id = c.customer_id
WHERE o.status <> 'cancelled'
GROUP BY c.country
ORDER BY revenue DESC"""


@pytest.fixture(scope="module")
def shop(tmp_path_factory) -> Path:
    return make_shop(tmp_path_factory.mktemp("export"))


def _copy(config: Path, dest: Path) -> Path:
    shutil.copytree(config.parent, dest)
    return dest / config.name


def _add_import(config: Path, rel: str) -> None:
    config.write_text(config.read_text(encoding="utf-8") + f"\nimports: [{rel}]\n", encoding="utf-8")


def _rows(table) -> list[list]:
    return [[json_value(v) for v in row.values()] for row in table.to_pylist()]


def test_node_names_come_from_the_question():
    assert node_name_for("Average delivery time by neighborhood, last 30 days!") == \
        "ask_average_delivery_time_by_neighborhood_last_30"
    assert node_name_for("Top 5 customers") == "ask_top_5_customers"
    assert node_name_for("¿?") == "ask_query"


def test_the_export_is_a_gold_pipeline_reading_each_table_from_its_write_target(shop):
    scope = scope_of(shop)
    text = export_node("Revenue by country, without cancelled orders", REVENUE_SQL, scope)
    assert text.startswith("# Exported from `odibi query`: Revenue by country, without cancelled orders\n")
    assert "sql: |" in text  # the SQL stays readable, as a block
    name = "ask_revenue_by_country_without_cancelled_orders"
    assert yaml.safe_load(text) == {"pipelines": [{
        "pipeline": name, "layer": "gold",
        "description": "Exported from odibi query: Revenue by country, without cancelled orders",
        "nodes": [{
            "name": name, "description": "Revenue by country, without cancelled orders",
            "inputs": {"orders": {"connection": "lake", "format": "delta", "path": "silver/orders"},
                       "customers": {"connection": "lake", "format": "delta", "path": "silver/customers"}},
            "transform": {"steps": [{"sql": REVENUE_SQL + "\n"}]},
            "write": {"connection": "lake", "format": "delta", "path": f"gold/{name}", "mode": "overwrite"},
        }]}]}


def test_the_exported_pipeline_validates_runs_and_gives_the_same_rows(shop, tmp_path, capsys):
    config = _copy(shop, tmp_path / "copy")
    scope = scope_of(config)
    answer = run_select(REVENUE_SQL, scope)
    assert answer.rows == [["US", 3, 313.8], ["GB", 4, 267.5]]
    question = "Revenue by country, without cancelled orders"
    name = node_name_for(question)
    written = write_export(config, export_node(question, REVENUE_SQL, scope), f"pipelines/{name}.yaml")
    assert written == config.parent / "pipelines" / f"{name}.yaml"
    assert import_hint(config, written) == f"imports: [pipelines/{name}.yaml]"
    _add_import(config, f"pipelines/{name}.yaml")

    assert main(["validate", str(config)]) == 0, capsys.readouterr()
    assert "4 pipeline(s), 8 node(s)" in capsys.readouterr().out
    assert main(["run", str(config), "--env", "dev", "--pipeline", name, "--quiet"]) == 0, capsys.readouterr()
    out = DeltaTable(str(config.parent / "lake/gold" / name)).to_pyarrow_table()
    assert out.column_names == answer.columns
    assert _rows(out) == answer.rows


def test_csv_sources_keep_their_read_options_and_the_gold_output_their_format(tmp_path, capsys):
    config = _mixed_project(tmp_path)
    session = Session(config)
    try:
        session.run(RunOptions(pipelines=["files"]))
    finally:
        session.close()
    scope = scope_of(config, env=None)
    sql = "SELECT size, COUNT(*) AS n, MAX(id) AS last_id FROM as_csv GROUP BY size ORDER BY size"
    answer = run_select(sql, scope)
    assert answer.rows == [["big", 80, 119], ["small", 40, 117]]
    text = export_node("things by size", sql, scope)
    node = yaml.safe_load(text)["pipelines"][0]["nodes"][0]
    assert node["inputs"] == {"as_csv": {"connection": "lake", "format": "csv", "path": "out/things.csv",
                                         "options": {"delimiter": ";"}}}
    assert node["write"] == {"connection": "lake", "format": "csv", "path": "gold/ask_things_by_size",
                             "mode": "overwrite"}
    write_export(config, text, "pipelines/ask_things_by_size.yaml")
    _add_import(config, "pipelines/ask_things_by_size.yaml")
    assert main(["run", str(config), "--pipeline", "ask_things_by_size", "--quiet"]) == 0, capsys.readouterr()
    out = ds.dataset(str(config.parent / "lake/gold/ask_things_by_size"), format="csv").to_table()
    assert _rows(out.sort_by("size")) == answer.rows


def test_dollar_braces_in_the_sql_stay_literal(shop, tmp_path):
    config = _copy(shop, tmp_path / "copy")
    scope = scope_of(config)
    sql = "SELECT '${HOME} and $${x}' AS literal, COUNT(*) AS n FROM orders"
    write_export(config, export_node("literal dollars", sql, scope), "pipelines/lit.yaml")
    _add_import(config, "pipelines/lit.yaml")
    loaded = load_project(config, env="dev")
    node = next(n for p in loaded.config.pipelines for n in p.nodes if n.name == "ask_literal_dollars")
    assert node.transform.steps[0].sql.strip() == sql


def test_write_export_never_overwrites_and_leaves_no_temporary_files(shop, tmp_path):
    config = _copy(shop, tmp_path / "copy")
    first = write_export(config, "pipelines: []\n", "pipelines/a.yaml")
    with pytest.raises(OdibiError, match="exists already"):
        write_export(config, "pipelines: [{pipeline: x}]\n", "pipelines/a.yaml")
    assert first.read_text(encoding="utf-8") == "pipelines: []\n"
    with pytest.raises(OdibiError, match=r"must end in \.yaml"):
        write_export(config, "pipelines: []\n", "pipelines/a.txt")
    with pytest.raises(OdibiError, match="not valid YAML"):
        write_export(config, "pipelines: [\n", "pipelines/b.yaml")
    assert sorted(p.name for p in first.parent.iterdir()) == ["a.yaml"]
    absolute = write_export(config, "pipelines: []\n", tmp_path / "elsewhere" / "c.yml")
    assert absolute == tmp_path / "elsewhere" / "c.yml" and absolute.is_file()


def test_only_a_safe_query_over_tables_in_scope_is_exported(shop):
    scope = scope_of(shop)
    with pytest.raises(UnsafeSQL):
        export_node("drop it", "DROP TABLE orders", scope)
    with pytest.raises(UnsafeSQL, match="unknown table"):
        export_node("nope", "SELECT * FROM nope", scope)
    with pytest.raises(OdibiError, match="reads no table"):
        export_node("one", "SELECT 1 AS one", scope)
    with pytest.raises(OdibiError, match="not a valid node name"):
        export_node("q", "SELECT * FROM orders", scope, name="1-bad")
