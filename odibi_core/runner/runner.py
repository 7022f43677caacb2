"""The scheduler: runs selected nodes as soon as their upstream nodes are done.

Independent nodes run in parallel on a thread pool (``workers``). A failed node's downstream
nodes are skipped and recorded as skipped; ``on_error`` decides whether the rest goes on
(``fail_later``), stops launching new nodes (``fail_fast``), or the failure does not fail the
run (``ignore``). Outputs are dropped from memory once no pending node needs them.
"""

from __future__ import annotations

import threading
import time
import uuid
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from typing import Any, Callable

from odibi_core.config.loader import LoadedProject
from odibi_core.config.models import RetryConfig
from odibi_core.engines.base import Engine
from odibi_core.errors import NodeExecutionError, OdibiError
from odibi_core.graph import Graph
from odibi_core.runner.heal_hook import HealCall, Healer
from odibi_core.runner.node_executor import NodeRunContext, execute_node
from odibi_core.runner.results import NodeResult, RunResult, iso, utc_now
from odibi_core.runner.retry import attempts_for, delay_for, is_retryable

Event = dict[str, Any]


@dataclass
class RunOptions:
    pipelines: list[str] | None = None
    nodes: list[str] | None = None
    tags: list[str] | None = None
    with_upstream: bool = False
    workers: int = 4
    dry_run: bool = False
    sleep: Callable[[float], None] = time.sleep  # retries wait through this (tests pass a no-op)
    cancel: threading.Event = field(default_factory=threading.Event)
    # previews (the Studio's Builder): every read keeps at most row_limit rows and samples hold that
    # many; write=False writes nothing (write blocks, quarantine, transformers that MERGE into a target)
    row_limit: int | None = None
    write: bool = True


class Runner:
    def __init__(self, loaded: LoadedProject, engine: Engine, graph: Graph, *,
                 on_event: Callable[[Event], None] | None = None,
                 history: Callable[[str], list[int]] | None = None, healer: Healer | None = None) -> None:
        self.loaded = loaded
        self.healer = healer  # auto-heal (odibi_core.intel): proposes fixes, may hand back a config to re-run
        self.engine = engine
        self.graph = graph
        self.on_event = on_event or (lambda e: None)
        self.history = history

    def plan(self, opts: RunOptions) -> list[str]:
        names = self.graph.select(pipelines=opts.pipelines, nodes=opts.nodes, tags=opts.tags,
                                  with_upstream=opts.with_upstream)
        return [n for n in names if self.graph.nodes[n].config.enabled]

    def run(self, opts: RunOptions) -> list[RunResult]:
        cfg = self.loaded.config
        selected = self.plan(opts)
        selected_set = set(selected)
        started = utc_now()
        runs: dict[str, RunResult] = {}
        results: dict[str, NodeResult] = {}
        for name in selected:
            gn = self.graph.nodes[name]
            if gn.pipeline not in runs:
                pipe = next(p for p in cfg.pipelines if p.pipeline == gn.pipeline)
                runs[gn.pipeline] = RunResult(
                    run_id=_run_id(started), project=cfg.project, pipeline=gn.pipeline, engine=self.engine.name,
                    env=self.loaded.env, started_at=iso(started), layer=pipe.layer, dry_run=opts.dry_run,
                    config_file=str(self.loaded.file),
                    selection={k: v for k, v in (("pipelines", opts.pipelines), ("nodes", opts.nodes),
                                                 ("tags", opts.tags)) if v})
            nr = NodeResult(name=name, pipeline=gn.pipeline, depends_on=list(gn.upstream), layer=gn.layer,
                            tags=list(gn.config.tags), transformer=gn.config.transformer)
            results[name] = nr
            runs[gn.pipeline].nodes.append(nr)
        for run in runs.values():
            members = {n.name for n in run.nodes}
            run.edges = [(u if u in members else f"{self.graph.nodes[u].pipeline}.{u}", d)
                         for u, d in self.graph.edges() if d in members]
            self.on_event({"type": "run_started", "run": run})
        if opts.dry_run:
            for nr in results.values():
                nr.status = "pending"
            return self._finish(runs)
        _Scheduler(self, opts, selected_set, results, runs).go()
        return self._finish(runs, cancelled=opts.cancel.is_set())

    def _finish(self, runs: dict[str, RunResult], cancelled: bool = False) -> list[RunResult]:
        for run in runs.values():
            ends = [n.ended_at for n in run.nodes if n.ended_at]
            end = utc_now()
            run.ended_at = iso(end)
            run.duration_s = round((end - _parse(run.started_at)).total_seconds(), 3)
            if ends:
                run.ended_at = max(ends)
                run.duration_s = round((_parse(run.ended_at) - _parse(run.started_at)).total_seconds(), 3)
            run.status = _run_status(run, self.graph, cancelled)
            run.warnings = [f"{n.name}: {w}" for n in run.nodes for w in n.warnings]
            self.on_event({"type": "run_finished", "run": run})
        return list(runs.values())


