"""Helpers for checking generated orchestration files with the real tools, and without them.

Airflow and Dagster live in their own virtualenv (``scripts/orch-venv.sh``; default
``<repo>/.venv-orch``, or ``$ODIBI_ORCH_VENV``) so their pins never touch the product's. Tests run
small scripts in that interpreter and read back one JSON line. Without the venv the real-tool
tests skip locally but fail under ``CI=true`` (as the browser tests do), where ``make test``
builds it. The AST helpers run everywhere, so the generated files are always checked somewhat.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

from odibi_core.config.loader import load_project
from odibi_core.generate import build_plan, get_generator
from odibi_core.graph import Graph

ROOT = Path(__file__).resolve().parents[2]
MAIN_BIN = Path(sys.executable).parent  # where this venv's `odibi` lives; generated tasks call it
TOOL_TIMEOUT = 600
STDLIB = set(sys.stdlib_module_names)


def orch_venv() -> Path:
    return Path(os.environ.get("ODIBI_ORCH_VENV") or ROOT / ".venv-orch")


@cache
def _probe(venv: Path) -> str | None:
    """None when the venv can import both tools, else why not."""
    python = venv / "bin" / "python"
    if not python.is_file():
        return f"no orchestrator venv at {venv} (create it with `scripts/orch-venv.sh {venv}`)"
    proc = subprocess.run([str(python), "-c", "import airflow.sdk, dagster"], capture_output=True, text=True,
                          timeout=TOOL_TIMEOUT, env=tool_env(), check=False)
    if proc.returncode != 0:
        return f"the orchestrator venv at {venv} cannot import airflow/dagster: {proc.stderr.strip()[-500:]}"
    return None


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def require_orch() -> Path:
    """The orchestrator venv's python; skips locally, fails under CI=true when it is missing."""
    venv = orch_venv()
    reason = _probe(venv)
    if reason:
        if _in_ci():
            pytest.fail(f"{reason} (CI=true: the real Airflow/Dagster checks must run; "
                        "`make orch-venv` builds it)", pytrace=False)
        pytest.skip(reason)
    return venv / "bin" / "python"


def tool_env(**extra: str) -> dict[str, str]:
    """This process's environment without Airflow/Dagster/odibi settings that could leak in, plus ``extra``.

    ``MAIN_BIN`` goes first on PATH so generated tasks find this checkout's ``odibi``.
    """
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("AIRFLOW", "DAGSTER", "ODIBI_", "PYTHON", "VIRTUAL_ENV"))}
    env["PATH"] = f"{MAIN_BIN}{os.pathsep}{env.get('PATH', '')}"
    env.update(extra)
    return env


def airflow_env(home: Path, dags: Path, **extra: str) -> dict[str, str]:
    home.mkdir(parents=True, exist_ok=True)
    return tool_env(AIRFLOW_HOME=str(home), AIRFLOW__CORE__DAGS_FOLDER=str(dags),
                    AIRFLOW__CORE__LOAD_EXAMPLES="False", **extra)


def dagster_env(home: Path, **extra: str) -> dict[str, str]:
    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").touch()
    return tool_env(DAGSTER_HOME=str(home), DAGSTER_DISABLE_TELEMETRY="1", **extra)


def run_tool(argv: list[str], *, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(a) for a in argv], capture_output=True, text=True, env=env, cwd=cwd,
                          timeout=TOOL_TIMEOUT, check=False)


def run_script(python: Path, script: str, *, env: dict[str, str], cwd: Path, args: list = ()) -> dict:
    """Run ``script`` (with ``args`` as sys.argv[1:]) in the tool interpreter; it prints one
    ``RESULT <json>`` line, returned parsed."""
    proc = run_tool([python, "-c", script, *args], env=env, cwd=cwd)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
    assert proc.returncode == 0 and lines, f"tool script failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n" \
                                           f"{proc.stderr[-3000:]}"
    return json.loads(lines[-1].removeprefix("RESULT "))


# --- generating ---------------------------------------------------------------------------------

def render(config: Path, target: str, *, env: str | None = None, source_file: str = "odibi.yaml",
           **options: str) -> dict[str, str]:
    """Render ``target`` for a project file in memory (as the CLI does, with a given relative path)."""
    loaded = load_project(config, env=env)
    plan = build_plan(loaded, Graph.build(loaded), source_file=source_file)
    return get_generator(target)(**options).render(plan)


# --- AST-level checks ---------------------------------------------------------------------------

def top_modules(tree: ast.Module) -> tuple[set[str], set[str]]:
    """(modules imported at module level, modules imported inside functions), as top-level names."""
    outer, inner = set(), set()
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""] if not node.level else ["."]
        for name in names:
            (outer if node in tree.body else inner).add(name.split(".")[0])
    return outer, inner


def assert_imports(text: str, allowed: set[str], *, inner_allowed: frozenset[str] = frozenset()) -> ast.Module:
    """Parse ``text``; its imports must be stdlib or ``allowed`` (``inner_allowed`` only inside functions)."""
    tree = ast.parse(text)
    outer, inner = top_modules(tree)
    bad = {m for m in outer if m not in STDLIB and m not in allowed and m != "__future__"}
    assert not bad, f"module-level imports outside {sorted(allowed)} and the stdlib: {sorted(bad)}"
    bad_inner = {m for m in inner if m not in STDLIB and m not in allowed | inner_allowed}
    assert not bad_inner, f"function-level imports not allowed: {sorted(bad_inner)}"
    return tree


def call_kwargs(call: ast.Call) -> dict[str, object]:
    """A call's keyword arguments, literal values evaluated, others as their source text."""
    out = {}
    for kw in call.keywords:
        try:
            out[kw.arg] = ast.literal_eval(kw.value)
        except ValueError:
            out[kw.arg] = ast.unparse(kw.value)
    return out


# --- snapshots ----------------------------------------------------------------------------------

SNAPSHOTS = Path(__file__).parent / "snapshots"


def assert_snapshot(name: str, text: str) -> None:
    """``text`` must equal the committed ``snapshots/<name>``; ODIBI_UPDATE_SNAPSHOTS=1 rewrites it."""
    path = SNAPSHOTS / name
    if os.environ.get("ODIBI_UPDATE_SNAPSHOTS") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
    assert path.is_file(), f"missing snapshot {path}; create it with ODIBI_UPDATE_SNAPSHOTS=1"
    assert path.read_bytes() == text.encode("utf-8"), (
        f"generated text differs from {path.name}; review the diff and rerun with ODIBI_UPDATE_SNAPSHOTS=1")
