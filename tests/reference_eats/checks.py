"""One check of a finished run over ``landing_small`` against the hand-worked answers (expected.py),
shared by the pandas, Spark, PostgreSQL and API runs: every source and engine must tell the same story."""

from __future__ import annotations

import re
from pathlib import Path

from tests.reference_eats import expected as X
from tests.reference_eats.support import BRONZE, columns, rows


def assert_hand_worked_answers(config: Path) -> None:
    # silver: identity map, exactly the columns
    assert columns(config, "silver/identity_map") == ["session_id", "user_id"]
    assert rows(config, "silver/identity_map", "session_id") == X.IDENTITY_MAP

    # silver: menu price history
    assert columns(config, "silver/menu_items_scd2") == X.MENU_COLUMNS
    menu = rows(config, "silver/menu_items_scd2", "menu_item_id", "valid_from")
    assert [(r["menu_item_id"], r["price"], r["valid_from"], r["valid_to"], r["is_current"]) for r in menu] == \
        X.MENU_ITEMS_SCD2
    assert {r["menu_item_id"]: (r["restaurant_id"], r["item_name"]) for r in menu} == \
        {101: (1, "Classic Burger"), 102: (1, "Fries"), 201: (2, "Margherita")}

    # gold: sessions
    assert columns(config, "gold/sessions") == X.SESSION_COLUMNS
    sessions = rows(config, "gold/sessions", "visitor_id", "started_at")
    assert [(r["visitor_id"], r["user_id"], r["started_at"], r["ended_at"], r["duration_seconds"],
             r["event_count"], r["converted"]) for r in sessions] == X.SESSIONS
    keys = [r["session_key"] for r in sessions]
    assert len(set(keys)) == len(keys) and all(re.fullmatch(r"[0-9a-f]{32}", k) for k in keys)

    # gold: the other three tables, exactly the columns
    assert columns(config, "gold/conversion_daily") == list(X.CONVERSION_DAILY[0])
    assert rows(config, "gold/conversion_daily", "date") == X.CONVERSION_DAILY
    assert columns(config, "gold/delivery_time_by_neighborhood") == list(X.DELIVERY_TIME_BY_NEIGHBORHOOD[0])
    assert rows(config, "gold/delivery_time_by_neighborhood", "neighborhood") == X.DELIVERY_TIME_BY_NEIGHBORHOOD
    assert columns(config, "gold/driver_zone_activity") == list(X.DRIVER_ZONE_ACTIVITY[0])
    assert rows(config, "gold/driver_zone_activity", "zone_id") == X.DRIVER_ZONE_ACTIVITY

    # bronze: de-duplicated, malformed records out; they are in quarantine with the test they failed
    assert {t: len(rows(config, f"bronze/{t}")) for t in BRONZE} == X.BRONZE_ROWS
    quarantined = _rejects(config, "quarantine/clicks")
    assert sorted((r["event_id"] or "", r["_failed_tests"]) for r in quarantined) == \
        sorted((k or "", v) for k, v in X.QUARANTINED_CLICKS.items())
    broken = next(r for r in quarantined if r["event_id"] is None)
    assert broken["_corrupt_record"].startswith('{"event_id": "x1"')
    pings = _rejects(config, "quarantine/driver_pings")
    assert len(pings) == 1 and pings[0]["_corrupt_record"].startswith('{"ping_id": "p6"')


def _rejects(config: Path, table: str) -> list[dict]:
    """The distinct rejected records: each run appends the rejects it saw, with its own run id."""
    seen: dict[str, dict] = {}
    for r in rows(config, table):
        record = {k: v for k, v in r.items() if k not in ("_run_id", "_quarantined_at")}
        seen.setdefault(repr(sorted(record.items())), record)
    return list(seen.values())
