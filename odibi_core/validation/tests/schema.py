"""``schema``: the frame has the expected columns (and, with ``strict``, no others)."""

from __future__ import annotations

from odibi_core.validation.base import (TableCheck, TableFacts, Verdict, register_check, resolve_column,
                                        suggest_column)


@register_check
class SchemaCheck(TableCheck):
    """Names compare case-insensitively, as DuckDB and Spark SQL resolve them."""

    type = "schema"

    @staticmethod
    def default_name(cfg) -> str:
        """Just ``schema``: an expected-columns list is too long for a name."""
        return "schema"

    def evaluate(self, facts: TableFacts) -> Verdict:
        expected = list(self.cfg.columns)
        missing = [c for c in expected if resolve_column(c, facts.columns) is None]
        wanted = {c.lower() for c in expected}
        extra = [c for c in facts.columns if c.lower() not in wanted] if self.cfg.strict else []
        problems = []
        if missing:
            parts = []
            for name in missing:
                close = suggest_column(name, [c for c in facts.columns if c.lower() not in wanted])
                parts.append(name + (f" (did you mean '{close}'?)" if close else ""))
            problems.append(f"missing column{'s' if len(missing) > 1 else ''}: {', '.join(parts)}")
        if extra:
            problems.append(f"unexpected column{'s' if len(extra) > 1 else ''}: {', '.join(extra)}")
        if problems:
            return Verdict(False, "; ".join(problems))
        return Verdict(True, f"all {len(expected)} expected columns present" + (" and no others" if self.cfg.strict
                                                                                  else ""))
