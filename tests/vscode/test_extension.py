"""The VS Code extension (vscode/): its own test suite, run from here so `make test` covers it, and
checks that tie the extension to the real `odibi` CLI.

The extension's suite (`npm ci && npm test` in vscode/) is TypeScript logic tested with node's test
runner, grammar tests through vscode-textmate, and fake-CLI tests; it needs Node and npm, and no
VS Code. Without npm these tests skip locally and fail under CI=true. The tests below the suite
feed the real `odibi` output (validate errors, `list --json`) to the extension's compiled modules,
which the suite itself cannot do without Python.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
VSCODE = ROOT / "vscode"
FIXTURE = VSCODE / "test" / "fixtures" / "project"
ODIBI = Path(sys.executable).parent / "odibi"
LOGIC = VSCODE / "out" / "src" / "logic"


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{name} is not installed: the VS Code extension's tests need Node 20 and npm")
        pytest.skip(f"{name} is not installed (the VS Code extension's tests need Node and npm)")
    return path


def _run(argv: list[str], cwd: Path, timeout: int = 600) -> subprocess.CompletedProcess:
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("ODIBI_ENV", None)
    return subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def extension_suite() -> str:
    """Installs the pinned packages and runs the extension's suite once; returns its output."""
    npm = _tool("npm")
    _tool("node")
    install = _run([npm, "ci", "--no-audit", "--no-fund"], VSCODE)
    assert install.returncode == 0, f"npm ci failed:\n{install.stdout[-3000:]}\n{install.stderr[-3000:]}"
    result = _run([npm, "test"], VSCODE)
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"npm test failed:\n{output[-6000:]}"
    return output


def _node(script: str, *args: str) -> object:
    """Runs `script` with node (the compiled logic modules on hand) and returns what it prints as JSON."""
    res = _run([_tool("node"), "-e", script, "--", str(LOGIC), *args], VSCODE, timeout=120)
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout)


def test_extension_suite_passes(extension_suite):
    passed = re.search(r"^# pass (\d+)$", extension_suite, re.M)
    failed = re.search(r"^# fail (\d+)$", extension_suite, re.M)
    assert passed and failed, extension_suite[-2000:]
    assert int(failed.group(1)) == 0
    assert int(passed.group(1)) >= 40, "the suite ran far fewer tests than it has"


def test_builtin_fallback_list_matches_the_registry():
    """The transformer names the extension offers without the CLI are exactly odibi's built-ins."""
    from odibi_core.transformers.registry import TRANSFORMERS, load_builtins

    load_builtins()
    source = (VSCODE / "src" / "logic" / "builtinTransformers.ts").read_text(encoding="utf-8")
    listed = {
        m.group(1): json.loads(m.group(2))
        for m in re.finditer(r'name: "(\w+)",\s*description: ".*?",\s*params: (\[.*?\]),', source, re.S)
    }
    expected = {name: list(spec.params_model.model_fields) for name, spec in TRANSFORMERS.items() if spec.builtin}
    assert listed == expected


def test_fixture_project_is_a_valid_odibi_project():
    """The extension's tests read this project; the real odibi must accept it, overlay included."""
    for extra in ([], ["--env", "dev"]):
        res = _run([str(ODIBI), "validate", "odibi.yaml", *extra], FIXTURE, timeout=300)
        assert res.returncode == 0, res.stderr
        assert "7 node(s)" in res.stdout


