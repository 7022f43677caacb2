"""The pattern transformers at scale, on pandas and on Spark: wall time and peak RSS per engine.

Cases (``CASES``, a registry: name -> :class:`Case`):

* ``merge``: MERGE (upsert) 1M source rows into a 10M-row Delta table; half of the source
  updates existing keys spread over the whole table, half inserts new keys;
* ``scd2``: a 1M-key SCD2 history and a new 1M-row snapshot in which 10% of the keys changed;
* the cases of ``benchmarks/patterns_events.py`` (sessionize, geo_zone), when that file is there.

A case is ``generate(folder, scale)`` (makes the inputs, not timed) and ``nodes(folder)`` (the
pipeline). A case whose run changes its inputs (a MERGE target) says ``mutates=True`` and each
engine gets its own copy of them. Each engine runs in a fresh subprocess (no shared caches or
JVM); reported: wall time of the subprocess, engine start-up, the run itself, peak RSS of the
process tree (Python + Spark's JVM) and of Python alone, and the pattern's own metrics.
Numbers only, no asserts. ``--scale 0.1`` runs everything at a tenth of the size.

Run: .venv/bin/python benchmarks/patterns.py [--cases merge,scd2] [--engines pandas,spark] [--scale 1]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from deltalake import write_deltalake

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _runs import measure, spark_unavailable, write_project  # noqa: E402

CHUNK = 1_000_000
STATUSES = np.array(["pending", "shipped", "delivered", "cancelled", "returned"])


@dataclass(frozen=True)
class Case:
    generate: Callable[[Path, float], int]  # writes the inputs under the folder; returns the size to report
    nodes: Callable[[Path], list[dict]]  # the pipeline's nodes (connection 'data' is the folder)
    mutates: bool = False  # the run changes its inputs: every engine gets a fresh copy


# --- merge: 1M rows into a 10M-row Delta table ------------------------------------------------------
def _orders(rng: np.random.Generator, ids: np.ndarray, day: str) -> pa.Table:
    n = len(ids)
    return pa.table({
        "order_id": pa.array(ids, pa.int64()),
        "customer_id": pa.array(rng.integers(0, 100_000, n), pa.int64()),
        "amount": pa.array(np.round(rng.gamma(2.0, 30.0, n), 2)),
        "status": pa.array(STATUSES[rng.integers(0, len(STATUSES), n)].tolist(), pa.string()),
        "changed_at": pa.array(np.full(n, np.datetime64(day, "us"))),
    })


def generate_merge(folder: Path, scale: float) -> int:
    """target/ (Delta, 10M orders in 1M-row appends) and source.parquet (1M: 50% updates, 50% new)."""
    rng = np.random.default_rng(3)
    target_rows, source_rows = int(10_000_000 * scale), int(1_000_000 * scale)
    for first in range(0, target_rows, CHUNK):
        ids = np.arange(first, min(first + CHUNK, target_rows))
        write_deltalake(str(folder / "target"), _orders(rng, ids, "2024-01-01"), mode="append")
    updates = rng.choice(target_rows, source_rows // 2, replace=False)
    new = np.arange(target_rows, target_rows + source_rows - len(updates))
    pq.write_table(_orders(rng, np.concatenate([updates, new]), "2024-02-01"), folder / "source.parquet")
    return source_rows


def merge_nodes(data: Path) -> list[dict]:
    return [{"name": "changes", "read": {"connection": "data", "format": "parquet", "path": "source.parquet"}},
            {"name": "merged", "depends_on": ["changes"], "transformer": "merge",
             "params": {"target": {"connection": "data", "path": "target"}, "keys": ["order_id"],
                        "audit_columns": False}}]


# --- scd2: 1M keys, 10% changed ---------------------------------------------------------------------
def generate_scd2(folder: Path, scale: float) -> int:
    """history/ (Delta: one current version per key) and snapshot.parquet (every key, 10% re-priced)."""
    rng = np.random.default_rng(4)
    keys = int(1_000_000 * scale)
    price = np.round(rng.uniform(1, 30, keys), 2)
    name = np.char.add("item-", np.arange(keys).astype(str)).tolist()
    write_deltalake(str(folder / "history"), pa.table({
        "item_id": pa.array(np.arange(keys), pa.int64()), "name": pa.array(name, pa.string()),
        "price": pa.array(price), "valid_from": pa.array(np.full(keys, np.datetime64("2024-01-01", "us"))),
        "valid_to": pa.nulls(keys, pa.timestamp("us")), "is_current": pa.array(np.ones(keys, bool))}))
    changed = rng.random(keys) < 0.10
    new_price = np.where(changed, np.round(price * 1.1 + 0.5, 2), price)
    pq.write_table(pa.table({
        "item_id": pa.array(np.arange(keys), pa.int64()), "name": pa.array(name, pa.string()),
        "price": pa.array(new_price), "updated_at": pa.array(np.full(keys, np.datetime64("2024-02-01", "us")))}),
        folder / "snapshot.parquet")
    return keys


def scd2_nodes(data: Path) -> list[dict]:
    return [{"name": "snapshot", "read": {"connection": "data", "format": "parquet", "path": "snapshot.parquet"}},
            {"name": "history", "depends_on": ["snapshot"], "transformer": "scd2",
             "params": {"target": {"connection": "data", "path": "history"}, "keys": ["item_id"],
                        "tracked_columns": ["price", "name"], "effective_time": "updated_at"}}]


CASES: dict[str, Case] = {
    "merge": Case(generate_merge, merge_nodes, mutates=True),
    "scd2": Case(generate_scd2, scd2_nodes, mutates=True),
}


def _event_case(generate: Callable[[Path, int], None], nodes: Callable[[Path], list[dict]]) -> Case:
    """A ``patterns_events`` case (its generate takes a row count; 10M at scale 1)."""
    def gen(folder: Path, scale: float) -> int:
        rows = int(10_000_000 * scale)
        generate(folder, rows)
        return rows

    return Case(gen, nodes)


try:  # sessionize and geo_zone live in their own file
    from patterns_events import CASES as _EVENT_CASES  # noqa: E402
except ImportError:
    _EVENT_CASES = {}
for _name, (_generate, _nodes) in _EVENT_CASES.items():
    CASES.setdefault(_name, _event_case(_generate, _nodes))


# --- running ------------------------------------------------------------------------------------
def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cases", default="merge,scd2", help=f"comma-separated cases ({', '.join(CASES)})")
    ap.add_argument("--engines", default="pandas,spark", help="comma-separated engines (default pandas,spark)")
    ap.add_argument("--scale", type=float, default=1.0, help="size factor (1 = the sizes above; 0.1 = a tenth)")
    args = ap.parse_args()
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    if "spark" in engines and spark_unavailable():
        print(f"skipping spark: the Spark engine is not available ({spark_unavailable()})")
        engines.remove("spark")
    results = []
    with tempfile.TemporaryDirectory(prefix="odibi-bench-patterns-") as tmp:
        for name in [c.strip() for c in args.cases.split(",") if c.strip()]:
            case = CASES[name]
            data = Path(tmp) / f"{name}_data"
            data.mkdir()
            t0 = time.perf_counter()
            size = case.generate(data, args.scale)
            print(f"{name}: generated inputs (size {size:,}) in {time.perf_counter() - t0:.1f} s", flush=True)
            for engine in engines:
                run_data = data
                if case.mutates:
                    run_data = Path(tmp) / f"{name}_data_{engine}"
                    shutil.copytree(data, run_data)
                config = write_project(Path(tmp) / f"run_{name}_{engine}", run_data, case.nodes(run_data), "bench_patterns")
                r = measure(engine, config)
                results.append((name, size, r))
                print(f"  {_line(name, size, r)}", flush=True)
                if case.mutates:
                    shutil.rmtree(run_data, ignore_errors=True)
    print()
    print(f"{'case':<11}{'size':>12} {'engine':<7}{'wall s':>8}{'startup s':>10}{'run s':>8}"
          f"{'peak RSS MB':>12}{'python MB':>10}  result")
    for name, size, r in results:
        print(_line(name, size, r))
    print("wall = whole subprocess (interpreter, imports, start-up, run, shutdown); run = the pipeline incl. "
          "reading, the pattern's Delta commit, story and run history; peak RSS = process tree incl. the JVM")


def _line(name: str, size: int, r: dict) -> str:
    head = f"{name:<11}{size:>12,} {r['engine']:<7}{r['wall_s']:>8.1f}"
    if "failed" in r:
        return (f"{head}{'':>10}{'':>8}{r['peak_tree_mb']:>12.0f}{r['peak_python_mb']:>10.0f}  "
                f"FAILED: {r['failed'][:300]}")
    metrics = r.get("metrics") or {}
    detail = metrics.get("merge") or metrics.get("scd2") or {}
    shown = {k: v for k, v in detail.items() if k in ("inserted", "updated", "versions_added", "versions_closed")}
    result = r["status"] + (f" {shown}" if shown else "") + (f" ({r['error'][:200]})" if r.get("error") else "")
    return (f"{head}{r['startup_s']:>10.1f}{r['run_s']:>8.1f}{r['peak_tree_mb']:>12.0f}{r['peak_python_mb']:>10.0f}"
            f"  {result}")


if __name__ == "__main__":
    main()
