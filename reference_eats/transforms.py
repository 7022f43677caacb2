"""OdibiEats' two project functions, for what YAML and portable SQL cannot say.

* ``seconds_between``: DuckDB and Spark SQL share no spelling for "seconds between two
  timestamps" (DuckDB has ``epoch_us``, Spark ``timestampdiff``, neither has the other's), and
  the project must run unchanged on both engines; the function writes the expression for the
  engine it runs on.
* ``api_corrupt_record``: the API's malformed-record column exists only on pages that hold one,
  so no SQL step can name it safely.

Everything else stays in YAML and portable SQL.
"""

from odibi_core import transform


@transform
def seconds_between(ctx, start: str, end: str, output: str):
    """Add ``output``: ``end - start`` in seconds (a double, microsecond-exact; NULL if either is NULL)."""
    a, b = ctx.q(start), ctx.q(end)
    if ctx.engine.sql_dialect == "duckdb":
        diff = f"CAST(epoch_us({b}) - epoch_us({a}) AS DOUBLE) / 1000000.0"
    else:
        diff = f"CAST(timestampdiff(MICROSECOND, {a}, {b}) AS DOUBLE) / 1000000.0"
    return ctx.sql(f"SELECT *, {diff} AS {ctx.q(output)} FROM df")


@transform
def api_corrupt_record(ctx, raw_column: str = "raw_line"):
    """Add ``_corrupt_record`` (the text of a malformed record, else NULL) from the API's ``raw_column``.

    datagen's API serves a line that is not JSON as ``{"raw_line": ..., "parse_error": ...}``; a
    page without such a line has no ``raw_line`` column at all, so a plain SQL step could not
    name it. This is the same column the file read makes with ``on_bad_lines: keep``.
    """
    raw = f"CAST({ctx.q(raw_column)} AS STRING)" if raw_column in ctx.columns() else "CAST(NULL AS STRING)"
    return ctx.sql(f"SELECT *, {raw} AS {ctx.q('_corrupt_record')} FROM df")
