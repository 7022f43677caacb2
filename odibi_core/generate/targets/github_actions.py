"""``odibi generate github-actions``: one workflow that validates the project on pull requests
and runs it on its schedules or by hand, with the environment chosen.

Why one workflow with two jobs: ``validate`` (pull requests touching the project's YAML) runs
``odibi validate`` for every environment, so a broken overlay fails the PR, not the night run;
``run`` (``schedule`` and ``workflow_dispatch``) runs ``odibi run`` with ``--env`` from the
dispatch input, or the env ``odibi generate --env`` was given for scheduled runs. Each distinct
pipeline cron is one ``schedule`` entry; when the pipelines' crons differ, a scheduled run picks
the pipelines whose cron fired (``github.event.schedule``) through ``--pipeline``.

The workflow needs the variables the YAML substitutes (``${VAR}``, ``${env:VAR}``,
``${VAR:-default}``): they are found by reading the project file, its imports and every
``env.*.yaml`` overlay, and passed to both jobs from repository secrets of the same names (an
unset secret is empty, so a ``:-default`` still applies). Paths are relative to the folder
``odibi generate`` ran in, which must be the repository root.
"""

from __future__ import annotations

import posixpath
import re
import shlex
from pathlib import Path

import yaml

from odibi_core.errors import OdibiError
from odibi_core.generate.base import Generator, comment_header, register
from odibi_core.generate.plan import OrchestrationPlan
from odibi_core.generate.common import header_target, slug
from odibi_core.generate.cron import CRON_MACROS, parse_cron
from odibi_core.generate.targets.databricks import BlockDumper

_REF = re.compile(r"\$\$\{|\$\{([^{}]*)\}")  # as odibi_core.config.substitution reads them
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_RUNNER_VARS = ("GITHUB_", "RUNNER_", "ACTIONS_")  # set by the runner; secrets may not use these names
_OWN_VARS = {"ODIBI_ENV", "ODIBI_PIPELINE", "ODIBI_SCHEDULE"}


def env_var_names(value) -> set[str]:
    """Environment variables a parsed YAML value substitutes (not ``vars.``/``date:``; ``$${`` is a literal)."""
    if isinstance(value, dict):
        return set().union(*(env_var_names(k) | env_var_names(v) for k, v in value.items()))
    if isinstance(value, list):
        return set().union(*(env_var_names(v) for v in value))
    if not isinstance(value, str):
        return set()
    names = set()
    for m in _REF.finditer(value):
        expr = (m.group(1) or "").strip()
        if not expr or expr.startswith(("vars.", "date:")):
            continue
        name = (expr.removeprefix("env:")).partition(":-")[0]
        if _ENV_NAME.match(name):
            names.add(name)
    return names


def project_sources(source_file: str) -> tuple[list[str], list[str], list[str]]:
    """(the project's YAML files relative to the working folder, its environments, its env vars).

    Reads the project file, its ``imports:`` (recursively) and the ``env.*.yaml`` overlays beside it.
    """
    top = Path(source_file)
    if not top.is_file():
        raise OdibiError(f"generate github-actions: cannot read the project file {source_file} (run odibi generate "
                         "from the repository root so its relative paths hold)")
    files: list[str] = []
    envs: set[str] = set()
    names: set[str] = set()
    pending = [posixpath.normpath(top.as_posix())]
    folder = posixpath.dirname(pending[0])
    pending += sorted(posixpath.join(folder, p.name) for p in top.parent.glob("env.*.yaml"))
    envs |= {p.name[4:-5] for p in top.parent.glob("env.*.yaml")}
    while pending:
        rel = pending.pop(0)
        if rel in files or not Path(rel).is_file():
            continue
        files.append(rel)
        data = yaml.safe_load(Path(rel).read_text(encoding="utf-8")) or {}
        names |= env_var_names(data)
        if isinstance(data, dict):
            if isinstance(data.get("environments"), dict):
                envs |= {str(k) for k in data["environments"]}
            imports = data.get("imports") or []
            pending += [posixpath.normpath(posixpath.join(posixpath.dirname(rel), i))
                        for i in imports if isinstance(i, str)]
    names = {n for n in names if not n.startswith(_RUNNER_VARS) and n not in _OWN_VARS}
    return sorted(files), sorted(envs), sorted(names)


