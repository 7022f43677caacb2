"""``odibi drift``: schema drift and row-count anomalies per node; ``odibi drift pin|unpin`` baselines.

``odibi drift odibi.yaml`` is short for ``odibi drift show odibi.yaml``: the group forwards
anything that is not a subcommand name to ``show``, so the everyday form needs no verb.
Exit codes: 0; 1 with ``--fail-on-drift`` when a node drifted; 2 on bad input (unknown node or
pipeline, no runs yet).
"""

from __future__ import annotations

import json
from typing import Optional

import click
import typer
from rich.markup import escape
from rich.table import Table
from typer.core import TyperGroup

from odibi_core.cli.console import console
from odibi_core.errors import OdibiError


class _ShowByDefault(TyperGroup):
    """A group whose first argument, when it is not a subcommand, belongs to ``show``."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or (args[0] not in self.commands and args[0] not in ctx.help_option_names):
            args = ["show", *args]
        return super().parse_args(ctx, args)


drift_app = typer.Typer(cls=_ShowByDefault, no_args_is_help=False, rich_markup_mode=None,
                        help="Schema drift and row-count anomalies per node (`odibi drift [CONFIG]`), and pinned "
                             "schema baselines (`odibi drift pin|unpin CONFIG --node N`).")

ConfigArg = typer.Argument("odibi.yaml", help="Project file (or its folder).")
EnvOpt = typer.Option(None, "--env", "-e", help="Environment overlay (default: $ODIBI_ENV).")


def register(app: typer.Typer) -> None:
    app.add_typer(drift_app, name="drift")


def _open(config: str, env: str | None):
    """The session and its catalog; no catalog yet is an error (looking never creates one)."""
    from odibi_core.catalog import RunCatalog
    from odibi_core.session import open_session

    session = open_session(config, env)
    folder = session.system_dir
    if not (folder / "catalog.db").is_file():
        session.close()
        raise OdibiError(f"no runs yet (no run history in {folder}): run the project first (`odibi run {config}`)")
    return session, RunCatalog(folder)


@drift_app.command("show")
def show(
    config: str = ConfigArg,
    env: Optional[str] = EnvOpt,
    node: Optional[list[str]] = typer.Option(None, "--node", "-n", help="Only these nodes."),
    pipeline: Optional[str] = typer.Option(None, "--pipeline", "-p", help="Only this pipeline's nodes."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of tables."),
    fail_on_drift: bool = typer.Option(False, "--fail-on-drift", help="Exit 1 when any node drifted."),
) -> None:
    """Drift of each node's latest successful run: row count vs history, schema vs previous run and baseline."""
    from odibi_core.drift import project_drift

    session, catalog = _open(config, env)
    try:
        drifts = project_drift(catalog, session.graph, session.config, nodes=node, pipeline=pipeline)
    finally:
        catalog.close()
        session.close()
    if not any(d.run_id for d in drifts):
        what = ", ".join(d.node for d in drifts) if len(drifts) <= 5 else f"{len(drifts)} selected nodes"
        raise OdibiError(f"no successful runs of {what} yet: run them first (`odibi run {config}`)")
    if as_json:
        typer.echo(json.dumps([d.to_dict() for d in drifts], indent=2, default=str))
    else:
        _print(drifts)
    if fail_on_drift and any(d.anomaly for d in drifts):
        raise typer.Exit(1)


@drift_app.command("pin")
def pin(
    config: str = ConfigArg,
    node: list[str] = typer.Option(..., "--node", "-n", help="Node(s) whose output schema to pin."),
    run: Optional[str] = typer.Option(None, "--run", "-r", help="Run id to take the schema from "
                                                                 "(default: the node's latest successful run)."),
    env: Optional[str] = EnvOpt,
) -> None:
    """Pin a node's output schema as its baseline: later runs are compared with it until unpinned."""
    from odibi_core.catalog.baselines import Baselines
    from odibi_core.drift import select_nodes

    session, catalog = _open(config, env)
    try:
        pairs = select_nodes(session.config, node)
        store = Baselines(catalog)
        for name, pipe in pairs:
            b = store.pin(name, run, pipeline=pipe)
            console.print(f"pinned [bold]{escape(name)}[/]: {len(b['columns'])} column(s) from run {b['run_id']}")
    finally:
        catalog.close()
        session.close()


