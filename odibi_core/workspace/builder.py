"""The Builder's core: check a candidate project text, save it safely, start a project, list palettes.

Validation is never re-implemented here. The candidate text is written to a hidden file *in the
project folder* (so ``imports``, ``env.<name>.yaml``, ``sql_file`` and ``transforms.py`` resolve
exactly as they will after saving) and opened the way ``odibi validate`` opens a project: the
real loader, reference checks, graph (cycles) and transformer-params checks. Every located
error becomes an :class:`Issue` with the key path the Studio maps back to a form field.
"""

from __future__ import annotations

import re
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_args

from pydantic import BaseModel

from odibi_core import secrets
from odibi_core.config.models import TestConfig
from odibi_core.config.models.io import WRITE_MODES
from odibi_core.errors import ConfigError, ConfigErrors, OdibiError
from odibi_core.formats.base import Format
from odibi_core.formats.registry import FORMATS, get_format
from odibi_core.runner.node_executor import writes_target
from odibi_core.runner.user_code import load_user_transforms
from odibi_core.session import Session
from odibi_core.templates import create_project, list_templates
from odibi_core.transformers.registry import TRANSFORMERS, load_builtins
from odibi_core.workspace.files import write_text_atomic
from odibi_core.workspace.project import Workspace
from odibi_core.workspace.yaml_rt import load_plain

LAYERS = ("bronze", "silver", "gold")
_KEY_PART = re.compile(r"\[(\d+)\]|([^.\[\]]+)")


@dataclass(frozen=True)
class Issue:
    """One problem in the candidate text, located by key path and (when known) line and column."""

    path: tuple = ()
    line: int | None = None
    column: int | None = None
    message: str = ""
    hint: str | None = None
    file: str | None = None  # None: the project file itself; else e.g. env.dev.yaml or transforms.py

    @property
    def node_ref(self) -> tuple[int, int] | None:
        """(pipeline index, node index) when the issue is inside a node."""
        p = self.path
        if len(p) >= 4 and p[0] == "pipelines" and p[2] == "nodes" and isinstance(p[1], int) and isinstance(p[3], int):
            return p[1], p[3]
        return None

    @property
    def field(self) -> str | None:
        """The node key it concerns (``read``, ``params``, ``depends_on``...), or None for the node itself."""
        return self.path[4] if self.node_ref and len(self.path) > 4 else None

    def render(self) -> str:
        where = f"{self.file or 'line'}" + (f" {self.line}:{self.column}" if self.line else "")
        key = _render_path(self.path)
        text = (f"{where}: " if self.line or self.file else "") + (f"{key}: " if key else "") + self.message
        return text + (f" ({self.hint})" if self.hint else "")


class InvalidProject(OdibiError):
    """Save refused: the text does not validate. ``issues`` says why."""

    def __init__(self, issues: list[Issue]) -> None:
        self.issues = issues
        lines = "\n".join(f"- {i.render()}" for i in issues[:20])
        more = f"\n- ... and {len(issues) - 20} more" if len(issues) > 20 else ""
        super().__init__(f"not saved: the project has {len(issues)} problem(s)\n{lines}{more}")


def parse_key_path(text: str | None) -> tuple:
    """``pipelines[0].nodes[2].read`` -> ``("pipelines", 0, "nodes", 2, "read")``."""
    if not text or text == "<root>":
        return ()
    return tuple(int(i) if i else k for i, k in _KEY_PART.findall(text))


def _render_path(path: tuple) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else ("." if out else "") + str(part)
    return out


# --- validation ------------------------------------------------------------------------------
@contextmanager
def candidate_file(ws: Workspace, text: str) -> Iterator[Path]:
    """The text as a hidden file beside odibi.yaml, removed afterwards whatever happens."""
    path = ws.inside(ws.root / f".odibi-builder-{uuid.uuid4().hex[:12]}.yaml")
    path.write_text(text, encoding="utf-8")
    try:
        yield path
    finally:
        path.unlink(missing_ok=True)


def _issues(exc: OdibiError, candidate: Path, ws: Workspace) -> list[Issue]:
    errors = exc.errors if isinstance(exc, ConfigErrors) else [exc]
    out = []
    for err in errors:
        if not isinstance(err, ConfigError):
            out.append(Issue(message=_clean(str(err), candidate, ws)))
            continue
        loc, file = err.location, None
        if loc is not None and Path(loc.file).resolve() != candidate.resolve():
            try:
                file = str(Path(loc.file).resolve().relative_to(ws.root))
            except ValueError:
                file = Path(loc.file).name
        out.append(Issue(path=parse_key_path(err.key_path), line=loc.line if loc else None,
                         column=loc.col if loc else None, message=_clean(err.message, candidate, ws),
                         hint=_clean(err.hint, candidate, ws) if err.hint else None, file=file))
    return out


