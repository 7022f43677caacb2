"""Property tests: whatever a user writes, the loader answers with a project or a ConfigError.

A crash (KeyError, TypeError, RecursionError, ...) would reach the user as a traceback, so the
only allowed outcomes are a LoadedProject (with a buildable graph) or a ConfigError whose every
error is located in a file that exists, at a line inside it, and reads as plain text.
"""

from __future__ import annotations

import copy
import re
import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from odibi_core.config.loader import LoadedProject, load_project
from odibi_core.errors import ConfigError
from odibi_core.graph import Graph

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
LINE_BREAK = re.compile(r"\r\n|[\r\n\x85\u2028\u2029]")  # what YAML counts as a line break
LEAKS = ("Traceback", "errors.pydantic.dev", "validation error for", "input_value=")

VALID = {
    "project": "shop",
    "vars": {"n": 3, "dir": "./landing"},
    "connections": {
        "landing": {"type": "local", "base_path": "${vars.dir}"},
        "lake": {"type": "local", "base_path": "./lake"},
        "db": {"type": "sqlite", "path": "shop.db"},
    },
    "story": {"connection": "lake", "path": "stories", "max_sample_rows": 5},
    "system": {"connection": "lake"},
    "retry": {"enabled": True, "max_attempts": 2, "backoff": "linear"},
    "environments": {"prod": {"engine": "spark", "connections": {"lake": {"base_path": "/mnt/lake"}}}},
    "pipelines": [
        {"pipeline": "bronze", "layer": "bronze", "nodes": [
            {"name": "ingest", "read": {"connection": "landing", "format": "csv", "path": "orders.csv"},
             "write": {"connection": "lake", "format": "parquet", "path": "bronze/orders"}},
            {"name": "customers", "read": {"connection": "db", "table": "customers"},
             "write": {"connection": "lake", "format": "delta", "path": "bronze/customers", "mode": "upsert",
                       "options": {"keys": ["id"]}}},
        ]},
        {"pipeline": "silver", "nodes": [
            {"name": "clean", "inputs": {"orders": "$bronze.ingest"},
             "transform": {"steps": [{"sql": "SELECT * FROM orders"}]},
             "validation": {"tests": [{"type": "not_null", "columns": ["id"], "on_fail": "quarantine"}],
                            "quarantine": {"connection": "lake", "path": "q/orders"}},
             "write": {"connection": "lake", "format": "delta", "path": "silver/orders"}},
            {"name": "enrich", "depends_on": ["clean"], "transformer": "deduplicate", "params": {"keys": ["id"]},
             "on_error": "fail_fast", "retry": {"max_attempts": 3}},
        ]},
    ],
}
OVERLAY = {"connections": {"db": {"type": "postgres", "host": "db.internal"}},
           "pipelines": [{"pipeline": "bronze", "nodes": [{"name": "ingest", "write": {"mode": "append"}}]}]}

KNOWN_KEYS = ["project", "engine", "connections", "pipelines", "pipeline", "nodes", "name", "story", "system",
              "read", "write", "type", "local", "base_path", "path", "format", "mode", "depends_on", "inputs",
              "connection", "vars", "imports", "environments", "validation", "tests", "transform", "steps",
              "sql", "function", "retry", "options", "keys", "table", "time_travel", "columns", "on_fail"]
TEMPLATES = ["${X}", "${env:HOME_DIR}", "${vars.n}", "${vars.nope}", "$${x}", "${date:-1d}", "${date:+99999999999w}",
             "${date:bad}", "${}", "${vars.}", "$bronze.ingest", "$silver.nope", "csv", "delta", "upsert", "spark"]

scalars = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12)
           | st.sampled_from(TEMPLATES + KNOWN_KEYS))
keys = st.sampled_from(KNOWN_KEYS) | st.text(max_size=10)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
                      max_leaves=12)
YAML_BITS = ["key: value", "project: x", "  - a", "- b", "{", "}", "[", "]", "'", '"', "\t", ": ", "&a x", "*a",
             "<<: *a", "---", "...", "? k", "!!str x", "!!python/object:os.system x", "%YAML 1.1", "#c",
             "pipelines:", "  - pipeline: p", "    nodes: [{name: n}]", "connections: {a: {type: local}}", "\x00",
             "a: |", "  text", "b: >-", "@", "`", "a: b: c", "\ufeff", "\u2028"]


def _check_outcome(path: Path, env: str | None = None) -> None:
    """Load (and build the graph); anything but a project or a located ConfigError fails."""
    try:
        loaded = load_project(path, env=env, environ={"X": "1"})
    except ConfigError as exc:
        _check_error(exc)
        return
    assert isinstance(loaded, LoadedProject)
    try:
        Graph.build(loaded)
    except ConfigError as exc:
        _check_error(exc)


def _check_error(exc: ConfigError) -> None:
    text = str(exc)
    assert not any(leak in text for leak in LEAKS), text
    for err in getattr(exc, "errors", [exc]):
        assert err.location is not None, f"unlocated error: {err}"
        where = Path(err.location.file)
        assert where.is_file(), f"error names a file that does not exist: {err}"
        lines = len(LINE_BREAK.split(where.read_text(encoding="utf-8", errors="replace")))
        assert 1 <= err.location.line <= lines, f"line {err.location.line} outside {where} ({lines} lines): {err}"
        assert err.location.col >= 1
        assert "\n" not in err.render(), f"an error must be one paragraph: {err.render()!r}"


