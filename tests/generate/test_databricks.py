"""``odibi generate databricks``: the job checked against the Jobs API's own schema, its tasks
against odibi's graph, its cron against Quartz, and its task commands run by odibi.

Schema: ``schemas/databricks_create_job.schema.json``, the ``CreateJob`` request body of Jobs
API 2.1 as typed by Databricks' SDK (npm ``@databricks/sdk-experimental`` 0.17.0, Apache-2.0,
generated from Databricks' OpenAPI spec), turned into JSON Schema by ts-json-schema-generator
2.4.0; it rejects unknown keys and missing required ones. A Databricks workspace cannot be
reached here, so the job is not created; each task's ``python_wheel_task`` parameters are run
through ``odibi``'s own CLI entry point instead, as the wheel's ``odibi`` entry point would.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from odibi_core.cli.main import main
from odibi_core.errors import OdibiError
from odibi_core.generate.cron import parse_cron, to_quartz
from tests.generate.orch_tools import assert_snapshot, render
from tests.generate.sample_project import DISABLED, EXPECTED_UPSTREAM, build_sample

JOB_JSON = "databricks/odibi_shop.job.json"
JOB_YAML = "databricks/odibi_shop.job.yml"
SCHEMA = json.loads((Path(__file__).parent / "schemas" / "databricks_create_job.schema.json").read_text())
VALIDATOR = jsonschema.Draft7Validator(SCHEMA)
# prod overlay: project retry 3 attempts / 60 s; raw_orders keeps its own 4 attempts / 30 s.
PROD_RETRIES = {t: (2, 60_000) for t in EXPECTED_UPSTREAM} | {"raw_orders": (3, 30_000)}


@pytest.fixture
def sample(tmp_path) -> Path:
    return build_sample(tmp_path / "shop")


def job(config: Path, env: str | None = "prod", **options: str) -> dict:
    files = render(config, "databricks", env=env, **options)
    assert list(files) == [JOB_JSON]
    return json.loads(files[JOB_JSON])


def schema_errors(spec: dict) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in VALIDATOR.iter_errors(spec)]


@pytest.mark.parametrize("cron, quartz", [
    ("0 6 * * *", "0 0 6 * * ?"),
    ("*/15 * * * *", "0 0,15,30,45 * * * ?"),
    ("30 2 * * 1-5", "0 30 2 ? * MON-FRI"),
    ("0 0 * * 0", "0 0 0 ? * SUN"),
    ("0 0 * * 7", "0 0 0 ? * SUN"),
    ("0 0 * * 5-7", "0 0 0 ? * SUN,FRI,SAT"),
    ("15 9 * * sat,SUN", "0 15 9 ? * SUN,SAT"),
    ("0 0 1 * *", "0 0 0 1 * ?"),
    ("0 12 1-10/3 JAN-MAR *", "0 0 12 1,4,7,10 1-3 ?"),
    ("5 4 */2 * *", "0 5 4 1,3,5,7,9,11,13,15,17,19,21,23,25,27,29,31 * ?"),
    ("0 8-18/2 * * *", "0 0 8,10,12,14,16,18 * * ?"),
    ("0 9 * 6/2 *", "0 0 9 * 6,8,10,12 ?"),
    ("@hourly", "0 0 * * * ?"),
    ("@weekly", "0 0 0 ? * SUN"),
    ("@monthly", "0 0 0 1 * ?"),
])
def test_cron_to_quartz(cron, quartz):
    assert to_quartz(parse_cron(cron, "test"), "test") == quartz


@pytest.mark.parametrize("cron, message", [
    ("0 6 * *", "not a 5-field cron"),
    ("60 * * * *", "60 is outside 0-59"),
    ("0 0 0 * *", "0 is outside 1-31"),
    ("0 0 * 13 *", "13 is outside 1-12"),
    ("0 0 * * MON-SUNDAY", "'SUNDAY' is not a valid day-of-week"),
    ("0 5-1 * * *", "runs backwards"),
    ("0 */0 * * *", "a step must be at least 1"),
    ("0 0 1,2 * ? ", "cannot read '?'"),
    ("@reboot", "not a 5-field cron"),
])
def test_bad_crons_are_refused(cron, message):
    with pytest.raises(OdibiError, match=message):
        parse_cron(cron, "pipeline 'p'")


def test_cron_restricting_both_day_fields_has_no_quartz_form():
    with pytest.raises(OdibiError, match="restricts both the day of the month and the day of the week"):
        to_quartz(parse_cron("0 0 1 * 1", "p"), "p")


def test_job_matches_the_jobs_api_schema_and_the_schema_bites(sample):
    spec = job(sample)
    assert schema_errors(spec) == []
    broken = copy.deepcopy(spec)
    broken["tasks"][0]["max_retry"] = 1  # a typo
    del broken["tasks"][1]["task_key"]
    broken["schedule"]["pause_status"] = "PAUSE"
    errors = "\n".join(schema_errors(broken))
    assert "'max_retry' was unexpected" in errors and "'task_key' is a required property" in errors
    assert "'PAUSE' is not one of" in errors


def test_tasks_mirror_the_graph_with_retries_tags_and_commands(sample):
    spec = job(sample)
    tasks = {t["task_key"]: t for t in spec["tasks"]}
    assert set(tasks) == set(EXPECTED_UPSTREAM) and not set(DISABLED) & set(tasks)
    assert {k: {d["task_key"] for d in t.get("depends_on", [])} for k, t in tasks.items()} == EXPECTED_UPSTREAM
    assert {k: (t["max_retries"], t.get("min_retry_interval_millis")) for k, t in tasks.items()} == PROD_RETRIES
    for key, task in tasks.items():
        assert task["python_wheel_task"] == {"package_name": "odibi-studio", "entry_point": "odibi",
                                             "parameters": ["run", "odibi.yaml", "--node", key, "--env", "prod"]}
        assert task["environment_key"] == "odibi" and "libraries" not in task
    assert tasks["raw_orders"]["description"] == ("Every order, as delivered. [tags: raw, orders] "
                                                  "(odibi run odibi.yaml --node raw_orders --env prod)")
    assert spec["environments"] == [{"environment_key": "odibi",
                                     "spec": {"environment_version": "2", "dependencies": ["odibi-studio"]}}]
    assert spec["schedule"] == {"quartz_cron_expression": "0 0 6 * * ?", "timezone_id": "UTC",
                                "pause_status": "UNPAUSED"}
    assert spec["tags"] == {"odibi": "", "odibi_project": "shop", "curated": "", "ingest": "", "orders": "",
                            "raw": "", "reporting": ""}
    assert spec["name"] == "odibi-shop" and spec["max_concurrent_runs"] == 1
    assert spec["description"].startswith("Generated by `odibi generate databricks odibi.yaml --env prod` from "
                                          "odibi.yaml (sha256 ")


def test_task_parameters_run_with_odibi_in_dependency_order(sample, monkeypatch):
    """Each task's parameters, given to odibi's entry point in the job's order, run the project."""
    monkeypatch.chdir(sample.parent)
    spec = job(sample, env="dev")
    done: set[str] = set()
    pending = list(spec["tasks"])
    while pending:
        task = next(t for t in pending if {d["task_key"] for d in t.get("depends_on", [])} <= done)
        params = task["python_wheel_task"]["parameters"]
        assert params[-2:] == ["--env", "dev"]
        assert main(params) == 0, task["task_key"]
        done.add(task["task_key"])
        pending.remove(task)
    assert (sample.parent / "lake" / "silver" / "customer_orders" / "_delta_log").is_dir()


