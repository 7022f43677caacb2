"""What the loader does with a valid project: overlays, imports, substitution, secrets.

Each test writes a real project into tmp_path and loads it with an explicit ``environ`` so the
machine's own environment variables cannot change the outcome.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import pytest

from odibi_core import secrets
from odibi_core.config.loader import load_project
from odibi_core.config.models import LocalConnectionConfig, SqlConnectionConfig
from odibi_core.errors import ConfigError

BASE = """\
project: shop
connections:
  landing: {type: local, base_path: ./landing}
  lake:
    type: local
    base_path: ./lake
    description: the data lake
  archive: {type: local, base_path: ./archive}
story: {connection: lake, path: stories}
system: {connection: lake}
pipelines:
  - pipeline: bronze
    nodes:
      - name: ingest_orders
        read: {connection: landing, format: csv, path: orders.csv}
        write: {connection: lake, format: parquet, path: bronze/orders}
      - name: ingest_customers
        read: {connection: landing, format: csv, path: customers.csv}
        write: {connection: lake, format: parquet, path: bronze/customers}
  - pipeline: silver
    nodes:
      - name: clean_orders
        inputs: {orders: $bronze.ingest_orders}
        write: {connection: lake, format: delta, path: silver/orders}
"""


@pytest.fixture(autouse=True)
def _no_secrets_left_over():
    """Masking assertions must not pass thanks to a secret another test registered."""
    secrets.clear()
    yield
    secrets.clear()


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(textwrap.dedent(text), encoding="utf-8")
    return root / "odibi.yaml"


def nodes_of(loaded, pipeline: str) -> list[str]:
    pipe = next(p for p in loaded.config.pipelines if p.pipeline == pipeline)
    return [n.name for n in pipe.nodes]


# ---- environments --------------------------------------------------------------------------------

def test_inline_environment_then_env_file_both_apply_in_that_order(tmp_path):
    path = write(tmp_path, {
        "odibi.yaml": BASE + textwrap.dedent("""\
            environments:
              prod:
                engine: spark
                connections:
                  lake: {base_path: /from/inline}
                  landing: {base_path: /landing/inline}
            """),
        "env.prod.yaml": """\
            connections:
              lake: {base_path: /from/file}
            """,
    })
    loaded = load_project(path, env="prod", environ={})
    cfg = loaded.config
    assert loaded.env == "prod"
    assert cfg.engine == "spark"  # only the inline block sets it
    assert cfg.connections["lake"].base_path == "/from/file"  # the file comes second and wins
    assert cfg.connections["landing"].base_path == "/landing/inline"  # untouched by the file
    assert cfg.connections["lake"].description == "the data lake"  # same type: a deep merge keeps it

    plain = load_project(path, environ={})
    assert plain.env is None and plain.config.engine == "pandas"
    assert plain.config.connections["lake"].base_path == "./lake"


def test_env_file_alone_is_an_environment(tmp_path):
    path = write(tmp_path, {"odibi.yaml": BASE, "env.qa.yaml": "engine: spark\n"})
    assert load_project(path, env="qa", environ={}).config.engine == "spark"


def test_odibi_env_variable_selects_the_environment_and_env_argument_wins(tmp_path):
    path = write(tmp_path, {
        "odibi.yaml": BASE + "environments:\n  prod: {engine: spark}\n  dev: {engine: pandas}\n",
    })
    by_var = load_project(path, environ={"ODIBI_ENV": "prod"})
    assert by_var.env == "prod" and by_var.config.engine == "spark"
    by_arg = load_project(path, env="dev", environ={"ODIBI_ENV": "prod"})
    assert by_arg.env == "dev" and by_arg.config.engine == "pandas"
    with pytest.raises(ConfigError, match="unknown environment 'prd'.*did you mean 'prod'"):
        load_project(path, environ={"ODIBI_ENV": "prd"})


def test_overlay_with_another_type_replaces_the_connection_whole(tmp_path):
    # with a plain deep merge, base_path (a local-only key) would linger and fail validation
    path = write(tmp_path, {
        "odibi.yaml": BASE,
        "env.prod.yaml": """\
            connections:
              archive: {type: sqlite, path: archive.db}
            """,
    })
    loaded = load_project(path, env="prod", environ={})
    archive = loaded.config.connections["archive"]
    assert isinstance(archive, SqlConnectionConfig)
    assert archive.type == "sqlite" and archive.path == "archive.db"
    assert "base_path" not in loaded.raw["connections"]["archive"]
    assert isinstance(loaded.config.connections["lake"], LocalConnectionConfig)
    # the replaced connection's location is the overlay's
    loc = loaded.location("connections", "archive", "type")
    assert Path(loc.file).name == "env.prod.yaml" and loc.line == 2


def test_overlay_merges_pipelines_and_nodes_by_name(tmp_path):
    path = write(tmp_path, {
        "odibi.yaml": BASE,
        "env.prod.yaml": """\
            pipelines:
              - pipeline: bronze
                nodes:
                  - name: ingest_customers
                    write: {mode: append}
                  - name: ingest_products
                    read: {connection: landing, format: csv, path: products.csv}
              - pipeline: gold
                nodes:
                  - name: report
                    inputs: {orders: $silver.clean_orders}
            """,
    })
    loaded = load_project(path, env="prod", environ={})
    assert [p.pipeline for p in loaded.config.pipelines] == ["bronze", "silver", "gold"]
    assert nodes_of(loaded, "bronze") == ["ingest_orders", "ingest_customers", "ingest_products"]
    customers = loaded.config.pipelines[0].nodes[1]
    assert customers.write.mode == "append"  # merged into the existing write block ...
    assert customers.write.path == "bronze/customers"  # ... which keeps its other keys
    assert customers.read.path == "customers.csv"
    assert loaded.config.pipelines[0].nodes[0].write.mode == "overwrite"  # a sibling is untouched
    assert nodes_of(loaded, "gold") == ["report"]


def test_errors_after_an_overlay_point_at_the_overlay_file(tmp_path):
    path = write(tmp_path, {
        "odibi.yaml": BASE,
        "env.prod.yaml": """\
            # prod writes customers incrementally
            pipelines:
              - pipeline: bronze
                nodes:
                  - name: ingest_customers
                    write:
                      mode: upsert
            """,
    })
    load_project(path, environ={})  # the base alone is fine
    with pytest.raises(ConfigError) as info:
        load_project(path, env="prod", environ={})
    err = info.value
    assert err.location.file == str(tmp_path / "env.prod.yaml")
    assert err.location.line == 7
    assert err.key_path == "pipelines[0].nodes[1].write.mode"
    assert str(err).startswith(f"{tmp_path / 'env.prod.yaml'}:7:")


def test_locations_of_untouched_keys_stay_in_the_base_file(tmp_path):
    path = write(tmp_path, {"odibi.yaml": BASE, "env.prod.yaml": "connections:\n  lake: {base_path: /mnt}\n"})
    loaded = load_project(path, env="prod", environ={})
    assert Path(loaded.location("connections", "lake", "base_path").file).name == "env.prod.yaml"
    type_loc = loaded.location("connections", "lake", "type")
    assert Path(type_loc.file).name == "odibi.yaml" and type_loc.line == 5


def test_other_environments_do_not_need_their_variables(tmp_path):
    path = write(tmp_path, {
        "odibi.yaml": BASE + textwrap.dedent("""\
            environments:
              prod:
                connections:
                  warehouse: {type: postgres, host: db, password: "${PROD_DB_PASSWORD}"}
            """),
    })
    assert "warehouse" not in load_project(path, environ={}).config.connections
    with pytest.raises(ConfigError, match="PROD_DB_PASSWORD"):
        load_project(path, env="prod", environ={})
    loaded = load_project(path, env="prod", environ={"PROD_DB_PASSWORD": "s3cr3t-pw"})
    assert loaded.config.connections["warehouse"].password == "s3cr3t-pw"


# ---- imports -------------------------------------------------------------------------------------

def test_nested_imports_merge_with_the_importing_file_winning(tmp_path):
    path = write(tmp_path, {
        "odibi.yaml": "imports: [conf/connections.yaml]\nvars: {region: eu}\n" + BASE.replace(
            "  archive: {type: local, base_path: ./archive}\n", ""),
        "conf/connections.yaml": """\
            imports: [common.yaml]
            connections:
              archive: {type: local, base_path: ./archive-from-import}
            vars: {region: us, owner_team: data}
            """,
        "conf/common.yaml": """\
            description: shared by every project
            vars: {tier: gold}
            """,
    })
    loaded = load_project(path, environ={})
    cfg = loaded.config
    assert cfg.connections["archive"].base_path == "./archive-from-import"
    assert cfg.description == "shared by every project"  # two levels down, relative to conf/
    assert cfg.vars == {"tier": "gold", "region": "eu", "owner_team": "data"}
    loc = loaded.location("description")
    assert loc.file == str((tmp_path / "conf" / "common.yaml").resolve()) and loc.line == 1


# ---- substitution --------------------------------------------------------------------------------

def test_every_substitution_form(tmp_path):
    path = write(tmp_path, {"odibi.yaml": """\
        project: shop
        description: "cost is $${price} for ${env:TEAM} in ${REGION}"
        vars:
          n: 5
          keys: [order_id, line_no]
          paths: {landing: ./in}
          stamp: "${date:-7d:%Y%m%d}"
        connections:
          landing: {type: local, base_path: "${vars.paths.landing}"}
          lake: {type: local, base_path: ./lake}
        story: {connection: lake, max_sample_rows: "${vars.n}"}
        system: {connection: lake}
        pipelines:
          - pipeline: bronze
            nodes:
              - name: ingest_orders
                read: {connection: landing, format: csv, path: "orders_${vars.stamp}.csv"}
              - name: ingest_customers
                read: {connection: landing, format: csv, path: "customers_${date:today}.csv"}
                write:
                  connection: lake
                  path: bronze/customers.parquet
                  mode: upsert
                  options: {keys: "${vars.keys}", n: "${vars.n}", label: "n=${vars.n}"}
        """})
    before = dt.datetime.now(dt.timezone.utc)
    loaded = load_project(path, environ={"TEAM": "sales", "REGION": "emea"})
    after = dt.datetime.now(dt.timezone.utc)
    cfg = loaded.config

    assert cfg.description == "cost is ${price} for sales in emea"  # $${ escapes, ${env:X} and ${X}
    assert cfg.connections["landing"].base_path == "./in"  # nested ${vars.a.b}
    week_ago = {(t - dt.timedelta(days=7)).strftime("%Y%m%d") for t in (before, after)}
    assert cfg.pipelines[0].nodes[0].read.path in {f"orders_{d}.csv" for d in week_ago}
    today = {t.strftime("%Y-%m-%d") for t in (before, after)}
    assert cfg.pipelines[0].nodes[1].read.path in {f"customers_{d}.csv" for d in today}
    assert cfg.story.max_sample_rows == 5
    options = cfg.pipelines[0].nodes[1].write.options
    assert options["n"] == 5 and isinstance(options["n"], int)  # a whole-value reference keeps its type
    assert options["keys"] == ["order_id", "line_no"]  # ... lists too
    assert options["label"] == "n=5"  # inside text it becomes text


def test_date_forms_with_units(tmp_path):
    path = write(tmp_path, {"odibi.yaml": "vars:\n  a: '${date:+2h:%H}'\n  b: '${date:-1w}'\n  c: '${date:now}'\n"
                            + BASE})
    before = dt.datetime.now(dt.timezone.utc)
    v = load_project(path, environ={}).config.vars
    after = dt.datetime.now(dt.timezone.utc)
    assert v["a"] in {(t + dt.timedelta(hours=2)).strftime("%H") for t in (before, after)}
    assert v["b"] in {(t - dt.timedelta(weeks=1)).strftime("%Y-%m-%d") for t in (before, after)}
    assert before.replace(microsecond=0) <= dt.datetime.fromisoformat(v["c"]).replace(tzinfo=dt.timezone.utc) <= after


# ---- secrets -------------------------------------------------------------------------------------

def test_env_values_under_secret_keys_are_registered_for_masking(tmp_path):
    path = write(tmp_path, {
        "odibi.yaml": BASE.replace("  archive: {type: local, base_path: ./archive}\n", """\
  archive: {type: local, base_path: "${ARCHIVE_DIR}"}
  db:
    type: postgres
    host: db.internal
    username: etl
    password: ${DB_PASS}
  api:
    type: http
    base_url: https://api.example.invalid
    auth: {mode: bearer, token: "Bearer ${env:API_TOKEN}"}
  pg:
    type: postgres
    url: "postgresql://etl:${PG_PASSWORD}@db/prod"
