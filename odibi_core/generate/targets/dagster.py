"""``odibi generate dagster``: the project as a Dagster definitions module.

Each enabled node is a software-defined asset (its key is the node name, unique in a project)
whose ``deps`` are its upstream nodes, cross-pipeline and storage-inferred edges included, so
Dagster's lineage graph is odibi's graph. Materialising an asset runs
``odibi run <config> --node N [--env E]`` in a subprocess and fails (``dagster.Failure``) on a
non-zero exit; odibi does the reading and writing, Dagster only orchestrates and observes.

Jobs: one per pipeline (``<pipeline>_job``, the pipeline's asset group) plus ``<project>_job``
with every asset. Schedules: when the project has a single schedule it drives the project job
(so cross-pipeline order holds within a run); when the pipelines' schedules disagree each
scheduled pipeline's job gets its own. The module is checked with
``dagster definitions validate -f <file>``. The module has no ``from __future__ import
annotations``: Dagster inspects the ``context`` annotation at definition time and rejects a string.
"""

from __future__ import annotations

import re
import shlex

from odibi_core.generate.base import Generator, comment_header, register
from odibi_core.generate.plan import OrchestrationPlan, TaskSpec
from odibi_core.generate.common import enabled_upstream, header_target, schedule_note, slug

_TAG = re.compile(r"^[A-Za-z0-9_.-]{1,63}$")


def asset_tags(plan: OrchestrationPlan, task: TaskSpec) -> dict[str, str]:
    """Dagster tags for a node: its own and its pipeline's odibi tags (as ``key: ""``).

    Dagster accepts only ``[A-Za-z0-9_.-]{1,63}`` as a tag key, so other characters become
    ``_`` (the original tag is still in the asset's metadata).
    """
    pipe = next(p for p in plan.pipelines if p.name == task.pipeline)
    keys = [re.sub(r"[^A-Za-z0-9_.-]", "_", t)[:63] for t in (*pipe.tags, *task.tags)]
    return {k: "" for k in sorted(dict.fromkeys(k for k in keys if _TAG.match(k)))}


@register
class DagsterGenerator(Generator):
    name = "dagster"
    description = "A Dagster definitions module (odibi_<project>_dagster.py): an asset per node, a job per pipeline."
    options = {
        "project_dir": (None, ""),
    }

    def render(self, plan: OrchestrationPlan) -> dict[str, str]:
        return {f"odibi_{slug(plan.project)}_dagster.py": self._module(plan)}

    def _module(self, plan: OrchestrationPlan) -> str:
        upstream = enabled_upstream(plan)
        tasks = [t for t in plan.tasks if t.enabled]
        notes = [
            "Target: Dagster 1.x (dagster.asset, Definitions); check it with `dagster definitions validate -f`.",
            "Each asset runs `odibi run` for one node in a subprocess (`odibi` must be on PATH).",
            "Paths are relative to the folder `odibi generate` ran in: set ODIBI_PROJECT_DIR (or -O project_dir=)",
            "to it.",
            "odibi retries a failing node itself (retry: in the YAML); the RetryPolicy re-runs the asset after that.",
            *schedule_note(plan),
        ]
        out = [comment_header(plan, header_target(self)), "".join(f"# {n}\n" for n in notes),
               f'"""Dagster definitions for the odibi project {plan.project!r} ({len(tasks)} assets)."""\n\n',
               "import os\n", "import subprocess\n\n",
               "import dagster as dg\n\n",
               f"PROJECT_DIR = os.environ.get('ODIBI_PROJECT_DIR', {self.opts['project_dir']!r})\n",
               _RUNNER]
        for task in tasks:
            out.append(self._asset(plan, task, upstream[task.task_id]))
        out.append(self._definitions(plan, tasks))
        return "".join(out)

    def _asset(self, plan: OrchestrationPlan, task: TaskSpec, deps: tuple[str, ...]) -> str:
        argv = plan.run_command(node=task.node)
        metadata = {"odibi/pipeline": task.pipeline, "odibi/command": shlex.join(argv)}
        if task.layer:
            metadata["odibi/layer"] = task.layer
        if task.tags:
            metadata["odibi/tags"] = ", ".join(task.tags)
        lines = ["\n\n@dg.asset(\n", f"    name={task.task_id!r},\n", f"    group_name={task.pipeline!r},\n",
                 f"    deps={list(deps)!r},\n",
                 f"    description={task.description or f'odibi node {task.node} (pipeline {task.pipeline}).'!r},\n",
                 f"    kinds={sorted({'odibi', plan.engine})!r},\n", f"    tags={asset_tags(plan, task)!r},\n",
                 f"    metadata={metadata!r},\n"]
        if task.retries:
            lines.append(f"    retry_policy=dg.RetryPolicy(max_retries={task.retries}, "
                         f"delay={task.retry_delay_s!r}),\n")
        lines.append(f")\ndef {_fn(task.task_id)}(context: dg.AssetExecutionContext) -> None:\n"
                     f"    run_odibi(context, {argv!r})\n")
        return "".join(lines)

    def _definitions(self, plan: OrchestrationPlan, tasks: list[TaskSpec]) -> str:
        groups = [p.name for p in plan.pipelines if any(t.pipeline == p.name for t in tasks)]
        project_job = f"{slug(plan.project)}_job"
        while project_job in {_job(g) for g in groups}:  # a pipeline named like the project
            project_job = project_job.removesuffix("_job") + "_all_job"
        out = ["\n\n", "".join(f"{_job(g)} = dg.define_asset_job({_job(g)!r}, "
                               f"selection=dg.AssetSelection.groups({g!r}))\n" for g in groups),
               f"{project_job} = dg.define_asset_job({project_job!r}, selection=dg.AssetSelection.all())\n"]
        schedules = []
        if plan.schedule:
            schedules.append((f"{slug(plan.project)}_schedule", project_job, plan.schedule))
        else:
            schedules += [(f"{p.name}_schedule", _job(p.name), p.schedule) for p in plan.pipelines
                          if p.schedule and p.name in groups]
        out.extend(f"{name} = dg.ScheduleDefinition(name={name!r}, job={job}, cron_schedule={cron!r})\n"
                   for name, job, cron in schedules)
        out.append("\ndefs = dg.Definitions(\n"
                   f"    assets=[{', '.join(_fn(t.task_id) for t in tasks)}],\n"
                   f"    jobs=[{', '.join([*(_job(g) for g in groups), project_job])}],\n"
                   f"    schedules=[{', '.join(name for name, _, _ in schedules)}],\n)\n")
        return "".join(out)


_RUNNER = '''

def run_odibi(context: dg.AssetExecutionContext, argv: list[str]) -> None:
    """Run one odibi command; its output goes to the compute logs, a non-zero exit fails the step."""
    context.log.info("running: " + " ".join(argv))
    code = subprocess.run(argv, cwd=PROJECT_DIR or None, check=False).returncode
    if code != 0:
        raise dg.Failure(description=f"{' '.join(argv)} exited with code {code}",
                         metadata={"exit_code": code, "command": " ".join(argv)})
'''


def _fn(task_id: str) -> str:
    """The Python name of a node's asset function (the prefix avoids keywords and module names)."""
    return f"asset_{task_id}"


def _job(pipeline: str) -> str:
    return f"{pipeline}_job"
