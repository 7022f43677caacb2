"""``merge`` (every strategy, conditions, audit columns, schema evolution, write mode merge) and
``scd2`` (close-out, several changes per key in one batch, far-future open end, re-runs) give
the same Delta tables on every engine.

One project, run three times: run 1 creates every table from snapshot 1, run 2 applies
snapshot 2 (changed, new, missing keys, a new column), run 3 re-applies snapshot 2, which
must change nothing. Audit timestamps differ between runs by nature, so the audit node's
table is checked through a SQL node that turns them into facts (set? created <= updated?).
"""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest

from tests.conformance.harness import Conformance, Project, conform
from tests.conformance.reader import Output

D = dt.datetime


def menu(rows, extra=None) -> pa.Table:
    cols = {"restaurant": pa.array([r[0] for r in rows], pa.string()),
            "item": pa.array([r[1] for r in rows], pa.string()),
            "price": pa.array([r[2] for r in rows], pa.float64()),
            "qty": pa.array([r[3] for r in rows], pa.int64()),
            "changed_at": pa.array([r[4] for r in rows], pa.timestamp("us"))}
    if extra:
        cols[extra[0]] = pa.array(extra[1])
    return pa.table(cols)


SNAP1 = menu([("r1", "Burger", 9.5, 10, D(2024, 10, 1)), ("r1", "Fries", 3.0, 20, D(2024, 10, 1)),
              ("r2", "Burger", 10.0, 5, D(2024, 10, 1)), ("r2", "Shake", 4.0, 7, D(2024, 10, 1))])
# r1 Burger changes twice (Nov 1st and Nov 15th), r2 Shake disappears, r1 Cola is new, a 'vegan' column appears
SNAP2 = menu([("r1", "Burger", 10.5, 10, D(2024, 11, 1)), ("r1", "Burger", 11.0, 12, D(2024, 11, 15)),
              ("r1", "Fries", 3.0, 20, D(2024, 11, 15)), ("r2", "Burger", 9.0, 5, D(2024, 11, 15)),
              ("r1", "Cola", 2.0, 50, D(2024, 11, 15))],
             extra=("vegan", [False, False, True, False, True]))
LATEST2 = pa.Table.from_pylist([r for i, r in enumerate(SNAP2.to_pylist()) if i != 0], schema=SNAP2.schema)
GONE = pa.table({"restaurant": ["r1"], "item": ["Fries"]})

KEYS = ["restaurant", "item"]


def target(path: str) -> dict:
    return {"connection": "lake", "path": f"patterns/{path}"}


def merge(name: str, source: str, **params) -> dict:
    return {"name": name, "depends_on": [source], "transformer": "merge",
            "params": {"target": target(name), "keys": KEYS, "audit_columns": False, **params}}


NODES = [
    {"name": "snapshot", "read": {"connection": "src", "format": "parquet", "path": "menu.parquet"}},
    {"name": "latest", "read": {"connection": "src", "format": "parquet", "path": "latest.parquet"}},
    {"name": "gone", "read": {"connection": "src", "format": "parquet", "path": "gone.parquet"}},
    merge("upsert", "latest"),
    merge("upsert_keep", "latest", missing_columns="keep"),
    merge("append_only", "latest", strategy="append_only"),
    merge("conditional", "latest", update_condition="s.price > t.price", insert_condition="s.qty >= 7",
          delete_condition="s.price < 9.5 AND s.qty >= 20"),
    merge("audited", "latest", audit_columns=True),
    {"name": "audit_facts", "depends_on": ["audited"],
     "read": {"connection": "lake", "format": "delta", "path": "patterns/audited"},
     "transform": {"steps": [{"sql": "SELECT restaurant, item, price, created_at IS NOT NULL AS has_created, "
                                     "created_at <= updated_at AS ordered, created_at = updated_at AS untouched "
                                     "FROM df"}]},
     "write": {"connection": "lake", "format": "parquet", "path": "patterns/audit_facts.parquet"}},
    {"name": "to_delete", "depends_on": ["latest"], "transformer": "merge",
     "params": {"target": target("deleted"), "keys": KEYS, "audit_columns": False}},
    {"name": "delete_match", "depends_on": ["gone", "to_delete"], "transformer": "merge",
     "params": {"target": target("deleted"), "keys": KEYS, "strategy": "delete_match"}},
    {"name": "write_merge", "depends_on": ["latest"],
     "write": {"connection": "lake", "format": "delta", "path": "patterns/write_merge", "mode": "merge",
               "merge_schema": True, "options": {"keys": KEYS, "update_condition": "s.qty <> t.qty"}}},
    {"name": "history", "depends_on": ["snapshot"], "transformer": "scd2",
     "params": {"target": target("history"), "keys": KEYS, "tracked_columns": ["price"],
                "effective_time": "changed_at", "close_out_missing": True, "open_end": "9999-12-31"}},
    {"name": "history_all", "depends_on": ["snapshot"], "transformer": "scd2",
     "params": {"target": target("history_all"), "keys": KEYS, "effective_time": "changed_at",
                "valid_from": "from_ts", "valid_to": "to_ts", "is_current": "live"}},
]
TABLES = ["upsert", "upsert_keep", "append_only", "conditional", "deleted", "write_merge", "history", "history_all"]