@drift_app.command("unpin")
def unpin(
    config: str = ConfigArg,
    node: list[str] = typer.Option(..., "--node", "-n", help="Node(s) whose baseline to drop."),
    env: Optional[str] = EnvOpt,
) -> None:
    """Drop a node's pinned baseline (schema drift is then judged against the previous run only)."""
    from odibi_core.catalog.baselines import Baselines
    from odibi_core.drift import select_nodes

    session, catalog = _open(config, env)
    try:
        pairs = select_nodes(session.config, node)
        store = Baselines(catalog)
        for name, _ in pairs:
            if not store.unpin(name):
                raise OdibiError(f"node '{name}' has no pinned baseline (pin one with `odibi drift pin --node {name}`)")
            console.print(f"unpinned [bold]{escape(name)}[/]")
    finally:
        catalog.close()
        session.close()


# --- printing --------------------------------------------------------------------------------------
def _score(rows) -> str:
    if rows is None or rows.method == "no_history":
        return "-"
    if rows.is_z:
        return f"z {rows.score:+.2f} / {rows.threshold:g}"
    return ("from 0" if rows.score is None or rows.score == float("inf") else f"{rows.score:+.1f}%") + \
        f" / {rows.threshold:g}%"


def _expected(rows) -> str:
    if rows is None or rows.expected_low is None:
        return "-"
    return f"{rows.expected_low:,.0f}-{rows.expected_high:,.0f} (ref {rows.reference:,.0f})"


def _schema_cell(s, pinned: bool | None = None) -> str:
    if s is None:
        return "[dim]not pinned[/]" if pinned is False else "-"
    return "[yellow]" + escape(s.summary()) + "[/]" if s.drifted else "[green]unchanged[/]"


def _print(drifts) -> None:
    table = Table(title="Drift (latest successful run of each node)", title_justify="left")
    for col in ("pipeline", "node", "run", "rows", "expected", "score / threshold", "method", "anomaly",
                "schema vs previous", "schema vs baseline"):
        table.add_column(col)
    for d in drifts:
        r = d.rows
        flag = "[red]FAIL[/]" if d.failed else ("[red]yes[/]" if d.anomaly else "[green]no[/]")
        if d.run_id is None or not d.enabled:
            flag = "-"
        method = (r.method if r else "-") if d.enabled else "[dim]drift off[/]"
        table.add_row(escape(d.pipeline or ""), escape(d.node), d.run_id or "[dim]no successful run[/]",
                      f"{r.rows:,}" if r else "-", _expected(r), _score(r), method, flag,
                      _schema_cell(d.schema_previous), _schema_cell(d.schema_baseline, d.baseline is not None))
    console.print(table)
    for d in drifts:
        for s in (d.schema_previous, d.schema_baseline):
            if s is None or not s.drifted:
                continue
            t = Table(title=f"{d.node}: schema vs {s.against} (run {s.reference_run_id})", title_justify="left")
            for col in ("column", "change", "was", "now"):
                t.add_column(col)
            for c in s.changes:
                style = {"added": "green", "removed": "red", "retyped": "yellow"}[c.change]
                t.add_row(escape(c.column), f"[{style}]{c.change}[/]", escape(c.old_type or "-"),
                          escape(c.new_type or "-"))
            console.print(t)
    flagged = [d for d in drifts if d.anomaly]
    if flagged:
        console.print(f"[yellow]{len(flagged)} node(s) drifted:[/] " + ", ".join(escape(d.node) for d in flagged))
        for d in flagged:
            for m in d.messages():
                console.print(f"  {escape(d.node)}: {escape(m)}")
    else:
        console.print("[green]no drift[/]")
