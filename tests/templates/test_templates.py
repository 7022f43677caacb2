"""The template set: each template is listed, ships odibi.yaml + env.dev.yaml + env.prod.yaml with
schema modelines, is created by the real `odibi init-pipeline`, validates in every environment
with the real `odibi validate`, and runs locally with the results worked out by hand.

The pandas templates run through the real `odibi run` command. The Spark ones (spark-only,
azure-delta's local overlay, mixed-engine's prod) run in-process through ``Session`` so they share
the test run's one Spark session (a JVM start per template would cost tens of seconds each).
azure-delta's prod environment needs ADLS and Key Vault, which cannot be reached here: it is
validated with stand-in AZURE_* variables and never run.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from deltalake import DeltaTable

REPO = Path(__file__).resolve().parents[2]
TEMPLATES = ["azure-delta", "local-medallion", "mixed-engine", "pandas-only", "reference-lite", "spark-only"]
AZURE_ENV = {"AZURE_STORAGE_ACCOUNT": "odibitplacct", "AZURE_KEY_VAULT_NAME": "odibi-tpl-vault"}


def odibi(*args, cwd=None, env=None):
    """The real command; ODIBI_ENV and AZURE_* from the caller's shell are left out, ``env`` added."""
    full_env = {k: v for k, v in os.environ.items() if k != "ODIBI_ENV" and not k.startswith("AZURE_")}
    full_env.update(env or {}, COLUMNS="200")
    return subprocess.run([sys.executable, "-m", "odibi_core.cli.main", *args], cwd=cwd, env=full_env,
                          capture_output=True, text=True, timeout=600)


def table(root: Path, rel: str, *sort):
    df = DeltaTable(str(root / rel)).to_pandas()
    return df.sort_values(list(sort)).reset_index(drop=True) if sort else df


@pytest.fixture(scope="module")
def created(tmp_path_factory) -> dict[str, Path]:
    """Every template created once through the real `odibi init-pipeline` (never modified by tests)."""
    root = tmp_path_factory.mktemp("templates")
    out = {}
    for name in TEMPLATES:
        res = odibi("init-pipeline", f"my-{name}", "--template", name, cwd=root)
        assert res.returncode == 0, res.stderr
        out[name] = root / f"my-{name}"
    return out


@pytest.fixture
def fresh(tmp_path):
    """A new project from a template, for a test that runs it."""
    from odibi_core.templates import create_project

    return lambda name: create_project(tmp_path / name.replace("-", "_"), name)


# --- the set ---------------------------------------------------------------------------------
def test_templates_list_shows_every_template_of_the_issue():
    res = odibi("templates", "list")
    assert res.returncode == 0, res.stderr
    listed = {line.split()[0] for line in res.stdout.splitlines() if line.strip()}
    assert listed == set(TEMPLATES)
    folders = {p.parent.name for p in (REPO / "templates").glob("*/template.yaml")}
    assert folders == set(TEMPLATES)


@pytest.mark.parametrize("name", TEMPLATES)
def test_template_ships_a_project_with_both_overlays_and_modelines(name):
    import yaml

    folder = REPO / "templates" / name
    meta = yaml.safe_load((folder / "template.yaml").read_text())
    assert meta["name"] == name and len(meta["description"]) > 20
    for f in ("odibi.yaml", "env.dev.yaml", "env.prod.yaml", "README.md"):
        assert (folder / f).is_file(), f"{name} lacks {f}"
    yamls = [p for p in folder.rglob("*.y*ml") if p.name != "template.yaml"]
    assert {p.name for p in yamls} == {"odibi.yaml", "env.dev.yaml", "env.prod.yaml"}
    for path in yamls:
        schema = "odibi.overlay.schema.json" if path.name.startswith("env.") else "odibi.schema.json"
        first = path.read_text().splitlines()[0]
        assert first == f"# yaml-language-server: $schema=../../{schema}", path
        target = (path.parent / first.split("=", 1)[1]).resolve()  # relative to the file, as the editor reads it
        assert target == REPO / schema and target.is_file()


