"""What the parser knows about one table: which columns are measures, dimensions and times, and
whether the table is already aggregated (a gold table of averages and counts per some grain).

Why classify: "average delivery time" over a table of per-neighborhood averages must not average
the averages again, and "how many sessions" over a daily table means SUM(sessions), not COUNT(*).
Everything here is read from names and logical types only (``TableInfo``), never from the data.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from odibi_core.intel.query.nl_vocabulary import (
    GRAIN_WORDS,
    canon,
    content_words,
    is_money_column,
    name_words,
    normalize,
    singular,
)
from odibi_core.intel.types import TableInfo

# baked-in aggregates, by the first or last word of a column name
_BAKED_PREFIX = {"avg": "avg", "average": "avg", "mean": "avg", "median": "median", "min": "min",
                 "minimum": "min", "max": "max", "maximum": "max", "active": "distinct", "distinct": "distinct",
                 "unique": "distinct"}
_BAKED_SUFFIX = {"rate": "rate", "ratio": "rate", "pct": "rate", "percent": "rate", "percentage": "rate",
                 "share": "rate"}
# when a time window or grain is asked for and several time columns exist, the first of these wins
PREFERRED_TIME = ("date", "day", "created_at", "started_at", "start_time", "ts", "timestamp", "event_time",
                  "event_ts", "occurred_at", "hour", "order_date", "time")
_LAYER_RANK = {"gold": 2, "silver": 1, "bronze": 0}


def kind_of_type(logical: str) -> str:
    t = (logical or "").lower()
    if t.startswith(("int", "uint", "float", "double", "decimal", "long", "short", "byte")):
        return "number"
    if t in ("date",) or t.startswith("timestamp"):
        return "time"
    if t in ("bool", "boolean"):
        return "bool"
    return "string" if t in ("string", "str", "large_string", "utf8") else "other"


@dataclass
class Column:
    name: str
    logical: str
    kind: str  # number | time | bool | string | other
    words: list[str]  # singular surface words of the name
    content: list[str]  # canonical meaning words (filler removed; the baked aggregate word removed)
    is_id: bool = False
    baked: str | None = None  # avg | median | min | max | rate | distinct: the value is already an aggregate
    count_like: bool = False  # an integer count per row of an aggregated table (sessions, pings)
    money: bool = False

    @property
    def is_measure(self) -> bool:
        return self.kind == "number" and not self.is_id

    @property
    def additive(self) -> bool:
        return self.is_measure and self.baked is None


@dataclass
class TableModel:
    info: TableInfo
    columns: dict[str, Column]
    words: set[str]  # canonical words of the table name
    noun: str  # canonical head noun: orders -> order, driver_pings -> ping
    aggregated: bool
    grain: list[str] = field(default_factory=list)  # non-measure columns of an aggregated table
    declared: list[str] = field(default_factory=list)  # dims the name promises: by_<dim>, daily -> day
    times: list[str] = field(default_factory=list)
    surface: set[str] = field(default_factory=set)  # the name's own words, singular ("sale" in sales)
    noun_surface: str = ""

    @property
    def name(self) -> str:
        return self.info.name

    @property
    def layer_rank(self) -> int:
        return _LAYER_RANK.get((self.info.layer or "").lower(), 1)

    def default_time(self) -> str | None:
        for preferred in PREFERRED_TIME:
            for t in self.times:
                if t.lower() == preferred:
                    return t
        return self.times[0] if self.times else None


def column_model(name: str, logical: str) -> Column:
    words = name_words(name)
    raw = normalize(name.replace("_", " ")).split()
    kind = kind_of_type(logical)
    is_id = bool(words) and (words[-1] in ("id", "key", "uuid") or name.lower() == "id")
    baked = None
    core = list(words)
    if kind == "number" and not is_id and len(words) > 1:
        if words[0] in _BAKED_PREFIX:
            baked = _BAKED_PREFIX[words[0]]
            if baked != "distinct":
                core = words[1:]
        elif words[-1] in _BAKED_SUFFIX:
            baked = "rate"
    count_like = (kind == "number" and not is_id and baked is None and logical.lower().startswith(("int", "uint"))
                  and bool(raw) and singular(raw[-1]) != raw[-1])
    # a column named only after an aggregate word ("total") keeps it as its meaning
    content = content_words(core) or [canon(w) for w in core]
    return Column(name, logical, kind, words, content, is_id, baked, count_like, is_money_column(core))


def table_model(info: TableInfo) -> TableModel:
    columns = {c: column_model(c, t) for c, t in info.columns.items()}
    raw = name_words(info.name)
    words = {canon(w) for w in raw if w not in ("by", "per", "of", "the", "and")}
    head = [w for w in raw if w not in GRAIN_WORDS and w not in ("by", "per", "of", "the", "and")]
    noun_surface = head[0] if "by" in raw and head else (head[-1] if head else raw[-1])
    noun = canon(noun_surface)
    aggregated = any(c.baked or c.count_like for c in columns.values())
    grain = [c.name for c in columns.values() if not c.is_measure and c.kind != "other"] if aggregated else []
    declared: list[str] = []
    if "by" in raw:
        after = raw[raw.index("by") + 1:]
        declared = [c.name for c in columns.values() if c.content and set(c.content) <= {canon(w) for w in after}]
    times = [c.name for c in columns.values() if c.kind == "time"]
    for w in raw:  # "conversion_daily": its rows are per date column; "zone_hourly": per the hour column
        unit = GRAIN_WORDS.get(w)
        col = next((c for c in times if (unit == "day" and columns[c].logical == "date") or c.lower() == unit), None)
        if col and col not in declared:
            declared.append(col)
    surface = {w for w in raw if w not in ("by", "per", "of", "the", "and")}
    return TableModel(info, columns, words, noun, aggregated, grain, declared, times, surface, noun_surface)
