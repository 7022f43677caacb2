"""Every path, column and type of the landing contract (datagen/README.md), at scale 0.01."""

from __future__ import annotations

import csv
import datetime as dt
import re

import pytest
import shapely
from shapely import wkt

from tests.datagen.conftest import lines_of

DATES = [(dt.date(2026, 10, 31) - dt.timedelta(days=i)).isoformat() for i in range(29, -1, -1)]
EVENT_TYPES = {"page_view", "search", "view_restaurant", "add_to_cart", "login", "signup", "checkout", "order_placed"}
ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


def _read_csv(path):
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.parametrize("stream", ["clicks", "driver_pings"])
def test_event_folders_are_one_per_day_of_the_window(landing, stream):
    folders = sorted(p.name for p in (landing / "events" / stream).iterdir())
    assert folders == [f"date={d}" for d in DATES]
    for folder in (landing / "events" / stream).iterdir():
        files = list(folder.iterdir())
        assert files and all(re.fullmatch(r"part-\d{8}-\d{3}\.jsonl", f.name) for f in files)


def test_click_records_have_the_contract_columns_and_types(clicks):
    good, _ = clicks
    keys = ["event_id", "session_id", "user_id", "event_type", "ts", "restaurant_id", "order_id"]
    seen_null_user = seen_user = seen_rest = seen_order = False
    for _, rec in good:
        assert list(rec) in (keys, keys[1:])  # keys in the contract's order; event_id may be missing (a defect)
        assert rec.get("event_id") is None or re.fullmatch(r"e[0-9a-f]{16}", rec["event_id"])
        assert re.fullmatch(r"s[0-9a-f]{16}", rec["session_id"])
        assert rec["user_id"] is None or re.fullmatch(r"u\d{8}", rec["user_id"])
        assert rec["event_type"] in EVENT_TYPES
        assert isinstance(rec["ts"], str)
        assert rec["restaurant_id"] is None or type(rec["restaurant_id"]) is int
        assert rec["order_id"] is None or type(rec["order_id"]) is int
        seen_null_user |= rec["user_id"] is None
        seen_user |= rec["user_id"] is not None
        seen_rest |= rec["restaurant_id"] is not None
        seen_order |= rec["order_id"] is not None
    assert seen_null_user and seen_user and seen_rest and seen_order
    assert sum(bool(ISO.match(r["ts"])) for _, r in good) / len(good) > 0.99


def test_ping_records_have_the_contract_columns_and_types(pings):
    good, _ = pings
    for _, rec in good:
        assert list(rec) == ["ping_id", "driver_id", "order_id", "ts", "lat", "lon"]
        assert re.fullmatch(r"p[0-9a-f]{16}", rec["ping_id"]) and type(rec["driver_id"]) is int
        assert rec["order_id"] is None or type(rec["order_id"]) is int
        assert ISO.match(rec["ts"])
        assert isinstance(rec["lat"], float) and isinstance(rec["lon"], float)
        assert 50 < rec["lat"] < 55 and -4 < rec["lon"] < 1  # UK cities: lat/lon not swapped
    assert {r["order_id"] is None for _, r in good} == {True, False}


def test_oltp_tables_have_the_contract_columns(db):
    expected = {
        "orders": ["order_id", "user_id", "restaurant_id", "driver_id", "status", "created_at", "picked_up_at",
                   "delivered_at", "subtotal", "delivery_fee", "tip", "total", "delivery_lat", "delivery_lon"],
        "order_items": ["order_id", "line_no", "menu_item_id", "quantity", "unit_price"],
        "payments": ["payment_id", "order_id", "method", "amount", "status", "paid_at"],
    }
    for table, cols in expected.items():
        info = db.execute(f"PRAGMA table_info({table})").fetchall()
        assert [row[1] for row in info] == cols
        assert db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] > 0
    statuses = {r[0] for r in db.execute("SELECT DISTINCT status FROM orders")}
    assert statuses == {"delivered", "cancelled", "in_progress"}
    created = db.execute("SELECT created_at FROM orders LIMIT 1").fetchone()[0]
    assert dt.datetime.strptime(created, "%Y-%m-%d %H:%M:%S")


def test_oltp_reads_with_real_types_through_odibi_sql_format(landing):
    import pyarrow as pa

    from odibi_core.config.models import ReadConfig
    from odibi_core.config.models.connections import SqlConnectionConfig
    from odibi_core.connections.sql import SqlConnection
    from odibi_core.formats.sql import SqlFormat

    conn = SqlConnection("oltp", SqlConnectionConfig(type="sqlite", path=str(landing / "oltp.sqlite")), landing)
    try:
        schema = SqlFormat().read(conn, ReadConfig(connection="oltp", format="sql", table="orders")).schema
    finally:
        conn.close()
    assert pa.types.is_timestamp(schema.field("created_at").type)
    assert pa.types.is_timestamp(schema.field("delivered_at").type)
    assert schema.field("total").type == pa.float64() and schema.field("order_id").type == pa.int64()


def test_zones_are_valid_lon_lat_polygons_that_do_not_overlap(landing):
    rows = _read_csv(landing / "lookups" / "zones.csv")
    assert list(rows[0]) == ["zone_id", "neighborhood", "city", "wkt"]
    polys = [wkt.loads(r["wkt"]) for r in rows]
    assert all(p.geom_type == "Polygon" and p.is_valid for p in polys)
    assert all(-4 < p.centroid.x < 1 and 50 < p.centroid.y < 55 for p in polys)  # x is lon, y is lat
    assert {r["city"] for r in rows} == {"London", "Manchester", "Bristol"}
    assert len({(r["city"], r["neighborhood"]) for r in rows}) == len(rows)
    assert shapely.union_all(polys).area == pytest.approx(sum(p.area for p in polys))


def test_restaurants_and_menu_snapshots(landing):
    rest = _read_csv(landing / "lookups" / "restaurants.csv")
    assert list(rest[0])[:5] == ["restaurant_id", "name", "cuisine", "lat", "lon"]
    assert [int(r["restaurant_id"]) for r in rest] == list(range(1, len(rest) + 1))
    snaps = sorted((landing / "lookups" / "menu").iterdir())
    assert [p.name for p in snaps] == [f"snapshot_date={d}" for d in DATES]
    first = _read_csv(snaps[0] / "menu.csv")
    assert list(first[0]) == ["menu_item_id", "restaurant_id", "item_name", "price"]
    assert all(re.fullmatch(r"\d+\.\d\d", r["price"]) for r in first)
    last = _read_csv(snaps[-1] / "menu.csv")
    assert [r["menu_item_id"] for r in last] == [r["menu_item_id"] for r in first]  # a full snapshot every day
    assert {int(r["restaurant_id"]) for r in first} <= {int(r["restaurant_id"]) for r in rest}


def test_every_line_ends_with_a_newline_and_no_file_is_empty(landing):
    for stream in ("clicks", "driver_pings"):
        for folder in (landing / "events" / stream).iterdir():
            for path in folder.iterdir():
                data = path.read_bytes()
                assert data and data.endswith(b"\n")
    assert len(lines_of(landing, "clicks")) > 10_000
