"""A small real OdibiEats lake for the natural-language query evaluation.

Why a real lake: the evaluation compares the rows the parser's SQL returns with the rows of a
hand-written reference query, over the tables the project really writes. The landing comes from
the deterministic generator (``datagen``, the same bytes for the same plan): scale 0.03 over 60
days ending 2026-10-31 gives about 3,000 orders, 36,000 sessions and 200,000 driver pings, and the
whole project runs in about 10 s. The eval's table scope (:func:`eats_tables`) is built here,
independently of the product's scope builder, straight from the Delta tables.
"""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
from deltalake import DeltaTable

from odibi_core.engines.base import arrow_logical_type
from odibi_core.intel.types import TableInfo
from odibi_core.runner.runner import RunOptions
from odibi_core.session import Session
from tests.reference_eats.support import copy_project

SCALE = 0.03
DAYS = 60  # 2026-09-02 .. 2026-10-31: "in September" and "in October" both have data
SEED = 42
MAX_VALUES = 20  # a text column with at most this many distinct values gets them all as known values
# the tables in scope: SQL name (the node) -> (path under lake/, layer)
TABLES = {
    "sessions": ("gold/sessions", "gold"),
    "conversion_daily": ("gold/conversion_daily", "gold"),
    "delivery_time_by_neighborhood": ("gold/delivery_time_by_neighborhood", "gold"),
    "driver_zone_activity": ("gold/driver_zone_activity", "gold"),
    "orders": ("silver/orders", "silver"),
    "driver_pings": ("silver/driver_pings", "silver"),
    "clicks": ("silver/clicks", "silver"),
}
_DONE = "_eval_lake.json"


def build_eats_lake(dest: Path) -> Path:
    """Generate the landing and run the whole project under ``dest``; returns the project's
    ``odibi.yaml``. A lake already built there with the same plan is reused."""
    from datagen import Plan, generate

    dest = Path(dest)
    config = dest / "project" / "odibi.yaml"
    marker = dest / _DONE
    plan = {"scale": SCALE, "days": DAYS, "seed": SEED}
    if marker.exists() and json.loads(marker.read_text()) == plan and config.exists():
        return config
    landing = dest / "landing"
    generate(Plan(scale=SCALE, seed=SEED, days=DAYS), landing, workers=1)
    if (dest / "project").exists():
        import shutil

        shutil.rmtree(dest / "project")
    config = copy_project(dest / "project")
    session = Session(config, environ={"ODIBI_EATS_LANDING": str(landing)})
    try:
        results = session.run(RunOptions(sleep=lambda s: None))
    finally:
        session.close()
    failed = {n.name: n.error or n.skipped_reason for r in results for n in r.nodes if n.status != "success"}
    if failed:
        raise RuntimeError(f"the OdibiEats run failed: {failed}")
    marker.write_text(json.dumps(plan))
    return config


def eats_arrow(config: Path) -> dict[str, pa.Table]:
    """Every table in scope as Arrow, by SQL name."""
    lake = Path(config).parent / "lake"
    return {name: DeltaTable(str(lake / path)).to_pyarrow_table() for name, (path, _) in TABLES.items()}


def eats_tables(config: Path, arrow: dict[str, pa.Table] | None = None) -> dict[str, TableInfo]:
    """The scope the parser sees: columns as logical types, and the distinct values of every text
    column that has at most :data:`MAX_VALUES` of them."""
    arrow = arrow or eats_arrow(config)
    out: dict[str, TableInfo] = {}
    for name, table in arrow.items():
        columns = {f.name: arrow_logical_type(f.type) for f in table.schema}
        values: dict[str, list[str]] = {}
        for col, logical in columns.items():
            if logical != "string":
                continue
            distinct = pc.unique(table.column(col).drop_null())
            if 0 < len(distinct) <= MAX_VALUES:
                values[col] = sorted(str(v) for v in distinct.to_pylist())
        out[name] = TableInfo(name=name, columns=columns, values=values, node=name, layer=TABLES[name][1],
                              row_count=table.num_rows)
    return out
