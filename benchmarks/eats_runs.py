"""One measured OdibiEats run: the data generator, the project on one engine, or the DuckDB baseline.

Every run is a fresh subprocess measured by ``_runs.run_measured`` (wall time, peak RSS of the
whole process tree, Spark's JVM included), stopped with SIGKILL when it passes the time or
memory limit. The project runs in a copy of ``reference_eats/`` (its lake starts empty, so
incremental bronze cannot make a second engine's run cheaper), through the same
``Session.run`` the CLI calls, from this file's ``--worker`` mode, which prints one JSON line
with every node's status and duration. Afterwards the gold and silver tables the report
compares are exported from the run's Delta lake to ``<table>.parquet`` (not measured).

A run that does not finish is recorded with its reason, never dropped: the harness's own
limits, a ``MemoryError`` or a JVM ``OutOfMemoryError`` in the log, a SIGKILL from outside
(on Linux the kernel's OOM killer sends it; with the peak RSS next to the machine's RAM the
reader can judge), or a failed node and its error.
"""

from __future__ import annotations

import json
import os
import re
import resource
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _runs import MARK, run_measured  # noqa: E402
from eats_compare import LAKE_PATHS  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PROJECT = ROOT / "reference_eats"
BASELINE = Path(__file__).resolve().parent / "eats_duckdb.py"
MIN_AVAILABLE_MB = 768  # stop a run before the machine itself runs out (it is shared)
SKIP = {"lake", "landing", "__pycache__", ".pytest_cache", "spark-warehouse", "metastore_db"}


def bench_env(landing: Path) -> dict[str, str]:
    return {**os.environ, "ODIBI_EATS_LANDING": str(landing), "PYSPARK_PYTHON": sys.executable,
            "SPARK_LOCAL_IP": "127.0.0.1", "PYTHONPATH": str(ROOT)}


def folder_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def generate(scale: float, seed: int, landing: Path, timeout: float, rss_limit_mb: float) -> dict:
    """``python -m datagen`` into ``landing`` (emptied first); wall time, size and MB/s."""
    shutil.rmtree(landing, ignore_errors=True)
    landing.parent.mkdir(parents=True, exist_ok=True)
    r = run_measured([sys.executable, "-m", "datagen", "--scale", str(scale), "--seed", str(seed), "--quiet",
                      "--out", str(landing)], ROOT, landing.parent / "datagen.log", bench_env(landing), timeout, rss_limit_mb,
                     MIN_AVAILABLE_MB)
    size = folder_bytes(landing) if landing.exists() else 0
    status, reason = ("ok", "") if r["returncode"] == 0 and not r["killed"] else \
        ("failed", r["killed"] or _tail(r["log"]))
    own = re.search(r"\(([\d.]+) MB/s", r["log"])  # datagen's summary line: its own timer, after imports
    return {"what": "datagen", "scale": scale, "wall_s": r["wall_s"], "cpu_s": r["cpu_s"],
            "peak_tree_mb": r["peak_tree_mb"], "bytes": size, "mb_per_s": size / 2**20 / r["wall_s"] if r["wall_s"] else 0.0,
            "own_mb_per_s": float(own.group(1)) if own else None, "status": status, "reason": reason}


def copy_project(dest: Path) -> Path:
    """A copy of reference_eats/ without its lake or landing: the run's own, empty lake."""
    shutil.rmtree(dest, ignore_errors=True)
    shutil.copytree(PROJECT, dest, ignore=lambda d, names: [n for n in names if n in SKIP])
    return dest


def run_project(engine: str, landing: Path, workdir: Path, timeout: float, rss_limit_mb: float) -> dict:
    """The whole project on ``engine`` (pandas, or spark via ``--env spark``) in a fresh copy."""
    project = copy_project(workdir / "project")
    argv = [sys.executable, __file__, "--worker", str(project / "odibi.yaml"), engine]
    load = os.getloadavg()
    r = run_measured(argv, project, workdir / "run.log", bench_env(landing), timeout, rss_limit_mb,
                     MIN_AVAILABLE_MB)
    record = _record(engine, r, load)
    out = workdir / "gold"
    record["rows"] = export_tables(project, out) if record["status"] == "ok" else {}
    record["out"] = str(out)
    return record


