"""Shared rich consoles: results to stdout, errors and progress to stderr."""

from rich.console import Console

console = Console(highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)

STATUS_STYLE = {"success": "green", "failed": "red", "skipped": "yellow", "warning": "yellow", "partial": "yellow",
                "running": "cyan", "pending": "dim", "cancelled": "magenta", "disabled": "dim"}


def styled(status: str) -> str:
    return f"[{STATUS_STYLE.get(status, 'white')}]{status}[/]"
