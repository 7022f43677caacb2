"""OdibiEats at scale: pandas vs Spark vs a hand-written DuckDB baseline, written up in PERFORMANCE.md.

For each scale: generate the landing once (``python -m datagen``, timed, MB/s), then run the
whole ``reference_eats`` project on pandas and on Spark (``--env spark``) and the DuckDB
baseline (``eats_duckdb.py``), each in a fresh subprocess (``eats_runs``), recording wall time,
CPU time and peak RSS of the process tree, and rows per gold table. A run that fails or passes
the time or memory limit is recorded with its reason. Then every engine's gold tables are
checked against the pandas run's (``eats_compare``), and ``reference_eats/PERFORMANCE.md`` and
``performance.png`` are written (``eats_report``), after every scale, so a long run that is
stopped still leaves a report of what finished. The raw results go to ``<work>/results.json``.

Scales above the first are skipped (and the report says why) when the disk is short for them,
and an engine is skipped at a scale when it took more than ``--max-engine-minutes`` at the
previous one (scale 10 is ten times the data).

Run: ``make bench-eats`` or
``.venv/bin/python benchmarks/eats.py --scales 0.1,1,10 [--engines pandas,spark,duckdb] [--timeout 3600]``;
``--render results.json`` rewrites the report from saved results without running anything.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import eats_compare  # noqa: E402
import eats_report  # noqa: E402
import eats_runs  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "reference_eats" / "PERFORMANCE.md"
CHART = ROOT / "reference_eats" / "performance.png"
GB_PER_SCALE_NEEDED = 4.0  # landing ~1 GB per scale unit, plus each engine's lake and the exported tables


def meminfo() -> dict[str, float]:
    out = {}
    with open("/proc/meminfo") as f:
        for line in f:
            key, value = line.split(":", 1)
            out[key] = int(value.split()[0]) / 1024  # MB
    return out


def machine() -> dict:
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")), "unknown CPU")
    except OSError:
        cpu = "unknown CPU"
    versions = []
    for name in ("pandas", "pyspark", "duckdb", "deltalake", "shapely", "pyarrow"):
        try:
            from importlib.metadata import version

            versions.append(f"{name} {version(name)}")
        except Exception:  # noqa: BLE001 - a missing package is just not listed
            pass
    mem = meminfo()
    return {"cores": os.cpu_count(), "cpu": cpu, "ram_mb": mem["MemTotal"], "swap_mb": mem.get("SwapTotal", 0.0),
            "python": platform.python_version(), "versions": ", ".join(versions),
            "load_start": _load(), "load_end": None}


def _load() -> str:
    return " / ".join(f"{v:.1f}" for v in os.getloadavg())


def default_rss_limit() -> float:
    """80% of RAM, but never more than what is available now less 1 GB (the machine is shared)."""
    mem = meminfo()
    return min(0.8 * mem["MemTotal"], mem["MemAvailable"] - 1024)


def skip_reason(scale: float, previous: dict | None, work: Path) -> str | None:
    free_gb = shutil.disk_usage(work).free / 2**30
    need = GB_PER_SCALE_NEEDED * scale + 2
    if free_gb < need:
        return f"needs about {need:.0f} GB of disk, {free_gb:.0f} GB free"
    return None


def engine_skip(engine: str, scale: float, previous: dict | None, max_minutes: float) -> str | None:
    if previous is None:
        return None
    run = next((r for r in previous["runs"] if r["engine"] == engine), None)
    if run is None:
        return None
    if run["status"] in ("out of memory", "timeout"):
        return f"{run['status']} at scale {previous['scale']:g} already"
    if run["wall_s"] > max_minutes * 60:
        return (f"took {run['wall_s'] / 60:.0f} min at scale {previous['scale']:g} (limit "
                f"{max_minutes:g} min), so about {run['wall_s'] * scale / previous['scale'] / 60:.0f} min here")
    return None


def check(runs: list[dict]) -> list[dict]:
    done = {r["engine"]: Path(r["out"]) for r in runs if r["status"] == "ok"}
    if len(done) < 2:
        return []
    order = [e for e in ("pandas", "spark", "duckdb") if e in done]
    return [c.__dict__ | {"agree": c.agree} for c in eats_compare.compare({e: done[e] for e in order})]


def run_scale(scale: float, args, previous: dict | None) -> dict:
    work = args.work / f"scale-{scale:g}"
    entry: dict = {"scale": scale, "runs": [], "checks": []}
    reason = skip_reason(scale, previous, args.work)
    if reason:
        entry["skipped"] = reason
        print(f"scale {scale:g}: skipped ({reason})", flush=True)
        return entry
    landing = work / "landing"
    print(f"scale {scale:g}: generating {landing}", flush=True)
    entry["datagen"] = eats_runs.generate(scale, args.seed, landing, args.timeout, args.rss_limit_mb)
    print(f"  datagen: {entry['datagen']['bytes'] / 2**20:.0f} MB in {entry['datagen']['wall_s']:.1f} s "
          f"({entry['datagen']['mb_per_s']:.0f} MB/s) {entry['datagen']['status']}", flush=True)
    if entry["datagen"]["status"] != "ok":
        entry["skipped"] = f"the data generator failed: {entry['datagen']['reason']}"
        return entry
    for engine in args.engines:
        why = engine_skip(engine, scale, previous, args.max_engine_minutes)
        if why:
            entry["runs"].append({"engine": engine, "status": "skipped", "reason": why, "wall_s": 0.0,
                                  "peak_tree_mb": 0.0, "rows": {}})
            print(f"  {engine}: skipped ({why})", flush=True)
            continue
        if engine == "duckdb":
            record = eats_runs.run_baseline(landing, work / engine, args.timeout, args.rss_limit_mb)
        else:
            record = eats_runs.run_project(engine, landing, work / engine, args.timeout, args.rss_limit_mb)
        entry["runs"].append(record)
        print(f"  {engine}: {record['status']} {record['wall_s']:.1f} s, {record['peak_tree_mb']:.0f} MB "
              f"{record['reason']}", flush=True)
    entry["checks"] = check(entry["runs"])
    for c in entry["checks"]:
        print(f"  {c['table']}: {'agree' if c['agree'] else 'DISAGREE ' + '; '.join(c['problems'])}", flush=True)
    if not args.keep:  # the exported tables stay; the landing and the lakes are the bulk of the disk
        for engine in ("pandas", "spark"):
            shutil.rmtree(work / engine / "project" / "lake", ignore_errors=True)
        shutil.rmtree(landing, ignore_errors=True)
    return entry


def write_report(results: dict) -> None:
    eats_report.chart(results, CHART)
    REPORT.write_text(eats_report.markdown(results, eats_report.analysis(results), CHART.name), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scales", default="0.1,1", help="comma-separated scales (1 is about 1 GB), default 0.1,1")
    ap.add_argument("--engines", default="pandas,spark,duckdb", help="which of pandas, spark, duckdb to run")
    ap.add_argument("--timeout", type=float, default=3600, help="seconds per run before it is stopped (3600)")
    ap.add_argument("--rss-limit-mb", type=float, default=None,
                    help="peak RSS of a run's process tree before it is stopped (default: 80%% of RAM, at most "
                         "what is available at start less 1 GB)")
    ap.add_argument("--max-engine-minutes", type=float, default=10,
                    help="skip an engine at the next scale when it took longer than this at the previous one")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--work", type=Path, default=ROOT / "test-artifacts" / "bench-eats",
                    help="where landings, lakes and outputs go (default test-artifacts/bench-eats)")
    ap.add_argument("--keep", action="store_true",
                    help="keep each scale's landing and each run's Delta lake (default: deleted once compared)")
    ap.add_argument("--render", type=Path, help="only rewrite the report from this results.json")
    args = ap.parse_args(argv)
    if args.render:
        write_report(json.loads(args.render.read_text()))
        print(f"wrote {REPORT} and {CHART}")
        return 0
    try:
        scales = [float(s) for s in args.scales.split(",") if s.strip()]
    except ValueError:
        ap.error(f"--scales must be numbers separated by commas, e.g. 0.1,1 (got {args.scales!r})")
    args.engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    unknown = [e for e in args.engines if e not in ("pandas", "spark", "duckdb")]
    if unknown or not args.engines or not scales or any(s <= 0 for s in scales):
        ap.error("--engines takes pandas, spark and/or duckdb; --scales positive numbers")
    if not (eats_runs.PROJECT / "odibi.yaml").is_file():
        print(f"error: {eats_runs.PROJECT / 'odibi.yaml'} not found; the benchmark runs that project.", file=sys.stderr)
        return 2
    args.work.mkdir(parents=True, exist_ok=True)
    args.rss_limit_mb = args.rss_limit_mb or default_rss_limit()
    results = {"date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "machine": machine(),
               "scales_arg": args.scales, "limits": {"timeout_s": args.timeout, "rss_limit_mb": args.rss_limit_mb,
                                                     "max_engine_minutes": args.max_engine_minutes},
               "scales": []}
    previous = None
    for scale in scales:
        entry = run_scale(scale, args, previous)
        results["scales"].append(entry)
        results["machine"]["load_end"] = _load()
        (args.work / "results.json").write_text(json.dumps(results, indent=1, default=str))
        write_report(results)
        if entry.get("runs"):
            previous = entry
    print(f"wrote {REPORT}, {CHART} and {args.work / 'results.json'}")
    failed = any(not c["agree"] for s in results["scales"] for c in s["checks"])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
