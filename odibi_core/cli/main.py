"""The ``odibi`` command. Thin: every command opens a Session and prints what it returns.

User errors (OdibiError) print one paragraph to stderr and exit 2, without a traceback unless
``--debug`` is given. Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import os
import sys

import typer
from rich.markup import escape

from odibi_core.cli import drift_cmd, generate_cmd, heal_cmd, history_cmd, init_cmd, query_cmd, run_cmd, validate_cmd
from odibi_core.cli import top_cmd
from odibi_core.cli import list_cmd
from odibi_core.cli.console import err_console
from odibi_core.errors import OdibiError

app = typer.Typer(
    name="odibi",
    help="Declarative YAML data pipelines on pandas and Spark.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

run_cmd.register(app)
validate_cmd.register(app)
history_cmd.register(app)
init_cmd.register(app)
drift_cmd.register(app)
query_cmd.register(app)
heal_cmd.register(app)
generate_cmd.register(app)
top_cmd.register(app)
list_cmd.register(app)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit code (usage errors exit 2 through click, as do OdibiErrors)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv or os.environ.get("ODIBI_DEBUG") == "1"
    argv = [a for a in argv if a != "--debug"]
    try:
        app(args=argv, prog_name="odibi", standalone_mode=True)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except OdibiError as exc:
        if debug:
            raise
        err_console.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
        return exc.exit_code
    return 0


def entrypoint() -> None:
    sys.exit(main())


if __name__ == "__main__":
    entrypoint()
