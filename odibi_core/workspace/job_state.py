"""The state file a background run keeps about itself (``odibi run --job-file PATH``).

Why a file: the Studio starts runs in a separate process that outlives a page refresh or a
Streamlit rerun, so the Studio finds its jobs again by reading files, not memory. The run
process alone writes this file, always atomically (write a temporary file, then rename), so a
reader never sees half a JSON document. It says: pid, status (running, then finished), the
run id of each pipeline as soon as its ``run_started`` event arrives, and at the end the exit
code, the outcome and, for a refused or broken run, the error in one paragraph.

The Studio writes its own, separate launch file beside it (see :mod:`odibi_core.workspace.jobs`),
so the two writers never race on one file.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import threading
import uuid
from pathlib import Path
from typing import Any, Callable

from odibi_core import secrets
from odibi_core.errors import OdibiError
from odibi_core.locks import PipelineBusy, process_start_time


STOPPED_AT_ONCE = ("stopped at once (a second Ctrl+C or SIGTERM); outputs of nodes that were running "
                   "may be partial")


def now_iso() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds")


def write_json_atomic(path: Path, data: dict[str, Any]) -> None:
    """Replace ``path`` with ``data`` in one rename (readers see the old or the new file, never a mix)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        tmp.write_text(json.dumps(data, ensure_ascii=False, default=str), encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def read_json(path: Path) -> dict[str, Any] | None:
    """The JSON object in ``path``; ``None`` when missing or not (yet) a JSON object."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def outcome(statuses: list[str]) -> str:
    """One word for a job from its runs' statuses: the worst one wins."""
    for status in ("cancelled", "failed", "partial", "warning"):
        if status in statuses:
            return status
    return "success"


class JobStateWriter:
    """Kept by the run process; every change is written through at once."""

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        self.job_id = self.path.name.removesuffix(".json")
        self._lock = threading.RLock()  # reentrant: the cancel signal handler may interrupt a write
        pid = os.getpid()
        self.state: dict[str, Any] = {"job_id": self.job_id, "pid": pid, "pid_start": process_start_time(pid),
                                      "status": "running", "started_at": now_iso(), "run_ids": {},
                                      "finished": False, "exit_code": None}
        self._write()

    def _write(self) -> None:
        with self._lock:
            write_json_atomic(self.path, self.state)

    def tee(self, on_event: Callable[[dict], None]) -> Callable[[dict], None]:
        """An event handler that records run ids, then passes every event on."""
        def handle(event: dict) -> None:
            if event.get("type") == "run_started":
                run = event["run"]
                with self._lock:
                    self.state["run_ids"][run.pipeline] = run.run_id
                    self._write()
            on_event(event)

        return handle

    def cancel_requested(self) -> None:
        with self._lock:
            self.state["cancel_requested"] = True
            self._write()

    def finish(self, exit_code: int, results: list) -> None:
        """The run ended normally: its runs are final in the catalog and their locks released."""
        with self._lock:
            self.state.update(finished=True, exit_code=exit_code, ended_at=now_iso(),
                              status=outcome([r.status for r in results]),
                              statuses={r.pipeline: r.status for r in results},
                              run_ids={**self.state["run_ids"], **{r.pipeline: r.run_id for r in results}})
            self._write()

    def fail(self, exc: BaseException) -> None:
        """The run did not happen or broke: refused (pipeline busy), bad input, or a bug."""
        code = exc.exit_code if isinstance(exc, OdibiError) else 1
        if isinstance(exc, PipelineBusy):
            status, error = "refused", str(exc)
        elif isinstance(exc, OdibiError):
            status, error = "error", str(exc)
        elif isinstance(exc, KeyboardInterrupt):  # Ctrl+C before the run had begun
            status, error, code = "cancelled", "cancelled before the run started", 130
        else:
            status, error = "crashed", f"{type(exc).__name__}: {exc}"
        with self._lock:
            self.state.update(finished=True, exit_code=code, ended_at=now_iso(), status=status,
                              error=secrets.mask(error))
            self._write()

    def stopped_at_once(self, exit_code: int) -> None:
        """A second cancel signal: the process exits now, without its final run records."""
        with self._lock:
            self.state.update(finished=True, exit_code=exit_code, ended_at=now_iso(), status="cancelled",
                              cancel_requested=True, error=STOPPED_AT_ONCE)
            self._write()
