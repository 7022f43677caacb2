"""Shared rich consoles: results to stdout, errors and progress to stderr."""

from rich.console import Console

console = Console(highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)

STATUS_STYLE = {"success": "green", "failed": "red", "skipped": "yellow", "warning": "yellow", "partial": "yellow",
                "running": "cyan", "pending": "dim", "cancelled": "magenta", "disabled": "dim"}


def styled(status: str) -> str:
    return f"[{STATUS_STYLE.get(status, 'white')}]{status}[/]"


def print_code(text: str, lexer: str) -> None:
    """SQL or a diff on stdout: highlighted in a terminal; whole lines when piped or captured (rich's
    Syntax would crop them at the 80-column width it assumes there, and the text is what users copy)."""
    if console.is_terminal:
        from rich.syntax import Syntax

        console.print(Syntax(text, lexer, word_wrap=True, background_color="default"))
    else:
        console.print(text.rstrip("\n"), markup=False, highlight=False, crop=False)
