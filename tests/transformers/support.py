"""Helpers for transformer and validation tests: running a transformer, reading rows back.

``SparkDialectEngine`` stands in for the Spark engine, which is not installed here: it quotes
identifiers with backticks and reports ``sql_dialect = "spark"``, so builtins and tests build
Spark SQL, which sqlglot must parse as Spark SQL (strictly) and translate for DuckDB to run.
It catches DuckDB-only syntax, wrong quoting and literals that Spark would read differently
(backslashes); it does not prove everything Spark would accept.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import sqlglot
from sqlglot.errors import ErrorLevel

from odibi_core.engines.pandas_engine import PandasEngine
from odibi_core.transformers.context import TransformContext
from odibi_core.transformers.registry import get_transformer


class SparkDialectEngine(PandasEngine):
    name = "spark_dialect_check"
    sql_dialect = "spark"

    def quote(self, identifier: str) -> str:
        return "`" + identifier.replace("`", "``") + "`"

    def sql(self, query: str, tables):
        translated = sqlglot.transpile(query, read="spark", write="duckdb", error_level=ErrorLevel.RAISE,
                                       unsupported_level=ErrorLevel.RAISE)
        assert len(translated) == 1, query
        return super().sql(translated[0], tables)


def rows(engine, df: Any) -> list[dict[str, Any]]:
    """Rows as plain Python values (NaN and pandas NA become None)."""
    return engine.to_arrow(df).to_pylist()


def sorted_rows(engine, df: Any, *keys: str) -> list[dict[str, Any]]:
    return sorted(rows(engine, df), key=lambda r: tuple((r[k] is None, r[k]) for k in keys))


def make_ctx(engine, df: pd.DataFrame, tables: dict[str, Any] | None = None) -> TransformContext:
    return TransformContext(engine, df, tables or {}, node="test_node", pipeline="test_pipe")


def run(ctx: TransformContext, name: str, **params: Any) -> Any:
    """Validate ``params`` with the transformer's model and run it, as the node executor does."""
    spec = get_transformer(name)
    return spec.call(ctx, spec.validate_params(params))
