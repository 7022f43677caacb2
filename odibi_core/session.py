"""A session ties one loaded project to its connections, engine, catalog and story folder.

The CLI and the Studio both go through this class, so a run from either place behaves the
same: validate, run, write the story, record the catalog, apply story retention.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any, Callable

from odibi_core.catalog import RunCatalog
from odibi_core.catalog.node_counts import successful_counts
from odibi_core.config.loader import LoadedProject, load_project
from odibi_core.connections.base import FileConnection
from odibi_core.connections.registry import create_connection
from odibi_core.drift import annotate_runs
from odibi_core.engines.registry import engine_class
from odibi_core import locks
from odibi_core.errors import ConfigError, OdibiError
from odibi_core.graph import Graph
from odibi_core.runner.plan import check_plan
from odibi_core.runner.results import RunResult
from odibi_core.runner.runner import Event, RunOptions, Runner
from odibi_core.runner.user_code import load_user_transforms
from odibi_core.story import apply_retention, write_story

log = logging.getLogger("odibi")


class Session:
    def __init__(self, config_path: str | os.PathLike, env: str | None = None,
                 environ: dict[str, str] | None = None) -> None:
        self.loaded: LoadedProject = load_project(config_path, env=env, environ=environ)
        load_user_transforms(self.loaded.root)
        self.graph = Graph.build(self.loaded)
        self.warnings = check_plan(self.loaded)
        self._connections: dict[str, Any] | None = None
        self._engine = None
        self._catalog: RunCatalog | None = None

    # --- lazily built resources --------------------------------------------------------------
    @property
    def config(self):
        return self.loaded.config

    @property
    def connections(self) -> dict[str, Any]:
        if self._connections is None:
            self._connections = {name: create_connection(name, cfg, self.loaded.root)
                                 for name, cfg in self.config.connections.items()}
        return self._connections

    @property
    def engine(self):
        if self._engine is None:
            cls = engine_class(self.config.engine)
            self._engine = cls(self.connections, self.loaded.root, self.config.performance)
        return self._engine

    def _local_dir(self, connection: str, path: str, what: str) -> Path:
        conn = self.connections[connection]
        if not isinstance(conn, FileConnection) or not conn.is_local:
            key = "story.connection" if what == "stories" else "system.connection"
            raise self.loaded.error(f"{what} need a local connection; '{connection}' is {conn.config.type}",
                                    *key.split("."))
        return Path(conn.resolve(path))

    @property
    def system_dir(self) -> Path:
        return self._local_dir(self.config.system.connection, self.config.system.path, "run history")

    @property
    def story_dir(self) -> Path:
        return self._local_dir(self.config.story.connection, self.config.story.path, "stories")

    @property
    def catalog(self) -> RunCatalog:
        if self._catalog is None:
            self._catalog = RunCatalog(self.system_dir)
        return self._catalog

    # --- actions -----------------------------------------------------------------------------
    run_by = "the Python API"  # who holds the pipeline locks of a run; the CLI and Studio jobs say so
    job_id: str | None = None

    def run(self, opts: RunOptions | None = None, on_event: Callable[[Event], None] | None = None) -> list[RunResult]:
        """Run the plan while holding a lock on each pipeline it touches (a dry run locks nothing), so
        a second run of the same pipeline, from any process, is refused with ``locks.PipelineBusy``."""
        opts = opts or RunOptions()
        if opts.dry_run:
            return self._run(opts, on_event)
        selection = {k: v for k, v in (("pipelines", opts.pipelines), ("nodes", opts.nodes), ("tags", opts.tags),
                                       ("with_upstream", opts.with_upstream)) if v}
        with locks.acquire(self.system_dir, self.planned_pipelines(opts), by=self.run_by, job_id=self.job_id,
                           selection=selection):
            return self._run(opts, on_event)

    def planned_pipelines(self, opts: RunOptions) -> list[str]:
        """Pipelines a run with ``opts`` touches (plan() reads only the graph: no engine is started)."""
        return sorted({self.graph.nodes[n].pipeline for n in Runner(self.loaded, None, self.graph).plan(opts)})

    def _run(self, opts: RunOptions | None, on_event: Callable[[Event], None] | None) -> list[RunResult]:
        opts = opts or RunOptions()
        if opts.workers is None and self.config.performance.workers:
            opts.workers = self.config.performance.workers
        catalog = None if opts.dry_run else self.catalog
        story_cfg = self.config.story

        def handle(event: Event) -> None:
            if catalog is not None:
                try:
                    if event["type"] == "run_started":
                        catalog.record_run_start(event["run"])
                    elif event["type"] in ("node_started", "node_finished"):
                        catalog.record_node(event["run_id"], event["node"])
                except Exception as exc:  # noqa: BLE001 - progress is best effort; the final record is not
                    log.warning("could not record live progress: %s", exc)
            if on_event:
                on_event(event)

        runner = Runner(self.loaded, self.engine, self.graph, on_event=handle, history=self._row_history,
                        healer=self.healer(catalog=catalog))
        results = runner.run(opts)
        if opts.dry_run:
            return results
        annotate_runs(catalog, results, self.graph, self.config.drift)  # before story and record: vs history only
        for result in results:
            if story_cfg.enabled:
                try:
                    json_path, html_path = write_story(result, self.story_dir / "", max_sample_rows=story_cfg.max_sample_rows)
                    result.story_json, result.story_html = str(json_path), str(html_path)
                    apply_retention(self.story_dir, result.pipeline, retention_days=story_cfg.retention_days,
                                    retention_count=story_cfg.retention_count)
                except OSError as exc:
                    result.warnings.append(f"story could not be written: {exc}")
            catalog.record_run(result)
        return results

    heal_mode: str | None = None  # "suggest" | "apply": auto-heal on for this session whatever auto_heal.enabled says

    def healer(self, *, catalog: RunCatalog | None, mode: str | None = None):
        """The auto-healer for a run (``intel.heal.healer.AutoHealer``), or None when auto-heal is
        off. ``apply`` is refused in production by the healer itself (the fix is proposed only).
        Imported here, not at the top: a run without auto-heal never loads the assistants."""
        cfg = self.config
        mode = mode or self.heal_mode
        if mode is None and not cfg.auto_heal.enabled:
            return None
        from odibi_core.catalog.heals import HealLog
        from odibi_core.intel.heal.healer import AutoHealer, HealSettings

        settings = HealSettings.from_config(cfg.auto_heal, cfg.llm, production=cfg.is_production(self.loaded.env),
                                            env=self.loaded.env, mode=mode)
        return AutoHealer(settings, self.loaded.root, HealLog(catalog) if catalog is not None else None)

    def heal(self, nodes: list[str] | None = None, *, apply: bool = False, row_limit: int = 1000):
        """``odibi heal``: re-run failing nodes with auto-heal on and report what it proposes.

        Without ``apply`` it is a preview: at most ``row_limit`` rows per read, nothing written,
        no run recorded; proposals go to the heal log. With ``apply`` (dev only) it is a real run
        of those nodes whose SQL failures are re-run with the fix; production refuses it outright.
        Returns an ``intel.heal.targets.HealOutcome``."""
        from odibi_core.intel.heal.healer import production_refusal
        from odibi_core.intel.heal.targets import HealOutcome, nodes_to_heal

        if apply and self.config.is_production(self.loaded.env):
            raise OdibiError(production_refusal(self.loaded.env).split(";")[0] + "; run `odibi heal` without "
                             "--apply to get a proposal, then accept it")
        targets = nodes_to_heal(self.graph, self.catalog, nodes)
        if not targets:
            return HealOutcome([], [])
        if apply:
            results = self._heal_run(targets)
        else:
            names = sorted({n for t in targets for n in self.graph.memory_closure(t)},
                           key=list(self.graph.nodes).index)
            runner = Runner(self.loaded, self.engine, self.graph, history=None,
                            healer=self.healer(catalog=self.catalog, mode="suggest"))
            results = runner.run(RunOptions(nodes=names, row_limit=row_limit, write=False))
        by_name = {n.name: n for r in results for n in r.nodes}
        return HealOutcome(targets, [by_name[t] for t in targets if t in by_name])

    def _heal_run(self, targets: list[str]) -> list[RunResult]:
        previous, self.heal_mode = self.heal_mode, "apply"
        try:
            return self.run(RunOptions(nodes=targets))
        finally:
            self.heal_mode = previous

    def _row_history(self, node: str) -> list[int]:
        """Recent successful row counts of ``node`` (for volume_drop), from an index-ordered query."""
        try:
            rows = successful_counts(self.catalog, node, limit=30)
        except Exception:  # noqa: BLE001 - no history is a valid state
            return []
        return [r["rows_out"] for r in rows]

    def close(self) -> None:
        if self._engine is not None:
            self._engine.close()
        for conn in (self._connections or {}).values():
            conn.close()


def open_session(config_path: str | os.PathLike | None, env: str | None = None) -> Session:
    """Open the project at ``config_path`` (a file or folder; default: ./odibi.yaml)."""
    path = Path(config_path) if config_path else Path.cwd()
    if not path.exists():
        raise ConfigError(f"project file not found: {path}")
    return Session(path, env=env)


__all__ = ["OdibiError", "RunOptions", "Session", "open_session"]
