"""The assistants: auto-heal of failing SQL and natural-language questions over node outputs.

Offline first: a deterministic healer (``heal/``) and a semantic query parser (``query/``) work
with no LLM; an LLM configured through litellm (``llm/``) is tried when they give up. Whatever
proposes SQL, :mod:`odibi_core.intel.sql_guard` checks it before anything runs, and nothing an
LLM returns is ever run as Python.
"""
