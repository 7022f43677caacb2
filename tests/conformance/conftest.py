"""The ``engine_name`` fixture: every conformance test runs once per engine."""

from __future__ import annotations

import pytest

from tests.conformance.harness import ENGINES, SPARK_FIXTURES


@pytest.fixture(params=ENGINES)
def engine_name(request) -> str:
    """The engine under test; for Spark, the shared session fixture is started first so the
    engine finds (and reuses) the active SparkSession instead of building its own."""
    if request.param == "spark":
        for name in SPARK_FIXTURES:
            try:
                request.getfixturevalue(name)
                break
            except pytest.FixtureLookupError:
                continue
    return request.param
