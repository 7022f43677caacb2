"""The shape of a question, before any table is looked at: aggregate, measure words, "by X"
groupings, time window, top-N, ordering.

Why separate from the tables: the same question is then tried against every table in scope with
the same reading, so the best table wins on how well its columns fit, not on the order tables
were listed. Words that are not structure (measure, table and value words) stay in ``pool`` for
the table matcher; nothing is dropped silently, so an unknown word can be reported.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from odibi_core.intel.query.nl_time import TimeWindow, extract_windows
from odibi_core.intel.query.nl_vocabulary import (
    AGGREGATE_WORDS,
    COUNTING_SUPERLATIVES,
    DISTINCT_WORDS,
    GRAIN_ADJECTIVES,
    STOPWORDS,
    SUPERLATIVES,
    apply_phrases,
    normalize,
    singular,
)

_DIM_MARKERS = (("broken", "down", "by"), ("broken", "out", "by"), ("grouped", "by"), ("group", "by"),
                ("split", "by"), ("breakdown", "by"), ("for", "each"), ("for", "every"), ("in", "each"),
                ("in", "every"), ("by",), ("per",), ("across",))
_TERMINATORS = frozenset({"for", "in", "on", "with", "where", "from", "during", "when", "that", "which", "who",
                          "having", "excluding", "except", "without", "only", "whose", "sorted", "ordered", "since",
                          "between", "before", "after", "is", "are", "was", "were", "has", "had", "have"})
_SORT_WORDS = frozenset({"sorted", "ordered", "sort", "sorting", "ranked", "rank", "order"})
_DESC = frozenset({"desc", "descending", "decreasing"})
_ASC = frozenset({"asc", "ascending", "increasing"})
_RECENT = {"latest": "desc", "newest": "desc", "recent": "desc", "last": "desc", "oldest": "asc",
           "earliest": "asc", "first": "asc"}
_LIST_VERBS = frozenset({"show", "list", "display"})
_VERBS = r"(?:has|had|have|with|gets|got|get|sees|saw|see|is|are|was|were|did|does|do|shows|showed)"


# idioms rewritten to the words the rest of the reading knows
_REWRITES = [(re.compile(p), r) for p, r in (
    (r"\b(?:hour of (?:the )?day|time of (?:the )?day)\b", "hourofday"),
    (r"\bhow long\b", "time"),
    (r"\bon average\b", "average"),
    (r"\b(busiest|quietest) (\w+)\b", r"which \2 has the \1"),
)]


class QuestionError(ValueError):
    """The question's structure cannot be read (two time windows, a date that does not exist)."""


@dataclass
class Intent:
    question: str
    window: TimeWindow | None = None
    agg: str | None = None  # avg | sum | count | max | min | median
    distinct: bool = False
    pool: list[str] = field(default_factory=list)  # measure, table and value words (stopwords kept)
    dims: list[list[str]] = field(default_factory=list)  # one token list per "by X" phrase
    top: int | None = None
    direction: str | None = None  # desc | asc, for top-N and superlatives
    superlative: str | None = None
    head: list[str] | None = None  # "top 5 <head> by <measure>": the head, tried as a dimension or the table
    order_by: list[str] | None = None  # "sorted by <phrase>"
    order_dir: str | None = None
    recent: str | None = None  # "latest 10 orders": desc | asc over the table's time column
    limit: int | None = None
    listing: bool = False  # the question starts with show / list / display


def read_intent(question: str, today: dt.date) -> Intent:
    text = normalize(question)
    windows, text = extract_windows(text, today)
    if len(windows) > 1:
        raise QuestionError("the question has more than one time window (" +
                            ", ".join(f"'{w.words}'" for w in windows) + "); ask for one")
    intent = Intent(question=question, window=windows[0] if windows else None)
    for pattern, replacement in _REWRITES:
        text = pattern.sub(replacement, text)
    tokens = apply_phrases(text.split())
    intent.listing = bool(tokens) and tokens[0] in _LIST_VERBS
    tokens = _sort_clause(tokens, intent)
    tokens = _recent(tokens, intent)
    intent.listing = intent.listing or intent.recent is not None
    tokens = _top_n(tokens, intent)
    tokens = _which_most(tokens, intent)
    tokens = _dimensions(tokens, intent)
    tokens = _aggregates(tokens, intent)
    intent.pool = tokens
    return intent


