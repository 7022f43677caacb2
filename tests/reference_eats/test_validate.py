"""The shipped project (reference_eats/ in the repository, read in place, nothing written) validates
in every environment, with no variable set (every ${...} has a default) and with variables set."""

from __future__ import annotations

import pytest

from odibi_core.cli.main import main
from odibi_core.session import Session
from tests.reference_eats.support import PROJECT

ENVS = [None, "spark", "pg", "api"]
EATS_VARS = ("ODIBI_EATS_LANDING", "ODIBI_EATS_API_URL", "ODIBI_EATS_API_PAGE_SIZE", "ODIBI_EATS_PG_HOST",
             "ODIBI_EATS_PG_PORT", "ODIBI_EATS_PG_DATABASE", "ODIBI_EATS_PG_USER", "ODIBI_EATS_PG_PASSWORD",
             "ODIBI_EATS_SPARK_MASTER", "ODIBI_EATS_SPARK_DRIVER_MEMORY", "ODIBI_ENV")


def open_project(env, **environ):
    session = Session(PROJECT / "odibi.yaml", env=env, environ=environ)
    assert session.warnings == []
    return session


@pytest.mark.parametrize("env", ENVS)
def test_the_project_validates_in_every_env_from_the_command_line(env, monkeypatch, capsys):
    for name in EATS_VARS:
        monkeypatch.delenv(name, raising=False)
    assert main(["validate", str(PROJECT / "odibi.yaml"), *(["--env", env] if env else [])]) == 0
    out = capsys.readouterr().out
    assert "OK odibi.yaml: project 'odibi_eats', 3 pipeline(s)" in out
    assert f"engine {'spark' if env == 'spark' else 'pandas'}" in out


def test_defaults_landing_inside_the_project_and_the_lake_always_there():
    cfg = open_project(None).config
    assert cfg.engine == "pandas"
    assert cfg.connections["landing"].base_path == "landing"  # relative: resolved against reference_eats/
    assert cfg.connections["oltp"].type == "sqlite" and cfg.connections["oltp"].path == "landing/oltp.sqlite"
    assert cfg.connections["lake"].base_path == "./lake"

    cfg = open_project(None, ODIBI_EATS_LANDING="/data/eats").config
    assert cfg.connections["landing"].base_path == "/data/eats"
    assert cfg.connections["oltp"].path == "/data/eats/oltp.sqlite"
    assert cfg.connections["lake"].base_path == "./lake"  # the lake does not follow the landing


def test_each_environment_changes_only_what_it_is_for():
    base = open_project(None)
    spark = open_project("spark")
    assert spark.config.engine == "spark" and spark.config.performance.master == "local[*]"
    assert set(spark.graph.nodes) == set(base.graph.nodes) and len(base.graph.nodes) == 20

    pg = open_project("pg", ODIBI_EATS_PG_HOST="db.internal", ODIBI_EATS_PG_PORT="6543",
                      ODIBI_EATS_PG_PASSWORD="pg-secret-value")
    oltp = pg.config.connections["oltp"]
    assert (oltp.type, oltp.host, oltp.port, oltp.database, oltp.username, oltp.path) == \
        ("postgres", "db.internal", 6543, "odibi_eats", "postgres", None)  # the sqlite keys are gone
    assert pg.config.engine == "pandas" and pg.config.connections["landing"].base_path == "landing"

    api = open_project("api", ODIBI_EATS_API_URL="http://127.0.0.1:9999")
    assert api.config.connections["clicks_api"].base_url == "http://127.0.0.1:9999"
    landed = api.graph.nodes["landed_clicks"]
    assert landed.config.read is None and landed.upstream == ["api_clicks"]
    assert api.graph.nodes["api_clicks"].config.read.format == "api"
    assert set(api.graph.nodes) == set(base.graph.nodes) | {"api_clicks"}
    # the default API URL is datagen serve's documented port
    assert open_project("api").config.connections["clicks_api"].base_url == "http://127.0.0.1:8765"
