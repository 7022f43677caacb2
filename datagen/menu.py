"""Menus and their prices over time, and the daily full snapshot ``lookups/menu/snapshot_date=D/menu.csv``.

Each restaurant serves 6-14 dishes of its cuisine; its items are consecutive menu_item_ids.
Prices move day by day (:class:`PriceBook`): each day 1% of items change price (mostly up),
30% of those changes are reverted to the exact old price 1-7 days later, and now and then a
restaurant raises every price at once. The book is replayed in day order in the main process,
so a day's prices never depend on how the work was split.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from datagen import config as C
from datagen import fmt
from datagen.catalog import CUISINES

DISH_NAMES: list[str] = [name for dishes in CUISINES.values() for name, _ in dishes]
DISH_BASE = np.array([price for dishes in CUISINES.values() for _, price in dishes], dtype=np.int64)
_DISH_START = np.cumsum([0] + [len(d) for d in CUISINES.values()])[:-1]
_DISH_COUNT = np.array([len(d) for d in CUISINES.values()])
HEADER = b"menu_item_id,restaurant_id,item_name,price\n"


@dataclass
class Menu:
    item_rest: np.ndarray  # restaurant index of each item
    item_dish: np.ndarray  # index into DISH_NAMES
    base_cents: np.ndarray
    rest_first: np.ndarray  # first item index of each restaurant
    rest_count: np.ndarray

    def __len__(self) -> int:
        return len(self.item_rest)


def round_price(cents: np.ndarray) -> np.ndarray:
    """Menu-style prices ending in 9 (12.49, 8.99), never below 0.99."""
    return np.maximum(99, np.round(np.asarray(cents) / 10.0).astype(np.int64) * 10 - 1)


def build_menu(rest_cuisine: np.ndarray, rng: np.random.Generator) -> Menu:
    n_r = len(rest_cuisine)
    dmax = int(_DISH_COUNT.max())
    avail = _DISH_COUNT[rest_cuisine]
    count = np.minimum(avail, 6 + rng.poisson(4.5, n_r))
    # a random subset of the cuisine's dishes, in random (= popularity) order
    keys = rng.random((n_r, dmax))
    keys[np.arange(dmax)[None, :] >= avail[:, None]] = np.inf
    order = np.argsort(keys, axis=1)
    take = np.arange(dmax)[None, :] < count[:, None]
    item_rest = np.repeat(np.arange(n_r), count)
    item_dish = _DISH_START[rest_cuisine][item_rest] + order[take]
    level = rng.lognormal(0.0, 0.12, n_r)  # some restaurants are pricier
    base = round_price(DISH_BASE[item_dish] * level[item_rest] * rng.uniform(0.93, 1.07, len(item_rest)))
    first = np.concatenate([[0], np.cumsum(count)[:-1]])
    return Menu(item_rest, item_dish, base, first, count)


def sample_items(m: Menu, rest: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """An item of each given restaurant, by Zipf-like popularity (rank r has weight ~ 1/(r+1))."""
    k = m.rest_count[rest]
    rank = np.floor(np.power(k + 1.0, rng.random(len(rest)))).astype(np.int64) - 1
    return m.rest_first[rest] + np.clip(rank, 0, k - 1)


class PriceBook:
    """Current prices, advanced one day at a time; ``step`` returns what changed."""

    def __init__(self, plan: C.Plan, m: Menu) -> None:
        self.plan, self.menu = plan, m
        self.day = 0
        self.cents = m.base_cents.copy()
        self.previous = m.base_cents.copy()
        self.revert_on = np.full(len(m), -1, dtype=np.int64)

    def step(self) -> dict[str, int]:
        """Advance to the next day; returns counts of changes, reverts and restaurant repricings."""
        self.day += 1
        rng = C.rng(self.plan, C.S_MENU, self.day)
        n = len(self.cents)
        due = self.revert_on == self.day
        self.cents[due], self.revert_on[due] = self.previous[due], -1
        change = (rng.random(n) < C.PRICE_CHANGE_RATE) & ~due
        up = rng.random(n) < 0.8
        factor = np.where(up, rng.uniform(1.03, 1.15, n), rng.uniform(0.85, 0.97, n))
        new = round_price(self.cents * factor)
        change &= new != self.cents
        revert = change & (rng.random(n) < C.PRICE_REVERT_SHARE)
        self.previous[change] = self.cents[change]
        self.cents[change] = new[change]
        self.revert_on[change] = np.where(revert[change], self.day + rng.integers(1, 8, n)[change], -1)
        reprice_rest = rng.random(len(self.menu.rest_count)) < C.RESTAURANT_REPRICE_RATE
        hit = reprice_rest[self.menu.item_rest] & ~change & ~due
        self.cents[hit] = round_price(self.cents[hit] * rng.uniform(1.03, 1.08, len(reprice_rest))[self.menu.item_rest][hit])
        self.revert_on[hit] = -1
        return {"price_changes": int(change.sum()), "price_reverts": int(due.sum()), "restaurant_repricings": int(reprice_rest.sum()),
                "repriced_items": int(hit.sum())}


_NAMES = None


def snapshot_csv(m: Menu, cents: np.ndarray) -> memoryview:
    """The full menu at the given prices, as CSV text with a header."""
    global _NAMES
    if _NAMES is None:
        _NAMES = pa.array(DISH_NAMES, pa.string())
    n = len(m)
    name = _NAMES.take(pa.array(m.item_dish.astype(np.int32)))
    rows = fmt.join(fmt.ints(np.arange(1, n + 1)), ",", fmt.ints(m.item_rest + 1), ",", name, ",", fmt.money(cents), "\n")
    return memoryview(HEADER + bytes(fmt.text(rows)))
