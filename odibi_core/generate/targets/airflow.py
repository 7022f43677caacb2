"""``odibi generate airflow``: the project as one Apache Airflow 3 DAG file.

Why one DAG per project: cross-pipeline edges (``$bronze.node`` inputs, storage-inferred reads)
are ordinary task dependencies inside one DAG, so Airflow orders them exactly as odibi does,
without sensors or cross-DAG triggers. Each pipeline becomes a ``TaskGroup`` (task ids stay the
node names, which are unique in a project). Each enabled node is one task that runs
``odibi run <config> --node N [--env E]``: a ``BashOperator`` by default, or with
``-O operator=python`` a ``PythonOperator`` calling ``odibi_core.cli.main.main`` in-process.

The DAG's schedule is the project's single schedule (every scheduled pipeline agrees); when the
pipelines disagree the DAG gets ``schedule=None`` (triggered by hand or the API) and the header
lists each pipeline's cron, unless ``-O schedule=...`` sets one. Keeping one DAG keeps the
cross-pipeline order, which per-pipeline DAGs would lose.

"""

from __future__ import annotations

import re
import shlex

from odibi_core.errors import OdibiError
from odibi_core.generate.base import Generator, comment_header, register
from odibi_core.generate.common import enabled_upstream, header_target, schedule_note, slug
from odibi_core.generate.plan import OrchestrationPlan, TaskSpec

START_DATE = "datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)"


def task_doc(plan: OrchestrationPlan, task: TaskSpec) -> str:
    """Markdown shown beside the task: what the node is, and the YAML facts behind it."""
    lines = [task.description or f"odibi node `{task.node}`.", "",
             f"- pipeline: `{task.pipeline}`" + (f" (layer `{task.layer}`)" if task.layer else "")]
    if task.tags:
        lines.append(f"- tags: {', '.join(task.tags)}")
    lines.append(f"- command: `{shlex.join(plan.run_command(node=task.node))}`")
    return "\n".join(lines)


