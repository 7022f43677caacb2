"""identity_stitch: hand-written clickstreams with the expected identity map and stitched ids."""

from __future__ import annotations

import datetime as dt
import json
import re

import pyarrow as pa
import pytest

from odibi_core.errors import ConfigError
from odibi_core.session import Session
from odibi_core.transformers.builtin._common import TransformError
from tests.patterns.events_support import any_engine, frame, rows, run, schema, write_yaml_project  # noqa: F401

T0 = dt.datetime(2024, 11, 1, 9, 0)


def at(minutes: float) -> dt.datetime | None:
    return None if minutes is None else T0 + dt.timedelta(minutes=minutes)


# (event no, anonymous id, known id, event type, minute) -> the resolved id expected
CLICKS = [
    # s1: login in the middle of a session; views before it are back-filled, views after a logout too
    (1, "s1", None, "page_view", 0, "u1"),
    (2, "s1", None, "add_to_cart", 1, "u1"),
    (3, "s1", "u1", "login", 2, "u1"),
    (4, "s1", "u1", "page_view", 3, "u1"),
    (5, "s1", "u1", "logout", 4, "u1"),
    (6, "s1", None, "page_view", 5, "u1"),
    # s2: one anonymous id, three logins: u3 logged in first and wins; u2 and u1 keep their own events
    (7, "s2", None, "page_view", 0, "u3"),
    (8, "s2", "u3", "login", 1, "u3"),
    (9, "s2", "u2", "login", 5, "u2"),
    (10, "s2", "u1", "signup", 5, "u1"),
    (11, "s2", None, "page_view", 6, "u3"),
    # s3: never logs in
    (12, "s3", None, "page_view", 0, None),
    # s4: two logins at the same minute: the smaller known id wins the tie
    (13, "s4", "uB", "login", 3, "uB"),
    (14, "s4", "uA", "login", 3, "uA"),
    (15, "s4", None, "page_view", 4, "uA"),
    # s5, s6: one user on two devices
    (16, "s5", None, "page_view", 0, "u5"),
    (17, "s5", "u5", "login", 1, "u5"),
    (18, "s6", None, "page_view", 10, "u5"),
    (19, "s6", "u5", "signup", 11, "u5"),
    # s7: a non-login event carries both ids: it does not link (event types are checked)
    (20, "s7", "u7", "page_view", 0, "u7"),
    (21, "s7", None, "page_view", 1, None),
    # s8: a login without a timestamp loses to a timed one
    (22, "s8", "u9", "login", None, "u9"),
    (23, "s8", "u8", "login", 9, "u8"),
    (24, "s8", None, "page_view", 10, "u8"),
    # no anonymous id at all: the event's own known id, or nothing
    (25, None, "u6", "page_view", 0, "u6"),
    (26, None, None, "page_view", 0, None),
]
EXPECTED_MAP = [  # anonymous id, known id, linked_at, candidate_count
    ("s1", "u1", at(2), 1), ("s2", "u3", at(1), 3), ("s4", "uA", at(3), 2), ("s5", "u5", at(1), 1),
    ("s6", "u5", at(11), 1), ("s8", "u8", at(9), 2),
]


def clicks() -> pa.Table:
    return pa.table({
        "n": pa.array([c[0] for c in CLICKS], pa.int64()),
        "session_id": pa.array([c[1] for c in CLICKS], pa.string()),
        "user_id": pa.array([c[2] for c in CLICKS], pa.string()),
        "event_type": pa.array([c[3] for c in CLICKS], pa.string()),
        "ts": pa.array([at(c[4]) for c in CLICKS], pa.timestamp("us")),
    })


PARAMS = {"anonymous_id": "session_id", "known_id": "user_id", "timestamp": "ts", "event_type_column": "event_type"}


def test_stitched_events(any_engine):
    out, ctx = run(any_engine, "identity_stitch", frame(any_engine, clicks()), **PARAMS)
    assert list(schema(any_engine, out)) == ["n", "session_id", "user_id", "event_type", "ts", "resolved_id"]
    got = {r["n"]: r["resolved_id"] for r in rows(any_engine, out)}
    assert got == {c[0]: c[5] for c in CLICKS}
    assert ctx.metrics == {"identity_mapped_ids": 6, "identity_conflicts": 3}


def test_identity_map(any_engine):
    out, ctx = run(any_engine, "identity_stitch", frame(any_engine, clicks()), **PARAMS, output="map")
    assert list(schema(any_engine, out)) == ["session_id", "user_id", "linked_at", "candidate_count"]
    assert schema(any_engine, out)["candidate_count"] == "int64"
    got = [(r["session_id"], r["user_id"], r["linked_at"], r["candidate_count"]) for r in rows(any_engine, out)]
    assert got == EXPECTED_MAP  # sorted by anonymous id by the transformer itself
    assert ctx.metrics["identity_conflicts"] == 3


def test_without_event_types_any_event_with_both_ids_links(any_engine):
    params = {k: v for k, v in PARAMS.items() if k != "event_type_column"}
    out, _ = run(any_engine, "identity_stitch", frame(any_engine, clicks()), **params)
    got = {r["n"]: r["resolved_id"] for r in rows(any_engine, out)}
    assert got[21] == "u7"  # s7's page_view with u7 now links s7
    assert got[7] == "u3" and got[15] == "uA"


