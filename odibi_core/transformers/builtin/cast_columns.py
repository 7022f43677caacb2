"""``cast_columns``: change column types with friendly type names."""

from __future__ import annotations

import re

from pydantic import Field, field_validator

from odibi_core.config.models.base import StrictModel, suggest
from odibi_core.transformers.builtin._common import resolve_columns
from odibi_core.transformers.context import TransformContext
from odibi_core.transformers.registry import transform

# friendly name -> SQL type name that DuckDB and Spark SQL both accept with the same meaning
SQL_TYPES = {
    "string": "STRING", "str": "STRING", "text": "STRING", "varchar": "STRING",
    "int": "INT", "integer": "INT", "smallint": "SMALLINT", "tinyint": "TINYINT",
    "bigint": "BIGINT", "long": "BIGINT",
    "double": "DOUBLE", "float": "FLOAT",
    "boolean": "BOOLEAN", "bool": "BOOLEAN",
    "date": "DATE", "timestamp": "TIMESTAMP", "datetime": "TIMESTAMP",
}
_DECIMAL = re.compile(r"^decimal\s*\(\s*(\d+)\s*,\s*(\d+)\s*\)$")


def sql_type(friendly: str) -> str:
    """The SQL type for a friendly name; ValueError with a suggestion when it is unknown."""
    name = friendly.strip().lower()
    if name in SQL_TYPES:
        return SQL_TYPES[name]
    m = _DECIMAL.match(name)
    if m:
        precision, scale = int(m.group(1)), int(m.group(2))
        if not 1 <= precision <= 38 or scale > precision:
            raise ValueError(f"'{friendly}': decimal precision must be 1..38 and scale at most the precision")
        return f"DECIMAL({precision},{scale})"
    if name == "decimal":
        raise ValueError("'decimal' needs a precision and scale, e.g. decimal(18,2) "
                         "(engines disagree on the default)")
    close = suggest(name, [*SQL_TYPES, "decimal(p,s)"])
    hint = f"did you mean '{close}'?" if close else "known: " + ", ".join([*SQL_TYPES, "decimal(p,s)"])
    raise ValueError(f"unknown type '{friendly}' ({hint})")


class CastColumnsParams(StrictModel):
    columns: dict[str, str] = Field(min_length=1, description="column -> type: string, int, bigint, double, float, "
                                                               "boolean, date, timestamp or decimal(p,s)")
    try_cast: bool = Field(default=False, description="turn values that do not convert into NULL instead of "
                                                      "failing the node")

    @field_validator("columns")
    @classmethod
    def _known_types(cls, value: dict[str, str]) -> dict[str, str]:
        for column, friendly in value.items():
            try:
                sql_type(friendly)
            except ValueError as exc:
                raise ValueError(f"column '{column}': {exc}") from None
        return value


@transform(name="cast_columns", params=CastColumnsParams, builtin=True)
def cast_columns(ctx: TransformContext, params: CastColumnsParams):
    """Cast the named columns in place; other columns and the column order are unchanged.

    Types are checked when the config is read; columns when the node runs. A value that does
    not convert fails the node, unless ``try_cast: true`` turns it into NULL.

    ```yaml
    transformer: cast_columns
    params:
      columns:
        order_id: bigint
        amount: decimal(18,2)
        ordered_at: timestamp
    ```
    """
    columns = ctx.columns()
    actual = resolve_columns(ctx, params.columns, transformer="cast_columns", param="columns", available=columns)
    targets = {a: sql_type(t) for a, t in zip(actual, params.columns.values())}
    fn = "TRY_CAST" if params.try_cast else "CAST"
    items = [f"{fn}({ctx.q(c)} AS {targets[c]}) AS {ctx.q(c)}" if c in targets else ctx.q(c) for c in columns]
    return ctx.sql(f"SELECT {', '.join(items)} FROM df")
