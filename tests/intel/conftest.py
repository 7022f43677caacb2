"""Fixtures of the intel tests: the fake OpenAI-compatible server and an LLM config pointing at it.

Other test packages can reuse the server with
``from tests.intel.fake_llm import llm_server, llm_server_session  # noqa: F401``.
"""

import pytest

from odibi_core.config.models.intel import LLMConfig
from tests.intel.fake_llm import (  # noqa: F401 - fixtures
    FAKE_MODEL,
    TEST_API_KEY,
    llm_server,
    llm_server_session,
)


@pytest.fixture
def llm_config(llm_server) -> LLMConfig:  # noqa: F811 - the fixture imported above
    """A config for the fake server, as a project's ``llm:`` block would give it."""
    return LLMConfig(model=f"openai/{FAKE_MODEL}", api_base=llm_server.base_url, api_key=TEST_API_KEY, timeout=10)

