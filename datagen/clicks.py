"""Click events of a block of visits, and their JSON Lines with the documented defects.

A visit's events, in order: ``page_view``; 1+ of ``search``/``view_restaurant``; some
``add_to_cart``; then ``checkout`` and ``order_placed`` if the plan says so. A visit that logs
in gets one ``login`` (or ``signup``) somewhere before checkout; ``user_id`` is null before it
and set from it on. Everything is built with ``np.repeat`` over per-visit counts; there is no
per-event Python.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import pyarrow as pa

from datagen import config as C
from datagen import fmt
from datagen.visits import ABANDON, CONVERT, NO_AUTH, SIGNUP, DayPlan
from datagen.world import World

EVENT_TYPES = ("page_view", "search", "view_restaurant", "add_to_cart", "login", "signup", "checkout", "order_placed")
PAGE_VIEW, SEARCH, VIEW, CART, LOGIN, SIGNUP_EVENT, CHECKOUT, ORDER = range(8)
_TYPE_SEGMENTS = [f',"event_type":"{t}","ts":"' for t in EVENT_TYPES]


@dataclass
class Events:
    ts_ms: np.ndarray
    browser: np.ndarray
    user: np.ndarray  # -1: null
    etype: np.ndarray
    restaurant: np.ndarray  # -1: null
    order_id: np.ndarray  # -1: null

    def take(self, idx: np.ndarray) -> Events:
        return Events(*(getattr(self, f.name)[idx] for f in fields(self)))


@dataclass
class PlacedOrders:
    """Orders whose ``order_placed`` event falls inside the window: what the OLTP side needs."""

    visit: np.ndarray  # index into the day plan
    order_id: np.ndarray
    created_ms: np.ndarray


def block_events(world: World, dp: DayPlan, lo: int, hi: int, block: int, first_order_id: int) -> tuple[Events, PlacedOrders]:
    rng = C.rng(world.plan, C.S_EVENTS, dp.day, block)
    v = np.arange(lo, hi)
    n_v = len(v)
    kind = dp.kind[v]
    browse = np.minimum(rng.geometric(0.28, n_v), 25)
    goes_to_checkout = kind >= ABANDON
    cart = np.where(goes_to_checkout, 1 + rng.poisson(0.7, n_v), (rng.random(n_v) < 0.15).astype(np.int64))
    converts = kind == CONVERT
    has_auth = dp.auth[v] != NO_AUTH
    base_n = 1 + browse + cart + goes_to_checkout + converts
    n_ev = base_n + has_auth
    # where the login goes: anywhere after the first page view; before checkout when there is one
    room = np.where(goes_to_checkout, browse + cart, base_n - 1)
    auth_pos = np.where(has_auth, 1 + (rng.random(n_v) * (room + 1)).astype(np.int64).clip(0, room), -1)

    total = int(n_ev.sum())
    starts = np.concatenate([[0], np.cumsum(n_ev)[:-1]])
    vis = np.repeat(np.arange(n_v), n_ev)
    vv = v[vis]  # the day-plan visit of each event
    pos = np.arange(total) - starts[vis]
    ap = auth_pos[vis]
    is_auth = pos == ap
    bp = np.where((ap >= 0) & (pos > ap), pos - 1, pos)  # position in the visit without the login
    b, c = browse[vis], cart[vis]
    etype = np.select(
        [is_auth, bp == 0, bp <= b, bp <= b + c, bp == b + c + 1],
        [np.where(dp.auth[vv] == SIGNUP, SIGNUP_EVENT, LOGIN), PAGE_VIEW,
         np.where(rng.random(total) < 0.3, SEARCH, VIEW), CART, CHECKOUT],
        ORDER,
    )

    # restaurants: views wander (Zipf in the city), the cart is the visit's restaurant
    focus = dp.restaurant[vv]
    restaurant = np.where(etype >= CART, focus, -1)
    restaurant[(etype == LOGIN) | (etype == SIGNUP_EVENT)] = -1
    views = np.flatnonzero(etype == VIEW)
    wander = world.sample_restaurants(world.browser_city[dp.browser[vv[views]]], rng)
    restaurant[views] = np.where(rng.random(len(views)) < 0.45, focus[views], wander)

    # time: a few seconds to minutes between events, now and then a long pause
    gap = np.clip(rng.lognormal(np.log(15_000), 1.0, total), 1_000, 900_000).astype(np.int64)
    long = rng.random(total) < C.LONG_GAP_RATE
    gap[long] = rng.integers(31 * 60_000, 120 * 60_000, int(long.sum()))
    gap[etype == ORDER] = rng.integers(3_000, 40_000, int((etype == ORDER).sum()))
    gap[starts] = 0
    csum = np.cumsum(gap)
    ts = dp.start_ms[vv] + csum - csum[starts][vis]

    user = np.where((ap >= 0) & (pos >= ap), dp.user[vv], -1)
    order_id = np.full(total, -1, dtype=np.int64)
    is_order = np.flatnonzero(etype == ORDER)
    ord_visit = vv[is_order]
    order_id[is_order] = first_order_id + dp.order_seq[ord_visit]
    inside = ts[is_order] < world.plan.end_ms
    placed = PlacedOrders(ord_visit[inside], order_id[is_order][inside], ts[is_order][inside])
    ev = Events(ts, dp.browser[vv], user, etype, restaurant, order_id)
    return ev, placed


def event_ids(world: World, day: int, block: int, n: int) -> np.ndarray:
    """Unique 64-bit event ids: a bijective mix of (day, block, event number)."""
    packed = (np.uint64(day) << np.uint64(44)) | (np.uint64(block) << np.uint64(32)) | np.arange(n, dtype=np.uint64)
    return C.mix64(packed, world.plan, salt=1)


def click_lines(world: World, ev: Events, eid: np.ndarray, cal: fmt.Calendar) -> pa.Array:
    """One JSON line per event, in the order given (keys in the contract's order)."""
    n = len(ev.ts_ms)
    ids = fmt.fixed(n, b'{"event_id":"e', fmt.hex_matrix(eid), b'","session_id":"s',
                    fmt.hex_matrix(world.session_ids[ev.browser]), b'","user_id":')
    user = world.user_json.take(pa.array(np.where(ev.user >= 0, ev.user, len(world.user_json) - 1)))
    ts = fmt.fixed(n, *cal.iso_parts(ev.ts_ms, b'","restaurant_id":'))
    rest = world.rest_json.take(pa.array(np.where(ev.restaurant >= 0, ev.restaurant, len(world.rest_json) - 1)))
    order = fmt.sparse_ints(ev.order_id, ev.order_id < 0, suffix="}\n")
    return fmt.join(ids, user, fmt.choice(ev.etype, _TYPE_SEGMENTS), ts, rest, order)