def test_yaml_validation_mapping_with_a_real_json_schema_validator(extension_suite):
    """The schemas the extension ships (copied by `npm test`), applied as its yamlValidation maps
    them, with check-jsonschema standing in for yaml-language-server (which needs VS Code):
    the fixture's odibi.yaml and env.dev.yaml are clean, and an overlay checked against the project
    schema is not, which is why env.*.yaml gets the overlay schema."""
    manifest = json.loads((VSCODE / "package.json").read_text(encoding="utf-8"))
    check = Path(sys.executable).parent / "check-jsonschema"
    by_pattern = {m: e["url"] for e in manifest["contributes"]["yamlValidation"] for m in e["fileMatch"]}
    for name, pattern in (("odibi.yaml", "odibi.yaml"), ("env.dev.yaml", "env.*.yaml")):
        schema = VSCODE / by_pattern[pattern]
        res = _run([str(check), "--schemafile", str(schema), str(FIXTURE / name)], VSCODE, timeout=120)
        assert res.returncode == 0, res.stdout + res.stderr
    wrong = _run([str(check), "--schemafile", str(VSCODE / by_pattern["odibi.yaml"]), str(FIXTURE / "env.dev.yaml")],
                 VSCODE, timeout=120)
    assert wrong.returncode == 1 and "'project' is a required property" in wrong.stdout


def test_validate_errors_become_problems_at_the_right_place(extension_suite, tmp_path):
    """A real `odibi validate` error, read by the extension's parseProblems: file, line and column."""
    project = tmp_path / "project"
    shutil.copytree(FIXTURE, project)
    config = project / "odibi.yaml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("transformer: deduplicate", "transformer: dedupe"), encoding="utf-8")
    res = _run([str(ODIBI), "validate", "odibi.yaml"], project, timeout=300)
    assert res.returncode == 2
    script = ("const {parseProblems} = require(process.argv[1] + '/commandLine.js');"
              "process.stdout.write(JSON.stringify(parseProblems(process.argv[2], process.argv[3])));")
    problems = _node(script, res.stderr + res.stdout, str(project))
    bad_line = next(i for i, line in enumerate(text.splitlines(), 1) if "transformer: deduplicate" in line)
    assert len(problems) == 1, problems
    assert Path(problems[0]["file"]).resolve() == config.resolve()
    assert problems[0]["line"] == bad_line
    # odibi points at the key of the bad value.
    assert problems[0]["column"] == text.splitlines()[bad_line - 1].index("transformer:") + 1
    assert "dedupe" in problems[0]["message"]


def test_real_odibi_list_json_through_the_extension(extension_suite):
    """The extension's runOdibiList against the real CLI: the names agree with its own YAML reader
    and with the fake CLI's answer the suite uses (test/fixtures/list.json)."""
    probe = _run([str(ODIBI), "list", "--help"], FIXTURE, timeout=120)
    if probe.returncode != 0:
        pytest.skip("this odibi has no `list` command yet")
    script = """
const [logic, cli, config] = process.argv.slice(1);
const {runOdibiList} = require(logic + '/cliRunner.js');
const {indexFromYaml} = require(logic + '/projectIndex.js');
const fs = require('fs');
runOdibiList({cli, configFile: config, timeoutMs: 120000}).then((listed) => {
  const yaml = indexFromYaml(config, (f) => fs.readFileSync(f, 'utf8'));
  process.stdout.write(JSON.stringify({listed, yaml}));
});
"""
    out = _node(script, str(ODIBI), str(FIXTURE / "odibi.yaml"))
    listed, yaml_index = out["listed"], out["yaml"]
    assert listed["ok"], listed
    index = listed["index"]
    fake = json.loads((VSCODE / "test" / "fixtures" / "list.json").read_text(encoding="utf-8"))

    def names(entries):
        return sorted(e["name"] for e in entries)

    assert names(index["nodes"]) == names(yaml_index["nodes"]) == names(fake["nodes"])
    assert names(index["connections"]) == names(yaml_index["connections"]) == names(fake["connections"])
    assert names(index["pipelines"]) == names(fake["pipelines"])
    node_lines = {n["name"]: (Path(n["file"]).name, n.get("line")) for n in index["nodes"]}
    assert node_lines == {n["name"]: (Path(n["file"]).name, n["line"]) for n in yaml_index["nodes"]}
    transformers = {t["name"] for t in index["transformers"]}
    assert {"add_band", "deduplicate", "filter_rows"} <= transformers
