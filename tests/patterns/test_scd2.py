"""The ``scd2`` transformer on the pandas engine, case by case, with the expected history
written out by hand; and "value as of time T" (SQL pattern and the ``as_of`` helper).

Real Delta tables under tmp_path, read back with deltalake; no mocks.
"""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest

from odibi_core.config.models import ReadConfig
from odibi_core.errors import OdibiError
from odibi_core.transformers.patterns import as_of, as_of_condition
from tests.patterns.support import pandas_engine, rows, run, table, version


def d(month: int, day: int = 1) -> dt.datetime:
    return dt.datetime(2024, month, day)


def menu(*items) -> pa.Table:
    """(item, price, updated_at) rows."""
    return pa.table({"item": [i[0] for i in items], "price": [i[1] for i in items],
                     "updated_at": pa.array([i[2] for i in items], pa.timestamp("us"))})


P = {"target": {"connection": "lake", "path": "menu_history"}, "keys": ["item"], "effective_time": "updated_at"}


@pytest.fixture
def eng(tmp_path):
    engine = pandas_engine(tmp_path)
    yield engine
    engine.close()


@pytest.fixture
def path(tmp_path):
    return tmp_path / "lake" / "menu_history"


def history(path) -> list[tuple]:
    return [(r["item"], r["price"], r["valid_from"], r["valid_to"], r["is_current"])
            for r in rows(table(path), "item", "valid_from")]


def test_first_run_opens_one_version_per_key(eng, path):
    out, metrics = run(eng, "scd2", menu(("burger", 9.5, d(10)), ("fries", 3.0, d(10))), P)
    assert history(path) == [("burger", 9.5, d(10), None, True), ("fries", 3.0, d(10), None, True)]
    assert table(path).column_names == ["item", "price", "valid_from", "valid_to", "is_current"]
    assert metrics["scd2"] == {"source_rows": 2, "versions_added": 2, "versions_closed": 0, "keys_closed_out": 0,
                               "new_keys": 2, "version": 0, "committed": True, "created": True}
    assert len(out) == 2  # the transformer returns the whole history


def test_unchanged_changed_new_and_missing_keys(eng, path):
    run(eng, "scd2", menu(("burger", 9.5, d(10)), ("fries", 3.0, d(10)), ("shake", 4.0, d(10))), P)
    # burger unchanged (a newer snapshot time is not a change), fries changed, cola new, shake missing
    _, metrics = run(eng, "scd2", menu(("burger", 9.5, d(11)), ("fries", 3.5, d(11)), ("cola", 2.0, d(11))), P)
    assert history(path) == [
        ("burger", 9.5, d(10), None, True),
        ("cola", 2.0, d(11), None, True),
        ("fries", 3.0, d(10), d(11), False),
        ("fries", 3.5, d(11), None, True),
        ("shake", 4.0, d(10), None, True),  # close_out_missing is off: a missing key stays current
    ]
    assert (metrics["scd2"]["versions_added"], metrics["scd2"]["versions_closed"], metrics["scd2"]["new_keys"]) == \
        (2, 1, 1)


def test_close_out_missing_keys_and_reopen(eng, path):
    p = {**P, "close_out_missing": True}
    run(eng, "scd2", menu(("burger", 9.5, d(10)), ("shake", 4.0, d(10))), p)
    _, metrics = run(eng, "scd2", menu(("burger", 9.5, d(11))), p)
    assert metrics["scd2"]["keys_closed_out"] == 1
    assert history(path) == [("burger", 9.5, d(10), None, True), ("shake", 4.0, d(10), d(11), False)]
    run(eng, "scd2", menu(("burger", 9.5, d(12)), ("shake", 4.5, d(12))), p)  # shake is back, at a new price
    assert history(path)[1:] == [("shake", 4.0, d(10), d(11), False), ("shake", 4.5, d(12), None, True)]


def test_several_changes_of_one_key_in_one_batch_in_time_order(eng, path):
    run(eng, "scd2", menu(("burger", 9.5, d(1))), P)
    # out of order on purpose; the repeated 11.0 on 4/1 is not a change; back to 9.5 on 5/1 is
    batch = menu(("burger", 11.0, d(3)), ("burger", 10.0, d(2)), ("burger", 9.5, d(5)), ("burger", 11.0, d(4)))
    run(eng, "scd2", batch, P)
    assert history(path) == [
        ("burger", 9.5, d(1), d(2), False),
        ("burger", 10.0, d(2), d(3), False),
        ("burger", 11.0, d(3), d(5), False),
        ("burger", 9.5, d(5), None, True),
    ]


