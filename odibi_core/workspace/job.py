"""One background run started from the Studio, read back from its files.

A :class:`Job` is rebuilt from ``<system_dir>/jobs/<id>.launch.json`` (written by the Studio)
and ``<id>.json`` (written by the run process) every time it is looked at, so it survives a
page refresh and even a Studio restart. Live progress comes from the run catalog. When the
process is gone but its state never said "finished" (it was killed), :meth:`Job.refresh`
closes its catalog runs as failed or cancelled, so history never shows a ghost "running" run.
See :mod:`odibi_core.workspace.jobs` for starting and listing jobs.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import signal
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from odibi_core import locks, secrets
from odibi_core.catalog import RunCatalog
from odibi_core.workspace import ghosts, live
from odibi_core.workspace.job_state import now_iso, read_json, write_json_atomic

PROCS: dict[int, subprocess.Popen] = {}  # our own children, polled so that finished ones are reaped
PROCS_LOCK = threading.Lock()
_CATALOGS: dict[str, RunCatalog] = {}


def catalog_in(system_dir: Path) -> RunCatalog | None:
    """The catalog in ``system_dir``; ``None`` while nothing has been recorded (viewing creates no file)."""
    if not (system_dir / "catalog.db").is_file():
        return None
    key = str(system_dir)
    if key not in _CATALOGS:
        _CATALOGS[key] = RunCatalog(system_dir)
    return _CATALOGS[key]


# --- one job ----------------------------------------------------------------------------------------
@dataclass
class Job:
    job_id: str
    folder: Path
    launch: dict[str, Any]
    state: dict[str, Any] | None = None

    @classmethod
    def load(cls, folder: Path, job_id: str) -> Job | None:
        launch = read_json(folder / f"{job_id}.launch.json")
        if launch is None:
            return None
        return cls(job_id, folder, launch, read_json(folder / f"{job_id}.json"))

    # files and facts
    @property
    def system_dir(self) -> Path:
        return self.folder.parent

    @property
    def log_path(self) -> Path:
        return self.folder / f"{self.job_id}.log"

    @property
    def pid(self) -> int | None:
        return self.launch.get("pid")

    @property
    def env(self) -> str | None:
        return self.launch.get("env")

    @property
    def selection(self) -> dict[str, Any]:
        return self.launch.get("selection") or {}

    @property
    def pipelines(self) -> list[str]:
        return self.launch.get("pipelines") or []

    @property
    def started_at(self) -> str:
        return self.launch.get("started_at", "")

    @property
    def run_ids(self) -> dict[str, str]:
        return dict((self.state or {}).get("run_ids") or {})

    @property
    def finished(self) -> bool:
        return bool(self.state and self.state.get("finished"))

    @property
    def cancel_requested(self) -> bool:
        return bool(self.launch.get("cancel_requested_at") or (self.state or {}).get("cancel_requested"))

    @property
    def alive(self) -> bool:
        """The run process still exists (a finished-but-unreaped child of ours counts as gone)."""
        with PROCS_LOCK:
            proc = PROCS.get(self.pid or -1)
            if proc is not None:
                if proc.poll() is None:
                    return True
                PROCS.pop(self.pid, None)
                return False
        return locks.process_alive(self.pid, self.launch.get("pid_start"))

    @property
    def status(self) -> str:
        """starting, running, cancelling; then success, warning, partial, failed, cancelled, refused,
        error (bad input) or crashed."""
        if self.finished:
            return str(self.state.get("status") or "failed")
        if self.alive:
            if self.cancel_requested:
                return "cancelling"
            return "running" if self.state else "starting"
        return "cancelled" if self.cancel_requested else "failed"

    @property
    def error(self) -> str | None:
        return (self.state or {}).get("error")

    @property
    def duration_s(self) -> float | None:
        start = ghosts.parse_ts(self.started_at)
        end = ghosts.parse_ts((self.state or {}).get("ended_at")) if self.finished else None
        if start is None:
            return None
        return round(((end or dt.datetime.now(dt.timezone.utc)) - start).total_seconds(), 3)

    @property
    def label(self) -> str:
        """What was run, in a few words (for lists)."""
        sel = self.selection
        parts = []
        if sel.get("pipelines"):
            parts.append("pipeline " + ", ".join(sel["pipelines"]))
        if sel.get("nodes"):
            parts.append("node " + ", ".join(sel["nodes"]) + (" + upstream" if sel.get("with_upstream") else ""))
        if sel.get("tags"):
            parts.append("tag " + ", ".join(sel["tags"]))
        return "; ".join(parts) or "all pipelines"

    # reading progress
    def refresh(self) -> Job:
        """Re-read the files; a process gone without finishing gets its runs closed (see module doc)."""
        self.launch = read_json(self.folder / f"{self.job_id}.launch.json") or self.launch
        self.state = read_json(self.folder / f"{self.job_id}.json")
        if not self.finished and not self.alive:
            self.state = read_json(self.folder / f"{self.job_id}.json")  # it may have finished meanwhile
            if not self.finished:
                self._settle()
        return self

    def _settle(self) -> None:
        killed = bool(self.launch.get("killed_at"))
        status = "cancelled" if self.cancel_requested else "failed"
        if killed:
            error = ghosts.KILLED
        elif self.run_ids:
            error = f"the run (pid {self.pid}) {ghosts.DIED}"
        elif self.cancel_requested:
            error = "cancelled before the run started"
        else:
            tail = self.log_tail(5)
            error = f"the run process (pid {self.pid}) ended before starting its run" + (f": {tail}" if tail else "")
        catalog = catalog_in(self.system_dir)
        if catalog is not None and self.run_ids:
            ghosts.close_unfinished(catalog, self.run_ids.values(), status=status, error=error)
        self.state = {**(self.state or {}), "finished": True, "status": status, "exit_code": None,
                      "ended_at": now_iso(), "error": error, "settled_by": "studio"}
        write_json_atomic(self.folder / f"{self.job_id}.json", self.state)

    def runs(self) -> list[dict[str, Any]]:
        """The job's runs as the catalog has them (status, duration, story paths), one per pipeline."""
        catalog = catalog_in(self.system_dir)
        if catalog is None:
            return []
        return [run for rid in self.run_ids.values() if (run := catalog.get_run(rid)) is not None]

    def progress(self) -> list[dict[str, Any]]:
        """One row per planned node: pipeline, node, status, rows, elapsed seconds, throughput, error
        (the same live feed as ``odibi top``, :mod:`odibi_core.workspace.live`)."""
        catalog = catalog_in(self.system_dir)
        return [] if catalog is None else [r.as_dict() for r in live.run_progress(catalog, self.run_ids.values())]

    def log_tail(self, lines: int = 40) -> str:
        """The last lines of the process's output, secrets masked."""
        try:
            with open(self.log_path, "rb") as fh:
                fh.seek(0, os.SEEK_END)
                fh.seek(max(0, fh.tell() - 64_000))
                text = fh.read().decode("utf-8", errors="replace")
        except OSError:
            return ""
        return secrets.mask("\n".join(text.strip().splitlines()[-lines:]))

    def wait(self, timeout: float = 300.0, poll: float = 0.1) -> bool:
        """Block until the job has finished (or its process is gone); ``False`` on timeout."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.refresh()
            if self.finished:
                return True
            time.sleep(poll)
        return False

    # stopping
    def _note(self, **fields: str) -> None:
        self.launch.update(fields)
        write_json_atomic(self.folder / f"{self.job_id}.launch.json", self.launch)

    def cancel(self) -> bool:
        """Ask the run to stop: running nodes finish, no new node starts, the run ends as cancelled.

        SIGTERM goes to the run process only, not its group: a Spark JVM in the group would die at
        once and fail the nodes we promised to let finish. ``False`` if it had already ended."""
        if self.finished or not self.alive:
            return False
        self._note(cancel_requested_at=self.launch.get("cancel_requested_at") or now_iso())
        try:
            os.kill(self.pid, signal.SIGTERM)
        except ProcessLookupError:
            return False
        return True

    def kill(self, timeout: float = 10.0) -> bool:
        """Stop now: SIGKILL to the whole process group, then close its runs as cancelled."""
        if self.finished or not self.alive:
            return False
        self._note(cancel_requested_at=self.launch.get("cancel_requested_at") or now_iso(), killed_at=now_iso())
        with contextlib.suppress(ProcessLookupError):
            if os.getpgid(self.pid) == self.pid:  # its own group (start_new_session): children go too
                os.killpg(self.pid, signal.SIGKILL)
            else:
                os.kill(self.pid, signal.SIGKILL)
        deadline = time.monotonic() + timeout
        while self.alive and time.monotonic() < deadline:
            time.sleep(0.05)
        self.refresh()
        return True
