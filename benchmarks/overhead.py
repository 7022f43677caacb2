"""Planning and per-node overhead on 10-row frames: a 200-node chain and a 200-node fan-out.

Prints numbers only (the goal is < 10 ms per node and a story HTML < 2 MB for 200 nodes).
Run: .venv/bin/python benchmarks/overhead.py [--nodes 200]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import yaml

from odibi_core.runner.runner import RunOptions
from odibi_core.session import Session


def make_project(root: Path, n: int, shape: str, with_sql: bool) -> Path:
    (root / "src").mkdir(parents=True)
    (root / "src/rows.csv").write_text("id,v\n" + "".join(f"{i},{i * 1.5}\n" for i in range(10)))
    nodes = [{"name": "n0", "read": {"connection": "src", "format": "csv", "path": "rows.csv"}}]
    for i in range(1, n):
        up = f"n{i - 1}" if shape == "chain" else "n0"
        node = {"name": f"n{i}", "depends_on": [up]}
        if with_sql:
            node["transform"] = {"steps": [{"sql": "SELECT id, v + 1 AS v FROM df"}]}
        nodes.append(node)
    cfg = {"project": "bench", "connections": {"src": {"type": "local", "base_path": "src"},
                                              "lake": {"type": "local", "base_path": "lake"}},
           "story": {"connection": "lake", "path": "stories"}, "system": {"connection": "lake", "path": "_sys"},
           "pipelines": [{"pipeline": "p", "nodes": nodes}]}
    path = root / "odibi.yaml"
    path.write_text(yaml.safe_dump(cfg, sort_keys=False))
    return path


def measure(n: int, shape: str, with_sql: bool, workers: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        path = make_project(Path(tmp), n, shape, with_sql)
        t0 = time.perf_counter()
        session = Session(path)
        levels = session.graph.levels()
        t_plan = time.perf_counter() - t0
        _ = session.engine, session.catalog  # start-up costs kept out of the per-node number
        t1 = time.perf_counter()
        (result,) = session.run(RunOptions(workers=workers))
        t_run = time.perf_counter() - t1
        html = Path(result.story_html).stat().st_size if result.story_html else 0
        js = Path(result.story_json).stat().st_size if result.story_json else 0
        node_sum = sum(x.duration_s for x in result.nodes)
        session.close()
        assert result.status == "success", result.status
        return {"shape": shape, "sql": with_sql, "workers": workers, "levels": len(levels),
                "plan_ms": t_plan * 1000, "run_ms": t_run * 1000, "per_node_ms": t_run * 1000 / n,
                "node_work_ms": node_sum * 1000 / n, "html_kb": html / 1024, "json_kb": js / 1024}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--nodes", type=int, default=200)
    args = ap.parse_args()
    print(f"{'shape':<8}{'sql':<6}{'workers':>8}{'levels':>8}{'plan ms':>10}{'run ms':>10}"
          f"{'ms/node':>9}{'node ms':>9}{'html KB':>9}{'json KB':>9}")
    for shape in ("chain", "fanout"):
        for with_sql in (False, True):
            for workers in (1, 4):
                r = measure(args.nodes, shape, with_sql, workers)
                print(f"{r['shape']:<8}{str(r['sql']):<6}{r['workers']:>8}{r['levels']:>8}{r['plan_ms']:>10.1f}"
                      f"{r['run_ms']:>10.1f}{r['per_node_ms']:>9.2f}{r['node_work_ms']:>9.2f}"
                      f"{r['html_kb']:>9.1f}{r['json_kb']:>9.1f}")
    print("ms/node = wall time of the run (incl. story + catalog) / nodes; node ms = mean time inside a node")


if __name__ == "__main__":
    main()
