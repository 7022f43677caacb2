"""``odibi generate adf``: the project as an Azure Data Factory (or Synapse) pipeline, plus a
schedule trigger when the project has a schedule.

Why a ``Custom`` activity on an Azure Batch linked service: it runs any command line, so each
activity is exactly ``odibi run <config> --node N [--env E]`` with odibi installed on the Batch
pool, and no notebook or wrapper script has to be kept in step with the YAML. With
``-O folder_path=`` (and ``-O storage_linked_service=``) Batch stages the project files into the
task's working folder first, so the relative config path in the command resolves there.

One ADF pipeline per project keeps the cross-pipeline edges as ordinary ``dependsOn`` entries
(``-O per=pipeline``: one activity per odibi pipeline, ``odibi run --pipeline P``). Retries go in
each activity's ``policy``; ADF accepts retry intervals of 30 s to 1 day, so shorter delays are
raised to 30 s (the description says so). JSON has no comments: the provenance header is the
pipeline's ``description``. Files follow ADF's git layout (``pipeline/``, ``trigger/``), named
as the resources, so the ``adf/`` folder can be copied into a factory's repository.
"""

from __future__ import annotations

import json
import re
import shlex

from odibi_core.errors import OdibiError
from odibi_core.generate.base import Generator, header_lines, register
from odibi_core.generate.plan import OrchestrationPlan
from odibi_core.generate.common import (
    enabled_upstream,
    header_target,
    schedule_note,
    slug,
)
from odibi_core.generate.cron import Cron, parse_cron
from odibi_core.generate.targets.databricks import job_tags, pipeline_upstream

_WEEKDAYS = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
_ACTIVITY_NAME = re.compile(r"^[A-Za-z0-9_][^.+?/<>*%&:\\]{0,54}$")  # ADF: at most 55 characters
MIN_RETRY_INTERVAL_S, MAX_RETRY_INTERVAL_S = 30, 86400


def recurrence(cron: Cron, where: str, start_time: str) -> dict:
    """An ADF ``ScheduleTrigger`` recurrence firing at the cron's minutes (UTC).

    ADF's schedule lists minutes, hours and either week days (weekly) or month days (monthly),
    so a cron restricting months, or both day fields, has no equivalent and is refused.
    """
    if not cron.any_month:
        raise OdibiError(f"{where}: schedule '{cron.text}' restricts months, which an ADF schedule trigger cannot; "
                         "set -O schedule= to a cron without a month restriction")
    if not cron.any_day and not cron.any_weekday:
        raise OdibiError(f"{where}: schedule '{cron.text}' restricts both the day of the month and the day of the "
                         "week, which an ADF schedule trigger cannot; restrict one, or set -O schedule=")
    schedule: dict = {"minutes": list(cron.minutes), "hours": list(cron.hours)}
    if not cron.any_weekday:
        frequency = "Week"
        schedule["weekDays"] = [_WEEKDAYS[d] for d in cron.weekdays]
    elif not cron.any_day:
        frequency = "Month"
        schedule["monthDays"] = list(cron.days)
    else:
        frequency = "Day"
    return {"frequency": frequency, "interval": 1, "startTime": start_time, "timeZone": "UTC", "schedule": schedule}