def test_rerunning_a_snapshot_commits_nothing(eng, path):
    snapshots = [menu(("burger", 9.5, d(10)), ("fries", 3.0, d(10))),
                 menu(("burger", 11.0, d(11)), ("fries", 3.0, d(10)))]
    p = {**P, "close_out_missing": True}
    for snap in snapshots:
        run(eng, "scd2", snap, p)
    v, before = version(path), history(path)
    for snap in snapshots[::-1] + snapshots:  # the latest again, and older ones: all already history
        _, metrics = run(eng, "scd2", snap, p)
        assert metrics["scd2"]["committed"] is False
    assert version(path) == v and history(path) == before


def test_late_rows_are_not_back_dated(eng, path):
    run(eng, "scd2", menu(("burger", 9.5, d(10))), P)
    run(eng, "scd2", menu(("burger", 11.0, d(12))), P)
    _, metrics = run(eng, "scd2", menu(("burger", 99.0, d(11))), P)  # older than the current version
    assert metrics["scd2"]["committed"] is False
    assert [h[1] for h in history(path)] == [9.5, 11.0]


def test_untracked_columns_and_nulls_in_tracked_columns(eng, path):
    p = {**P, "tracked_columns": ["price"]}
    first = pa.table({"item": ["burger", "fries"], "price": [9.5, None], "note": ["a", "b"],
                      "updated_at": [d(10), d(10)]})
    run(eng, "scd2", first, p)
    second = pa.table({"item": ["burger", "fries"], "price": [9.5, None], "note": ["changed", "b"],
                       "updated_at": [d(11), d(11)]})
    _, metrics = run(eng, "scd2", second, p)  # a note change is not tracked; NULL equals NULL
    assert metrics["scd2"]["committed"] is False
    third = second.set_column(1, "price", pa.array([9.5, 3.0]))
    run(eng, "scd2", third, p)
    got = rows(table(path), "item", "valid_from")
    assert [(r["item"], r["price"], r["note"], r["is_current"]) for r in got] == [
        ("burger", 9.5, "a", True), ("fries", None, "b", False), ("fries", 3.0, "b", True)]


def test_far_future_open_end_date_effective_time_and_composite_keys(eng, path):
    p = {"target": {"connection": "lake", "path": "menu_history"}, "keys": ["restaurant", "item"],
         "effective_time": "day", "open_end": "9999-12-31", "valid_from": "from_day", "valid_to": "to_day",
         "is_current": "current"}
    data = pa.table({"restaurant": ["r1", "r2"], "item": ["burger", "burger"], "price": [9.5, 10.0],
                     "day": [dt.date(2024, 10, 1), dt.date(2024, 10, 1)]})
    run(eng, "scd2", data, p)
    change = data.set_column(2, "price", pa.array([9.5, 12.0])).set_column(
        3, "day", pa.array([dt.date(2024, 11, 15)] * 2))
    run(eng, "scd2", change, p)
    got = table(path)
    assert got.schema.field("to_day").type == pa.date32() and got.schema.field("from_day").type == pa.date32()
    assert [(r["restaurant"], r["price"], r["from_day"], r["to_day"], r["current"])
            for r in rows(got, "restaurant", "from_day")] == [
        ("r1", 9.5, dt.date(2024, 10, 1), dt.date(9999, 12, 31), True),
        ("r2", 10.0, dt.date(2024, 10, 1), dt.date(2024, 11, 15), False),
        ("r2", 12.0, dt.date(2024, 11, 15), dt.date(9999, 12, 31), True)]


def test_odibi_param_names(eng, path):
    odibi = {"connection": "lake", "path": "menu_history", "keys": ["item"], "track_cols": ["price"],
             "effective_time_col": "updated_at", "end_time_col": "ends", "current_flag_col": "live"}
    run(eng, "scd2", menu(("burger", 9.5, d(10))), odibi)
    assert table(path).column_names == ["item", "price", "valid_from", "ends", "live"]


