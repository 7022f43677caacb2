"""sessionize over 10M events and geo_zone over 10M points x 200 zones, on pandas and on Spark.

Each case is a small project (read parquet -> the transformer -> write parquet), run in a
fresh subprocess per engine, as in ``benchmarks/engines.py`` (whose measuring helpers are
reused). Reported per run: wall time of the subprocess, engine start-up, the run itself, and
peak RSS of the process tree (Python plus Spark's JVM) and of the Python process alone.
Numbers only, no asserts.

``CASES`` maps a case name to ``(generate(folder, rows), nodes(data_dir))`` so the cases can be
registered in another runner (``benchmarks/patterns.py``) as they are.

Run: .venv/bin/python benchmarks/patterns_events.py [--rows 10000000] [--cases sessionize,geo_zone]
     [--engines pandas,spark]
"""

from __future__ import annotations

import argparse
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

sys.path.insert(0, str(Path(__file__).resolve().parent))
from engines import MARK, spark_unavailable, tree_rss  # noqa: E402

CHUNK = 1_000_000
EVENT_TYPES = np.array(["menu_view", "add_to_cart", "checkout", "order_placed", "search"])
ZONES = 200
CITY = (2.22, 48.81, 2.47, 48.91)  # lon/lat box of a city


# --- sessionize ---------------------------------------------------------------------------------
def generate_events(folder: Path, rows: int, seed: int = 11) -> None:
    """events/part-*.parquet: visits of ~10 events (minutes apart) by users with ~5 visits in 30 days."""
    rng = np.random.default_rng(seed)
    (folder / "events").mkdir(parents=True)
    visits = max(1, rows // 10)
    visit_user = rng.integers(0, max(1, rows // 50), visits)
    visit_start = rng.integers(0, 30 * 86400 * 1000, visits)  # ms after the start
    start = np.datetime64("2024-11-01T00:00:00", "us")
    for part, first in enumerate(range(0, rows, CHUNK)):
        n = min(CHUNK, rows - first)
        visit = rng.integers(0, visits, n)
        offset = rng.exponential(5 * 60 * 1000, n).astype(np.int64)  # a few minutes into the visit
        pq.write_table(pa.table({
            "user_id": pa.array(np.char.add("u", visit_user[visit].astype(str)).tolist(), pa.string()),
            "event_time": pa.array(start + (visit_start[visit] + offset).astype("timedelta64[ms]")),
            "event_type": pa.array(EVENT_TYPES[rng.integers(0, len(EVENT_TYPES), n)].tolist(), pa.string()),
        }), folder / "events" / f"part-{part:05d}.parquet")


def sessionize_nodes(data: Path) -> list[dict]:
    return [{"name": "events", "read": {"connection": "data", "format": "parquet", "path": "events"}},
            {"name": "sessions", "depends_on": ["events"], "transformer": "sessionize",
             "params": {"key": "user_id", "timestamp": "event_time", "gap": "30m", "event_type_column": "event_type",
                        "conversion_event_type": "order_placed"},
             "write": {"connection": "lake", "format": "parquet", "path": "out/sessions", "mode": "overwrite"}}]


# --- geo_zone -----------------------------------------------------------------------------------
def generate_points(folder: Path, rows: int, seed: int = 5) -> None:
    """points/part-*.parquet (lat, lon, ~62% inside the city) and zones.parquet: 200 Voronoi zones."""
    import shapely

    rng = np.random.default_rng(seed)
    x0, y0, x1, y1 = CITY
    box = shapely.box(*CITY)
    seeds = shapely.multipoints(np.c_[rng.uniform(x0, x1, ZONES), rng.uniform(y0, y1, ZONES)])
    cells = shapely.intersection(shapely.get_parts(shapely.voronoi_polygons(seeds, extend_to=box)), box)
    cells = shapely.segmentize(cells, (x1 - x0) / 400)  # ~76 vertices per zone, like real neighbourhoods
    (folder / "points").mkdir(parents=True)
    pq.write_table(pa.table({"zone_id": pa.array(np.arange(1, len(cells) + 1), pa.int64()),
                             "wkt": shapely.to_wkt(cells, rounding_precision=-1).tolist(),
                             "neighborhood": [f"hood-{i}" for i in range(1, len(cells) + 1)]}),
                   folder / "zones.parquet")
    for part, first in enumerate(range(0, rows, CHUNK)):
        n = min(CHUNK, rows - first)
        pq.write_table(pa.table({
            "order_id": pa.array(np.arange(first, first + n, dtype=np.int64)),
            "lat": pa.array(rng.uniform(y0 - 0.02, y1 + 0.02, n)),
            "lon": pa.array(rng.uniform(x0 - 0.02, x1 + 0.02, n)),
        }), folder / "points" / f"part-{part:05d}.parquet")


def geo_nodes(data: Path) -> list[dict]:
    return [{"name": "points", "read": {"connection": "data", "format": "parquet", "path": "points"}},
            {"name": "zones", "read": {"connection": "data", "format": "parquet", "path": "zones.parquet"}},
            {"name": "located", "depends_on": ["points", "zones"], "transformer": "geo_zone",
             "params": {"lat": "lat", "lon": "lon", "zones": "zones"},
             "write": {"connection": "lake", "format": "parquet", "path": "out/located", "mode": "overwrite"}}]


CASES = {"sessionize": (generate_events, sessionize_nodes), "geo_zone": (generate_points, geo_nodes)}


# --- running ------------------------------------------------------------------------------------
def write_project(root: Path, data: Path, nodes: list[dict]) -> Path:
    cfg = {"project": "bench_patterns_events",
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


def worker(engine: str, config: str) -> None:
    """In the child: start the engine, run, print one JSON line (rows in/out of the last node)."""
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
    last = result.nodes[-1]
    out = {"engine": eng.name, "startup_s": startup, "run_s": run_s, "status": result.status,
           "rows_in": last.rows_in, "rows_out": last.rows_written, "error": last.error, "metrics": last.metrics}
    session.close()
    print(MARK + json.dumps(out, default=str), flush=True)


def measure(engine: str, config: Path) -> dict:
    """Run the worker in a subprocess; wall time, peak RSS of its process tree and of Python alone."""
    env = {**os.environ, "PYSPARK_PYTHON": sys.executable, "SPARK_LOCAL_IP": "127.0.0.1"}
    with open(config.parent / f"{engine}.log", "w+") as out:
        t0 = time.perf_counter()
        proc = subprocess.Popen([sys.executable, __file__, "--worker", engine, str(config)], cwd=config.parent,
                                stdout=out, stderr=subprocess.STDOUT, env=env)
        peak, usage = 0, None
        while usage is None:
            peak = max(peak, tree_rss(proc.pid))
            pid, _, rusage = os.wait4(proc.pid, os.WNOHANG)  # keeps the child's ru_maxrss
            if pid:
                usage = rusage
            else:
                time.sleep(0.05)
        wall = time.perf_counter() - t0
        out.seek(0)
        text = out.read()
    line = next((ln for ln in text.splitlines() if ln.startswith(MARK)), None)
    base = {"engine": engine, "wall_s": wall, "peak_tree_mb": peak / 2**20, "peak_python_mb": usage.ru_maxrss / 1024}
    if line is None:
        return {**base, "failed": " | ".join(text.strip().splitlines()[-5:])}
    return {**json.loads(line[len(MARK):]), **base}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", default="10000000", help="comma-separated sizes (default 10M)")
    ap.add_argument("--cases", default=",".join(CASES), help=f"comma-separated cases ({', '.join(CASES)})")
    ap.add_argument("--engines", default="pandas,spark", help="comma-separated engines (default pandas,spark)")
    ap.add_argument("--worker", nargs=2, metavar=("ENGINE", "CONFIG"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        worker(*args.worker)
        return
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    if "spark" in engines and spark_unavailable():
        print(f"skipping spark: the Spark engine is not available ({spark_unavailable()})")
        engines.remove("spark")
    results = []
    with tempfile.TemporaryDirectory(prefix="odibi-bench-patterns-") as tmp:
        for case in [c.strip() for c in args.cases.split(",") if c.strip()]:
            generate, nodes = CASES[case]
            for rows in [int(float(r)) for r in args.rows.split(",")]:
                data = Path(tmp) / f"{case}_{rows}"
                t0 = time.perf_counter()
                generate(data, rows)
                print(f"{case}: generated {rows:,} rows in {time.perf_counter() - t0:.1f} s", flush=True)
                for engine in engines:
                    config = write_project(Path(tmp) / f"run_{case}_{rows}_{engine}", data, nodes(data))
                    r = measure(engine, config)
                    results.append((case, rows, r))
                    print(f"  {_line(case, rows, r)}", flush=True)
    print()
    print(f"{'case':<11}{'rows':>12} {'engine':<7}{'wall s':>8}{'startup s':>10}{'run s':>8}{'rows/s (run)':>14}"
          f"{'peak RSS MB':>12}{'python MB':>10}  result")
    for case, rows, r in results:
        print(_line(case, rows, r))
    print("wall = whole subprocess (interpreter, imports, start-up, run, shutdown); run = the pipeline incl. "
          "reading, writing, story and run history; peak RSS = process tree incl. the JVM")


def _line(case: str, rows: int, r: dict) -> str:
    head = f"{case:<11}{rows:>12,} {r['engine']:<7}{r['wall_s']:>8.1f}"
    if "failed" in r:
        return f"{head}{'':>10}{'':>8}{'':>14}{r['peak_tree_mb']:>12.0f}{r['peak_python_mb']:>10.0f}  " \
               f"FAILED: {r['failed'][:300]}"
    result = r["status"] + (f", {r['rows_out']:,} rows out" if r.get("rows_out") is not None else "")
    if r.get("error"):
        result += f" ({r['error'][:200]})"
    return (f"{head}{r['startup_s']:>10.1f}{r['run_s']:>8.1f}{rows / r['run_s']:>14,.0f}"
            f"{r['peak_tree_mb']:>12.0f}{r['peak_python_mb']:>10.0f}  {result}")


if __name__ == "__main__":
    main()
