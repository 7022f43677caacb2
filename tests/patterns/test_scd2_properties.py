"""SCD2 invariants over random sequences of snapshots (keys appearing, changing, disappearing,
coming back; NULL values), applied one after another through the pandas engine:

* per key, the versions' intervals [valid_from, valid_to) never overlap;
* ``is_current`` exactly on the open-ended version, at most one per key: exactly one for a key
  the last snapshot has, none for a key closed out;
* the history reproduces every snapshot: ``as_of(history, t_i)`` is snapshot i;
* re-running the last snapshot commits nothing;
* without close-out, one batch holding every snapshot gives the same history as the snapshots
  one by one (several changes of a key in one batch are applied in time order).
"""

from __future__ import annotations

import datetime as dt
import itertools
import shutil
import tempfile
from pathlib import Path

import pyarrow as pa
from deltalake import DeltaTable
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from odibi_core.transformers.patterns import as_of
from tests.patterns.support import pandas_engine, run

prices = st.one_of(st.none(), st.integers(1, 3))
snapshot = st.dictionaries(st.integers(0, 4), prices, min_size=1, max_size=5)
_counter = itertools.count()


def t(i: int) -> dt.datetime:
    return dt.datetime(2024, 1, 1) + dt.timedelta(days=i)


def batch(snap: dict, when: dict) -> pa.Table:
    keys = sorted(snap)
    return pa.table({"key": pa.array(keys, pa.int64()), "price": pa.array([snap[k] for k in keys], pa.int64()),
                     "ts": pa.array([when[k] for k in keys], pa.timestamp("us"))})


def history(path: Path) -> pa.Table:
    return DeltaTable(str(path)).to_pyarrow_table()


def check_intervals(hist: pa.Table, current_keys: set[int] | None) -> None:
    by_key: dict[int, list[dict]] = {}
    for r in hist.to_pylist():
        by_key.setdefault(r["key"], []).append(r)
    for key, versions in by_key.items():
        versions.sort(key=lambda r: r["valid_from"])
        for a, b in zip(versions, versions[1:]):
            assert a["valid_to"] is not None and a["valid_to"] <= b["valid_from"], (key, versions)
        for v in versions:
            assert v["is_current"] == (v["valid_to"] is None), (key, versions)
            assert v["valid_to"] is None or v["valid_from"] < v["valid_to"], (key, versions)
        current = sum(v["is_current"] for v in versions)
        if current_keys is None:
            assert current == 1, (key, versions)
        else:
            assert current == (1 if key in current_keys else 0), (key, versions)


def at(hist: pa.Table, when: dt.datetime) -> dict:
    rows = as_of(hist, when).to_pylist()
    assert len({r["key"] for r in rows}) == len(rows)  # one version per key at any time
    return {r["key"]: r["price"] for r in rows}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(snaps=st.lists(snapshot, min_size=1, max_size=4))
def test_full_snapshots_with_close_out(snaps):
    """Effective time = the snapshot's time (the same on every row), missing keys closed out."""
    root = Path(tempfile.mkdtemp(prefix=f"scd2-prop-{next(_counter)}-"))
    engine = pandas_engine(root)
    params = {"target": {"connection": "lake", "path": "h"}, "keys": ["key"], "effective_time": "ts",
              "close_out_missing": True}
    try:
        for i, snap in enumerate(snaps):
            run(engine, "scd2", batch(snap, {k: t(i) for k in snap}), params)
        path = root / "lake" / "h"
        hist = history(path)
        check_intervals(hist, set(snaps[-1]))
        for i, snap in enumerate(snaps):
            assert at(hist, t(i)) == snap, i
            assert at(hist, t(i) + dt.timedelta(hours=12)) == snap, i
        v = DeltaTable(str(path)).version()
        _, metrics = run(engine, "scd2", batch(snaps[-1], {k: t(len(snaps) - 1) for k in snaps[-1]}), params)
        assert metrics["scd2"]["committed"] is False and DeltaTable(str(path)).version() == v
    finally:
        engine.close()
        shutil.rmtree(root, ignore_errors=True)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(snaps=st.lists(snapshot, min_size=1, max_size=4))
def test_change_times_one_batch_equals_snapshot_by_snapshot(snaps):
    """Effective time = when the row last changed (unchanged rows keep their old time), no
    close-out: a key keeps its last value when it is missing. All snapshots in ONE batch give
    the same history as the snapshots applied one by one."""
    root = Path(tempfile.mkdtemp(prefix=f"scd2-prop-{next(_counter)}-"))
    engine = pandas_engine(root)
    params = {"keys": ["key"], "effective_time": "ts"}
    try:
        batches, seen, changed_at = [], {}, {}
        for i, snap in enumerate(snaps):
            for k, price in snap.items():
                if k not in seen or seen[k] != price:
                    changed_at[k] = t(i)
                seen[k] = price
            batches.append(batch(snap, changed_at))
        one_by_one = {"connection": "lake", "path": "a", **params}
        for b in batches:
            run(engine, "scd2", b, one_by_one)
        run(engine, "scd2", pa.concat_tables(batches), {"connection": "lake", "path": "b", **params})
        a, b = history(root / "lake" / "a"), history(root / "lake" / "b")
        check_intervals(a, None)
        key = ("key", "valid_from")
        assert sorted(a.to_pylist(), key=lambda r: tuple(r[c] for c in key)) == \
            sorted(b.to_pylist(), key=lambda r: tuple(r[c] for c in key))
        latest: dict = {}
        for i, snap in enumerate(snaps):
            latest.update(snap)
            assert at(a, t(i)) == latest, i
    finally:
        engine.close()
        shutil.rmtree(root, ignore_errors=True)
