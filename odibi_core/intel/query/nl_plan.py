"""One table's answer to a question: the SELECT, how sure we are, and a sentence saying what it does.

The rules that keep answers right rather than plausible live here:

- a column that is already an aggregate (``avg_delivery_minutes``, ``conversion_rate``,
  ``active_drivers``) is shown as stored, at the table's grain, never averaged or summed again; when
  the question asks for another grouping this table is refused and a raw table can answer instead;
- counts stored per row of an aggregated table (``sessions``, ``pings``) are summed, not counted;
- rows are counted only in tables of rows, never in a table of aggregates.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from odibi_core.intel.query.nl_intent import Intent
from odibi_core.intel.query.nl_match import to_words
from odibi_core.intel.query.nl_reading import (
    Dim,
    Filters,
    Measure,
    Refuse,
    leftover_filters,
    resolve_dims,
    resolve_measure,
    take_values,
    time_column,
    time_hint,
)
from odibi_core.intel.query.nl_schema import Column, TableModel
from odibi_core.intel.query.nl_sql import (
    Item,
    Plan,
    aggregate_expr,
    aggregate_name,
    date_lit,
    q,
)
from odibi_core.intel.query.nl_vocabulary import (
    AVERAGED_WORDS,
    COUNTING_SUPERLATIVES,
    DURATION_SUPERLATIVES,
    canon,
    plural,
)

LIST_LIMIT = 100  # rows shown when a question lists rows without saying how many
_AGG_WORDS = {"avg": "average", "sum": "total", "count": "count", "max": "maximum", "min": "minimum",
              "median": "median", "distinct": "number of distinct"}
_BAKED_WORDS = {"avg": "an average", "median": "a median", "min": "a minimum", "max": "a maximum",
                "rate": "a rate", "distinct": "a distinct count"}


@dataclass
class Reading:
    table: TableModel
    plan: Plan | None = None
    score: float = 0.0
    mention: int = 0
    explanation: str = ""
    chart: tuple[str, str, str] | None = None  # (kind, x, y)
    unplaced: list[str] = field(default_factory=list)
    reason: str | None = None
    ambiguous: list[str] = field(default_factory=list)

    @property
    def rank(self) -> tuple[float, int, int]:
        return (self.score, self.table.layer_rank, self.mention)


def interpret(intent: Intent, table: TableModel) -> Reading:
    reading = Reading(table)
    try:
        _interpret(intent, table, reading)
    except Refuse as exc:
        reading.plan = None
        reading.unplaced, reading.reason, reading.ambiguous = exc.unplaced, exc.reason, exc.ambiguous
    return reading


def _interpret(intent: Intent, t: TableModel, r: Reading) -> None:
    said = {w.canon for part in [intent.pool, intent.head or []] + intent.dims for w in to_words(part)}
    r.mention = len({w.surface for part in [intent.pool, intent.head or []] + intent.dims
                     for w in to_words(part)} & t.surface)
    filters = Filters()
    pool = take_values(intent.pool, t, filters, said)
    phrases = [take_values(d, t, filters, said) for d in intent.dims]
    head = take_values(intent.head, t, filters, said) if intent.head else None
    unknown: list[str] = []  # every word this table cannot place, so the closest table can be named
    try:
        measure = resolve_measure(to_words(pool), t)
    except Refuse as exc:
        if not exc.unplaced or exc.ambiguous:
            raise
        unknown += exc.unplaced
        measure = Measure(None, 0)
    hint = time_hint(measure.rest, t)
    dims: list[Dim] = []
    rows_by_head = False
    for i, phrase in enumerate(phrases + ([head] if head else [])):
        try:
            found = resolve_dims(phrase, t, hint)
        except Refuse as exc:
            if not exc.unplaced or exc.ambiguous:
                raise
            unknown += exc.unplaced
            continue
        if i == len(phrases) and found is None:  # "top 5 orders by total": the table's own rows
            if t.aggregated or t.noun_surface not in {w.surface for w in to_words(phrase)}:
                unknown += [w.surface for w in to_words(phrase)]
                continue
            rows_by_head = True
        dims += found or []
    unknown += [w.surface for w in leftover_filters(measure.rest, t, filters)]
    if unknown:
        raise Refuse(unplaced=unknown)
    if len({d.key for d in dims}) < len(dims):
        dims = [d for i, d in enumerate(dims) if d.key not in {e.key for e in dims[:i]}]
    if intent.window is not None:
        col = time_column(t, hint, f"'{intent.window.words}'")
        if intent.window.start:
            filters.where.append(f"{q(col)} >= {date_lit(intent.window.start)}")
        if intent.window.end:
            filters.where.append(f"{q(col)} < {date_lit(intent.window.end)}")
        filters.said.append(f"{col} {intent.window.describe()}")
    plan = Plan(t.name, where=filters.where)
    bonus, what = _select(intent, t, measure, dims, plan, rows_by_head, hint, filtered=bool(filters.columns))
    _order(intent, t, plan, dims)
    r.plan = plan
    r.score = measure.score + sum(d.score for d in dims) + bonus
    r.explanation = _explain(t, what, dims, filters.said, plan)
    measures = [i for i in plan.items if i.role == "measure"]
    if len(dims) == 1 and len(measures) == 1 and plan.inner is None:
        r.chart = ("line" if dims[0].item.time else "bar", dims[0].item.name, measures[0].name)


def _select(intent: Intent, t: TableModel, m: Measure, dims: list[Dim], plan: Plan, rows_by_head: bool,
            hint: str | None, *, filtered: bool) -> tuple[float, str]:
    """Fill the SELECT list, GROUP BY and LIMIT; returns a score bonus and what is measured, in words."""
    agg = intent.agg
    column = m.column
    if column is not None and intent.superlative in DURATION_SUPERLATIVES and "time" not in column.content:
        raise Refuse(reason=f"'{intent.superlative}' asks for a duration, and {column.name} is not one")
    if column is None and intent.superlative in DURATION_SUPERLATIVES:
        column = _implied_duration(t, intent)
        m.score = 2
    if column is None and agg in ("avg", "max", "min", "median"):
        return _per_grain(t, agg, dims, plan)
    if column is None:
        counting = agg in ("count", "sum") or dims or intent.top or intent.superlative in COUNTING_SUPERLATIVES
        if not counting:
            return _listing(intent, t, plan, hint)
        if t.aggregated:
            raise Refuse(reason=f"{t.name} holds aggregates (one row per {', '.join(t.grain) or 'group'}); "
                                f"counting its rows would count groups, not {plural(t.noun_surface)}")
        if m.score < 3 and not filtered:  # "how many by city": rows of which table?
            raise Refuse(reason=f"count what? the question names no rows to count (e.g. '{plural(t.noun_surface)}')")
        count = Item("COUNT(*)", aggregate_name("count", None, t.noun_surface), "measure")
        return _grouped(plan, dims, count, intent), f"number of {plural(t.noun_surface)}"
    if m.entity:
        counted = agg == "count" or intent.distinct or m.distinct or intent.superlative in COUNTING_SUPERLATIVES \
            or bool(dims)  # "drivers by city": how many distinct drivers in each city
        if agg in ("count", None) and counted and (agg or dims):
            item = Item(aggregate_expr("distinct", column.name),
                        aggregate_name("distinct", column.name, t.noun_surface), "measure")
            return _grouped(plan, dims, item, intent), f"number of distinct {column.name}"
        if agg is None and not dims and not intent.top:
            plan.items, plan.distinct = [Item(q(column.name), column.name, "dim")], True
            plan.order_by = [(q(column.name), "asc")]
            return 0.0, f"the distinct values of {column.name}"
        raise Refuse(reason=f"{column.name} in {t.name} is not a number; it can be counted, not "
                            f"{_AGG_WORDS.get(agg or 'sum', agg)}ed")
    if rows_by_head:  # "top 5 orders by total": the rows themselves, ranked
        plan.order_by = [(q(column.name), intent.direction or "desc")]
        plan.limit = intent.top or LIST_LIMIT
        return 0.0, f"{plural(t.noun_surface)} ranked by {column.name}"
    if intent.distinct or m.distinct:
        agg = "distinct"
    elif agg is None and intent.superlative and not intent.top and intent.superlative not in COUNTING_SUPERLATIVES:
        agg = "max" if intent.direction == "desc" else "min"  # "highest delivery time (by city)"
    if intent.listing and agg is None and column.count_like and not dims and not intent.top:
        raise Refuse(reason=f"{t.name} holds counts ({column.name}), not the rows to show")
    if t.aggregated:
        done = _stored(t, column, agg, dims, plan, intent)
        if done is not None:
            return done
    if agg in (None, "count") and column.count_like:
        agg = "sum"
    elif agg is None:
        agg = "avg" if (set(column.content) & AVERAGED_WORDS or column.baked) else "sum"
    # an average (or max, ...) over the rows of an aggregated table is per stored group, not per
    # original row: right only if that is what was meant, so a table of raw rows is preferred
    bonus = -1.0 if t.aggregated and agg in ("avg", "median", "min", "max") else 0.0
    item = Item(aggregate_expr(agg, column.name), aggregate_name(agg, column.name, t.noun_surface), "measure")
    return _grouped(plan, dims, item, intent) + bonus, f"{_AGG_WORDS[agg]} of {column.name}"


def _stored(t: TableModel, col: Column, agg: str | None, dims: list[Dim], plan: Plan,
            intent: Intent) -> tuple[float, str] | None:
    """Use a pre-aggregated column as stored, or refuse to re-aggregate it; None: aggregate as usual."""
    keys = [d.key for d in dims]
    plain = all(k in t.columns for k in keys)
    grain = set(t.grain)
    if col.baked is None:  # a count or sum per row: summing it over any grouping is right
        if dims and plain and set(keys) == grain and agg in (None, "sum", "count"):
            # the table's own grain: SUM gives the stored values, and stays right if a group has several rows
            item = Item(aggregate_expr("sum", col.name), aggregate_name("sum", col.name, t.noun_surface), "measure")
            return _grouped(plan, dims, item, intent) + 1.0, f"total of the stored {col.name}"
        return None
    compatible = agg in (None, col.baked) or (col.baked == "rate" and agg == "avg") \
        or (col.baked == "distinct" and agg == "count")
    what = f"the stored {col.name} ({_BAKED_WORDS[col.baked]} per {', '.join(t.grain)}, not recomputed)"
    # "revenue by city" did not ask for an average: a stored avg_revenue fits less than a raw column
    unasked = -2.0 if agg is None and col.baked in ("avg", "median", "min", "max") else 0.0
    if not compatible:
        raise Refuse(reason=f"{col.name} in {t.name} is already {_BAKED_WORDS[col.baked]} per "
                            f"{', '.join(t.grain)}; its {_AGG_WORDS[agg]} would not be meaningful")
    if not dims:
        _direct(t, col, [], plan, intent)
        return -1.0 + unasked, what
    covered = plain and set(keys) <= grain
    missing = grain - set(keys)
    declared = set(keys) == set(t.declared)
    described = covered and any(t.columns[k].is_id for k in keys) \
        and all(t.columns[c].kind == "string" for c in missing)
    if covered and (not missing or declared or described):
        _direct(t, col, dims, plan, intent)
        return 1.0 + unasked, what
    raise Refuse(reason=f"{t.name} holds {col.name}, {_BAKED_WORDS[col.baked]} per {', '.join(t.grain)}; "
                        f"combining it by {', '.join(d.item.name for d in dims)} would "
                        f"{'average an average' if col.baked == 'avg' else 'not give the right number'}")


def _direct(t: TableModel, col: Column, dims: list[Dim], plan: Plan, intent: Intent) -> None:
    named = {d.key for d in dims}
    plan.items = [d.item for d in dims]
    plan.items += [Item(q(c), c, "attr", time=t.columns[c].kind == "time") for c in t.grain if c not in named]
    plan.items.append(Item(q(col.name), col.name, "measure"))
    if intent.top:
        plan.order_by, plan.limit = [(q(col.name), intent.direction or "desc")], intent.top
    elif not dims:  # the stored rows, in time order when the grain has a time
        first = next((c for c in t.grain if t.columns[c].kind == "time"), t.grain[0] if t.grain else None)
        plan.order_by = [(q(first), "asc")] if first else []


def _per_grain(t: TableModel, agg: str, dims: list[Dim], plan: Plan) -> tuple[float, str]:
    """"average orders per day": count rows per time grain, then aggregate the counts."""
    grains = [d for d in dims if d.item.time and d.key not in t.columns]
    if t.aggregated or len(dims) != 1 or not grains:
        raise Refuse(reason=f"'{_AGG_WORDS[agg]}' of what? name a measure of {t.name}: "
                            + (", ".join(c.name for c in t.columns.values() if c.is_measure) or "it has no numbers"))
    count = Item("COUNT(*)", aggregate_name("count", None, t.noun_surface), "measure")
    plan.inner = Plan(t.name, items=[grains[0].item, count], where=plan.where, group_by=[grains[0].group])
    plan.where = []
    name = aggregate_name(agg, count.name, t.noun_surface)
    plan.items = [Item(f"{agg.upper()}({q(count.name)})", name, "measure")]
    return 0.0, f"{_AGG_WORDS[agg]} number of {plural(t.noun_surface)} per {grains[0].item.name}"


def _grouped(plan: Plan, dims: list[Dim], item: Item, intent: Intent) -> float:
    plan.items = [d.item for d in dims] + [item]
    plan.group_by = [d.group for d in dims]
    if intent.top and dims:
        plan.order_by, plan.limit = [(q(item.name), intent.direction or "desc")], intent.top
    return 0.0


def _listing(intent: Intent, t: TableModel, plan: Plan, hint: str | None) -> tuple[float, str]:
    if t.noun not in {w.canon for w in to_words(intent.pool + (intent.head or []))}:
        raise Refuse(reason=f"the question names no measure, and not {t.name} itself")
    plan.items = []
    col = hint or t.default_time()
    if col is not None:
        plan.order_by = [(q(col), intent.recent or "desc")]
    plan.limit = intent.limit or intent.top or LIST_LIMIT
    return 0.0, f"{plural(t.noun_surface)} (rows)"


def _implied_duration(t: TableModel, intent: Intent) -> Column:
    times = [c for c in t.columns.values() if c.is_measure and "time" in c.content and not c.baked]
    if len(times) == 1:
        return times[0]
    word = intent.superlative or intent.agg or "average"
    raise Refuse(reason=f"'{word}' of what? name a measure of {t.name}: "
                        + (", ".join(c.name for c in t.columns.values() if c.is_measure) or "it has no numbers"),
                 ambiguous=[c.name for c in times] if len(times) > 1 else None)


def _order(intent: Intent, t: TableModel, plan: Plan, dims: list[Dim]) -> None:
    if plan.inner is not None:
        return  # one number
    measures = [i for i in plan.items if i.role == "measure"]
    if intent.order_by is not None:
        words = {w.canon for w in to_words(intent.order_by)}
        dim = next((d for d in dims if words & d.words), None)
        if dim is not None:
            plan.order_by = [(q(dim.item.name), intent.order_dir or "asc")]
            return
        if measures and (not words or words & _measure_words(t, measures[0])):
            plan.order_by = [(q(measures[0].name), intent.order_dir or "desc")]
            return
        col = next((c for c in t.columns.values() if set(c.content) and set(c.content) <= words), None)
        if col is not None and not plan.group_by:
            plan.order_by = [(q(col.name), intent.order_dir or "asc")]
            return
        shown = ", ".join(i.name for i in plan.items) or "every column"
        raise Refuse(reason=f"'sorted by {' '.join(intent.order_by)}' names nothing in the result ({shown})")
    if intent.order_dir and plan.order_by:
        plan.order_by = [(e, intent.order_dir) for e, _ in plan.order_by]
    if not plan.order_by and dims:
        plan.order_by = [(q(d.item.name), "asc") for d in dims]


def _measure_words(t: TableModel, item: Item) -> set[str]:
    """Words that name the measure column of a result ("sorted by revenue", "sorted by count")."""
    words = {canon(w) for w in ("count", "value", "number", "total", "average", "sum", "amount")}
    words |= {canon(part) for part in item.name.split("_")}
    for c in t.columns.values():
        if c.name == item.name or q(c.name) in item.expr:
            words |= set(c.content)
    return words | {t.noun}


def _explain(t: TableModel, what: str, dims: list[Dim], said: list[str], plan: Plan) -> str:
    text = what[0].upper() + what[1:]
    if plan.inner is not None:
        pass  # "average number of orders per day" already says it
    elif dims and plan.group_by:
        text += " per " + " and ".join(d.item.name for d in dims)
    elif dims:
        text += ", shown for each " + " and ".join(d.item.name for d in dims)
    text += f", from {t.name}" + (f" ({t.info.layer} layer)" if t.info.layer else "")
    if said:
        text += ", where " + " and ".join(said)
    if plan.order_by and plan.limit is not None:
        name, direction = plan.order_by[0]
        name = name.strip('"')
        words = ("newest", "oldest") if name in t.columns and t.columns[name].kind == "time" else ("highest", "lowest")
        text += f"; the first {plan.limit} by {name}, {words[0] if direction == 'desc' else words[1]} first"
    elif plan.limit is not None:
        text += f"; at most {plan.limit} rows"
    return text + "."
