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
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _runs import measure, spark_unavailable, write_project  # noqa: E402

CHUNK = 1_000_000
CUSTOMERS = 10_000
STATUSES = np.array(["pending", "shipped", "delivered", "cancelled", "returned"])
COUNTRIES = np.array(["gb", "us", "de", "fr", "nl", "es", "it", "pl"])


# --- data and project ---------------------------------------------------------------------------
NODES = [
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", default="1000000,10000000", help="comma-separated row counts (default 1M,10M)")
    ap.add_argument("--engines", default="pandas,spark", help="comma-separated engines (default pandas,spark)")
    args = ap.parse_args()
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
                config = write_project(Path(tmp) / f"run_{rows}_{engine}", data, NODES, "bench_engines")
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
    result = r["status"] + (f", {r['rows_written']} rows out" if r.get("rows_written") is not None else "")
    if r.get("error"):
        result += f" ({r['error'][:120]})"
    return (f"{rows:>11,} {r['engine']:<7}{r['wall_s']:>8.1f}{r['startup_s']:>10.1f}{r['run_s']:>8.1f}"
            f"{rows / r['run_s']:>14,.0f}{r['peak_tree_mb']:>12.0f}{r['peak_python_mb']:>10.0f}  {result}")


if __name__ == "__main__":
    main()
