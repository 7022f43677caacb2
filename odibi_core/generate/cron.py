"""5-field cron: parse (macros, names, ranges, steps) and convert to Quartz, for the targets whose
schedulers want something other than the cron text the YAML holds (Databricks, ADF, GitHub Actions)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from odibi_core.errors import OdibiError


_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
DAY_NAMES = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")  # cron numbering: SUN = 0 (and 7)
_FIELDS = (  # name, low, high, names (index 0 is the value `low`)
    ("minute", 0, 59, ()),
    ("hour", 0, 23, ()),
    ("day-of-month", 1, 31, ()),
    ("month", 1, 12, _MONTHS),
    ("day-of-week", 0, 7, DAY_NAMES),
)
CRON_MACROS = {"@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *",
           "@weekly": "0 0 * * 0", "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *"}
_ITEM = re.compile(r"^(\*|[A-Za-z0-9]+(?:-[A-Za-z0-9]+)?)(?:/(\d+))?$")


@dataclass(frozen=True)
class Cron:
    """A 5-field cron expanded to the values each field allows (day-of-week: 0 = Sunday .. 6)."""

    text: str
    minutes: tuple[int, ...]
    hours: tuple[int, ...]
    days: tuple[int, ...]
    months: tuple[int, ...]
    weekdays: tuple[int, ...]

    @property
    def any_day(self) -> bool:
        return self.days == tuple(range(1, 32))

    @property
    def any_month(self) -> bool:
        return self.months == tuple(range(1, 13))

    @property
    def any_weekday(self) -> bool:
        return self.weekdays == tuple(range(7))


def parse_cron(text: str, where: str) -> Cron:
    """Parse a standard 5-field cron (numbers, names, ranges, steps, lists, @daily-style macros).

    ``where`` names the schedule in errors (e.g. "pipeline 'bronze'").
    """
    expr = CRON_MACROS.get(text.strip().lower(), text.strip())
    parts = expr.split()
    if len(parts) != 5:
        raise OdibiError(f"{where}: schedule '{text}' is not a 5-field cron (minute hour day-of-month month "
                         "day-of-week), e.g. '0 6 * * *'")
    values = [_field(part, spec, text, where) for part, spec in zip(parts, _FIELDS)]
    weekdays = tuple(sorted({d % 7 for d in values[4]}))
    return Cron(text, *values[:4], weekdays)


def _field(part: str, spec: tuple, text: str, where: str) -> tuple[int, ...]:
    name, low, high, _ = spec
    out: set[int] = set()
    for item in part.split(","):
        m = _ITEM.match(item)
        if not m:
            raise OdibiError(f"{where}: schedule '{text}': cannot read '{item}' in the {name} field")
        base, step = m.group(1), int(m.group(2)) if m.group(2) else 1
        if step < 1:
            raise OdibiError(f"{where}: schedule '{text}': a step must be at least 1 in the {name} field")
        if base == "*":
            start, stop = low, high if name != "day-of-week" else 6
        else:
            first, _, last = base.partition("-")
            start = _value(first, spec, text, where)
            stop = _value(last, spec, text, where) if last else (high if m.group(2) else start)
            if stop < start:
                raise OdibiError(f"{where}: schedule '{text}': the range '{base}' in the {name} field runs backwards")
        out.update(range(start, stop + 1, step))
    return tuple(sorted(out))


def _value(token: str, spec: tuple, text: str, where: str) -> int:
    name, low, high, names = spec
    if token.isdigit():
        value = int(token)
    elif token.upper() in names:
        value = names.index(token.upper()) + low
    else:
        raise OdibiError(f"{where}: schedule '{text}': '{token}' is not a valid {name}")
    if not low <= value <= high:
        raise OdibiError(f"{where}: schedule '{text}': {value} is outside {low}-{high} in the {name} field")
    return value


def _compact(values: list[str] | tuple, consecutive) -> str:
    """``a,b,c-f``: runs of three or more consecutive values become ranges."""
    out, i = [], 0
    while i < len(values):
        j = i
        while j + 1 < len(values) and consecutive(values[j], values[j + 1]):
            j += 1
        out.append(f"{values[i]}-{values[j]}" if j - i >= 2 else ",".join(str(v) for v in values[i:j + 1]))
        i = j + 1
    return ",".join(out)


def to_quartz(cron: Cron, where: str) -> str:
    """The Quartz expression firing at the same minutes (seconds 0).

    Quartz numbers weekdays SUN=1..SAT=7 (cron: SUN=0) and needs ``?`` in exactly one of the
    two day fields, so weekdays are written as names and a cron restricting both day fields
    (which cron ORs, or ANDs when one starts with ``*``) is refused: Quartz cannot say either.
    """
    def nums(values: tuple[int, ...], full: tuple[int, ...]) -> str:
        return "*" if values == full else _compact(values, lambda a, b: b == a + 1)

    if not cron.any_day and not cron.any_weekday:
        raise OdibiError(f"{where}: schedule '{cron.text}' restricts both the day of the month and the day of the "
                         "week; a Quartz cron (Databricks) can restrict only one. Restrict one, or set -O schedule=")
    minute = nums(cron.minutes, tuple(range(60)))
    hour = nums(cron.hours, tuple(range(24)))
    month = nums(cron.months, tuple(range(1, 13)))
    if cron.any_weekday:
        dom, dow = nums(cron.days, tuple(range(1, 32))), "?"
    else:
        names = [DAY_NAMES[d] for d in cron.weekdays]
        dom, dow = "?", _compact(names, lambda a, b: DAY_NAMES.index(b) == DAY_NAMES.index(a) + 1)
    return f"0 {minute} {hour} {dom} {month} {dow}"
