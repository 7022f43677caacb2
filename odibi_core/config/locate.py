"""Turn pydantic validation errors into located, readable ConfigErrors."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from odibi_core.config.models.base import suggest
from odibi_core.config.yaml_source import KeyPath, SourceMap, render_key_path
from odibi_core.errors import ConfigError, ConfigErrors


def data_path(loc: tuple, data: Any) -> KeyPath:
    """Drop the parts pydantic adds that are not in the data (union tags such as 'local')."""
    out: list = []
    cur = data
    for i, part in enumerate(loc):
        last = i == len(loc) - 1
        if isinstance(cur, dict):
            if part in cur:
                out.append(part)
                cur = cur[part]
            elif last or not isinstance(part, str) or part in ("function-after", "function-before"):
                if last:
                    out.append(part)
            elif cur.get("type") == part or part[:1].isupper() or part in ("str", "int", "ref", "read"):
                continue  # a union/discriminator tag
            else:
                out.append(part)
                cur = None
        elif isinstance(cur, list) and isinstance(part, int) and 0 <= part < len(cur):
            out.append(part)
            cur = cur[part]
        else:
            out.append(part)
            cur = None
    return tuple(out)


_FRIENDLY = {
    "missing": "required key is missing",
    "extra_forbidden": "unknown key",
}


def _message(err: dict) -> str:
    kind = err.get("type", "")
    if kind == "unknown_key":
        return err["ctx"]["msg"]
    if kind == "missing":
        return f"required key '{err['loc'][-1]}' is missing"
    msg = err.get("msg", "invalid value")
    msg = msg.removeprefix("Value error, ")
    if kind == "union_tag_not_found":
        return f"required key '{err['ctx']['discriminator'].strip(chr(39))}' is missing"
    if kind == "union_tag_invalid":
        ctx = err["ctx"]
        expected = [t.strip().strip("'") for t in ctx["expected_tags"].split(",")]
        close = suggest(str(ctx["tag"]), expected)
        hint = f"did you mean '{close}'?" if close else "expected one of: " + ", ".join(expected)
        return f"unknown {ctx['discriminator'].strip(chr(39))} '{ctx['tag']}' ({hint})"
    if kind == "literal_error":
        given = err.get("input")
        expected = err.get("ctx", {}).get("expected", "")
        close = suggest(str(given), [t.strip().strip("'") for t in expected.replace(" or ", ",").split(",")])
        return f"{msg} (got {given!r}" + (f"; did you mean '{close}'?)" if close else ")")
    if kind.endswith("_type") or kind.endswith("_parsing"):
        given = err.get("input")
        shown = repr(given) if not isinstance(given, (dict, list)) else type(given).__name__
        return f"{msg} (got {shown})"
    return msg


def config_errors(exc: ValidationError, data: Any, smap: SourceMap) -> ConfigErrors:
    errors: list[ConfigError] = []
    seen = set()
    for err in exc.errors(include_url=False):
        loc_parts = tuple(err["loc"])
        if err.get("type") == "unknown_key":
            loc_parts = loc_parts + (err["ctx"]["key"],)
        elif err.get("type") in ("union_tag_invalid", "union_tag_not_found"):
            loc_parts = loc_parts + (err["ctx"]["discriminator"].strip("'"),)
        path = data_path(loc_parts, data)
        key = (path, err.get("type"))
        if key in seen:
            continue
        seen.add(key)
        loc = smap.nearest(path)
        errors.append(ConfigError(_message(err), location=loc, key_path=render_key_path(path)))
    errors.sort(key=lambda e: (e.location.file, e.location.line, e.location.col) if e.location else ("", 0, 0))
    return ConfigErrors(errors)
