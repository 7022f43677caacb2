"""JSON Schemas of the project file and of environment overlays, for editors and `odibi schema`.

Editors (VS Code's YAML extension, any yaml-language-server client) validate and complete a YAML
file against the schema its ``# yaml-language-server: $schema=...`` modeline names. Two schemas
are published at the repository root and copied into every project ``odibi init-pipeline``
creates:

* ``odibi.schema.json`` (``odibi schema``): a whole project file, generated from the pydantic
  models the loader validates with, so it cannot drift from what ``odibi validate`` accepts.
* ``odibi.overlay.schema.json`` (``odibi schema --overlay``): an ``env.<name>.yaml`` overlay. An
  overlay is deep-merged over the project before validation, so it holds only the keys that
  differ: the same schema with nothing required, and tagged unions (connections, tests) as
  ``anyOf`` since a partial connection may omit its ``type``.

Both accept a whole-value ``${...}`` reference wherever a number, a boolean, a list or a fixed
choice is expected (``max_attempts: ${RETRIES}``, ``values: ${vars.statuses}``): the loader
substitutes references before it validates, and a whole-value reference keeps its type, so
those files are valid even though the text is a string.
"""

from __future__ import annotations

import copy
from typing import Any

from odibi_core.config.models import ProjectConfig

SCHEMA_ID = "https://odibi.dev/schema/odibi.schema.json"
OVERLAY_SCHEMA_ID = "https://odibi.dev/schema/odibi.overlay.schema.json"
DRAFT = "https://json-schema.org/draft/2020-12/schema"
REFERENCE_DEF = "Reference"
REFERENCE_PATTERN = r"^\$\{[^{}]+\}$"
_META = ("title", "description", "default", "examples", "deprecated")


def project_json_schema() -> dict[str, Any]:
    """The schema of a whole project file (``odibi schema``)."""
    schema = ProjectConfig.model_json_schema(by_alias=True, mode="validation")
    defs = schema.setdefault("$defs", {})
    for sub in [schema, *defs.values()]:
        _allow_references_in(sub)
    defs[REFERENCE_DEF] = {
        "type": "string", "pattern": REFERENCE_PATTERN,
        "description": "a whole-value ${...} reference (an environment variable, ${vars.name} or ${date:...}), "
                       "substituted before the project is validated",
    }
    return {"$schema": DRAFT, "$id": SCHEMA_ID, "title": "Odibi project",
            **{k: v for k, v in schema.items() if k != "title"}}


def overlay_json_schema() -> dict[str, Any]:
    """The schema of an environment overlay file (``odibi schema --overlay``): nothing required."""
    schema = _relaxed(copy.deepcopy(project_json_schema()))
    schema["$id"] = OVERLAY_SCHEMA_ID
    schema["title"] = "Odibi environment overlay"
    schema["description"] = ("env.<name>.yaml: keys that differ in one environment, deep-merged over odibi.yaml "
                             "by `--env <name>` (lists of pipelines and nodes merge by name).")
    return schema


# --- whole-value references -----------------------------------------------------------------
def _allow_references_in(obj: dict[str, Any]) -> None:
    """Let every typed property of an object schema also take a ``${...}`` reference."""
    for name, prop in (obj.get("properties") or {}).items():
        obj["properties"][name] = _with_reference(prop)
    extra = obj.get("additionalProperties")
    if isinstance(extra, dict) and extra:
        obj["additionalProperties"] = _with_reference(extra)


def _with_reference(prop: dict[str, Any]) -> dict[str, Any]:
    if not _takes_reference(prop):
        return prop
    ref = {"$ref": f"#/$defs/{REFERENCE_DEF}"}
    if "anyOf" in prop:
        return {**prop, "anyOf": [*prop["anyOf"], ref]}
    outer = {k: v for k, v in prop.items() if k in _META}
    inner = {k: v for k, v in prop.items() if k not in _META}
    return {**outer, "anyOf": [inner, ref]}


def _takes_reference(prop: dict[str, Any]) -> bool:
    """A scalar, a list of values or a fixed choice that no plain string satisfies. Not models,
    maps, lists of blocks (an error in a node would otherwise be reported as "pipelines is not a
    string") or consts (a union's ``type`` tag must stay literal so editors can tell branches apart)."""
    if "anyOf" in prop:
        branches = prop["anyOf"]
        return not any(_any_string(b) for b in branches) and any(_takes_reference(b) for b in branches)
    if "const" in prop or "$ref" in prop or "oneOf" in prop:
        return False
    if "enum" in prop:
        return True
    if prop.get("type") == "array":  # a list of values (columns, keys, values), not of blocks (nodes, tests)
        items = prop.get("items") or {}
        return not ({"$ref", "oneOf", "anyOf", "properties"} & set(items)) and items.get("type") != "object"
    return prop.get("type") in ("integer", "number", "boolean")


def _any_string(prop: dict[str, Any]) -> bool:
    keys = set(prop) - set(_META)
    if not keys:
        return True
    return prop.get("type") == "string" and not keys & {"enum", "const", "pattern", "format"}


# --- overlays ---------------------------------------------------------------------------------
def _relaxed(node: Any) -> Any:
    """No ``required`` anywhere; ``oneOf`` + ``discriminator`` (pydantic's tagged unions) to ``anyOf``."""
    if isinstance(node, list):
        return [_relaxed(v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key in ("required", "discriminator"):
            continue
        out["anyOf" if key == "oneOf" else key] = _relaxed(value)
    return out
