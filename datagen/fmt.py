"""Vectorised text formatting: whole columns become text at once, with no per-row Python.

Why: at 1-10 GB the generator spends most of its time turning numbers into text, and
``json.dumps`` or f-strings per row manage only a few hundred thousand rows a second.

How, in two tools:

- Fixed-width fields (ids, timestamps, coordinates) are assembled by numpy into one byte row
  per record (:func:`fixed`). Each piece is a gather from a small lookup table (``HH:MM:SS``
  of every second of a day, three-digit groups, hex pairs) or a constant; the pieces are
  written into a structured array whose fields sit side by side, which numpy copies element by
  element instead of byte by byte. The result is wrapped as an Arrow string array, uncopied.
- Variable-width fields (plain integers, words) are Arrow casts and dictionary lookups, and a
  record is the row-wise concatenation of its fields and literal separators (:func:`join`).
  The concatenated array's data buffer *is* the file content: :func:`text` hands it to
  ``write`` without another copy.

JSON Lines, CSV and SQL ``VALUES`` rows are all built this way.
"""

from __future__ import annotations

import datetime as dt
import functools

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

DAY_MS = 86_400_000


class Table:
    """A lookup table of equal-width texts, gathered as whole rows (numpy void items)."""

    def __init__(self, rows: np.ndarray) -> None:
        rows = np.ascontiguousarray(rows, dtype=np.uint8)
        self.width = rows.shape[1]
        self.items = rows.view(f"V{self.width}").ravel()

    @classmethod
    def of(cls, texts: list[bytes]) -> Table:
        return cls(np.frombuffer(b"".join(texts), dtype=np.uint8).reshape(len(texts), len(texts[0])))


THREE = Table.of([f"{i:03d}".encode() for i in range(1000)])
TWO = Table.of([f"{i:02d}".encode() for i in range(100)])
_HEX_PAIRS = np.frombuffer(b"".join(f"{i:02x}".encode() for i in range(256)), dtype=np.uint16)
_WHOLE = [f"{w}" for w in range(1000)] + [f"-{w}" for w in range(1000)]  # whole parts, then negative ones


