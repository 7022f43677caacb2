"""sessionize: hand-written event streams with their expected sessions, on both engines."""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import re

import pyarrow as pa
import pytest

from odibi_core.errors import ConfigError
from odibi_core.session import Session
from odibi_core.transformers.builtin._common import TransformError
from tests.patterns.events_support import any_engine, frame, rows, run, schema, write_yaml_project  # noqa: F401

T0 = dt.datetime(2024, 11, 1, 12, 0, 0)
EPOCH = dt.datetime(1970, 1, 1)


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


def events(items: list[tuple], names=("user_id", "ts", "event_type")) -> pa.Table:
    cols = list(zip(*items)) if items else [[] for _ in names]
    types = {"user_id": pa.string(), "ts": pa.timestamp("us"), "event_type": pa.string(), "n": pa.int64(),
             "device": pa.string(), "ts_text": pa.string()}
    return pa.table({n: pa.array(list(c), type=types[n]) for n, c in zip(names, cols)})


def us(t: dt.datetime) -> int:
    return (t - EPOCH) // dt.timedelta(microseconds=1)


def expected_id(*parts: str) -> str:
    """The documented session id: md5 of key values and first-event microseconds, joined by '|'."""
    return hashlib.md5("|".join(parts).encode()).hexdigest()


def numbers(engine, out) -> list[tuple]:
    return [(r["user_id"], r["n"], r["session_number"]) for r in rows(engine, out, "user_id", "n")]


# --- the gap boundary --------------------------------------------------------------------------

def test_a_gap_equal_to_the_threshold_does_not_split_one_second_more_does(any_engine):
    data = events([("u", at(0), "view", 1), ("u", at(1800), "view", 2), ("u", at(3601), "view", 3),
                   ("u", at(5401), "view", 4), ("u", at(7202), "view", 5)],
                  names=("user_id", "ts", "event_type", "n"))
    out, _ = run(any_engine, "sessionize", frame(any_engine, data), key="user_id", timestamp="ts", gap="30m")
    # gaps: 1800 s (equal: same), 1801 s (new), 1800 s (same), 1801 s (new)
    assert numbers(any_engine, out) == [("u", 1, 1), ("u", 2, 1), ("u", 3, 2), ("u", 4, 2), ("u", 5, 3)]


@pytest.mark.parametrize("gap", ["30m", "1800s", 1800, "0.5h", "29m60s", "1800000ms"])
def test_gap_spellings_mean_the_same(any_engine, gap):
    data = events([("u", at(0), "v", 1), ("u", at(1800), "v", 2), ("u", at(3600.000001), "v", 3)],
                  names=("user_id", "ts", "event_type", "n"))
    out, _ = run(any_engine, "sessionize", frame(any_engine, data), key="user_id", timestamp="ts", gap=gap)
    assert [r[2] for r in numbers(any_engine, out)] == [1, 1, 2]  # 1 microsecond over the gap splits


def test_default_gap_is_30_minutes(any_engine):
    data = events([("u", at(0), "v", 1), ("u", at(1800), "v", 2), ("u", at(3601), "v", 3)],
                  names=("user_id", "ts", "event_type", "n"))
    out, _ = run(any_engine, "sessionize", frame(any_engine, data), key="user_id", timestamp="ts")
    assert [r[2] for r in numbers(any_engine, out)] == [1, 1, 2]


# --- shapes of input ---------------------------------------------------------------------------

def test_single_event_is_one_session_of_zero_seconds(any_engine):
    data = events([("solo", at(5), "view")])
    out, _ = run(any_engine, "sessionize", frame(any_engine, data), key="user_id", timestamp="ts", mode="sessions")
    assert rows(any_engine, out) == [{
        "user_id": "solo", "session_id": expected_id("solo", str(us(at(5)))), "session_number": 1,
        "session_start": at(5), "session_end": at(5), "session_duration_seconds": 0.0, "session_event_count": 1}]


def test_unsorted_input_gives_the_same_sessions(any_engine):
    items = [("a", at(s), "view", i) for i, s in enumerate([0, 600, 1200, 4000, 4100, 9000])] + \
            [("b", at(s), "view", 10 + i) for i, s in enumerate([100, 2000, 2100])]
    shuffled = items[:]
    random.Random(7).shuffle(shuffled)
    names = ("user_id", "ts", "event_type", "n")
    a, _ = run(any_engine, "sessionize", frame(any_engine, events(items, names)), key="user_id", timestamp="ts")
    b, _ = run(any_engine, "sessionize", frame(any_engine, events(shuffled, names)), key="user_id", timestamp="ts")
    assert rows(any_engine, a, "n") == rows(any_engine, b, "n")
    assert [r[2] for r in numbers(any_engine, a)] == [1, 1, 1, 2, 2, 3, 1, 2, 2]


