"""The SQL that turns a snapshot and an SCD2 history into the changes to commit.

One statement, written once for every engine (DuckDB for pandas, Spark SQL): identifiers go
through the engine's quote function and only portable SQL is used (ROW_NUMBER, LAG, LEAD,
IS DISTINCT FROM, EXISTS). Its output has one row per change:

* ``insert``: a new version: the data columns, ``valid_from``, ``valid_to`` (NULL = open) and
  ``is_current``;
* ``close``: the key's current version ends where the first new version starts;
* ``close_out``: the key is absent from the snapshot and ``close_out_missing`` is on: its
  current version ends at the snapshot's time (the largest effective time in it).

Close rows carry the key, the ``valid_from`` of the version to close (``_scd2_close_from``)
and the end time in the ``valid_to`` column.

How a batch is read, per key: rows are ordered by effective time; a row whose time is not
after the key's current version started (or, for a closed key, before it was closed) is
already history and is skipped, so re-running a snapshot changes nothing and late rows are
never back-dated. The key's current version is put in front, and a row opens a new version
only when a tracked column differs (NULL-safely) from the row before it.
"""

from __future__ import annotations

from typing import Callable

ACTION = "_scd2_action"
CLOSE_FROM = "_scd2_close_from"
NEW_KEY = "_scd2_new_key"
INTERNAL = frozenset({ACTION, CLOSE_FROM, NEW_KEY, "_scd2_e", "_scd2_rn", "_scd2_anchor", "_scd2_kf", "_scd2_kt",
                      "_scd2_kb", "_scd2_starts", "_scd2_next"})


def stats_sql(q: Callable[[str], str], keys: list[str], eff: str) -> str:
    """Row count, rows with a NULL key or effective time, and (key, time) pairs with several rows.

    Duplicated pairs are rare; knowing there are none spares the conflict check and the
    de-duplicating window in the change query (half its time on DuckDB).
    """
    null_key = " OR ".join(f"{q(k)} IS NULL" for k in keys)
    group = ", ".join(q(c) for c in [*keys, eff])
    return (f"SELECT COUNT(*) AS n, SUM(CASE WHEN {null_key} THEN 1 ELSE 0 END) AS null_keys, "
            f"SUM(CASE WHEN {q(eff)} IS NULL THEN 1 ELSE 0 END) AS null_times, "
            f"(SELECT COUNT(*) FROM (SELECT {group} FROM df GROUP BY {group} HAVING COUNT(*) > 1) AS g) AS dup_groups "
            f"FROM df")


def conflicts_sql(q: Callable[[str], str], keys: list[str], eff: str, tracked: list[str]) -> str:
    """A key with two rows at one effective time whose tracked values differ (which one is true?)."""
    cols = ", ".join(q(c) for c in [*keys, eff, *tracked])
    group = ", ".join(q(c) for c in [*keys, eff])
    return (f"SELECT {group}, COUNT(*) AS versions FROM (SELECT DISTINCT {cols} FROM df) AS d "
            f"GROUP BY {group} HAVING COUNT(*) > 1 LIMIT 1")


