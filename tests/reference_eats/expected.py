"""The gold and silver answers for ``landing_small``, worked out by hand from its files.

Nothing here is computed by the code under test: each number follows from the rows in
``landing_small`` by the rules the issue states, and the reasoning is written next to it.

The clicks (UTC, 2024-11-01 unless noted; "anon" = no user_id):

    sA  a1 10:00:00 page_view, a2 10:30:00 search, a3 11:00:01 view_restaurant, a4 11:05:01 add_to_cart
        (never logs in; a2 is landed twice: once in part-0000, again in part-0001)
    sB  b1 12:00 anon, b2 12:05 anon, b3 12:10 login u1, b4 12:12, b5 12:15 checkout,
        b6 12:16 order_placed, b7 12:20 u1 (LATE: landed in the 2024-11-02 folder)
    sF  f1 12:40 anon, f2 12:41 login u1 (u1 again, on another browser)
    sC  c1 18:00 anon, c2 18:01 login u2, c3 18:03 u2, c4 18:05 login u3, c5 18:06 order_placed u3
    sD  (2024-11-02) d1 09:00 anon, d2 09:02 signup u4, d3 09:10 order_placed u4
    sE  (2024-11-02) e1 23:50 anon, (2024-11-03) e2 00:10 anon
    x1  a line cut short (not JSON)                -> quarantined (valid_json)
    x2  event_type "teleport"                      -> quarantined (known_event_type)

Landed click lines: 10 + 8 + 7 + 1 = 26. Bronze: 26 - 2 malformed - 1 duplicate = 23 events.
"""

from __future__ import annotations

import datetime as dt


def t(day: int, hh: int, mm: int, ss: int = 0) -> dt.datetime:
    return dt.datetime(2024, 11, day, hh, mm, ss)


CLICK_LINES = 26
BRONZE_CLICKS = 23
QUARANTINED_CLICKS = {"x2": "known_event_type", None: "valid_json,required_fields"}  # event_id -> failed tests

# Identity map: first login wins. sB: u1 (12:10). sC: u2 logged in at 18:01, before u3 at 18:05, so u2.
# sD: the signup links u4. sF: u1. sA and sE never log in, so they are not in the map.
IDENTITY_MAP = [
    {"session_id": "sB", "user_id": "u1"},
    {"session_id": "sC", "user_id": "u2"},
    {"session_id": "sD", "user_id": "u4"},
    {"session_id": "sF", "user_id": "u1"},
]

# Sessions, per visitor (stitched user, else the browser session_id); a new session only when the gap
# to the visitor's previous event is STRICTLY more than 30 minutes.
#  sA: 10:00 -> 10:30 is exactly 30 min: same session. 10:30 -> 11:00:01 is 30 min 1 s: new session.
#  u1: b1..b6 (b1, b2 back-filled by the login at 12:10), the late b7 at 12:20, then f1 (sF's anonymous
#      event, back-filled to u1) at 12:40 and f2 at 12:41: largest gap 20 min, one session of 9 events,
#      12:00 -> 12:41 = 2460 s, with b6's order_placed: converted.
#  u2: c1 (back-filled: sC's first login is u2), c2, c3: 18:00 -> 18:03 = 180 s, no order.
#  u3: c4, c5 (their own user_id; the map's u2 does not override it): 18:05 -> 18:06 = 60 s, converted.
#  u4: d1 (back-filled by the signup), d2, d3: 09:00 -> 09:10 = 600 s, converted.
#  sE: 23:50 -> 00:10 the next day, 20 min: one session of 1200 s, started on 2024-11-02.
SESSIONS = [  # visitor_id, user_id, started_at, ended_at, duration_seconds, event_count, converted
    ("sA", None, t(1, 10, 0), t(1, 10, 30), 1800.0, 2, False),
    ("sA", None, t(1, 11, 0, 1), t(1, 11, 5, 1), 300.0, 2, False),
    ("sE", None, t(2, 23, 50), t(3, 0, 10), 1200.0, 2, False),
    ("u1", "u1", t(1, 12, 0), t(1, 12, 41), 2460.0, 9, True),
    ("u2", "u2", t(1, 18, 0), t(1, 18, 3), 180.0, 3, False),
    ("u3", "u3", t(1, 18, 5), t(1, 18, 6), 60.0, 2, True),
    ("u4", "u4", t(2, 9, 0), t(2, 9, 10), 600.0, 3, True),
]
SESSION_COLUMNS = ["session_key", "visitor_id", "user_id", "started_at", "ended_at", "duration_seconds",
                   "event_count", "converted"]

