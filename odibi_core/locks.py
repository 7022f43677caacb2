"""Pipeline run locks: one run of a pipeline at a time, whoever starts it (CLI, Studio, scheduler).

Why files and not the catalog: a lock must exist before the run writes anything and vanish
when its process dies, even by SIGKILL. A lock is ``<system_dir>/locks/<pipeline>.lock``,
created atomically (``O_CREAT | O_EXCL``) with JSON saying who holds it (pid, host, start
time, selection, job id). A lock whose process is gone (same host) is stale and is taken
over; so is one whose pid was reused by another process (the holder's start time, read
from ``/proc``, no longer matches). A run locks all its pipelines at once, in sorted order,
all or nothing, under a short ``flock`` on ``locks/.mutex`` so that two processes racing to
take over the same stale lock cannot both win.

This module sits beside the layers: it imports only the standard library and ``errors``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import re
import socket
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator

from odibi_core.errors import OdibiError

try:  # POSIX; elsewhere O_EXCL alone still refuses a second holder
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

LOCKS_DIR = "locks"
_UNREADABLE_GRACE_S = 10.0  # a lock file being written right now is briefly empty
_SAFE_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")


class PipelineBusy(OdibiError):
    """A selected pipeline is being run by another live process (exit code 2 in the CLI)."""

    def __init__(self, holders: list[LockInfo]) -> None:
        self.holders = holders
        them = "them" if len(holders) > 1 else "it"
        text = "; ".join(h.describe() for h in holders) + f"; wait for {them} to finish or cancel {them}"
        foreign = [h for h in holders if not h.same_host]
        if foreign:
            text += f" (a lock held on another machine cannot be checked: if that run is gone, delete {foreign[0].path})"
        super().__init__(text)


@dataclass
class LockInfo:
    """What a lock file says about the run holding it."""

    pipeline: str
    path: Path
    pid: int | None = None
    hostname: str = ""
    started_at: str = ""
    by: str = ""
    job_id: str | None = None
    selection: dict[str, Any] = field(default_factory=dict)
    token: str = ""
    pid_start: int | None = None
    readable: bool = True

    @property
    def same_host(self) -> bool:
        return not self.hostname or self.hostname == socket.gethostname()

    def started(self) -> dt.datetime | None:
        try:
            value = dt.datetime.fromisoformat(self.started_at)
        except (TypeError, ValueError):
            return None
        return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)

    def describe(self) -> str:
        where = "" if self.same_host else f" on {self.hostname}"
        when = self.started()
        if when is None:
            since = "at an unknown time"
        else:
            when = when.astimezone(dt.timezone.utc)
            today = when.date() == dt.datetime.now(dt.timezone.utc).date()
            since = when.strftime("%H:%M:%S UTC" if today else "%Y-%m-%d %H:%M:%S UTC")
        by = f" by {self.by}" if self.by else ""
        job = f", job {self.job_id}" if self.job_id else ""
        return f"pipeline '{self.pipeline}' is already running (pid {self.pid}{where}, started {since}{by}{job})"

    def is_stale(self) -> bool:
        """The holder is gone: its process died (same host), or the file stayed unreadable too long."""
        if not self.readable or self.pid is None:
            try:
                age = time.time() - self.path.stat().st_mtime
            except OSError:
                return True
            return age > _UNREADABLE_GRACE_S
        if not self.same_host:
            return False  # cannot look at another machine's processes
        return not process_alive(self.pid, self.pid_start)


# --- processes ------------------------------------------------------------------------------------
def _proc_stat(pid: int) -> list[str] | None:
    """Fields of /proc/<pid>/stat after the command name (index 0 = state), or None off Linux."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text.rsplit(")", 1)[-1].split()


def process_start_time(pid: int) -> int | None:
    """The process's start time in clock ticks since boot (Linux), to tell a reused pid apart."""
    fields = _proc_stat(pid)
    try:
        return int(fields[19]) if fields else None
    except (IndexError, ValueError):
        return None


def process_alive(pid: int | None, start_time: int | None = None) -> bool:
    """``pid`` runs (not a zombie) and, when ``start_time`` is given, is the same process as then."""
    if not pid or pid <= 0:
        return False
    if os.name != "posix":  # pragma: no cover - os.kill(pid, 0) would terminate it on Windows
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # alive, owned by someone else
    fields = _proc_stat(pid)
    if fields:
        if fields[0] in ("Z", "X"):
            return False
        if start_time is not None and process_start_time(pid) != start_time:
            return False
    return True


# --- lock files -----------------------------------------------------------------------------------
def lock_dir(system_dir: str | os.PathLike) -> Path:
    return Path(system_dir) / LOCKS_DIR


