"""Property test: for random target and source frames (composite keys, NULLs, a column the
source may lack, a column only the source has), the Delta table after ``merge`` equals a
plain-Python model of the strategy, audit columns included.

The target is written first (a first-run merge at time T0, or nothing when it is empty), then
the source, as a pandas frame through the pandas engine, is merged at time T1. Conditions come
with their SQL text and a Python twin that follows SQL's three-valued logic (NULL is not true).
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

from odibi_core.formats.delta_merge import MergeOptions
from odibi_core.transformers.patterns.merge import merge_frame
from odibi_core.transformers.patterns.target import Target
from tests.patterns.support import pandas_engine

T0 = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)
T1 = dt.datetime(2024, 6, 1, tzinfo=dt.timezone.utc)
KEYS = ("k1", "k2")


def _gt(a, b):
    return a is not None and b is not None and a > b


UPDATE = [None, ("s.v > t.v", lambda s, t: _gt(s["v"], t["v"]))]
INSERT = [None, ("s.v >= 0", lambda s: s["v"] is not None and s["v"] >= 0)]
DELETE_UPSERT = [None, ("s.v < 0", lambda s, t: s["v"] is not None and s["v"] < 0)]
DELETE_MATCH = [None, ("t.v IS NULL OR s.v = t.v",
                       lambda s, t: t["v"] is None or (s["v"] is not None and s["v"] == t["v"]))]

keys = st.tuples(st.integers(0, 3), st.sampled_from(["a", "b"]))
ints = st.one_of(st.none(), st.integers(-2, 2))
texts = st.one_of(st.none(), st.sampled_from(["x", "y"]))


@st.composite
def cases(draw):
    strategy = draw(st.sampled_from(["upsert", "append_only", "delete_match"]))
    conds = {"update": None, "insert": None, "delete": None}
    if strategy == "upsert":
        conds = {"update": draw(st.sampled_from(UPDATE)), "insert": draw(st.sampled_from(INSERT)),
                 "delete": draw(st.sampled_from(DELETE_UPSERT))}
    elif strategy == "append_only":
        conds["insert"] = draw(st.sampled_from(INSERT))
    else:
        conds["delete"] = draw(st.sampled_from(DELETE_MATCH))
    return {
        "strategy": strategy, "conds": conds,
        "target": draw(st.dictionaries(keys, st.tuples(ints, texts), max_size=8)),
        "source": draw(st.dictionaries(keys, st.tuples(ints, texts, ints), max_size=8)),
        "has_w": draw(st.booleans()), "has_x": draw(st.booleans()),
        "missing": draw(st.sampled_from(["null", "keep"])),
    }


def model(case) -> dict[tuple, dict]:
    """The table the strategy must produce, as key -> row (audit times T0 / T1)."""
    s_cond = {k: (c[1] if c else None) for k, c in case["conds"].items()}
    out = {k: {"v": v, "w": w, "x": None, "created_at": T0, "updated_at": T0} for k, (v, w) in case["target"].items()}
    for key, (v, w, x) in case["source"].items():
        s = {"v": v, "w": w, "x": x}
        if key in case["target"]:
            t = out[key]
            if case["strategy"] == "delete_match":
                if s_cond["delete"] is None or s_cond["delete"](s, t):
                    del out[key]
            elif case["strategy"] == "upsert":
                if s_cond["delete"] is not None and s_cond["delete"](s, t):
                    del out[key]
                elif s_cond["update"] is None or s_cond["update"](s, t):
                    t["v"] = v
                    if case["has_w"]:
                        t["w"] = w
                    elif case["missing"] == "null":
                        t["w"] = None
                    if case["has_x"]:
                        t["x"] = x
                    t["updated_at"] = T1
        elif case["strategy"] != "delete_match" and (s_cond["insert"] is None or s_cond["insert"](s)):
            out[key] = {"v": v, "w": w if case["has_w"] else None, "x": x if case["has_x"] else None,
                        "created_at": T1, "updated_at": T1}
    return out


def _table(data: dict, columns: list[str]) -> pa.Table:
    items = sorted(data.items())
    cols = {"k1": pa.array([k[0] for k, _ in items], pa.int64()), "k2": pa.array([k[1] for k, _ in items], pa.string())}
    types = {"v": pa.int64(), "w": pa.string(), "x": pa.int64()}
    for i, name in enumerate(columns):
        cols[name] = pa.array([r[i] for _, r in items], types[name])
    return pa.table(cols)


_counter = itertools.count()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=cases())
def test_merge_equals_the_reference_model(case):
    root = Path(tempfile.mkdtemp(prefix=f"merge-prop-{next(_counter)}-"))
    engine = pandas_engine(root)
    target = Target("lake", "t", str(root / "lake" / "t"), None, "'t' on connection 'lake'")
    c = case["conds"]
    opts = MergeOptions(keys=KEYS, strategy=case["strategy"], missing_columns=case["missing"],
                        update_condition=c["update"][0] if c["update"] else None,
                        insert_condition=c["insert"][0] if c["insert"] else None,
                        delete_condition=c["delete"][0] if c["delete"] else None)
    try:
        if case["target"]:  # typed Arrow, so the table's types are exact
            merge_frame(engine, _table(case["target"], ["v", "w"]), target, MergeOptions(keys=KEYS), now=T0)
        source_cols = ["v"] + (["w"] if case["has_w"] else []) + (["x"] if case["has_x"] else [])
        source = _table({k: (v, w, x) for k, (v, w, x) in case["source"].items()}, ["v", "w", "x"])
        source = engine.from_arrow(source.select(["k1", "k2", *source_cols]))  # through pandas, NULLs and all
        merge_frame(engine, source, target, opts, now=T1)

        expected = model(case)
        if not DeltaTable.is_deltatable(target.uri):
            assert expected == {}
            return
        got = {}
        for r in DeltaTable(target.uri).to_pyarrow_table().to_pylist():
            key = (r["k1"], r["k2"])
            assert key not in got, f"duplicate key {key}"
            got[key] = {"v": r.get("v"), "w": r.get("w"), "x": r.get("x"),
                        "created_at": r["created_at"], "updated_at": r["updated_at"]}
        assert got == expected
    finally:
        engine.close()
        shutil.rmtree(root, ignore_errors=True)