def test_events_at_the_same_instant_share_a_session(any_engine):
    data = events([("u", at(0), "v", 1), ("u", at(4000), "v", 2), ("u", at(4000), "v", 3), ("u", at(4000), "v", 4)],
                  names=("user_id", "ts", "event_type", "n"))
    out, _ = run(any_engine, "sessionize", frame(any_engine, data), key="user_id", timestamp="ts")
    assert [r[2] for r in numbers(any_engine, out)] == [1, 2, 2, 2]
    assert {r["session_event_count"] for r in rows(any_engine, out) if r["n"] > 1} == {3}


def test_null_timestamp_and_null_key_belong_to_no_session(any_engine):
    data = events([("u", at(0), "v", 1), ("u", None, "v", 2), (None, at(10), "v", 3), ("u", at(20), "v", 4)],
                  names=("user_id", "ts", "event_type", "n"))
    out, ctx = run(any_engine, "sessionize", frame(any_engine, data), key="user_id", timestamp="ts")
    got = {r["n"]: r for r in rows(any_engine, out)}
    assert len(got) == 4
    assert got[1]["session_number"] == got[4]["session_number"] == 1 and got[4]["session_event_count"] == 2
    for n in (2, 3):
        assert (got[n]["session_id"], got[n]["session_number"], got[n]["session_start"],
                got[n]["session_event_count"]) == (None, None, None, None)
    assert ctx.metrics["sessionize_unsessioned_events"] == 2
    sessions, _ = run(any_engine, "sessionize", frame(any_engine, data), key="user_id", timestamp="ts",
                      mode="sessions")
    assert [(r["user_id"], r["session_event_count"]) for r in rows(any_engine, sessions)] == [("u", 2)]


def test_no_metric_when_every_event_has_key_and_time(any_engine):
    _, ctx = run(any_engine, "sessionize", frame(any_engine, events([("u", at(0), "v")])), key="user_id",
                 timestamp="ts")
    assert "sessionize_unsessioned_events" not in ctx.metrics


def test_empty_input_gives_no_sessions(any_engine):
    out, _ = run(any_engine, "sessionize", frame(any_engine, events([])), key="user_id", timestamp="ts",
                 mode="sessions")
    assert rows(any_engine, out) == []


# --- outputs -----------------------------------------------------------------------------------

def test_sessions_mode_with_conversion(any_engine):
    data = events([("u1", at(0), "view"), ("u1", at(60), "add_to_cart"), ("u1", at(120), "order_placed"),
                   ("u1", at(5000), "view"),
                   ("u2", at(0), "view"), ("u2", at(30), "signup")])
    out, _ = run(any_engine, "sessionize", frame(any_engine, data), key="user_id", timestamp="ts", mode="sessions",
                 event_type_column="event_type", conversion_event_type=["order_placed", "signup"])
    assert list(schema(any_engine, out)) == ["user_id", "session_id", "session_number", "session_start",
                                             "session_end", "session_duration_seconds", "session_event_count",
                                             "converted"]
    assert schema(any_engine, out)["session_event_count"] == "int64"
    assert schema(any_engine, out)["session_number"] == "int64"
    got = [(r["user_id"], r["session_number"], r["session_start"], r["session_end"], r["session_duration_seconds"],
            r["session_event_count"], r["converted"]) for r in rows(any_engine, out, "user_id", "session_number")]
    assert got == [("u1", 1, at(0), at(120), 120.0, 3, True), ("u1", 2, at(5000), at(5000), 0.0, 1, False),
                   ("u2", 1, at(0), at(30), 30.0, 2, True)]


def test_events_mode_keeps_every_column_and_adds_the_session_columns(any_engine):
    data = events([("u1", at(0), "view", 1), ("u1", at(90.5), "order_placed", 2)],
                  names=("user_id", "ts", "event_type", "n"))
    out, _ = run(any_engine, "sessionize", frame(any_engine, data), key="user_id", timestamp="ts",
                 event_type_column="event_type", conversion_event_type="order_placed")
    assert list(schema(any_engine, out))[:4] == ["user_id", "ts", "event_type", "n"]
    sid = expected_id("u1", str(us(at(0))))
    for r in rows(any_engine, out, "n"):
        assert (r["session_id"], r["session_duration_seconds"], r["session_event_count"], r["converted"]) == \
            (sid, 90.5, 2, True)


def test_session_id_is_md5_of_the_escaped_key_and_start(any_engine):
    """Composite key with a separator inside a value: the id follows the generate_surrogate_key text."""
    data = events([("a|b", at(0), "v", "phone")], names=("user_id", "ts", "event_type", "device"))
    out, _ = run(any_engine, "sessionize", frame(any_engine, data), key=["user_id", "device"], timestamp="ts",
                 mode="sessions")
    (r,) = rows(any_engine, out)
    assert list(r)[:2] == ["user_id", "device"]
    assert r["session_id"] == expected_id("a\\|b", "phone", str(us(at(0))))


