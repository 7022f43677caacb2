"""Drift during a run: put each node's findings on the results before the story and the catalog see them.

Called by :meth:`odibi_core.session.Session.run` after the runner returns and before the run is
recorded, so every comparison is with history only. Drift detection is a report, not a step of
the pipeline: any error in it is logged and turned into a run warning, and never fails a run.
The one deliberate exception is ``drift.schema.fail_on``, which the user asked for.
"""

from __future__ import annotations

import logging
from typing import Callable

from odibi_core.catalog.baselines import Baselines
from odibi_core.catalog.store import RunCatalog
from odibi_core.config.models.drift import DriftConfig, effective_drift
from odibi_core.drift.detect import OK_STATUSES, NodeDrift, detect_node
from odibi_core.graph import Graph
from odibi_core.runner.results import RunResult

log = logging.getLogger("odibi")


def settings_for(project_drift: DriftConfig | None, graph: Graph) -> Callable[[str], DriftConfig]:
    """``node name -> effective drift settings`` (project defaults merged with the node's own)."""
    def resolve(name: str) -> DriftConfig:
        gn = graph.nodes.get(name)
        if gn is None:
            return effective_drift(project_drift, None)
        own = gn.config.drift
        gate = gn.config.validation.gate if gn.config.validation else None
        if gate is not None and gate.row_count is not None:
            # validation.gate.row_count is Odibi's spelling of the same thresholds; it wins over drift.row_count
            data = own.model_dump(by_alias=True, exclude_unset=True) if own is not None else {}
            data["row_count"] = {**data.get("row_count", {}),
                                 **gate.row_count.model_dump(by_alias=True, exclude_unset=True)}
            own = DriftConfig.model_validate(data)
        return effective_drift(project_drift, own)

    return resolve


def annotate_runs(catalog: RunCatalog, results: list[RunResult], graph: Graph,
                  project_drift: DriftConfig | None = None) -> dict[str, NodeDrift]:
    """Detect drift for every node that ran; fill ``NodeResult.drift`` and the run warnings.

    Returns ``{node: NodeDrift}`` for the nodes checked. Never raises."""
    resolve = settings_for(project_drift, graph)
    problem = None
    try:
        baselines = Baselines(catalog).as_map()
    except Exception as exc:  # noqa: BLE001 - drift is best effort
        log.warning("drift: pinned baselines could not be read: %s", exc)
        baselines = {}
        problem = f"drift: pinned baselines could not be read, schemas were compared with the previous run only: {exc}"
    out: dict[str, NodeDrift] = {}
    for result in results:
        failed = False
        if problem:
            result.warnings.append(problem)
        for nr in result.nodes:
            if nr.status not in OK_STATUSES:
                continue
            try:
                settings = resolve(nr.name)
                if not settings.enabled:
                    continue
                d = detect_node(catalog, nr.name, settings, pipeline=nr.pipeline, current=nr,
                                run_id=result.run_id, baselines=baselines)
            except Exception as exc:  # noqa: BLE001 - a drift check must never fail the run
                log.warning("drift of node '%s' could not be checked: %s", nr.name, exc)
                result.warnings.append(f"{nr.name}: drift could not be checked: {exc}")
                continue
            out[nr.name] = d
            nr.drift = d.findings()
            result.warnings.extend(f"{nr.name}: drift: {m}" for m in d.messages())
            failed = failed or d.failed
        if failed and result.status != "cancelled":
            result.status = "failed"
    return out