@pytest.mark.parametrize("name", TEMPLATES)
def test_init_pipeline_copies_the_schemas_and_points_the_modelines_at_them(created, name):
    from odibi_core.config.json_schema import overlay_json_schema, project_json_schema

    root = created[name]
    assert json.loads((root / "odibi.schema.json").read_text()) == project_json_schema()
    assert json.loads((root / "odibi.overlay.schema.json").read_text()) == overlay_json_schema()
    for f, schema in (("odibi.yaml", "odibi.schema.json"), ("env.dev.yaml", "odibi.overlay.schema.json"),
                      ("env.prod.yaml", "odibi.overlay.schema.json")):
        first = (root / f).read_text().splitlines()[0]
        assert first == f"# yaml-language-server: $schema=./{schema}"
    for path in root.rglob("*"):
        if path.is_file() and path.suffix in (".yaml", ".md", ".sql", ".py"):
            assert "{{project_name}}" not in path.read_text(), path
    assert f"project: my_{name.replace('-', '_')}\n" in (root / "odibi.yaml").read_text()


@pytest.mark.parametrize("name", TEMPLATES)
@pytest.mark.parametrize("env", [None, "dev", "prod"])
def test_odibi_validate_passes_in_every_environment(created, name, env):
    res = odibi("validate", "odibi.yaml", *(["--env", env] if env else []), cwd=created[name],
                env=AZURE_ENV if name == "azure-delta" else None)
    assert res.returncode == 0, res.stdout + res.stderr
    assert res.stdout.startswith("OK odibi.yaml") and "warning" not in res.stderr
    if env:
        assert f"env {env}" in res.stdout


# --- azure-delta -------------------------------------------------------------------------------
def test_azure_delta_reads_credentials_from_env_vars_and_its_local_overlay_needs_none(created):
    from odibi_core.config.loader import load_project

    root = created["azure-delta"]
    res = odibi("validate", "odibi.yaml", "--env", "prod", cwd=root)
    assert res.returncode == 2 and "AZURE_STORAGE_ACCOUNT" in res.stderr and "odibi.yaml:" in res.stderr
    prod = load_project(root / "odibi.yaml", env="prod", environ=AZURE_ENV)
    for name in ("landing", "lake"):
        conn = prod.config.connections[name]
        assert (conn.type, conn.auth_mode, conn.account_name) == ("azure_blob", "key_vault", "odibitplacct")
        assert conn.key_vault_name == "odibi-tpl-vault" and conn.account_key is None
    assert prod.config.production is True and prod.config.engine == "spark"
    dev = load_project(root / "odibi.yaml", env="dev", environ={})  # no AZURE_* at all
    assert {n: c.type for n, c in dev.config.connections.items()} == {"landing": "local", "lake": "local",
                                                                      "meta": "local"}


def test_azure_delta_runs_its_local_overlay_on_spark(spark, fresh):
    from odibi_core.session import Session

    root = fresh("azure-delta")
    session = Session(root / "odibi.yaml", env="dev")
    try:
        results = session.run()
    finally:
        session.close()
    assert [r.status for r in results] == ["success"] * 3, [n.error for r in results for n in r.nodes]
    assert all(r.engine == "spark" for r in results)
    gold = table(root, "lake/gold/daily_consumption", "region", "read_date")
    # north 07-01: M-01 3.20 + 5.10, M-02 1.05 (its -2.00 is quarantined); south 07-02: M-03 4.10 + 6.30, M-04 11.50
    assert [(r.region, str(r.read_date), r.meters, r.kwh) for r in gold.itertuples()] == [
        ("north", "2024-07-01", 2, 9.35), ("north", "2024-07-02", 2, 4.15),
        ("south", "2024-07-01", 2, 17.15), ("south", "2024-07-02", 2, 21.9)]
    quarantined = table(root, "lake/quarantine/readings", "meter_id")
    assert list(zip(quarantined.meter_id, quarantined._failed_tests)) == [("M-02", "non_negative"),
                                                                          ("M-05", "known_meter")]
    meters = table(root, "lake/silver/meters", "meter_id")
    assert list(meters.meter_id) == ["M-01", "M-02", "M-03", "M-04"] and "merged_at" in meters
    assert sorted(p.name for p in (root / "lake/silver/readings").glob("read_date=*")) == [
        "read_date=2024-07-01", "read_date=2024-07-02"]
    assert (root / "_odibi/system/catalog.db").is_file()  # history on the local `meta` connection


