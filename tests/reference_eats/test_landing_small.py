"""The hand-made landing follows the landing contract of issue 6 to the letter (paths, file names,
columns), and its oltp.sqlite is exactly its oltp_dump.sql, so the hand-worked answers rest on
the same data whichever of the two a run reads."""

from __future__ import annotations

import csv
import json
import sqlite3

from tests.reference_eats.support import LANDING_SMALL as L

CLICK_KEYS = ["event_id", "session_id", "user_id", "event_type", "ts", "restaurant_id", "order_id"]
PING_KEYS = ["ping_id", "driver_id", "order_id", "ts", "lat", "lon"]
OLTP = {
    "orders": ["order_id", "user_id", "restaurant_id", "driver_id", "status", "created_at", "picked_up_at",
               "delivered_at", "subtotal", "delivery_fee", "tip", "total", "delivery_lat", "delivery_lon"],
    "order_items": ["order_id", "line_no", "menu_item_id", "quantity", "unit_price"],
    "payments": ["payment_id", "order_id", "method", "amount", "status", "paid_at"],
}


def _json_lines(kind: str):
    good, bad = [], []
    for f in sorted((L / "events" / kind).glob("date=*/*.jsonl")):
        for line in f.read_text(encoding="utf-8").splitlines():
            try:
                good.append((f.parent.name, json.loads(line)))
            except ValueError:
                bad.append(line)
    return good, bad


def test_events_follow_the_contract():
    clicks, bad_clicks = _json_lines("clicks")
    assert len(clicks) + len(bad_clicks) == 26 and len(bad_clicks) == 1
    assert all(list(obj) == CLICK_KEYS for _, obj in clicks)
    assert {folder for folder, _ in clicks} == {"date=2024-11-01", "date=2024-11-02", "date=2024-11-03"}
    pings, bad_pings = _json_lines("driver_pings")
    assert len(pings) == 9 and len(bad_pings) == 1 and all(list(obj) == PING_KEYS for _, obj in pings)


def test_lookups_follow_the_contract():
    def header(path):
        with open(path, newline="", encoding="utf-8") as fh:
            return next(csv.reader(fh))

    assert header(L / "lookups" / "zones.csv") == ["zone_id", "neighborhood", "city", "wkt"]
    assert header(L / "lookups" / "restaurants.csv") == ["restaurant_id", "name", "cuisine", "lat", "lon"]
    snapshots = sorted((L / "lookups" / "menu").glob("snapshot_date=*/menu.csv"))
    assert [p.parent.name for p in snapshots] == [f"snapshot_date=2024-11-0{d}" for d in (1, 2, 3)]
    assert all(header(p) == ["menu_item_id", "restaurant_id", "item_name", "price"] for p in snapshots)


def test_oltp_sqlite_is_its_dump():
    from_dump = sqlite3.connect(":memory:")
    from_dump.executescript((L / "oltp_dump.sql").read_text(encoding="utf-8"))
    shipped = sqlite3.connect(L / "oltp.sqlite")
    for table, cols in OLTP.items():
        assert [c[1] for c in shipped.execute(f"PRAGMA table_info({table})")] == cols
        query = f"SELECT * FROM {table} ORDER BY 1, 2"
        assert shipped.execute(query).fetchall() == from_dump.execute(query).fetchall()
    statuses = dict(shipped.execute("SELECT status, COUNT(*) FROM orders GROUP BY status").fetchall())
    assert statuses == {"delivered": 5, "cancelled": 1, "in_progress": 1}