# By session start date: 2024-11-01 has sA x2, u1, u2, u3 = 5 sessions, 2 converted (u1, u3), time on site
# (1800 + 300 + 2460 + 180 + 60) / 5 = 960. 2024-11-02 has u4 and sE: 2 sessions, 1 converted,
# (600 + 1200) / 2 = 900.
CONVERSION_DAILY = [
    {"date": dt.date(2024, 11, 1), "sessions": 5, "converted_sessions": 2, "conversion_rate": 0.4,
     "avg_time_on_site_seconds": 960.0},
    {"date": dt.date(2024, 11, 2), "sessions": 2, "converted_sessions": 1, "conversion_rate": 0.5,
     "avg_time_on_site_seconds": 900.0},
]

# Orders (oltp_dump.sql) and the zones (lookups/zones.csv: Downtown lon -87.65..-87.60, Riverside
# -87.70..-87.65, both lat 41.85..41.90 in Chicago; Lakeview lon -87.70..-87.60, lat 42.00..42.05 in Evanston):
#  1 delivered, (-87.62, 41.87) Downtown, 12:16:00 -> 12:51:00 = 35 min
#  2 delivered, (-87.63, 41.88) Downtown, 18:06:00 -> 18:48:30 = 42.5 min
#  3 delivered, (-87.68, 41.86) Riverside, 12:00 -> 12:25 = 25 min
#  4 CANCELLED, Riverside: not counted
#  5 delivered, (-87.50, 41.70): in NO zone, so in no neighbourhood row
#  6 in_progress, Lakeview: not counted
#  7 delivered, (-87.65, 42.02) Lakeview, 09:00 -> 09:20 = 20 min
DELIVERY_TIME_BY_NEIGHBORHOOD = [
    {"neighborhood": "Downtown", "city": "Chicago", "delivered_orders": 2, "avg_delivery_minutes": 38.75},
    {"neighborhood": "Lakeview", "city": "Evanston", "delivered_orders": 1, "avg_delivery_minutes": 20.0},
    {"neighborhood": "Riverside", "city": "Chicago", "delivered_orders": 1, "avg_delivery_minutes": 25.0},
]

# Pings: p1 12:20, p2 12:35 (driver 11) and p3 12:40 (driver 12) in Downtown; p2 is landed twice. p4 18:30
# (driver 12) in Riverside. p5 (-87.50, 41.70) is in no zone. p6 is a line cut short (quarantined).
# 2024-11-02: p7 09:10, p8 09:20 (driver 13), p9 09:30 (driver 11), all in Lakeview.
DRIVER_ZONE_ACTIVITY = [
    {"zone_id": 1, "neighborhood": "Downtown", "hour": t(1, 12, 0), "pings": 3, "active_drivers": 2},
    {"zone_id": 2, "neighborhood": "Riverside", "hour": t(1, 18, 0), "pings": 1, "active_drivers": 1},
    {"zone_id": 3, "neighborhood": "Lakeview", "hour": t(2, 9, 0), "pings": 3, "active_drivers": 2},
]
BRONZE_PINGS = 8  # 10 lines - 1 duplicate - 1 malformed

# Menu snapshots: 101 Classic Burger 9.50, 11.00 (change on 11-02), 9.50 (revert on 11-03);
# 102 Fries 3.00 every day; 201 Margherita 12.00, 12.00, 13.50 (change on 11-03).
MENU_ITEMS_SCD2 = [  # menu_item_id, price, valid_from, valid_to, is_current
    (101, 9.5, dt.date(2024, 11, 1), dt.date(2024, 11, 2), False),
    (101, 11.0, dt.date(2024, 11, 2), dt.date(2024, 11, 3), False),
    (101, 9.5, dt.date(2024, 11, 3), None, True),
    (102, 3.0, dt.date(2024, 11, 1), None, True),
    (201, 12.0, dt.date(2024, 11, 1), dt.date(2024, 11, 3), False),
    (201, 13.5, dt.date(2024, 11, 3), None, True),
]
MENU_COLUMNS = ["menu_item_id", "restaurant_id", "item_name", "price", "valid_from", "valid_to", "is_current"]

BRONZE_ROWS = {"clicks": BRONZE_CLICKS, "driver_pings": BRONZE_PINGS, "orders": 7, "order_items": 8, "payments": 7,
               "zones": 3, "restaurants": 3, "menu": 9}
