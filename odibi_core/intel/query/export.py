"""Export as pipeline: turn an answered question into a gold node in its own pipeline file.

Why inputs are read blocks and not ``$pipeline.node`` references: the file should run on its
own (``odibi run --pipeline ask_...``) and keep working if the node that produced a table moves
to another pipeline; reading each table's write target is exactly what the runner does for an
upstream node outside the run. The input aliases are the table names the SQL already uses, so
the SQL is pasted unchanged. The write goes next to the first input (same connection, same
format) under ``gold/<name>``.

The file holds only a ``pipelines:`` list, the shape odibi merges through ``imports:``; the
project picks it up once ``imports: [<file>]`` is added to its project file.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Any

import yaml

from odibi_core.config.models import ReadConfig
from odibi_core.errors import OdibiError
from odibi_core.intel.query.scope import QueryScope
from odibi_core.intel.sql_guard import check_select

_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
_MAX_SLUG = 48
_FILE_FORMATS = ("csv", "parquet", "json", "jsonl")


def node_name_for(question: str) -> str:
    """``ask_`` + the question's words, lower case, joined by ``_``, cut at a word under 48 chars:
    a valid node name that says what it computes and cannot clash with a pipeline's own nodes."""
    words = re.findall(r"[a-z0-9]+", question.lower())
    slug = ""
    for word in words:
        nxt = f"{slug}_{word}" if slug else word
        if len(nxt) > _MAX_SLUG:
            break
        slug = nxt
    return f"ask_{slug or 'query'}"


def export_node(question: str, sql: str, scope: QueryScope, *, name: str | None = None) -> str:
    """The YAML text of a pipeline ``ask_<name>`` with one gold node computing ``sql``.

    The SQL is checked first (one SELECT over tables in ``scope``): only an answer that could run
    is exported."""
    name = name or node_name_for(question)
    if not _NAME.match(name):
        raise OdibiError(f"'{name}' is not a valid node name: use letters, digits and _ and start with a letter or _")
    checked = check_select(sql, scope.schemas(), dialect="duckdb")
    if not checked.tables:
        raise OdibiError("the SQL reads no table in scope, so there is nothing for a pipeline node to read; "
                         "export a query over the project's tables")
    missing = [t for t in checked.tables if t not in scope.read_configs]
    if missing:
        raise OdibiError(f"cannot export: no read block is known for {', '.join(missing)}")
    inputs = {t: _read_block(scope.read_configs[t]) for t in checked.tables}
    node: dict[str, Any] = {"name": name, "description": _escape(question), "inputs": inputs,
                            "transform": {"steps": [{"sql": _escape(checked.sql) + "\n"}]}}
    write = _write_block(name, [scope.read_configs[t] for t in checked.tables])
    if write is not None:
        node["write"] = write
    pipeline = {"pipeline": name, "layer": "gold",
                "description": _escape(f"Exported from odibi query: {_one_line(question)}"), "nodes": [node]}
    header = (f"# Exported from `odibi query`: {_one_line(question)}\n"
              f"# Add this file to the project's `imports:` list, then: odibi run --pipeline {name}\n")
    if write is None:
        header += "# The inputs are not files or SQL tables: add a 'write:' block to keep the result.\n"
    return header + yaml.dump({"pipelines": [pipeline]}, Dumper=_Dumper, sort_keys=False, allow_unicode=True,
                              width=120, default_flow_style=False)


def write_export(config_path: str | os.PathLike, yaml_text: str, dest: str | os.PathLike) -> Path:
    """Write ``yaml_text`` to ``dest`` (relative paths are taken from the project's folder),
    atomically, refusing to overwrite an existing file. Returns the path written."""
    root = Path(config_path)
    root = root if root.is_dir() else root.parent
    target = Path(dest)
    target = target if target.is_absolute() else root / target
    if target.suffix.lower() not in (".yaml", ".yml"):
        raise OdibiError(f"the export file must end in .yaml or .yml (got '{target.name}')")
    try:
        yaml.safe_load(yaml_text)
    except yaml.YAMLError as exc:
        raise OdibiError(f"the exported text is not valid YAML ({exc}); nothing was written") from None
    if target.exists():
        raise OdibiError(f"{target} exists already; choose another file name (nothing was overwritten)")
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".odibi-tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(yaml_text)
        try:
            os.link(tmp, target)  # fails if the target appeared meanwhile: never overwrites
        except FileExistsError:
            raise OdibiError(f"{target} exists already; choose another file name (nothing was overwritten)") from None
        except OSError:  # a file system without hard links: rename after the check above
            if target.exists():
                raise OdibiError(f"{target} exists already; choose another file name") from None
            os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return target


def import_hint(config_path: str | os.PathLike, written: Path) -> str:
    """What to add to the project file so it loads ``written``: ``imports: [pipelines/ask_x.yaml]``."""
    root = Path(config_path)
    root = root if root.is_dir() else root.parent
    try:
        rel = written.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        rel = str(written)
    return f"imports: [{rel}]"


# --- blocks ---------------------------------------------------------------------------------------
def _read_block(read: ReadConfig) -> dict[str, Any]:
    block = read.model_dump(exclude_none=True, exclude_defaults=True)
    block.setdefault("connection", read.connection)
    return {k: _escape(v) if isinstance(v, str) else v for k, v in block.items()}


def _write_block(name: str, reads: list[ReadConfig]) -> dict[str, Any] | None:
    for read in reads:
        if read.format == "delta" or read.format in _FILE_FORMATS:
            return {"connection": read.connection, "format": read.format, "path": f"gold/{name}", "mode": "overwrite"}
        if read.format == "sql":
            return {"connection": read.connection, "format": "sql", "table": f"gold_{name}", "mode": "overwrite"}
    return None


def _escape(text: str) -> str:
    """``${`` is odibi's substitution marker; ``$${`` keeps it literal."""
    return text.replace("${", "$${")


def _one_line(text: str) -> str:
    return " ".join(text.split())


class _Dumper(yaml.SafeDumper):
    """Multi-line strings (the SQL) as ``|`` blocks and list items indented under their key, as a
    person would write them."""

    def increase_indent(self, flow: bool = False, indentless: bool = False):
        return super().increase_indent(flow, False)


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)
