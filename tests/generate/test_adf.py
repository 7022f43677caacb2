"""``odibi generate adf``: the pipeline and trigger checked by Microsoft's own models and by a
schema derived from them, the activities against odibi's graph, the commands run by odibi.

Real parser: azure-mgmt-datafactory 9.3.0 (MIT; generated from the Microsoft.DataFactory REST API
spec): ``PipelineResource.from_dict`` / ``TriggerResource.from_dict`` pick the activity and
trigger classes by ``type`` and read the flattened ``typeProperties``; the test then requires
every required field, the numeric limits, no unknown key, and a lossless round trip. Those tests
skip when the package is missing. Schema: ``schemas/adf_resources.schema.json``, derived from the
same models by ``schemas/make_adf_schema.py`` (the published ARM schemas cannot be fetched here),
used with jsonschema everywhere. No factory can be reached, so each activity's command is run
through odibi's CLI entry point instead of on Azure Batch.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import shlex
from pathlib import Path

import jsonschema
import pytest

from odibi_core.cli.main import main
from odibi_core.errors import OdibiError
from odibi_core.generate.targets.adf import recurrence
from odibi_core.generate.cron import parse_cron
from tests.generate.orch_tools import assert_snapshot, render
from tests.generate.sample_project import DISABLED, EXPECTED_UPSTREAM, build_sample

PIPELINE = "adf/pipeline/odibi_shop.json"
TRIGGER = "adf/trigger/odibi_shop_schedule.json"
SCHEMA = json.loads((Path(__file__).parent / "schemas" / "adf_resources.schema.json").read_text())
# prod overlay: project retry 3 attempts / 60 s; raw_orders keeps its own 4 attempts / 30 s.
PROD_RETRIES = {t: (2, 60) for t in EXPECTED_UPSTREAM} | {"raw_orders": (3, 30)}


def schema_errors(resource: dict, root: str) -> list[str]:
    schema = {"$ref": f"#/definitions/{root}", "definitions": SCHEMA["definitions"]}
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in jsonschema.Draft7Validator(schema).iter_errors(resource)]


@pytest.fixture
def sample(tmp_path) -> Path:
    return build_sample(tmp_path / "shop")


def files(config: Path, env: str | None = "prod", **options: str) -> dict[str, dict]:
    return {k: json.loads(v) for k, v in render(config, "adf", env=env, **options).items()}


@pytest.mark.parametrize("cron, frequency, schedule", [
    ("0 6 * * *", "Day", {"minutes": [0], "hours": [6]}),
    ("30 2 * * 1-5", "Week", {"minutes": [30], "hours": [2],
                              "weekDays": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]}),
    ("0 0 * * 7", "Week", {"minutes": [0], "hours": [0], "weekDays": ["Sunday"]}),
    ("15 4 1,15 * *", "Month", {"minutes": [15], "hours": [4], "monthDays": [1, 15]}),
    ("*/20 9-11 * * *", "Day", {"minutes": [0, 20, 40], "hours": [9, 10, 11]}),
])
def test_cron_to_recurrence(cron, frequency, schedule):
    rec = recurrence(parse_cron(cron, "p"), "p", "2024-01-01T00:00:00Z")
    assert rec == {"frequency": frequency, "interval": 1, "startTime": "2024-01-01T00:00:00Z", "timeZone": "UTC",
                   "schedule": schedule}


@pytest.mark.parametrize("cron, message", [("0 0 * 1 *", "restricts months"),
                                           ("0 0 1 * 1", "restricts both the day of the month")])
def test_crons_adf_cannot_express_are_refused(cron, message):
    with pytest.raises(OdibiError, match=message):
        recurrence(parse_cron(cron, "p"), "p", "2024-01-01T00:00:00Z")


def test_resources_match_the_schema_and_the_schema_bites(sample):
    out = files(sample)
    assert set(out) == {PIPELINE, TRIGGER}
    assert schema_errors(out[PIPELINE], "PipelineResource") == []
    assert schema_errors(out[TRIGGER], "TriggerResource") == []
    bad = copy.deepcopy(out[PIPELINE])
    bad["properties"]["activities"][0]["typeProperties"]["comand"] = "typo"
    bad["properties"]["activities"][1]["policy"]["retryIntervalInSeconds"] = 10
    del bad["properties"]["activities"][2]["typeProperties"]["command"]
    errors = "\n".join(schema_errors(bad, "PipelineResource"))
    assert "'comand' was unexpected" in errors and "10 is less than the minimum of 30" in errors
    assert "'command' is a required property" in errors
    bad_trigger = copy.deepcopy(out[TRIGGER])
    bad_trigger["properties"]["typeProperties"]["recurrence"]["frequency"] = "Daily"
    assert any("'Daily' is not one of" in e for e in schema_errors(bad_trigger, "TriggerResource"))


def _sdk():
    return pytest.importorskip("azure.mgmt.datafactory.models", reason="azure-mgmt-datafactory is not installed")


def sdk_problems(model, path: str = "") -> list[str]:
    """What the SDK's models say is wrong: unknown keys, missing required fields, out-of-range numbers."""
    from azure.mgmt.datafactory._utils.serialization import Model, Serializer

    problems = []
    if getattr(model, "additional_properties", None):
        problems.append(f"{path}: unknown keys {sorted(model.additional_properties)}")
    for attr, rules in model._validation.items():
        value = getattr(model, attr, None)
        if rules.get("required") and not rules.get("readonly") and value is None:
            problems.append(f"{path}.{attr}: required")
        for rule, limit in rules.items():
            if rule in Serializer.validation and value is not None and Serializer.validation[rule](value, limit):
                problems.append(f"{path}.{attr}: breaks {rule} {limit}")
    for attr in model._attribute_map:
        value = getattr(model, attr, None)
        for i, item in enumerate(value if isinstance(value, list) else [value]):
            if isinstance(item, Model):
                problems += sdk_problems(item, f"{path}.{attr}[{i}]" if isinstance(value, list) else f"{path}.{attr}")
    return problems


