"""Auto-heal of failing SQL: tell a SQL problem from any other failure (:mod:`.classify`) and
propose fixes without an LLM (:mod:`.deterministic`, built from the ``repair_*`` strategies).
Every proposal is only a candidate: the caller dry-runs it on zero rows before anyone sees it."""
