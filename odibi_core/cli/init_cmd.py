"""``odibi init-pipeline`` and ``odibi templates list``: start a project from a template."""

from __future__ import annotations

import typer

from odibi_core.cli.console import console

templates_app = typer.Typer(help="Project templates.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(templates_app, name="templates")

    @app.command("init-pipeline")
    def init_pipeline(
        name: str = typer.Argument(..., help="Folder (and project name) to create."),
        template: str = typer.Option("local-medallion", "--template", "-T", help="See `odibi templates list`."),
        force: bool = typer.Option(False, "--force", help="Write into an existing, non-empty folder."),
    ) -> None:
        """Create a new project folder from a template; it validates and runs as it is."""
        from odibi_core.templates import create_project

        dest = create_project(name, template, force=force)
        console.print(f"[green]created[/] {dest} from template '{template}'\n"
                      f"next: cd {dest} && odibi validate odibi.yaml && odibi run odibi.yaml --env dev")

    @templates_app.command("list")
    def templates_list() -> None:
        """Templates that `odibi init-pipeline --template` accepts."""
        from odibi_core.templates import list_templates

        for t in list_templates():
            console.print(f"[bold]{t.name:<18}[/] {t.description}")
