"""Turn pydantic validation errors into located, readable ConfigErrors.

Pydantic reports a union field (``str | ReadConfig``, ``bool | list[str]``) once per branch,
with loc parts such as ``str`` or ``function-after[...]`` that are not in the user's file. We
drop those parts from the key path, drop branches that plainly did not apply when another
branch got further, and merge the rest into one "expected X or Y" message, so the user sees
one error per mistake, in their own vocabulary (a mapping, a list), never pydantic's.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from odibi_core.config.models.base import suggest
from odibi_core.config.yaml_source import KeyPath, SourceMap, render_key_path
from odibi_core.errors import ConfigError, ConfigErrors

# loc parts pydantic adds for union branches and wrapped validators; never keys of the data
_TAG = re.compile(r"^(str|int|float|bool|none|(list|dict|set|tuple|literal|tagged-union|nullable|union|"
                  r"function-(after|before|wrap|plain))\[.*\]|[A-Z]\w*)$")

_EXPECTED = {
    "string_type": "a string", "int_type": "an integer", "int_parsing": "an integer",
    "int_from_float": "a whole number", "float_type": "a number", "float_parsing": "a number",
    "bool_type": "true or false", "bool_parsing": "true or false", "list_type": "a list",
    "dict_type": "a mapping", "model_type": "a mapping", "model_attributes_type": "a mapping",
}
_KEYED = ("unknown_key", "at_key")  # our own errors that name the key they belong to


def _walk(loc: tuple, data: Any) -> tuple[KeyPath, bool]:
    """Key path in the data for a pydantic loc, and whether union/validator tags were dropped."""
    out: list = []
    cur = data
    dropped = False
    for part in loc:
        if isinstance(cur, dict) and _has_key(cur, part):
            out.append(part)
            cur = cur[part]
        elif isinstance(cur, list) and isinstance(part, int) and 0 <= part < len(cur):
            out.append(part)
            cur = cur[part]
        elif isinstance(part, str) and (_TAG.match(part) or (isinstance(cur, dict) and cur.get("type") == part)):
            dropped = True  # a union branch or discriminator tag
        else:
            out.append(part)
            cur = None
    return tuple(out), dropped


def _has_key(mapping: dict, key: Any) -> bool:
    try:
        return key in mapping
    except TypeError:  # an unhashable part cannot be a key
        return False


def data_path(loc: tuple, data: Any) -> KeyPath:
    """Drop the parts pydantic adds that are not in the data (union tags such as 'str')."""
    return _walk(loc, data)[0]


def _shown(value: Any) -> str:
    if value is None:
        return "an empty value"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, (dt.date, dt.datetime)):
        return f"{value.isoformat()}, a date; quote it to keep it as text"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "...'"


def _message(err: dict) -> str:
    kind = err.get("type", "")
    if kind in _KEYED:
        return err["ctx"]["msg"]
    if kind == "missing":
        return f"required key '{err['loc'][-1]}' is missing"
    msg = err.get("msg", "invalid value").removeprefix("Value error, ").replace("Input should be ", "must be ", 1)
    if kind == "union_tag_not_found":
        return f"required key '{err['ctx']['discriminator'].strip(chr(39))}' is missing"
    if kind == "union_tag_invalid":
        ctx = err["ctx"]
        expected = [t.strip().strip("'") for t in ctx["expected_tags"].split(",")]
        close = suggest(str(ctx["tag"]), expected)
        hint = f"did you mean '{close}'?" if close else "expected one of: " + ", ".join(expected)
        return f"unknown {ctx['discriminator'].strip(chr(39))} '{ctx['tag']}' ({hint})"
    given = err.get("input")
    if kind == "literal_error":
        expected = err.get("ctx", {}).get("expected", "")
        close = suggest(str(given), [t.strip().strip("'") for t in expected.replace(" or ", ",").split(",")])
        return f"{msg} (got {_shown(given)}" + (f"; did you mean '{close}'?)" if close else ")")
    if kind in _EXPECTED:
        text = f"expected {_EXPECTED[kind]} (got {_shown(given)})"
        if kind == "list_type" and isinstance(given, str):
            text += f"; write a list, e.g. [{given}]"
        return text
    if kind != "value_error" and not isinstance(given, (dict, list)):
        return f"{msg} (got {_shown(given)})"
    return msg


@dataclass
class _Item:
    path: KeyPath
    branch: bool  # a type mismatch inside one branch of a union
    err: dict


def _prune_branches(items: list[_Item]) -> list[_Item]:
    """Keep a union branch's type mismatch only when no branch got further at that place."""
    out = []
    for it in items:
        if it.branch and any(o is not it and o.path[:len(it.path)] == it.path
                             and (len(o.path) > len(it.path) or not o.branch) for o in items):
            continue
        out.append(it)
    return out


def config_errors(exc: ValidationError, data: Any, smap: SourceMap) -> ConfigErrors:
    items: list[_Item] = []
    for err in exc.errors(include_url=False):
        loc_parts = tuple(err["loc"])
        if err.get("type") in _KEYED:
            loc_parts = loc_parts + (err["ctx"]["key"],)
        elif err.get("type") in ("union_tag_invalid", "union_tag_not_found"):
            loc_parts = loc_parts + (err["ctx"]["discriminator"].strip("'"),)
        path, dropped = _walk(loc_parts, data)
        items.append(_Item(path, dropped and err.get("type") in _EXPECTED, err))
    found: dict[tuple, str] = {}  # (path, first message) -> message, in order; dicts keep insertion order
    branch_at: dict[KeyPath, tuple] = {}
    for it in _prune_branches(items):
        if it.branch and it.path in branch_at:  # several branches, none fits: one "expected X or Y"
            key = branch_at[it.path]
            wanted = _EXPECTED[it.err["type"]]
            if wanted not in found[key]:
                head, _, tail = found[key].partition(" (got ")
                found[key] = f"{head} or {wanted} (got {tail}"
            continue
        key = (it.path, _message(it.err))
        found.setdefault(key, key[1])
        if it.branch:
            branch_at[it.path] = key
    errors = [ConfigError(message, location=smap.nearest(path), key_path=render_key_path(path))
              for (path, _), message in found.items()]
    errors.sort(key=lambda e: (e.location.file, e.location.line, e.location.col) if e.location else ("", 0, 0))
    return ConfigErrors(errors)