@register
class AdfGenerator(Generator):
    name = "adf"
    description = "An Azure Data Factory / Synapse pipeline (a Custom activity per node) and its schedule trigger."
    options = {
        "per": (("node", "pipeline"), "node"),
        "linked_service": (None, "AzureBatchLinkedService"),
        "storage_linked_service": (None, ""),
        "folder_path": (None, ""),
        "schedule": (None, ""),
        "start_time": (None, "2024-01-01T00:00:00Z"),
        "timeout": (None, "0.12:00:00"),
    }

    def render(self, plan: OrchestrationPlan) -> dict[str, str]:
        if bool(self.opts["folder_path"]) != bool(self.opts["storage_linked_service"]):
            raise OdibiError("generate adf: -O folder_path= and -O storage_linked_service= go together "
                             "(Batch copies folder_path from that storage account into the task's folder)")
        name = f"odibi_{slug(plan.project)}"
        files = {f"adf/pipeline/{name}.json": _dump(self.pipeline(plan, name))}
        trigger = self.trigger(plan, name)
        if trigger:
            files[f"adf/trigger/{trigger['name']}.json"] = _dump(trigger)
        return files

    def pipeline(self, plan: OrchestrationPlan, name: str) -> dict:
        """The pipeline resource as ADF stores it in git (``{name, properties}``)."""
        notes = [*header_lines(plan, header_target(self)), *schedule_note(plan)]
        if any(t.enabled and t.retries and t.retry_delay_s < MIN_RETRY_INTERVAL_S for t in plan.tasks):
            notes.append(f"Retry delays under {MIN_RETRY_INTERVAL_S} s are raised to {MIN_RETRY_INTERVAL_S} s "
                         "(the shortest interval ADF accepts).")
        tags = job_tags(plan, 1000, self.name)
        return {"name": name, "properties": {
            "description": "\n".join(notes),
            "activities": self._activities(plan),
            "concurrency": 1,
            "annotations": ["odibi", *tags],
        }}

    def trigger(self, plan: OrchestrationPlan, pipeline_name: str) -> dict | None:
        cron_text = self.opts["schedule"] or plan.schedule
        if not cron_text:
            return None
        where = "-O schedule" if self.opts["schedule"] else f"project '{plan.project}'"
        cron = parse_cron(cron_text, where)
        return {"name": f"{pipeline_name}_schedule", "properties": {
            "description": f"Runs {pipeline_name} on '{cron_text}' (UTC). " + header_lines(plan, header_target(self))[0],
            "annotations": ["odibi"],
            "pipelines": [{"pipelineReference": {"referenceName": pipeline_name, "type": "PipelineReference"},
                           "parameters": {}}],
            "type": "ScheduleTrigger",
            "typeProperties": {"recurrence": recurrence(cron, where, self.opts["start_time"])},
        }}

    def _activities(self, plan: OrchestrationPlan) -> list[dict]:
        if self.opts["per"] == "pipeline":
            pipes = {p.name: p for p in plan.pipelines}
            return [self._activity(name, ups, pipes[name].description, pipes[name].tags, name, 0, 0.0,
                                   plan.run_command(pipeline=name))
                    for name, ups in pipeline_upstream(plan).items()]
        ups = enabled_upstream(plan)
        return [self._activity(t.task_id, ups[t.task_id], t.description, t.tags, t.pipeline, t.retries,
                               t.retry_delay_s, plan.run_command(node=t.node))
                for t in plan.tasks if t.enabled]

    def _activity(self, key: str, upstream: tuple[str, ...], description: str | None, tags: tuple[str, ...],
                  pipeline: str, retries: int, delay_s: float, argv: list[str]) -> dict:
        if not _ACTIVITY_NAME.match(key):
            raise OdibiError(f"generate adf: '{key}' cannot be an activity name (at most 55 characters, none of "
                             ". + ? / < > * % & : \\); rename the node or pipeline")
        interval = min(MAX_RETRY_INTERVAL_S, max(MIN_RETRY_INTERVAL_S, round(delay_s)))
        type_props: dict = {"command": shlex.join(argv)}
        if self.opts["folder_path"]:
            type_props["resourceLinkedService"] = {"referenceName": self.opts["storage_linked_service"],
                                                   "type": "LinkedServiceReference"}
            type_props["folderPath"] = self.opts["folder_path"]
        kind = "pipeline" if self.opts["per"] == "pipeline" else "node"
        return {
            "name": key,
            "type": "Custom",
            "description": description or f"odibi {kind} {key}",
            "dependsOn": [{"activity": u, "dependencyConditions": ["Succeeded"]} for u in upstream],
            "policy": {"timeout": self.opts["timeout"], "retry": retries, "retryIntervalInSeconds": interval,
                       "secureOutput": False, "secureInput": False},
            "userProperties": [{"name": "odibi_pipeline", "value": pipeline},
                               *([{"name": "odibi_tags", "value": ", ".join(tags)}] if tags else [])],
            "linkedServiceName": {"referenceName": self.opts["linked_service"], "type": "LinkedServiceReference"},
            "typeProperties": type_props,
        }


def _dump(resource: dict) -> str:
    return json.dumps(resource, indent=4, ensure_ascii=False) + "\n"