def lock_path(system_dir: str | os.PathLike, pipeline: str) -> Path:
    """One file per pipeline; a name unsafe as a file name gets a readable part plus a hash."""
    if _SAFE_NAME.match(pipeline) and not pipeline.startswith("."):
        name = pipeline
    else:
        name = re.sub(r"[^A-Za-z0-9_-]", "_", pipeline)[:60] + "-" + hashlib.sha1(pipeline.encode()).hexdigest()[:10]
    return lock_dir(system_dir) / f"{name}.lock"


def read_lock(path: Path, pipeline: str | None = None) -> LockInfo | None:
    """The lock at ``path`` (``None`` when there is none); an unreadable file is reported as such."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError:
        text = ""
    try:
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError("not an object")
        return LockInfo(pipeline=str(data.get("pipeline") or pipeline or path.stem), path=path,
                        pid=int(data["pid"]), hostname=str(data.get("hostname") or ""),
                        started_at=str(data.get("started_at") or ""), by=str(data.get("by") or ""),
                        job_id=data.get("job_id"), selection=data.get("selection") or {},
                        token=str(data.get("token") or ""), pid_start=data.get("pid_start"))
    except (ValueError, KeyError, TypeError):
        return LockInfo(pipeline=pipeline or path.stem, path=path, readable=False)


def holder(system_dir: str | os.PathLike, pipeline: str) -> LockInfo | None:
    """The live holder of ``pipeline``'s lock, or ``None`` (no lock, or a stale one)."""
    info = read_lock(lock_path(system_dir, pipeline), pipeline)
    return None if info is None or info.is_stale() else info


def held(system_dir: str | os.PathLike) -> list[LockInfo]:
    """Every live lock in the project, oldest first (what is running right now)."""
    folder = lock_dir(system_dir)
    if not folder.is_dir():
        return []
    out = [info for p in sorted(folder.glob("*.lock")) if (info := read_lock(p)) is not None and not info.is_stale()]
    return sorted(out, key=lambda i: i.started_at)


def check(system_dir: str | os.PathLike, pipelines: Iterable[str]) -> None:
    """Raise :class:`PipelineBusy` if any of ``pipelines`` is locked by a live run."""
    busy = [h for p in sorted(set(pipelines)) if (h := holder(system_dir, p)) is not None]
    if busy:
        raise PipelineBusy(busy)


@contextlib.contextmanager
def _mutex(folder: Path) -> Iterator[None]:
    """Serialises check-and-create among odibi processes (held for milliseconds)."""
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / ".mutex", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing drops the flock


class PipelineLocks:
    """Locks held by this process for one run; release them (or use ``with``) when it ends."""

    def __init__(self, system_dir: Path, paths: list[Path], token: str) -> None:
        self.system_dir = system_dir
        self.paths = paths
        self.token = token

    def __enter__(self) -> PipelineLocks:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    def release(self) -> None:
        """Delete our lock files (only ours: a file taken over by someone else is left alone)."""
        if not self.paths:
            return
        with _mutex(lock_dir(self.system_dir)):
            for path in self.paths:
                info = read_lock(path)
                if info is not None and info.token == self.token:
                    path.unlink(missing_ok=True)
        self.paths = []


def acquire(system_dir: str | os.PathLike, pipelines: Iterable[str], *, by: str = "", job_id: str | None = None,
            selection: dict[str, Any] | None = None) -> PipelineLocks:
    """Lock every pipeline in ``pipelines`` for this process, all or nothing.

    Raises :class:`PipelineBusy` naming every live holder; stale locks are taken over."""
    system_dir = Path(system_dir)
    names = sorted(set(pipelines))
    token = uuid.uuid4().hex
    pid = os.getpid()
    base = {"pid": pid, "pid_start": process_start_time(pid), "hostname": socket.gethostname(),
            "started_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds"),
            "by": by, "job_id": job_id, "selection": selection or {}, "token": token}
    created: list[Path] = []
    with _mutex(lock_dir(system_dir)):
        busy = [h for p in names if (h := holder(system_dir, p)) is not None]
        if busy:
            raise PipelineBusy(busy)
        try:
            for name in names:
                path = lock_path(system_dir, name)
                path.unlink(missing_ok=True)  # stale (checked above, under the mutex)
                try:
                    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
                except FileExistsError:  # a process that does not take the mutex (no flock here)
                    raise PipelineBusy([read_lock(path, name) or LockInfo(pipeline=name, path=path)]) from None
                created.append(path)
                with os.fdopen(fd, "w", encoding="utf-8") as fh:
                    json.dump({**base, "pipeline": name}, fh)
        except BaseException:
            for path in created:
                path.unlink(missing_ok=True)
            raise
    return PipelineLocks(system_dir, created, token)


__all__ = ["LockInfo", "PipelineBusy", "PipelineLocks", "acquire", "check", "held", "holder", "lock_path",
           "process_alive", "process_start_time", "read_lock"]
