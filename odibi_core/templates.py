"""Project templates (the top-level ``templates/`` folder): list them and copy one into place.

A template is a folder with ``template.yaml`` (name, description) and a project that validates
and runs as it is. ``{{project_name}}`` in text files becomes the new project's name.

Editor support: every YAML file of a template starts with a yaml-language-server modeline,
``# yaml-language-server: $schema=../../odibi.schema.json`` (``odibi.overlay.schema.json`` for the
``env.<name>.yaml`` overlays), which resolves, relative to the file, to the schemas published at
the repository root, so the templates validate in an editor where they are kept. A created
project has no repository around it, so :func:`create_project` writes both schemas beside its
``odibi.yaml`` (generated from the running odibi, hence the ones ``odibi validate`` agrees with)
and points every modeline at them (``$schema=./odibi.schema.json``). Regenerate them after an
upgrade with ``odibi schema > odibi.schema.json`` and ``odibi schema --overlay > odibi.overlay.schema.json``.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import yaml

from odibi_core.errors import OdibiError

_TEXT_SUFFIXES = {".yaml", ".yml", ".md", ".py", ".sql", ".json", ".txt", ".toml"}
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
_MODELINE = re.compile(r"^(#\s*yaml-language-server:\s*\$schema=)\S*?(odibi(?:\.overlay)?\.schema\.json)[ \t]*$",
                       re.MULTILINE)
SCHEMA_FILES = ("odibi.schema.json", "odibi.overlay.schema.json")


@dataclass
class Template:
    name: str
    description: str
    path: Path


def templates_root() -> Path:
    env = os.environ.get("ODIBI_TEMPLATES")
    root = Path(env) if env else Path(__file__).resolve().parent.parent / "templates"
    if not root.is_dir():
        raise OdibiError(f"templates folder not found at {root}; set ODIBI_TEMPLATES to its location")
    return root


def list_templates() -> list[Template]:
    out = []
    for folder in sorted(templates_root().iterdir()):
        meta = folder / "template.yaml"
        if meta.is_file():
            info = yaml.safe_load(meta.read_text(encoding="utf-8")) or {}
            out.append(Template(info.get("name", folder.name), info.get("description", ""), folder))
    return out


def create_project(dest: str | os.PathLike, template: str, *, force: bool = False) -> Path:
    """Copy ``template`` to ``dest``; refuses to overwrite a non-empty folder unless ``force``."""
    templates = {t.name: t for t in list_templates()}
    if template not in templates:
        from difflib import get_close_matches

        close = get_close_matches(template, templates, n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"available: {', '.join(sorted(templates))}"
        raise OdibiError(f"unknown template '{template}' ({hint})")
    dest_path = Path(dest).resolve()
    name = dest_path.name
    if not _NAME.match(name):
        raise OdibiError(f"project name '{name}' must start with a letter or _ and use letters, digits, _ or -")
    if dest_path.exists() and any(dest_path.iterdir()) and not force:
        raise OdibiError(f"folder {dest_path} exists and is not empty; choose another name or pass --force")
    src = templates[template].path
    tmp = dest_path.with_name(f".{name}.tmp-init")
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(src, tmp, ignore=shutil.ignore_patterns("template.yaml", "__pycache__", "lake", ".*"))
    project_name = name.replace("-", "_")
    for path in tmp.rglob("*"):
        if path.is_file() and path.suffix in _TEXT_SUFFIXES:
            text = path.read_text(encoding="utf-8")
            new = text.replace("{{project_name}}", project_name)
            if path.suffix in (".yaml", ".yml"):
                new = point_modelines(new, os.path.relpath(tmp, path.parent))
            if new != text:
                path.write_text(new, encoding="utf-8")
    write_schemas(tmp)
    if dest_path.exists():
        shutil.copytree(tmp, dest_path, dirs_exist_ok=True)
        shutil.rmtree(tmp)
    else:
        tmp.rename(dest_path)
    return dest_path


def point_modelines(text: str, schema_dir: str) -> str:
    """``text`` with its yaml-language-server modelines pointing at the schemas in ``schema_dir``
    (a path relative to the YAML file's folder; ``.`` for a file beside them)."""
    prefix = "./" if schema_dir in ("", ".") else schema_dir.replace(os.sep, "/").rstrip("/") + "/"
    return _MODELINE.sub(lambda m: f"{m.group(1)}{prefix}{m.group(2)}", text)


def write_schemas(folder: Path) -> list[Path]:
    """Write ``odibi.schema.json`` and ``odibi.overlay.schema.json`` into ``folder`` (exactly what
    ``odibi schema`` and ``odibi schema --overlay`` print). Imported here, when a project is
    created, so listing templates stays free of the config models."""
    import json

    from odibi_core.config.json_schema import overlay_json_schema, project_json_schema

    out = []
    for name, schema in zip(SCHEMA_FILES, (project_json_schema(), overlay_json_schema())):
        path = folder / name
        path.write_text(json.dumps(schema, indent=2) + "\n", encoding="utf-8")
        out.append(path)
    return out
