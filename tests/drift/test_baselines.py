"""Pinned schema baselines in the run catalog."""

from __future__ import annotations

import pytest

from odibi_core.catalog import RunCatalog
from odibi_core.catalog.baselines import TABLE, Baselines
from odibi_core.errors import OdibiError
from tests.drift.history import COLS, record


@pytest.fixture
def catalog(tmp_path):
    cat = RunCatalog(tmp_path / "sys")
    yield cat
    cat.close()


def test_reading_never_creates_the_table(catalog):
    store = Baselines(catalog)
    assert store.get("orders") is None and store.list() == [] and store.unpin("orders") is False
    assert not catalog._query("SELECT name FROM sqlite_master WHERE name=?", (TABLE,))


def test_pin_latest_or_a_given_run_then_unpin(catalog, tmp_path):
    record(catalog, 1, schema=COLS[:2])
    record(catalog, 2, schema=COLS)
    record(catalog, 3, status="failed")
    store = Baselines(catalog)

    latest = store.pin("orders", pipeline="p")
    assert latest["run_id"] == "run002" and latest["columns"] == COLS and latest["pipeline"] == "p"
    assert latest["pinned_at"].endswith("+00:00")

    older = store.pin("orders", "run001", note="before the total column")
    assert older["run_id"] == "run001" and older["columns"] == COLS[:2] and older["note"] == "before the total column"
    assert [b["node"] for b in store.list()] == ["orders"]  # re-pinning replaces

    other = RunCatalog(tmp_path / "sys")  # another process opening the same catalog sees it
    try:
        assert Baselines(other).get("orders")["run_id"] == "run001"
    finally:
        other.close()

    assert store.unpin("orders") is True
    assert store.get("orders") is None and store.unpin("orders") is False


def test_pin_errors_say_why(catalog):
    record(catalog, 1)
    record(catalog, 2, status="failed")
    store = Baselines(catalog)
    with pytest.raises(OdibiError, match="node 'orders' failed in run 'run002', so no schema was recorded"):
        store.pin("orders", "run002")
    with pytest.raises(OdibiError, match="no run with id 'nope'"):
        store.pin("orders", "nope")
    with pytest.raises(OdibiError, match="run 'run001' \\(p\\) did not include node 'customers'"):
        store.pin("customers", "run001")
    with pytest.raises(OdibiError, match="node 'customers' has no successful run"):
        store.pin("customers")
    assert store.list() == []
