"""Driver pings: along each delivery (``order_id`` set) and idle after it (``order_id`` null).

On a delivery the driver pings every 30 s: first heading from where they were to the
restaurant, then from the restaurant to the customer's door (straight lines plus GPS noise).
After a delivery they idle near the door for a while (exponential, mean 12 minutes, at most
45), pinging every 60 s. Cancelled orders have no driver and no pings. Pings stop when the
window closes.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import pyarrow as pa

from datagen import config as C
from datagen import fmt
from datagen.oltp import Deliveries
from datagen.world import World

GPS_NOISE = 0.00007  # degrees, about 8 m


@dataclass
class Pings:
    ts_ms: np.ndarray
    driver: np.ndarray
    order_id: np.ndarray  # -1: null (idle)
    lat: np.ndarray
    lon: np.ndarray

    def take(self, idx: np.ndarray) -> Pings:
        return Pings(*(getattr(self, f.name)[idx] for f in fields(self)))


def block_pings(world: World, d: Deliveries, day: int, block: int) -> Pings:
    rng = C.rng(world.plan, C.S_PINGS, day, block)
    on = np.flatnonzero(d.driver >= 0)
    a, p, e, u = d.assigned_s[on], d.pickup_s[on], d.arrive_s[on], d.until_s[on]
    k = np.where(u >= a, (u - a) // C.PING_INTERVAL_S + 1, 0)
    o = np.repeat(np.arange(len(on)), k)
    step = np.arange(len(o)) - np.repeat(np.cumsum(k) - k, k)
    t = a[o] + step * C.PING_INTERVAL_S
    # where the driver starts: 0.5-2.5 km from the restaurant in a random direction
    ang = rng.uniform(0, 2 * np.pi, len(on))
    dist = rng.uniform(0.005, 0.022, len(on))
    s_lat = d.rest_lat[on] + np.sin(ang) * dist * 0.65
    s_lon = d.rest_lon[on] + np.cos(ang) * dist
    before = t < p[o]
    f1 = np.clip((t - a[o]) / np.maximum(p[o] - a[o], 1), 0, 1)
    f2 = np.clip((t - p[o]) / np.maximum(e[o] - p[o], 1), 0, 1)
    r_lat, r_lon = d.rest_lat[on][o], d.rest_lon[on][o]
    lat = np.where(before, s_lat[o] + (r_lat - s_lat[o]) * f1, r_lat + (d.lat[on][o] - r_lat) * f2)
    lon = np.where(before, s_lon[o] + (r_lon - s_lon[o]) * f1, r_lon + (d.lon[on][o] - r_lon) * f2)

    # idle after a delivery, wandering near the door
    done = np.flatnonzero(d.delivered & (d.driver >= 0))
    idle_s = np.minimum(rng.exponential(C.IDLE_MEAN_MINUTES * 60, len(done)), 45 * 60).astype(np.int64)
    ki = idle_s // C.IDLE_PING_INTERVAL_S
    oi = np.repeat(np.arange(len(done)), ki)
    si = np.arange(len(oi)) - np.repeat(np.cumsum(ki) - ki, ki)
    ti = d.arrive_s[done][oi] + (si + 1) * C.IDLE_PING_INTERVAL_S
    walk_lat = rng.normal(0, 0.0004, len(oi))
    walk_lon = rng.normal(0, 0.0006, len(oi))
    walk_lat, walk_lon = _cumsum_by_group(walk_lat, ki), _cumsum_by_group(walk_lon, ki)

    ts = np.concatenate([t, ti]) * 1000
    ts = ts + rng.integers(-2000, 2000, len(ts))
    n = len(ts)
    return Pings(
        ts_ms=ts,
        driver=np.concatenate([d.driver[on][o], d.driver[done][oi]]),
        order_id=np.concatenate([d.order_id[on][o], np.full(len(oi), -1)]),
        lat=np.concatenate([lat, d.lat[done][oi] + walk_lat]) + rng.normal(0, GPS_NOISE, n),
        lon=np.concatenate([lon, d.lon[done][oi] + walk_lon]) + rng.normal(0, GPS_NOISE, n),
    )


def _cumsum_by_group(x: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Running sums that restart at each group (groups are consecutive, of the given sizes)."""
    if len(x) == 0:
        return x
    c = np.cumsum(x)
    first = np.minimum(np.cumsum(sizes) - sizes, len(x) - 1)
    return c - np.repeat(c[first] - x[first], sizes)


def ping_ids(world: World, day: int, block: int, n: int) -> np.ndarray:
    packed = (np.uint64(day) << np.uint64(44)) | (np.uint64(block) << np.uint64(32)) | np.arange(n, dtype=np.uint64)
    return C.mix64(packed, world.plan, salt=2)


def ping_lines(pg: Pings, pid: np.ndarray, cal: fmt.Calendar, n_drivers: int) -> pa.Array:
    """One JSON line per ping, in the order given."""
    n = len(pg.ts_ms)
    head = fmt.fixed(n, b'{"ping_id":"p', fmt.hex_matrix(pid), b'","driver_id":')
    drivers = fmt.join(fmt.ints(np.arange(1, n_drivers + 1)), ',"order_id":').take(pa.array(pg.driver))
    tail = fmt.fixed(n, b',"ts":"', *cal.iso_parts(pg.ts_ms, b'","lat":'), *fmt.coord_parts(pg.lat), b',"lon":',
                     *fmt.coord_parts(pg.lon), b"}\n")
    return fmt.join(head, drivers, fmt.ints(pg.order_id, pg.order_id < 0), tail)