def run_baseline(landing: Path, workdir: Path, timeout: float, rss_limit_mb: float) -> dict:
    out = workdir / "gold"
    shutil.rmtree(out, ignore_errors=True)
    workdir.mkdir(parents=True, exist_ok=True)
    argv = [sys.executable, str(BASELINE), "--landing", str(landing), "--out", str(out)]
    load = os.getloadavg()
    r = run_measured(argv, workdir, workdir / "run.log", bench_env(landing), timeout, rss_limit_mb,
                     MIN_AVAILABLE_MB)
    record = _record("duckdb", r, load)
    record["rows"] = _parquet_rows(out) if record["status"] == "ok" else {}
    record["out"] = str(out)
    return record


def export_tables(project: Path, out: Path) -> dict[str, int]:
    """The compared tables of a project run's lake as ``out/<table>.parquet``; rows per table."""
    import pyarrow.parquet as pq
    from deltalake import DeltaTable

    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    rows = {}
    for table, lake_path in LAKE_PATHS.items():
        found = [p.parent for p in project.rglob(f"{lake_path}/_delta_log")]
        if not found:
            continue
        data = DeltaTable(str(found[0])).to_pyarrow_table()
        pq.write_table(data, out / f"{table}.parquet")
        rows[table] = data.num_rows
    return rows


def _parquet_rows(out: Path) -> dict[str, int]:
    import pyarrow.parquet as pq

    return {p.stem: pq.ParquetFile(p).metadata.num_rows for p in sorted(out.glob("*.parquet"))}


def _tail(text: str, lines: int = 3) -> str:
    kept = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    return " | ".join(kept[-lines:])[-400:]


def _record(engine: str, r: dict, load: tuple[float, float, float]) -> dict:
    """Status and reason of a measured run (see the module docstring for the rules)."""
    base = {"engine": engine, "wall_s": r["wall_s"], "cpu_s": r["cpu_s"], "peak_tree_mb": r["peak_tree_mb"],
            "peak_python_mb": r["peak_python_mb"], "returncode": r["returncode"], "load_at_start": load}
    text = r["log"]
    line = next((ln for ln in text.splitlines() if ln.startswith(MARK)), None)
    result = json.loads(line[len(MARK):]) if line else {}
    base.update({k: result[k] for k in ("startup_s", "run_s", "nodes") if k in result})
    base["peak_nodes"] = peak_nodes(text)
    failed = [n for n in result.get("nodes", []) if n["status"] == "failed"]
    peak = f"peak tree RSS {r['peak_tree_mb']:.0f} MB"
    if r["killed"]:
        status = "out of memory" if "memory" in r["killed"] else "timeout"
        running = _running_node(text)
        reason = r["killed"] + (f", while {running} ran" if running else "")
    elif "MemoryError" in text or any(n.get("error_type") == "MemoryError" for n in failed):
        where = next((n["name"] for n in failed if n.get("error_type") == "MemoryError"), None)
        status, reason = "out of memory", "MemoryError" + (f" in node {where}" if where else "") + f" ({peak})"
    elif "java.lang.OutOfMemoryError" in text:
        status, reason = "out of memory", f"JVM OutOfMemoryError ({peak})"
    elif r["returncode"] == -9:
        status = "out of memory"
        reason = (f"killed by SIGKILL from outside the harness: on Linux that is the kernel's OOM killer "
                  f"({peak}, machine RAM {_ram_mb():.0f} MB)")
    elif r["returncode"] is not None and r["returncode"] < 0:
        status, reason = "failed", f"killed by signal {-r['returncode']}"
    elif failed:
        n = failed[0]
        status, reason = "failed", f"node {n['name']}: {n.get('error_type') or ''} {n.get('error') or ''}"[:400]
    elif r["returncode"] != 0 or (engine != "duckdb" and not line):
        status, reason = "failed", _tail(text)
    else:
        status, reason = "ok", ""
    return {**base, "status": status, "reason": reason.strip()}


