"""The documented imperfections of the event streams: malformed lines, duplicates, late arrival.

Which events are damaged is decided per event with fixed probabilities (``datagen.config``),
from the block's own random stream. Damage is applied to the formatted text, so a malformed
line is exactly what a reader meets: a line cut short (invalid JSON), ``"event_id":null``, no
``event_id`` key, or a ``ts`` that is not a timestamp. Only damaged lines are touched in
Python, and they are a fraction of a percent.

:func:`arrange` decides where each line lands and in which order: the folder of its
timestamp's date or, for late events, the folder one or two days later (``ts`` is then earlier
than the folder's date); within a file, lines are in time order, and a duplicate (the same line
again, same ``event_id``) comes a little after its original. Events are put in that order
before formatting, so the text is built once, already in place.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import pyarrow as pa

from datagen import config as C
from datagen import fmt


@dataclass
class Marks:
    """Per-event damage decisions."""

    invalid: np.ndarray
    null_id: np.ndarray
    missing_id: np.ndarray
    bad_ts: np.ndarray
    cut: np.ndarray  # where an invalid line is cut, as a share of its length
    bad_ts_value: np.ndarray  # index into BAD_TS_VALUES

    def take(self, idx: np.ndarray) -> Marks:
        return Marks(*(getattr(self, f.name)[idx] for f in fields(self)))

    def counts(self, prefix: str, keep: np.ndarray) -> dict[str, int]:
        """Damaged events among the kept ones (each counted once, whether duplicated or not)."""
        return {f"{prefix}_invalid_json": int((self.invalid & keep).sum()), f"{prefix}_null_id": int((self.null_id & keep).sum()),
                f"{prefix}_missing_id": int((self.missing_id & keep).sum()), f"{prefix}_bad_ts": int((self.bad_ts & keep).sum())}


def mark_clicks(n: int, rng: np.random.Generator) -> Marks:
    """At most one defect per event, so each is counted once."""
    r = rng.random(n)
    e = np.cumsum([C.CLICK_INVALID_JSON_RATE, C.CLICK_NULL_EVENT_ID_RATE, C.CLICK_MISSING_EVENT_ID_RATE,
                   C.CLICK_BAD_TS_RATE])
    return Marks(r < e[0], (r >= e[0]) & (r < e[1]), (r >= e[1]) & (r < e[2]), (r >= e[2]) & (r < e[3]),
                 rng.random(n), rng.integers(0, len(C.BAD_TS_VALUES), n))


def mark_pings(n: int, rng: np.random.Generator) -> Marks:
    none = np.zeros(n, dtype=bool)
    return Marks(rng.random(n) < C.PING_INVALID_JSON_RATE, none, none, none, rng.random(n), np.zeros(n, np.int64))


def damage(lines: pa.Array, marks: Marks, id_key: str) -> dict[int, bytes]:
    """The damaged text of each marked line (marks in line order), by line number.

    The replacements are spliced in while writing, so the formatted array is never copied.
    """
    hit = np.flatnonzero(marks.invalid | marks.null_id | marks.missing_id | marks.bad_ts)
    if not len(hit):
        return {}
    out: dict[int, bytes] = {}
    for i, text in zip(hit.tolist(), lines.take(pa.array(hit)).to_pylist()):
        if marks.null_id[i] or marks.missing_id[i]:
            rest = text.index(",", text.index(f'"{id_key}":')) + 1
            text = (f'{{"{id_key}":null,' if marks.null_id[i] else "{") + text[rest:]
        if marks.bad_ts[i]:
            a = text.index('"ts":"') + 6
            text = text[:a] + C.BAD_TS_VALUES[marks.bad_ts_value[i]] + text[text.index('"', a):]
        if marks.invalid[i]:  # cut between the 10th byte and the closing brace: never valid JSON
            text = text[: 10 + int(marks.cut[i] * (len(text) - 12))] + "\n"
        out[i] = text.encode()
    return out


@dataclass
class Arrangement:
    idx: np.ndarray  # the event behind each output line (a duplicated event appears twice)
    groups: list[tuple[int, int, int]]  # (folder day index, first line, end line)
    duplicates: int
    late: int


def arrange(ts_ms: np.ndarray, keep: np.ndarray, plan: C.Plan, rng: np.random.Generator, dup_rate: float,
            late_rate: float) -> Arrangement:
    """Where and in which order the kept events are written (dropped ones are left out)."""
    n = len(ts_ms)
    folder = ts_ms // fmt.DAY_MS - plan.first_day
    late = (rng.random(n) < late_rate) & keep
    shift = np.where(rng.random(n) < 0.8, 1, 2)
    late &= folder + shift <= plan.days - 1
    folder = np.where(late, folder + shift, folder)
    dup = np.flatnonzero((rng.random(n) < dup_rate) & keep)
    idx = np.concatenate([np.flatnonzero(keep), dup])
    key = np.concatenate([ts_ms[keep], ts_ms[dup] + rng.integers(1_000, 600_000, len(dup))])
    dest = folder[idx]
    order = _order(dest, key)
    idx, dest = idx[order], dest[order]
    cuts = np.flatnonzero(np.diff(dest)) + 1
    starts, ends = np.concatenate([[0], cuts]), np.concatenate([cuts, [len(idx)]])
    groups = [(int(dest[s]), int(s), int(e)) for s, e in zip(starts, ends) if e > s]
    return Arrangement(idx, groups, len(dup), int(late.sum()))


def _order(dest: np.ndarray, key: np.ndarray) -> np.ndarray:
    """Line order by (folder, time, line number).

    The three are packed into one int64 when they fit (they do for any block size the generator
    uses), which makes every key distinct: a plain sort is then fast and gives the same order on
    every CPU. Otherwise a stable lexsort does the same, slower.
    """
    n = len(key)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    k = key - key.min()
    kb, ib = int(k.max()).bit_length(), max(1, (n - 1).bit_length())
    db = max(1, int(dest.max()).bit_length())
    if kb + ib + db > 63:
        return np.lexsort((np.arange(n), key, dest))
    packed = (dest.astype(np.int64) << (kb + ib)) | (k << ib) | np.arange(n, dtype=np.int64)
    return np.sort(packed) & ((1 << ib) - 1)
