"""Where a failing node's SQL lives, and the node config with a fix put in its place.

A node's SQL can sit in a ``sql:`` step, in a ``sql_file:`` next to the YAML, or inside a
transformer's params (a filter condition, a derived column). The healer works on the text as
the user wrote it, so a fix can be shown as a diff of their own lines and written back to the
same key (or file) when a person accepts it. In apply mode the patched config only lives in
memory for the re-run; the YAML and the ``.sql`` file are untouched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from odibi_core.config.models import NodeConfig

_STEP_PHASE = re.compile(r"^transform\.steps\[(\d+)\] \((\w+)\)")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True)
class HealTarget:
    """One piece of SQL text in a node. ``keys`` is the path inside the node's YAML mapping."""

    location: str  # transform.steps[1].sql | transform.steps[0].sql_file | params.condition | ...
    keys: tuple
    text: str
    kind: str  # query | expression
    file: str | None = None  # for sql_file: the file, relative to the project folder


def heal_targets(node: NodeConfig, phase: str | None, names: list[str], root: Path) -> list[HealTarget]:
    """The SQL texts that can explain a failure in ``phase``. For params, only the string values
    that mention one of the offending ``names`` (when the error named any), so an unrelated
    param is never rewritten."""
    phase = phase or ""
    m = _STEP_PHASE.match(phase)
    if m:
        i, kind = int(m.group(1)), m.group(2)
        step = node.transform.steps[i]
        base = ("transform", "steps", i)
        if kind == "sql":
            return [HealTarget(f"transform.steps[{i}].sql", base + ("sql",), step.sql, "query")]
        if kind == "sql_file":
            path = root / step.sql_file
            text = path.read_text(encoding="utf-8") if path.is_file() else None
            return [HealTarget(f"transform.steps[{i}].sql_file", base + ("sql_file",), text, "query",
                               file=step.sql_file)] if text else []
        return _param_targets(step.params, base + ("params",), names)
    if phase.startswith("transformer "):
        return _param_targets(node.params, ("params",), names)
    return []


def _param_targets(params: dict[str, Any], base: tuple, names: list[str]) -> list[HealTarget]:
    out: list[HealTarget] = []
    wanted = {n.lower() for n in names}

    def walk(value: Any, keys: tuple) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, keys + (k,))
        elif isinstance(value, list):
            for j, v in enumerate(value):
                walk(v, keys + (j,))
        elif isinstance(value, str) and value.strip():
            words = {w.lower() for w in _WORD.findall(value)}
            if not wanted or words & wanted:
                out.append(HealTarget(render_keys(keys), keys, value, "expression"))

    walk(params, base)
    return out


def render_keys(keys: tuple) -> str:
    out = ""
    for k in keys:
        out += f"[{k}]" if isinstance(k, int) else (f".{k}" if out else str(k))
    return out


def patched_config(node: NodeConfig, target: HealTarget, new_text: str) -> NodeConfig:
    """A copy of ``node`` with ``new_text`` at the target (a sql_file step becomes an inline sql
    step for the in-memory re-run)."""
    data = node.model_dump(by_alias=True, exclude_unset=True)
    keys = list(target.keys)
    if target.file is not None:
        keys[-1] = "sql"
        step = _walk(data, keys[:-1])
        step.pop("sql_file", None)
    _walk(data, keys[:-1])[keys[-1]] = new_text
    return NodeConfig.model_validate(data)


def _walk(data: Any, keys: list) -> Any:
    for k in keys:
        data = data[k]
    return data