@functools.lru_cache(maxsize=1)
def hms() -> Table:
    """``HH:MM:SS`` for each second of a day."""
    s = np.arange(86_400)
    two = TWO.items.view(np.uint8).reshape(100, 2)
    colon = np.full((86_400, 1), ord(":"), dtype=np.uint8)
    return Table(np.hstack([two[s // 3600], colon, two[s // 60 % 60], colon, two[s % 60]]))


def fixed(n: int, *parts) -> pa.StringArray:
    """Equal-width strings from parts: ``bytes`` (the same on every row), ``(Table, codes)``
    (a gathered row per code) or an ``(n, w)`` uint8 matrix."""
    names, formats, offsets, values, width = [], [], [], [], 0
    for i, part in enumerate(parts):
        if isinstance(part, bytes):
            if not part:
                continue
            w, value = len(part), np.void(part)
        elif isinstance(part, tuple):
            table, codes = part
            w, value = table.width, table.items[codes]
        else:
            mat = np.ascontiguousarray(part, dtype=np.uint8)
            w, value = mat.shape[1], mat.view(f"V{mat.shape[1]}").ravel()
        names.append(f"f{i}")
        formats.append(f"V{w}")
        offsets.append(width)
        values.append(value)
        width += w
    out = np.empty(n, dtype=np.dtype({"names": names, "formats": formats, "offsets": offsets, "itemsize": width}))
    for name, value in zip(names, values):
        out[name] = value
    return matrix_strings(out.view(np.uint8).reshape(n, width))


def matrix_strings(mat: np.ndarray) -> pa.StringArray:
    """A string array over a fixed-width byte matrix (one row, one string), without copying."""
    mat = np.ascontiguousarray(mat, dtype=np.uint8)
    n, width = mat.shape
    offsets = pa.py_buffer((np.arange(n + 1, dtype=np.int32) * width).data)
    return pa.StringArray.from_buffers(n, offsets, pa.py_buffer(mat.data))


@functools.lru_cache(maxsize=512)
def lit(text: str) -> pa.Scalar:
    """A string scalar; cached, since building one costs more than joining it to a small array."""
    return pa.scalar(text, pa.string())


def join(*parts) -> pa.Array:
    """Row-wise concatenation of string arrays and literal texts (a null part gives a null row)."""
    return pc.binary_join_element_wise(*[lit(p) if isinstance(p, str) else p for p in parts], lit(""))


def ints(values: np.ndarray, null: np.ndarray | None = None, null_text: str = "null") -> pa.Array:
    """Integers as decimal text; rows where ``null`` is true become ``null_text``."""
    v = np.asarray(values)
    if len(v) and -(2**31) < v.min() and v.max() < 2**31:
        v = v.astype(np.int32)  # Arrow formats 32-bit integers several times faster
    arr = pc.cast(pa.array(v, mask=null), pa.string())
    return pc.fill_null(arr, lit(null_text)) if null is not None else arr


def sparse_ints(values: np.ndarray, null: np.ndarray, null_text: str = "null", suffix: str = "") -> pa.Array:
    """Integers (+ suffix) that are mostly null: only the present ones are converted."""
    present = np.flatnonzero(~null)
    numbers = ints(np.asarray(values)[present])
    if suffix:
        numbers = join(numbers, suffix)
    table = pa.concat_arrays([pa.array([null_text + suffix], pa.string()), numbers])
    idx = np.zeros(len(values), dtype=np.int32)
    idx[present] = np.arange(1, len(present) + 1, dtype=np.int32)
    return table.take(pa.array(idx))


def money(cents: np.ndarray) -> pa.Array:
    """Whole cents as ``units.cc`` text (1299 -> 12.99); negative amounts keep their sign."""
    c = np.asarray(cents, dtype=np.int64)
    mag = np.abs(c)
    text = join(ints(mag // 100), fixed(len(c), b".", (TWO, mag % 100)))
    if (c < 0).any():
        text = pc.if_else(pa.array(c < 0), join("-", text), text)
    return text


def coord_parts(values: np.ndarray) -> list:
    """:func:`fixed` parts for numbers with exactly six decimals (GPS style), right-aligned: a
    shorter number gets a leading space, which JSON and SQL allow before a value. Whole parts
    must be below 1000."""
    scaled = np.rint(np.asarray(values, dtype=np.float64) * 1e6).astype(np.int64)
    neg, mag = scaled < 0, np.abs(scaled)
    whole = mag // 1_000_000
    frac = mag - whole * 1_000_000
    if len(whole) and whole.max() >= 1000:
        raise ValueError("coordinates must be below 1000 in absolute value")
    key = whole + np.where(neg, 1000, 0)
    present = np.flatnonzero(np.bincount(key, minlength=2000)) if len(key) else np.zeros(0, np.int64)
    width = max((len(_WHOLE[k]) for k in present.tolist()), default=1)
    rows = np.full((2000, width), ord(" "), dtype=np.uint8)
    for k in present.tolist():
        rows[k] = np.frombuffer(_WHOLE[k].rjust(width).encode(), dtype=np.uint8)
    high = frac // 1000
    return [(Table(rows), key), b".", (THREE, high), (THREE, frac - high * 1000)]


def coords(values: np.ndarray) -> pa.StringArray:
    """Six-decimal numbers as a string array (see :func:`coord_parts`)."""
    return fixed(len(values), *coord_parts(values))


def hex_matrix(values: np.ndarray) -> np.ndarray:
    """64-bit values as 16 lowercase hex digits each, an (n, 16) byte matrix."""
    v = np.asarray(values, dtype=np.uint64).astype(">u8")
    return _HEX_PAIRS[v.view(np.uint8).reshape(-1, 8)].view(np.uint8)



def padded(values: np.ndarray, width: int, prefix: bytes = b"") -> pa.StringArray:
    """Non-negative integers below 10**9 as ``prefix`` + exactly ``width`` zero-filled digits."""
    v = np.asarray(values, dtype=np.int64)
    groups = np.hstack([THREE.items[(v // 10**e) % 1000].view(np.uint8).reshape(-1, 3) for e in (6, 3, 0)])
    return fixed(len(v), prefix, groups[:, 9 - width:])


def choice(codes: np.ndarray, texts: list[str]) -> pa.Array:
    """Per-row text picked from a small vocabulary by integer code."""
    return pa.array(texts, pa.string()).take(pa.array(np.asarray(codes, dtype=np.int32)))


def quote(arr: pa.Array, q: str = '"') -> pa.Array:
    return join(q, arr, q)


class Calendar:
    """Timestamps as text for a bounded range of days (day numbers count from 1970-01-01).

    All timestamps fall within a few weeks, so small lookup tables (dates, ``HH:MM:SS``,
    milliseconds) make a timestamp three gathers.
    """

    def __init__(self, first_day: int, last_day: int) -> None:
        self.first, self.last = first_day, last_day
        epoch = dt.date(1970, 1, 1)
        dates = [(epoch + dt.timedelta(days=d)).isoformat().encode() for d in range(first_day, last_day + 1)]
        self.dates = Table.of(dates)
        self.dates_t = Table.of([d + b"T" for d in dates])
        self._tails: dict[bytes, Table] = {}

    def _index(self, days: np.ndarray) -> np.ndarray:
        if len(days) and (days.min() < self.first or days.max() > self.last):
            raise ValueError(f"day {int(days.min())}..{int(days.max())} is outside the calendar {self.first}..{self.last}")
        return days - self.first

    def _tail(self, suffix: bytes) -> Table:
        """``.mmmZ`` + suffix for every millisecond value (one table per suffix, kept)."""
        if suffix not in self._tails:
            self._tails[suffix] = Table.of([f".{i:03d}Z".encode() + suffix for i in range(1000)])
        return self._tails[suffix]

    def iso_parts(self, ms: np.ndarray, suffix: bytes = b"") -> list:
        """:func:`fixed` parts for ``YYYY-MM-DDTHH:MM:SS.mmmZ`` (ISO-8601, UTC, milliseconds) + suffix."""
        ms = np.asarray(ms, dtype=np.int64)
        day = ms // DAY_MS
        rest = ms - day * DAY_MS
        sec = rest // 1000
        return [(self.dates_t, self._index(day)), (hms(), sec), (self._tail(suffix), rest - sec * 1000)]

    def sql(self, seconds: np.ndarray) -> pa.StringArray:
        """``YYYY-MM-DD HH:MM:SS`` (UTC, whole seconds), the form SQL timestamp literals take."""
        s = np.asarray(seconds, dtype=np.int64)
        day = s // 86_400
        return fixed(len(s), (self.dates, self._index(day)), b" ", (hms(), s - day * 86_400))


def replace_rows(arr: pa.Array, mask: np.ndarray, values: list[str]) -> pa.Array:
    """``values`` (one per true row of ``mask``, in order) in place of those rows."""
    if not mask.any():
        return arr
    return pc.replace_with_mask(arr, pa.array(mask), pa.array(values, pa.string()))


def text(lines: pa.Array) -> memoryview:
    """The concatenated bytes of a string array (its data buffer), without copying."""
    if isinstance(lines, pa.ChunkedArray):
        lines = lines.combine_chunks()
    if len(lines) == 0:
        return memoryview(b"")
    if lines.null_count:
        raise ValueError("a formatted row is null; every part of a row must be non-null")
    _, offsets, data = lines.buffers()
    offs = np.frombuffer(offsets, dtype=np.int32, count=len(lines) + 1, offset=lines.offset * 4)
    return memoryview(data)[int(offs[0]) : int(offs[-1])]
