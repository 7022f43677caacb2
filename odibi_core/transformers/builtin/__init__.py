"""The built-in starter transformers, written once as SQL for every engine.

Importing this package registers them (``registry.load_builtins`` does it on first look-up).
Each module holds one transformer: a params model (the Studio draws its form from the field
descriptions) and a function ``(ctx, params)`` that builds SQL over ``df``.
"""

from odibi_core.transformers.builtin import (  # noqa: F401  (imported for their registration)
    aggregate,
    cast_columns,
    deduplicate,
    derive_columns,
    detect_deletes,
    drop_columns,
    fill_nulls,
    filter_rows,
    generate_surrogate_key,
    geo_zone,
    identity_stitch,
    join,
    merge,
    rename_columns,
    scd2,
    select_columns,
    sessionize,
    union,
    window_calculation,
)