def changes_sql(q: Callable[[str], str], *, keys: list[str], tracked: list[str], eff: str, data: list[str],
                valid_from: str, valid_to: str, is_current: str, history: str | None, history_columns: list[str],
                order: list[str], close_out: bool, dedupe: bool = True) -> str:
    """The change rows (see the module docstring). ``history`` names the history frame (None: no table yet).

    One pass, partitioned by key, so Spark shuffles the data once or twice whatever the size
    (a join-based version of the same logic re-computed its pieces and ran ~50 stages): the
    key's current version (anchor 1), a marker with the end of a closed key's last version
    (anchor 2) and the batch rows (anchor 0) are stacked, each key's state is spread to its
    rows with window aggregates, and LAG / LEAD over effective time find the new versions and
    where each version ends.
    """
    K = [q(k) for k in keys]
    klist = ", ".join(K)
    E = q(eff)

    def anchor_col(c: str) -> str:
        return q(c) if c in keys or (c in tracked and c in history_columns) else "NULL"

    batch = f"SELECT {', '.join(q(c) for c in data)}, {E} AS _scd2_e, 0 AS _scd2_anchor FROM df"
    if history is not None:
        current = (f"SELECT {', '.join(f'{anchor_col(c)} AS {q(c)}' for c in data)}, {q(valid_from)} AS _scd2_e, "
                   f"1 AS _scd2_anchor FROM {history} WHERE {q(is_current)}")
        closed = (f"SELECT {', '.join(q(c) if c in keys else f'NULL AS {q(c)}' for c in data)}, "
                  f"MAX({q(valid_to)}) AS _scd2_e, 2 AS _scd2_anchor FROM {history} GROUP BY {klist} "
                  f"HAVING SUM(CASE WHEN {q(is_current)} THEN 1 ELSE 0 END) = 0")
        stacked = f"{current}\n  UNION ALL {closed}\n  UNION ALL {batch}"
    else:
        stacked = batch
    by_key = f"PARTITION BY {klist}"
    window = f"OVER ({by_key} ORDER BY _scd2_e)"
    order_sql = ", ".join(f"{q(c)} ASC NULLS LAST" for c in order) or klist
    changed = " OR ".join(f"({q(c)} IS DISTINCT FROM LAG({q(c)}) {window})" for c in tracked)
    snap = f"(SELECT MAX({E}) FROM df)"
    # identical rows of one key at one time are one row (differing ones were refused before)
    dedupe_sql = f"ROW_NUMBER() OVER ({by_key}, _scd2_e, _scd2_anchor ORDER BY {order_sql})" if dedupe else "1"
    anchors_kept = "_scd2_anchor = 1" if close_out else "(_scd2_anchor = 1 AND _scd2_kb = 1)"
    closing_out = f" OR (_scd2_kb = 0 AND _scd2_e < {snap})" if close_out else ""
    return f"""WITH stacked AS (
  {stacked}),
spread AS (
  SELECT stacked.*,
    MAX(CASE WHEN _scd2_anchor = 1 THEN _scd2_e END) OVER ({by_key}) AS _scd2_kf,
    MAX(CASE WHEN _scd2_anchor = 2 THEN _scd2_e END) OVER ({by_key}) AS _scd2_kt,
    MAX(CASE WHEN _scd2_anchor = 0 THEN 1 ELSE 0 END) OVER ({by_key}) AS _scd2_kb,
    {dedupe_sql} AS _scd2_rn
  FROM stacked),
fresh AS (
  SELECT * FROM spread
  WHERE {anchors_kept}
     OR (_scd2_anchor = 0 AND _scd2_rn = 1 AND (
           (_scd2_kf IS NULL AND _scd2_kt IS NULL)
           OR _scd2_e > _scd2_kf
           OR (_scd2_kf IS NULL AND _scd2_e >= _scd2_kt)))),
marked AS (
  SELECT fresh.*,
    CASE WHEN _scd2_anchor = 1 THEN 0
         WHEN LAG(_scd2_e) {window} IS NULL THEN 1
         WHEN {changed} THEN 1
         ELSE 0 END AS _scd2_starts
  FROM fresh),
starts AS (
  SELECT marked.*, LEAD(_scd2_e) {window} AS _scd2_next FROM marked WHERE _scd2_starts = 1 OR _scd2_anchor = 1)
SELECT CASE WHEN _scd2_anchor = 0 THEN 'insert' WHEN _scd2_next IS NOT NULL THEN 'close' ELSE 'close_out' END
         AS {ACTION},
       {', '.join(q(c) for c in data)},
       CASE WHEN _scd2_anchor = 0 THEN _scd2_e END AS {q(valid_from)},
       CASE WHEN _scd2_anchor = 1 THEN COALESCE(_scd2_next, {snap}) ELSE _scd2_next END AS {q(valid_to)},
       CASE WHEN _scd2_anchor = 0 AND _scd2_next IS NULL THEN TRUE ELSE FALSE END AS {q(is_current)},
       CASE WHEN _scd2_anchor = 1 THEN _scd2_e END AS {CLOSE_FROM},
       CASE WHEN _scd2_kf IS NULL AND _scd2_kt IS NULL THEN TRUE ELSE FALSE END AS {NEW_KEY}
FROM starts
WHERE _scd2_anchor = 0 OR _scd2_next IS NOT NULL{closing_out}"""
