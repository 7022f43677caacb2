"""``odibi generate`` end to end through the CLI entry point (``odibi_core.cli.main.main``):
files written for every target, a second run that changes nothing, and exit code 2 with a
readable message for an unknown target, an unknown option or a broken project.
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest
import yaml

from odibi_core.cli.main import main
from odibi_core.generate.base import GENERATORS, get_generator
from tests.generate.sample_project import build_sample

get_generator("adf")  # load the built-in targets
TARGETS = sorted(GENERATORS)


@pytest.fixture
def repo(tmp_path, monkeypatch) -> Path:
    root = tmp_path / "repo"
    build_sample(root / "shop")
    monkeypatch.chdir(root)
    return root


def generate(capsys, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["generate", *args])
    out, err = capsys.readouterr()
    return code, out, err


def listed(out: str, word: str) -> set[str]:
    return {line.split(" ", 1)[1] for line in out.splitlines() if line.startswith(f"{word} ")}


def test_targets_include_the_five_orchestrators():
    assert {"airflow", "dagster", "github-actions", "databricks", "adf"} <= set(TARGETS)


@pytest.mark.parametrize("target", TARGETS)
def test_every_target_writes_files_and_a_second_run_changes_nothing(repo, capsys, target):
    code, out, err = generate(capsys, target, "shop/odibi.yaml", "-o", "out")
    assert code == 0, err
    written = listed(out, "wrote")
    assert written and not listed(out, "unchanged")
    files = sorted(p for p in (repo / "out").rglob("*") if p.is_file())
    assert {str(Path("out") / p.relative_to(repo / "out")) for p in files} == written
    assert all(p.read_text(encoding="utf-8").strip() for p in files)
    before = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in files}
    code, out, err = generate(capsys, target, "shop/odibi.yaml", "-o", "out")
    assert code == 0, err
    assert listed(out, "unchanged") == written and not listed(out, "wrote")
    assert {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in files} == before


def test_a_changed_project_rewrites_only_what_changed(repo, capsys):
    assert generate(capsys, "adf", "shop/odibi.yaml", "-o", "out")[0] == 0
    cfg = repo / "shop" / "odibi.yaml"
    cfg.write_text(cfg.read_text().replace("Every order, as delivered.", "Every order."))
    code, out, _ = generate(capsys, "adf", "shop/odibi.yaml", "-o", "out")
    assert code == 0
    # the trigger's text names the config hash too, so both files change with the YAML
    assert listed(out, "wrote") == {"out/adf/pipeline/odibi_shop.json", "out/adf/trigger/odibi_shop_schedule.json"}
    pipeline = json.loads((repo / "out/adf/pipeline/odibi_shop.json").read_text())
    assert pipeline["properties"]["activities"][0]["description"] == "Every order."


def test_unknown_target_exits_2_with_a_suggestion(repo, capsys):
    code, _, err = generate(capsys, "databrick", "shop/odibi.yaml", "-o", "out")
    assert code == 2
    assert "unknown generate target 'databrick' (did you mean 'databricks'?)" in err
    assert not (repo / "out").exists()


def test_unknown_option_and_bad_values_exit_2(repo, capsys):
    code, _, err = generate(capsys, "databricks", "shop/odibi.yaml", "-o", "out", "-O", "formt=yaml")
    assert code == 2 and "unknown option 'formt' (did you mean 'format'?)" in err
    code, _, err = generate(capsys, "databricks", "shop/odibi.yaml", "-o", "out", "-O", "format=xml")
    assert code == 2 and "option format=xml must be one of json, yaml" in err
    code, _, err = generate(capsys, "adf", "shop/odibi.yaml", "-o", "out", "-O", "per")
    assert code == 2 and "--option 'per' must look like KEY=VALUE" in err
    assert not (repo / "out").exists()


def test_broken_project_exits_2_with_a_located_error_and_writes_nothing(repo, capsys):
    cfg = repo / "shop" / "odibi.yaml"
    cfg.write_text(cfg.read_text().replace("        depends_on: [raw_orders]\n", "        depends_on: [raw_ordrs]\n"))
    for target in ("github-actions", "databricks", "adf"):
        code, _, err = generate(capsys, target, "shop/odibi.yaml", "-o", "out")
        assert code == 2, target
        assert "odibi.yaml:" in err and "raw_ordrs" in err and "Traceback" not in err
        assert not (repo / "out").exists()


def test_unknown_environment_exits_2(repo, capsys):
    code, _, err = generate(capsys, "adf", "shop/odibi.yaml", "--env", "prd", "-o", "out")
    assert code == 2 and "unknown environment 'prd'" in err and "did you mean 'prod'?" in err


def test_env_prod_shows_in_the_generated_commands(repo, capsys):
    for target in ("github-actions", "databricks", "adf"):
        assert generate(capsys, target, "shop/odibi.yaml", "--env", "prod", "-o", "out")[0] == 0
    job = json.loads((repo / "out/databricks/odibi_shop.job.json").read_text())
    assert {tuple(t["python_wheel_task"]["parameters"][-2:]) for t in job["tasks"]} == {("--env", "prod")}
    adf = json.loads((repo / "out/adf/pipeline/odibi_shop.json").read_text())
    commands = [shlex.split(a["typeProperties"]["command"]) for a in adf["properties"]["activities"]]
    assert commands and all(c[:3] == ["odibi", "run", "shop/odibi.yaml"] and c[-2:] == ["--env", "prod"]
                            for c in commands)
    workflow = yaml.safe_load((repo / "out/.github/workflows/odibi-shop.yml").read_text())
    assert workflow["jobs"]["run"]["env"]["ODIBI_ENV"] == "${{ inputs.env || 'prod' }}"
    for path in (p for p in (repo / "out").rglob("*") if p.is_file()):
        assert "shop/odibi.yaml --env prod` from odibi.yaml (sha256 " in path.read_text(), path


def test_without_env_no_env_is_baked_in(repo, capsys):
    for target in ("databricks", "adf"):
        assert generate(capsys, target, "shop/odibi.yaml", "-o", "out")[0] == 0
    job = json.loads((repo / "out/databricks/odibi_shop.job.json").read_text())
    assert all("--env" not in t["python_wheel_task"]["parameters"] for t in job["tasks"])
    adf = (repo / "out/adf/pipeline/odibi_shop.json").read_text()
    assert "--env" not in adf


def test_project_folder_argument_and_output_folder(repo, capsys, tmp_path):
    out_dir = tmp_path / "elsewhere"
    code, _, err = generate(capsys, "databricks", "shop", "-o", str(out_dir), "-O", "format=yaml")
    assert code == 0, err
    bundle = yaml.safe_load((out_dir / "databricks/odibi_shop.job.yml").read_text())
    params = bundle["resources"]["jobs"]["odibi_shop"]["tasks"][0]["python_wheel_task"]["parameters"]
    assert params[:2] == ["run", "shop/odibi.yaml"]
