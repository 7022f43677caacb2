"""Shared fixtures. Heavy services (PostgreSQL, HTTP API, later Spark and Streamlit) start once per run."""

import pytest

from odibi_core import secrets

pytest_plugins = [
    "tests.fixtures.postgres",
    "tests.fixtures.http_api",
    "tests.fixtures.spark",
]


@pytest.fixture
def engine(tmp_path):
    """A pandas engine with no connections, for transformer and validation tests."""
    from odibi_core.engines.pandas_engine import PandasEngine

    eng = PandasEngine({}, tmp_path)
    yield eng
    eng.close()


@pytest.fixture(autouse=True)
def _forget_secrets():
    """Each test starts with no registered secrets, so masking tests cannot pass by accident."""
    secrets.clear()
    yield
    secrets.clear()
