"""Shared by the event, identity, geo and key/window/delete pattern tests: run a transformer on
each engine (pandas, and Spark once its engine imports) and read rows back as plain values.

``any_engine`` is parametrised over both engines; Spark starts the shared session fixture
(tests/fixtures/spark.py) first, so every test reuses one JVM. Inputs are Arrow tables, so both
engines get the same typed data; outputs come back through ``engine.to_arrow``.
"""

from __future__ import annotations

import datetime as dt
import importlib
import math
import textwrap
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from odibi_core.transformers.context import TransformContext
from odibi_core.transformers.registry import get_transformer


def _spark_skip_reason() -> str | None:
    try:
        importlib.import_module("odibi_core.engines.spark.engine")
    except Exception as exc:  # noqa: BLE001 - a missing or half-written engine: skip with the reason
        return f"spark engine not available ({type(exc).__name__}: {exc})"
    return None


SPARK_SKIP = _spark_skip_reason()
ENGINES = ["pandas", pytest.param("spark", marks=pytest.mark.skipif(SPARK_SKIP is not None, reason=SPARK_SKIP or ""))]


@pytest.fixture(params=ENGINES)
def any_engine(request, tmp_path):
    """A pandas or a Spark engine with no connections."""
    if request.param == "spark":
        request.getfixturevalue("spark")
        from odibi_core.engines.spark.engine import SparkEngine

        eng = SparkEngine({}, tmp_path)
    else:
        from odibi_core.engines.pandas_engine import PandasEngine

        eng = PandasEngine({}, tmp_path)
    yield eng
    eng.close()


def frame(engine, data: pa.Table | dict[str, list]) -> Any:
    table = data if isinstance(data, pa.Table) else pa.table(data)
    return engine.from_arrow(table)


def run(engine, name: str, df: Any, tables: dict[str, Any] | None = None, **params: Any):
    """Validate ``params`` like the node executor does, run the transformer; (output, ctx)."""
    ctx = TransformContext(engine, df, tables or {}, node="test_node", pipeline="test_pipe")
    spec = get_transformer(name)
    out = spec.call(ctx, spec.validate_params(params))
    return out, ctx


def _plain(v: Any) -> Any:
    if isinstance(v, dt.datetime) and v.tzinfo is not None:
        return v.astimezone(dt.timezone.utc).replace(tzinfo=None)
    if isinstance(v, float) and math.isnan(v):  # NaN from pandas is a NULL here
        return None
    return v


def rows(engine, df: Any, *keys: str) -> list[dict[str, Any]]:
    """Rows as dicts of plain Python values, sorted by ``keys`` (NULLs last)."""
    out = [{k: _plain(v) for k, v in r.items()} for r in engine.to_arrow(df).to_pylist()]
    if keys:
        out.sort(key=lambda r: tuple((r[k] is None, r[k] if r[k] is not None else 0) for k in keys))
    return out


def schema(engine, df: Any) -> dict[str, str]:
    return {c.name: c.type for c in engine.schema(df)}


def write_yaml_project(root: Path, node_yaml: str, files: dict[str, str] | None = None) -> Path:
    """A one-node project (read src/events.csv, then ``node_yaml``'s transformer) for param errors."""
    (root / "src").mkdir(parents=True, exist_ok=True)
    for rel, text in (files or {"src/events.csv": "a,b\n1,2\n"}).items():
        (root / rel).write_text(text, encoding="utf-8")
    body = textwrap.indent(textwrap.dedent(node_yaml).strip(), " " * 8)
    text = textwrap.dedent("""\
        project: t
        connections:
          src: {type: local, base_path: ./src}
        story: {connection: src, path: _stories}
        system: {connection: src, path: _system}
        pipelines:
          - pipeline: p
            nodes:
              - name: the_node
                read: {connection: src, format: csv, path: events.csv}
        """) + body + "\n"
    path = root / "odibi.yaml"
    path.write_text(text, encoding="utf-8")
    return path
