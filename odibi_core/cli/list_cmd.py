"""``odibi list``: what a project defines, with where each thing is written, for people and editors.

Editors (the VS Code extension) complete connection, node and transformer names and put a "Run
this node" lens on each node from ``odibi list --json``, so they never parse odibi YAML, resolve
imports and overlays, or know the transformer registry themselves: odibi answers, with the same
loader (and source map) that ``odibi validate`` uses.

Usage::

    odibi list [CONFIG] [--env E] [--json]   # a project (CONFIG: file or folder, default ./odibi.yaml)
    odibi list transformers [--json]         # the built-in transformers only; no project needed

Without CONFIG and without ./odibi.yaml, ``odibi list`` lists the built-in transformers (the
project fields are then null or empty), so an editor gets transformer names anywhere. A project
file literally named ``transformers`` is listed as ``./transformers``.

JSON shape (one object; every key always present; lines and columns are 1-based)::

    {
      "project": str | null,            # project name; null without a project
      "config_file": str | null,        # absolute path of the project file
      "env": str | null,                # the environment applied (--env or $ODIBI_ENV)
      "engine": str | null,             # "pandas" | "spark" after the overlay
      "connections": [{"name": str, "type": str, "file": str, "line": int, "column": int}],
      "pipelines":   [{"name": str, "layer": str | null, "file": str, "line": int, "column": int}],
      "nodes": [{"name": str, "pipeline": str, "file": str, "line": int, "column": int,
                 "tags": [str], "transformer": str | null,
                 "sql_steps": [int]}],    # lines of the node's `sql:` step keys, in `file`
      "transformers": [{"name": str, "description": str, "params": [str], "builtin": bool,
                        "file": str | null, "line": int | null}]
    }

``file`` is absolute: the project file, an imported file or, with ``--env``, the overlay that
defines the item. A node's ``line`` is where its list item starts (its first key, usually
``name:``). ``transformers`` holds the built-ins, plus the project's own ``@transform`` functions
from its ``transforms.py`` (``builtin: false``, with their file and line). ``description`` is the
first paragraph of the docstring, on one line; ``params`` are the names ``params:`` accepts.
Lists keep the order of the file; transformers are sorted by name.

Exit codes: 0; 2 when the project does not load (the error names file and line).
"""

from __future__ import annotations

import inspect
import json
import os
from pathlib import Path
from typing import Any, Optional

import typer
from rich.markup import escape
from rich.table import Table

from odibi_core.cli.console import console
from odibi_core.errors import OdibiError

TRANSFORMERS_ONLY = "transformers"


def register(app: typer.Typer) -> None:
    app.command("list")(list_cmd)


def list_cmd(
    config: Optional[str] = typer.Argument(
        None, help="Project file or folder (default: ./odibi.yaml, else the transformers alone), or 'transformers'."),
    env: Optional[str] = typer.Option(None, "--env", "-e", help="Environment overlay (default: $ODIBI_ENV)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object, for editors (its shape is "
                                                       "documented in odibi_core/cli/list_cmd.py)."),
) -> None:
    """List connections, pipelines, nodes and transformers, with the file and line of each."""
    listing = build_listing(config, env)
    if as_json:
        typer.echo(json.dumps(listing, indent=2))
    else:
        print_listing(listing)


def build_listing(config: str | None, env: str | None = None) -> dict[str, Any]:
    """The listing for ``odibi list CONFIG``: a project's, or transformers only (see the module docs)."""
    if config == TRANSFORMERS_ONLY:
        return empty_listing()
    if config is None:
        if not Path("odibi.yaml").is_file():
            return empty_listing()
        config = "odibi.yaml"
    if not Path(config).exists():
        raise OdibiError(f"project file not found: {config} (give a project file or folder, or `odibi list "
                         "transformers` for the transformers alone)")
    from odibi_core.config.loader import load_project

    return project_listing(load_project(config, env=env))


def empty_listing() -> dict[str, Any]:
    return {"project": None, "config_file": None, "env": None, "engine": None, "connections": [],
            "pipelines": [], "nodes": [], "transformers": transformer_listing(None)}