def _write_and_check(files: dict[str, str | bytes], env: str | None = None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for name, content in files.items():
            target = Path(tmp) / name
            if isinstance(content, bytes):
                target.write_bytes(content)
            else:
                target.write_text(content, encoding="utf-8", newline="")
        _check_outcome(Path(tmp) / "odibi.yaml", env)


# ---- (1) random text and random YAML documents ---------------------------------------------------

@SETTINGS
@given(st.text(max_size=300))
def test_random_text_gives_a_project_or_a_config_error(text):
    _write_and_check({"odibi.yaml": text})


@SETTINGS
@given(st.lists(st.sampled_from(YAML_BITS) | st.text(max_size=8), max_size=25), st.sampled_from(["\n", "\r\n"]))
def test_yaml_looking_text_gives_a_project_or_a_config_error(bits, newline):
    _write_and_check({"odibi.yaml": newline.join(bits)})


@SETTINGS
@given(values, st.sampled_from([None, "prod"]))
def test_random_yaml_documents_give_a_project_or_a_config_error(doc, env):
    _write_and_check({"odibi.yaml": yaml.safe_dump(doc, allow_unicode=True)}, env)


@SETTINGS
@given(st.binary(max_size=200))
def test_random_bytes_give_a_project_or_a_config_error(raw):
    _write_and_check({"odibi.yaml": raw})


# ---- (2) mutations of a valid project ------------------------------------------------------------

def _paths(doc, prefix=()):
    """Every (container path, key-or-index) in the document."""
    out = []
    if isinstance(doc, dict):
        for k, v in doc.items():
            out.append((prefix, k))
            out.extend(_paths(v, prefix + (k,)))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            out.append((prefix, i))
            out.extend(_paths(v, prefix + (i,)))
    return out


def _get(doc, path):
    for part in path:
        doc = doc[part]
    return doc


def _pipelines(doc):
    pipes = doc.get("pipelines")
    if not isinstance(pipes, list):
        return []
    return [p for p in pipes if isinstance(p, dict) and isinstance(p.get("nodes"), list)]


def _nodes(doc):
    return [n for p in _pipelines(doc) for n in p["nodes"] if isinstance(n, dict)]


def delete_key(doc, data):
    where, key = data.draw(st.sampled_from(_paths(doc)))
    del _get(doc, where)[key]


def rename_key(doc, data):
    choices = [(w, k) for w, k in _paths(doc) if isinstance(k, str)]
    where, key = data.draw(st.sampled_from(choices))
    parent = _get(doc, where)
    new = data.draw(st.sampled_from([key[:-1] or "x", key + "s", key.replace("_", ""), key.upper()]) | keys)
    if new not in parent:
        parent[new] = parent.pop(key)


def change_type(doc, data):
    where, key = data.draw(st.sampled_from(_paths(doc)))
    _get(doc, where)[key] = data.draw(values)


def duplicate_node(doc, data):
    nodes = _nodes(doc)
    pipes = _pipelines(doc)
    if nodes and pipes:
        data.draw(st.sampled_from(pipes))["nodes"].append(copy.deepcopy(data.draw(st.sampled_from(nodes))))


def insert_key(doc, data):
    dicts = [()] + [w + (k,) for w, k in _paths(doc) if isinstance(_get(doc, w + (k,)), dict)]
    _get(doc, data.draw(st.sampled_from(dicts)))[data.draw(keys)] = data.draw(values)


def change_depends_on(doc, data):
    nodes = _nodes(doc)
    if nodes:
        names = [n.get("name") for n in nodes if isinstance(n.get("name"), str)]
        target = data.draw(st.sampled_from(nodes))
        name = data.draw(st.sampled_from(names or ["x"]) | st.text(max_size=10))
        if data.draw(st.booleans()):
            target["depends_on"] = [name]
        else:
            pipe = data.draw(st.sampled_from(["bronze", "silver", "gold"]))
            target["inputs"] = {"src": f"${pipe}.{name}"}


MUTATIONS = [delete_key, rename_key, change_type, duplicate_node, insert_key, change_depends_on]


def test_the_unmutated_project_loads_in_both_environments():
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "odibi.yaml").write_text(yaml.safe_dump(VALID, sort_keys=False), encoding="utf-8")
        (Path(tmp) / "env.prod.yaml").write_text(yaml.safe_dump(OVERLAY, sort_keys=False), encoding="utf-8")
        for env in (None, "prod"):
            Graph.build(load_project(Path(tmp) / "odibi.yaml", env=env, environ={}))


@SETTINGS
@given(st.data())
def test_mutated_projects_give_a_project_or_a_located_config_error(data):
    docs = {"odibi.yaml": copy.deepcopy(VALID), "env.prod.yaml": copy.deepcopy(OVERLAY)}
    for _ in range(data.draw(st.integers(1, 3), label="mutations")):
        name = data.draw(st.sampled_from(["odibi.yaml", "odibi.yaml", "env.prod.yaml"]), label="file")
        doc = docs[name]
        if not _paths(doc):
            continue
        data.draw(st.sampled_from(MUTATIONS), label="mutation")(doc, data)
    env = data.draw(st.sampled_from([None, "prod"]), label="env")
    _write_and_check({n: yaml.safe_dump(d, sort_keys=False, allow_unicode=True) for n, d in docs.items()}, env)