@pytest.fixture(scope="module")
def patterns(tmp_path_factory):
    outputs = {name: Output("delta", f"lake/patterns/{name}") for name in TABLES}
    outputs["audit_facts"] = Output("parquet", "lake/patterns/audit_facts.parquet")
    second = {"src/menu.parquet": SNAP2, "src/latest.parquet": LATEST2.drop_columns(["changed_at"])}
    project = Project(
        name="patterns_merge_scd2", pipelines=[{"pipeline": "patterns", "nodes": NODES}], outputs=outputs,
        setup={"src/gone.parquet": GONE},
        phases=[{"src/menu.parquet": SNAP1, "src/latest.parquet": SNAP1}, second, second], workers=2)
    return Conformance(project, tmp_path_factory.mktemp("patterns_merge_scd2"))


def by_key(run, name, phase=-1, cols=("price",)):
    return {(r["restaurant"], r["item"]): tuple(r[c] for c in cols) for r in run.rows(name, phase)}


def test_upsert(patterns, engine_name):
    run = conform(patterns, engine_name, "upsert", "upsert_keep")
    assert by_key(run, "upsert", cols=("price", "qty", "changed_at", "vegan")) == {
        ("r1", "Burger"): (11.0, 12, None, False), ("r1", "Fries"): (3.0, 20, None, True),
        ("r2", "Burger"): (9.0, 5, None, False), ("r2", "Shake"): (4.0, 7, D(2024, 10, 1), None),
        ("r1", "Cola"): (2.0, 50, None, True)}
    kept = by_key(run, "upsert_keep", cols=("changed_at",))
    assert kept[("r1", "Burger")] == (D(2024, 10, 1),) and kept[("r1", "Cola")] == (None,)
    assert run.node("upsert", phase=2).metrics["merge"]["updated"] == 4  # a re-run updates again (same values)


def test_append_only_and_conditions(patterns, engine_name):
    run = conform(patterns, engine_name, "append_only", "conditional")
    assert by_key(run, "append_only") == {("r1", "Burger"): (9.5,), ("r1", "Fries"): (3.0,),
                                          ("r2", "Burger"): (10.0,), ("r2", "Shake"): (4.0,), ("r1", "Cola"): (2.0,)}
    # run 1: r2 Burger (qty 5) fails the insert condition. Run 2: r1 Burger 11 > 9.5 updated, Fries deleted
    # (3.0 < 9.5 and qty 20), r2 Burger still not inserted, Cola (qty 50) inserted
    assert by_key(run, "conditional", phase=0) == {("r1", "Burger"): (9.5,), ("r1", "Fries"): (3.0,),
                                                   ("r2", "Shake"): (4.0,)}
    assert by_key(run, "conditional", phase=1) == {("r1", "Burger"): (11.0,), ("r2", "Shake"): (4.0,),
                                                   ("r1", "Cola"): (2.0,)}
    # run 3: a deleted row is a new key again, and passes the insert condition
    assert by_key(run, "conditional")[("r1", "Fries")] == (3.0,)


def test_delete_match_and_write_mode_merge(patterns, engine_name):
    run = conform(patterns, engine_name, "delete_match", "write_merge")
    assert ("r1", "Fries") not in by_key(run, "deleted") and len(by_key(run, "deleted")) == 4
    assert run.node("delete_match", phase=1).metrics["merge"]["deleted"] == 1
    assert by_key(run, "write_merge", cols=("qty", "vegan"))[("r1", "Burger")] == (12, False)
    assert run.node("write_merge", phase=2).rows_written == 4


def test_audit_columns(patterns, engine_name):
    run = conform(patterns, engine_name, "audited", "audit_facts")
    facts = {(r["restaurant"], r["item"]): (r["has_created"], r["ordered"], r["untouched"])
             for r in run.rows("audit_facts", phase=0)}
    assert set(facts.values()) == {(True, True, True)}
    facts = {(r["restaurant"], r["item"]): (r["ordered"], r["untouched"]) for r in run.rows("audit_facts")}
    assert facts[("r2", "Shake")] == (True, True) and facts[("r1", "Burger")] == (True, False)


def test_scd2_history(patterns, engine_name):
    run = conform(patterns, engine_name, "history", "history_all")
    far = D(9999, 12, 31)
    got = sorted((r["restaurant"], r["item"], r["price"], r["valid_from"], r["valid_to"], r["is_current"])
                 for r in run.rows("history"))
    assert got == [
        ("r1", "Burger", 9.5, D(2024, 10, 1), D(2024, 11, 1), False),
        ("r1", "Burger", 10.5, D(2024, 11, 1), D(2024, 11, 15), False),
        ("r1", "Burger", 11.0, D(2024, 11, 15), far, True),
        ("r1", "Cola", 2.0, D(2024, 11, 15), far, True),
        ("r1", "Fries", 3.0, D(2024, 10, 1), far, True),
        ("r2", "Burger", 9.0, D(2024, 11, 15), far, True),
        ("r2", "Burger", 10.0, D(2024, 10, 1), D(2024, 11, 15), False),
        ("r2", "Shake", 4.0, D(2024, 10, 1), D(2024, 11, 15), False)]
    assert run.node("history", phase=2).metrics["scd2"]["committed"] is False  # the re-run
    assert run.node("history_all", phase=2).metrics["scd2"]["committed"] is False
    live = {(r["restaurant"], r["item"]) for r in run.rows("history_all") if r["live"]}
    assert live == {("r1", "Burger"), ("r1", "Fries"), ("r2", "Burger"), ("r2", "Shake"), ("r1", "Cola")}