def project_listing(loaded) -> dict[str, Any]:
    """Everything ``loaded`` (a LoadedProject) defines, located through its source map."""
    from odibi_core.runner.user_code import load_user_transforms

    cfg = loaded.config
    user_file = load_user_transforms(loaded.root)
    connections = [{"name": name, "type": conn.type, **_where(loaded, "connections", name)}
                   for name, conn in cfg.connections.items()]
    pipelines, nodes = [], []
    for pi, pipe in enumerate(cfg.pipelines):
        pipelines.append({"name": pipe.pipeline, "layer": pipe.layer, **_where(loaded, "pipelines", pi)})
        for ni, node in enumerate(pipe.nodes):
            where = _where(loaded, "pipelines", pi, "nodes", ni)
            steps = node.transform.steps if node.transform else []
            sql_lines = []
            for si, step in enumerate(steps):
                loc = loaded.source_map.get(("pipelines", pi, "nodes", ni, "transform", "steps", si, "sql"))
                if step.sql is not None and loc is not None and loc.file == where["file"]:
                    sql_lines.append(loc.line)
            nodes.append({"name": node.name, "pipeline": pipe.pipeline, **where, "tags": list(node.tags),
                          "transformer": node.transformer, "sql_steps": sql_lines})
    return {"project": cfg.project, "config_file": str(loaded.file), "env": loaded.env, "engine": cfg.engine,
            "connections": connections, "pipelines": pipelines, "nodes": nodes,
            "transformers": transformer_listing(user_file)}


def transformer_listing(user_file: Path | None) -> list[dict[str, Any]]:
    """Built-in transformers, plus the ``@transform`` functions defined in ``user_file``."""
    from odibi_core.transformers.registry import TRANSFORMERS, load_builtins

    load_builtins()
    out = []
    for name in sorted(TRANSFORMERS):
        spec = TRANSFORMERS[name]
        file, line = _source(spec.fn)
        if not spec.builtin and (user_file is None or file is None or Path(file) != user_file):
            continue  # another project's functions, registered earlier in this process
        params = [field.alias or pname for pname, field in spec.params_model.model_fields.items()]
        out.append({"name": name, "description": _summary(spec.description), "params": params,
                    "builtin": spec.builtin, "file": None if spec.builtin else file,
                    "line": None if spec.builtin else line})
    return out


def _where(loaded, *path) -> dict[str, Any]:
    loc = loaded.location(*path)
    if loc is None:  # every loaded key has a location; the project file's top is the fallback
        return {"file": str(loaded.file), "line": 1, "column": 1}
    return {"file": str(Path(loc.file).resolve()), "line": loc.line, "column": loc.col}


def _source(fn) -> tuple[str | None, int | None]:
    try:
        return str(Path(inspect.getsourcefile(fn)).resolve()), inspect.getsourcelines(fn)[1]
    except (TypeError, OSError):
        return None, None


def _summary(doc: str) -> str:
    first = (doc or "").strip().split("\n\n", 1)[0]
    return " ".join(first.split())


# --- text ---------------------------------------------------------------------------------------
def print_listing(listing: dict[str, Any]) -> None:
    """Tables for people. With a project, its own transformers only (the built-ins are one
    ``odibi list transformers`` away); without one, every built-in transformer."""
    transformers = listing["transformers"]
    if listing["project"] is not None:
        env = f", env {listing['env']}" if listing["env"] else ""
        console.print(f"[bold]{escape(listing['project'])}[/] ({escape(_rel(listing['config_file']))}, "
                      f"engine {listing['engine']}{env})")
        _table("Connections", ["name", "type", "where"],
               [[c["name"], c["type"], _loc(c)] for c in listing["connections"]])
        _table("Pipelines", ["name", "layer", "nodes", "where"],
               [[p["name"], p["layer"] or "", str(sum(n["pipeline"] == p["name"] for n in listing["nodes"])),
                 _loc(p)] for p in listing["pipelines"]])
        _table("Nodes", ["pipeline", "name", "transformer", "tags", "where"],
               [[n["pipeline"], n["name"], n["transformer"] or "", ", ".join(n["tags"]), _loc(n)]
                for n in listing["nodes"]])
        builtins = sum(t["builtin"] for t in transformers)
        transformers = [t for t in transformers if not t["builtin"]]
        if not transformers:
            console.print(f"{builtins} built-in transformers: odibi list transformers")
            return
        console.print(f"Project transformers below; {builtins} built-in ones: odibi list transformers")
    _table("Transformers", ["name", "params", "description"],
           [[t["name"], ", ".join(t["params"]), t["description"]] for t in transformers])


def _table(title: str, columns: list[str], rows: list[list[str]]) -> None:
    table = Table(title=title, title_justify="left")
    for col in columns:
        wrap = col in ("description", "params", "tags")
        table.add_column(col, overflow="fold", no_wrap=not wrap)
    for row in rows:
        table.add_row(*(escape(str(v)) for v in row))
    console.print(table)


def _loc(item: dict[str, Any]) -> str:
    return f"{_rel(item['file'])}:{item['line']}"


def _rel(path: str) -> str:
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return path
    return path if rel.startswith("..") else rel
