"""Record made-up run history in a real catalog (the runs' contents are chosen, the catalog is real)."""

from __future__ import annotations

from odibi_core.runner.results import NodeResult, RunResult

COLS = [{"name": "id", "type": "int64"}, {"name": "name", "type": "string"}, {"name": "total", "type": "double"}]


def ts(i: int) -> str:
    return f"2026-01-01T{i // 60:02d}:{i % 60:02d}:00.000+00:00"


def record(catalog, i: int, rows: int | None = 100, *, node: str = "orders", status: str = "success",
           schema=None, pipeline: str = "p", finish: bool = True) -> RunResult:
    """Run number ``i`` (its time orders the history) with one node."""
    nr = NodeResult(name=node, pipeline=pipeline, status=status, started_at=ts(i), ended_at=ts(i),
                    rows_out=rows if status != "failed" else None,
                    schema_out=(COLS if schema is None else schema) if status != "failed" else [])
    run = RunResult(run_id=f"run{i:03d}", project="t", pipeline=pipeline, engine="pandas", env=None,
                    status="success" if status != "failed" else "failed", started_at=ts(i), ended_at=ts(i),
                    nodes=[nr])
    catalog.record_run_start(run)
    if finish:
        catalog.record_run(run)
    else:
        catalog.record_node(run.run_id, nr)  # live progress only, as during a run
    return run
