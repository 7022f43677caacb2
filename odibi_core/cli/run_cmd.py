"""``odibi run``: live per-node progress, then a summary table and the story paths."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time
from typing import Optional

import typer
from rich.live import Live
from rich.markup import escape
from rich.table import Table

from odibi_core.cli.console import console, err_console, styled


def register(app: typer.Typer) -> None:
    @app.command()
    def run(
        config: str = typer.Argument("odibi.yaml", help="Project file (or its folder)."),
        env: Optional[str] = typer.Option(None, "--env", "-e", help="Environment overlay (default: $ODIBI_ENV)."),
        pipeline: Optional[list[str]] = typer.Option(None, "--pipeline", "-p", help="Run only these pipelines."),
        node: Optional[list[str]] = typer.Option(None, "--node", "-n", help="Run only these nodes."),
        tag: Optional[list[str]] = typer.Option(None, "--tag", "-t", help="Run only nodes with these tags."),
        upstream: bool = typer.Option(False, "--upstream", help="Also run the selected nodes' ancestors."),
        workers: int = typer.Option(4, "--workers", "-w", min=1, max=64, help="Nodes run in parallel."),
        dry_run: bool = typer.Option(False, "--dry-run", help="Show the plan; read and write nothing."),
        quiet: bool = typer.Option(False, "--quiet", "-q", help="Only the summary."),
        job_file: Optional[str] = typer.Option(None, "--job-file", hidden=True,
                                               help="Keep a JSON state file here (the Studio's background runs)."),
    ) -> None:
        """Run pipelines. Exit code 0 on success or partial success, 1 when a node failed, 2 on bad input.

        Ctrl+C (or SIGTERM) cancels: running nodes finish, no new ones start, the run is recorded as
        cancelled. A second Ctrl+C stops at once. A pipeline already being run elsewhere is refused."""
        from odibi_core.runner.runner import RunOptions
        from odibi_core.session import open_session
        from odibi_core.workspace.ghosts import close_unfinished
        from odibi_core.workspace.job_state import STOPPED_AT_ONCE, JobStateWriter

        job = JobStateWriter(job_file) if job_file else None
        opts = RunOptions(pipelines=pipeline, nodes=node, tags=tag, with_upstream=upstream, workers=workers,
                          dry_run=dry_run)
        try:
            session = open_session(config, env)
            if dry_run:
                _print_plan(session, opts)
                if job is not None:
                    job.finish(0, [])
                return
            session.run_by, session.job_id = ("the Studio", job.job_id) if job else ("odibi run", None)
            progress = _Progress(enabled=not quiet)
            forward = job.tee(progress.on_event) if job else progress.on_event
            run_ids: list[str] = []

            def on_event(event: dict) -> None:
                if event["type"] == "run_started":
                    run_ids.append(event["run"].run_id)
                forward(event)

            def stop_now(code: int) -> None:  # second signal: close our runs as cancelled, then exit
                try:
                    close_unfinished(session.catalog, run_ids, status="cancelled", error=STOPPED_AT_ONCE)
                    if job is not None:
                        job.stopped_at_once(code)
                except Exception:  # noqa: BLE001 - best effort; the Studio's ghost check closes them later
                    pass

            try:
                with progress, _cancel_on_signals(opts.cancel, job, stop_now):
                    results = session.run(opts, on_event=on_event)
            finally:
                session.close()
        except BaseException as exc:
            if job is not None:
                job.fail(exc)
            raise
        code = 1 if any(r.status in ("failed", "cancelled") for r in results) else 0
        try:
            _print_summary(results)
        finally:
            if job is not None:  # after the summary, so the job's log is complete once it says finished
                job.finish(code, results)
        if code:
            raise typer.Exit(code)


@contextlib.contextmanager
def _cancel_on_signals(cancel: threading.Event, job=None, stop_now=None):
    """First SIGINT/SIGTERM: start no new node, let running ones finish, record the run as cancelled.
    A second one exits at once, after ``stop_now`` marked the unfinished runs cancelled."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame) -> None:
        if cancel.is_set():
            os.write(2, b"\nstopped at once\n")
            if stop_now is not None:
                stop_now(128 + signum)
            os._exit(128 + signum)
        cancel.set()
        os.write(2, b"\ncancelling: running nodes finish, no new node starts (signal again to stop at once)\n")
        if job is not None:
            job.cancel_requested()

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def _print_plan(session, opts) -> None:
    from odibi_core.runner.runner import Runner

    names = Runner(session.loaded, session.engine, session.graph).plan(opts)
    levels = session.graph.levels(set(names))
    table = Table(title=f"Plan: {len(names)} node(s) in {len(levels)} level(s)", show_lines=False)
    for col in ("level", "pipeline", "node", "reads", "writes"):
        table.add_column(col)
    for i, level in enumerate(levels):
        for name in level:
            gn = session.graph.nodes[name]
            c = gn.config
            reads = f"{c.read.connection}:{c.read.path or c.read.table or 'query'}" if c.read else ", ".join(gn.upstream)
            writes = f"{c.write.connection}:{c.write.path or c.write.table} ({c.write.mode})" if c.write else "-"
            table.add_row(str(i), gn.pipeline, name, reads, writes)
    console.print(table)