# --- spark-only and mixed-engine ---------------------------------------------------------------
def test_spark_only_runs_in_local_mode(spark, fresh):
    from odibi_core.session import Session

    root = fresh("spark-only")
    session = Session(root / "odibi.yaml", env="dev")
    try:
        results = session.run()
    finally:
        session.close()
    assert [r.status for r in results] == ["success"] * 3, [n.error for r in results for n in r.nodes]
    daily = table(root, "lake/gold/site_daily", "site", "reading_date")
    # S2's 999.0 on 06-01 and S3's missing reading on 06-02 are quarantined, not averaged
    assert [(r.site, str(r.reading_date), r.readings, r.max_temperature_c, r.avg_temperature_c)
            for r in daily.itertuples()] == [
        ("plant_a", "2024-06-01", 4, 25.5, 22.0), ("plant_a", "2024-06-02", 4, 26.0, 22.0),
        ("plant_b", "2024-06-01", 2, 33.0, 31.75), ("plant_b", "2024-06-02", 1, 29.0, 29.0)]
    failed = table(root, "lake/quarantine/readings", "sensor_id")._failed_tests.tolist()
    assert failed == ["plausible_temperature", "has_temperature"]
    trend = table(root, "lake/gold/sensor_trend", "sensor_id", "ts")
    s1 = trend[trend.sensor_id == "S1"]
    assert s1.temperature_avg_3.round(4).tolist() == [21.5, 21.75, 23.0, 22.6667, 24.0]
    assert sorted(p.name for p in (root / "lake/silver/readings").glob("site=*")) == ["site=plant_a", "site=plant_b"]


def test_mixed_engine_gives_the_same_rows_on_pandas_in_dev_and_spark_in_prod(spark, fresh):
    from odibi_core.session import Session

    root = fresh("mixed-engine")
    engines = {}
    for env in ("dev", "prod"):
        session = Session(root / "odibi.yaml", env=env)
        try:
            results = session.run()
        finally:
            session.close()
        assert [r.status for r in results] == ["success"] * 3, [n.error for r in results for n in r.nodes]
        engines[env] = {r.engine for r in results}
    assert engines == {"dev": {"pandas"}, "prod": {"spark"}}
    dev = table(root, "lake/gold/revenue_daily", "order_date", "country")
    prod = table(root, "lake_prod/gold/revenue_daily", "order_date", "country")
    rows = [(str(r.order_date), r.country, int(r.orders), r.revenue, r.currency) for r in dev.itertuples()]
    # GB: 80.40 * 1.17 = 94.068; US on 04-01: 59.99 * 0.92 = 55.19 (the cancelled 200.00 is left out)
    assert rows == [("2024-04-01", "DE", 1, 120.0, "EUR"), ("2024-04-01", "GB", 1, 94.07, "EUR"),
                    ("2024-04-01", "US", 1, 55.19, "EUR"), ("2024-04-02", "DE", 1, 15.0, "EUR"),
                    ("2024-04-02", "FR", 1, 99.9, "EUR"), ("2024-04-02", "GB", 1, 49.14, "EUR"),
                    ("2024-04-02", "US", 1, 285.2, "EUR")]
    assert [(str(r.order_date), r.country, int(r.orders), r.revenue, r.currency) for r in prod.itertuples()] == rows


