"""The real `odibi` command in a subprocess: the user's path from template to story."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from deltalake import DeltaTable

ODIBI = [sys.executable, "-m", "odibi_core.cli.main"]


def odibi(*args, cwd=None, env=None):
    full_env = {**os.environ, **(env or {}), "COLUMNS": "200"}
    full_env.pop("ODIBI_ENV", None)
    return subprocess.run([*ODIBI, *args], cwd=cwd, env=full_env, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    root = tmp_path_factory.mktemp("cli")
    res = odibi("init-pipeline", "demo", "--template", "local-medallion", cwd=root)
    assert res.returncode == 0, res.stderr
    return root / "demo"


def test_template_validates_runs_and_reports(demo):
    res = odibi("validate", "odibi.yaml", cwd=demo)
    assert res.returncode == 0, res.stderr
    assert "OK" in res.stdout and "3 pipeline(s), 7 node(s)" in res.stdout

    res = odibi("run", "odibi.yaml", "--env", "dev", cwd=demo)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "story:" in res.stdout
    revenue = DeltaTable(str(demo / "lake/gold/revenue_by_country")).to_pandas()
    # orders 1001..1008 minus cancelled 1004; GB: 1001 (3*4.5) + 1003 (2*35) + 1006 (149) + 1008 (35)
    gb = revenue.set_index("country").loc["GB"]
    assert gb["orders"] == 4 and gb["revenue"] == pytest.approx(13.5 + 70 + 149 + 35)
    customers = DeltaTable(str(demo / "lake/silver/customers")).to_pandas()
    assert len(customers) == 5  # customer 3 de-duplicated to the latest row
    assert customers.set_index("customer_id").loc[3, "email"] == "alan.turing@example.com"

    res = odibi("runs", "odibi.yaml", "--json", cwd=demo)
    runs = json.loads(res.stdout)
    assert {r["pipeline"] for r in runs} == {"bronze", "silver", "gold"}
    assert all(r["status"] == "success" for r in runs)

    res = odibi("story", "last", "odibi.yaml", cwd=demo)
    assert res.returncode == 0
    html = Path(res.stdout.strip())
    assert html.is_file() and html.suffix == ".html"
    assert "<html" in html.read_text(encoding="utf-8").lower()


def test_second_run_adds_nothing_to_append_once_bronze(demo):
    before = DeltaTable(str(demo / "lake/bronze/orders")).to_pandas()
    res = odibi("run", "odibi.yaml", "--env", "dev", "--pipeline", "bronze", cwd=demo)
    assert res.returncode == 0, res.stderr
    after = DeltaTable(str(demo / "lake/bronze/orders")).to_pandas()
    assert len(after) == len(before) == 8


def test_dry_run_prints_plan(demo):
    res = odibi("run", "odibi.yaml", "--dry-run", "--tag", "reporting", cwd=demo)
    assert res.returncode == 0, res.stderr
    assert "daily_revenue" in res.stdout and "revenue_by_country" in res.stdout and "raw_orders" not in res.stdout


def test_bad_config_exits_2_with_location_and_no_traceback(tmp_path):
    bad = tmp_path / "odibi.yaml"
    bad.write_text("project: x\nconnections:\n  a: {type: local, base_pth: .}\n", encoding="utf-8")
    res = odibi("validate", str(bad))
    assert res.returncode == 2
    assert f"{bad}:3:" in res.stderr and "base_pth" in res.stderr and "did you mean 'base_path'" in res.stderr
    assert "Traceback" not in res.stderr + res.stdout
    res = odibi("validate", str(bad), "--debug")
    assert "Traceback" in res.stderr


def test_missing_file_and_unknown_env(tmp_path, demo):
    res = odibi("validate", str(tmp_path / "nope.yaml"))
    assert res.returncode == 2 and "not found" in res.stderr and "Traceback" not in res.stderr
    res = odibi("run", "odibi.yaml", "--env", "prdo", cwd=demo)
    assert res.returncode == 2 and "did you mean 'prod'" in res.stderr


def test_failed_node_exits_1(tmp_path):
    (tmp_path / "d.csv").write_text("a\n1\n", encoding="utf-8")
    cfg = tmp_path / "odibi.yaml"
    cfg.write_text(
        "project: f\nconnections: {l: {type: local, base_path: .}}\n"
        "story: {connection: l}\nsystem: {connection: l}\n"
        "pipelines:\n  - pipeline: p\n    nodes:\n      - name: n\n        read: {connection: l, path: d.csv}\n"
        "        transform: {steps: [{sql: 'SELECT b FROM df'}]}\n", encoding="utf-8")
    res = odibi("run", str(cfg))
    assert res.returncode == 1
    assert "failed" in res.stdout and "Traceback" not in res.stdout + res.stderr


def test_schema_is_json_schema():
    res = odibi("schema")
    schema = json.loads(res.stdout)
    assert schema["$schema"].startswith("https://json-schema.org/")
    assert {"project", "connections", "pipelines", "story", "system"} <= set(schema["properties"])


def test_init_refuses_unknown_template_and_non_empty_folder(tmp_path):
    res = odibi("init-pipeline", "x", "--template", "local-medalion", cwd=tmp_path)
    assert res.returncode == 2 and "did you mean 'local-medallion'" in res.stderr
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("mine")
    res = odibi("init-pipeline", "full", cwd=tmp_path)
    assert res.returncode == 2 and "not empty" in res.stderr
    assert (tmp_path / "full" / "keep.txt").read_text() == "mine"


def test_help_everywhere():
    for args in (["--help"], ["run", "--help"], ["validate", "--help"], ["runs", "--help"], ["story", "--help"],
                 ["init-pipeline", "--help"], ["schema", "--help"]):
        res = odibi(*args)
        assert res.returncode == 0 and "Usage" in res.stdout, args
