"""Do two engines agree on OdibiEats' gold (and the two named silver) tables?

Used by the benchmark report (``eats.py``) and by ``tests/reference_eats/test_bench_harness.py``,
so the check that says "pandas, Spark and the DuckDB baseline agree" is the same code that keeps
the baseline from drifting away from the project.

How. Each table is normalised first, because engines write the same values with different
physical types: timestamps (any unit, with or without a time zone) become whole microseconds
since the epoch in UTC, dates become ISO text, decimals and every other number that is a float
on either side become float64, integers int64, large strings strings. Then DuckDB joins the two
tables on the table's key (a FULL OUTER JOIN, so a missing or extra row is counted, not lost)
and counts the rows whose other columns differ. Floats are equal within
``|a - b| <= ATOL + RTOL * max(|a|, |b|)``: averages summed in another order differ in the last
bits between engines, nothing more is tolerated. NULL equals NULL. A key that is not unique on
either side is itself a disagreement (the join could hide a duplicate).

The "key aggregates" shown in the report are the row count and the sum of every numeric
column, computed over the same normalised tables, so they can be eyeballed next to each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

ATOL = 1e-6
RTOL = 1e-9

# table -> key columns (unique per row). Names are the files' stems in an engine's output folder.
TABLES: dict[str, tuple[str, ...]] = {
    "sessions": ("visitor_id", "started_at"),
    "conversion_daily": ("date",),
    "delivery_time_by_neighborhood": ("city", "neighborhood"),
    "driver_zone_activity": ("zone_id", "hour"),
    "identity_map": ("session_id",),
    "menu_items_scd2": ("menu_item_id", "valid_from"),
}
# where each table lives in the project's lake (layer/name)
LAKE_PATHS: dict[str, str] = {
    "sessions": "gold/sessions",
    "conversion_daily": "gold/conversion_daily",
    "delivery_time_by_neighborhood": "gold/delivery_time_by_neighborhood",
    "driver_zone_activity": "gold/driver_zone_activity",
    "identity_map": "silver/identity_map",
    "menu_items_scd2": "silver/menu_items_scd2",
}
# the contract's columns (issue 6); extra columns an engine writes are ignored
COLUMNS: dict[str, tuple[str, ...]] = {
    "sessions": ("session_key", "visitor_id", "user_id", "started_at", "ended_at", "duration_seconds",
                 "event_count", "converted"),
    "conversion_daily": ("date", "sessions", "converted_sessions", "conversion_rate", "avg_time_on_site_seconds"),
    "delivery_time_by_neighborhood": ("neighborhood", "city", "delivered_orders", "avg_delivery_minutes"),
    "driver_zone_activity": ("zone_id", "neighborhood", "hour", "pings", "active_drivers"),
    "identity_map": ("session_id", "user_id"),
    "menu_items_scd2": ("menu_item_id", "restaurant_id", "item_name", "price", "valid_from", "valid_to",
                        "is_current"),
}


@dataclass
class TableCheck:
    table: str
    rows: dict[str, int | None] = field(default_factory=dict)  # engine -> rows (None: table missing)
    sums: dict[str, dict[str, float]] = field(default_factory=dict)  # engine -> column -> sum
    problems: list[str] = field(default_factory=list)  # empty: every engine agrees with the reference

    @property
    def agree(self) -> bool:
        return not self.problems


def normalise(table: pa.Table, columns: tuple[str, ...]) -> pa.Table:
    """The contract's columns in comparable physical types (see the module docstring)."""
    missing = [c for c in columns if c not in table.column_names]
    if missing:
        raise ValueError(f"missing column(s) {missing}")
    out = {}
    for name in columns:
        col = table.column(name)
        t = col.type
        if pa.types.is_timestamp(t):
            if t.tz is not None:
                col = pc.cast(col, pa.timestamp(t.unit, tz="UTC"))
            col = pc.cast(pc.cast(col, pa.timestamp("us", tz=t.tz and "UTC"), safe=False), pa.int64())
        elif pa.types.is_date(t):
            col = pc.cast(col, pa.string())
        elif pa.types.is_decimal(t) or pa.types.is_floating(t):
            col = pc.cast(col, pa.float64())
        elif pa.types.is_integer(t):
            col = pc.cast(col, pa.int64())
        elif pa.types.is_large_string(t) or pa.types.is_string_view(t) or pa.types.is_dictionary(t):
            col = pc.cast(col, pa.string())
        out[name] = col
    return pa.table(out)


def _align(a: pa.Table, b: pa.Table) -> tuple[pa.Table, pa.Table, set[str]]:
    """Where one side is float and the other integer, both become float64; returns the float columns."""
    floats = set()
    for name in a.column_names:
        ta, tb = a.schema.field(name).type, b.schema.field(name).type
        if pa.types.is_floating(ta) or pa.types.is_floating(tb):
            floats.add(name)
            a = a.set_column(a.schema.get_field_index(name), name, pc.cast(a.column(name), pa.float64()))
            b = b.set_column(b.schema.get_field_index(name), name, pc.cast(b.column(name), pa.float64()))
    return a, b, floats


