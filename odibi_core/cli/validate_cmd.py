"""``odibi validate`` and ``odibi schema``."""

from __future__ import annotations

import json
from typing import Optional

import typer
from rich.markup import escape

from odibi_core.cli.console import console, err_console


def register(app: typer.Typer) -> None:
    @app.command()
    def validate(
        config: str = typer.Argument("odibi.yaml", help="Project file (or its folder)."),
        env: Optional[str] = typer.Option(None, "--env", "-e", help="Environment overlay (default: $ODIBI_ENV)."),
    ) -> None:
        """Check a project without touching data: YAML, keys, references, cycles, transformer params."""
        from odibi_core.session import open_session

        session = open_session(config, env)
        cfg = session.config
        n_nodes = sum(len(p.nodes) for p in cfg.pipelines)
        for w in session.warnings:
            err_console.print(f"[yellow]warning:[/] {escape(w)}")
        levels = session.graph.levels()
        console.print(f"[green]OK[/] {session.loaded.file.name}: project '{cfg.project}', "
                      f"{len(cfg.pipelines)} pipeline(s), {n_nodes} node(s), {len(levels)} level(s), "
                      f"engine {cfg.engine}" + (f", env {session.loaded.env}" if session.loaded.env else ""))

    @app.command()
    def schema(
        overlay: bool = typer.Option(False, "--overlay", help="The schema of an env.<name>.yaml overlay "
                                                               "(partial: nothing required)."),
    ) -> None:
        """Print the JSON Schema of the project file (for editors: yaml-language-server).

        Published as odibi.schema.json and (with --overlay) odibi.overlay.schema.json."""
        from odibi_core.config.json_schema import overlay_json_schema, project_json_schema

        typer.echo(json.dumps(overlay_json_schema() if overlay else project_json_schema(), indent=2))
