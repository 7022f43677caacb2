"""Builders of realistic RunResults for story tests (no engine needed: a story only reads results)."""

from __future__ import annotations

from odibi_core.runner.results import NodeResult, RunResult, TestResult

SCHEMA_IN = [{"name": "order_id", "type": "int64"}, {"name": "customer", "type": "string"},
             {"name": "amount", "type": "float64"}, {"name": "legacy_flag", "type": "bool"}]
SCHEMA_OUT = [{"name": "order_id", "type": "int64"}, {"name": "customer", "type": "string"},
              {"name": "amount", "type": "float64"}, {"name": "amount_eur", "type": "float64"}]


def sample_rows(n: int, node: str = "n") -> list[dict]:
    return [{"order_id": i, "customer": f"customer {node} {i}", "amount": i * 1.5, "amount_eur": i * 1.4,
             "created_at": f"2026-11-03T10:{i % 60:02d}:00", "note": None} for i in range(n)]


def node(name: str, *, status: str = "success", depends_on: list[str] | None = None, sample: int = 3,
         **kw) -> NodeResult:
    nr = NodeResult(
        name=name, pipeline=kw.pop("pipeline", "silver_sales"), status=status,
        started_at="2026-11-03T10:15:30.100+00:00", ended_at="2026-11-03T10:15:31.350+00:00", duration_s=1.25,
        attempts=1, rows_in=1200, rows_out=1180, rows_written=1180, schema_in=list(SCHEMA_IN),
        schema_out=list(SCHEMA_OUT), columns_added=["amount_eur"], columns_removed=["legacy_flag"],
        sample=sample_rows(sample, name), sql=[f"SELECT *, amount * 0.93 AS amount_eur FROM df -- {name}"],
        tests=[TestResult(name="order_id_not_null", type="not_null", passed=True, failed_rows=0, total_rows=1180),
               TestResult(name="amount_range", type="range", passed=False, failed_rows=3, total_rows=1180,
                          on_fail="warn", message="3 rows outside [0, 10000]")],
        write_target=f"lake/silver/{name}", write_mode="overwrite", write_version=4,
        metrics={"dedup_removed": 20}, depends_on=list(depends_on or []), layer="silver", transformer="deduplicate",
    )
    for k, v in kw.items():
        setattr(nr, k, v)
    return nr


def run(nodes: list[NodeResult] | None = None, *, started_at: str = "2026-11-03T10:15:30.000+00:00",
        pipeline: str = "silver_sales", status: str = "success", run_id: str = "20261103T101530-abcd1234",
        edges: list[tuple[str, str]] | None = None) -> RunResult:
    nodes = nodes if nodes is not None else [node("load_orders"), node("clean_orders", depends_on=["load_orders"])]
    if edges is None:
        edges = [(d, n.name) for n in nodes for d in n.depends_on]
    return RunResult(run_id=run_id, project="sales", pipeline=pipeline, engine="pandas", env="dev", status=status,
                     started_at=started_at, ended_at="2026-11-03T10:15:35.000+00:00", duration_s=5.0, nodes=nodes,
                     edges=edges, layer="silver", config_file="/proj/odibi.yaml", warnings=[])


def big_run(n_nodes: int = 200, sample: int = 10) -> RunResult:
    """A wide, deep graph: 10 chains of 20 nodes, each node also fed by the chain beside it."""
    nodes = []
    for i in range(n_nodes):
        chain, pos = divmod(i, 20)
        deps = [f"node_{i - 1:03d}"] if pos else []
        if pos and chain:
            deps.append(f"node_{i - 21:03d}")
        nodes.append(node(f"node_{i:03d}", depends_on=deps, sample=sample))
    return run(nodes)
