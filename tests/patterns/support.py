"""Helpers for the pattern tests: a pandas engine over a real ``lake`` folder, running a
pattern transformer the way the node executor does, and reading Delta tables back with
deltalake directly (not through odibi_core, so a format bug cannot hide itself)."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import pyarrow as pa
from deltalake import DeltaTable

from odibi_core.config.models import LocalConnectionConfig
from odibi_core.connections.local import LocalConnection
from odibi_core.engines.pandas_engine import PandasEngine
from odibi_core.transformers.context import TransformContext
from odibi_core.transformers.registry import get_transformer

AUDIT = ("created_at", "updated_at")


def spark_skip_reason() -> str | None:
    """None when the Spark engine imports (the skip reason otherwise)."""
    try:
        importlib.import_module("odibi_core.engines.spark.engine")
    except Exception as exc:  # noqa: BLE001 - any import failure means "not available", with the reason
        return f"spark engine not available ({type(exc).__name__}: {exc})"
    return None


def lake_connections(root: Path) -> dict[str, LocalConnection]:
    (root / "lake").mkdir(parents=True, exist_ok=True)
    return {"lake": LocalConnection("lake", LocalConnectionConfig(type="local", base_path="./lake"), root)}


def pandas_engine(root: Path) -> PandasEngine:
    return PandasEngine(lake_connections(root), root)


def run(engine: Any, name: str, data: Any, params: dict[str, Any], node: str = "n") -> tuple[Any, dict]:
    """Run transformer ``name`` over ``data`` (Arrow table or engine frame); (output, ctx.metrics)."""
    df = engine.from_arrow(data) if isinstance(data, pa.Table) else data
    ctx = TransformContext(engine, df, {}, node=node, pipeline="p")
    spec = get_transformer(name)
    out = spec.call(ctx, spec.validate_params(params))
    return out, ctx.metrics


def table(path: Path, version: int | None = None) -> pa.Table:
    return DeltaTable(str(path), version=version).to_pyarrow_table()


def version(path: Path) -> int:
    return DeltaTable(str(path)).version()


def rows(data: pa.Table, *order: str, drop: tuple[str, ...] = ()) -> list[dict]:
    """Rows as dicts without the ``drop`` columns, sorted by ``order`` (NULLs last)."""
    out = [{k: v for k, v in r.items() if k not in drop} for r in data.to_pylist()]
    key = order or tuple(c for c in data.column_names if c not in drop)
    return sorted(out, key=lambda r: tuple((r[k] is None, r[k]) for k in key))
