"""The words the question parser knows, and how a question and a column name become comparable.

Why one vocabulary module: a question says "neighbourhood", "deliveries" or "revenue" while the
column is ``neighborhood``, ``delivery_minutes`` or ``total``. Both sides go through the same
:func:`normalize`, :func:`singular` and :func:`canon`, so matching is a comparison of canonical
words, and adding a synonym is one line here rather than a special case in the parser.
"""

from __future__ import annotations

import re

# British -> American spellings (applied to questions and to known values alike)
SPELLING = {
    "neighbourhood": "neighborhood", "neighbourhoods": "neighborhoods", "cancelled": "canceled",
    "cancelling": "canceling", "centre": "center", "centres": "centers", "colour": "color",
    "colours": "colors", "favourite": "favorite", "catalogue": "catalog", "organisation": "organization",
    "kilometre": "kilometer", "kilometres": "kilometers", "metre": "meter", "metres": "meters",
    "travelled": "traveled", "analyse": "analyze", "summarise": "summarize", "behaviour": "behavior",
}

NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30, "sixty": 60,
    "ninety": 90, "hundred": 100,
}

# words that carry no meaning for the query; anything else must be placed or the question is refused
STOPWORDS = frozenset(str.split("""
a an the of for in on at to from with and or is are was were be been being do does did done what which
who whom whose how me my our we us i you your please show give list get find tell display see view
report return compute calculate let s all there that this these those it its by per as have has had
any some every each overall whole across data table dataset row rows record records entry entries
value values much many than into over during within when where while then so just also only up
can could would should will shall might may must about around versus vs like kind want need know
look looking see seen whats take takes took taking happen happened got get
"""))

# question words -> aggregate (the first one wins; a later one is read as an ordinary word)
AGGREGATE_WORDS = {
    "average": "avg", "avg": "avg", "mean": "avg", "median": "median",
    "total": "sum", "sum": "sum", "count": "count", "max": "max", "maximum": "max",
    "min": "min", "minimum": "min",
}
DISTINCT_WORDS = frozenset({"distinct", "unique", "different"})
# superlatives: direction, and what they imply when no measure is named
SUPERLATIVES = {
    "most": "desc", "highest": "desc", "largest": "desc", "biggest": "desc", "longest": "desc",
    "greatest": "desc", "busiest": "desc", "top": "desc", "best": "desc",
    "fewest": "asc", "least": "asc", "lowest": "asc", "smallest": "asc", "shortest": "asc",
    "quietest": "asc", "bottom": "asc", "worst": "asc",
}
COUNTING_SUPERLATIVES = frozenset({"most", "fewest", "least", "busiest", "quietest"})
DURATION_SUPERLATIVES = frozenset({"longest", "shortest"})
NEGATIONS = frozenset({"not", "non", "excluding", "except", "without"})

# time grains: the words that ask for one, and the grain they name
GRAIN_WORDS = {
    "day": "day", "date": "day", "daily": "day", "hour": "hour", "hourly": "hour", "week": "week",
    "weekly": "week", "month": "month", "monthly": "month", "year": "year", "yearly": "year",
    "annual": "year", "annually": "year", "hourofday": "hour_of_day",
}
GRAIN_ADJECTIVES = frozenset({"daily", "hourly", "weekly", "monthly", "yearly", "annual", "annually"})

