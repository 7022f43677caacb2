"""``odibi generate <target> [CONFIG] [--env E] [-o DIR] [-O key=value]``: orchestration files
as a view over the project (Airflow, Dagster, GitHub Actions, Databricks, Azure Data Factory).

The same config gives byte-identical output; files whose bytes would not change are left alone.
Exit codes: 0, 2 on bad input (unknown target or option, a project that does not validate).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

import typer

from odibi_core.cli.console import console
from odibi_core.errors import OdibiError


def register(app: typer.Typer) -> None:
    app.command("generate")(generate_cmd)


def generate_cmd(
    target: str = typer.Argument(..., help="airflow | dagster | github-actions | databricks | adf"),
    config: str = typer.Argument("odibi.yaml", help="Project file (or its folder)."),
    env: Optional[str] = typer.Option(None, "--env", "-e", help="Environment the generated runs use."),
    out: str = typer.Option(".", "--out", "-o", help="Output folder."),
    option: Optional[list[str]] = typer.Option(None, "--option", "-O", metavar="KEY=VALUE",
                                               help="Target option, e.g. -O operator=python (repeatable)."),
) -> None:
    """Write orchestration files for TARGET from the project (a pure, idempotent view)."""
    from odibi_core.config.loader import load_project
    from odibi_core.generate import build_plan, generate, get_generator
    from odibi_core.graph import Graph

    options = {}
    for item in option or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise OdibiError(f"--option '{item}' must look like KEY=VALUE")
        options[key.strip()] = value.strip()
    get_generator(target)(**options)  # unknown target/options fail before the project is loaded
    path = Path(config)
    if not path.exists():
        raise OdibiError(f"project file not found: {path}")
    loaded = load_project(path, env=env)
    out_dir = Path(out)
    source = os.path.relpath(loaded.file.resolve(), Path.cwd().resolve())
    plan = build_plan(loaded, Graph.build(loaded), source_file=source)
    for f in generate(plan, target, out_dir, **options):
        console.print(f"{'wrote' if f.changed else 'unchanged'} {f.path}")
