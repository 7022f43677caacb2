"""``odibi heal``: propose (and in dev, apply) fixes for nodes whose SQL failed; review them.

- ``odibi heal [CONFIG] [--node N]``: re-runs the failing nodes (those named, or every node whose
  latest run failed) as a preview on at most ``--rows`` rows, writing nothing, and prints each
  proposal as a diff with its heal id. Proposals go to the catalog's heal log.
- ``--apply``: a real run of those nodes, re-running each with its fix in memory (dev only; an env
  named prod or ``production: true`` refuses it). The YAML is not changed.
- ``--list`` shows open proposals (``--all``: the whole log); ``--accept ID`` writes a fix into
  the YAML or .sql file, ``--reject ID`` drops it.

Exit codes: 0 when every examined node has a validated fix (or healed), 1 when some node could
not be healed, 2 on bad input (unknown node, production apply, a conflicting accept).
"""

from __future__ import annotations

import json
from typing import Optional

import typer
from rich.markup import escape
from rich.table import Table

from odibi_core.cli.console import console, print_code, styled
from odibi_core.errors import OdibiError


def register(app: typer.Typer) -> None:
    app.command("heal")(heal)


def heal(
    config: str = typer.Argument("odibi.yaml", help="Project file (or its folder)."),
    env: Optional[str] = typer.Option(None, "--env", "-e", help="Environment overlay (default: $ODIBI_ENV)."),
    node: Optional[list[str]] = typer.Option(None, "--node", "-n", help="Heal these nodes (default: every node "
                                                                         "whose latest run failed)."),
    apply: bool = typer.Option(False, "--apply", help="Run the nodes for real, re-running each with its fix "
                                                      "(dev only; the YAML is not changed)."),
    rows: int = typer.Option(1000, "--rows", min=1, help="Preview: rows read per input."),
    list_: bool = typer.Option(False, "--list", help="Show open proposals and exit."),
    all_: bool = typer.Option(False, "--all", help="With --list: the whole heal log."),
    accept: Optional[str] = typer.Option(None, "--accept", metavar="HEAL_ID", help="Write this fix into the project."),
    reject: Optional[str] = typer.Option(None, "--reject", metavar="HEAL_ID", help="Drop this proposal."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Propose, apply (dev only) or review fixes for failing SQL."""
    if sum(bool(x) for x in (list_, accept, reject, apply)) > 1:
        raise OdibiError("use one of --list, --accept, --reject and --apply at a time")
    if accept or reject or list_:
        _review(config, env, list_, all_, accept, reject, as_json)
        return
    from odibi_core.session import open_session

    session = open_session(config, env)
    try:
        outcome = session.heal(node or None, apply=apply, row_limit=rows)
    finally:
        session.close()
    if as_json:
        typer.echo(json.dumps({"nodes": outcome.nodes, "attempts": outcome.attempts}, indent=2, default=str))
    else:
        _print(outcome, apply)
    raise typer.Exit(0 if _all_fixed(outcome) else 1)


def _all_fixed(outcome) -> bool:
    for r in outcome.results:
        if r.status in ("success", "warning"):
            continue
        if not any(a.get("after") for a in r.heal):
            return False
    return True


def _print(outcome, apply: bool) -> None:
    if not outcome.nodes:
        console.print("nothing to heal: no node failed in its latest run (name one with --node)")
        return
    for r in outcome.results:
        console.print(f"[bold]{escape(r.name)}[/] {styled(r.status)}")
        if not r.heal:
            why = r.error or "it ran without a SQL error"
            console.print(f"  no heal: {escape(why)}", highlight=False)
            continue
        for a in r.heal:
            console.print(f"  heal [bold]{a['heal_id']}[/] · {a['status']} · {escape(a.get('location') or '')}"
                          + (f" ({escape(a['file'])})" if a.get("file") else "")
                          + (f" · {a['strategy']}" if a.get("strategy") else ""))
            console.print(f"  error: {escape(a['error'])}", highlight=False)
            if a.get("diff"):
                print_code(a["diff"], "diff")
            if a.get("explanation"):
                console.print(f"  {escape(a['explanation'])}")
            for rej in a.get("rejected") or []:
                console.print(f"  [dim]rejected {escape(rej.get('strategy') or '')}: {escape(rej['reason'])}[/]")
    ids = [a["heal_id"] for a in outcome.attempts if a["status"] in ("proposed", "applied", "refused")]
    if ids:
        console.print(f"\naccept with: odibi heal --accept {ids[0]}" + (" (the YAML is unchanged until then)"
                                                                       if apply else ""))


def _review(config: str, env: str | None, list_: bool, all_: bool, accept: str | None, reject: str | None,
            as_json: bool) -> None:
    from odibi_core.workspace import heal_review
    from odibi_core.workspace.project import Workspace

    ws = Workspace(config)
    if accept:
        done = heal_review.accept(ws, accept, env, by="odibi heal --accept")
        console.print(f"accepted heal {accept}: wrote {done.heal['location']} of node '{done.heal['node']}' in "
                      f"{done.file}")
        return
    if reject:
        heal_review.reject(ws, reject, env, by="odibi heal --reject")
        console.print(f"rejected heal {reject}")
        return
    with heal_review.heal_log(ws, env) as log:
        rows = [] if log is None else (log.list() if all_ else log.open_proposals())
    if as_json:
        typer.echo(json.dumps(rows, indent=2, default=str))
        return
    if not rows:
        console.print("no open proposals" if not all_ else "the heal log is empty")
        return
    table = Table("heal", "when (UTC)", "node", "where", "status", "strategy")
    table.columns[0].no_wrap = True
    for h in rows:
        table.add_row(h["heal_id"], (h["created_at"] or "")[:19].replace("T", " "), escape(h["node"]),
                      escape(h["location"] or ""), h["status"], h["strategy"] or "")
    console.print(table)
