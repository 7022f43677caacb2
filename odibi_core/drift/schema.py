"""Schema drift: which columns were added, removed or retyped between two output schemas.

Column order is deliberately ignored: a reordered output breaks nobody who selects by name,
and reporting it would drown the changes that do break consumers. Names are compared exactly
(a renamed column shows as one removed and one added), types as the strings the engine gave.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Iterable, Literal

ChangeKind = Literal["added", "removed", "retyped"]
FailOn = Literal["none", "removed", "any"]


@dataclass
class SchemaChange:
    change: ChangeKind
    column: str
    old_type: str | None = None
    new_type: str | None = None

    def describe(self) -> str:
        if self.change == "added":
            return f"+{self.column} ({self.new_type})"
        if self.change == "removed":
            return f"-{self.column} ({self.old_type})"
        return f"~{self.column} ({self.old_type} -> {self.new_type})"


@dataclass
class SchemaDrift:
    """The current schema against one reference (the previous successful run, or the pinned baseline)."""

    against: Literal["previous", "baseline"]
    reference_run_id: str | None
    changes: list[SchemaChange] = field(default_factory=list)

    @property
    def drifted(self) -> bool:
        return bool(self.changes)

    def of(self, kind: ChangeKind) -> list[SchemaChange]:
        return [c for c in self.changes if c.change == kind]

    def breaks(self, fail_on: FailOn) -> bool:
        """Whether these changes match ``fail_on``: ``removed`` counts removed and retyped columns
        (both break a consumer that reads the column), ``any`` counts every change."""
        if fail_on == "any":
            return self.drifted
        if fail_on == "removed":
            return bool(self.of("removed") or self.of("retyped"))
        return False

    def summary(self) -> str:
        if not self.changes:
            return "unchanged"
        parts = []
        for kind in ("added", "removed", "retyped"):
            cols = self.of(kind)  # type: ignore[arg-type]
            if cols:
                parts.append(f"{len(cols)} {kind} ({', '.join(c.describe() for c in cols)})")
        return "; ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return {"against": self.against, "reference_run_id": self.reference_run_id, "drifted": self.drifted,
                "changes": [asdict(c) for c in self.changes], "summary": self.summary()}


def _types(columns: Iterable[dict[str, Any]]) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for col in columns or []:
        name = col.get("name")
        if name is not None:
            out[str(name)] = None if col.get("type") is None else str(col.get("type"))
    return out


def diff_schemas(before: Iterable[dict[str, Any]], after: Iterable[dict[str, Any]]) -> list[SchemaChange]:
    """Changes from ``before`` to ``after`` (lists of ``{"name", "type"}``), in the new schema's column
    order for added/retyped ones, then removed ones in the old order."""
    old, new = _types(before), _types(after)
    changes: list[SchemaChange] = []
    for name, typ in new.items():
        if name not in old:
            changes.append(SchemaChange("added", name, None, typ))
        elif old[name] != typ:
            changes.append(SchemaChange("retyped", name, old[name], typ))
    changes += [SchemaChange("removed", name, typ, None) for name, typ in old.items() if name not in new]
    return changes


def compare(current: Iterable[dict[str, Any]], reference: dict[str, Any] | None,
            against: Literal["previous", "baseline"]) -> SchemaDrift | None:
    """``current`` against a snapshot/baseline dict (``columns``, ``run_id``); ``None`` without one."""
    if reference is None:
        return None
    return SchemaDrift(against, reference.get("run_id"), diff_schemas(reference.get("columns") or [], current))
