"""``odibi generate databricks``: the project as one Databricks job (Jobs API 2.1).

Why one job: cross-pipeline edges are plain ``depends_on`` entries inside a job, so Databricks
orders the tasks exactly as odibi does. Each enabled node is one task (``-O per=pipeline``: one
task per pipeline) that runs ``odibi run <config> --node N [--env E]`` as a ``python_wheel_task``:
the wheel is the ``odibi-studio`` distribution (``-O install=``, a pip requirement or a ``.whl``
path), its entry point ``odibi`` and the parameters the CLI's argv. That needs no notebook and
no script of ours in the workspace, only the project files where the cluster can read them
(``-O project_path=`` when they are not in the task's working folder).

Compute: serverless by default (a job ``environments`` entry that pip-installs odibi), or
``-O cluster=<existing cluster id>``, or ``-O cluster='{...new_cluster json...}'`` for a job
cluster shared by every task. ``-O format=yaml`` writes the same job as a Declarative Automation
Bundle resource file (``resources: jobs: <key>:``).

JSON has no comments, so the provenance header goes in the job's ``description``.
The 5-field cron of the YAML becomes Quartz (seconds first, ``?`` for the unused day field)
through :func:`to_quartz`; :func:`parse_cron` is shared with the ADF target.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass

import yaml

from odibi_core.errors import OdibiError
from odibi_core.generate.base import Generator, header_lines, register
from odibi_core.generate.cron import CRON_MACROS, Cron, parse_cron, to_quartz  # noqa: F401 - re-exported
from odibi_core.generate.plan import OrchestrationPlan
from odibi_core.generate.common import (
    enabled_upstream,
    header_target,
    schedule_note,
    slug,
)

# ---------------------------------------------------------------- job spec


def pipeline_upstream(plan: OrchestrationPlan) -> dict[str, tuple[str, ...]]:
    """Pipeline (with at least one enabled node) -> pipelines its enabled nodes read from, in plan order."""
    owner = {t.task_id: t.pipeline for t in plan.tasks}
    ups = enabled_upstream(plan)
    names = [p.name for p in plan.pipelines if any(owner[t] == p.name for t in ups)]
    return {name: tuple(p for p in names if p != name and any(owner[t] == name and any(owner[u] == p for u in us)
                                                                for t, us in ups.items()))
            for name in names}


def job_tags(plan: OrchestrationPlan, limit: int, target: str) -> list[str]:
    """Every pipeline and node tag, sorted; the platform's own limit on their number is checked."""
    tags = sorted({*(t for p in plan.pipelines for t in p.tags), *(t for k in plan.tasks if k.enabled for t in k.tags)})
    if len(tags) > limit:
        raise OdibiError(f"generate {target}: the project has {len(tags)} distinct tags and a job takes at most "
                         f"{limit}; drop some pipeline or node tags")
    return tags


class BlockDumper(yaml.SafeDumper):
    """YAML for people: multi-line text as ``|`` blocks, and no anchors/aliases."""

    def ignore_aliases(self, data) -> bool:
        return True


BlockDumper.add_representer(str, lambda d, s: d.represent_scalar("tag:yaml.org,2002:str", s,
                                                                  style="|" if "\n" in s else None))

_TASK_KEY = re.compile(r"^[\w-]{1,100}$")
_CLUSTER_KEY = "odibi"