_EVENT = re.compile(r"(NODE_STARTED|NODE_FINISHED) (\S+?) (\d+) (\d+)(?=\D|$)")


def _events(text: str) -> list[tuple[str, str, float]]:
    """(NODE_STARTED|NODE_FINISHED, node, peak RSS MB so far) from the worker's log."""
    # a regex over the whole text, not per line: logs of older runs may hold two events on one line
    return [(kind, name, float(peak)) for kind, name, _, peak in _EVENT.findall(text)]


def _running_node(text: str) -> str | None:
    """The nodes the worker announced as started and never as finished (from its log)."""
    started: list[str] = []
    for kind, name, _ in _events(text):
        if kind == "NODE_STARTED":
            started.append(name)
        elif name in started:
            started.remove(name)
    return ", ".join(started) if started else None


def peak_nodes(text: str) -> list[str]:
    """The nodes that were running when the worker's Python process reached its peak RSS.

    The peak is first seen at some event; the nodes running just before it (and the one that
    finished at it) are the ones that allocated it. Several run at once (4 workers), so this
    names the suspects, not one culprit.
    """
    events = _events(text)
    if not events:
        return []
    final = events[-1][2]
    running: list[str] = []
    for kind, name, peak in events:
        if peak >= 0.98 * final:
            return running + ([name] if kind == "NODE_FINISHED" and name not in running else [])
        if kind == "NODE_STARTED":
            running.append(name)
        elif name in running:
            running.remove(name)
    return running


def _ram_mb() -> float:
    with open("/proc/meminfo") as f:
        return next(int(ln.split()[1]) for ln in f if ln.startswith("MemTotal")) / 1024


def worker(config: str, engine: str) -> int:
    """In the child: start the engine (timed apart), run every pipeline, print one JSON line."""
    from odibi_core.runner.runner import RunOptions
    from odibi_core.session import open_session

    t0 = time.perf_counter()
    session = open_session(config, None if engine == "pandas" else engine)
    eng = session.engine
    eng.count(eng.sql("SELECT 1 AS one", {}))  # starts a lazy engine (Spark: JVM + session) before the run
    startup = time.perf_counter() - t0

    def on_event(event: dict) -> None:
        """One log line per node start/end with this process's RSS and peak RSS (MB): a killed run's log
        still says which nodes were running, and the report can say which were running at the peak."""
        name = getattr(event.get("node"), "name", None)
        if event["type"] in ("node_started", "node_finished") and name:
            rss = int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            # one write per line: nodes run in threads, and print() writes the newline separately
            sys.stdout.write(f"{event['type'].upper()} {name} {rss:.0f} {peak:.0f}\n")
            sys.stdout.flush()

    t1 = time.perf_counter()
    results = session.run(RunOptions(), on_event=on_event)
    run_s = time.perf_counter() - t1
    nodes = [{"pipeline": n.pipeline, "name": n.name, "status": n.status, "duration_s": n.duration_s,
              "rows_out": n.rows_out, "error_type": n.error_type, "error": n.error}
             for res in results for n in res.nodes]
    session.close()
    print(MARK + json.dumps({"startup_s": startup, "run_s": run_s, "nodes": nodes,
                             "statuses": [r.status for r in results]}, default=str), flush=True)
    return 1 if any(r.status in ("failed", "cancelled") for r in results) else 0


if __name__ == "__main__" and len(sys.argv) == 4 and sys.argv[1] == "--worker":
    sys.exit(worker(sys.argv[2], sys.argv[3]))