def _clean(text: str, candidate: Path, ws: Workspace) -> str:
    """Messages name the project file, never the temporary candidate; secrets are masked."""
    text = text.replace(str(candidate), ws.config_file.name).replace(candidate.name, ws.config_file.name)
    return secrets.mask(text)


@dataclass
class Check:
    """What one validation of a candidate text found."""

    issues: list[Issue]
    connections: dict[str, str]  # name -> type as ``env`` resolves them; as written when the text is invalid


def check_text(ws: Workspace, text: str, env: str | None = None) -> Check:
    """Validate ``text`` as the project file (in ``env``), exactly as ``odibi validate`` does."""
    with candidate_file(ws, text) as path:
        try:
            session = Session(path, env=env)  # loader, references, graph and transformer checks
        except OdibiError as exc:
            return Check(_issues(exc, path, ws), _raw_connections(text))
    session.close()
    return Check([], {name: c.type for name, c in session.config.connections.items()})


def validate_text(ws: Workspace, text: str, env: str | None = None) -> list[Issue]:
    """Problems of ``text`` as the project file (in ``env``), exactly as ``odibi validate`` finds them."""
    return check_text(ws, text, env).issues


def save(ws: Workspace, text: str, env: str | None = None, base: str | None = None) -> Path:
    """Write ``text`` as the project file if it validates; atomically (temp file + rename).

    ``base`` is the text the edit started from: when the file changed on disk since (an editor,
    another tab), saving would silently drop those changes, so it is refused instead."""
    target = ws.inside(ws.config_file)
    if base is not None and target.is_file() and target.read_text(encoding="utf-8") != base:
        raise OdibiError(f"{target.name} changed on disk since the Builder loaded it; reload it (your edits "
                         "are lost) or copy them from the YAML panel first")
    issues = validate_text(ws, text, env)
    if issues:
        raise InvalidProject(issues)
    return write_text_atomic(target, text)


# --- new project -----------------------------------------------------------------------------
def templates() -> list[tuple[str, str]]:
    """(name, description) of the project templates ``odibi init-pipeline`` offers."""
    return [(t.name, t.description) for t in list_templates()]


def new_project(ws: Workspace, template: str) -> Path:
    """Create a project from ``template`` in the workspace folder itself (never elsewhere).

    Refused when the folder has a project already, or holds files the template would overwrite.
    The template is first copied into a hidden staging folder inside the project folder, then
    moved into place, so nothing is written outside it."""
    if ws.exists:
        raise OdibiError(f"{ws.root} has a project already ({ws.config_file.name}); the Builder edits it instead")
    name = re.sub(r"[^A-Za-z0-9_-]", "_", ws.root.name) or "project"
    if not re.match(r"[A-Za-z_]", name):
        name = "p_" + name
    staging = ws.inside(ws.root / f".odibi-new-{uuid.uuid4().hex[:8]}")
    try:
        created = create_project(staging / name, template)
        entries = list(created.iterdir())
        clash = sorted(e.name for e in entries if (ws.root / e.name).exists())
        if clash:
            raise OdibiError(f"the template would overwrite {', '.join(clash)} in {ws.root}; move them away or "
                             "start the Studio on an empty folder")
        for entry in entries:
            shutil.move(str(entry), str(ws.inside(ws.root / entry.name)))
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    ws.config_file = ws.root / "odibi.yaml"
    return ws.config_file


# --- palettes --------------------------------------------------------------------------------
@dataclass
class TransformerInfo:
    name: str
    description: str
    params_model: type[BaseModel]
    builtin: bool
    writes_target: bool


@dataclass
class FormatInfo:
    name: str
    connection_kind: str  # file, sql, http
    write_modes: list[str]
    writable: bool


@dataclass
class Palettes:
    """What the Builder offers in its pickers, as plain data the page renders."""

    connections: dict[str, str] = field(default_factory=dict)  # name -> type
    formats: list[FormatInfo] = field(default_factory=list)
    write_modes: list[str] = field(default_factory=list)
    transformers: dict[str, TransformerInfo] = field(default_factory=dict)
    tests: dict[str, type[BaseModel]] = field(default_factory=dict)  # test type -> its config model
    layers: tuple[str, ...] = LAYERS


