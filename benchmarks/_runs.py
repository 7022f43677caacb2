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
import signal
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
    return tree_sample(pid, {})


def tree_sample(pid: int, cpu: dict[int, int]) -> int:
    """:func:`tree_rss`, also keeping each process's CPU clock ticks (user + system) in ``cpu``.

    CPU time barely moves with other jobs' load, unlike wall time, so it is the steadier number
    on a shared machine. A process's ticks after its last sample (at most one period) are lost.
    """
    tree, todo, total, page = _children(), [pid], 0, os.sysconf("SC_PAGE_SIZE")
    while todo:
        p = todo.pop()
        try:
            total += int(Path(f"/proc/{p}/statm").read_text().split()[1]) * page
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            cpu[p] = int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            pass
        todo.extend(tree.get(p, []))
    return total


def run_measured(argv: list[str], cwd: Path, log: Path, env: dict | None = None, timeout: float | None = None,
                 rss_limit_mb: float | None = None, min_available_mb: float | None = None) -> dict:
    """Run ``argv`` in a new process group, sampling its tree's RSS and CPU time (every 50 ms, 250 ms after 5 s).

    ``timeout`` (s), ``rss_limit_mb`` (tree RSS) and ``min_available_mb`` (the machine's
    MemAvailable: on a shared machine other jobs' memory counts too, and the kernel's OOM killer
    might pick one of them) stop the whole group with SIGKILL (the JVM included); ``killed``
    then says which limit was hit. Returns wall_s, peak_tree_mb,
    peak_python_mb (the child's own ru_maxrss), cpu_s (the tree's), returncode, killed and the log's text.
    """
    with open(log, "w+") as out:
        t0 = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True)
        peak, usage, killed, cpu = 0, None, None, {}
        try:
            while usage is None:
                rss = tree_sample(proc.pid, cpu)
                peak = max(peak, rss)
                if killed is None and timeout is not None and time.perf_counter() - t0 > timeout:
                    killed = f"timeout after {timeout:.0f} s"
                elif killed is None and rss_limit_mb is not None and rss / 2**20 > rss_limit_mb:
                    killed = f"out of memory: tree RSS passed the {rss_limit_mb:.0f} MB limit"
                elif killed is None and min_available_mb is not None and _available_mb() < min_available_mb:
                    killed = (f"out of memory: the machine's available memory fell below {min_available_mb:.0f} MB "
                              f"(tree RSS {rss / 2**20:.0f} MB)")
                if killed is not None:
                    _kill_group(proc.pid)
                # wait4 (not Popen.poll) so the child's own rusage, with its ru_maxrss, is kept
                pid, status, rusage = os.wait4(proc.pid, os.WNOHANG)
                if pid:
                    usage, proc.returncode = rusage, os.waitstatus_to_exitcode(status)
                else:  # a sample scans /proc (~15 ms of CPU on a busy machine): slower once the run is long
                    time.sleep(0.05 if time.perf_counter() - t0 < 5 else 0.25)
        except BaseException:  # Ctrl+C here: the child runs in its own session, so stop it too
            _kill_group(proc.pid)
            raise
        wall = time.perf_counter() - t0
        if killed is not None:
            _kill_group(proc.pid)  # children that outlived the leader
        out.seek(0)
        text = out.read()
    return {"wall_s": wall, "peak_tree_mb": peak / 2**20, "peak_python_mb": usage.ru_maxrss / 1024,  # KiB on Linux
            "cpu_s": sum(cpu.values()) / os.sysconf("SC_CLK_TCK"), "returncode": proc.returncode, "killed": killed,
            "log": text}


def _available_mb() -> float:
    with open("/proc/meminfo") as f:
        return next((int(ln.split()[1]) / 1024 for ln in f if ln.startswith("MemAvailable:")), float("inf"))


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def measure(engine: str, config: Path) -> dict:
    """Run :func:`worker` in a subprocess: wall time, peak RSS of its tree and of Python alone."""
    env = {**os.environ, "PYSPARK_PYTHON": sys.executable, "SPARK_LOCAL_IP": "127.0.0.1"}
    r = run_measured([sys.executable, __file__, "--worker", engine, str(config)], config.parent,
                     config.parent / f"{engine}.log", env)
    text = r["log"]
    line = next((ln for ln in text.splitlines() if ln.startswith(MARK)), None)
    base = {"engine": engine, "wall_s": r["wall_s"], "peak_tree_mb": r["peak_tree_mb"],
            "peak_python_mb": r["peak_python_mb"]}
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