def _same_instant(a: str, b: str) -> bool:
    return dt.datetime.fromisoformat(a) == dt.datetime.fromisoformat(b)


def test_microsofts_models_read_the_resources_without_loss(sample):
    models = _sdk()
    out = files(sample)
    pipe = models.PipelineResource.from_dict(out[PIPELINE])
    assert {type(a).__name__ for a in pipe.activities} == {"CustomActivity"}
    assert sdk_problems(pipe) == []
    assert pipe.serialize(keep_readonly=True) == out[PIPELINE]
    trig = models.TriggerResource.from_dict(out[TRIGGER])
    assert type(trig.properties).__name__ == "ScheduleTrigger" and sdk_problems(trig) == []
    back = trig.serialize(keep_readonly=True)
    rec, rec_back = (r["properties"]["typeProperties"]["recurrence"] for r in (out[TRIGGER], back))
    assert _same_instant(rec.pop("startTime"), rec_back.pop("startTime")) and back == out[TRIGGER]
    bad = copy.deepcopy(out[PIPELINE])
    bad["properties"]["activities"][0]["policy"]["retryIntervalInSeconds"] = 5
    bad["properties"]["activities"][0]["polcy"] = {}
    del bad["properties"]["activities"][1]["typeProperties"]["command"]
    problems = "\n".join(sdk_problems(models.PipelineResource.from_dict(bad)))
    assert "retry_interval_in_seconds: breaks minimum 30" in problems and "unknown keys ['polcy']" in problems
    assert ".activities[1].command: required" in problems


def test_activities_mirror_the_graph(sample):
    props = files(sample)[PIPELINE]["properties"]
    acts = {a["name"]: a for a in props["activities"]}
    assert set(acts) == set(EXPECTED_UPSTREAM) and not set(DISABLED) & set(acts)
    assert {k: {d["activity"] for d in a["dependsOn"]} for k, a in acts.items()} == EXPECTED_UPSTREAM
    assert all(d["dependencyConditions"] == ["Succeeded"] for a in acts.values() for d in a["dependsOn"])
    assert {k: (a["policy"]["retry"], a["policy"]["retryIntervalInSeconds"]) for k, a in acts.items()} == PROD_RETRIES
    for key, act in acts.items():
        assert act["type"] == "Custom"
        assert act["typeProperties"] == {"command": f"odibi run odibi.yaml --node {key} --env prod"}
        assert act["linkedServiceName"] == {"referenceName": "AzureBatchLinkedService",
                                            "type": "LinkedServiceReference"}
    assert acts["raw_orders"]["userProperties"] == [{"name": "odibi_pipeline", "value": "bronze"},
                                                    {"name": "odibi_tags", "value": "raw, orders"}]
    assert props["annotations"] == ["odibi", "curated", "ingest", "orders", "raw", "reporting"]
    assert props["concurrency"] == 1
    assert props["description"].startswith("Generated by `odibi generate adf odibi.yaml --env prod` from odibi.yaml")