@register
class DatabricksGenerator(Generator):
    name = "databricks"
    description = "One Databricks job (Jobs API 2.1 JSON, or a bundle YAML): a python_wheel_task per node."
    options = {
        "format": (("json", "yaml"), "json"),
        "per": (("node", "pipeline"), "node"),
        "cluster": (None, ""),
        "install": (None, "odibi-studio"),
        "environment_version": (None, "2"),
        "project_path": (None, ""),
        "schedule": (None, ""),
        "job_name": (None, ""),
    }

    def render(self, plan: OrchestrationPlan) -> dict[str, str]:
        job = self.job(plan)
        stem = f"databricks/odibi_{slug(plan.project)}.job"
        if self.opts["format"] == "json":
            return {f"{stem}.json": json.dumps(job, indent=2, ensure_ascii=False) + "\n"}
        header = "".join(f"# {line}\n" for line in header_lines(plan, header_target(self)))
        body = yaml.dump({"resources": {"jobs": {f"odibi_{slug(plan.project)}": job}}}, Dumper=BlockDumper,
                         sort_keys=False, allow_unicode=True, width=10_000)
        return {f"{stem}.yml": header + body}

    def job(self, plan: OrchestrationPlan) -> dict:
        """The job settings (the body of ``POST /api/2.1/jobs/create``)."""
        description = "\n".join([*header_lines(plan, header_target(self)), *schedule_note(plan)])
        job: dict = {"name": self.opts["job_name"] or f"odibi-{plan.project}", "description": description,
                     "tags": {"odibi": "", "odibi_project": plan.project,
                              **{t: "" for t in job_tags(plan, 23, self.name)}},
                     "max_concurrent_runs": 1}
        cron = self.opts["schedule"] or plan.schedule
        if cron:
            where = "-O schedule" if self.opts["schedule"] else f"project '{plan.project}'"
            job["schedule"] = {"quartz_cron_expression": to_quartz(parse_cron(cron, where), where),
                               "timezone_id": "UTC", "pause_status": "UNPAUSED"}
        compute, task_compute = self._compute()
        job.update(compute)
        job["tasks"] = [{**task, **task_compute} for task in self._tasks(plan)]
        return job

    def _compute(self) -> tuple[dict, dict]:
        """(job-level keys, per-task keys) for serverless, an existing cluster or a job cluster."""
        install = self.opts["install"]
        library = {"whl": install} if install.endswith(".whl") else {"pypi": {"package": install}}
        cluster = self.opts["cluster"].strip()
        if not cluster:
            env = {"environment_key": _CLUSTER_KEY,
                   "spec": {"environment_version": self.opts["environment_version"], "dependencies": [install]}}
            return {"environments": [env]}, {"environment_key": _CLUSTER_KEY}
        if cluster.startswith("{"):
            try:
                spec = json.loads(cluster)
            except json.JSONDecodeError as exc:
                raise OdibiError(f"generate databricks: -O cluster=... is not valid JSON ({exc.msg} at "
                                 f"character {exc.pos}); give a cluster id or a new_cluster object") from None
            if not isinstance(spec, dict):
                raise OdibiError("generate databricks: -O cluster=... must be a cluster id or a JSON object")
            return ({"job_clusters": [{"job_cluster_key": _CLUSTER_KEY, "new_cluster": spec}]},
                    {"job_cluster_key": _CLUSTER_KEY, "libraries": [library]})
        return {}, {"existing_cluster_id": cluster, "libraries": [library]}

    def _tasks(self, plan: OrchestrationPlan) -> list[dict]:
        if self.opts["per"] == "pipeline":
            pipes = {p.name: p for p in plan.pipelines}
            return [self._task(plan, name, ups, pipes[name].description, pipes[name].tags, 0, 0.0,
                               plan.run_command(pipeline=name))
                    for name, ups in pipeline_upstream(plan).items()]
        ups = enabled_upstream(plan)
        return [self._task(plan, t.task_id, ups[t.task_id], t.description, t.tags, t.retries, t.retry_delay_s,
                           plan.run_command(node=t.node))
                for t in plan.tasks if t.enabled]

    def _task(self, plan: OrchestrationPlan, key: str, upstream: tuple[str, ...], description: str | None,
              tags: tuple[str, ...], retries: int, delay_s: float, argv: list[str]) -> dict:
        if not _TASK_KEY.match(key):
            raise OdibiError(f"generate databricks: '{key}' cannot be a task_key (letters, digits, '_' and '-', "
                             "at most 100 characters); rename the node or pipeline")
        if self.opts["project_path"]:
            argv = [*argv[:2], self.opts["project_path"], *argv[3:]]
        text = (description or f"odibi {'pipeline' if self.opts['per'] == 'pipeline' else 'node'} {key}")
        text += (f" [tags: {', '.join(tags)}]" if tags else "") + f" ({shlex.join(argv)})"
        task: dict = {"task_key": key, "description": text[:1000]}
        if upstream:
            task["depends_on"] = [{"task_key": u} for u in upstream]
        task["python_wheel_task"] = {"package_name": "odibi-studio", "entry_point": argv[0], "parameters": argv[1:]}
        task["max_retries"] = retries
        if retries:
            task["min_retry_interval_millis"] = round(delay_s * 1000)
        return task
