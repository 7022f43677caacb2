"""Runs one node: inputs -> read -> transformer -> transform steps -> validation -> write.

The executor fills a :class:`NodeResult` as it goes, so a failure at any phase still leaves
the story with what happened before it (rows read, SQL run, the error and a suggestion).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from odibi_core import secrets
from odibi_core.config.models import NodeConfig, ReadConfig, WriteConfig
from odibi_core.engines.base import Engine
from odibi_core.errors import NodeExecutionError, OdibiError, ValidationFailure
from odibi_core.graph import GraphNode
from odibi_core.runner.heal_hook import FailureScope
from odibi_core.runner.results import NodeResult
from odibi_core.runner.suggestions import suggestion_for
from odibi_core.transformers.context import TransformContext
from odibi_core.transformers.registry import get_transformer
from odibi_core.validation import run_validation

@dataclass
class NodeRunContext:
    """Everything a node needs from the run around it."""

    engine: Engine
    project_root: Path
    run_id: str
    env: str | None
    max_sample_rows: int
    upstream_frame: Callable[[str], Any]  # name -> frame (in memory, or read from its write target)
    history: Callable[[str], list[int]] | None = None  # node -> previous row counts, newest first
    row_limit: int | None = None  # previews: keep at most this many rows of every read
    write: bool = True  # previews: False skips every write (and transformers that write to a target)

    def read(self, cfg: ReadConfig) -> Any:
        df = self.engine.read(cfg)
        return self.engine.head(df, self.row_limit) if self.row_limit else df


def execute_node(gn: GraphNode, rc: NodeRunContext, result: NodeResult) -> Any:
    """Run the node; returns its output frame. Raises NodeExecutionError on failure."""
    node = gn.config
    engine = rc.engine
    phase = "inputs"
    ctx: TransformContext | None = None
    tables: dict[str, Any] = {}
    first: Any = None
    try:
        for dep in node.depends_on:
            tables[dep] = rc.upstream_frame(dep)
        for alias, ref in node.inputs.items():
            if isinstance(ref, ReadConfig):
                phase = f"inputs.{alias}"
                tables[alias] = rc.read(ref)
            else:
                tables[alias] = rc.upstream_frame(gn.input_aliases[alias])
        if node.read is not None:
            phase = "read"
            df = first = rc.read(node.read)
        elif node.depends_on:
            df = tables[node.depends_on[0]]
        else:
            df = tables[next(iter(node.inputs))]
        ctx = TransformContext(engine, df, tables, node.name, gn.pipeline, rc.run_id, rc.env)
        result.rows_in = engine.count(df)
        schema_in = engine.schema(df)
        result.schema_in = [c.as_dict() for c in schema_in]

        if node.transformer:
            phase = f"transformer {node.transformer}"
            spec = get_transformer(node.transformer)
            if rc.write or not writes_target(spec):
                ctx.df = spec.call(ctx, spec.validate_params(node.params))
            else:
                result.warnings.append(_skipped_writer(spec.name))
        if node.transform:
            for i, step in enumerate(node.transform.steps):
                phase = f"transform.steps[{i}] ({step.kind})"
                name = step.function or step.operation
                if name and not rc.write and writes_target(get_transformer(name)):
                    result.warnings.append(_skipped_writer(name))
                    continue
                ctx.df = _run_step(ctx, step, rc.project_root)

        df = ctx.df
        if node.validation is not None and (node.validation.tests or node.validation.gate):
            phase = "validation"
            history = rc.history(node.name) if rc.history else None
            outcome = run_validation(ctx, df, node.validation, history=history, run_id=rc.run_id)
            result.tests = outcome.results
            result.warnings.extend(outcome.warnings)
            if outcome.pass_rate is not None:
                result.metrics["pass_rate"] = round(outcome.pass_rate, 6)
                result.metrics["gate"] = outcome.gate_message
            if outcome.failed:
                failed = [t for t in outcome.results if not t.passed and t.on_fail == "fail"]
                reason = "; ".join(t.message for t in failed) or outcome.gate_message or "validation failed"
                raise ValidationFailure(reason)
            if outcome.quarantined is not None and outcome.quarantined_rows:
                phase = "quarantine"
                result.metrics["quarantined_rows"] = outcome.quarantined_rows
                if rc.write:
                    _write_quarantine(engine, outcome.quarantined, node.validation.quarantine)
            df = outcome.df

        schema_out = engine.schema(df)
        result.schema_out = [c.as_dict() for c in schema_out]
        names_in = [c.name for c in schema_in]
        names_out = [c.name for c in schema_out]
        result.columns_added = [c for c in names_out if c not in names_in]
        result.columns_removed = [c for c in names_in if c not in names_out]
        result.rows_out = engine.count(df)
        result.sample, result.sample_masked = _sample(engine, df, node, rc.max_sample_rows)

        if node.write is not None and rc.write:
            phase = "write"
            out = _with_metadata(ctx, df, node, rc.run_id) if node.write.add_metadata else df
            wr = engine.write(out, node.write)
            result.rows_written = wr.rows_written
            result.write_target = secrets.mask(wr.target)
            result.write_mode = wr.mode
            result.write_version = wr.version
        result.metrics.update(ctx.metrics)
        return df
    except Exception as exc:  # noqa: BLE001 - every failure becomes a located node error
        if ctx is not None:
            result.metrics.update(ctx.metrics)
        message = secrets.mask(_describe(exc))
        error = NodeExecutionError(node.name, message, suggestion=suggestion_for(exc, node, phase), phase=phase)
        if ctx is not None:  # the inputs were all there: auto-heal may dry-run a fix on them
            error.scope = FailureScope(read=first, tables=dict(tables), current=ctx.df)
        raise error from exc
    finally:
        if ctx is not None:
            result.sql = [secrets.mask(s) for s in ctx.sql_log]


def writes_target(spec) -> bool:
    """Transformers whose params name a target table (merge, scd2) write to it while they run."""
    from odibi_core.transformers.patterns.target import TargetParams

    return isinstance(spec.params_model, type) and issubclass(spec.params_model, TargetParams)


def _skipped_writer(name: str) -> str:
    return (f"preview: transformer '{name}' writes to its target table, so it did not run; "
            "the rows shown are its input")


def _write_quarantine(engine: Engine, frame: Any, q) -> None:
    """Append quarantined rows; the schema may grow as tests change, so merge_schema is on."""
    fmt = "sql" if q.table else q.format
    target = WriteConfig(connection=q.connection, format=fmt, path=q.path, table=q.table, mode="append",
                         merge_schema=True)
    engine.write(frame, target)


def _run_step(ctx: TransformContext, step, root: Path) -> Any:
    if step.sql:
        return ctx.sql(step.sql)
    if step.sql_file:
        return ctx.sql((root / step.sql_file).read_text(encoding="utf-8"))
    spec = get_transformer(step.function or step.operation)
    return spec.call(ctx, spec.validate_params(step.params))


def _sample(engine: Engine, df: Any, node: NodeConfig, n: int) -> tuple[list[dict], bool]:
    rows = engine.sample(df, n)
    if node.sensitive is True:
        return [{k: secrets.MASK for k in row} for row in rows], True
    if node.sensitive:
        cols = set(node.sensitive)
        return [{k: (secrets.MASK if k in cols else v) for k, v in row.items()} for row in rows], True
    return rows, False


def _with_metadata(ctx: TransformContext, df: Any, node: NodeConfig, run_id: str) -> Any:
    wanted = node.write.add_metadata
    fields = {"_odibi_loaded_at": "CURRENT_TIMESTAMP", "_odibi_run_id": f"'{run_id}'",
              "_odibi_node": f"'{node.name}'"}
    if isinstance(wanted, list):
        fields = {k: v for k, v in fields.items() if k in wanted or k.removeprefix("_odibi_") in wanted}
    existing = set(ctx.columns(df))
    cols = ", ".join(f"{expr} AS {ctx.q(name)}" for name, expr in fields.items() if name not in existing)
    return ctx.engine.sql(f"SELECT *, {cols} FROM df", {"df": df}) if cols else df


def _describe(exc: BaseException) -> str:
    if isinstance(exc, OdibiError):
        return str(exc)
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def elapsed_since(start: float) -> float:
    return round(time.perf_counter() - start, 6)
