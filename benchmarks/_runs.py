"""Shared by the engine and pattern benchmarks: the project they run, and the measured subprocess.

Each measured run happens in a fresh interpreter (``python _runs.py --worker ENGINE CONFIG``), so
one engine's caches, JIT or JVM cannot help the next. The parent samples the peak RSS of the
child's whole process tree (Python plus Spark's JVM) from /proc and keeps the child's own
``ru_maxrss`` from wait4.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import yaml

MARK = "BENCH_RESULT "


def write_project(root: Path, data: Path, nodes: list[dict], project: str) -> Path:
    """One pipeline ``bench`` of ``nodes``; connection ``data`` reads ``data``, ``lake`` is ./lake;
    ``--env spark`` switches the engine."""
    cfg = {"project": project,
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
    """In the child: start the engine (timed apart), run the project, print one JSON result line."""
    from odibi_core.runner.runner import RunOptions
    from odibi_core.session import Session

    t0 = time.perf_counter()
    session = Session(config, env=None if engine == "pandas" else engine)
    eng = session.engine
    eng.count(eng.sql("SELECT 1 AS one", {}))  # starts a lazy engine (Spark: JVM + session) before timing
    startup = time.perf_counter() - t0
    t1 = time.perf_counter()
    (result,) = session.run(RunOptions())
    run_s = time.perf_counter() - t1
    first, last = result.nodes[0], result.nodes[-1]
    error = next((n.error for n in result.nodes if n.error), None)
    out = {"engine": eng.name, "startup_s": startup, "run_s": run_s, "status": result.status,
           "first_rows_out": first.rows_out, "rows_in": last.rows_in, "rows_out": last.rows_out,
           "rows_written": last.rows_written, "error": error, "metrics": last.metrics}
    session.close()
    print(MARK + json.dumps(out, default=str), flush=True)


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
    """Run :func:`worker` in a subprocess: wall time, peak RSS of its tree and of Python alone."""
    env = {**os.environ, "PYSPARK_PYTHON": sys.executable, "SPARK_LOCAL_IP": "127.0.0.1"}
    with open(config.parent / f"{engine}.log", "w+") as out:
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


if __name__ == "__main__" and len(sys.argv) == 4 and sys.argv[1] == "--worker":
    worker(sys.argv[2], sys.argv[3])
