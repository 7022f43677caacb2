"""Auto-heal in real runs: suggest, apply in dev, refusal in production, story and heal log."""

from __future__ import annotations

import json

import pyarrow.parquet as pq
import pytest

from odibi_core.catalog import RunCatalog
from odibi_core.catalog.heals import HealLog
from odibi_core.runner.runner import RunOptions
from odibi_core.session import Session
from tests.intel.heal_project import BY_CITY, make_project


def _run(config, env=None, **opts):
    session = Session(config, env=env)
    try:
        results = session.run(RunOptions(**opts))
        return {n.name: n for r in results for n in r.nodes}, results
    finally:
        session.close()


def _log(root):
    return HealLog(RunCatalog(root / "lake" / "_system"))


def test_suggest_mode_proposes_a_validated_fix_and_changes_nothing(tmp_path):
    config = make_project(tmp_path / "p")
    before_yaml = config.read_text()
    nodes, results = _run(config)
    clean = nodes["clean"]
    assert clean.status == "failed"
    [attempt] = clean.heal
    assert attempt["status"] == "proposed"
    assert attempt["location"] == "transform.steps[0].sql"
    assert "amount" in attempt["after"] and "amout" not in attempt["after"]
    assert "-" in attempt["diff"] and "+" in attempt["diff"]
    assert "zero-row dry run" in attempt["validation"]
    assert attempt["heal_id"] in clean.suggestion
    assert nodes["by_city"].status == "skipped"
    # the filter param slip is healed too, on its own key
    [big] = nodes["big"].heal
    assert big["location"] == "params.condition" and big["after"].replace(" ", "") == "amount>8"
    assert config.read_text() == before_yaml  # nothing is written into the YAML
    assert not (tmp_path / "p" / "lake" / "clean.parquet").exists()
    # the story and the heal log both hold the attempt
    story = json.loads(open(results[0].story_json).read())
    story_clean = next(n for n in story["nodes"] if n["name"] == "clean")
    assert story_clean["heal"][0]["after"] == attempt["after"]
    html = open(results[0].story_html).read()
    assert "Auto-heal" in html and "fix proposed" in html
    logged = _log(tmp_path / "p").get(attempt["heal_id"])
    assert logged["status"] == "proposed" and logged["before_sql"].startswith("SELECT order_id, city, amout")
    assert logged["run_id"] == results[0].run_id


def test_apply_in_dev_reruns_with_the_fix_and_the_downstream_node_heals_too(tmp_path):
    config = make_project(tmp_path / "p")
    nodes, _ = _run(config, env="dev")
    assert nodes["clean"].status == "success", nodes["clean"].error
    assert nodes["by_city"].status == "success", nodes["by_city"].error
    assert nodes["big"].status == "success", nodes["big"].error
    assert [a["status"] for a in nodes["by_city"].heal] == ["applied"]
    assert nodes["by_city"].heal[0]["file"] == "sql/by_city.sql"
    table = pq.read_table(tmp_path / "p" / "lake" / "by_city.parquet").to_pylist()
    assert table == [{"city": "Lagos", "revenue": 17.75}]
    assert sorted(r["order_id"] for r in pq.read_table(tmp_path / "p" / "lake" / "big.parquet").to_pylist()) == [1, 2]
    # applied means "used for this run": the sources stay as the user wrote them until accepted
    assert (tmp_path / "p" / "sql" / "by_city.sql").read_text() == BY_CITY
    assert "amout" in config.read_text()
    assert any("applied heal" in w for w in nodes["clean"].warnings)


@pytest.mark.parametrize("env", ["prod", "stage"])
def test_apply_is_refused_in_production_whatever_the_config_says(tmp_path, env):
    config = make_project(tmp_path / "p")
    nodes, _ = _run(config, env=env)
    clean = nodes["clean"]
    assert clean.status == "failed"
    assert [a["status"] for a in clean.heal] == ["refused"]
    assert any("refused in production" in w for w in clean.warnings)
    assert not (tmp_path / "p" / "lake" / "clean.parquet").exists()


def test_failures_that_are_not_sql_are_not_healed(tmp_path):
    config = make_project(tmp_path / "p")
    (tmp_path / "p" / "data" / "orders.csv").unlink()
    nodes, _ = _run(config, env="dev")
    assert nodes["clean"].status == "failed"
    assert nodes["clean"].heal == []
    assert _log(tmp_path / "p").list() == []


def test_max_attempts_bounds_the_heal_rounds(tmp_path):
    config = make_project(tmp_path / "p")
    text = config.read_text().replace("dev: {auto_heal: {mode: apply}}",
                                      "dev: {auto_heal: {mode: apply, max_attempts: 1}}")
    # two slips in one SQL step that surface one at a time need two rounds
    text = text.replace("SELECT order_id, city, amout FROM df WHERE status = 'delivered'",
                        "SELECT order_id, city, amout FROM df WHERE statsu = 'delivered'")
    config.write_text(text)
    nodes, _ = _run(config, env="dev", nodes=["clean"])
    clean = nodes["clean"]
    healed_in_one = clean.status == "success"
    # either the healer fixed both names at once (one round) or it gave up after its one round
    assert healed_in_one or any("gave up after 1" in w for w in clean.warnings)
    assert len(clean.heal) == 1


def test_auto_heal_off_records_nothing(tmp_path):
    config = make_project(tmp_path / "p")
    config.write_text(config.read_text().replace("auto_heal: {enabled: true, mode: suggest}",
                                                 "auto_heal: {enabled: false}"))
    nodes, _ = _run(config)
    assert nodes["clean"].status == "failed" and nodes["clean"].heal == []


def test_nodes_reading_upstream_outputs_through_input_aliases_heal_too(tmp_path):
    """``inputs: {raw: $bronze.raw_orders}``: the dry run must find the upstream frame by alias."""
    from odibi_core.templates import create_project

    root = tmp_path / "shop"
    create_project(root, "local-medallion")
    sql = next((root / "sql").glob("clean_orders.sql"))
    sql.write_text(sql.read_text().replace("CAST(o.quantity AS INT)", "CAST(o.quantiy AS INT)"))
    config = root / "odibi.yaml"
    config.write_text(config.read_text() + "\nauto_heal: {enabled: true, mode: suggest}\n")
    nodes, _ = _run(config, env="dev")
    [attempt] = nodes["orders"].heal
    assert attempt["status"] == "proposed", attempt["rejected"]
    assert attempt["file"] == "sql/clean_orders.sql"
    assert "CAST(o.quantity AS INT)" in attempt["after"]