@register
class AirflowGenerator(Generator):
    name = "airflow"
    description = "One Apache Airflow 3 DAG (dags/odibi_<project>.py): a task per node, task groups per pipeline."
    options = {
        "operator": (("bash", "python"), "bash"),
        "project_dir": (None, ""),
        "schedule": (None, ""),
        "dag_id": (None, ""),
    }

    def render(self, plan: OrchestrationPlan) -> dict[str, str]:
        dag_id = self.opts["dag_id"] or f"odibi_{slug(plan.project)}"
        if not re.fullmatch(r"[A-Za-z0-9_.-]{1,250}", dag_id):
            raise OdibiError(f"generate airflow: dag_id '{dag_id}' may only hold letters, digits, '_', '.' and '-'")
        return {f"dags/{slug(dag_id)}.py": self._module(plan, dag_id)}

    def _module(self, plan: OrchestrationPlan, dag_id: str) -> str:
        python = self.opts["operator"] == "python"
        upstream = enabled_upstream(plan)
        tasks = [t for t in plan.tasks if t.enabled]
        schedule = self.opts["schedule"] or plan.schedule
        header = comment_header(plan, header_target(self))
        notes = [
            "Target: Apache Airflow 3.x (airflow.sdk; operators from apache-airflow-providers-standard).",
            "Each task runs `odibi run` for one node" + (" in-process (odibi_core must be importable "
                                                         "on the workers)." if python else
                                                         " (`odibi` must be on the workers' PATH)."),
            "Paths are relative to the folder `odibi generate` ran in: set ODIBI_PROJECT_DIR (or -O project_dir=)",
            "to it on the workers.",
            "odibi retries a failing node itself (retry: in the YAML); Airflow's retries re-run the task after that.",
            *([] if self.opts["schedule"] else schedule_note(plan)),
        ]
        out = [header, "".join(f"# {n}\n" for n in notes),
               f'"""Airflow DAG {dag_id!r} for the odibi project {plan.project!r} ({len(tasks)} tasks)."""\n\n',
               "from __future__ import annotations\n\n", "import datetime\n", "import os\n\n"]
        if python:
            out.append("from airflow.providers.standard.operators.python import PythonOperator\n")
        else:
            out.append("from airflow.providers.standard.operators.bash import BashOperator\n")
        out.append("from airflow.sdk import DAG, TaskGroup\n\n")
        out.append(f"PROJECT_DIR = os.environ.get('ODIBI_PROJECT_DIR', {self.opts['project_dir']!r})\n\n")
        if python:
            out.append(_PYTHON_CALLABLE)
        tags = sorted({"odibi", *(tag for p in plan.pipelines for tag in p.tags),
                       *(tag for t in tasks for tag in t.tags)})
        description = f"odibi project {plan.project} ({plan.source_name})"
        out.append(
            "with DAG(\n"
            f"    dag_id={dag_id!r},\n"
            f"    description={description!r},\n"
            f"    schedule={schedule or None!r},\n"
            f"    start_date={START_DATE},\n"
            "    catchup=False,\n"
            "    max_active_runs=1,\n"
            f"    tags={tags!r},\n"
            ") as dag:\n")
        if not tasks:
            out.append("    pass  # every node is disabled\n")
        group_ids = _group_ids(plan, {t.task_id for t in tasks})
        for pipe in plan.pipelines:
            members = [t for t in tasks if t.pipeline == pipe.name]
            if not members:
                continue
            tooltip = pipe.description or f"odibi pipeline {pipe.name}"
            out.append(f"    with TaskGroup(group_id={group_ids[pipe.name]!r}, prefix_group_id=False, "
                       f"tooltip={tooltip!r}):\n")
            for task in members:
                out.append(self._task(plan, task, python))
        edges = [(u, t.task_id) for t in tasks for u in upstream[t.task_id]]
        if edges:
            out.append("\n    # Dependencies: depends_on, $pipeline.node inputs and storage-inferred reads.\n")
            out.extend(f"    {_var(u)} >> {_var(d)}\n" for u, d in edges)
        return "".join(out)

    def _task(self, plan: OrchestrationPlan, task: TaskSpec, python: bool) -> str:
        lines = [f"        {_var(task.task_id)} = "]
        if python:
            argv = plan.run_command(node=task.node)[1:]
            lines.append(f"PythonOperator(\n            task_id={task.task_id!r},\n"
                         f"            python_callable=run_odibi,\n            op_args=[{argv!r}],\n")
        else:
            command = shlex.join(plan.run_command(node=task.node))
            lines.append(f"BashOperator(\n            task_id={task.task_id!r},\n"
                         f"            bash_command={command!r},\n            cwd=PROJECT_DIR or None,\n")
        lines.append(f"            retries={task.retries},\n")
        if task.retries:
            lines.append(f"            retry_delay=datetime.timedelta(seconds={task.retry_delay_s!r}),\n")
        lines.append(f"            doc_md={task_doc(plan, task)!r},\n        )\n")
        return "".join(lines)


_PYTHON_CALLABLE = '''\

def run_odibi(argv: list[str]) -> None:
    """Run the odibi CLI in this worker process; a non-zero exit fails the task."""
    from odibi_core.cli.main import main

    if PROJECT_DIR:
        argv = [argv[0], os.path.join(PROJECT_DIR, argv[1]), *argv[2:]]
    code = main(argv)
    if code != 0:
        raise RuntimeError(f"odibi {' '.join(argv)} exited with code {code}")


'''


def _var(task_id: str) -> str:
    """The Python variable holding a task (node names are identifiers; the prefix avoids keywords)."""
    return f"t_{task_id}"


def _group_ids(plan: OrchestrationPlan, task_ids: set[str]) -> dict[str, str]:
    """Task group id per pipeline: its name, suffixed when a node shares it (ids share one namespace)."""
    ids = {}
    for pipe in plan.pipelines:
        gid = pipe.name
        while gid in task_ids or gid in ids.values():
            gid += "_pipeline"
        ids[pipe.name] = gid
    return ids
