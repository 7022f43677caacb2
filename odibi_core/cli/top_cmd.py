"""``odibi top [CONFIG] [--env E] [--run RUN_ID] [--once]``: watch runs live in the terminal.

It reads the run catalog, the same live feed as the Studio's Run page, so it shows runs started
anywhere (``odibi run``, the Studio, the Python API) and can be opened before, during or after a
run. ``--once`` prints one snapshot and exits, for CI logs and scripts. Exit codes: 0, 2 when
there is no run history yet or the run id is unknown.
"""

from __future__ import annotations

from typing import Optional

import typer

from odibi_core.cli.console import console


def register(app: typer.Typer) -> None:
    app.command("top")(top_cmd)


def top_cmd(
    config: str = typer.Argument("odibi.yaml", help="Project file (or its folder)."),
    env: Optional[str] = typer.Option(None, "--env", "-e", help="Environment overlay (its run history)."),
    run: Optional[str] = typer.Option(None, "--run", help="Show this run (any run id of it) instead of the newest."),
    once: bool = typer.Option(False, "--once", help="Print one snapshot and exit (no live UI)."),
    interval: float = typer.Option(1.0, "--interval", min=0.1, max=60.0, help="Seconds between polls."),
) -> None:
    """Live view of the running pipeline, or the last runs: nodes, rows, elapsed, rows/s, progress.

    Keys: / filter text, s cycle status filter, Esc clear filters, n/p older/newer run,
    l follow the newest run, o open the run's story, q quit."""
    from odibi_core.session import open_session
    from odibi_core.tui.model import TopModel
    from odibi_core.workspace.live import open_feed

    session = open_session(config, env)
    try:
        system_dir, graph = session.system_dir, session.graph
    finally:
        session.close()
    model = TopModel(open_feed(system_dir), graph=graph, run_id=run)
    if once:
        from odibi_core.tui.render import snapshot

        console.print(snapshot(model))
        return
    from odibi_core.tui.app import TopApp

    TopApp(model, interval=interval).run()
