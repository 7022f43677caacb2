"""A person's side of auto-heal: list the proposals, accept one into the YAML, or reject it.

Accepting is the only way a fix reaches the project files. It edits exactly the key the SQL came
from (``transform.steps[1].sql``, ``params.condition``) with the round-trip editor, so comments,
key order and the rest of the file stay as they were, or rewrites the ``sql_file`` the SQL came
from. It refuses when the text on disk is no longer the SQL the fix was made for (someone edited
it since), when the value is built from ``${...}`` substitutions, and when the edited project
would not validate. Files are replaced atomically; nothing is half-written.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import LiteralScalarString

from odibi_core.catalog.heals import OPEN, HealLog
from odibi_core.config.loader import load_project
from odibi_core.errors import ConfigError, OdibiError
from odibi_core.workspace.builder import candidate_file
from odibi_core.workspace.files import write_text_atomic
from odibi_core.workspace.project import Workspace
from odibi_core.workspace.yaml_doc import YamlDoc

_INDEX = re.compile(r"\[(\d+)\]")


class HealConflict(OdibiError):
    """The fix cannot be written as proposed (the source changed, or it is not a plain value)."""


@dataclass
class Accepted:
    heal: dict[str, Any]
    file: Path  # the file that was rewritten


def location_keys(location: str) -> tuple:
    """``transform.steps[1].sql`` -> ``("transform", "steps", 1, "sql")``."""
    keys: list = []
    for part in location.split("."):
        name = _INDEX.split(part)
        if name[0]:
            keys.append(name[0])
        keys.extend(int(i) for i in name[1::2])
    return tuple(keys)


@contextmanager
def heal_log(ws: Workspace, env: str | None = None) -> Iterator[HealLog | None]:
    """The project's heal log (None when nothing has run yet); its catalog is closed afterwards."""
    catalog = ws.catalog(env)
    try:
        yield HealLog(catalog) if catalog is not None else None
    finally:
        if catalog is not None:
            catalog.close()


def accept(ws: Workspace, heal_id: str, env: str | None = None, *, by: str = "a person") -> Accepted:
    """Write heal ``heal_id``'s fix into the project and mark it accepted."""
    with heal_log(ws, env) as log:
        return _accept(ws, log, heal_id, env, by)


def _accept(ws: Workspace, log: HealLog | None, heal_id: str, env: str | None, by: str) -> Accepted:
    if log is None:
        raise OdibiError(f"no run history in {ws.root} yet, so there is no heal '{heal_id}'")
    heal = log.get(heal_id)
    if heal["status"] in ("accepted", "rejected"):
        raise OdibiError(f"heal {heal_id} was already {heal['status']} ({heal['decided_at']}, by {heal['decided_by']})")
    if heal["status"] not in OPEN:
        raise OdibiError(f"heal {heal_id} has no fix to accept (status: {heal['status']})")
    if heal["file"]:
        target = _accept_sql_file(ws, heal)
    else:
        target = _accept_yaml(ws, heal, env)
    return Accepted(log.decide(heal_id, "accepted", by=by), target)


def reject(ws: Workspace, heal_id: str, env: str | None = None, *, by: str = "a person",
           note: str | None = None) -> dict[str, Any]:
    with heal_log(ws, env) as log:
        if log is None:
            raise OdibiError(f"no run history in {ws.root} yet, so there is no heal '{heal_id}'")
        return log.decide(heal_id, "rejected", by=by, note=note)


def _accept_sql_file(ws: Workspace, heal: dict[str, Any]) -> Path:
    path = ws.inside(ws.root / heal["file"])
    if not path.is_file():
        raise HealConflict(f"{heal['file']} no longer exists; heal {heal['heal_id']} cannot be written")
    current = path.read_text(encoding="utf-8")
    if current.strip() != (heal["before_sql"] or "").strip():
        raise HealConflict(f"{heal['file']} changed since heal {heal['heal_id']} was proposed; run `odibi heal` "
                           "again for a fix of the current SQL")
    write_text_atomic(path, heal["after_sql"].rstrip("\n") + "\n")
    return path


def _accept_yaml(ws: Workspace, heal: dict[str, Any], env: str | None) -> Path:
    loaded = ws.load(env)
    node_path = loaded.node_path(heal["node"])
    if not node_path:
        raise HealConflict(f"node '{heal['node']}' is no longer in the project; heal {heal['heal_id']} cannot be "
                           "written")
    keys = location_keys(heal["location"])
    where = loaded.location(*node_path, *keys)
    path = Path(where.file) if where is not None else ws.config_file
    pipeline = loaded.config.pipelines[node_path[1]].pipeline
    doc = YamlDoc.from_file(path)
    if pipeline not in doc.pipelines():
        raise HealConflict(f"the SQL of node '{heal['node']}' is set in {path.name}, which is not a pipelines file "
                           f"(an environment overlay?); edit it there by hand:\n{heal['diff']}")
    doc.edit_node(pipeline, heal["node"], lambda cm: _set_value(cm, keys, heal))
    text = doc.dump()
    _check_still_valid(path, text, ws, env)
    write_text_atomic(path, text)
    return path


def _set_value(cm: CommentedMap, keys: tuple, heal: dict[str, Any]) -> None:
    parent: Any = cm
    for key in keys[:-1]:
        ok = (isinstance(parent, CommentedSeq) and isinstance(key, int) and key < len(parent)) or \
             (isinstance(parent, CommentedMap) and key in parent)
        if not ok:
            raise HealConflict(f"{heal['location']} of node '{heal['node']}' is no longer in the YAML; run "
                               "`odibi heal` again")
        parent = parent[key]
    last = keys[-1]
    current = parent.get(last) if isinstance(parent, CommentedMap) else None
    if not isinstance(current, str):
        raise HealConflict(f"{heal['location']} of node '{heal['node']}' is no longer a text value")
    if "${" in current:
        raise HealConflict(f"{heal['location']} of node '{heal['node']}' is built from ${{...}} substitutions; "
                           f"apply this diff by hand:\n{heal['diff']}")
    if current.strip() != (heal["before_sql"] or "").strip():
        raise HealConflict(f"{heal['location']} of node '{heal['node']}' changed since heal {heal['heal_id']} was "
                           "proposed; run `odibi heal` again for a fix of the current SQL")
    after = heal["after_sql"]
    parent[last] = LiteralScalarString(after.rstrip("\n") + "\n") if "\n" in after.strip() else after.strip()


def _check_still_valid(path: Path, text: str, ws: Workspace, env: str | None) -> None:
    """Load the project with the edited file in place before replacing it: the project file is
    checked as a candidate beside it; an imported file is swapped in and restored on failure."""
    try:
        if path == ws.config_file:
            with candidate_file(ws, text) as candidate:
                load_project(candidate, env=env)
        else:
            original = path.read_text(encoding="utf-8")
            write_text_atomic(path, text)
            try:
                load_project(ws.config_file, env=env)
            except ConfigError:
                write_text_atomic(path, original)
                raise
    except ConfigError as exc:
        raise HealConflict(f"the project would not validate with heal applied: {exc}") from exc
