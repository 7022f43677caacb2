"""The OLTP side of placed orders: ``orders``, ``order_items`` and ``payments`` rows, as SQL.

Every order comes from a visit whose ``order_placed`` click carries its id, so the click stream
and the database agree: same user, same restaurant, ``created_at`` the click's second. Items are
priced from the menu snapshot of the order's UTC date. The database is a snapshot taken when
the window closes: an order not delivered by then is ``in_progress``.

The rows are written as multi-row ``INSERT`` statements that both PostgreSQL and SQLite
accept; the same text goes into ``oltp_dump.sql`` and is executed into ``oltp.sqlite``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from datagen import config as C
from datagen import fmt, geo, menu
from datagen.clicks import PlacedOrders
from datagen.visits import DayPlan
from datagen.world import World

STATUSES = ("delivered", "cancelled", "in_progress")
DELIVERED, CANCELLED, IN_PROGRESS = range(3)
PAYMENT_STATUSES = ("captured", "refunded", "authorized", "failed", "pending", "voided")
ROWS_PER_INSERT = 1000

DDL = """\
CREATE TABLE orders (
    order_id BIGINT PRIMARY KEY,
    user_id TEXT NOT NULL,
    restaurant_id INTEGER NOT NULL,
    driver_id INTEGER,
    status TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    picked_up_at TIMESTAMP,
    delivered_at TIMESTAMP,
    subtotal DOUBLE PRECISION NOT NULL,
    delivery_fee DOUBLE PRECISION NOT NULL,
    tip DOUBLE PRECISION NOT NULL,
    total DOUBLE PRECISION NOT NULL,
    delivery_lat DOUBLE PRECISION NOT NULL,
    delivery_lon DOUBLE PRECISION NOT NULL
);
CREATE TABLE order_items (
    order_id BIGINT NOT NULL REFERENCES orders (order_id),
    line_no INTEGER NOT NULL,
    menu_item_id INTEGER NOT NULL,
    quantity INTEGER NOT NULL,
    unit_price DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (order_id, line_no)
);
CREATE TABLE payments (
    payment_id BIGINT PRIMARY KEY,
    order_id BIGINT NOT NULL REFERENCES orders (order_id),
    method TEXT NOT NULL,
    amount DOUBLE PRECISION NOT NULL,
    status TEXT NOT NULL,
    paid_at TIMESTAMP
);
"""


@dataclass
class Deliveries:
    """What the driver pings need to know about the block's orders."""

    order_id: np.ndarray
    driver: np.ndarray  # -1: none (cancelled)
    assigned_s: np.ndarray  # the driver takes the order
    pickup_s: np.ndarray  # when the driver is (or would be) at the restaurant
    arrive_s: np.ndarray  # when the driver is (or would be) at the door
    until_s: np.ndarray  # last moment of on-delivery pings (window end or no confirmation cut it short)
    delivered: np.ndarray  # bool: delivered (idle pings follow)
    rest_lat: np.ndarray
    rest_lon: np.ndarray
    lat: np.ndarray
    lon: np.ndarray


@dataclass
class OltpBlock:
    sql: bytes
    deliveries: Deliveries
    counts: dict[str, int]


def build(world: World, dp: DayPlan, placed: PlacedOrders, block: int, first_payment_id: int,
          prices_today: np.ndarray, prices_next: np.ndarray, cal: fmt.Calendar) -> OltpBlock:
    plan = world.plan
    rng = C.rng(plan, C.S_ORDERS, dp.day, block)
    v, n = placed.visit, len(placed.visit)
    end_s = plan.end_ms // 1000
    user, rest = dp.user[v], dp.restaurant[v]
    created = placed.created_ms // 1000
    lat, lon = world.user_lat[user], world.user_lon[user]
    r_lat, r_lon = world.rest_lat[rest], world.rest_lon[rest]
    km = geo.km_between(r_lat, r_lon, lat, lon)

    # timeline and status
    prep = np.clip(rng.lognormal(np.log(13 * 60), 0.35, n), 240, 3600).astype(np.int64)
    zone = world.user_zone[user]
    congestion = np.where(zone >= 0, world.zones.congestion[np.maximum(zone, 0)], 1.5)
    speed = rng.uniform(15, 22, n) / congestion  # km/h
    travel = (180 + km / speed * 3600 * rng.lognormal(0, 0.15, n)).astype(np.int64)
    picked, delivered = created + prep, created + prep + travel
    status = np.full(n, DELIVERED)
    cancelled = rng.random(n) < C.CANCEL_RATE
    stuck = ~cancelled & (rng.random(n) < C.STUCK_RATE)
    status[stuck | (delivered >= end_s)] = IN_PROGRESS
    status[cancelled] = CANCELLED
    picked = np.where(cancelled | (picked >= end_s), -1, picked)
    delivered = np.where(status == DELIVERED, delivered, -1)
    driver = np.where(cancelled, -1, dp.driver[v])

    # items: distinct menu items of the restaurant, priced on the order's date
    lines = np.minimum(1 + rng.poisson(1.2, n), 6)
    o_of = np.repeat(np.arange(n), lines)
    item = menu.sample_items(world.menu, rest[o_of], rng)
    keep = np.ones(len(item), dtype=bool)
    order = np.lexsort((item, o_of))
    same = (np.diff(o_of[order]) == 0) & (np.diff(item[order]) == 0)
    keep[order[1:][same]] = False
    o_of, item = o_of[keep], item[keep]
    line_no = np.arange(len(o_of)) - np.searchsorted(o_of, o_of) + 1
    qty = rng.choice([1, 2, 3, 4], len(o_of), p=[0.75, 0.18, 0.05, 0.02])
    next_day = created[o_of] // 86_400 - plan.first_day > dp.day
    price = np.where(next_day, prices_next[item], prices_today[item])
    subtotal = np.bincount(o_of, weights=qty * price, minlength=n).astype(np.int64)
    negative = rng.random(len(o_of)) < C.NEGATIVE_QUANTITY_RATE
    shown_qty = np.where(negative, -qty, qty)

    fee = np.minimum(199 + 50 * np.ceil(km).astype(np.int64), 599)
    tip = np.where(rng.random(n) < 0.35, 0, np.round(subtotal * rng.uniform(0.08, 0.2, n) / 10).astype(np.int64) * 10)
    total = subtotal + fee + tip

    order_sql = _insert("orders", [
        fmt.ints(placed.order_id), _text(fmt.padded(user + 1, 8, b"u")), fmt.ints(rest + 1),
        fmt.ints(driver + 1, driver < 0, "NULL"), _text(fmt.choice(status, STATUSES)), _text(cal.sql(created)),
        _ts_or_null(cal, picked), _ts_or_null(cal, delivered), fmt.money(subtotal), fmt.money(fee), fmt.money(tip),
        fmt.money(total), fmt.coords(lat), fmt.coords(lon),
    ])
    items_sql = _insert("order_items", [
        fmt.ints(placed.order_id[o_of]), fmt.ints(line_no), fmt.ints(item + 1), fmt.ints(shown_qty), fmt.money(price),
    ])
    pay_sql, pay_counts = _payments(world, dp, placed, status, created, delivered, total, first_payment_id, cal, rng)
    counts = {f"orders_{s}": int((status == k).sum()) for k, s in enumerate(STATUSES)}
    counts.update(order_items=len(o_of), negative_quantity=int(negative.sum()), **pay_counts,
                  orders_outside_zones=int((zone < 0).sum()))
    pickup, arrive = created + prep, created + prep + travel
    assigned = created + rng.integers(30, 150, n)
    until = np.minimum(arrive, end_s - 1)  # a stuck order's pings stop at the door, unconfirmed
    deliveries = Deliveries(placed.order_id, driver, assigned, pickup, arrive, until, status == DELIVERED,
                            r_lat, r_lon, lat, lon)
    return OltpBlock(order_sql + items_sql + pay_sql, deliveries, counts)