def test_custom_login_types(any_engine):
    out, ctx = run(any_engine, "identity_stitch", frame(any_engine, clicks()), **PARAMS, login_types=["signup"],
                   output="map")
    got = [(r["session_id"], r["user_id"], r["candidate_count"]) for r in rows(any_engine, out)]
    assert got == [("s2", "u1", 1), ("s6", "u5", 1)]
    assert ctx.metrics["identity_conflicts"] == 0


def test_order_of_input_rows_does_not_matter(any_engine):
    table = clicks()
    reversed_table = table.take(pa.array(list(range(table.num_rows))[::-1]))
    a, _ = run(any_engine, "identity_stitch", frame(any_engine, table), **PARAMS)
    b, _ = run(any_engine, "identity_stitch", frame(any_engine, reversed_table), **PARAMS)
    assert rows(any_engine, a, "n") == rows(any_engine, b, "n")


def test_no_links_at_all(any_engine):
    table = pa.table({"session_id": ["a", "b"], "user_id": pa.array([None, None], pa.string()),
                      "ts": pa.array([T0, T0], pa.timestamp("us"))})
    out, ctx = run(any_engine, "identity_stitch", frame(any_engine, table), anonymous_id="session_id",
                   known_id="user_id", timestamp="ts")
    assert [r["resolved_id"] for r in rows(any_engine, out)] == [None, None]
    assert ctx.metrics == {"identity_mapped_ids": 0, "identity_conflicts": 0}


def test_integer_known_ids_keep_their_type(any_engine):
    table = pa.table({"device": ["d1", "d1", "d2"], "customer": pa.array([None, 42, None], pa.int64()),
                      "ts": pa.array([at(0), at(1), at(0)], pa.timestamp("us"))})
    out, _ = run(any_engine, "identity_stitch", frame(any_engine, table), anonymous_id="device", known_id="customer",
                 timestamp="ts", resolved_column="customer_key")
    assert [r["customer_key"] for r in rows(any_engine, out, "device", "ts")] == [42, 42, None]


# --- errors ------------------------------------------------------------------------------------

def test_resolved_column_clash(engine):
    df = engine.from_arrow(clicks().append_column("resolved_id", pa.array(["x"] * len(CLICKS))))
    with pytest.raises(TransformError, match=r"'resolved_id' \(params.resolved_column\) already exists"):
        run(engine, "identity_stitch", df, **PARAMS)


def test_same_column_for_both_ids(engine):
    with pytest.raises(TransformError, match=r"anonymous_id and params.known_id name the same column 'user_id'"):
        run(engine, "identity_stitch", engine.from_arrow(clicks()), anonymous_id="user_id", known_id="user_id",
            timestamp="ts")


def test_unknown_event_type_column(engine):
    with pytest.raises(TransformError, match=r"column 'type' .*in params.event_type_column not found"):
        run(engine, "identity_stitch", engine.from_arrow(clicks()), anonymous_id="session_id", known_id="user_id",
            timestamp="ts", event_type_column="type")


BAD_PARAMS = [
    ("{anonymous_id: session_id, known_id: user_id, timestamp: ts, ouput: map}",
     r"params\.ouput: .*did you mean 'output'"),
    ("{known_id: user_id, timestamp: ts}", r"params\.anonymous_id: .*required key 'anonymous_id' is missing"),
    ("{anonymous_id: session_id, known_id: user_id, timestamp: ts, output: table}",
     r"params\.output: .*'events' or 'map'"),
    ("{anonymous_id: session_id, known_id: user_id, timestamp: ts, login_types: []}", r"params\.login_types: "),
    ("{anonymous_id: session_id, known_id: user_id, timestamp: ts, login_types: login}", r"params\.login_types: "),
]


@pytest.mark.parametrize(("params", "message"), BAD_PARAMS, ids=[p for p, _ in BAD_PARAMS])
def test_bad_params_are_config_errors_naming_node_and_param(tmp_path, params, message):
    path = write_yaml_project(tmp_path, f"transformer: identity_stitch\nparams: {params}")
    with pytest.raises(ConfigError) as info:
        Session(path)
    text = str(info.value)
    assert "node 'the_node', transformer 'identity_stitch'" in text and text.startswith(f"{path}:"), text
    assert re.search(message, text), text


def test_conflicts_are_in_the_story(tmp_path):
    csv = "session_id,user_id,event_type,ts\n" + "".join(
        f"{c[1] or ''},{c[2] or ''},{c[3]},{at(c[4]).isoformat(sep=' ') if c[4] is not None else ''}\n"
        for c in CLICKS)
    path = write_yaml_project(tmp_path, """
        transformer: identity_stitch
        params: {anonymous_id: session_id, known_id: user_id, timestamp: ts, event_type_column: event_type}
        """, files={"src/events.csv": csv})
    session = Session(path)
    try:
        (result,) = session.run()
    finally:
        session.close()
    (node,) = result.nodes
    assert node.status == "success", node.error
    assert node.metrics["identity_conflicts"] == 3
    (story_json,) = (tmp_path / "src" / "_stories").rglob("*.json")
    story = json.loads(story_json.read_text(encoding="utf-8"))
    assert story["nodes"][0]["metrics"]["identity_conflicts"] == 3
    (story_html,) = (tmp_path / "src" / "_stories").rglob("*.html")
    assert "identity_conflicts" in story_html.read_text(encoding="utf-8")