def test_per_pipeline_tasks(sample):
    spec = job(sample, per="pipeline")
    assert schema_errors(spec) == []
    assert [(t["task_key"], t.get("depends_on"), t["python_wheel_task"]["parameters"]) for t in spec["tasks"]] == [
        ("bronze", None, ["run", "odibi.yaml", "--pipeline", "bronze", "--env", "prod"]),
        ("silver", [{"task_key": "bronze"}], ["run", "odibi.yaml", "--pipeline", "silver", "--env", "prod"]),
    ]


def test_cluster_options(sample):
    existing = job(sample, cluster="0123-456789-abcdefgh", install="/Volumes/main/libs/odibi_studio-0.1.0-py3-none-any.whl")
    assert schema_errors(existing) == []
    assert "environments" not in existing
    assert {(t["existing_cluster_id"], json.dumps(t["libraries"])) for t in existing["tasks"]} == {
        ("0123-456789-abcdefgh", '[{"whl": "/Volumes/main/libs/odibi_studio-0.1.0-py3-none-any.whl"}]')}
    cluster = {"spark_version": "15.4.x-scala2.12", "node_type_id": "Standard_DS3_v2", "num_workers": 2}
    new = job(sample, cluster=json.dumps(cluster), install="odibi-studio==0.1.0")
    assert schema_errors(new) == []
    assert new["job_clusters"] == [{"job_cluster_key": "odibi", "new_cluster": cluster}]
    assert {(t["job_cluster_key"], json.dumps(t["libraries"])) for t in new["tasks"]} == {
        ("odibi", '[{"pypi": {"package": "odibi-studio==0.1.0"}}]')}
    with pytest.raises(OdibiError, match="not valid JSON"):
        job(sample, cluster="{num_workers: 2}")
    with pytest.raises(OdibiError, match="must be one of json, yaml"):
        job(sample, format="xml")


