"""The Example project of the config format doc loads unchanged (Odibi compatibility).

fixtures/odibi_doc_example/odibi.yaml is a verbatim copy of the Example block in
shared/odibi-config.md; when the doc is at hand the copy is also compared with it, so the two
cannot drift apart silently.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from odibi_core.config.loader import load_project
from odibi_core.graph import Graph

EXAMPLE = Path(__file__).parent / "fixtures" / "odibi_doc_example" / "odibi.yaml"
DOC = Path(__file__).resolve().parents[3] / "shared" / "odibi-config.md"


def test_example_loads_with_the_documented_defaults():
    loaded = load_project(EXAMPLE, environ={})
    cfg = loaded.config
    assert cfg.project == "sales" and cfg.engine == "pandas"
    assert cfg.connections["lake"].base_path == "./lake"
    assert [p.pipeline for p in cfg.pipelines] == ["bronze_sales", "silver_sales"]
    clean = cfg.pipelines[1].nodes[0]
    assert clean.transformer == "deduplicate" and clean.params["keys"] == ["order_id"]
    assert clean.write.mode == "upsert" and clean.write.keys == ["order_id"]
    assert clean.validation.quarantine.connection == "lake"
    graph = Graph.build(loaded)
    assert set(graph.nodes) == {"ingest_orders", "clean_orders"}


def test_prod_environment_switches_engine_and_lake_path():
    loaded = load_project(EXAMPLE, env="prod", environ={})
    assert loaded.config.engine == "spark"
    assert loaded.config.connections["lake"].type == "local"
    assert loaded.config.connections["lake"].base_path == "/mnt/lake"
    assert loaded.config.connections["landing"].base_path == "./landing"


def test_odibi_env_picks_prod_too():
    assert load_project(EXAMPLE, environ={"ODIBI_ENV": "prod"}).config.engine == "spark"


@pytest.mark.skipif(not DOC.is_file(), reason="shared/odibi-config.md is not beside the repository here")
def test_fixture_is_the_example_in_the_doc():
    block = re.search(r"## Example\n```yaml\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert block is not None
    assert EXAMPLE.read_text(encoding="utf-8") == block.group(1)
