"""The static world every day shares: zones, restaurants, menus, users, browsers and drivers.

Built once from the plan (its own random stream), before any day is generated; worker
processes inherit it. Its size grows with the scale (users, browsers, menu items), never with
the number of days. Ids and their JSON/SQL text are precomputed here, so formatting a click is
a lookup, not a conversion.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from datagen import config as C
from datagen import fmt, geo, menu
from datagen.catalog import (
    CUISINE_WEIGHTS,
    CUISINES,
    NAME_FIRST,
    NAME_SECOND,
    NAME_SUFFIX,
)


@dataclass
class World:
    plan: C.Plan
    zones: geo.Zones
    # restaurants (index i has restaurant_id i + 1)
    rest_city: np.ndarray
    rest_zone: np.ndarray
    rest_lat: np.ndarray
    rest_lon: np.ndarray
    rest_cuisine: np.ndarray
    rest_name: list[str]
    rest_pick: np.ndarray  # (city, 2**18) inverse popularity CDF: a uniform draw -> restaurant index
    menu: menu.Menu
    # users (index i has user_id "u%08d" % (i + 1))
    user_city: np.ndarray
    user_lat: np.ndarray
    user_lon: np.ndarray
    user_zone: np.ndarray  # -1: the address is outside every zone
    user_pay: np.ndarray
    user_signup_day: np.ndarray  # day index of signup for new users, -1 for existing users
    # browsers (the session_id of the click stream)
    browser_user: np.ndarray  # -1: never logs in
    browser_user2: np.ndarray  # a second user on a shared device, or -1
    browser_city: np.ndarray
    browser_cdf: np.ndarray  # visit probability, cumulative
    user_browser: np.ndarray  # one browser of each user (where a new user signs up)
    # drivers (index i has driver_id i + 1), contiguous per city
    driver_start: np.ndarray
    driver_count: np.ndarray
    # JSON text of ids, looked up when formatting
    session_ids: np.ndarray  # 64-bit, shown as "s" + 16 hex digits
    user_json: pa.Array  # '"u00000123"' per user; last entry: null
    rest_json: pa.Array  # '123,"order_id":' per restaurant (the key after it in a click); last entry: null

    @property
    def n_drivers(self) -> int:
        return int(self.driver_count.sum())

    def sample_restaurants(self, city: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Restaurants chosen by Zipf popularity within each row's city (one table lookup each)."""
        return self.rest_pick[city, (rng.random(len(city)) * self.rest_pick.shape[1]).astype(np.int64)]


