"""``odibi generate dagster``: output, idempotence, and the module checked by Dagster itself.

Real tool: Dagster 1.13.29 in the separate orchestrator venv (``scripts/orch-venv.sh``).
``dagster definitions validate -f`` must pass (and must fail on a broken module, so the check can
fail); the module is loaded and its assets, deps, groups, retry policies, jobs and schedules are
compared with odibi's graph; and the project job is executed in process, each asset running this
checkout's ``odibi run --node`` in a subprocess. Without the venv those tests skip locally and
fail under CI=true; the AST checks always run.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from odibi_core.cli.main import main
from odibi_core.errors import OdibiError
from odibi_core.generate import get_generator
from odibi_core.generate.targets.dagster import asset_tags
from tests.generate.orch_tools import (
    assert_imports,
    assert_snapshot,
    call_kwargs,
    dagster_env,
    render,
    require_orch,
    run_script,
    run_tool,
)
from tests.generate.sample_project import DISABLED, EXPECTED_UPSTREAM, PIPELINES, SCHEDULE, build_sample

MODULE = "odibi_shop_dagster.py"
PROD_RETRIES = {t: (2, 60.0) for t in EXPECTED_UPSTREAM} | {"raw_orders": (3, 30.0)}
GROUP = {t: p for p, ts in PIPELINES.items() for t in ts}

LOAD_SCRIPT = r"""
import importlib.util, json, sys
spec = importlib.util.spec_from_file_location("generated", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
defs = module.defs
out = {"assets": {}, "jobs": {}, "schedules": {}}
for a in defs.assets:
    s = next(iter(a.specs))
    rp = a.op.retry_policy
    out["assets"][a.key.to_user_string()] = {
        "deps": [d.asset_key.to_user_string() for d in s.deps], "group": s.group_name,
        "tags": {k: v for k, v in s.tags.items() if not k.startswith("dagster/")}, "kinds": sorted(s.kinds),
        "retry": [rp.max_retries, rp.delay] if rp else None}
for j in defs.jobs:
    keys = defs.resolve_job_def(j.name).asset_layer.selected_asset_keys
    out["jobs"][j.name] = sorted(k.to_user_string() for k in keys)
for s in defs.schedules:
    out["schedules"][s.name] = [s.cron_schedule, s.job_name]
if len(sys.argv) > 2:
    import dagster as dg
    result = defs.resolve_job_def(sys.argv[2]).execute_in_process(
        instance=dg.DagsterInstance.ephemeral(), raise_on_error=False)
    out["run"] = {"success": result.success,
                  "materialized": sorted(e.asset_key.to_user_string()
                                         for e in result.get_asset_materialization_events()),
                  "failures": [e.step_key for e in result.all_events if e.event_type_value == "STEP_FAILURE"]}
print("RESULT " + json.dumps(out))
"""


@pytest.fixture()
def sample(tmp_path: Path) -> Path:
    return build_sample(tmp_path / "proj")


def _assets(tree: ast.Module) -> dict[str, dict]:
    """Asset name -> the ``@dg.asset(...)`` keyword arguments, read from the module's syntax."""
    found = {}
    for fn in tree.body:
        if isinstance(fn, ast.FunctionDef):
            for dec in fn.decorator_list:
                if isinstance(dec, ast.Call) and ast.unparse(dec.func) == "dg.asset":
                    kw = call_kwargs(dec)
                    found[kw["name"]] = kw | {"function": fn.name}
    return found


def _calls(tree: ast.Module, func: str) -> list[tuple[list, dict]]:
    return [([ast.literal_eval(a) if not isinstance(a, ast.Name) else a.id for a in n.args], call_kwargs(n))
            for n in ast.walk(tree) if isinstance(n, ast.Call) and ast.unparse(n.func) == func]


# --- always: text, idempotence, AST ---------------------------------------------------------------

def test_snapshot_and_generating_twice_gives_the_same_bytes(sample, monkeypatch):
    monkeypatch.chdir(sample.parent)
    for _ in range(2):
        assert main(["generate", "dagster", "odibi.yaml", "--env", "prod", "-o", "out"]) == 0
    out = sample.parent / "out" / MODULE
    assert_snapshot("dagster_shop_prod.py.txt", out.read_text())
    assert [p.name for p in (sample.parent / "out").iterdir()] == [MODULE]
    assert render(sample, "dagster", env="prod")[MODULE] == out.read_text()


def test_same_relative_path_from_another_cwd_gives_the_same_bytes(tmp_path, monkeypatch):
    outs = []
    for where in ("one", "two/levels"):
        base = tmp_path / where
        build_sample(base / "proj")
        monkeypatch.chdir(base)
        assert main(["generate", "dagster", "proj/odibi.yaml", "-o", "gen"]) == 0
        outs.append((base / "gen" / MODULE).read_bytes())
    assert outs[0] == outs[1] and b"'odibi', 'run', 'proj/odibi.yaml'" in outs[0]


def test_assets_mirror_the_graph(sample):
    text = render(sample, "dagster", env="prod")[MODULE]
    tree = assert_imports(text, {"dagster"})
    assert not any(isinstance(n, ast.ImportFrom) and n.module == "__future__" for n in tree.body)
    assets = _assets(tree)
    assert set(assets) == set(EXPECTED_UPSTREAM) and not set(DISABLED) & set(assets)
    assert {name: set(kw["deps"]) for name, kw in assets.items()} == EXPECTED_UPSTREAM
    assert {name: kw["group_name"] for name, kw in assets.items()} == GROUP
    assert {name: kw["kinds"] for name, kw in assets.items()} == {a: ["odibi", "pandas"] for a in assets}
    assert assets["raw_orders"]["retry_policy"] == "dg.RetryPolicy(max_retries=3, delay=30.0)"
    assert assets["customer_orders"]["tags"] == {"curated": "", "reporting": ""}
    jobs = {args[0]: kw["selection"] for args, kw in _calls(tree, "dg.define_asset_job")}
    assert jobs == {"bronze_job": "dg.AssetSelection.groups('bronze')",
                    "silver_job": "dg.AssetSelection.groups('silver')", "shop_job": "dg.AssetSelection.all()"}
    assert [kw for _, kw in _calls(tree, "dg.ScheduleDefinition")] == [
        {"name": "shop_schedule", "job": "shop_job", "cron_schedule": SCHEDULE}]
    run_args = [args[1] for args, _ in _calls(tree, "run_odibi") if isinstance(args[1], list)]
    assert ["odibi", "run", "odibi.yaml", "--node", "orders", "--env", "prod"] in run_args


def test_disagreeing_schedules_schedule_each_pipeline_job(tmp_path):
    config = build_sample(tmp_path, silver_schedule="0 7 * * 1")
    tree = ast.parse(render(config, "dagster")[MODULE])
    assert [kw for _, kw in _calls(tree, "dg.ScheduleDefinition")] == [
        {"name": "bronze_schedule", "job": "bronze_job", "cron_schedule": SCHEDULE},
        {"name": "silver_schedule", "job": "silver_job", "cron_schedule": "0 7 * * 1"}]


def test_tags_dagster_cannot_hold_are_sanitised():
    from odibi_core.generate.plan import OrchestrationPlan, PipelineSpec, TaskSpec
    task = TaskSpec(task_id="n", node="n", pipeline="p", upstream=(), tags=("needs review", "pii:email", "x" * 70),
                    retries=0, retry_delay_s=0.0, description=None, layer=None, enabled=True)
    plan = OrchestrationPlan(project="p", engine="spark", env=None, source_file="odibi.yaml", source_name="odibi.yaml",
                             source_hash="0" * 64, tasks=(task,), pipelines=(PipelineSpec(
                                 name="p", schedule=None, tags=("team-a",), description=None, layer=None,
                                 tasks=("n",), upstream_pipelines=()),))
    assert asset_tags(plan, task) == {"needs_review": "", "pii_email": "", "team-a": "", "x" * 63: ""}


def test_options_are_validated():
    with pytest.raises(OdibiError, match="unknown option 'operator'"):
        get_generator("dagster")(operator="python")


def test_a_pipeline_named_like_the_project_keeps_two_jobs(tmp_path):
    config = build_sample(tmp_path, name="silver")
    tree = ast.parse(render(config, "dagster")[MODULE.replace("shop", "silver")])
    assert [args[0] for args, _ in _calls(tree, "dg.define_asset_job")] == ["bronze_job", "silver_job",
                                                                            "silver_all_job"]


def test_a_project_name_that_is_not_an_identifier_still_compiles(tmp_path):
    files = render(build_sample(tmp_path, name="2024 Sales & Ops"), "dagster")
    assert list(files) == ["odibi__2024_sales_ops_dagster.py"]
    tree = ast.parse(next(iter(files.values())))
    compile(tree, "generated", "exec")
    assert [args[0] for args, _ in _calls(tree, "dg.define_asset_job")][-1] == "_2024_sales_ops_job"


# --- with Dagster ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def dagster_files(tmp_path_factory) -> tuple[Path, Path, dict[str, Path]]:
    """(tool python, scratch dir, name -> module): the prod project, one whose schedules disagree and
    carry a tag Dagster cannot hold, the dev project (to run), and a broken module."""
    python = require_orch()
    tmp = tmp_path_factory.mktemp("dagster")
    files = {}
    prod = build_sample(tmp / "prod")
    files["prod"] = tmp / "prod" / MODULE
    files["prod"].write_text(render(prod, "dagster", env="prod")[MODULE])
    odd = build_sample(tmp / "odd", silver_schedule="0 7 * * 1")
    odd.write_text(odd.read_text().replace("tags: [reporting]", "tags: [reporting, needs review]"))
    files["odd"] = tmp / "odd" / MODULE
    files["odd"].write_text(render(odd, "dagster")[MODULE])
    dev = build_sample(tmp / "dev")  # dev: no retries, so the failure test does not wait on back-off
    files["dev"] = tmp / "dev" / MODULE
    files["dev"].write_text(render(dev, "dagster", env="dev")[MODULE])
    files["broken"] = tmp / "broken.py"
    files["broken"].write_text(files["prod"].read_text().replace("deps=['raw_orders']", "deps=['raw_orders'], x=1"))
    return python, tmp, files


@pytest.mark.parametrize(("name", "ok"), [("prod", True), ("odd", True), ("dev", True), ("broken", False)])
def test_dagster_definitions_validate(dagster_files, name, ok):
    python, tmp, files = dagster_files
    proc = run_tool([python.parent / "dagster", "definitions", "validate", "-f", files[name]],
                    env=dagster_env(tmp / f"home_{name}"), cwd=files[name].parent)
    assert (proc.returncode == 0) is ok, proc.stdout[-2000:] + proc.stderr[-2000:]
    if ok:
        assert "All code locations passed validation" in proc.stderr + proc.stdout


def test_dagster_loads_assets_jobs_and_schedules_as_the_graph_says(dagster_files):
    python, tmp, files = dagster_files
    got = run_script(python, LOAD_SCRIPT, env=dagster_env(tmp / "home_load"), cwd=tmp, args=[files["prod"]])
    assets = got["assets"]
    assert {k: set(v["deps"]) for k, v in assets.items()} == EXPECTED_UPSTREAM
    assert {k: v["group"] for k, v in assets.items()} == GROUP
    assert {k: tuple(v["retry"]) for k, v in assets.items()} == PROD_RETRIES
    assert assets["raw_orders"]["tags"] == {"ingest": "", "orders": "", "raw": ""}
    assert got["jobs"] == {"bronze_job": sorted(PIPELINES["bronze"]), "silver_job": sorted(PIPELINES["silver"]),
                           "shop_job": sorted(EXPECTED_UPSTREAM)}
    assert got["schedules"] == {"shop_schedule": [SCHEDULE, "shop_job"]}
    odd = run_script(python, LOAD_SCRIPT, env=dagster_env(tmp / "home_load"), cwd=tmp, args=[files["odd"]])
    assert odd["schedules"] == {"bronze_schedule": [SCHEDULE, "bronze_job"],
                                "silver_schedule": ["0 7 * * 1", "silver_job"]}
    assert odd["assets"]["customer_orders"]["tags"] == {"curated": "", "needs_review": "", "reporting": ""}


@pytest.mark.slow
def test_dagster_materialises_the_project_and_fails_a_failing_node(dagster_files):
    """The project job runs every node through ``odibi run --node``; a node whose input file is gone
    fails its step (dg.Failure on the non-zero exit) and its downstream assets are not materialised."""
    python, tmp, files = dagster_files
    project = files["dev"].parent
    env = dagster_env(tmp / "home_run", ODIBI_PROJECT_DIR=str(project))
    got = run_script(python, LOAD_SCRIPT, env=env, cwd=tmp, args=[files["dev"], "shop_job"])
    assert got["run"] == {"success": True, "materialized": sorted(EXPECTED_UPSTREAM), "failures": []}
    assert (project / "lake" / "silver" / "customer_orders" / "_delta_log").is_dir()

    (project / "data" / "customers.csv").unlink()
    got = run_script(python, LOAD_SCRIPT, env=env, cwd=tmp, args=[files["dev"], "shop_job"])
    assert got["run"]["success"] is False and got["run"]["failures"] == ["raw_customers"]
    assert set(got["run"]["materialized"]) == {"raw_orders", "orders_typed", "orders"}