def _sort_clause(tokens: list[str], intent: Intent) -> list[str]:
    for pair in (("in", "descending", "order"), ("in", "ascending", "order"), ("in", "decreasing", "order"),
                 ("in", "increasing", "order")):
        i = _find(tokens, pair)
        if i is not None:
            intent.order_dir = "desc" if pair[1] in _DESC else "asc"
            tokens = tokens[:i] + tokens[i + 3:]
    for i, t in enumerate(tokens[:-1]):
        if t in _SORT_WORDS and tokens[i + 1] in ("by", "on") and (t != "order" or i == 0 or tokens[i - 1] in ("and",)):
            phrase = tokens[i + 2:]
            for j, w in enumerate(phrase):
                if w in _DESC or w in _ASC:
                    intent.order_dir = "desc" if w in _DESC else "asc"
                    phrase = phrase[:j] + phrase[j + 1:]
                    break
            while len(phrase) >= 2 and phrase[-1] == "first" and phrase[-2] in SUPERLATIVES:
                intent.order_dir = SUPERLATIVES[phrase[-2]]
                phrase = phrase[:-2]
            intent.order_by = phrase
            prefix = tokens[:i]
            return prefix[:-1] if prefix[-1:] == ["and"] else prefix
    return tokens


def _recent(tokens: list[str], intent: Intent) -> list[str]:
    for i, t in enumerate(tokens):
        word = t
        skip = 1
        if t == "most" and i + 1 < len(tokens) and tokens[i + 1] == "recent":
            word, skip = "recent", 2
        if word not in _RECENT:
            continue
        if i > 0 and tokens[i - 1].isdigit():  # "the 10 most recent orders"
            intent.recent, intent.limit = _RECENT[word], int(tokens[i - 1])
            return tokens[:i - 1] + tokens[i + skip:]
        rest = tokens[i + skip:]
        if rest and rest[0].isdigit():
            intent.recent, intent.limit = _RECENT[word], int(rest[0])
            return tokens[:i] + rest[1:]
        if word in ("latest", "newest", "recent", "oldest", "earliest"):
            intent.recent = _RECENT[word]
            return tokens[:i] + rest
    return tokens


def _top_n(tokens: list[str], intent: Intent) -> list[str]:
    for i, t in enumerate(tokens):
        if t not in ("top", "bottom") and not (t in SUPERLATIVES and i + 1 < len(tokens) and tokens[i + 1].isdigit()):
            continue
        rest = tokens[i + 1:]
        if rest and rest[0].isdigit():
            n, rest = int(rest[0]), rest[1:]
        elif t in ("top", "bottom") and rest:
            n = 1 if singular(rest[0]) == rest[0] else 10
        else:
            continue
        intent.top, intent.direction = max(n, 1), SUPERLATIVES[t]
        end = next((j for j, w in enumerate(rest) if w in _TERMINATORS or w in ("by", "per")), len(rest))
        head = rest[:end]
        after = rest[end:]
        if head:
            intent.head = head
        if after[:1] == ["by"]:  # "top 5 neighborhoods by orders": the by-phrase is the measure
            stop = next((j for j, w in enumerate(after[1:], 1) if w in _TERMINATORS), len(after))
            return tokens[:i] + after[1:stop] + after[stop:]
        return tokens[:i] + after
    return tokens


