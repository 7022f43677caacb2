"""The same 5-node pipeline on the pandas and the Spark engine, at 1M and 10M rows.

Pipeline (one YAML, ``--env spark`` switches the engine):
  orders (read parquet) -> filtered (filter_rows) -> derived (derive_columns)
  -> by_country (join customers + aggregate, write delta); customers (read parquet) is the 5th node.

Each engine run happens in a fresh subprocess, so one engine's caches, JIT or JVM cannot help
the other. Reported per run: wall time of the whole subprocess (interpreter, imports, run,
shutdown), engine start-up (session + engine + a first trivial query: the SparkSession and JVM
start for Spark), the run itself, and peak RSS: of the process tree (Python plus Spark's JVM,
sampled from /proc every 50 ms) and of the Python process alone (wait4's ru_maxrss).
Numbers only, no asserts.

Run: .venv/bin/python benchmarks/engines.py [--rows 1000000,10000000] [--engines pandas,spark]
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import yaml

MARK = "BENCH_RESULT "
CHUNK = 1_000_000
CUSTOMERS = 10_000
STATUSES = np.array(["pending", "shipped", "delivered", "cancelled", "returned"])
COUNTRIES = np.array(["gb", "us", "de", "fr", "nl", "es", "it", "pl"])


# --- data and project ---------------------------------------------------------------------------
def generate(folder: Path, rows: int, seed: int = 7) -> None:
    """orders/part-*.parquet (``rows`` rows, written in 1M-row parts) and customers.parquet."""
    rng = np.random.default_rng(seed)
    (folder / "orders").mkdir(parents=True)
    start = np.datetime64("2024-01-01T00:00:00", "us")
    for part, first in enumerate(range(0, rows, CHUNK)):
        n = min(CHUNK, rows - first)
        table = pa.table({
            "order_id": pa.array(np.arange(first, first + n, dtype=np.int64)),
            "customer_id": pa.array(rng.integers(0, CUSTOMERS, n, dtype=np.int64)),
            "amount": pa.array(np.round(rng.gamma(2.0, 30.0, n), 2)),
            "qty": pa.array(rng.integers(1, 10, n, dtype=np.int64)),
            "ordered_at": pa.array(start + rng.integers(0, 365 * 86400, n).astype("timedelta64[s]")),
            "status": pa.array(STATUSES[rng.integers(0, len(STATUSES), n)].tolist(), pa.string()),
        })
        pq.write_table(table, folder / "orders" / f"part-{part:05d}.parquet")
    pq.write_table(pa.table({
        "customer_id": pa.array(np.arange(CUSTOMERS, dtype=np.int64)),
        "country": pa.array(COUNTRIES[rng.integers(0, len(COUNTRIES), CUSTOMERS)].tolist(), pa.string()),
    }), folder / "customers.parquet")


def write_project(root: Path, data: Path) -> Path:
    nodes = [
        {"name": "orders", "read": {"connection": "data", "format": "parquet", "path": "orders"}},
        {"name": "customers", "read": {"connection": "data", "format": "parquet", "path": "customers.parquet"}},
        {"name": "filtered", "depends_on": ["orders"], "transformer": "filter_rows",
         "params": {"condition": "amount > 10 AND status <> 'cancelled'"}},
        {"name": "derived", "depends_on": ["filtered"], "transformer": "derive_columns",
         "params": {"columns": {"total": "amount * qty", "day": "CAST(ordered_at AS DATE)"}}},
        {"name": "by_country", "depends_on": ["derived", "customers"], "transformer": "join",
         "params": {"right": "customers", "on": ["customer_id"], "select": ["country"]},
         "transform": {"steps": [{"function": "aggregate", "params": {
             "group_by": ["country", "day"],
             "aggregations": {"revenue": {"fn": "sum", "column": "total"}, "orders": {"fn": "count"},
                              "customers": {"fn": "count_distinct", "column": "customer_id"}}}}]},
         "write": {"connection": "lake", "format": "delta", "path": "gold/by_country", "mode": "overwrite"}},
    ]
    cfg = {"project": "bench_engines",
           "connections": {"data": {"type": "local", "base_path": str(data)},
                           "lake": {"type": "local", "base_path": "./lake"}},
           "story": {"connection": "lake", "path": "stories"},
           "system": {"connection": "lake", "path": "_system"},
           "environments": {"spark": {"engine": "spark"}},
           "pipelines": [{"pipeline": "bench", "nodes": nodes}]}
    root.mkdir(parents=True, exist_ok=True)
    path = root / "odibi.yaml"
    path.write_text(yaml.safe_dump(cfg, sort_keys=False), encoding="utf-8")
    return path


# --- the measured subprocess ----------------------------------------------------------------------
def worker(engine: str, config: str) -> None:
    """Runs in the child: start the engine, run the pipeline, print one JSON result line."""
    from odibi_core.runner.runner import RunOptions
    from odibi_core.session import Session

    t0 = time.perf_counter()
    session = Session(config, env=None if engine == "pandas" else engine)
    eng = session.engine
    eng.count(eng.sql("SELECT 1 AS one", {}))  # forces a lazy engine (Spark: JVM + session) to start
    startup = time.perf_counter() - t0
    t1 = time.perf_counter()
    (result,) = session.run(RunOptions())
    run_s = time.perf_counter() - t1
    node = result.node("by_country")
    out = {"engine": eng.name, "startup_s": startup, "run_s": run_s, "status": result.status,
           "rows_in": result.node("orders").rows_out, "rows_out": node.rows_written, "error": node.error}
    session.close()
    print(MARK + json.dumps(out), flush=True)


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            tree.setdefault(ppid, []).append(int(entry))
    return tree


def tree_rss(pid: int) -> int:
    """Resident bytes of ``pid`` and all its descendants (the JVM is a child of pyspark)."""
    tree, todo, total, page = _children(), [pid], 0, os.sysconf("SC_PAGE_SIZE")
    while todo:
        p = todo.pop()
        try:
            total += int(Path(f"/proc/{p}/statm").read_text().split()[1]) * page
        except OSError:
            pass
        todo.extend(tree.get(p, []))
    return total


def measure(engine: str, config: Path) -> dict:
    env = {**os.environ, "PYSPARK_PYTHON": sys.executable, "SPARK_LOCAL_IP": "127.0.0.1"}
    log = config.parent / f"{engine}.log"
    with open(log, "w+") as out:
        t0 = time.perf_counter()
        proc = subprocess.Popen([sys.executable, __file__, "--worker", engine, str(config)], cwd=config.parent,
                                stdout=out, stderr=subprocess.STDOUT, env=env)
        peak, usage = 0, None
        while usage is None:
            peak = max(peak, tree_rss(proc.pid))
            # wait4 (not Popen.poll) so the child's own rusage, with its ru_maxrss, is kept
            pid, status, rusage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                usage, proc.returncode = rusage, os.waitstatus_to_exitcode(status)
            else:
                time.sleep(0.05)
        wall = time.perf_counter() - t0
        out.seek(0)
        text = out.read()
    line = next((ln for ln in text.splitlines() if ln.startswith(MARK)), None)
    base = {"engine": engine, "wall_s": wall, "peak_tree_mb": peak / 2**20,
            "peak_python_mb": usage.ru_maxrss / 1024}  # ru_maxrss is in KiB on Linux
    if line is None:
        return {**base, "failed": " | ".join(text.strip().splitlines()[-5:])}
    return {**json.loads(line[len(MARK):]), **base}


def spark_unavailable() -> str | None:
    try:
        importlib.import_module("odibi_core.engines.spark.engine")
    except Exception as exc:  # noqa: BLE001 - any import failure means the engine cannot run here
        return f"{type(exc).__name__}: {exc}"
    return None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", default="1000000,10000000", help="comma-separated row counts (default 1M,10M)")
    ap.add_argument("--engines", default="pandas,spark", help="comma-separated engines (default pandas,spark)")
    ap.add_argument("--worker", nargs=2, metavar=("ENGINE", "CONFIG"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        worker(*args.worker)
        return
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    if "spark" in engines:
        why = spark_unavailable()
        if why:
            print(f"skipping spark: the Spark engine is not available ({why})")
            engines.remove("spark")
    header = (f"{'rows':>11} {'engine':<7}{'wall s':>8}{'startup s':>10}{'run s':>8}{'rows/s (run)':>14}"
              f"{'peak RSS MB':>12}{'python MB':>10}  result")
    results = []
    with tempfile.TemporaryDirectory(prefix="odibi-bench-") as tmp:
        for rows in [int(float(r)) for r in args.rows.split(",")]:
            data = Path(tmp) / f"data_{rows}"
            t0 = time.perf_counter()
            generate(data, rows)
            print(f"generated {rows:,} rows in {time.perf_counter() - t0:.1f} s", flush=True)
            for engine in engines:
                config = write_project(Path(tmp) / f"run_{rows}_{engine}", data)
                r = measure(engine, config)
                results.append((rows, r))
                print(f"  {engine}: {_line(rows, r)}", flush=True)
    print()
    print(header)
    for rows, r in results:
        print(_line(rows, r))
    print("wall = whole subprocess (interpreter, imports, start-up, run, shutdown); startup = session + engine + "
          "first query (Spark: JVM and SparkSession); run = the pipeline incl. stories and run history; "
          "peak RSS = process tree incl. the JVM; python MB = the Python process alone")


def _line(rows: int, r: dict) -> str:
    if "failed" in r:
        return (f"{rows:>11,} {r['engine']:<7}{r['wall_s']:>8.1f}{'':>10}{'':>8}{'':>14}"
                f"{r['peak_tree_mb']:>12.0f}{r['peak_python_mb']:>10.0f}  FAILED: {r['failed'][:200]}")
    result = r["status"] + (f", {r['rows_out']} rows out" if r.get("rows_out") is not None else "")
    if r.get("error"):
        result += f" ({r['error'][:120]})"
    return (f"{rows:>11,} {r['engine']:<7}{r['wall_s']:>8.1f}{r['startup_s']:>10.1f}{r['run_s']:>8.1f}"
            f"{rows / r['run_s']:>14,.0f}{r['peak_tree_mb']:>12.0f}{r['peak_python_mb']:>10.0f}  {result}")


if __name__ == "__main__":
    main()
