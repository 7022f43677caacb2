"""Cross-reference checks the models cannot do alone: names that must exist or be unique."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from odibi_core.config.models.base import suggest
from odibi_core.config.models.node import INPUT_REF_RE
from odibi_core.errors import ConfigError, ConfigErrors

if TYPE_CHECKING:
    from odibi_core.config.loader import LoadedProject

EXTENSION_FORMATS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet", ".json": "json",
                     ".jsonl": "jsonl", ".ndjson": "jsonl"}
FILE_FORMATS = {"csv", "parquet", "json", "jsonl", "delta"}
FILE_CONNECTIONS = {"local", "azure_blob", "adls", "delta"}
SQL_CONNECTIONS = {"sql", "sqlite", "postgres", "postgresql", "sql_server", "azure_sql", "mysql"}


def infer_format(path: str | None, connection_type: str) -> str | None:
    """Format implied by the connection (SQL, HTTP) or by the path's extension."""
    if connection_type in SQL_CONNECTIONS:
        return "sql"
    if connection_type == "http":
        return "api"
    if path:
        suffix = PurePosixPath(path.replace("*", "x")).suffix.lower()
        return EXTENSION_FORMATS.get(suffix)
    return None


def check_references(loaded: LoadedProject) -> None:
    cfg = loaded.config
    errors: list[ConfigError] = []
    conns = cfg.connections

    def err(message, path, hint=None):
        errors.append(loaded.error(message, *path, hint=hint))

    def check_conn(name, path):
        if name not in conns:
            close = suggest(name, conns)
            err(f"unknown connection '{name}'", path,
                f"did you mean '{close}'?" if close else f"known connections: {', '.join(sorted(conns))}")
            return None
        return conns[name]

    check_conn(cfg.story.connection, ("story", "connection"))
    check_conn(cfg.system.connection, ("system", "connection"))

    seen_pipes: dict[str, int] = {}
    node_where: dict[str, tuple] = {}
    node_pipe: dict[str, str] = {}
    for pi, pipe in enumerate(cfg.pipelines):
        if pipe.pipeline in seen_pipes:
            err(f"pipeline '{pipe.pipeline}' is defined twice", ("pipelines", pi, "pipeline"),
                f"first at line {loaded.location('pipelines', seen_pipes[pipe.pipeline]).line}")
        seen_pipes.setdefault(pipe.pipeline, pi)
        for ni, node in enumerate(pipe.nodes):
            path = ("pipelines", pi, "nodes", ni, "name")
            if node.name in node_where:
                first = loaded.location(*node_where[node.name])
                err(f"node name '{node.name}' is used twice; names are unique in a project", path,
                    f"first at {first.file}:{first.line}" if first else None)
                continue
            node_where[node.name] = path
            node_pipe[node.name] = pipe.pipeline

    for pi, pipe in enumerate(cfg.pipelines):
        local_names = [n.name for n in pipe.nodes]
        for ni, node in enumerate(pipe.nodes):
            base = ("pipelines", pi, "nodes", ni)
            for di, dep in enumerate(node.depends_on):
                if dep in local_names:
                    continue
                if dep in node_pipe:
                    err(f"depends_on '{dep}' is a node of pipeline '{node_pipe[dep]}'", base + ("depends_on", di),
                        f"use inputs: {{{dep}: ${node_pipe[dep]}.{dep}}} for cross-pipeline sources")
                else:
                    close = suggest(dep, local_names)
                    err(f"depends_on names unknown node '{dep}'", base + ("depends_on", di),
                        f"did you mean '{close}'?" if close else f"nodes in '{pipe.pipeline}': {', '.join(local_names)}")
            for alias, ref in node.inputs.items():
                if isinstance(ref, str):
                    m = INPUT_REF_RE.match(ref)
                    pname, nname = m.group(1), m.group(2)
                    if pname not in seen_pipes:
                        close = suggest(pname, seen_pipes)
                        err(f"input '{alias}' names unknown pipeline '{pname}'", base + ("inputs", alias),
                            f"did you mean '{close}'?" if close else None)
                    elif node_pipe.get(nname) != pname:
                        names = [n.name for n in cfg.pipelines[seen_pipes[pname]].nodes]
                        close = suggest(nname, names)
                        err(f"input '{alias}' names unknown node '{nname}' in pipeline '{pname}'",
                            base + ("inputs", alias), f"did you mean '{close}'?" if close else None)
                else:
                    _check_io(ref, base + ("inputs", alias), check_conn, err, reading=True)
            if node.read:
                _check_io(node.read, base + ("read",), check_conn, err, reading=True)
            if node.write:
                _check_io(node.write, base + ("write",), check_conn, err, reading=False)
            if node.validation and node.validation.quarantine:
                check_conn(node.validation.quarantine.connection, base + ("validation", "quarantine", "connection"))
            if not (node.read or node.depends_on or node.inputs):
                err(f"node '{node.name}' has no data source", base + ("name",),
                    "give it a 'read', 'depends_on' or 'inputs'")
            if node.transform:
                for si, step in enumerate(node.transform.steps):
                    if step.sql_file and not (loaded.root / step.sql_file).is_file():
                        err(f"sql_file not found: {step.sql_file}", base + ("transform", "steps", si, "sql_file"),
                            f"paths are relative to {loaded.root}")
    if errors:
        raise ConfigErrors(errors)


def _check_io(block, path, check_conn, err, reading: bool) -> None:
    conn = check_conn(block.connection, path + ("connection",))
    if conn is None:
        return
    fmt = block.format or infer_format(getattr(block, "path", None), conn.type)
    if fmt is None:
        err("cannot tell the format from the path; add 'format:'", path + ("path",),
            "one of csv, parquet, json, jsonl, delta, sql, api")
        return
    if reading and getattr(block, "time_travel", None) and fmt != "delta":
        err(f"time_travel works only with format: delta (this read is {fmt})", path + ("time_travel",))
    if fmt in FILE_FORMATS and conn.type not in FILE_CONNECTIONS:
        err(f"format '{fmt}' needs a file connection (local, azure_blob), but '{block.connection}' is {conn.type}",
            path + ("format",), "use a file connection, or drop 'format:' to use the connection's own")
    elif fmt == "sql" and conn.type not in SQL_CONNECTIONS:
        err(f"format 'sql' needs a SQL connection, but '{block.connection}' is {conn.type}", path + ("format",),
            "use a database connection (sqlite, postgres, sql_server, ...), or a file format such as csv")
    elif fmt == "api" and conn.type != "http":
        err(f"format 'api' needs an http connection, but '{block.connection}' is {conn.type}", path + ("format",),
            "use a connection of type http")
    elif fmt == "api" and not reading:
        err(f"'{block.connection}' is an http connection, which is read-only: a node cannot write to it",
            path + ("connection",), "write to a file, delta or SQL connection instead")
    if fmt in FILE_FORMATS and not getattr(block, "path", None):
        err(f"format '{fmt}' reads and writes by 'path', not 'table' or 'query'", path)
    if fmt == "sql" and getattr(block, "path", None):
        err("SQL connections take 'table' or 'query', not 'path'", path + ("path",))