class _Scheduler:
    def __init__(self, runner: Runner, opts: RunOptions, selected: set[str], results: dict[str, NodeResult],
                 runs: dict[str, RunResult]) -> None:
        self.r = runner
        self.opts = opts
        self.selected = selected
        self.results = results
        self.outputs: dict[str, Any] = {}
        self.consumers = {n: sum(1 for d in runner.graph.nodes[n].downstream if d in selected) for n in selected}
        self.lock = threading.Lock()
        self.stop_reason: str | None = None
        self.run_ids = {p: r.run_id for p, r in runs.items()}

    def go(self) -> None:
        graph = self.r.graph
        waiting = {n: {u for u in graph.nodes[n].upstream if u in self.selected} for n in self.selected}
        order = {n: i for i, n in enumerate(graph.nodes)}
        ready = sorted((n for n, ups in waiting.items() if not ups), key=order.get)
        done: set[str] = set()
        workers = max(1, self.opts.workers if self.r.engine.supports_parallel_nodes else 1)
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="odibi-node") as pool:
            running: dict[Future, str] = {}
            while ready or running:
                while ready and len(running) < workers:
                    name = ready.pop(0)
                    if self.stop_reason or self.opts.cancel.is_set():
                        self._skip(name, self.stop_reason or "run cancelled")
                        done.add(name)
                        continue
                    running[pool.submit(self._run_node, name)] = name
                if not running:
                    break
                finished, _ = wait(running, return_when=FIRST_COMPLETED)
                for fut in finished:
                    name = running.pop(fut)
                    done.add(name)
                    ok = fut.result()
                    for d in graph.nodes[name].downstream:
                        if d not in waiting or d in done:
                            continue
                        if not ok:
                            self._skip_descendants(d, name, waiting, done)
                            continue
                        waiting[d].discard(name)
                        if not waiting[d] and d not in done:
                            ready.append(d)
                    ready.sort(key=order.get)

    def _skip_descendants(self, start: str, failed: str, waiting, done: set[str]) -> None:
        todo = [start]
        while todo:
            n = todo.pop()
            if n in done or n not in waiting:
                continue
            done.add(n)
            self._skip(n, f"upstream node '{failed}' did not succeed")
            todo.extend(self.r.graph.nodes[n].downstream)

    def _skip(self, name: str, reason: str) -> None:
        nr = self.results[name]
        nr.status = "skipped"
        nr.skipped_reason = reason
        self.r.on_event({"type": "node_finished", "node": nr, "run_id": self.run_ids[nr.pipeline]})

    def _upstream_frame(self, name: str) -> Any:
        with self.lock:
            if name in self.outputs:
                return self.outputs[name]
        gn = self.r.graph.nodes[name]
        write = gn.config.write
        if write is None:
            raise OdibiError(
                f"upstream node '{name}' is not part of this run and has no 'write' target to read its output from; "
                f"run it too (add --upstream, or select its pipeline '{gn.pipeline}')")
        from odibi_core.config.models import ReadConfig

        read = ReadConfig(connection=write.connection, format=write.format, path=write.path, table=write.table)
        frame = self.r.engine.read(read)
        return self.r.engine.head(frame, self.opts.row_limit) if self.opts.row_limit else frame

    def _run_node(self, name: str) -> bool:
        gn = self.r.graph.nodes[name]
        nr = self.results[name]
        node = gn.config
        retry = node.retry or self.r.loaded.config.retry
        attempts = attempts_for(retry)
        rc = NodeRunContext(self.r.engine, self.r.loaded.root, self.run_ids[gn.pipeline], self.r.loaded.env,
                            self.opts.row_limit or self.r.loaded.config.story.max_sample_rows, self._upstream_frame,
                            self.r.history, row_limit=self.opts.row_limit, write=self.opts.write)
        start_wall = utc_now()
        nr.started_at = iso(start_wall)
        nr.status = "running"
        self.r.on_event({"type": "node_started", "node": nr, "run_id": rc.run_id})
        t0 = time.perf_counter()
        ok = False
        failure: NodeExecutionError | None = None
        for attempt in range(1, attempts + 1):
            nr.attempts = attempt
            ok, failure = self._attempt(gn, rc, nr)
            if ok or not (attempt < attempts and is_retryable(failure.__cause__)) or self.opts.cancel.is_set():
                break
            nr.warnings.append(f"attempt {attempt} failed: {failure.message}")
            self.opts.sleep(delay_for(retry, attempt))
        heal_round = 0
        while not ok and self.r.healer is not None and getattr(failure, "scope", None) is not None \
                and not self.opts.cancel.is_set():
            heal_round += 1
            patched = self.r.healer(HealCall(gn, failure, failure.scope, nr, self.r.engine, rc.run_id,
                                             self.r.loaded.env, heal_round))
            failure.scope = None  # frames are not kept past the healer
            if patched is None:
                break
            gn = replace(gn, config=patched)
            nr.attempts += 1
            ok, failure = self._attempt(gn, rc, nr)
        nr.duration_s = round(time.perf_counter() - t0, 6)
        nr.ended_at = iso(utc_now())
        if ok:
            nr.status = "warning" if nr.warnings and any(not t.passed for t in nr.tests) else "success"
        else:
            nr.status = "failed"
            if node.on_error == "fail_fast":
                self.stop_reason = f"run stopped after '{name}' failed (on_error: fail_fast)"
        self._release_inputs(gn)
        self.r.on_event({"type": "node_finished", "node": nr, "run_id": rc.run_id})
        return ok

    def _attempt(self, gn, rc: NodeRunContext, nr: NodeResult) -> tuple[bool, NodeExecutionError | None]:
        """Run the node once; keep its output for consumers, or record the error on its result."""
        nr.error = nr.suggestion = nr.error_type = nr.error_phase = None
        try:
            out = execute_node(gn, rc, nr)
        except NodeExecutionError as exc:
            nr.error = exc.message
            nr.suggestion = exc.suggestion
            nr.error_type = type(exc.__cause__).__name__ if exc.__cause__ else "NodeExecutionError"
            nr.error_phase = exc.phase
            return False, exc
        with self.lock:
            if self.consumers.get(gn.name, 0) > 0 or gn.config.cache:
                self.outputs[gn.name] = out
        return True, None

    def _release_inputs(self, gn) -> None:
        with self.lock:
            for up in gn.upstream:
                if up in self.consumers:
                    self.consumers[up] -= 1
                    if self.consumers[up] <= 0 and not self.r.graph.nodes[up].config.cache:
                        self.outputs.pop(up, None)


def _run_status(run: RunResult, graph: Graph, cancelled: bool) -> str:
    """failed: a node failed whose on_error is not ignore; partial: something was skipped or an
    ignored failure happened; cancelled: the user stopped it; otherwise success."""
    if cancelled:
        return "cancelled"
    if any(n.status == "failed" and graph.nodes[n.name].config.on_error != "ignore" for n in run.nodes):
        return "failed"
    if any(n.status in ("failed", "skipped") for n in run.nodes):
        return "partial"
    return "success"


def _run_id(started) -> str:
    return started.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]


def _parse(ts: str):
    import datetime as dt

    return dt.datetime.fromisoformat(ts)


__all__ = ["Event", "RetryConfig", "RunOptions", "Runner"]
