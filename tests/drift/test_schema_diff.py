"""Schema diffs: added, removed and retyped columns, order ignored, and what fail_on counts."""

from __future__ import annotations

from odibi_core.drift.schema import SchemaChange, compare, diff_schemas


def cols(*pairs):
    return [{"name": n, "type": t} for n, t in pairs]


OLD = cols(("id", "int64"), ("name", "string"), ("amount", "double"), ("legacy", "string"))


def test_added_removed_retyped():
    new = cols(("id", "int64"), ("name", "string"), ("amount", "string"), ("country", "string"))
    changes = diff_schemas(OLD, new)
    assert changes == [
        SchemaChange("retyped", "amount", "double", "string"),
        SchemaChange("added", "country", None, "string"),
        SchemaChange("removed", "legacy", "string", None),
    ]


def test_reordering_is_not_drift_and_renames_are_remove_plus_add():
    assert diff_schemas(OLD, list(reversed(OLD))) == []
    renamed = cols(("id", "int64"), ("full_name", "string"), ("amount", "double"), ("legacy", "string"))
    assert [(c.change, c.column) for c in diff_schemas(OLD, renamed)] == [("added", "full_name"), ("removed", "name")]


def test_compare_and_fail_on_levels():
    assert compare(OLD, None, "previous") is None
    same = compare(OLD, {"run_id": "r1", "columns": OLD}, "previous")
    assert not same.drifted and same.summary() == "unchanged" and not same.breaks("any")

    added = compare(OLD + cols(("extra", "int64")), {"run_id": "r1", "columns": OLD}, "baseline")
    assert added.drifted and added.against == "baseline" and added.reference_run_id == "r1"
    assert added.breaks("any") and not added.breaks("removed") and not added.breaks("none")

    retyped = compare(cols(("id", "string"), *[(c["name"], c["type"]) for c in OLD[1:]]),
                      {"run_id": "r1", "columns": OLD}, "previous")
    assert [c.change for c in retyped.changes] == ["retyped"]
    assert retyped.breaks("removed") and retyped.breaks("any")  # a retyped column breaks readers too
    assert "~id (int64 -> string)" in retyped.summary()


def test_to_dict_is_plain():
    import json

    d = compare(OLD[:2], {"run_id": "r1", "columns": OLD}, "previous").to_dict()
    assert json.loads(json.dumps(d))["changes"][0] == {"change": "removed", "column": "amount",
                                                       "old_type": "double", "new_type": None}