"""),
    })
    environ = {"DB_PASS": "hunter2-db", "API_TOKEN": "tok-123456", "PG_PASSWORD": "pg-pass-9",
               "ARCHIVE_DIR": "/data/archive"}
    loaded = load_project(path, environ=environ)
    assert loaded.config.connections["db"].password == "hunter2-db"
    assert loaded.config.connections["api"].auth.token == "Bearer tok-123456"

    leaked = "login failed for etl/hunter2-db with tok-123456 at postgresql://etl:pg-pass-9@db/prod"
    masked = secrets.mask(leaked)
    assert "hunter2-db" not in masked and "tok-123456" not in masked and "pg-pass-9" not in masked
    assert masked == "login failed for etl/*** with *** at postgresql://etl:***@db/prod"
    # a value that is not a credential stays readable
    assert secrets.mask("reading /data/archive") == "reading /data/archive"


def test_a_whole_var_under_a_secret_key_is_registered(tmp_path):
    path = write(tmp_path, {
        "odibi.yaml": "vars: {pw_value: \"${FROM_ENV}\"}\n" + BASE.replace(
            "  archive: {type: local, base_path: ./archive}\n",
            "  db: {type: postgres, host: h, password: \"${vars.pw_value}\"}\n"),
    })
    load_project(path, environ={"FROM_ENV": "var-held-pw"})
    assert secrets.mask("connect with var-held-pw") == "connect with ***"


# ---- small things users do -----------------------------------------------------------------------

def test_an_env_file_with_only_comments_declares_an_empty_environment(tmp_path):
    path = write(tmp_path, {"odibi.yaml": BASE, "env.dev.yaml": "# nothing differs in dev yet\n",
                            "common.yaml": "# shared settings will go here\n"})
    path.write_text("imports: [common.yaml]\n" + BASE, encoding="utf-8")
    loaded = load_project(path, env="dev", environ={})
    assert loaded.env == "dev" and loaded.config.engine == "pandas"


def test_a_relative_project_path_gives_absolute_locations_everywhere(tmp_path, monkeypatch):
    write(tmp_path, {"odibi.yaml": BASE, "env.prod.yaml": "engine: sparky\n"})
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError) as info:
        load_project("odibi.yaml", env="prod", environ={})
    assert info.value.location.file == str((tmp_path / "env.prod.yaml").resolve())