# synonym groups: every word maps to the group's first word
_GROUPS = (
    ("time", "duration", "minute", "second", "length", "sec", "mins", "secs", "elapsed"),
    ("revenue", "sale", "gmv", "turnover", "income", "total"),
    ("neighborhood", "area", "district", "quarter"),
    ("city", "town"),
    ("user", "customer", "client", "buyer", "eater"),
    ("driver", "courier", "rider"),
    ("restaurant", "merchant", "store", "vendor", "shop", "outlet"),
    ("session", "visit"),
    ("click", "event"),
    ("ping", "gps"),
    ("order", "purchase", "ordered", "purchased", "bought"),
    ("conversion", "converted", "convert", "conversions"),
    ("status", "state"),
    ("tip", "gratuity", "tipping"),
    ("fee", "charge"),
    ("delivery", "delivered", "deliver"),
    ("start", "started", "begin", "began"),
    ("end", "ended", "finish", "finished"),
    ("create", "created", "placed", "place"),
    ("pickup", "picked", "pick"),
)
SYNONYMS = {w: g[0] for g in _GROUPS for w in g}
# multi-word phrases read as one column word before matching
PHRASES = {
    "order value": "total", "order total": "total", "basket value": "subtotal", "time spent": "time",
    "picked up": "pickup", "pick up": "pickup",
}
# vague money words: they fit any money column, weakly (several fits mean "which one?")
MONEY_WORDS = frozenset({"amount", "money", "spend", "spent", "spending", "value", "price", "cost", "paid"})
MONEY_COLUMN_WORDS = frozenset({"revenue", "subtotal", "tip", "fee", "amount", "price", "cost", "paid",
                                "payment", "spend", "discount", "tax"})
# column-name words that say nothing about meaning
COLUMN_FILLER = frozenset({"id", "at", "key", "the", "of", "on", "by", "per", "in", "is", "to", "num", "nb"})
# measures that are naturally averaged (the rest are summed) when no aggregate is asked for
AVERAGED_WORDS = frozenset({"time", "rate", "ratio", "price", "lat", "lon", "latitude", "longitude", "score",
                            "rating", "age", "speed", "temperature", "percent", "pct", "share"})

_SINGULAR_KEEP = ("ss", "us", "is", "ous", "ics", "news", "series")
_WORD_RE = re.compile(r"[a-z0-9]+(?:[-:./][0-9]+)*")


def normalize(text: str) -> str:
    """Lower case, one space between words, British spellings and number words made plain.

    Dates (``2026-11-01``) and decimals keep their punctuation; other punctuation, underscores
    and apostrophes separate words (``delivery_minutes`` reads as ``delivery minutes``)."""
    text = text.lower().replace("\u2019", "'").replace("_", " ")
    text = re.sub(r"'s\b", "", text)
    words = [SPELLING.get(w, w) for w in _WORD_RE.findall(text)]
    return " ".join(str(NUMBER_WORDS[w]) if w in NUMBER_WORDS else w for w in words)


def singular(word: str) -> str:
    """A plain English singular: orders -> order, cities -> city, statuses -> status."""
    if len(word) <= 3 or not word.endswith("s") or word.endswith(_SINGULAR_KEEP) or word.isdigit():
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "zes", "ches", "shes", "uses")):
        return word[:-2]
    return word[:-1]


def plural(word: str) -> str:
    if word.endswith("y") and word[-2:-1] not in "aeiou":
        return word[:-1] + "ies"
    return word + ("es" if word.endswith(("s", "x", "ch", "sh")) else "s")


def canon(word: str) -> str:
    """The canonical form two words must share to mean the same thing."""
    w = singular(word)
    return SYNONYMS.get(w, SYNONYMS.get(word, w))


def apply_phrases(words: list[str]) -> list[str]:
    """Replace known multi-word phrases ("order value") by their column word ("total")."""
    out: list[str] = []
    i = 0
    while i < len(words):
        pair = " ".join(words[i:i + 2])
        if pair in PHRASES:
            out.append(PHRASES[pair])
            i += 2
            continue
        out.append(words[i])
        i += 1
    return out


def name_words(name: str) -> list[str]:
    """The words of a column or table name, normalized and singular: ``deliveredOrders`` and
    ``delivered_orders`` both give ``["delivered", "order"]``."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name)
    return [singular(w) for w in normalize(spaced).split()]


def content_words(words: list[str]) -> list[str]:
    """The canonical words of a name that carry meaning (filler like ``id`` or ``at`` removed)."""
    out: list[str] = []
    for w in words:
        c = canon(w)
        if w in COLUMN_FILLER or c in out:
            continue
        out.append(c)
    return out


def is_money_column(words: list[str]) -> bool:
    return any(canon(w) in MONEY_COLUMN_WORDS or canon(w) == "revenue" for w in words)
