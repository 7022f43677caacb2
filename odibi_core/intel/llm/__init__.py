"""The optional LLM path (litellm): a client that masks what it sends, prompts that keep data as
data, and extraction of the SQL from free text. Importing this package never imports litellm."""

from odibi_core.intel.llm.client import LLMClient, LLMUnavailable, client_for
from odibi_core.intel.llm.extract import extract_note, extract_refusal, extract_sql
from odibi_core.intel.llm.prompts import heal_messages, query_messages

__all__ = ["LLMClient", "LLMUnavailable", "client_for", "extract_note", "extract_refusal", "extract_sql",
           "heal_messages", "query_messages"]
