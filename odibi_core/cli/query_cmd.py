"""``odibi query "QUESTION"``: a question in plain words, answered from the node outputs.

Output formats: ``table`` (rich table, the SQL and who wrote it), ``csv`` (header + rows on
stdout, nothing else) and ``json`` (exactly one object on stdout: ``{question, sql, columns,
rows}``, or ``{question, error}``). Exit codes: 0 answered, 1 cannot answer (the reason is
printed, as JSON with ``--format json``), 2 user errors (bad project, nothing run yet...).
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from odibi_core.cli.console import console, err_console, print_code

FORMATS = ("table", "csv", "json")


def register(app: typer.Typer) -> None:
    @app.command()
    def query(
        question: str = typer.Argument(..., help="The question, in quotes: \"total revenue by country\"."),
        config: str = typer.Argument("odibi.yaml", help="Project file (or its folder)."),
        env: str | None = typer.Option(None, "--env", "-e", help="Environment overlay (default: $ODIBI_ENV)."),
        fmt: str = typer.Option("table", "--format", "-f", help="table, csv or json."),
        max_rows: int = typer.Option(1000, "--max-rows", min=1, max=1_000_000, help="Rows returned at most."),
        timeout: float = typer.Option(30.0, "--timeout", min=0.1, max=3600, help="Seconds before the query is stopped."),
        show_sql: bool | None = typer.Option(None, "--show-sql/--no-show-sql",
                                                help="Print the SQL (default: with --format table only)."),
        export: str | None = typer.Option(None, "--export", help="Also write the answer as a gold pipeline "
                                                                     "into this new YAML file."),
        table: list[str] | None = typer.Option(None, "--table", "-t", help="Use only these tables (node names)."),
    ) -> None:
        """Answer a question from the outputs of nodes that ran: offline first, then the LLM if configured.

        Only one read-only SELECT over known tables ever runs. Exit code 0 answered, 1 cannot answer,
        2 bad input."""
        from odibi_core.errors import OdibiError
        from odibi_core.intel.query.answer import ask
        from odibi_core.intel.query.scope import build_scope
        from odibi_core.session import open_session

        if fmt not in FORMATS:
            raise OdibiError(f"--format must be one of {', '.join(FORMATS)} (got '{fmt}')")
        session = open_session(config, env)
        try:
            scope = build_scope(session.loaded, session.engine, session.catalog, tables=table)
            answer = ask(question, scope, llm=session.config.llm, max_rows=max_rows, timeout_s=timeout)
            written = None
            if answer.ok and export:
                written = _export(session.loaded.file, answer, scope, export)
        finally:
            session.close()
        if fmt == "json":
            typer.echo(json.dumps(answer.to_json_dict(), ensure_ascii=False, default=str))
        elif not answer.ok:
            err_console.print(f"[bold red]{escape(answer.error or '')}[/]", highlight=False)
        elif fmt == "csv":
            _print_csv(answer)
        else:
            _print_table(answer, show_sql is not False)
        if fmt == "csv" and show_sql and answer.sql:
            err_console.print(f"-- SQL ({_who(answer)}):\n{escape(answer.sql)}", highlight=False)
        if not answer.ok:
            raise typer.Exit(1)
        if written is not None:
            err_console.print(f"wrote {escape(str(written[0]))}; add [bold]{escape(written[1])}[/] to the project "
                              f"file, then: odibi run --pipeline {escape(written[2])}", highlight=False)


def _export(config_file: Path, answer, scope, dest: str) -> tuple[Path, str, str]:
    from odibi_core.intel.query.export import (
        export_node,
        import_hint,
        node_name_for,
        write_export,
    )

    name = node_name_for(answer.question)
    text = export_node(answer.question, answer.sql, scope, name=name)
    path = write_export(config_file, text, Path(dest).absolute())
    return path, import_hint(config_file, path), name


def _print_csv(answer) -> None:
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(answer.columns)
    for row in answer.rows:
        writer.writerow(["" if v is None else (json.dumps(v) if isinstance(v, (list, dict)) else v) for v in row])
    sys.stdout.flush()


def _print_table(answer, show_sql: bool) -> None:
    table = Table(title=answer.question, title_justify="left")
    for i, col in enumerate(answer.columns):
        numeric = all(isinstance(r[i], (int, float)) and not isinstance(r[i], bool)
                      for r in answer.rows if r[i] is not None)
        table.add_column(escape(str(col)), justify="right" if numeric and answer.rows else "left")
    for row in answer.rows:
        table.add_row(*("" if v is None else escape(_cell(v)) for v in row))
    console.print(table)
    n = len(answer.rows)
    tail = f" (stopped at --max-rows {n}; more rows match)" if answer.truncated else ""
    console.print(f"{n} row{'s' if n != 1 else ''}{tail}", highlight=False)
    if show_sql and answer.sql:
        print_code(answer.sql, "sql")
    console.print(f"[dim]answered by {escape(_who(answer))}"
                  + (f": {escape(answer.explanation)}" if answer.explanation else "") + "[/]", highlight=False)


def _cell(value) -> str:
    if isinstance(value, float):
        return f"{value:,.4f}".rstrip("0").rstrip(".") if abs(value) < 1e15 else str(value)
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _who(answer) -> str:
    return {"semantic": "the offline semantic parser", "llm": "the LLM"}.get(answer.source or "", "nobody")