@pytest.mark.parametrize("data, message", [
    (menu(("burger", 9.5, d(10)), (None, 1.0, d(10))), r"1 row\(s\) have a NULL in the key column\(s\) item"),
    (menu(("burger", 9.5, None)), r"NULL effective time \('updated_at'\)"),
    (menu(("burger", 9.5, d(10)), ("burger", 9.0, d(10))), "2 different versions of one key at the same effective"),
    (pa.table({"item": ["a"], "price": [1.0], "updated_at": [d(1)], "is_current": [True]}),
     "already has a column 'is_current'.*params.is_current"),
])
def test_bad_snapshots_are_refused_before_anything_is_written(eng, path, data, message):
    with pytest.raises(OdibiError, match=message):
        run(eng, "scd2", data, P)
    assert not path.exists()


def test_identical_duplicate_rows_are_one_version(eng, path):
    run(eng, "scd2", menu(("burger", 9.5, d(10)), ("burger", 9.5, d(10))), P)
    assert history(path) == [("burger", 9.5, d(10), None, True)]


def test_unknown_column_names_the_param(eng):
    with pytest.raises(OdibiError, match=r"column 'updatd_at' \(did you mean 'updated_at'\?\) in "
                                         r"params.effective_time"):
        run(eng, "scd2", menu(("burger", 9.5, d(10))), {**P, "effective_time": "updatd_at"})


# --- value as of time T --------------------------------------------------------------------------
def burger_history(eng, path):
    """OdibiEats menu: the Burger costs 9.50 from Oct 1st, 11.00 from Nov 15th."""
    run(eng, "scd2", menu(("Burger", 9.5, d(10, 1)), ("Fries", 3.0, d(10, 1))), P)
    run(eng, "scd2", menu(("Burger", 11.0, d(11, 15)), ("Fries", 3.0, d(11, 15))), P)
    return table(path)


def test_price_of_a_burger_on_nov_1st_vs_current_price(eng, path):
    hist = burger_history(eng, path)
    on_nov_1 = as_of(hist, "2024-11-01")
    assert {r["item"]: r["price"] for r in on_nov_1.to_pylist()} == {"Burger": 9.5, "Fries": 3.0}
    assert {r["item"]: r["price"] for r in as_of(hist, dt.datetime.now()).to_pylist()} == {"Burger": 11.0, "Fries": 3.0}
    assert {r["item"]: r["price"] for r in as_of(hist, d(11, 15)).to_pylist()}["Burger"] == 11.0  # from included
    assert as_of(hist, d(9, 30)).num_rows == 0  # nothing on the menu yet
    # the same question on a pandas frame and on the table's path
    frame = as_of(eng.from_arrow(hist), "2024-11-01T12:00:00")
    assert dict(zip(frame["item"], frame["price"])) == {"Burger": 9.5, "Fries": 3.0}
    assert as_of(path, "2024-11-01").num_rows == 2


def test_the_documented_sql_pattern(eng, path):
    burger_history(eng, path)
    hist = eng.read(ReadConfig(connection="lake", format="delta", path="menu_history"))
    cond = as_of_condition("TIMESTAMP '2024-11-01 00:00:00'")
    assert cond == ('"valid_from" <= TIMESTAMP \'2024-11-01 00:00:00\' AND ("valid_to" IS NULL OR '
                    '"valid_to" > TIMESTAMP \'2024-11-01 00:00:00\')')
    nov_1 = eng.sql(f"SELECT price FROM menu_history WHERE item = 'Burger' AND {cond}", {"menu_history": hist})
    current = eng.sql("SELECT price FROM menu_history WHERE item = 'Burger' AND is_current", {"menu_history": hist})
    assert list(nov_1["price"]) == [9.5] and list(current["price"]) == [11.0]
    assert as_of_condition("x", quote="`", valid_to="to") == "`valid_from` <= x AND (`to` IS NULL OR `to` > x)"


def test_a_target_that_is_not_a_history_is_refused(eng, path):
    run(eng, "merge", menu(("burger", 9.5, d(10))), {"target": P["target"], "keys": ["item"], "audit_columns": False})
    with pytest.raises(OdibiError, match=r"lacks column\(s\) \['valid_from', 'valid_to', 'is_current'\].*not an "
                                         r"SCD2 history"):
        run(eng, "scd2", menu(("burger", 11.0, d(11))), P)
    assert version(path) == 0
