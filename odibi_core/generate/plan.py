"""The orchestration plan: what every generator renders, computed once from the loaded project.

It holds only what an orchestrator needs (tasks, their upstream tasks across pipelines, retries,
tags, schedules, the command that runs a node) in a fixed order, so generators stay small
templates and their output is deterministic.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from odibi_core.config.loader import LoadedProject
from odibi_core.graph import Graph


@dataclass(frozen=True)
class TaskSpec:
    """One node as an orchestrator task. ``task_id`` is the node name (unique in a project)."""

    task_id: str
    node: str
    pipeline: str
    upstream: tuple[str, ...]  # task ids, same or other pipelines (depends_on, $pipeline.node, storage)
    tags: tuple[str, ...]
    retries: int  # extra attempts after the first (retry.max_attempts - 1, 0 when retries are off)
    retry_delay_s: float
    description: str | None
    layer: str | None
    enabled: bool


@dataclass(frozen=True)
class PipelineSpec:
    name: str
    schedule: str | None
    tags: tuple[str, ...]
    description: str | None
    layer: str | None
    tasks: tuple[str, ...]  # task ids in graph order
    upstream_pipelines: tuple[str, ...]  # pipelines whose tasks feed this one


@dataclass(frozen=True)
class OrchestrationPlan:
    project: str
    engine: str
    env: str | None
    source_file: str  # the project file as given to generators (relative to the output's working dir)
    source_name: str  # its file name, for headers
    source_hash: str  # sha256 of the project file and every file it pulls in
    pipelines: tuple[PipelineSpec, ...]
    tasks: tuple[TaskSpec, ...]
    schedule: str | None = None  # a single schedule when every pipeline agrees (or only one has one)
    extra: dict = field(default_factory=dict, compare=False)

    def task(self, task_id: str) -> TaskSpec:
        return next(t for t in self.tasks if t.task_id == task_id)

    def run_command(self, *, node: str | None = None, pipeline: str | None = None) -> list[str]:
        """The ``odibi run`` argv for a node or a pipeline, with the plan's env."""
        argv = ["odibi", "run", self.source_file]
        if node:
            argv += ["--node", node]
        if pipeline:
            argv += ["--pipeline", pipeline]
        if self.env:
            argv += ["--env", self.env]
        return argv


def build_plan(loaded: LoadedProject, graph: Graph, *, source_file: str | None = None) -> OrchestrationPlan:
    cfg = loaded.config
    tasks: list[TaskSpec] = []
    for name, gn in graph.nodes.items():
        node = gn.config
        retry = node.retry or cfg.retry
        retries = max(0, retry.max_attempts - 1) if retry.enabled else 0
        upstream = tuple(dict.fromkeys(list(gn.upstream) + list(gn.implicit_upstream)))
        tasks.append(TaskSpec(task_id=name, node=name, pipeline=gn.pipeline, upstream=upstream,
                              tags=tuple(node.tags), retries=retries, retry_delay_s=float(retry.initial_delay),
                              description=node.description, layer=gn.layer, enabled=node.enabled))
    by_pipe: dict[str, list[str]] = {}
    for t in tasks:
        by_pipe.setdefault(t.pipeline, []).append(t.task_id)
    owner = {t.task_id: t.pipeline for t in tasks}
    pipelines = []
    for pipe in cfg.pipelines:
        ups = sorted({owner[u] for tid in by_pipe.get(pipe.pipeline, []) for u in graph.nodes[tid].upstream
                      + graph.nodes[tid].implicit_upstream if owner.get(u) and owner[u] != pipe.pipeline})
        pipelines.append(PipelineSpec(name=pipe.pipeline, schedule=pipe.schedule, tags=tuple(pipe.tags),
                                      description=pipe.description, layer=pipe.layer,
                                      tasks=tuple(by_pipe.get(pipe.pipeline, [])), upstream_pipelines=tuple(ups)))
    schedules = sorted({p.schedule for p in pipelines if p.schedule})
    return OrchestrationPlan(
        project=cfg.project, engine=cfg.engine, env=loaded.env,
        source_file=source_file or loaded.file.name, source_name=loaded.file.name,
        source_hash=config_hash(loaded), pipelines=tuple(pipelines), tasks=tuple(tasks),
        schedule=schedules[0] if len(schedules) == 1 else None)


def config_hash(loaded: LoadedProject) -> str:
    """sha256 over the project file, its imports and the env overlay in use (names and bytes)."""
    files = {loaded.file.resolve()} | {Path(f).resolve() for f in loaded.source_map.files()}
    h = hashlib.sha256()
    for path in sorted(files):
        if path.is_file():
            h.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()
