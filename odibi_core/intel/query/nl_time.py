"""Time windows in a question ("last 30 days", "in November", "yesterday") as exact date ranges.

Why exact dates: "last week" means different things to different people. The parser turns every
window into ``[start, end)`` dates relative to ``today`` and the explanation shows them, so the
user sees what was counted. The conventions, in one place:

- "last N days|weeks|months|years", "past N ...", "past week|month|year": rolling, ending today
  (included): "last 7 days" with today 2026-11-01 is 2026-10-26 to 2026-11-01;
- "last week|month|year", "previous ...": the previous calendar week (Monday to Sunday), month, year;
- "this week|month|year" (and "month to date", ...): from its first day to today;
- "in November": the most recent November that has started by today; "in November 2025", "in 2026";
- "today", "yesterday", "on 2026-10-15", "on October 15", "since D", "after D", "before D",
  "since yesterday", "since last week", "between D1 and D2" / "from D1 to D2" (both days included).

Hours are not supported ("last 24 hours" has no window): ``today`` is a date, not a time.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass

MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4, "may": 5,
    "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9, "sep": 9, "sept": 9,
    "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}
_MONTH = r"(?:" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")"
_DAY = r"(?:[0-3]?[0-9])(?:st|nd|rd|th)?"
_YEAR = r"(?:19|20)[0-9]{2}"
DATE = rf"(?:{_YEAR}-[01]?[0-9]-[0-3]?[0-9]|{_MONTH} {_DAY}(?: {_YEAR})?|{_DAY} {_MONTH}(?: {_YEAR})?)"
_UNIT = r"(day|week|month|year)s?"
_PRE = r"(?:(?:in|during|for|over|within|from|of) )?(?:the )?"


@dataclass(frozen=True)
class TimeWindow:
    """Rows with ``start <= t < end`` (either side may be open). ``words`` is what the question said."""

    start: dt.date | None
    end: dt.date | None
    words: str

    def describe(self) -> str:
        last = self.end - dt.timedelta(days=1) if self.end else None
        if self.start and last and self.start == last:
            return f"on {self.start.isoformat()}"
        if self.start and last:
            return f"from {self.start.isoformat()} to {last.isoformat()}"
        if self.start:
            return f"from {self.start.isoformat()} on"
        return f"before {self.end.isoformat()}" if self.end else "at any time"


class BadDate(ValueError):
    """A date in the question that does not exist (2026-02-30)."""


def parse_date(text: str, today: dt.date) -> dt.date:
    """One date as the question wrote it; a day and month without a year is the latest one up to today."""
    parts = text.split()
    try:
        if len(parts) == 1:
            y, m, d = (int(p) for p in parts[0].split("-"))
            return dt.date(y, m, d)
        month = next(MONTHS[p] for p in parts if p in MONTHS)
        day = int(re.sub(r"\D", "", next(p for p in parts if p not in MONTHS and len(re.sub(r"\D", "", p)) <= 2)))
        years = [int(p) for p in parts if re.fullmatch(_YEAR, p)]
        if years:
            return dt.date(years[0], month, day)
        found = dt.date(today.year, month, day)
        return found if found <= today else dt.date(today.year - 1, month, day)
    except (ValueError, StopIteration) as exc:
        raise BadDate(f"'{text}' is not a date") from exc


def add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _unit_start(today: dt.date, unit: str) -> dt.date:
    if unit == "week":
        return today - dt.timedelta(days=today.weekday())
    if unit == "month":
        return today.replace(day=1)
    return today.replace(month=1, day=1)


def _rolling(today: dt.date, n: int, unit: str) -> tuple[dt.date, dt.date]:
    end = today + dt.timedelta(days=1)
    if unit == "day":
        return today - dt.timedelta(days=n - 1), end
    if unit == "week":
        return today - dt.timedelta(days=7 * n - 1), end
    return add_months(today, -n * (12 if unit == "year" else 1)) + dt.timedelta(days=1), end


def _previous(today: dt.date, unit: str) -> tuple[dt.date, dt.date]:
    if unit == "day":
        return today - dt.timedelta(days=1), today
    start = _unit_start(today, unit)
    if unit == "week":
        return start - dt.timedelta(days=7), start
    return (add_months(start, -1) if unit == "month" else start.replace(year=start.year - 1)), start


def _month_window(month: int, year: int | None, today: dt.date) -> tuple[dt.date, dt.date]:
    if year is None:
        year = today.year if month <= today.month else today.year - 1
    start = dt.date(year, month, 1)
    return start, add_months(start, 1)


def _between(a: dt.date, b: dt.date) -> tuple[dt.date, dt.date]:
    """Both days included, whichever order the question gave them in."""
    first, last = min(a, b), max(a, b)
    return first, last + dt.timedelta(days=1)


Handler = Callable[[re.Match, dt.date], tuple[dt.date | None, dt.date | None]]


def _one_day(d: dt.date) -> tuple[dt.date, dt.date]:
    return d, d + dt.timedelta(days=1)


_PATTERNS: list[tuple[re.Pattern, Handler]] = [(re.compile(p), h) for p, h in [
    (rf"\b(?:between|from) (?P<a>{DATE}) (?:and|to|until|till|through|thru) (?P<b>{DATE})\b",
     lambda m, t: _between(parse_date(m["a"], t), parse_date(m["b"], t))),
    (r"\bsince yesterday\b", lambda m, t: (t - dt.timedelta(days=1), t + dt.timedelta(days=1))),
    (rf"\bsince (?:the )?(?:last|previous) {_UNIT}\b",
     lambda m, t: (_previous(t, m[1])[0], t + dt.timedelta(days=1))),
    (rf"\b(?:since|starting|from) (?P<a>{DATE})\b", lambda m, t: (parse_date(m["a"], t), t + dt.timedelta(days=1))),
    (rf"\bafter (?P<a>{DATE})\b", lambda m, t: (parse_date(m["a"], t) + dt.timedelta(days=1), None)),
    (rf"\b(?:before|until|till) (?P<a>{DATE})\b", lambda m, t: (None, parse_date(m["a"], t))),
    (rf"\b(?:on )?(?P<a>{DATE})\b", lambda m, t: _one_day(parse_date(m["a"], t))),
    (rf"\b{_PRE}(?:last|past|previous|prior|recent) (?P<n>[0-9]+) {_UNIT}\b",
     lambda m, t: _rolling(t, int(m["n"]), m[2])),
    (rf"\b{_PRE}past {_UNIT}\b", lambda m, t: _rolling(t, 1, m[1])),
    (r"\b(?:the )?day before yesterday\b", lambda m, t: _one_day(t - dt.timedelta(days=2))),
    (rf"\b{_PRE}(?:last|previous|prior) {_UNIT}\b", lambda m, t: _previous(t, m[1])),
    (rf"\b{_PRE}(?:this|current) (week|month|year)\b|\b(week|month|year) to date\b",
     lambda m, t: (_unit_start(t, m[1] or m[2]), t + dt.timedelta(days=1))),
    (r"\b(wtd|mtd|ytd)\b",
     lambda m, t: (_unit_start(t, {"w": "week", "m": "month", "y": "year"}[m[1][0]]), t + dt.timedelta(days=1))),
    (r"\b(?:for |on )?today\b", lambda m, t: _one_day(t)),
    (r"\b(?:for |on )?yesterday\b", lambda m, t: _one_day(t - dt.timedelta(days=1))),
    (rf"\b(?:in|during|for|of) (?:the month of )?(?P<m>{_MONTH})(?: (?P<y>{_YEAR}))?\b|\b(?P<m2>{_MONTH}) (?P<y2>{_YEAR})\b",
     lambda m, t: _month_window(MONTHS[m["m"] or m["m2"]], int(m["y"] or m["y2"]) if (m["y"] or m["y2"]) else None, t)),
    (rf"\b(?:in |during |for )?(?:the )?(?:year )?(?P<y>{_YEAR})\b",
     lambda m, t: (dt.date(int(m["y"]), 1, 1), dt.date(int(m["y"]) + 1, 1, 1))),
]]


def extract_windows(text: str, today: dt.date) -> tuple[list[TimeWindow], str]:
    """Every time window in ``text`` (normalized), and the text without their words.

    Raises :class:`BadDate` for a date that does not exist."""
    found: list[TimeWindow] = []
    for pattern, handler in _PATTERNS:
        while (m := pattern.search(text)) is not None:
            start, end = handler(m, today)
            found.append(TimeWindow(start, end, m.group(0).strip()))
            text = (text[:m.start()] + " " + text[m.end():]).strip()
            text = " ".join(text.split())
    return found, text
