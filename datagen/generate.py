"""Generate a whole landing: the world, then every day's blocks on a pool of worker processes.

The main process builds the world, writes the lookups, counts each day's orders (so ids are
known up front), replays menu prices day by day and hands out tasks; workers write the event
files and menu snapshots and send back SQL, which the main process appends to the dump and
loads into SQLite in day order. At most ``2 x workers`` tasks are in flight, so memory stays
bounded by a few blocks whatever the scale.
"""

from __future__ import annotations

import ctypes
import multiprocessing as mp
import os
import resource
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from datagen import config as C
from datagen import fmt, lookups, menu, oltp, tasks, visits, writer
from datagen.world import build_world

INDEXES = "CREATE INDEX order_items_menu_item ON order_items (menu_item_id);\nCREATE INDEX payments_order ON payments (order_id);\n"


@dataclass
class Summary:
    out: Path
    bytes: int
    files: int
    seconds: float
    counts: dict
    peak_rss_mb: float
    worker_peak_rss_mb: float

    @property
    def mb(self) -> float:
        return self.bytes / 1e6

    @property
    def mb_per_s(self) -> float:
        return self.mb / self.seconds if self.seconds > 0 else float("inf")


def keep_freed_memory() -> None:
    """Ask glibc to keep freed memory for reuse instead of handing it back to the kernel.

    Each block allocates and frees a few hundred MB of short-lived arrays; returned to the
    kernel, every one is faulted in again page by page, which was a third of the CPU time. The
    setting is inherited by forked workers. Elsewhere than glibc this does nothing.
    """
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-3, 32 << 20)  # M_MMAP_THRESHOLD: its maximum, so big arrays come from the heap
        libc.mallopt(-1, 1 << 30)  # M_TRIM_THRESHOLD: keep up to 1 GB of free heap
        libc.mallopt(-2, 64 << 20)  # M_TOP_PAD: grow the heap in 64 MB steps
    except (OSError, AttributeError):
        pass


def default_workers() -> int:
    return max(1, min(4, os.cpu_count() or 1))


def generate(plan: C.Plan, out: Path, workers: int | None = None,
             on_progress: Callable[[int, int, int], None] | None = None) -> Summary:
    """Write the landing for ``plan`` into ``out``; ``on_progress(done, total, bytes)`` after each task."""
    started = time.perf_counter()
    keep_freed_memory()
    out = Path(out)
    writer.prepare(out)
    world = build_world(plan)
    tasks.set_world(world)
    written = lookups.write_lookups(world, out)
    n_orders, n_payments, blocks = visits.day_sizes(world)
    first_order = C.FIRST_ORDER_ID + _exclusive_cumsum(n_orders)
    first_payment = C.FIRST_PAYMENT_ID + _exclusive_cumsum(n_payments)
    total = plan.days + sum(len(b) for b in blocks)

    counts: Counter = Counter()
    book = menu.PriceBook(plan, world.menu)
    workers = workers or default_workers()
    fmt.hms()  # build the shared lookup table once, before the workers fork
    pool = mp.get_context("fork").Pool(workers) if workers > 1 else None  # forks now: workers share the world
    sink = writer.OltpSink(out, plan, oltp.DDL, INDEXES)
    done = 0
    try:
        for result in _run_all(pool, _task_stream(plan, book, blocks, first_order, first_payment, counts), out, workers):
            sink.add(result.sql)
            counts.update(result.counts)
            written += result.bytes
            done += 1
            if on_progress:
                on_progress(done, total, written)
        sink.close()
    except BaseException:
        sink.abort()
        if pool is not None:
            pool.terminate()
        raise
    if pool is not None:
        pool.close()
        pool.join()

    counts.update(zones=len(world.zones.zone_id), restaurants=plan.n_restaurants, users=plan.n_users,
                  browsers=len(world.browser_user), drivers=world.n_drivers, menu_items=len(world.menu),
                  menu_snapshots=plan.days)
    writer.write_manifest(out, _manifest(plan, counts))
    size, files = writer.tree_size(out)
    return Summary(out, size, files, time.perf_counter() - started, dict(counts), _rss_mb(resource.RUSAGE_SELF),
                   _rss_mb(resource.RUSAGE_CHILDREN))


def _task_stream(plan, book, blocks, first_order, first_payment, counts) -> Iterator:
    """Tasks in day order; the price book is stepped here, in order, as days are handed out."""
    today = book.cents.copy()
    for d in range(plan.days):
        if d + 1 < plan.days:
            counts.update(book.step())
        tomorrow = book.cents.copy()
        yield tasks.MenuTask(d, today)
        for b, (lo, hi) in enumerate(blocks[d]):
            yield tasks.BlockTask(d, b, lo, hi, int(first_order[d]), int(first_payment[d]), today, tomorrow)
        today = tomorrow


def _run_all(pool, stream: Iterator, out: Path, workers: int) -> Iterator[tasks.Result]:
    """Results in task order, with at most 2 x workers tasks queued or running."""
    if pool is None:
        for task in stream:
            yield tasks.run(task, out)
        return
    window: deque = deque()
    for task in stream:
        window.append(pool.apply_async(tasks.run, (task, out)))
        if len(window) >= 2 * workers:
            yield window.popleft().get()
    while window:
        yield window.popleft().get()


def _exclusive_cumsum(values):
    import numpy as np

    return np.concatenate([[0], np.cumsum(values)[:-1]]).astype(np.int64)


def _rss_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024.0  # Linux reports KiB


def _manifest(plan: C.Plan, counts: Counter) -> dict:
    return {
        "generator": "datagen",
        "seed": plan.seed,
        "scale": plan.scale,
        "days": plan.days,
        "start_date": plan.start_date.isoformat(),
        "end_date": plan.date(plan.days - 1).isoformat(),
        "counts": {k: int(v) for k, v in sorted(counts.items())},
        "rates": {k.lower(): getattr(C, k) for k in dir(C) if k.endswith(("_RATE", "_SHARE"))},
    }