def _which_most(tokens: list[str], intent: Intent) -> list[str]:
    sups = "|".join(SUPERLATIVES)
    text = " ".join(tokens)
    m = re.search(rf"\b(?:which|what) (?P<dim>[a-z0-9 ]+?) {_VERBS}(?: the)? (?P<sup>{sups})\b", text)
    if m is None:
        m = re.search(rf"\b(?P<dim>[a-z0-9]+(?: [a-z0-9]+)?) with(?: the)? (?P<sup>{sups})\b", text)
        if m is not None:
            dim = [w for w in m["dim"].split() if w not in STOPWORDS]
            if not dim:
                return tokens
            m_dim = dim
        else:
            return tokens
    else:
        m_dim = m["dim"].split()
    intent.superlative = m["sup"]
    intent.direction = intent.direction or SUPERLATIVES[m["sup"]]
    if intent.head is None:
        intent.top = intent.top or 1
        intent.dims.append([w for w in m_dim if w not in STOPWORDS] or m_dim)
    before = text[:m.start()].split()
    after = text[m.end():].split()
    return before + after


def _dimensions(tokens: list[str], intent: Intent) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(tokens):
        marker = next((m for m in _DIM_MARKERS if tuple(tokens[i:i + len(m)]) == m), None)
        if marker is None:
            if tokens[i] in GRAIN_ADJECTIVES:
                intent.dims.append([tokens[i]])
            else:
                out.append(tokens[i])
            i += 1
            continue
        j = i + len(marker)
        phrase: list[str] = []
        while j < len(tokens) and tokens[j] not in _TERMINATORS \
                and not any(tuple(tokens[j:j + len(m)]) == m for m in _DIM_MARKERS if len(m) > 1 or m == ("per",)):
            phrase.append(tokens[j])
            j += 1
        for part in _split_and(phrase):
            intent.dims.append(part)
        i = j
    return out


def _split_and(phrase: list[str]) -> list[list[str]]:
    parts: list[list[str]] = [[]]
    for w in phrase:
        if w in ("and", "by", "then"):
            parts.append([])
        elif w not in ("the", "a", "an", "each", "every", "all"):
            parts[-1].append(w)
    return [p for p in parts if p]


def _aggregates(tokens: list[str], intent: Intent) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(tokens):
        t, nxt = tokens[i], tokens[i + 1] if i + 1 < len(tokens) else ""
        if (t, nxt) in (("how", "many"), ("number", "of"), ("count", "of"), ("no", "of")):
            if intent.agg in (None, "sum"):  # "total number of": a count; "average number of": stays avg
                intent.agg = "count"
            i += 2
            continue
        if (t, nxt) in (("how", "much"),):
            intent.agg = intent.agg or "sum"
            i += 2
            continue
        if t in DISTINCT_WORDS:
            intent.distinct = True
        elif t in AGGREGATE_WORDS and (intent.agg is None or (intent.agg == "sum" and AGGREGATE_WORDS[t] == "count")):
            intent.agg = AGGREGATE_WORDS[t]
            if nxt == "of":
                i += 1
        elif t in SUPERLATIVES and intent.superlative is None and t not in ("top", "bottom"):
            intent.superlative = t
            intent.direction = intent.direction or SUPERLATIVES[t]
            if t in COUNTING_SUPERLATIVES and not intent.dims and intent.top is None:
                out.append(t)  # "the most orders" with nothing to rank: left for the table to refuse
        else:
            out.append(t)
        i += 1
    if intent.superlative and intent.dims and intent.top is None and intent.agg is not None \
            and intent.superlative not in COUNTING_SUPERLATIVES:
        intent.top = 1  # "highest average delivery time by city": the city ranked first
    if intent.agg == "sum" and not [w for w in out if w not in STOPWORDS] and "total" in tokens:
        intent.agg = None  # "top 5 orders by total": the column named total, not an aggregate
        out.append("total")
    return out


def _find(tokens: list[str], seq: tuple[str, ...]) -> int | None:
    for i in range(len(tokens) - len(seq) + 1):
        if tuple(tokens[i:i + len(seq)]) == seq:
            return i
    return None
