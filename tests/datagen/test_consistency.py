"""The sources agree with each other: clicks, orders, items, payments, menus, pings, lookups."""

from __future__ import annotations

import csv
from collections import Counter

from tests.datagen.conftest import lines_of


def _menu(landing, date):
    with open(landing / "lookups" / "menu" / f"snapshot_date={date}" / "menu.csv", newline="") as fh:
        return {int(r["menu_item_id"]): (int(r["restaurant_id"]), float(r["price"])) for r in csv.DictReader(fh)}


def test_order_placed_clicks_and_orders_match_one_to_one(clicks, db, manifest):
    good, bad = clicks
    placed = {}
    for _, r in good:
        if r["event_type"] == "order_placed":
            placed[r["order_id"]] = r  # a duplicate line carries the same values
    orders = {row[0]: row[1:] for row in db.execute("SELECT order_id, user_id, restaurant_id, created_at FROM orders")}
    assert set(placed) <= set(orders)
    missing = set(orders) - set(placed)
    assert len(missing) <= len(bad)  # only a cut-short (invalid JSON) click can hide an order
    for oid, r in placed.items():
        user, rest, created = orders[oid]
        assert (r["user_id"], r["restaurant_id"]) == (user, rest)
        if r["ts"].startswith("2026-1"):  # not one of the documented bad timestamps
            assert r["ts"][:19].replace("T", " ") == created
    assert manifest["counts"]["orders"] == len(orders)


def test_click_restaurants_exist_in_the_lookup(clicks, landing):
    with open(landing / "lookups" / "restaurants.csv", newline="") as fh:
        ids = {int(r["restaurant_id"]) for r in csv.DictReader(fh)}
    used = {r["restaurant_id"] for _, r in clicks[0] if r["restaurant_id"] is not None}
    assert used and used <= ids


def test_order_items_are_menu_items_of_the_restaurant_at_that_days_price(db, landing):
    rows = db.execute("""SELECT i.menu_item_id, i.unit_price, o.restaurant_id, substr(o.created_at, 1, 10)
                         FROM order_items i JOIN orders o USING (order_id)""").fetchall()
    menus = {}
    for item, price, rest, date in rows:
        menu = menus.setdefault(date, _menu(landing, date))
        assert menu[item] == (rest, price)
    assert len({(o, i) for o, i in db.execute("SELECT order_id, menu_item_id FROM order_items")}) == len(rows)


def test_payments_settle_each_order_once(db):
    per_order = Counter(o for (o,) in db.execute("SELECT order_id FROM payments WHERE status <> 'failed'"))
    n_orders = db.execute("SELECT COUNT(*) FROM orders").fetchone()[0]
    assert len(per_order) == n_orders and set(per_order.values()) == {1}
    bad = db.execute("""SELECT COUNT(*) FROM payments p JOIN orders o USING (order_id)
                        WHERE p.status <> 'failed' AND abs(p.amount - o.total) > 0.001""").fetchone()[0]
    assert bad == 0
    assert db.execute("SELECT COUNT(*) FROM orders WHERE abs(total - subtotal - delivery_fee - tip) > 0.001").fetchone()[0] == 0


def test_pings_follow_orders_that_have_a_driver(pings, db):
    orders = dict(db.execute("SELECT order_id, status FROM orders"))
    drivers = dict(db.execute("SELECT order_id, driver_id FROM orders"))
    on_order = [r for _, r in pings[0] if r["order_id"] is not None]
    assert on_order
    for r in on_order:
        assert orders[r["order_id"]] != "cancelled" and drivers[r["order_id"]] == r["driver_id"]


def test_manifest_counts_match_the_files(landing, manifest):
    c = manifest["counts"]
    assert c["click_lines"] == len(lines_of(landing, "clicks"))
    assert c["ping_lines"] == len(lines_of(landing, "driver_pings"))
    assert c["menu_rows"] == 30 * c["menu_items"]
