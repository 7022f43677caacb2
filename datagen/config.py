"""What to generate: the plan (scale, seed, dates, derived counts) and every realism knob.

All proportions live here, with the numbers ``datagen/README.md`` documents, so a test can
check the output against the same constants the generator used. Randomness comes from
:func:`rng`, one independent stream per (purpose, day, block): any task can be generated on its
own, in any order or process, and the bytes stay the same for a given seed.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np

END_DATE = dt.date(2026, 10, 31)  # fixed, so outputs never depend on the wall clock
DEFAULT_DAYS = 30
DEFAULT_SEED = 42

# --- traffic ---------------------------------------------------------------------------------
VISITS_PER_DAY_AT_SCALE_1 = 17_500
WEEKDAY_FACTOR = (0.86, 0.84, 0.9, 0.97, 1.14, 1.26, 1.03)  # Monday..Sunday
HOURLY_WEIGHT = (  # UTC hour of a visit's start: a lunch peak at 12 and a dinner peak at 19
    0.25, 0.12, 0.06, 0.04, 0.04, 0.08, 0.2, 0.45, 0.65, 0.7, 0.85, 1.5,
    2.1, 1.6, 0.9, 0.75, 0.85, 1.3, 2.2, 2.6, 2.1, 1.3, 0.8, 0.45,
)
ZIPF_RESTAURANTS = 1.1  # popularity of restaurants within a city: weight 1 / rank**s
ZIPF_ITEMS = 1.0  # popularity of items within a restaurant's menu

# --- visits (a browser's visit: events until it goes away) ------------------------------------
ANON_BROWSER_SHARE = 0.3  # browsers that never log in, relative to user browsers
SHARED_BROWSER_RATE = 0.03  # user browsers on which a second user logs in too
NEW_USER_SHARE = 0.2  # users who sign up during the window (signup event), the rest log in
AUTH_RATE = 0.55  # visits of a known user's browser that log in
CONVERT_RATE = 0.22  # of logged-in visits: order placed
ABANDON_RATE = 0.08  # of logged-in visits: checkout without an order
LONG_GAP_RATE = 0.01  # gaps inside a visit of 31-120 minutes (they split a 30-minute session)

# --- click-stream defects (shares of click lines) --------------------------------------------
CLICK_DUPLICATE_RATE = 0.005  # the same line written twice (same event_id), later in the file
CLICK_LATE_RATE = 0.01  # written into a later day's folder (1 day: 80%, 2 days: 20%)
CLICK_INVALID_JSON_RATE = 0.0005  # the line is cut short (no closing brace)
CLICK_NULL_EVENT_ID_RATE = 0.0002  # "event_id": null
CLICK_MISSING_EVENT_ID_RATE = 0.0002  # no event_id key at all
CLICK_BAD_TS_RATE = 0.0003  # ts is text that is not a timestamp
BAD_TS_VALUES = ("not-a-timestamp", "2026-02-30T25:61:00.000Z", "", "yesterday", "NaN")

# --- driver pings ----------------------------------------------------------------------------
PING_INTERVAL_S = 30  # while on a delivery (order_id set)
IDLE_PING_INTERVAL_S = 60  # while idle after a delivery (order_id null)
IDLE_MEAN_MINUTES = 12
PING_DUPLICATE_RATE = 0.003
PING_LATE_RATE = 0.005
PING_INVALID_JSON_RATE = 0.0002

# --- orders (OLTP) ---------------------------------------------------------------------------
FIRST_ORDER_ID = 1_000_001
FIRST_PAYMENT_ID = 5_000_001
CANCEL_RATE = 0.06  # cancelled: no driver, no picked_up_at, no delivered_at
STUCK_RATE = 0.01  # in_progress long before the end: never confirmed (plus every order not finished by the end)
FAILED_PAYMENT_RATE = 0.03  # a failed payment attempt before the one that goes through
NEGATIVE_QUANTITY_RATE = 0.001  # order_items lines with a negative quantity (a data-entry bug)
OUTSIDE_ZONE_USER_RATE = 0.015  # users whose delivery address is outside every zone
PAYMENT_METHODS = ("card", "apple_pay", "google_pay", "paypal", "cash")
PAYMENT_METHOD_WEIGHTS = (0.6, 0.15, 0.1, 0.1, 0.05)

# --- menu prices -----------------------------------------------------------------------------
PRICE_CHANGE_RATE = 0.01  # per item per day
PRICE_REVERT_SHARE = 0.3  # of changes: back to the old price 1-7 days later
RESTAURANT_REPRICE_RATE = 0.003  # per restaurant per day: every item up 3-8%

# --- blocks: the unit of work and of memory --------------------------------------------------
MAX_VISITS_PER_BLOCK = 40_000  # ~200k click lines and ~250k pings; bounds memory at any scale

# RNG stream ids (never reorder: they are part of the output's identity)
S_WORLD, S_PLAN, S_EVENTS, S_ORDERS, S_PINGS, S_DEFECTS, S_MENU, S_IDS = range(8)


@dataclass(frozen=True)
class Plan:
    """The size and identity of one generated landing."""

    scale: float
    seed: int = DEFAULT_SEED
    days: int = DEFAULT_DAYS
    end_date: dt.date = END_DATE

    def __post_init__(self) -> None:
        if not (self.scale > 0 and math.isfinite(self.scale)):
            raise ValueError(f"--scale must be a positive number (got {self.scale})")
        if self.scale > 100:
            raise ValueError(f"--scale {self.scale} is too large: 1 is about 1 GB, so at most 100")
        if not 1 <= self.days <= 366:
            raise ValueError(f"--days must be between 1 and 366 (got {self.days})")
        if not 0 <= self.seed < 2**32:
            raise ValueError(f"--seed must be between 0 and 4294967295 (got {self.seed})")

    @property
    def start_date(self) -> dt.date:
        return self.end_date - dt.timedelta(days=self.days - 1)

    @property
    def first_day(self) -> int:
        """Day number (days since 1970-01-01) of the first date."""
        return (self.start_date - dt.date(1970, 1, 1)).days

    @property
    def end_ms(self) -> int:
        """The instant the window closes (midnight after the last date), in epoch milliseconds."""
        return (self.first_day + self.days) * 86_400_000

    def date(self, day_index: int) -> dt.date:
        return self.start_date + dt.timedelta(days=day_index)

    # derived sizes
    @property
    def n_restaurants(self) -> int:
        return max(40, round(1500 * self.scale))

    @property
    def n_users(self) -> int:
        return max(300, round(55_000 * self.scale))

    @property
    def visits_per_day(self) -> float:
        return max(120.0, VISITS_PER_DAY_AT_SCALE_1 * self.scale)


def rng(plan: Plan, *key: int) -> np.random.Generator:
    """An independent random stream for (seed, purpose, day, block...)."""
    return np.random.default_rng(np.random.SeedSequence(entropy=plan.seed, spawn_key=tuple(int(k) for k in key)))


_M1, _M2 = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)


def mix64(values: np.ndarray, plan: Plan, salt: int) -> np.ndarray:
    """Random-looking but unique 64-bit ids: splitmix64's finaliser is a bijection on uint64.

    Distinct inputs give distinct outputs, so ids built from distinct counters never collide,
    and a different seed or salt gives different ids.
    """
    x = np.asarray(values, dtype=np.uint64) + np.uint64((plan.seed * 0x9E3779B97F4A7C15 + salt * 0xD1B54A32D192ED03) % 2**64)
    with np.errstate(over="ignore"):
        x = x ^ (x >> np.uint64(30))
        x = x * _M1
        x = x ^ (x >> np.uint64(27))
        x = x * _M2
        x = x ^ (x >> np.uint64(31))
    return x
