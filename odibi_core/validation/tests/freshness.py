"""``freshness``: the newest value of a timestamp column is recent enough."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from odibi_core.validation.base import SqlContext, TableCheck, TableFacts, Verdict, register_check

_UNITS = {"w": 7 * 86400, "d": 86400, "h": 3600, "m": 60, "s": 1}
_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([wdhms])")


def parse_age(text: str) -> dt.timedelta:
    """ "24h", "7d", "1d12h", "30m", "90s", "2w" -> timedelta; ValueError otherwise."""
    compact = text.strip().lower()
    parts = _PART.findall(compact)
    if not parts or _PART.sub("", compact).strip():
        raise ValueError(f"max_age '{text}' is not a duration; write e.g. 30m, 24h, 7d or 1d12h")
    return dt.timedelta(seconds=sum(float(n) * _UNITS[u] for n, u in parts))


def format_age(age: dt.timedelta) -> str:
    seconds = int(age.total_seconds())
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes}m"
    return f"{minutes}m {secs}s" if minutes else f"{secs}s"


def _as_utc(value: Any) -> dt.datetime:
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=dt.timezone.utc) if value.tzinfo is None else value.astimezone(dt.timezone.utc)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=dt.timezone.utc)
    raise TypeError(type(value).__name__)


@register_check
class FreshnessCheck(TableCheck):
    """Fails when ``now - MAX(column)`` exceeds ``max_age``, or when the column has no value at all.

    Timestamps without a time zone are taken as UTC; a date counts as its midnight (UTC).
    Text holding ISO timestamps is accepted too.
    """

    type = "freshness"

    def columns_used(self) -> list[str]:
        return [self.cfg.column]

    def bind(self, available: list[str]) -> None:
        try:
            self.max_age = parse_age(self.cfg.max_age)
        except ValueError as exc:
            raise self.config_error(str(exc)) from None
        super().bind(available)

    def aggregates(self, ctx: SqlContext) -> dict[str, str]:
        return {"newest": f"MAX({self.col(ctx, self.cfg.column)})"}

    def evaluate(self, facts: TableFacts) -> Verdict:
        newest = facts.values.get("newest")
        column = self.cfg.column
        if newest is None:
            return Verdict(False, f"{column} has no value ({facts.total_rows} rows), so freshness is unknown")
        try:
            newest_utc = _as_utc(newest)
        except (TypeError, ValueError):
            raise self.config_error(f"column '{column}' holds {newest!r}, not a timestamp or date; point the test "
                                    f"at a timestamp column or cast it first") from None
        age = dt.datetime.now(dt.timezone.utc) - newest_utc
        shown = "in the future" if age.total_seconds() < 0 else f"{format_age(age)} old"
        if age > self.max_age:
            return Verdict(False, f"newest {column} ({newest_utc:%Y-%m-%d %H:%M:%S} UTC) is {shown}, "
                                  f"older than max_age {self.cfg.max_age}")
        return Verdict(True, f"newest {column} is {shown}, within max_age {self.cfg.max_age}")
