"""Helpers every generate target shares: ids, the graph with disabled nodes bridged, and the header."""

from __future__ import annotations

import re
import shlex

from odibi_core.generate.base import Generator
from odibi_core.generate.plan import OrchestrationPlan


def slug(text: str) -> str:
    """A lower-case Python identifier made of letters, digits and underscores (for ids, names, files)."""
    text = re.sub(r"[^a-z0-9_]+", "_", text.lower()).strip("_") or "project"
    return f"_{text}" if text[0].isdigit() else text


def enabled_upstream(plan: OrchestrationPlan) -> dict[str, tuple[str, ...]]:
    """Enabled task id -> its enabled upstream task ids, in graph order.

    A disabled node is not a task; an edge through it is bridged to its own upstream tasks, so
    the order the YAML implies (A before C when A -> disabled B -> C) still holds.
    """
    by_id = {t.task_id: t for t in plan.tasks}

    def resolve(task_id: str, seen: frozenset[str]) -> list[str]:
        task = by_id.get(task_id)
        if task is None or task_id in seen:
            return []
        if task.enabled:
            return [task_id]
        return [x for u in task.upstream for x in resolve(u, seen | {task_id})]

    return {t.task_id: tuple(dict.fromkeys(x for u in t.upstream for x in resolve(u, frozenset({t.task_id}))))
            for t in plan.tasks if t.enabled}


def header_target(gen: Generator) -> str:
    """The target as the header's command names it, with every option that differs from its default."""
    given = [f" -O {shlex.quote(f'{k}={v}')}" for k, v in sorted(gen.opts.items()) if v != gen.options[k][1]]
    return gen.name + "".join(given)


def schedule_note(plan: OrchestrationPlan) -> list[str]:
    """Header lines explaining where the schedule came from when the pipelines disagree."""
    crons = [(p.name, p.schedule) for p in plan.pipelines if p.schedule]
    if plan.schedule or not crons:
        return []
    listed = "; ".join(f"{name}: {cron}" for name, cron in crons)
    return [f"The pipelines' schedules disagree ({listed}), so the project has no single schedule."]
