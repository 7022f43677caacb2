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
def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", default="10000000", help="comma-separated sizes (default 10M)")
    ap.add_argument("--cases", default=",".join(CASES), help=f"comma-separated cases ({', '.join(CASES)})")
    ap.add_argument("--engines", default="pandas,spark", help="comma-separated engines (default pandas,spark)")
    args = ap.parse_args()
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
                    config = write_project(Path(tmp) / f"run_{case}_{rows}_{engine}", data, nodes(data), "bench_patterns_events")
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
    result = r["status"] + (f", {r['rows_written']:,} rows out" if r.get("rows_written") is not None else "")
    if r.get("error"):
        result += f" ({r['error'][:200]})"
    return (f"{head}{r['startup_s']:>10.1f}{r['run_s']:>8.1f}{rows / r['run_s']:>14,.0f}"
            f"{r['peak_tree_mb']:>12.0f}{r['peak_python_mb']:>10.0f}  {result}")


if __name__ == "__main__":
    main()
