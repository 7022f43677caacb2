"""The documented messiness is there, in roughly the documented proportions (datagen/README.md).

The landing is generated from a fixed seed, so these counts never change between runs; the
bounds are wide enough to survive a change of seed but would catch a rate off by a factor of 2.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections import Counter, defaultdict

import numpy as np
import shapely
from shapely import wkt

from datagen import config as C


def _within(actual: float, rate: float, low: float, high: float) -> bool:
    return rate * low <= actual <= rate * high


def test_click_defect_proportions(clicks, manifest):
    good, bad = clicks
    c = manifest["counts"]
    lines = len(good) + len(bad)
    assert _within(len(bad) / lines, C.CLICK_INVALID_JSON_RATE, 0.3, 2.5)
    assert all(not line.rstrip().endswith("}") for line in bad)
    ids = Counter(r.get("event_id") for _, r in good if r.get("event_id"))
    dups = sum(n - 1 for n in ids.values())
    assert _within(dups / lines, C.CLICK_DUPLICATE_RATE, 0.6, 1.5)
    null_ids = sum(1 for _, r in good if "event_id" in r and r["event_id"] is None)
    missing = sum(1 for _, r in good if "event_id" not in r)
    bad_ts = sum(1 for _, r in good if not r["ts"].startswith("2026-10") and not r["ts"].startswith("2026-11"))
    for found, key, rate in ((null_ids, "click_null_id", C.CLICK_NULL_EVENT_ID_RATE),
                             (missing, "click_missing_id", C.CLICK_MISSING_EVENT_ID_RATE),
                             (bad_ts, "click_bad_ts", C.CLICK_BAD_TS_RATE)):
        assert c[key] <= found <= c[key] + c["click_duplicates"]  # a damaged line may also be duplicated
        assert _within(found / lines, rate, 0.2, 3.0)


def test_late_clicks_sit_in_a_later_folder_than_their_date(clicks, manifest):
    good, _ = clicks
    late = sum(1 for folder, r in good if r["ts"][:10] < folder and r["ts"].startswith("2026-1"))
    assert _within(late / len(good), C.CLICK_LATE_RATE, 0.6, 1.5)
    assert not any(r["ts"][:10] > folder for folder, r in good if r["ts"].startswith("2026-1"))  # never early


def test_user_id_is_null_before_login_and_set_from_it(clicks):
    good, _ = clicks
    by_type = defaultdict(Counter)
    for _, r in good:
        by_type[r["event_type"]][r["user_id"] is None] += 1
    assert by_type["page_view"][False] == 0  # a visit starts anonymous
    for t in ("login", "signup", "checkout", "order_placed"):
        assert by_type[t][True] == 0 and by_type[t][False] > 0
    assert by_type["view_restaurant"][True] > 0 and by_type["view_restaurant"][False] > 0


def test_some_sessions_have_two_different_logins_and_signups_come_first(clicks):
    good, _ = clicks
    users = defaultdict(set)
    for _, r in good:
        if r["event_type"] in ("login", "signup"):
            users[r["session_id"]].add(r["user_id"])
    assert sum(len(u) > 1 for u in users.values()) >= 3
    first_signup = {}
    for _, r in sorted(good, key=lambda x: x[1]["ts"]):
        if r["event_type"] == "signup":
            first_signup.setdefault(r["user_id"], r["ts"])
    assert len(first_signup) > 20
    logins = [(r["user_id"], r["ts"]) for _, r in good if r["event_type"] == "login" and r["user_id"] in first_signup]
    assert all(ts > first_signup[u] for u, ts in logins)


def test_traffic_has_daily_and_weekly_peaks(clicks):
    good, _ = clicks
    visits = [r["ts"] for _, r in good if r["event_type"] == "page_view" and r["ts"].startswith("2026-1")]
    hours = Counter(int(ts[11:13]) for ts in visits)
    assert hours[12] > 3 * hours[4] and hours[19] > 3 * hours[4] and hours[19] > hours[15]
    weekday = Counter(dt.date.fromisoformat(ts[:10]).weekday() for ts in visits)
    assert weekday[5] > 1.2 * weekday[1]  # Saturdays beat Tuesdays


def test_popularity_is_skewed(db):
    counts = sorted((n for (n,) in db.execute("SELECT COUNT(*) FROM orders GROUP BY restaurant_id")), reverse=True)
    assert counts[0] > 5 * float(np.median(counts))
    items = sorted((n for (n,) in db.execute("SELECT COUNT(*) FROM order_items GROUP BY menu_item_id")), reverse=True)
    assert items[0] > 4 * float(np.median(items))


def test_order_statuses_and_their_timestamps(db, manifest):
    n = db.execute("SELECT COUNT(*) FROM orders").fetchone()[0]
    cancelled = db.execute("""SELECT COUNT(*), COUNT(driver_id), COUNT(picked_up_at), COUNT(delivered_at)
                              FROM orders WHERE status = 'cancelled'""").fetchone()
    assert _within(cancelled[0] / n, C.CANCEL_RATE, 0.5, 1.6) and cancelled[1:] == (0, 0, 0)
    progress = db.execute("SELECT COUNT(*), COUNT(delivered_at) FROM orders WHERE status = 'in_progress'").fetchone()
    assert progress[0] >= 1 and progress[1] == 0
    assert db.execute("""SELECT COUNT(*) FROM orders WHERE status = 'delivered' AND NOT
                         (created_at < picked_up_at AND picked_up_at < delivered_at)""").fetchone()[0] == 0
    negative = db.execute("SELECT COUNT(*) FROM order_items WHERE quantity < 0").fetchone()[0]
    assert negative == manifest["counts"]["negative_quantity"]


def test_deliveries_are_in_zones_except_a_few(db, landing):
    with open(landing / "lookups" / "zones.csv", newline="") as fh:
        polys = [wkt.loads(r["wkt"]) for r in csv.DictReader(fh)]
    rows = db.execute("SELECT delivery_lon, delivery_lat FROM orders").fetchall()
    points = shapely.points(np.array(rows))
    inside = np.zeros(len(rows), dtype=bool)
    inside[shapely.STRtree(polys).query(points, predicate="within")[0]] = True
    assert 0 < (~inside).sum() and inside.mean() > 0.95


def test_prices_change_and_some_changes_revert(landing):
    history = defaultdict(list)
    for snap in sorted((landing / "lookups" / "menu").iterdir()):
        with open(snap / "menu.csv", newline="") as fh:
            for r in csv.DictReader(fh):
                prices = history[r["menu_item_id"]]
                if not prices or prices[-1] != r["price"]:
                    prices.append(r["price"])
    changed = [p for p in history.values() if len(p) > 1]
    reverted = [p for p in changed if any(p[i] == p[i - 2] for i in range(2, len(p)))]
    assert len(changed) > 0.05 * len(history) and reverted


def test_pings_include_idle_and_on_delivery_and_their_defects(pings, manifest):
    good, bad = pings
    idle = sum(1 for _, r in good if r["order_id"] is None)
    assert 0.05 < idle / len(good) < 0.5
    assert len(bad) >= manifest["counts"]["ping_invalid_json"] > 0
    ids = Counter(r["ping_id"] for _, r in good)
    assert _within(sum(n - 1 for n in ids.values()) / len(good), C.PING_DUPLICATE_RATE, 0.5, 1.6)
    assert json.loads(json.dumps(manifest["rates"]))["ping_late_rate"] == C.PING_LATE_RATE
