"""Everything the Studio shows about one node, read from what already exists (no pipeline work).

Why here: "show me this node" pulls from four places (the resolved config, the catalog's last
run and schema history, and the newest story's sample rows) and each has an edge case (a node
that never ran, a story removed by retention, a story folder outside the project). Gathering it
in one tested function keeps the page a thin skin. Everything returned is masked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import yaml

from odibi_core import secrets
from odibi_core.catalog import RunCatalog
from odibi_core.catalog.latest import latest_node_runs, output_stories
from odibi_core.config.loader import LoadedProject
from odibi_core.errors import OdibiError
from odibi_core.story import load_story


@dataclass
class NodeDetails:
    name: str
    pipeline: str
    yaml: str  # the node's block as the chosen env resolves it, secrets masked
    location: str | None  # file:line of the block
    last_run: dict[str, Any] | None = None  # status, rows_in/out, duration_s, started_at, error, run_id
    schema: list[dict[str, str]] = field(default_factory=list)  # newest output columns (name, type)
    schema_run_id: str | None = None
    schema_captured_at: str | None = None
    sample: list[dict[str, Any]] = field(default_factory=list)
    sample_run_id: str | None = None
    sample_note: str | None = None  # why there is no sample, when there is none


def node_yaml(loaded: LoadedProject, name: str) -> tuple[str, str | None]:
    """``(yaml_text, "file:line")`` of a node's block, secrets masked; ``("", None)`` if unknown."""
    path = loaded.node_path(name)
    if not path:
        return "", None
    _, pi, _, ni = path
    block = loaded.raw["pipelines"][pi]["nodes"][ni]
    text = yaml.safe_dump(secrets.mask_obj(block), sort_keys=False, allow_unicode=True, default_flow_style=False,
                          width=100)
    loc = loaded.location(*path)
    where = f"{loc.file}:{loc.line}" if loc is not None else None
    return secrets.mask(text), where


def node_details(loaded: LoadedProject, catalog: RunCatalog | None, name: str, pipeline: str,
                 inside: Callable[[str], Path] | None = None, story_dir: Path | None = None) -> NodeDetails:
    """The node's config, last run, newest output schema and a sample from the newest story.

    ``inside`` maps a story path to a readable path or raises (the Studio passes
    :meth:`Workspace.inside`, so a story folder outside the project is never read).
    ``story_dir`` is where stories live now: a project folder that was moved or copied still
    finds its stories there (the catalog keeps the absolute paths of the time of the run)."""
    text, where = node_yaml(loaded, name)
    details = NodeDetails(name=name, pipeline=pipeline, yaml=text, location=where)
    if catalog is None:
        details.sample_note = "the node has not run yet"
        return details
    last = latest_node_runs(catalog, [(name, pipeline)]).get(name)
    details.last_run = secrets.mask_obj(last) if last else None
    schemas = catalog.schema_history(name, limit=1)
    if schemas:
        details.schema = schemas[0]["columns"]
        details.schema_run_id, details.schema_captured_at = schemas[0]["run_id"], schemas[0]["captured_at"]
    details.sample, details.sample_run_id, details.sample_note = _sample(catalog, name, inside, story_dir)
    return details


def _story_file(recorded: str, inside: Callable[[str], Path] | None, story_dir: Path | None) -> Path | None:
    """The recorded story path if readable, else the same ``<pipeline>/<day>/<file>`` under ``story_dir``."""
    options = [Path(recorded)]
    if story_dir is not None and len(Path(recorded).parts) >= 3:
        options.append(Path(story_dir, *Path(recorded).parts[-3:]))
    for option in options:
        try:
            path = inside(option) if inside else option
        except OdibiError:  # outside the project: never read
            continue
        if path.is_file():
            return path
    return None


def _sample(catalog: RunCatalog, name: str, inside: Callable[[str], Path] | None, story_dir: Path | None):
    candidates = output_stories(catalog, name)
    if not candidates:
        return [], None, "no successful run of this node has a story yet"
    notes = []
    for cand in candidates:
        path = _story_file(cand["story_json"], inside, story_dir)
        if path is None:
            notes.append(f"the story of run {cand['run_id']} is gone (story retention) or outside the project")
            continue
        try:
            story = load_story(path)
        except OdibiError as exc:
            notes.append(str(exc))
            continue
        node = next((n for n in story.get("nodes", []) if n.get("name") == name), None)
        if node is None:
            continue
        rows = node.get("sample") or []
        note = None if rows else "the story holds no sample rows (story.max_sample_rows is 0, or the node is sensitive)"
        return secrets.mask_obj(rows), cand["run_id"], note
    return [], None, secrets.mask(notes[0] if notes else "no story with this node was found")
