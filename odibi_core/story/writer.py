"""Write a run's story: ``<root>/<pipeline>/<YYYY-MM-DD>/run_<HH-MM-SS>.json`` and the ``.html`` beside it.

Why this shape:

* One folder per pipeline and per day keeps folders small and makes retention a matter of
  dropping old files and empty day folders (:mod:`odibi_core.story.retention`).
* The JSON is the machine-readable record (the Studio and ``load_story`` read it); the HTML is
  a single self-contained page a user can open or attach to a ticket.
* Everything goes through :func:`odibi_core.secrets.mask_obj` before it is serialised, and the
  final texts through :func:`odibi_core.secrets.mask` once more, so a secret that slipped into an
  error message, a sample row or a column name never reaches disk.
* Files are written to a temp file and then published atomically: the JSON with ``os.link`` (which
  fails if the name is taken, so two runs in the same second, even from two processes, get
  ``run_HH-MM-SS.json`` and ``run_HH-MM-SS_2.json``), the HTML with ``os.replace``. A reader never
  sees a half-written story, and a failure leaves no story at all.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any

from odibi_core import secrets
from odibi_core.errors import OdibiError
from odibi_core.runner.results import RunResult
from odibi_core.story.html import render_html

STORY_VERSION = 1
_MAX_COLLISIONS = 1000
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def write_story(result: RunResult, story_root: Path, *, max_sample_rows: int) -> tuple[Path, Path]:
    """Write the JSON and HTML story of ``result``; returns ``(json_path, html_path)``."""
    started = _started_utc(result.started_at)
    folder = Path(story_root) / safe_name(result.pipeline) / started.strftime("%Y-%m-%d")
    folder.mkdir(parents=True, exist_ok=True)
    base = "run_" + started.strftime("%H-%M-%S")
    for i in range(1, _MAX_COLLISIONS + 1):
        stem = base if i == 1 else f"{base}_{i}"
        json_path, html_path = folder / f"{stem}.json", folder / f"{stem}.html"
        if json_path.exists() or html_path.exists():
            continue
        story = build_story(result, max_sample_rows=max_sample_rows, json_path=json_path, html_path=html_path)
        json_text = secrets.mask(json.dumps(story, indent=1, ensure_ascii=False, default=str))
        if not _publish_new(folder, json_path, json_text):
            continue  # another writer took this name between the check and the link
        try:
            _publish_replace(folder, html_path, secrets.mask(render_html(story)))
        except BaseException:
            json_path.unlink(missing_ok=True)  # no half story: the JSON goes if the HTML cannot be written
            raise
        return json_path, html_path
    raise OdibiError(f"could not find a free story file name in {folder} after {_MAX_COLLISIONS} tries; "
                     f"apply story retention (story.retention_count) or clean the folder")


def build_story(result: RunResult, *, max_sample_rows: int, json_path: Path | None = None,
                html_path: Path | None = None) -> dict[str, Any]:
    """The masked story dict: the run's fields, samples cut to ``max_sample_rows``."""
    limit = max(0, int(max_sample_rows))
    data = result.to_dict()
    for node in data["nodes"]:
        node["sample"] = node["sample"][:limit]
    data["edges"] = [list(e) for e in data["edges"]]
    data["story_json"] = str(json_path) if json_path else data.get("story_json")
    data["story_html"] = str(html_path) if html_path else data.get("story_html")
    data["story_version"] = STORY_VERSION
    data["max_sample_rows"] = limit
    data["generated_at"] = dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds")
    return _mask_keys(secrets.mask_obj(data))


def load_story(path: str | os.PathLike) -> dict[str, Any]:
    """Read a story JSON back; a missing or broken file is a clear error naming the path."""
    p = Path(path)
    if p.suffix == ".html":
        p = p.with_suffix(".json")
    try:
        with open(p, encoding="utf-8") as fh:
            data = json.load(fh)
    except FileNotFoundError:
        raise OdibiError(f"story file not found: {p}; list stories with `odibi story list`") from None
    except (OSError, ValueError) as exc:
        raise OdibiError(f"story file {p} cannot be read ({exc}); it may have been edited or truncated, "
                         f"run the pipeline again to get a fresh story") from exc
    if not isinstance(data, dict) or "run_id" not in data:
        raise OdibiError(f"{p} is not an odibi story (no run_id at the top level)")
    return data


def safe_name(name: str) -> str:
    """A folder name for a pipeline: no separators, no '..', never empty."""
    cleaned = _UNSAFE.sub("_", secrets.mask(name or "")).strip(".")
    return cleaned or "_"


def _started_utc(value: str) -> dt.datetime:
    if not value:
        return dt.datetime.now(dt.timezone.utc)
    try:
        ts = dt.datetime.fromisoformat(value)
    except ValueError as exc:
        raise OdibiError(f"run started_at '{value}' is not an ISO-8601 timestamp; "
                         f"the story cannot be dated") from exc
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=dt.timezone.utc)
    return ts.astimezone(dt.timezone.utc)


def _mask_keys(obj: Any) -> Any:
    """mask_obj scrubs values; this also scrubs dict keys (a sample column could be named after a secret)."""
    if isinstance(obj, dict):
        return {(secrets.mask(k) if isinstance(k, str) else k): _mask_keys(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_mask_keys(v) for v in obj]
    return obj


def _temp_file(folder: Path, target: Path, text: str) -> Path:
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Path(tmp)


def _publish_new(folder: Path, target: Path, text: str) -> bool:
    """Atomically create ``target``; False if the name is already taken."""
    tmp = _temp_file(folder, target, text)
    try:
        try:
            os.link(tmp, target)
            return True
        except FileExistsError:
            return False
        except OSError:
            # file systems without hard links: an exclusive check, then an atomic rename
            if target.exists():
                return False
            os.replace(tmp, target)
            return True
    finally:
        tmp.unlink(missing_ok=True)


def _publish_replace(folder: Path, target: Path, text: str) -> None:
    tmp = _temp_file(folder, target, text)
    try:
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
