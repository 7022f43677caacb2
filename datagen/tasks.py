"""The units of work: one block of one day's visits, or one day's menu snapshot.

A block task generates the block's clicks, its orders (returned as SQL for the main process to
load, in order) and the pings of those orders, and writes its own event files. It reads only
the shared world (inherited by worker processes) and its task arguments, and draws from its
own random streams, so blocks can run in any process, in any order, with identical bytes.
"""

from __future__ import annotations

import bisect
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from datagen import clicks, defects, fmt, menu, oltp, pings, writer
from datagen import config as C
from datagen.visits import day_plan
from datagen.world import World

_WORLD: World | None = None  # set in the main process before workers fork


def set_world(world: World) -> None:
    global _WORLD
    _WORLD = world


@dataclass
class BlockTask:
    day: int
    block: int
    lo: int
    hi: int
    first_order_id: int
    first_payment_id: int
    prices_today: np.ndarray
    prices_next: np.ndarray


@dataclass
class MenuTask:
    day: int
    prices: np.ndarray


@dataclass
class Result:
    day: int
    sql: bytes = b""
    bytes: int = 0
    counts: Counter = field(default_factory=Counter)


def _calendar(plan: C.Plan) -> fmt.Calendar:
    return fmt.Calendar(plan.first_day - 1, plan.first_day + plan.days + 1)


def run(task: BlockTask | MenuTask, out: Path) -> Result:
    world = _WORLD
    assert world is not None, "set_world() must run before tasks"
    if isinstance(task, MenuTask):
        data = menu.snapshot_csv(world.menu, task.prices)
        n = writer.write_bytes(writer.menu_path(out, world.plan, task.day), data)
        return Result(task.day, bytes=n, counts=Counter(menu_rows=len(world.menu)))
    return _block(world, task, out)


def _block(world: World, t: BlockTask, out: Path) -> Result:
    plan, cal = world.plan, _calendar(world.plan)
    res = Result(t.day)
    dp = day_plan(world, t.day)

    ev, placed = clicks.block_events(world, dp, t.lo, t.hi, t.block, t.first_order_id)
    keep = ev.ts_ms < plan.end_ms  # a visit running past the window's end is cut there
    marks = defects.mark_clicks(len(keep), C.rng(plan, C.S_DEFECTS, t.day, t.block, 0))
    eid = clicks.event_ids(world, t.day, t.block, len(keep))
    arr = defects.arrange(ev.ts_ms, keep, plan, C.rng(plan, C.S_DEFECTS, t.day, t.block, 1),
                          C.CLICK_DUPLICATE_RATE, C.CLICK_LATE_RATE)
    lines = clicks.click_lines(world, ev.take(arr.idx), eid[arr.idx], cal)
    damaged = defects.damage(lines, marks.take(arr.idx), "event_id")
    res.bytes += _write_groups(out, "clicks", plan, t, arr, lines, damaged)
    res.counts.update({"click_events": int(keep.sum()), "click_lines": len(arr.idx), "click_duplicates": arr.duplicates,
                       "click_late": arr.late, "visits": t.hi - t.lo})
    res.counts.update(marks.counts("click", keep))
    kinds = np.bincount(ev.etype[keep], minlength=len(clicks.EVENT_TYPES))
    res.counts.update({f"events_{name}": int(k) for name, k in zip(clicks.EVENT_TYPES, kinds)})

    ob = oltp.build(world, dp, placed, t.block, t.first_payment_id, t.prices_today, t.prices_next, cal)
    res.sql = ob.sql
    res.counts.update(ob.counts)
    res.counts["orders"] = len(placed.order_id)

    pg = pings.block_pings(world, ob.deliveries, t.day, t.block)
    keep = pg.ts_ms < plan.end_ms
    pmarks = defects.mark_pings(len(keep), C.rng(plan, C.S_DEFECTS, t.day, t.block, 2))
    pid = pings.ping_ids(world, t.day, t.block, len(keep))
    parr = defects.arrange(pg.ts_ms, keep, plan, C.rng(plan, C.S_DEFECTS, t.day, t.block, 3),
                           C.PING_DUPLICATE_RATE, C.PING_LATE_RATE)
    plines = pings.ping_lines(pg.take(parr.idx), pid[parr.idx], cal, world.n_drivers)
    damaged = defects.damage(plines, pmarks.take(parr.idx), "ping_id")
    res.bytes += _write_groups(out, "driver_pings", plan, t, parr, plines, damaged)
    res.counts.update({"pings": int(keep.sum()), "ping_lines": len(parr.idx), "ping_duplicates": parr.duplicates,
                       "ping_late": parr.late, "ping_invalid_json": int((pmarks.invalid & keep).sum()),
                       "pings_idle": int(((pg.order_id < 0) & keep).sum())})
    return res


def _write_groups(out: Path, stream: str, plan: C.Plan, t: BlockTask, arr: defects.Arrangement, lines,
                  damaged: dict[int, bytes]) -> int:
    """One file per destination folder; damaged lines are spliced in as the file is written."""
    total = 0
    marks = sorted(damaged)
    for folder_day, start, end in arr.groups:
        pieces, pos = [], start
        for i in marks[bisect.bisect_left(marks, start):bisect.bisect_left(marks, end)]:
            pieces += [fmt.text(lines.slice(pos, i - pos)), damaged[i]]
            pos = i + 1
        pieces.append(fmt.text(lines.slice(pos, end - pos)))
        total += writer.write_pieces(writer.event_path(out, stream, plan, folder_day, t.day, t.block), pieces)
    return total
