"""Command line: ``python -m datagen [generate] --scale S --out DIR`` and ``python -m datagen serve``.

Errors a user can fix (bad numbers, a folder that is not ours to overwrite, a busy port) are
one paragraph on stderr and exit code 2, never a traceback. Ctrl-C stops either command
cleanly (exit code 130).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from datagen import config as C

USAGE = """\
python -m datagen [generate] --scale S --out DIR [--seed N] [--days D] [--workers W] [--quiet]
       python -m datagen serve --landing DIR --port N [--host 127.0.0.1] [--page-size 1000]"""


def _generate_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m datagen", usage=USAGE,
                                description="Generate the OdibiEats landing (clicks, driver pings, OLTP database, "
                                            "lookups, menu snapshots). Scale 1 is about 1 GB.")
    p.add_argument("--scale", type=float, required=True, help="size: 1 is about 1 GB, 0.01 a few MB")
    p.add_argument("--out", type=Path, required=True, help="landing folder (created; a previous landing is replaced)")
    p.add_argument("--seed", type=int, default=C.DEFAULT_SEED, help=f"random seed (default {C.DEFAULT_SEED})")
    p.add_argument("--days", type=int, default=C.DEFAULT_DAYS,
                   help=f"number of days, ending {C.END_DATE} (default {C.DEFAULT_DAYS})")
    p.add_argument("--workers", type=int, default=None, help="worker processes (default: CPU count, at most 4)")
    p.add_argument("--quiet", action="store_true", help="no progress bar (the one-line summary is still printed)")
    return p


def _serve_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m datagen serve", usage=USAGE,
                                description="Serve a landing's click events as a paginated JSON API (see datagen/README.md).")
    p.add_argument("--landing", type=Path, required=True, help="a folder written by python -m datagen")
    p.add_argument("--port", type=int, required=True, help="TCP port (0 picks a free one)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--page-size", type=int, default=1000, help="records per page unless ?page_size= asks (default 1000)")
    return p


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "serve":
        return _serve(_serve_parser().parse_args(argv[1:]))
    if argv and argv[0] == "generate":
        argv = argv[1:]
    return _generate(_generate_parser().parse_args(argv))


def _fail(message: str) -> int:
    print(f"datagen: error: {message}", file=sys.stderr)
    return 2


def _generate(args: argparse.Namespace) -> int:
    from datagen.generate import default_workers, generate
    from datagen.writer import LandingError

    try:
        plan = C.Plan(scale=args.scale, seed=args.seed, days=args.days)
    except ValueError as exc:
        return _fail(str(exc))
    if args.workers is not None and not 1 <= args.workers <= 64:
        return _fail(f"--workers must be between 1 and 64 (got {args.workers})")
    workers = args.workers or default_workers()
    try:
        if args.quiet:
            summary = generate(plan, args.out, workers)
        else:
            summary = _with_progress(plan, args.out, workers, generate)
    except LandingError as exc:
        return _fail(str(exc))
    except OSError as exc:
        return _fail(f"could not write the landing in {args.out}: {exc.strerror or exc}. Check the path and free space.")
    except KeyboardInterrupt:
        print(f"\ndatagen: interrupted; the landing in {args.out} is incomplete (run again to rebuild it).", file=sys.stderr)
        return 130
    print(f"datagen: wrote {summary.mb:.1f} MB in {summary.files} files to {summary.out} in {summary.seconds:.1f} s "
          f"({summary.mb_per_s:.1f} MB/s, {workers} worker{'s' if workers > 1 else ''}); peak RSS "
          f"{summary.peak_rss_mb:.0f} MB main, {summary.worker_peak_rss_mb:.0f} MB largest worker")
    return 0


def _with_progress(plan, out, workers, generate):
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    columns = (TextColumn("[bold]datagen[/] scale {task.fields[scale]:g}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("tasks  {task.fields[mb]:,.0f} MB"), TimeElapsedColumn())
    # No refresh thread (auto_refresh=False): worker processes are forked while the bar is shown,
    # and forking next to a thread that may hold the terminal's lock is asking for a hang.
    with Progress(*columns, console=Console(stderr=True), auto_refresh=False) as progress:
        bar = progress.add_task("generate", total=None, scale=plan.scale, mb=0.0)

        def on_progress(done: int, total: int, written: int) -> None:
            progress.update(bar, completed=done, total=total, mb=written / 1e6)
            progress.refresh()

        return generate(plan, out, workers, on_progress)


def _serve(args: argparse.Namespace) -> int:
    from datagen.server import ServeError, serve

    try:
        return serve(args.landing, args.host, args.port, args.page_size)
    except ServeError as exc:
        return _fail(str(exc))