# --- pandas templates through the real `odibi run` ---------------------------------------------
def test_pandas_only_runs_and_exports_a_csv(fresh):
    root = fresh("pandas-only")
    res = odibi("run", "odibi.yaml", "--env", "dev", cwd=root)
    assert res.returncode == 0, res.stdout + res.stderr
    lines = (root / "out/exports/daily_by_team.csv").read_text().splitlines()
    # tier1 on 05-06: T-1001 2.5 h, T-1002 24.5 h, T-1003 4.5 h; T-1005 is still open
    assert lines == ['"opened_on","team","opened","still_open","avg_hours_to_close"',
                     '2024-05-06,"tier1",3,0,10.5', '2024-05-07,"tier1",1,1,', '2024-05-07,"tier2",2,0,9.625',
                     '2024-05-08,"tier1",1,0,2.5']
    assert list((root / "out/facts/tickets").glob("*.parquet"))


def test_local_medallion_runs_in_dev_and_prod(fresh):
    root = fresh("local-medallion")
    for env, lake in (("dev", "lake"), ("prod", "lake_prod")):
        res = odibi("run", "odibi.yaml", "--env", env, cwd=root)
        assert res.returncode == 0, res.stdout + res.stderr
        assert len(table(root, f"{lake}/gold/daily_revenue")) == 2


def test_reference_lite_gauntlet_gives_the_hand_worked_results_and_reruns_add_nothing(fresh):
    root = fresh("reference-lite")
    res = odibi("run", "odibi.yaml", "--env", "dev", cwd=root)
    assert res.returncode == 0, res.stdout + res.stderr
    scd2 = table(root, "lake/silver/customers_scd2", "customer_id", "valid_from")
    assert [(r.customer_id, r.tier, r.email, r.is_current) for r in scd2.itertuples()] == [
        (1, "silver", "ada@example.com", False), (1, "gold", "ada@example.com", True),
        (2, "gold", "ben@example.com", False), (2, "gold", "ben@new.example.com", True),
        (3, "bronze", "cleo@example.com", True), (4, "silver", "dan@example.com", True)]
    orders = table(root, "lake/silver/orders", "order_id")
    assert [(r.order_id, r.quantity, r.total, r.points) for r in orders.itertuples()] == [
        (101, 3, 13.5, 27), (102, 1, 12.0, 24), (103, 4, 29.0, 29), (105, 2, 14.5, 29)]
    q_orders = table(root, "lake/quarantine/orders", "order_id")
    assert list(zip(q_orders.order_id, q_orders._failed_tests)) == [(104, "positive_quantity"),
                                                                   (106, "known_customer")]
    q_events = table(root, "lake/quarantine/events")
    assert sorted(q_events._failed_tests) == ["known_event_type", "valid_json"]
    assert sorted(table(root, "lake/bronze/events").event_id) == ["e1", "e2", "e3", "e4", "e5"]
    with sqlite3.connect(root / "lake/mart.sqlite") as db:
        mart = db.execute("SELECT tier, orders, revenue, points FROM revenue_by_tier ORDER BY tier").fetchall()
    assert mart == [("bronze", 1, 29.0, 29), ("gold", 2, 25.5, 51)]
    counts = [json.loads(line) for line in (root / "lake/exports/event_counts.json").read_text().splitlines()]
    assert [(c["event_type"], c["events"]) for c in counts] == [("add_to_cart", 1), ("purchase", 2), ("view", 2)]
    assert (root / "lake/exports/current_customers.csv").read_text().count("\n") == 5
    incremental = ("lake/bronze/customer_snapshots", "lake/bronze/events", "lake/bronze/orders",
                   "lake/silver/customers_scd2", "lake/silver/orders")
    before = {p: len(table(root, p)) for p in incremental}
    scd2_version = DeltaTable(str(root / "lake/silver/customers_scd2")).version()

    res = odibi("run", "odibi.yaml", "--env", "dev", cwd=root)
    assert res.returncode == 0, res.stdout + res.stderr
    assert {p: len(table(root, p)) for p in incremental} == before
    assert DeltaTable(str(root / "lake/silver/customers_scd2")).version() == scd2_version  # no commit at all

    res = odibi("run", "odibi.yaml", "--env", "dev", "--pipeline", "silver", cwd=root)  # reads bronze back
    assert res.returncode == 0, res.stdout + res.stderr
    assert len(table(root, "lake/silver/orders")) == 4
