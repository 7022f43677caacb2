"""Hash keys that come out the same, hex digit for hex digit, on DuckDB and Spark.

Used by ``generate_surrogate_key`` and by ``sessionize`` (its session id). The hashed text is
built so that different key tuples never give the same text:

* each value is rendered as text (see :func:`value_text`), then every backslash is doubled and
  every separator is written ``\\<separator>``, so a value cannot fake a separator;
* a NULL becomes ``\\N`` (backslash, capital N), which no escaped value can equal, since a
  value's own backslashes are doubled;
* values are joined with the separator (``|`` by default).

So ``("a", "bc")`` -> ``a|bc`` and ``("ab", "c")`` -> ``ab|c``; ``("a|", "b")`` -> ``a\\||b``
and ``("a", "|b")`` -> ``a|\\|b``; ``(NULL, "x")`` -> ``\\N|x`` and ``("\\N", "x")`` ->
``\\\\N|x``. The hash is the lowercase hex digest of the UTF-8 bytes of that text: ``md5``
(32 hex digits) or ``sha256`` (64), written ``md5(t)`` / ``sha256(t)`` in DuckDB and
``md5(t)`` / ``sha2(t, 256)`` in Spark.
"""

from __future__ import annotations

from typing import Iterable

from odibi_core.transformers.builtin._common import TransformError, lit
from odibi_core.transformers.builtin._sqltime import epoch_us
from odibi_core.transformers.context import TransformContext

NULL_TEXT = "\\N"
_TEXT_AS_IS = ("string",)
_CAST_TO_TEXT = ("int64", "int32", "int16", "int8", "uint8", "uint16", "uint32", "uint64", "bool", "date")
_FLOATS = ("float64", "float32")


def value_text(ctx: TransformContext, column: str, logical: str, *, transformer: str, param: str) -> str:
    """SQL text of one column's value that both engines render identically.

    Strings as they are; integers, booleans (``true``/``false``), dates (``YYYY-MM-DD``) and
    decimals through CAST; timestamps as their microseconds since 1970-01-01 (UTC), because the
    engines print timestamps differently (DuckDB adds ``+00`` to a TIMESTAMPTZ). Floats: a whole
    number below 1e15 as the integer (``2.0`` -> ``2``, so an integer column that an engine
    turned into floats because of NULLs keeps its keys), ``NaN``/``Infinity``/``-Infinity``
    spelled out, any other value through CAST, on which the engines agree for ordinary values
    (``1.5``) but not for exponents (``1.5e+20`` vs ``1.5E20``): cast such keys to DECIMAL first.
    Binary, list and struct columns are refused.
    """
    q = ctx.q(column)
    if logical in _TEXT_AS_IS:
        return q
    if logical == "timestamp":
        return f"CAST({epoch_us(ctx, q)} AS STRING)"
    if logical in _FLOATS:
        inf = "CAST('Infinity' AS DOUBLE)"
        return (f"CASE WHEN isnan({q}) THEN 'NaN' WHEN {q} = {inf} THEN 'Infinity' WHEN {q} = -{inf} THEN "
                f"'-Infinity' WHEN abs({q}) < 1e15 AND {q} = FLOOR({q}) THEN CAST(CAST({q} AS BIGINT) AS STRING) "
                f"ELSE CAST({q} AS STRING) END")
    if logical in _CAST_TO_TEXT or logical.startswith("decimal"):
        return f"CAST({q} AS STRING)"
    raise TransformError(f"{transformer}: column '{column}' in params.{param} is {logical}, which cannot be part of "
                         f"a hash key. Use columns of text, number, boolean, date or timestamp type.")


def key_text(ctx: TransformContext, texts: Iterable[str], separator: str = "|") -> str:
    """The unambiguous joined text of the text expressions ``texts`` (see the module docstring)."""
    parts = []
    sep = lit(ctx, separator)
    for t in texts:
        escaped = f"REPLACE(REPLACE({t}, {lit(ctx, chr(92))}, {lit(ctx, chr(92) * 2)}), {sep}, " \
                  f"{lit(ctx, chr(92) + separator)})"
        parts.append(f"COALESCE({escaped}, {lit(ctx, NULL_TEXT)})")
    if len(parts) == 1:
        return parts[0]
    joined = []
    for i, p in enumerate(parts):
        if i:
            joined.append(sep)
        joined.append(p)
    return f"CONCAT({', '.join(joined)})"


def hash_sql(ctx: TransformContext, text_sql: str, algorithm: str) -> str:
    """Lowercase hex digest of ``text_sql`` (UTF-8) with md5 or sha256."""
    if algorithm == "md5":
        return f"md5({text_sql})"
    if algorithm == "sha256":
        if ctx.engine.sql_dialect in ("spark", "spark2", "databricks"):
            return f"sha2({text_sql}, 256)"
        return f"sha256({text_sql})"
    raise ValueError(f"unknown hash algorithm {algorithm!r}")