def _payments(world, dp, placed, status, created, delivered, total, first_id, cal, rng):
    """One payment per order, after a failed attempt for some; cash is settled on delivery."""
    v = placed.visit
    n = len(v)
    failed = dp.failed_payment[v]
    method = world.user_pay[dp.user[v]]
    cash = method == C.PAYMENT_METHODS.index("cash")
    # ids follow the plan's order sequence, so they are the same whichever block made them
    seq_payments = 1 + dp.failed_payment.astype(np.int64)
    before = np.concatenate([[0], np.cumsum(seq_payments * (dp.order_seq >= 0))])
    first = first_id + before[v]
    st = np.select([status == 0, status == 1], [0, 1], 2)  # captured / refunded / authorized
    st = np.where(cash & (status == 1), 5, np.where(cash & (status == 2), 4, st))  # cash: voided / pending
    paid = np.where(cash, np.where(status == 0, delivered, -1), created + rng.integers(2, 9, n))
    f_idx = np.flatnonzero(failed)
    pid = np.concatenate([first[f_idx], first + failed])
    oid = np.concatenate([placed.order_id[f_idx], placed.order_id])
    card = C.PAYMENT_METHODS.index("card")  # a failed attempt is always a card (cash cannot fail up front)
    meth = np.concatenate([np.full(len(f_idx), card), method])
    amt = np.concatenate([total[f_idx], total])
    pst = np.concatenate([np.full(len(f_idx), 3), st])
    pat = np.concatenate([created[f_idx] + 1, paid])
    o = np.argsort(pid, kind="stable")
    sql = _insert("payments", [
        fmt.ints(pid[o]), fmt.ints(oid[o]), _text(fmt.choice(meth[o], C.PAYMENT_METHODS)), fmt.money(amt[o]),
        _text(fmt.choice(pst[o], PAYMENT_STATUSES)), _ts_or_null(cal, pat[o]),
    ])
    counts = {f"payments_{s}": int((pst == k).sum()) for k, s in enumerate(PAYMENT_STATUSES)}
    return sql, counts


def _text(arr: pa.Array) -> pa.Array:
    return fmt.quote(arr, "'")


def _ts_or_null(cal: fmt.Calendar, seconds: np.ndarray) -> pa.Array:
    s = np.asarray(seconds)
    text = _text(cal.sql(np.where(s < 0, cal.first * 86_400, s)))  # placeholder under the NULLs
    return fmt.replace_rows(text, s < 0, ["NULL"] * int((s < 0).sum())) if (s < 0).any() else text


def _insert(table: str, columns: list[pa.Array]) -> bytes:
    """Multi-row INSERT statements of at most ROWS_PER_INSERT rows each."""
    n = len(columns[0])
    if n == 0:
        return b""
    parts: list = ["("]
    for i, col in enumerate(columns):
        parts += ([","] if i else []) + [col]
    last = np.zeros(n, dtype=bool)
    last[ROWS_PER_INSERT - 1 :: ROWS_PER_INSERT] = True
    last[-1] = True
    first = np.zeros(n, dtype=bool)
    first[::ROWS_PER_INSERT] = True
    head = pa.array(np.where(first, f"INSERT INTO {table} VALUES\n", ""), pa.string())
    tail = pa.array(np.where(last, ");\n", "),\n"), pa.string())
    return bytes(fmt.text(fmt.join(head, *parts, tail)))
