"""One module per validation test type; importing this package registers them all."""

from odibi_core.validation.tests import (  # noqa: F401  (imported for their registration)
    accepted_values,
    custom_sql,
    freshness,
    not_null,
    range,
    regex_match,
    row_count,
    schema,
    unique,
    volume_drop,
)
