"""Code run in child processes by the concurrency test (spawned children import it by name)."""

from __future__ import annotations

import traceback

from odibi_core.catalog import RunCatalog
from odibi_core.runner.results import NodeResult, RunResult


def record_many(folder: str, worker: int, n_runs: int, n_nodes: int, barrier, errors) -> None:
    """Record ``n_runs`` complete runs (start, live node updates, final record) as fast as possible."""
    try:
        barrier.wait(timeout=60)  # all start together, creating/opening the catalog included
        catalog = RunCatalog(folder)
        for i in range(n_runs):
            started = f"2026-11-03T10:{worker:02d}:{i % 60:02d}.{i // 60:03d}+00:00"
            run = RunResult(run_id=f"w{worker}-r{i:03d}", project="p", pipeline=f"pipe_{worker % 2}",
                            engine="pandas", env=None, started_at=started)
            run.nodes = [NodeResult(name=f"n{k}", pipeline=run.pipeline) for k in range(n_nodes)]
            catalog.record_run_start(run)
            for nr in run.nodes:
                nr.status, nr.started_at, nr.ended_at = "success", started, started
                nr.rows_out = worker * 1000 + i
                nr.schema_out = [{"name": "id", "type": "int64"}]
                catalog.record_node(run.run_id, nr)
            run.status, run.ended_at = "success", started
            catalog.record_run(run)
        catalog.close()
    except BaseException:  # noqa: BLE001 - reported to the parent, which fails the test
        errors.put(f"worker {worker}: {traceback.format_exc()}")
        raise
