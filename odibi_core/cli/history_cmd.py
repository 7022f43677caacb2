"""``odibi runs`` (run history from the catalog) and ``odibi story`` (paths of run reports)."""

from __future__ import annotations

import json
from typing import Optional

import typer
from rich.table import Table

from odibi_core.cli.console import console, styled
from odibi_core.errors import OdibiError

story_app = typer.Typer(help="Find run stories (self-contained HTML reports).", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(story_app, name="story")

    @app.command()
    def runs(
        config: str = typer.Argument("odibi.yaml", help="Project file (or its folder)."),
        env: Optional[str] = typer.Option(None, "--env", "-e"),
        pipeline: Optional[str] = typer.Option(None, "--pipeline", "-p"),
        status: Optional[str] = typer.Option(None, "--status", "-s", help="success, failed, partial, running..."),
        limit: int = typer.Option(20, "--limit", "-l", min=1, max=10000),
        as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
    ) -> None:
        """Run history, newest first."""
        from odibi_core.session import open_session

        session = open_session(config, env)
        rows = session.catalog.list_runs(pipeline=pipeline, status=status, limit=limit)
        if as_json:
            typer.echo(json.dumps(rows, indent=2, default=str))
            return
        if not rows:
            console.print("no runs yet: try `odibi run`")
            return
        table = Table(title=f"Runs of {session.config.project}", title_justify="left")
        for col in ("run id", "pipeline", "status", "started (UTC)", "duration", "nodes ok/failed/skipped", "rows written"):
            table.add_column(col)
        for r in rows:
            table.add_row(r["run_id"], r["pipeline"], styled(r["status"]), str(r["started_at"])[:19].replace("T", " "),
                          f"{(r.get('duration_s') or 0):.2f}s",
                          f"{r.get('nodes_success') or 0}/{r.get('nodes_failed') or 0}/{r.get('nodes_skipped') or 0}",
                          f"{r.get('rows_written') or 0:,}")
        console.print(table)


def _story_path(run: dict, as_json: bool) -> str:
    path = run.get("story_json" if as_json else "story_html")
    if not path:
        raise OdibiError(f"run {run['run_id']} has no story (stories may be disabled, or it is still running)")
    return path


@story_app.command("last")
def story_last(
    config: str = typer.Argument("odibi.yaml", help="Project file (or its folder)."),
    pipeline: Optional[str] = typer.Option(None, "--pipeline", "-p"),
    as_json: bool = typer.Option(False, "--json", help="The .json story instead of the .html page."),
) -> None:
    """Path of the newest story."""
    from odibi_core.session import open_session

    session = open_session(config)
    rows = [r for r in session.catalog.list_runs(pipeline=pipeline, limit=50) if r.get("story_html")]
    if not rows:
        raise OdibiError("no stories yet: run a pipeline first (`odibi run`)")
    typer.echo(_story_path(rows[0], as_json))


@story_app.command("show")
def story_show(
    run_id: str = typer.Argument(..., help="Run id (from `odibi runs`)."),
    config: str = typer.Argument("odibi.yaml"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Path of one run's story."""
    from odibi_core.session import open_session

    run = open_session(config).catalog.get_run(run_id)
    if run is None:
        raise OdibiError(f"no run with id '{run_id}' (see `odibi runs`)")
    typer.echo(_story_path(run, as_json))


@story_app.command("list")
def story_list(
    config: str = typer.Argument("odibi.yaml"),
    limit: int = typer.Option(20, "--limit", "-l", min=1),
) -> None:
    """Newest stories, one path a line."""
    from odibi_core.session import open_session

    for r in open_session(config).catalog.list_runs(limit=limit):
        if r.get("story_html"):
            typer.echo(f"{r['run_id']}  {r['status']:<9} {r['story_html']}")
