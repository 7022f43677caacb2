"""JSON Schema of the project file, for editors (VS Code's YAML extension) and `odibi schema`."""

from __future__ import annotations

from typing import Any

from odibi_core.config.models import ProjectConfig

SCHEMA_ID = "https://odibi.dev/schema/odibi.schema.json"


def project_json_schema() -> dict[str, Any]:
    schema = ProjectConfig.model_json_schema(by_alias=True, mode="validation")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID,
            "title": "Odibi project", **{k: v for k, v in schema.items() if k != "title"}}