def test_project_path_option_replaces_the_config_path(sample):
    spec = job(sample, project_path="/Workspace/Repos/team/shop/odibi.yaml")
    assert spec["tasks"][0]["python_wheel_task"]["parameters"][:2] == ["run", "/Workspace/Repos/team/shop/odibi.yaml"]


def test_yaml_bundle_is_the_same_job(sample):
    files = render(sample, "databricks", env="prod", format="yaml")
    text = files[JOB_YAML]
    assert text.startswith("# Generated by `odibi generate databricks -O format=yaml odibi.yaml --env prod`")
    bundle = yaml.safe_load(text)
    spec = bundle["resources"]["jobs"]["odibi_shop"]
    assert list(bundle) == ["resources"] and list(bundle["resources"]["jobs"]) == ["odibi_shop"]
    assert schema_errors(spec) == []
    as_json = job(sample)
    assert {k: v for k, v in spec.items() if k != "description"} == \
           {k: v for k, v in as_json.items() if k != "description"}


def test_disagreeing_schedules_leave_the_job_unscheduled_unless_an_option_sets_one(tmp_path):
    config = build_sample(tmp_path / "shop", silver_schedule="0 7 * * *")
    spec = job(config)
    assert "schedule" not in spec
    assert "The pipelines' schedules disagree (bronze: 0 6 * * *; silver: 0 7 * * *)" in spec["description"]
    forced = job(config, schedule="0 5 * * MON")
    assert forced["schedule"]["quartz_cron_expression"] == "0 0 5 ? * MON" and schema_errors(forced) == []
    with pytest.raises(OdibiError, match="-O schedule: schedule '0 5 1 \\* MON' restricts both"):
        job(config, schedule="0 5 1 * MON")


def test_snapshots_and_idempotence(sample):
    first = render(sample, "databricks", env="prod")
    assert render(sample, "databricks", env="prod") == first
    assert_snapshot("databricks_shop_prod.job.json.txt", first[JOB_JSON])
    bundle = render(sample, "databricks", env="prod", format="yaml", per="pipeline")
    assert_snapshot("databricks_shop_pipeline.job.yml.txt", bundle[JOB_YAML])