TIME_COLUMNS = frozenset({"started_at", "ended_at", "hour", "valid_from", "valid_to", "date"})


def sums(table: pa.Table) -> dict[str, float]:
    """Row count and the sum of every numeric column but ids and times (the report's key aggregates)."""
    out: dict[str, float] = {"rows": float(table.num_rows)}
    for name in table.column_names:
        if name in TIME_COLUMNS:
            continue
        t = table.schema.field(name).type
        if (pa.types.is_integer(t) or pa.types.is_floating(t)) and "id" not in name.split("_"):
            out[name] = float(pc.sum(table.column(name)).as_py() or 0)
        elif pa.types.is_boolean(t):
            out[name] = float(pc.sum(pc.cast(table.column(name), pa.int64())).as_py() or 0)
    return out


def diff(a: pa.Table, b: pa.Table, keys: tuple[str, ...], names: tuple[str, str] = ("a", "b")) -> list[str]:
    """What differs between two normalised tables, as short sentences (empty: they agree)."""
    a, b, floats = _align(a, b)
    problems = []
    con = duckdb.connect()
    try:
        con.register("a", a)
        con.register("b", b)
        k = ", ".join(f'"{c}"' for c in keys)
        for side in ("a", "b"):
            dupes = con.execute(f"SELECT COUNT(*) FROM (SELECT {k} FROM {side} GROUP BY ALL HAVING COUNT(*) > 1)"
                                ).fetchone()[0]
            if dupes:
                who = names[0] if side == "a" else names[1]
                problems.append(f"{dupes} key(s) ({', '.join(keys)}) appear more than once in {who}")
        on = " AND ".join(f'a."{c}" IS NOT DISTINCT FROM b."{c}"' for c in keys)
        equal = []
        for c in a.column_names:
            if c in keys:
                continue
            if c in floats:
                equal.append(f'((a."{c}" IS NULL AND b."{c}" IS NULL) OR abs(a."{c}" - b."{c}") <= {ATOL} + '
                             f'{RTOL} * greatest(abs(a."{c}"), abs(b."{c}")))')
            else:
                equal.append(f'a."{c}" IS NOT DISTINCT FROM b."{c}"')
        first = keys[0]
        row = con.execute(
            f'SELECT count(*) FILTER (WHERE b."{first}" IS NULL AND a."{first}" IS NOT NULL), '
            f'count(*) FILTER (WHERE a."{first}" IS NULL AND b."{first}" IS NOT NULL), '
            f'count(*) FILTER (WHERE a."{first}" IS NOT NULL AND b."{first}" IS NOT NULL AND NOT '
            f'({" AND ".join(equal) or "TRUE"})) FROM a FULL OUTER JOIN b ON {on}').fetchone()
        only_a, only_b, changed = row
        if only_a:
            problems.append(f"{only_a} row(s) only in {names[0]}")
        if only_b:
            problems.append(f"{only_b} row(s) only in {names[1]}")
        if changed:
            cols = [c for c in a.column_names if c not in keys]
            bad = [c for c, cond in zip(cols, equal) if con.execute(
                f"SELECT count(*) FROM a JOIN b ON {on} WHERE NOT ({cond})").fetchone()[0]]
            problems.append(f"{changed} row(s) differ between {names[0]} and {names[1]} (in {', '.join(bad)})")
    finally:
        con.close()
    return problems


def load(folder: Path, table: str) -> pa.Table | None:
    path = folder / f"{table}.parquet"
    return pq.read_table(path) if path.exists() else None


def compare(outputs: dict[str, Path], reference: str | None = None) -> list[TableCheck]:
    """Check every table of every engine's output folder against the reference engine's.

    ``outputs`` maps an engine name to a folder of ``<table>.parquet``; the reference is the first
    engine unless named. A table missing on one side is a problem for that engine.
    """
    engines = list(outputs)
    reference = reference or engines[0]
    checks = []
    for table, keys in TABLES.items():
        check = TableCheck(table)
        frames = {}
        for engine in engines:
            raw = load(outputs[engine], table)
            if raw is None:
                check.rows[engine] = None
                check.problems.append(f"{engine}: no {table} table")
                continue
            try:
                frames[engine] = normalise(raw, COLUMNS[table])
            except ValueError as exc:
                check.problems.append(f"{engine}: {exc}")
                continue
            check.rows[engine] = frames[engine].num_rows
            check.sums[engine] = sums(frames[engine])
        if reference in frames:
            for engine in engines:
                if engine != reference and engine in frames:
                    check.problems += diff(frames[engine], frames[reference], keys, (engine, reference))
        checks.append(check)
    return checks
