"""``generate_surrogate_key``: a hash of key columns, the same hex string on every engine."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from odibi_core.config.models.base import StrictModel
from odibi_core.transformers.builtin._common import TransformError, resolve_columns, select_list
from odibi_core.transformers.builtin._hashing import hash_sql, key_text, value_text
from odibi_core.transformers.context import TransformContext
from odibi_core.transformers.registry import transform


class SurrogateKeyParams(StrictModel):
    columns: list[str] = Field(min_length=1, description="columns whose values make the key, in this order")
    output: str = Field(default="surrogate_key", min_length=1, description="name of the new key column")
    algorithm: Literal["md5", "sha256"] = Field(
        default="md5", description="md5 (32 hex digits) or sha256 (64 hex digits); lowercase hex on every engine")
    separator: str = Field(default="|", description="one character put between the values before hashing; a "
                                                    "separator inside a value is escaped, so (a, bc) and (ab, c) "
                                                    "never collide")

    @field_validator("separator")
    @classmethod
    def _one_char(cls, v: str) -> str:
        if len(v) != 1 or v == "\\":
            raise ValueError("separator must be exactly one character other than a backslash")
        return v


@transform(name="generate_surrogate_key", params=SurrogateKeyParams, builtin=True)
def generate_surrogate_key(ctx: TransformContext, params: SurrogateKeyParams):
    """Add ``output``: the md5 or sha256 hex digest of ``columns``, identical on DuckDB and Spark.

    The hashed text is the values joined by ``separator`` with ``\\`` and the separator escaped
    inside values, and NULL written ``\\N`` (a placeholder no real value can produce). So
    ``(a, bc)``, ``(ab, c)``, ``(NULL, x)`` and the text ``\\N`` all get different keys.
    Timestamps enter as microseconds since 1970-01-01 UTC; see ``_hashing`` for every type.
    The output column replaces an input column of the same name.

    ```yaml
    transformer: generate_surrogate_key
    params:
      columns: [order_id, line_no]
      output: order_line_sk
      algorithm: sha256
    ```
    """
    schema = ctx.engine.schema(ctx.df)
    types = {c.name: c.type for c in schema}
    cols = resolve_columns(ctx, params.columns, transformer="generate_surrogate_key", param="columns",
                           available=list(types))
    if len(set(cols)) != len(cols):
        raise TransformError(f"generate_surrogate_key: params.columns lists a column twice ({', '.join(cols)}); "
                             f"name each column once.")
    texts = [value_text(ctx, c, types[c], transformer="generate_surrogate_key", param="columns") for c in cols]
    key = hash_sql(ctx, key_text(ctx, texts, params.separator), params.algorithm)
    keep = [c for c in types if c.lower() != params.output.lower()]
    return ctx.sql(f"SELECT {select_list(ctx, keep)}, {key} AS {ctx.q(params.output)} FROM df")
