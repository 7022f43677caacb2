"""One day's visits, decided up front: who comes, when, and what the visit ends in.

A visit is a browser's stay on the site (its events share one ``session_id``, the browser id).
The day plan fixes each visit's start, browser, whether it logs in (or signs up), and whether
it ends in an order, before any event exists. That makes order ids countable ahead of time
(:func:`day_sizes`), so every block of every day can be generated independently and still
get sequential order and payment ids, in any process and any order.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from datagen import config as C
from datagen.world import World

BROWSE, AUTH_BROWSE, ABANDON, CONVERT = 0, 1, 2, 3
NO_AUTH, LOGIN, SIGNUP = 0, 1, 2


@dataclass
class DayPlan:
    day: int
    start_ms: np.ndarray  # ascending
    browser: np.ndarray
    user: np.ndarray  # the user who logs in during the visit, or -1
    auth: np.ndarray  # NO_AUTH, LOGIN or SIGNUP
    kind: np.ndarray  # BROWSE, AUTH_BROWSE, ABANDON, CONVERT
    restaurant: np.ndarray  # the restaurant the visit is about
    order_seq: np.ndarray  # rank among the day's orders, or -1
    failed_payment: np.ndarray
    driver: np.ndarray  # driver index for an order, or -1

    def __len__(self) -> int:
        return len(self.start_ms)

    @property
    def n_orders(self) -> int:
        return int((self.kind == CONVERT).sum())

    @property
    def n_payments(self) -> int:
        return self.n_orders + int(self.failed_payment.sum())

    def blocks(self) -> list[tuple[int, int]]:
        n = len(self)
        k = max(1, -(-n // C.MAX_VISITS_PER_BLOCK))
        edges = np.linspace(0, n, k + 1).round().astype(int)
        return [(int(a), int(b)) for a, b in itertools.pairwise(edges)]


def day_plan(world: World, day: int) -> DayPlan:
    plan = world.plan
    rng = C.rng(plan, C.S_PLAN, day)
    weekday = plan.date(day).weekday()
    mean = plan.visits_per_day * C.WEEKDAY_FACTOR[weekday] * (1 + 0.004 * day)
    n_regular = int(rng.poisson(mean))
    newcomers = np.flatnonzero(world.user_signup_day == day)  # each signs up in a visit of its own today
    n = n_regular + len(newcomers)

    # start times: an hour by the daily curve, then uniform within it
    hourly = np.array(C.HOURLY_WEIGHT)
    hour = np.searchsorted(np.cumsum(hourly) / hourly.sum(), rng.random(n), side="right").clip(0, 23)
    start = (plan.first_day + day) * 86_400_000 + hour * 3_600_000 + rng.integers(0, 3_600_000, n)

    # sorted draws make the binary search cache-friendly; visits are shuffled by start time below anyway
    browser = np.minimum(np.searchsorted(world.browser_cdf, np.sort(rng.random(n)), side="right"),
                         len(world.browser_cdf) - 1)
    browser[n_regular:] = world.user_browser[newcomers]
    user = world.browser_user[browser].copy()
    second = (world.browser_user2[browser] >= 0) & (rng.random(n) < 0.4)
    second[n_regular:] = False
    user[second] = world.browser_user2[browser][second]
    signup_day = np.where(user >= 0, world.user_signup_day[np.maximum(user, 0)], -1)
    can_auth = (user >= 0) & (signup_day < day)  # a new user browses anonymously until signing up
    logs_in = can_auth & (rng.random(n) < C.AUTH_RATE)
    logs_in[n_regular:] = True
    r = rng.random(n)
    kind = np.where(~logs_in, BROWSE,
                    np.where(r < C.CONVERT_RATE, CONVERT, np.where(r < C.CONVERT_RATE + C.ABANDON_RATE, ABANDON, AUTH_BROWSE)))
    user = np.where(logs_in, user, -1)
    auth = np.where(logs_in, LOGIN, NO_AUTH)
    auth[n_regular:] = SIGNUP

    order = np.argsort(start, kind="stable")
    start, browser, user, kind, auth = start[order], browser[order], user[order], kind[order], auth[order]
    restaurant = world.sample_restaurants(world.browser_city[browser], rng)
    convert = kind == CONVERT
    order_seq = np.where(convert, np.cumsum(convert) - 1, -1)
    failed = convert & (rng.random(n) < C.FAILED_PAYMENT_RATE)

    # drivers: round robin within the city, in order of the visit's start
    driver = np.full(n, -1)
    city = world.browser_city[browser]
    offset = rng.integers(0, 1 << 20)
    for c in range(len(world.driver_count)):
        m = convert & (city == c)
        driver[m] = world.driver_start[c] + (np.arange(m.sum()) + offset) % world.driver_count[c]
    return DayPlan(day, start, browser, user, auth, kind, restaurant, order_seq, failed, driver)


def day_sizes(world: World) -> tuple[np.ndarray, np.ndarray, list[list[tuple[int, int]]]]:
    """Orders and payments per day, and each day's blocks, so ids can be handed out up front."""
    orders = np.zeros(world.plan.days, dtype=np.int64)
    payments = np.zeros(world.plan.days, dtype=np.int64)
    blocks = []
    for d in range(world.plan.days):
        p = day_plan(world, d)
        orders[d], payments[d] = p.n_orders, p.n_payments
        blocks.append(p.blocks())
    return orders, payments, blocks
