"""Every proposal is proven before anyone sees it: it parses, names only known tables and
columns, and the node runs with it on zero rows of its real inputs.

The zero-row dry run re-executes the whole node (reads, transformer, every step, validation;
never a write) with the frames it had when it failed, cut to no rows. Binder errors (an unknown
column, a function that does not exist in this dialect, a type that does not fit) surface
exactly as in a real run, in a fraction of the time and without touching any target.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from odibi_core.config.models import NodeConfig, ReadConfig
from odibi_core.errors import NodeExecutionError
from odibi_core.intel.sql_guard import UnsafeSQL, check_select
from odibi_core.intel.types import HealRequest
from odibi_core.runner.heal_hook import HealCall
from odibi_core.runner.node_executor import NodeRunContext, execute_node
from odibi_core.runner.results import NodeResult


def static_problem(req: HealRequest, sql: str) -> str | None:
    """Why ``sql`` cannot be a fix for ``req`` without running anything (None: it may be)."""
    text = sql if req.kind == "query" else f"SELECT {sql} FROM df"
    try:
        check_select(text, req.tables, dialect=req.dialect)
    except UnsafeSQL as exc:
        return str(exc)
    return None


def dry_run_problem(call: HealCall, patched: NodeConfig) -> str | None:
    """Run the node with ``patched`` on zero rows of its inputs; the error text, or None."""
    rc = _ZeroRowContext(call, patched)
    gn = replace(call.graph_node, config=patched)
    try:
        execute_node(gn, rc, NodeResult(name=gn.name, pipeline=gn.pipeline))
    except NodeExecutionError as exc:
        exc.scope = None
        return exc.message
    return None


class _ZeroRowContext(NodeRunContext):
    """Reads and upstream frames come from the failure's scope, cut to zero rows; nothing is written."""

    def __init__(self, call: HealCall, node: NodeConfig) -> None:
        engine = call.engine
        scope = call.scope
        frames = dict(scope.tables)  # dependencies by node name, inputs by alias...
        for alias, upstream in call.graph_node.input_aliases.items():  # ...and ``$pipeline.node`` inputs by node
            if alias in scope.tables:
                frames.setdefault(upstream, scope.tables[alias])
        super().__init__(engine, engine.project_root, call.run_id, call.env, 0,
                         lambda name: engine.head(frames[name], 0), None, row_limit=0, write=False)
        self._node = node
        self._scope = scope

    def read(self, cfg: ReadConfig) -> Any:
        if cfg == self._node.read and self._scope.read is not None:
            return self.engine.head(self._scope.read, 0)
        for alias, ref in self._node.inputs.items():
            if cfg == ref and alias in self._scope.tables:
                return self.engine.head(self._scope.tables[alias], 0)
        return self.engine.head(self.engine.read(cfg), 0)
