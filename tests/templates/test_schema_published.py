"""The published JSON Schemas (odibi.schema.json, odibi.overlay.schema.json at the repository root)
are exactly what `odibi schema` prints, and every template file validates against them the way
VS Code's YAML extension checks it: with a JSON Schema validator (the `jsonschema` library, and
the `check-jsonschema` command on created projects), not with odibi's loader."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
TEMPLATES = sorted(p.parent.name for p in (REPO / "templates").glob("*/template.yaml"))
PUBLISHED = {"odibi.schema.json": [], "odibi.overlay.schema.json": ["--overlay"]}


def validator(name: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(json.loads((REPO / name).read_text(encoding="utf-8")))


def errors(name: str, doc) -> list[str]:
    return [f"{'.'.join(map(str, e.absolute_path)) or '<root>'}: {e.message[:160]}"
            for e in validator(name).iter_errors(doc)]


def template_doc(path: Path):
    """A template file as the created project will hold it ({{project_name}} filled in)."""
    return yaml.safe_load(path.read_text(encoding="utf-8").replace("{{project_name}}", "demo"))


@pytest.mark.parametrize("name", PUBLISHED)
def test_published_schema_is_exactly_what_odibi_schema_prints(name):
    args = PUBLISHED[name]
    res = subprocess.run([sys.executable, "-m", "odibi_core.cli.main", "schema", *args], capture_output=True,
                         text=True, timeout=120, env={k: v for k, v in os.environ.items() if k != "ODIBI_ENV"})
    assert res.returncode == 0, res.stderr
    published = (REPO / name).read_text(encoding="utf-8")
    regenerate = f"odibi schema {' '.join(args)} > {name}".replace("  ", " ")
    assert published == res.stdout, f"{name} is stale; regenerate it from the repository root: {regenerate}"
    jsonschema.Draft202012Validator.check_schema(json.loads(published))


@pytest.mark.parametrize("template", TEMPLATES)
def test_every_template_file_validates_against_the_published_schema(template):
    folder = REPO / "templates" / template
    assert errors("odibi.schema.json", template_doc(folder / "odibi.yaml")) == []
    for overlay in sorted(folder.glob("env.*.yaml")):
        assert errors("odibi.overlay.schema.json", template_doc(overlay)) == [], overlay.name


def test_overlays_need_the_overlay_schema_and_it_still_catches_typos():
    overlay = template_doc(REPO / "templates/local-medallion/env.prod.yaml")
    assert any("'project' is a required property" in e for e in errors("odibi.schema.json", overlay))
    assert errors("odibi.overlay.schema.json", overlay) == []
    partial_node = {"pipelines": [{"pipeline": "silver", "nodes": [{"name": "orders",
                                                                    "validation": {"gate": {"on_fail": "abort"}}}]}],
                    "connections": {"lake": {"base_path": "/mnt/lake"}}}  # no type: merged over the base's
    assert errors("odibi.overlay.schema.json", partial_node) == []
    assert errors("odibi.overlay.schema.json", {"story": {"max_sample_rowz": 5}}) != []
    assert errors("odibi.overlay.schema.json", {"engine": "sparky"}) != []
    assert errors("odibi.overlay.schema.json", {"connections": {"lake": {"type": "local", "account_name": "x"}}}) != []


def test_the_project_schema_rejects_what_odibi_validate_rejects():
    base = template_doc(REPO / "templates/local-medallion/odibi.yaml")
    assert errors("odibi.schema.json", base) == []
    typo = {**base, "conections": base["connections"]}
    assert any("'conections' was unexpected" in e for e in errors("odibi.schema.json", typo))
    node = base["pipelines"][0]["nodes"][0]
    bad_mode = {**base, "pipelines": [{**base["pipelines"][0], "nodes": [{**node, "write": {**node["write"],
                                                                                            "mode": "upsertt"}}]}]}
    assert errors("odibi.schema.json", bad_mode) != []
    wrong_type = {**base, "connections": {**base["connections"], "lake": {"type": "lokal", "base_path": "."}}}
    assert errors("odibi.schema.json", wrong_type) != []


def test_whole_value_references_are_accepted_where_the_loader_substitutes_them():
    """`${...}` is substituted before validation and a whole-value reference keeps its type."""
    base = template_doc(REPO / "templates/local-medallion/odibi.yaml")
    ok = {**base, "engine": "${ODIBI_ENGINE}", "retry": {"max_attempts": "${RETRIES}", "enabled": "${vars.retry}"}}
    assert errors("odibi.schema.json", ok) == []
    assert errors("odibi.schema.json", {**base, "retry": {"max_attempts": "three"}}) != []
    assert errors("odibi.schema.json", {**base, "engine": "spark ${X}"}) != []  # not a whole-value reference
    eats = yaml.safe_load((REPO / "reference_eats/odibi.yaml").read_text())  # values: "${vars.event_types}"
    assert errors("odibi.schema.json", eats) == []
    for overlay in sorted((REPO / "reference_eats").glob("env.*.yaml")):
        assert errors("odibi.overlay.schema.json", yaml.safe_load(overlay.read_text())) == [], overlay.name


def test_check_jsonschema_accepts_created_projects_through_their_own_schema_copies(tmp_path):
    """check-jsonschema (the CLI) reads the YAML and the schema files the way an editor would."""
    from odibi_core.templates import create_project

    cli = Path(sys.executable).parent / "check-jsonschema"
    if not cli.is_file():
        pytest.skip("check-jsonschema is not installed (it is in the dev extra)")
    for template in TEMPLATES:
        root = create_project(tmp_path / template.replace("-", "_"), template)
        for schema, files in (("odibi.schema.json", ["odibi.yaml"]),
                              ("odibi.overlay.schema.json", ["env.dev.yaml", "env.prod.yaml"])):
            res = subprocess.run([str(cli), "--schemafile", schema, *files], cwd=root, capture_output=True,
                                 text=True, timeout=120)
            assert res.returncode == 0, f"{template}: {res.stdout}{res.stderr}"
    bad = tmp_path / "pandas_only" / "env.dev.yaml"
    bad.write_text(bad.read_text() + "logging: {levle: DEBUG}\n")
    res = subprocess.run([str(cli), "--schemafile", "odibi.overlay.schema.json", "env.dev.yaml"], cwd=bad.parent,
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 1 and "'levle' was unexpected" in res.stdout
