"""Story retention: keep the newest ``retention_count`` stories of a pipeline, none older than ``retention_days``.

Why by name and not by file time: a story's name (``<YYYY-MM-DD>/run_<HH-MM-SS>[_n].json``)
carries its run's start time in UTC, which survives copies, restores and clock changes that
would rewrite mtimes. A JSON and its HTML are one story and always go together. Temp files
left by a writer that crashed mid-write (``.run_*.tmp``) are cleared after a day, and day
folders left empty are removed, so the tree never fills up with husks.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from odibi_core.story.writer import safe_name

_STORY = re.compile(r"^run_(\d{2})-(\d{2})-(\d{2})(?:_(\d+))?\.(json|html)$")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_STALE_TEMP = dt.timedelta(days=1)


def apply_retention(story_root: Path, pipeline: str, *, retention_days: int | None,
                    retention_count: int | None, now: dt.datetime | None = None) -> list[Path]:
    """Delete old stories of ``pipeline``; returns what was deleted (stale temp files, then stories oldest first)."""
    now = _utc(now or dt.datetime.now(dt.timezone.utc))
    folder = Path(story_root) / safe_name(pipeline)
    if not folder.is_dir():
        return []
    stories: dict[tuple[dt.datetime, int, Path], list[Path]] = {}
    deleted: list[Path] = []
    for day in sorted(p for p in folder.iterdir() if p.is_dir() and _DAY.match(p.name)):
        for f in day.iterdir():
            m = _STORY.match(f.name)
            if m and f.is_file():
                try:
                    when = dt.datetime.strptime(f"{day.name} {m[1]}:{m[2]}:{m[3]}", "%Y-%m-%d %H:%M:%S")
                except ValueError:
                    continue  # not a real date/time: not ours to judge
                key = (when.replace(tzinfo=dt.timezone.utc), int(m[4] or 1), day / f.name.rsplit(".", 1)[0])
                stories.setdefault(key, []).append(f)
            elif f.name.startswith(".run_") and f.name.endswith(".tmp") and _older(f, now, _STALE_TEMP):
                f.unlink(missing_ok=True)
                deleted.append(f)
    newest_first = sorted(stories, reverse=True)
    drop: set[tuple[dt.datetime, int, Path]] = set()
    if retention_count is not None:
        drop.update(newest_first[max(0, int(retention_count)):])
    if retention_days is not None:
        cutoff = now - dt.timedelta(days=int(retention_days))
        drop.update(k for k in newest_first if k[0] < cutoff)
    for key in sorted(drop):
        for f in sorted(stories[key]):
            f.unlink(missing_ok=True)
            deleted.append(f)
    for day in folder.iterdir():
        if day.is_dir() and _DAY.match(day.name) and not any(day.iterdir()):
            try:
                day.rmdir()
            except OSError:
                pass  # a writer put a file there meanwhile: the folder is not empty any more
    return deleted


def _utc(ts: dt.datetime) -> dt.datetime:
    return ts.replace(tzinfo=dt.timezone.utc) if ts.tzinfo is None else ts.astimezone(dt.timezone.utc)


def _older(path: Path, now: dt.datetime, age: dt.timedelta) -> bool:
    try:
        mtime = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.timezone.utc)
    except OSError:
        return False
    return now - mtime > age