def test_commands_run_with_odibi_in_dependency_order(sample, monkeypatch):
    monkeypatch.chdir(sample.parent)
    acts = list(files(sample, env="dev")[PIPELINE]["properties"]["activities"])
    done: set[str] = set()
    while acts:
        act = next(a for a in acts if {d["activity"] for d in a["dependsOn"]} <= done)
        argv = shlex.split(act["typeProperties"]["command"])
        assert argv[:2] == ["odibi", "run"] and argv[-2:] == ["--env", "dev"]
        assert main(argv[1:]) == 0, act["name"]
        done.add(act["name"])
        acts.remove(act)
    assert (sample.parent / "lake" / "silver" / "customer_orders" / "_delta_log").is_dir()


def test_dev_retries_off_and_short_delays_raised_to_adfs_minimum(sample):
    dev = files(sample, env="dev")[PIPELINE]["properties"]
    assert {a["policy"]["retry"] for a in dev["activities"]} == {0, 3}  # raw_orders keeps its own retry block
    text = sample.read_text().replace("initial_delay: 30}", "initial_delay: 2}")
    sample.write_text(text)
    fast = files(sample)[PIPELINE]["properties"]
    raw = next(a for a in fast["activities"] if a["name"] == "raw_orders")
    assert raw["policy"]["retryIntervalInSeconds"] == 30
    assert "Retry delays under 30 s are raised to 30 s" in fast["description"]


def test_options_per_pipeline_staging_and_linked_services(sample):
    out = files(sample, per="pipeline", linked_service="BatchLS", storage_linked_service="BlobLS",
                folder_path="odibi/shop", timeout="0.01:00:00")
    assert schema_errors(out[PIPELINE], "PipelineResource") == []
    acts = out[PIPELINE]["properties"]["activities"]
    assert [(a["name"], [d["activity"] for d in a["dependsOn"]]) for a in acts] == [("bronze", []),
                                                                                   ("silver", ["bronze"])]
    assert acts[1]["typeProperties"] == {
        "command": "odibi run odibi.yaml --pipeline silver --env prod",
        "resourceLinkedService": {"referenceName": "BlobLS", "type": "LinkedServiceReference"},
        "folderPath": "odibi/shop"}
    assert acts[1]["linkedServiceName"]["referenceName"] == "BatchLS" and acts[1]["policy"]["timeout"] == "0.01:00:00"
    with pytest.raises(OdibiError, match="folder_path= and -O storage_linked_service= go together"):
        files(sample, folder_path="odibi/shop")
    with pytest.raises(OdibiError, match="unknown option 'linked_servise' \\(did you mean 'linked_service'\\?\\)"):
        files(sample, linked_servise="x")


def test_trigger_only_with_a_single_schedule_or_the_option(tmp_path):
    unscheduled = build_sample(tmp_path / "a", bronze_schedule="0 6 * * *", silver_schedule="0 7 * * *")
    out = files(unscheduled)
    assert list(out) == [PIPELINE]
    assert "schedules disagree (bronze: 0 6 * * *; silver: 0 7 * * *)" in out[PIPELINE]["properties"]["description"]
    forced = files(unscheduled, schedule="45 23 * * SUN")
    rec = forced[TRIGGER]["properties"]["typeProperties"]["recurrence"]
    assert rec["frequency"] == "Week" and rec["schedule"] == {"minutes": [45], "hours": [23], "weekDays": ["Sunday"]}
    assert forced[TRIGGER]["properties"]["pipelines"][0]["pipelineReference"]["referenceName"] == "odibi_shop"
    assert schema_errors(forced[TRIGGER], "TriggerResource") == []


def test_snapshots_and_idempotence(sample):
    first = render(sample, "adf", env="prod")
    assert render(sample, "adf", env="prod") == first
    assert_snapshot("adf_shop_prod_pipeline.json.txt", first[PIPELINE])
    assert_snapshot("adf_shop_prod_trigger.json.txt", first[TRIGGER])