def test_models() -> dict[str, type[BaseModel]]:
    union = get_args(TestConfig)[0]
    return {get_args(m.model_fields["type"].annotation)[0]: m for m in get_args(union)}


def palettes(ws: Workspace, text: str | None = None, env: str | None = None,
             connections: dict[str, str] | None = None) -> Palettes:
    """Connections of the project (as ``env`` resolves them), formats, write modes, transformers, tests.

    ``connections`` from a :func:`check_text` of the same text saves loading the project again."""
    load_builtins()
    if ws.root.is_dir():
        try:
            load_user_transforms(ws.root)
        except OdibiError:
            pass  # validation reports a broken transforms.py at its line
    get_format("csv")  # loads the built-in formats
    formats = [FormatInfo(f.name, f.connection_kind, sorted(f.write_modes), type(f).write is not Format.write)
               for f in sorted(FORMATS.values(), key=lambda f: f.name)]
    transformers = {name: TransformerInfo(name, spec.description.split("\n\n")[0], spec.params_model, spec.builtin,
                                          writes_target(spec))
                    for name, spec in sorted(TRANSFORMERS.items())}
    if connections is None:
        if text is None:
            text = ws.config_file.read_text(encoding="utf-8") if ws.exists else ""
        connections = check_text(ws, text, env).connections if text.strip() else {}
    return Palettes(connections=dict(connections), formats=formats, write_modes=list(WRITE_MODES),
                    transformers=transformers, tests=test_models())


def _raw_connections(text: str) -> dict[str, str]:
    """The connections as written, for pickers while the text does not validate."""
    try:
        data = load_plain(text)
    except OdibiError:
        return {}
    conns = data.get("connections")
    if not isinstance(conns, dict):
        return {}
    return {str(k): str(v.get("type", "?")) if isinstance(v, dict) else "?" for k, v in conns.items()}


# --- the pipeline as a graph, while it is being edited ---------------------------------------
def pipeline_sketch(data: Any, pipeline: str) -> dict[str, Any]:
    """Nodes and edges of one pipeline from the (possibly invalid) edited data, for drawing.

    This is not validation: dangling names and cycles are drawn (marked), so the picture
    follows every keystroke while the issues list says what is wrong."""
    pipes = data.get("pipelines") if isinstance(data, dict) else None
    pipe = next((p for p in pipes or [] if isinstance(p, dict) and str(p.get("pipeline")) == pipeline), None)
    nodes = [n for n in (pipe or {}).get("nodes") or [] if isinstance(n, dict)]
    names = [str(n.get("name") or f"node_{i + 1}") for i, n in enumerate(nodes)]
    out_nodes = [{"id": nm, "label": nm, "kind": "node", "layer": (pipe or {}).get("layer"),
                  "reads": bool(n.get("read")), "writes": bool(n.get("write"))} for nm, n in zip(names, nodes)]
    extra: dict[str, str] = {}
    edges: list[tuple[str, str]] = []
    for nm, n in zip(names, nodes):
        deps = n.get("depends_on") if isinstance(n.get("depends_on"), list) else []
        for d in deps:
            d = str(d)
            if d not in names:
                extra.setdefault(d, "missing")
            edges.append((d, nm))
        inputs = n.get("inputs") if isinstance(n.get("inputs"), dict) else {}
        for ref in inputs.values():
            m = re.match(r"^\$(\w+)\.(\w+)$", ref) if isinstance(ref, str) else None
            if m:
                src = m.group(2) if m.group(1) == pipeline and m.group(2) in names else f"{m.group(1)}.{m.group(2)}"
                if src not in names:
                    extra.setdefault(src, "external")
                edges.append((src, nm))
    out_nodes += [{"id": k, "label": k, "kind": kind, "layer": None, "reads": False, "writes": False}
                  for k, kind in extra.items()]
    level = _levels([n["id"] for n in out_nodes], edges)
    rows: dict[int, int] = {}
    for n in out_nodes:
        n["level"] = level[n["id"]]
        n["row"] = rows.get(n["level"], 0)
        rows[n["level"]] = n["row"] + 1
    return {"nodes": out_nodes, "edges": edges}


def _levels(ids: list[str], edges: list[tuple[str, str]]) -> dict[str, int]:
    """Longest-path depth of each node; cycles are cut after len(ids) rounds."""
    level = dict.fromkeys(ids, 0)
    for _ in range(len(ids)):
        changed = False
        for a, b in edges:
            if a in level and b in level and level[b] < level[a] + 1 <= len(ids):
                level[b] = level[a] + 1
                changed = True
        if not changed:
            break
    return level