def build_world(plan: C.Plan) -> World:
    rng = C.rng(plan, C.S_WORLD)
    zones = geo.build_zones(rng)
    shares = np.array([c.share for c in geo.CITIES])

    # restaurants
    n_r = plan.n_restaurants
    rest_city = rng.choice(len(geo.CITIES), n_r, p=shares)
    rest_zone = _zones_in_cities(zones, rest_city, rng)
    rest_lat, rest_lon = geo.points_in_zones(zones, rest_zone, rng)
    names = list(CUISINES)
    cw = np.array([CUISINE_WEIGHTS[c] for c in names])
    rest_cuisine = rng.choice(len(names), n_r, p=cw / cw.sum())
    first, second, suffix = rng.integers(0, len(NAME_FIRST), n_r), rng.integers(0, len(NAME_SECOND), n_r), rng.integers(0, 3, n_r)
    rest_name = [f"{NAME_FIRST[a]} {NAME_SECOND[b]} {NAME_SUFFIX[names[c]][s]}"
                 for a, b, c, s in zip(first.tolist(), second.tolist(), rest_cuisine.tolist(), suffix.tolist())]
    rest_pick = _city_zipf(rest_city, C.ZIPF_RESTAURANTS, rng)
    items = menu.build_menu(rest_cuisine, rng)

    # users
    n_u = plan.n_users
    user_city = rng.choice(len(geo.CITIES), n_u, p=shares)
    user_zone = _zones_in_cities(zones, user_city, rng)
    user_lat, user_lon = geo.points_in_zones(zones, user_zone, rng)
    outside = rng.random(n_u) < C.OUTSIDE_ZONE_USER_RATE
    user_lat[outside], user_lon[outside] = geo.points_outside(user_city[outside], rng)
    user_zone[outside] = -1
    pw = np.array(C.PAYMENT_METHOD_WEIGHTS)
    user_pay = rng.choice(len(C.PAYMENT_METHODS), n_u, p=pw / pw.sum())
    new = rng.random(n_u) < C.NEW_USER_SHARE
    user_signup_day = np.where(new, rng.integers(0, plan.days, n_u), -1)

    # browsers: 1-3 per user, plus browsers that never log in
    per_user = rng.choice([1, 2, 3], n_u, p=[0.7, 0.25, 0.05])
    b_user = np.repeat(np.arange(n_u), per_user)
    n_anon = round(len(b_user) * C.ANON_BROWSER_SHARE)
    shared = rng.random(len(b_user)) < C.SHARED_BROWSER_RATE
    other = _same_city_other_user(user_city, b_user[shared], rng)
    b_user2 = np.full(len(b_user), -1)
    b_user2[shared] = other
    browser_user = np.concatenate([b_user, np.full(n_anon, -1)])
    browser_user2 = np.concatenate([b_user2, np.full(n_anon, -1)])
    browser_city = np.concatenate([user_city[b_user], rng.choice(len(geo.CITIES), n_anon, p=shares)])
    perm = rng.permutation(len(browser_user))  # browsers are not grouped by user in id order
    browser_user, browser_user2, browser_city = browser_user[perm], browser_user2[perm], browser_city[perm]
    activity = rng.lognormal(0.0, 0.9, len(browser_user))
    browser_cdf = np.cumsum(activity) / activity.sum()
    user_browser = np.empty(n_u, dtype=np.int64)
    mine = np.flatnonzero(browser_user >= 0)
    user_browser[browser_user[mine]] = mine

    # drivers: enough per city that a driver's deliveries rarely overlap at the peak hour
    busy_hours = 0.75
    peak = max(C.HOURLY_WEIGHT) / sum(C.HOURLY_WEIGHT)
    orders = plan.visits_per_day * (1 / (1 + C.ANON_BROWSER_SHARE)) * C.AUTH_RATE * C.CONVERT_RATE * max(C.WEEKDAY_FACTOR)
    driver_count = np.array([math.ceil(1.6 * orders * c.share * peak * busy_hours) + 2 for c in geo.CITIES])
    driver_start = np.concatenate([[0], np.cumsum(driver_count)[:-1]])

    session_ids = C.mix64(np.arange(len(browser_user)), plan, salt=11)
    user_json = pa.concat_arrays([fmt.quote(fmt.padded(np.arange(1, n_u + 1), 8, b"u")), pa.array(["null"])])
    rest_json = fmt.join(pa.concat_arrays([fmt.ints(np.arange(1, n_r + 1)), pa.array(["null"])]), ',"order_id":')
    return World(plan, zones, rest_city, rest_zone, rest_lat, rest_lon, rest_cuisine, rest_name, rest_pick,
                 items, user_city, user_lat, user_lon, user_zone, user_pay, user_signup_day, browser_user, browser_user2,
                 browser_city, browser_cdf, user_browser, driver_start, driver_count, session_ids, user_json, rest_json)


def _zones_in_cities(zones: geo.Zones, city: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A zone per row, inside the row's city, weighted by zone density."""
    out = np.empty(len(city), dtype=np.int64)
    for c in range(len(geo.CITIES)):
        idx = np.flatnonzero(zones.city == c)
        w = zones.weight[idx] / zones.weight[idx].sum()
        m = city == c
        out[m] = rng.choice(idx, m.sum(), p=w)
    return out


def _city_zipf(city: np.ndarray, s: float, rng: np.random.Generator, bins: int = 1 << 18) -> np.ndarray:
    """Per city, a table of ``bins`` restaurant indices in proportion to 1/rank**s (rank is random).

    Sampling is then a single gather instead of a binary search; a restaurant's share is exact
    to 1/bins, plenty below 100k restaurants a city.
    """
    table = np.zeros((len(geo.CITIES), bins), dtype=np.int64)
    mid = (np.arange(bins) + 0.5) / bins
    for c in range(len(geo.CITIES)):
        idx = rng.permutation(np.flatnonzero(city == c))
        w = 1.0 / np.arange(1, len(idx) + 1) ** s
        share = np.cumsum(w) / w.sum()
        table[c] = idx[np.minimum(np.searchsorted(share, mid, side="right"), len(idx) - 1)]
    return table


def _same_city_other_user(user_city: np.ndarray, users: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """For each user, a different user of the same city (the second person on a shared device)."""
    out = np.empty(len(users), dtype=np.int64)
    for c in range(len(geo.CITIES)):
        pool = np.flatnonzero(user_city == c)
        m = user_city[users] == c
        pick = pool[rng.integers(0, len(pool), m.sum())]
        clash = pick == users[m]
        pick[clash] = pool[(np.searchsorted(pool, pick[clash]) + 1) % len(pool)]
        out[m] = pick
    return out
