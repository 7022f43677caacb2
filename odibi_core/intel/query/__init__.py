"""Natural-language questions over the tables in scope, answered with one checked SELECT.

``semantic`` is the deterministic parser (no LLM): the ``nl_*`` modules hold its vocabulary, its
time windows, its word-to-column matching, the reading of a question and the SQL it renders.
"""