class _Progress:
    """Live table on a terminal; one line per finished node otherwise (CI logs stay readable)."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.rows: dict[str, dict] = {}
        self.lock = threading.Lock()
        self.live: Live | None = None
        self.tty = sys.stderr.isatty()

    def __enter__(self):
        if self.enabled and self.tty:
            self.live = Live(self._table(), console=err_console, refresh_per_second=8, transient=True)
            self.live.__enter__()
        return self

    def __exit__(self, *exc):
        if self.live is not None:
            self.live.__exit__(*exc)

    def on_event(self, event: dict) -> None:
        if not self.enabled or event["type"] not in ("node_started", "node_finished"):
            return
        nr = event["node"]
        with self.lock:
            self.rows[nr.name] = {"pipeline": nr.pipeline, "status": nr.status, "rows": nr.rows_out,
                                  "t0": self.rows.get(nr.name, {}).get("t0", time.perf_counter()),
                                  "duration": nr.duration_s if event["type"] == "node_finished" else None}
            if self.live is not None:
                self.live.update(self._table())
            elif event["type"] == "node_finished":
                rows = "-" if nr.rows_out is None else f"{nr.rows_out:,}"
                err_console.print(f"  {styled(nr.status)} {nr.pipeline}.{nr.name}  rows={rows}  {nr.duration_s:.2f}s"
                                  + (f"  [red]{escape(nr.error)}[/]" if nr.error else ""))

    def _table(self) -> Table:
        table = Table(box=None, pad_edge=False)
        for col in ("node", "status", "rows", "elapsed"):
            table.add_column(col)
        now = time.perf_counter()
        for name, r in list(self.rows.items())[-40:]:
            elapsed = r["duration"] if r["duration"] is not None else now - r["t0"]
            table.add_row(f"{r['pipeline']}.{name}", styled(r["status"]),
                          "-" if r["rows"] is None else f"{r['rows']:,}", f"{elapsed:.1f}s")
        return table


def _print_summary(results) -> None:
    for run in results:
        table = Table(title=f"{run.pipeline}: {styled(run.status)} in {run.duration_s:.2f}s  (run {run.run_id})",
                      title_justify="left")
        for col, just in (("node", "left"), ("status", "left"), ("rows in", "right"), ("rows out", "right"),
                          ("written", "right"), ("time", "right"), ("note", "left")):
            table.add_column(col, justify=just)
        for n in run.nodes:
            note = n.error or n.skipped_reason or ("; ".join(n.warnings) if n.warnings else "")
            if n.suggestion:
                note += f" Hint: {n.suggestion}"
            table.add_row(n.name, styled(n.status), _num(n.rows_in), _num(n.rows_out), _num(n.rows_written),
                          f"{n.duration_s:.2f}s", escape(note[:300]))
        console.print(table)
        if run.story_html:
            console.print(f"story: {run.story_html}")
        for w in run.warnings:
            err_console.print(f"[yellow]warning:[/] {escape(w)}")


def _num(v) -> str:
    return "-" if v is None else f"{v:,}"
