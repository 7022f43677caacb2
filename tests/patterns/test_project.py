"""``merge`` and ``scd2`` in a YAML project run through ``Session``, on pandas and on Spark
(the same YAML; ``--env spark`` switches the engine), twice with a changed snapshot in between;
and bad params refused at load time, naming the node and the param.
"""

from __future__ import annotations

import datetime as dt

import pytest
from deltalake import DeltaTable

from odibi_core.errors import ConfigError
from odibi_core.runner.runner import RunOptions
from odibi_core.session import Session
from tests.helpers import write_project
from tests.patterns.support import spark_skip_reason

SNAP1 = """
item,price,changed_at
Burger,9.5,2024-10-01 00:00:00
Fries,3.0,2024-10-01 00:00:00
Shake,4.0,2024-10-01 00:00:00
"""
SNAP2 = """
item,price,changed_at
Burger,11.0,2024-11-15 00:00:00
Fries,3.0,2024-11-15 00:00:00
Cola,2.0,2024-11-15 00:00:00
"""
GONE = """
item
Fries
"""

NODES = [
    {"name": "menu", "read": {"connection": "src", "format": "csv", "path": "menu.csv"}},
    {"name": "gone", "read": {"connection": "src", "format": "csv", "path": "gone.csv"}},
    {"name": "menu_current", "depends_on": ["menu"], "transformer": "merge",
     "params": {"target": {"connection": "lake", "path": "silver/menu"}, "keys": ["item"],
                "update_condition": "s.price <> t.price", "missing_columns": None}},
    {"name": "menu_history", "depends_on": ["menu"], "transformer": "scd2",
     "params": {"target": {"connection": "lake", "path": "silver/menu_history"}, "keys": ["item"],
                "tracked_columns": ["price"], "effective_time": "changed_at", "close_out_missing": True,
                "open_end": "9999-12-31"},
     "transform": {"steps": [{"sql": "SELECT item, price, valid_from, valid_to FROM df WHERE is_current"}]}},
    {"name": "menu_by_write", "depends_on": ["menu"],
     "write": {"connection": "lake", "format": "delta", "path": "silver/menu_by_write", "mode": "merge",
               "options": {"keys": ["item"], "audit_columns": True}}},
    {"name": "menu_deleted", "depends_on": ["gone", "menu_by_write"], "transformer": "merge",
     "params": {"connection": "lake", "path": "silver/menu_by_write", "keys": ["item"], "strategy": "delete_match"}},
]

ENGINES = ["pandas", pytest.param("spark", marks=pytest.mark.skipif(spark_skip_reason() is not None,
                                                                     reason=spark_skip_reason() or ""))]


@pytest.fixture(params=ENGINES)
def engine_env(request):
    if request.param == "spark":
        request.getfixturevalue("spark")  # the shared session, started once for the whole run
        return "spark"
    return None


def run_project(path, env):
    session = Session(path, env=env)
    try:
        results = session.run(RunOptions(sleep=lambda s: None))
    finally:
        session.close()
    nodes = {n.name: n for r in results for n in r.nodes}
    failed = {n: (r.status, r.error, r.skipped_reason) for n, r in nodes.items() if r.status != "success"}
    assert not failed, failed
    return nodes


