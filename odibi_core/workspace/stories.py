"""A run's story for the Studio: found safely, read, or rebuilt from the catalog when it is gone.

Why here: the catalog stores each run's story paths as they were written (absolute paths).
The Studio must never follow such a path out of the project (a crafted or stale catalog row
could name any file), so every story path goes through :meth:`Workspace.inside`. A project
that was copied or moved still finds its stories: a stored path outside the project is looked
up again under the project's own story folder by its last three parts
(``<pipeline>/<YYYY-MM-DD>/run_<time>.json``, the layout the story writer uses), and only
there. Stories pruned by retention fall back to the catalog's rows for the run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from odibi_core.catalog import RunCatalog
from odibi_core.catalog import history as catalog_history
from odibi_core.errors import OdibiError
from odibi_core.story.diff import RunDiff, diff_runs, story_from_catalog
from odibi_core.story.writer import load_story
from odibi_core.workspace.project import OutsideProject, Workspace

_LAYOUT = (re.compile(r"^(?!\.+$)[A-Za-z0-9_.-]+$"), re.compile(r"^\d{4}-\d{2}-\d{2}$"),
           re.compile(r"^run_[0-9_-]+\.(json|html)$"))


@dataclass
class RunStory:
    """One run as the Stories page shows it."""

    run_id: str
    run: dict[str, Any] | None  # the catalog row, with "nodes"
    story: dict[str, Any] | None  # the story JSON, or a story-shaped dict from the catalog (source: catalog)
    json_path: Path | None = None
    html_path: Path | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def from_story(self) -> bool:
        return self.story is not None and self.story.get("source") != "catalog"


def story_file(ws: Workspace, stored: str | None, story_dir: Path | None) -> Path:
    """The file a catalog row's story path names, inside the project; raises :class:`OutsideProject`
    (a path that leaves the project) or :class:`OdibiError` (no such file)."""
    if not stored:
        raise OdibiError("the run catalog names no story file for this run")
    try:
        path = ws.inside(stored)
    except OutsideProject:
        path = _relocated(ws, stored, story_dir)
    if not path.is_file():
        raise OdibiError(f"story file {path.name} is gone (story retention removes old ones)")
    return path


def _relocated(ws: Workspace, stored: str, story_dir: Path | None) -> Path:
    parts = Path(stored).parts[-3:]
    if story_dir is None or len(parts) < 3 or not all(rx.match(p) for rx, p in zip(_LAYOUT, parts)):
        raise OutsideProject(f"story path '{stored}' is outside the project folder {ws.root}; the Studio only "
                             f"reads inside it")
    refused = f"story path '{stored}' is outside the project folder {ws.root}; the Studio only reads inside it"
    try:
        candidate = ws.inside(Path(story_dir).joinpath(*parts))
    except OutsideProject:
        raise OutsideProject(f"{refused} (and so is the story folder {story_dir})") from None
    if not candidate.is_file():  # not a moved project's story: refuse rather than call it "gone"
        raise OutsideProject(f"{refused}, and the project's story folder has no {'/'.join(parts)} either "
                             f"(story retention may have removed it)")
    return candidate


def open_run(ws: Workspace, catalog: RunCatalog, run_id: str, story_dir: Path | None) -> RunStory:
    """The run's catalog record and its story (file, or rebuilt from the catalog with a note why)."""
    run = catalog.get_run(run_id)
    if run is None:
        raise OdibiError(f"run '{run_id}' is not in the run history; pick one from the list")
    out = RunStory(run_id, run, None)
    try:
        out.json_path = story_file(ws, run.get("story_json"), story_dir)
        out.story = load_story(out.json_path)
    except OutsideProject as exc:
        out.notes.append(f"The story file was not opened: {exc}. Showing what the run catalog recorded.")
    except OdibiError as exc:
        out.notes.append(f"No story file for this run: {exc}. Showing what the run catalog recorded.")
    if out.story is not None:
        try:
            out.html_path = story_file(ws, run.get("story_html") or str(out.json_path.with_suffix(".html")),
                                       story_dir)
        except OdibiError as exc:
            out.notes.append(f"The HTML story is not available: {exc}.")
    else:
        out.story = story_from_catalog(run, catalog_history.run_schemas(catalog, run_id))
    return out


def read_html(ws: Workspace, path: Path) -> str:
    """The HTML story's text, re-checked to be inside the project."""
    return ws.inside(path).read_text(encoding="utf-8")


def compare_runs(ws: Workspace, catalog: RunCatalog, run_a: str, run_b: str, story_dir: Path | None) -> RunDiff:
    """Diff of run A (baseline) and run B, from their stories or, where gone, their catalog rows."""
    a, b = open_run(ws, catalog, run_a, story_dir), open_run(ws, catalog, run_b, story_dir)
    return diff_runs(a.story or {}, b.story or {})


def node_rows(story: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per node for the structured view's table."""
    out = []
    for n in story.get("nodes") or []:
        tests = n.get("tests") or []
        failed_tests = [t for t in tests if not t.get("passed")]
        out.append({
            "node": n.get("name"), "status": n.get("status"), "rows_in": n.get("rows_in"),
            "rows_out": n.get("rows_out"), "duration_s": n.get("duration_s"),
            "columns": len(n.get("schema_out") or []),
            "tests": f"{len(tests) - len(failed_tests)}/{len(tests)}" if tests else "",
            "error": n.get("error") or n.get("skipped_reason") or "",
        })
    return out