@register
class GitHubActionsGenerator(Generator):
    name = "github-actions"
    description = "A GitHub Actions workflow: validate on pull requests, run on schedule or dispatch with an env."
    options = {
        "install": (None, "odibi-studio"),
        "python": (None, "3.11"),
        "runs_on": (None, "ubuntu-latest"),
    }

    def render(self, plan: OrchestrationPlan) -> dict[str, str]:
        path = f".github/workflows/odibi-{slug(plan.project).replace('_', '-')}.yml"
        files, envs, variables = project_sources(plan.source_file)
        workflow = self.workflow(plan, path, files, envs, variables)
        notes = ["Run `odibi generate` from the repository root: the paths below are relative to it."]
        if variables:
            notes.append("Repository secrets to define (Settings > Secrets and variables > Actions): "
                         + ", ".join(variables) + ".")
        header = comment_header(plan, header_target(self)) + "".join(f"# {n}\n" for n in notes)
        return {path: header + yaml.dump(workflow, Dumper=BlockDumper, sort_keys=False, width=10_000,
                                         allow_unicode=True)}

    def workflow(self, plan: OrchestrationPlan, path: str, files: list[str], envs: list[str],
                 variables: list[str]) -> dict:
        crons: dict[str, list[str]] = {}
        for pipe in plan.pipelines:
            if pipe.schedule:
                where = f"pipeline '{pipe.name}'"
                parse_cron(pipe.schedule, where)  # GitHub accepts plain 5-field crons only: check them here
                crons.setdefault(CRON_MACROS.get(pipe.schedule.strip().lower(), pipe.schedule.strip()), []).append(pipe.name)
        default_env = plan.env
        env_expr = f"${{{{ inputs.env || '{default_env}' }}}}" if default_env else "${{ inputs.env }}"
        secrets = {name: f"${{{{ secrets.{name} }}}}" for name in variables}
        names = [p.name for p in plan.pipelines]
        every = "all" if "all" not in names else "(every pipeline)"
        inputs: dict = {}
        if envs:
            inputs["env"] = {"description": "Environment (env overlay) to run with", "type": "choice",
                             "options": envs, **({"default": default_env} if default_env in envs else {})}
        inputs["pipeline"] = {"description": "Pipeline to run", "required": False, "type": "choice",
                              "options": [every, *names], "default": every}
        on: dict = {"pull_request": {"paths": sorted({*files, path})}}
        if crons:
            on["schedule"] = [{"cron": c} for c in crons]
        on["workflow_dispatch"] = {"inputs": inputs}
        checks = envs if envs else []
        if not default_env or not envs:
            checks = [None, *checks]  # runs without --env use the base config: validate it too
        return {
            "name": f"odibi {plan.project}",
            "on": on,
            "permissions": {"contents": "read"},
            "jobs": {
                "validate": {
                    "name": "odibi validate",
                    "if": "github.event_name == 'pull_request'",
                    "runs-on": self.opts["runs_on"],
                    **({"env": secrets} if secrets else {}),
                    "steps": [*self._setup(),
                              *({"name": f"odibi validate ({env or 'base config'})",
                                 "run": shlex.join(["odibi", "validate", plan.source_file,
                                                    *(["--env", env] if env else [])])} for env in checks)],
                },
                "run": {
                    "name": "odibi run",
                    "if": "github.event_name != 'pull_request'",
                    "runs-on": self.opts["runs_on"],
                    "concurrency": {"group": f"odibi-{slug(plan.project)}-{env_expr}", "cancel-in-progress": False},
                    "env": {"ODIBI_ENV": env_expr, **secrets},
                    "steps": [*self._setup(), {
                        "name": "odibi run",
                        "shell": "bash",
                        "env": {"ODIBI_PIPELINE": "${{ inputs.pipeline }}",
                                "ODIBI_SCHEDULE": "${{ github.event.schedule }}"},
                        "run": _run_script(plan, crons, every),
                    }],
                },
            },
        }

    def _setup(self) -> list[dict]:
        return [{"uses": "actions/checkout@v4"},
                {"uses": "actions/setup-python@v5", "with": {"python-version": self.opts["python"]}},
                {"name": "Install odibi", "run": f"python -m pip install {shlex.quote(self.opts['install'])}"}]


def _run_script(plan: OrchestrationPlan, crons: dict[str, list[str]], every: str) -> str:
    """The bash of the run step: env from ODIBI_ENV, pipelines from the dispatch input or the cron that fired."""
    lines = ["args=()",
             f'if [ -n "$ODIBI_PIPELINE" ] && [ "$ODIBI_PIPELINE" != {shlex.quote(every)} ]; then',
             '  args+=(--pipeline "$ODIBI_PIPELINE")',
             "fi"]
    scheduled = [p for ps in crons.values() for p in ps]
    if crons and (len(crons) > 1 or len(scheduled) < len(plan.pipelines)):
        lines.append('case "$ODIBI_SCHEDULE" in')
        for cron, pipes in crons.items():
            picks = " ".join(f"--pipeline {shlex.quote(p)}" for p in pipes)
            lines.append(f"  {shlex.quote(cron)}) args+=({picks}) ;;")
        lines.append("esac")
    lines.append(shlex.join(["odibi", "run", plan.source_file]) + ' ${ODIBI_ENV:+--env "$ODIBI_ENV"} "${args[@]}"')
    return "\n".join(lines) + "\n"
