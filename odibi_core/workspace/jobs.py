"""Background runs started from the Studio ("jobs"): launch, find again, watch, cancel.

Why a separate process: a run can take minutes and must neither freeze the browser tab nor die
with it. ``start_run`` launches ``python -m odibi_core.cli.main run ... --job-file ...`` in its
own session (``start_new_session``), so a page refresh, a Streamlit rerun or a closed tab does
not stop it. Everything about a job lives in ``<system_dir>/jobs/``:

- ``<id>.launch.json`` (written by the Studio): pid, command, env, selection, cancel requests;
- ``<id>.json`` (written by the run process, see :mod:`odibi_core.workspace.job_state`): status,
  run ids, exit code;
- ``<id>.log``: the process's output.

Live per-node progress is read from the run catalog, which the runner already updates at every
node start and end. A job whose process is gone without finishing (killed) has its catalog
runs closed as failed or cancelled (:mod:`odibi_core.workspace.ghosts`), so history never shows
a ghost "running" run. The same pipeline is never run twice at once: ``start_run`` refuses
early with :class:`odibi_core.locks.PipelineBusy`, and the run process itself takes the
pipeline locks, so two tabs racing are still safe.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import sys
import uuid
from pathlib import Path

from odibi_core import locks
from odibi_core.errors import OdibiError
from odibi_core.runner.runner import RunOptions, Runner
from odibi_core.workspace import ghosts
from odibi_core.workspace.job import PROCS, PROCS_LOCK, Job, catalog_in
from odibi_core.workspace.job_state import now_iso, write_json_atomic
from odibi_core.workspace.project import Workspace

JOBS_DIR = "jobs"
KEEP_JOBS = 200  # older job files (and logs) are pruned when a new job starts
_FOLDERS: dict[tuple, Path] = {}


# --- where the job files are -----------------------------------------------------------------------
def _project_stamp(ws: Workspace) -> tuple:
    out = []
    for p in sorted(ws.root.glob("*.y*ml")):
        try:
            out.append((p.name, p.stat().st_mtime_ns))
        except OSError:
            continue
    return tuple(out)


def jobs_folder(ws: Workspace, env: str | None, system_dir: Path | None = None) -> Path:
    """``<system_dir>/jobs`` of the project in ``env`` (cached until a YAML file changes).

    Pass ``system_dir`` when a session of that env is at hand (the Studio's cached one), so no
    project is loaded here. It must be inside the project folder: the Studio reads and writes
    nowhere else."""
    key = (str(ws.config_file), env, _project_stamp(ws))
    if key not in _FOLDERS:
        if system_dir is None:
            session = ws.session(env)
            try:
                system_dir = session.system_dir
            finally:
                session.close()
        _FOLDERS[key] = ws.inside(Path(system_dir) / JOBS_DIR)
    return _FOLDERS[key]


# --- the API pages call -----------------------------------------------------------------------------
def planned_nodes(session, pipelines=None, nodes=None, tags=None, with_upstream: bool = False) -> list[str]:
    """Node names a run with this selection would run (unknown names raise a ConfigError)."""
    opts = RunOptions(pipelines=pipelines or None, nodes=nodes or None, tags=tags or None, with_upstream=with_upstream)
    return Runner(session.loaded, None, session.graph).plan(opts)  # plan() reads only the graph


def running(ws: Workspace, env: str | None) -> list[locks.LockInfo]:
    """Pipelines being run right now, by anyone (Studio, CLI, scheduler)."""
    return locks.held(jobs_folder(ws, env).parent)


def start_run(ws: Workspace, env: str | None, pipelines: list[str] | None = None, nodes: list[str] | None = None,
              tags: list[str] | None = None, with_upstream: bool = False) -> Job:
    """Launch a run in the background and return its job at once.

    Raises :class:`locks.PipelineBusy` when a selected pipeline is running, ConfigError for an
    invalid project or unknown names, OdibiError when the selection runs nothing."""
    folder = jobs_folder(ws, env)
    session = ws.session(env)
    try:
        opts = RunOptions(pipelines=pipelines or None, nodes=nodes or None, tags=tags or None,
                          with_upstream=with_upstream)
        planned = session.planned_pipelines(opts)
    finally:
        session.close()
    if not planned:
        raise OdibiError("nothing to run: every node in this selection is disabled (enabled: false)")
    locks.check(folder.parent, planned)
    _refuse_if_launching(folder, planned)

    job_id = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
    folder.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "odibi_core.cli.main", "run", str(ws.config_file),
           "--job-file", str(folder / f"{job_id}.json")]
    cmd += ["--env", env] if env else []
    for flag, values in (("--pipeline", pipelines), ("--node", nodes), ("--tag", tags)):
        for v in values or []:
            cmd += [flag, v]
    cmd += ["--upstream"] if with_upstream else []
    with open(folder / f"{job_id}.log", "ab") as log:
        proc = subprocess.Popen(cmd, cwd=ws.root, env=_child_env(), stdin=subprocess.DEVNULL, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True, close_fds=True)
    with PROCS_LOCK:
        PROCS[proc.pid] = proc
    selection = {k: v for k, v in (("pipelines", pipelines), ("nodes", nodes), ("tags", tags),
                                   ("with_upstream", with_upstream)) if v}
    launch = {"job_id": job_id, "pid": proc.pid, "pid_start": locks.process_start_time(proc.pid),
              "hostname": socket.gethostname(), "started_at": now_iso(), "env": env, "selection": selection,
              "pipelines": planned, "command": cmd[1:], "config": str(ws.config_file)}
    write_json_atomic(folder / f"{job_id}.launch.json", launch)
    _prune(folder)
    return Job(job_id, folder, launch, None)


def list_jobs(ws: Workspace, env: str | None, limit: int = 20) -> list[Job]:
    """Jobs started from the Studio, newest first; dead ones are settled on the way (see module doc)."""
    folder = jobs_folder(ws, env)
    if not folder.is_dir():
        return []
    ids = sorted((p.name.removesuffix(".launch.json") for p in folder.glob("*.launch.json")), reverse=True)
    jobs = [job.refresh() for i in ids[:limit] if (job := Job.load(folder, i)) is not None]
    settle_ghost_runs(ws, env)
    return jobs


def get_job(ws: Workspace, env: str | None, job_id: str) -> Job | None:
    if not job_id or "/" in job_id or "\\" in job_id or job_id.startswith("."):
        return None
    job = Job.load(jobs_folder(ws, env), job_id)
    return job.refresh() if job is not None else None


def cancel(job: Job) -> bool:
    return job.cancel()


def kill(job: Job) -> bool:
    return job.kill()


def settle_ghost_runs(ws: Workspace, env: str | None) -> list[str]:
    """Close catalog runs left "running" by any process that is gone (CLI runs included)."""
    system_dir = jobs_folder(ws, env).parent
    catalog = catalog_in(system_dir)
    return ghosts.settle(catalog, system_dir) if catalog is not None else []


# --- helpers ----------------------------------------------------------------------------------------
def _refuse_if_launching(folder: Path, pipelines: list[str]) -> None:
    """A job launched a moment ago whose process has not taken its locks yet (a double click)."""
    if not folder.is_dir():
        return
    busy = []
    for path in sorted(folder.glob("*.launch.json"), reverse=True)[:20]:
        job = Job.load(folder, path.name.removesuffix(".launch.json"))
        if job is None or job.finished or not job.alive:
            continue
        for p in sorted(set(job.pipelines) & set(pipelines)):
            busy.append(locks.LockInfo(pipeline=p, path=path, pid=job.pid, hostname=socket.gethostname(),
                                       started_at=job.started_at, by="the Studio", job_id=job.job_id))
    if busy:
        raise locks.PipelineBusy(busy)


def _child_env() -> dict[str, str]:
    """The Studio's environment, plus this odibi_core on the path and unbuffered output for the log."""
    import odibi_core

    env = dict(os.environ)
    pkg_parent = str(Path(odibi_core.__file__).resolve().parent.parent)
    env["PYTHONPATH"] = pkg_parent + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env["PYTHONUNBUFFERED"] = "1"
    env.setdefault("COLUMNS", "160")
    return env


def _prune(folder: Path) -> None:
    ids = sorted((p.name.removesuffix(".launch.json") for p in folder.glob("*.launch.json")), reverse=True)
    for old in ids[KEEP_JOBS:]:
        job = Job.load(folder, old)
        if job is not None and not job.finished and job.alive:
            continue
        for suffix in (".launch.json", ".json", ".log"):
            (folder / f"{old}{suffix}").unlink(missing_ok=True)