def test_merge_and_scd2_in_a_project(tmp_path, engine_env):
    path = write_project(tmp_path, [{"pipeline": "silver", "nodes": NODES}],
                         files={"src/menu.csv": SNAP1, "src/gone.csv": GONE},
                         environments={"spark": {"engine": "spark"}})
    run_project(path, engine_env)
    (tmp_path / "src" / "menu.csv").write_text(SNAP2.lstrip(), encoding="utf-8")
    nodes = run_project(path, engine_env)

    lake = tmp_path / "lake" / "silver"
    current = {r["item"]: r for r in DeltaTable(str(lake / "menu")).to_pyarrow_table().to_pylist()}
    assert {k: r["price"] for k, r in current.items()} == {"Burger": 11.0, "Fries": 3.0, "Shake": 4.0, "Cola": 2.0}
    assert current["Fries"]["updated_at"] == current["Fries"]["created_at"]  # unchanged price: not updated
    assert current["Burger"]["updated_at"] > current["Burger"]["created_at"]
    assert nodes["menu_current"].metrics["merge"]["updated"] == 1
    assert nodes["menu_current"].rows_out == 3  # the frame goes on as it came

    hist = DeltaTable(str(lake / "menu_history")).to_pyarrow_table().to_pylist()
    far = dt.datetime(9999, 12, 31)
    got = sorted((r["item"], r["price"], r["valid_from"].day, r["valid_to"], r["is_current"]) for r in hist)
    assert got == [
        ("Burger", 9.5, 1, dt.datetime(2024, 11, 15), False), ("Burger", 11.0, 15, far, True),
        ("Cola", 2.0, 15, far, True), ("Fries", 3.0, 1, far, True),
        ("Shake", 4.0, 1, dt.datetime(2024, 11, 15), False)]
    assert nodes["menu_history"].rows_out == 3 and nodes["menu_history"].metrics["scd2"]["keys_closed_out"] == 1

    by_write = DeltaTable(str(lake / "menu_by_write")).to_pyarrow_table()  # write mode merge, then delete_match
    assert sorted(by_write.column("item").to_pylist()) == ["Burger", "Cola", "Shake"]
    assert by_write.column_names[-2:] == ["created_at", "updated_at"]
    assert nodes["menu_deleted"].metrics["merge"]["deleted"] == 1


BAD = [
    ({"kyes": ["item"]}, "params.kyes", "unknown key 'kyes' (did you mean 'keys'?)"),
    ({}, "params.keys", "keys"),
    ({"keys": "item"}, "params.keys", "list"),
    ({"keys": ["item"], "strategy": "replace"}, "params.strategy", "upsert"),
    ({"keys": ["item"], "audit_columns": {"created": "c", "updatd": "u"}}, "params.audit_columns.updatd",
     "did you mean 'updated'"),
    ({"keys": ["item"], "strategy": "append_only", "update_condition": "s.a > t.a"}, "params.update_condition",
     "does not apply to strategy 'append_only'"),
]


@pytest.mark.parametrize("change, key, text", BAD)
def test_bad_merge_params_name_the_node_and_the_param(tmp_path, change, key, text):
    params = {"target": {"connection": "lake", "path": "silver/menu"}, **change}
    nodes = [NODES[0], {"name": "menu_current", "depends_on": ["menu"], "transformer": "merge", "params": params}]
    path = write_project(tmp_path, [{"pipeline": "silver", "nodes": nodes}], files={"src/menu.csv": SNAP1})
    with pytest.raises(ConfigError) as info:
        Session(path)
    message = str(info.value)
    assert "node 'menu_current', transformer 'merge'" in message and key in message and text in message, message
    assert "odibi.yaml:" in message  # located in the file


@pytest.mark.parametrize("change, key, text", [
    ({"keys": ["item"]}, "params.effective_time", "effective_time"),
    ({"keys": ["item"], "effective_time": "updated_at", "close_out_missing": "maybe"}, "params.close_out_missing",
     "true or false"),
    ({"keys": ["item"], "effective_time": "updated_at", "open_end": "someday"}, "params.open_end", "date"),
    ({"keys": ["item"], "effective_time": "updated_at", "track_cols": ["price"], "tracked_columns": ["price"]},
     "params.track_cols", "not both"),
])
def test_bad_scd2_params_name_the_node_and_the_param(tmp_path, change, key, text):
    params = {"target": {"connection": "lake", "path": "silver/h"}, **change}
    nodes = [NODES[0], {"name": "menu_history", "depends_on": ["menu"], "transformer": "scd2", "params": params}]
    path = write_project(tmp_path, [{"pipeline": "silver", "nodes": nodes}], files={"src/menu.csv": SNAP1})
    with pytest.raises(ConfigError) as info:
        Session(path)
    message = str(info.value)
    assert "node 'menu_history', transformer 'scd2'" in message and key in message and text in message, message


def test_target_without_connection_is_refused_at_load(tmp_path):
    nodes = [NODES[0], {"name": "m", "depends_on": ["menu"], "transformer": "merge",
                        "params": {"target": "silver.menu", "keys": ["item"]}}]
    path = write_project(tmp_path, [{"pipeline": "silver", "nodes": nodes}], files={"src/menu.csv": SNAP1})
    with pytest.raises(ConfigError, match=r"node 'm', transformer 'merge'.*target 'silver.menu' names a table or a "
                                          r"path without a connection"):
        Session(path)