def test_rerun_gives_the_same_ids(any_engine):
    data = events([("u", at(s), "v") for s in (0, 100, 9000)])
    a, _ = run(any_engine, "sessionize", frame(any_engine, data), key="user_id", timestamp="ts", mode="sessions")
    b, _ = run(any_engine, "sessionize", frame(any_engine, data), key="user_id", timestamp="ts", mode="sessions")
    assert [r["session_id"] for r in rows(any_engine, a, "session_number")] == \
        [r["session_id"] for r in rows(any_engine, b, "session_number")] == \
        [expected_id("u", str(us(at(0)))), expected_id("u", str(us(at(9000))))]


def test_text_timestamps_are_cast(any_engine):
    data = events([("u", "2024-11-01 12:00:00", "v"), ("u", "2024-11-01 12:45:00", "v")],
                  names=("user_id", "ts_text", "event_type"))
    out, _ = run(any_engine, "sessionize", frame(any_engine, data), key="user_id", timestamp="ts_text",
                 mode="sessions")
    assert [(r["session_number"], r["session_start"]) for r in rows(any_engine, out, "session_number")] == \
        [(1, at(0)), (2, at(2700))]


def test_renamed_output_columns(any_engine):
    data = events([("u", at(0), "v")])
    out, _ = run(any_engine, "sessionize", frame(any_engine, data), key="user_id", timestamp="ts",
                 columns={"session_id": "visit_id", "event_count": "hits"})
    assert {"visit_id", "hits", "session_start"} <= set(schema(any_engine, out))


# --- errors ------------------------------------------------------------------------------------

def test_output_column_clash_is_refused(engine):
    df = engine.from_arrow(pa.table({"user_id": ["u"], "ts": [T0], "session_id": ["x"]}))
    with pytest.raises(TransformError, match=r"'session_id' \(params.columns.session_id\) already exists"):
        run(engine, "sessionize", df, key="user_id", timestamp="ts")


def test_unknown_column_names_the_param(engine):
    df = engine.from_arrow(events([("u", T0, "v")]))
    with pytest.raises(TransformError, match=r"column 'usr_id' \(did you mean 'user_id'\?\) in params.key not found"):
        run(engine, "sessionize", df, key="usr_id", timestamp="ts")


def test_numeric_timestamp_is_refused(engine):
    df = engine.from_arrow(pa.table({"user_id": ["u"], "t": [5]}))
    with pytest.raises(TransformError, match=r"column 't' in params.timestamp is int64, not a timestamp"):
        run(engine, "sessionize", df, key="user_id", timestamp="t")


BAD_PARAMS = [
    ("{key: user_id, timestamp: ts, gapp: 30m}", r"params\.gapp: .*unknown key 'gapp' \(did you mean 'gap'\?\)"),
    ("{key: user_id}", r"params\.timestamp: .*required"),
    ("{key: user_id, timestamp: ts, gap: 30 minutes}", r"params\.gap: .*'30 minutes' is not a duration"),
    ("{key: user_id, timestamp: ts, mode: hourly}", r"params\.mode: .*'events' or 'sessions'"),
    ("{key: user_id, timestamp: ts, gap: [1]}", r"params\.gap: "),
    ("{key: user_id, timestamp: ts, conversion_event_type: buy}", r"params\.conversion_event_type: .*needs event_type_column"),
    ("{key: user_id, timestamp: ts, columns: {session_idd: x}}", r"params\.columns\.session_idd: .*did you mean"),
]


@pytest.mark.parametrize(("params", "message"), BAD_PARAMS, ids=[p for p, _ in BAD_PARAMS])
def test_bad_params_are_config_errors_naming_node_and_param(tmp_path, params, message):
    path = write_yaml_project(tmp_path, f"transformer: sessionize\nparams: {params}")
    with pytest.raises(ConfigError) as info:
        Session(path)
    text = str(info.value)
    assert "node 'the_node'" in text and "transformer 'sessionize'" in text, text
    assert text.startswith(f"{path}:"), text  # located: file and line
    assert re.search(message, text), text


def test_unknown_column_at_run_time_names_the_node(tmp_path):
    path = write_yaml_project(tmp_path, "transformer: sessionize\nparams: {key: user, timestamp: ts}",
                              files={"src/events.csv": "user_id,ts\nu,2024-01-01 10:00:00\n"})
    session = Session(path)
    try:
        results = session.run()
    finally:
        session.close()
    (node,) = results[0].nodes
    assert (node.name, node.status) == ("the_node", "failed")
    assert "sessionize: column 'user' (did you mean 'user_id'?) in params.key not found" in node.error
