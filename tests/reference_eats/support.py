"""Helpers for the OdibiEats tests: a throw-away copy of the project, runs, and reading its tables.

The project writes its lake under its own folder (``lake/``), so every test runs a copy in
tmp_path, never the files in the repository. The landing is chosen the way a user chooses it,
with ``ODIBI_EATS_LANDING``, passed to the loader as ``environ`` (the process environment is
left alone, so tests cannot leak settings into each other).
"""

from __future__ import annotations

import math
import shutil
from pathlib import Path
from typing import Any

from deltalake import DeltaTable

from odibi_core.runner.runner import RunOptions
from odibi_core.session import Session

REPO = Path(__file__).resolve().parents[2]
PROJECT = REPO / "reference_eats"
LANDING_SMALL = Path(__file__).resolve().parent / "landing_small"
PROJECT_FILES = ("odibi.yaml", "env.spark.yaml", "env.pg.yaml", "env.api.yaml", "transforms.py", "sql")
GOLD = ("sessions", "conversion_daily", "delivery_time_by_neighborhood", "driver_zone_activity")
BRONZE = ("clicks", "driver_pings", "orders", "order_items", "payments", "zones", "restaurants", "menu")


def copy_project(dest: Path) -> Path:
    """The project's files (not a landing or lake that may sit in the repo copy) in ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in PROJECT_FILES:
        src = PROJECT / name
        if src.is_dir():
            shutil.copytree(src, dest / name)
        else:
            shutil.copy2(src, dest / name)
    return dest / "odibi.yaml"


def copy_landing(dest: Path, source: Path = LANDING_SMALL) -> Path:
    shutil.copytree(source, dest)
    return dest


def run_project(config: Path, landing: Path, env: str | None = None, **environ: str) -> dict[str, Any]:
    """Run every pipeline; fail the test with each failed node's error. Returns node -> NodeResult."""
    session = Session(config, env=env, environ={"ODIBI_EATS_LANDING": str(landing), **environ})
    try:
        results = session.run(RunOptions(sleep=lambda s: None))
    finally:
        session.close()
    nodes = {n.name: n for r in results for n in r.nodes}
    failed = {name: (n.status, n.error_phase, n.error or n.skipped_reason) for name, n in nodes.items()
              if n.status != "success"}
    assert not failed, failed
    return nodes


def lake(config: Path) -> Path:
    return config.parent / "lake"


def rows(config: Path, table: str, *order: str, drop_meta: bool = True) -> list[dict[str, Any]]:
    """A Delta table's rows as plain dicts (NaN -> None), without odibi's metadata columns, sorted."""
    data = DeltaTable(str(lake(config) / table)).to_pyarrow_table()
    if drop_meta:
        data = data.drop_columns([c for c in data.column_names if c.startswith("_odibi_")])
    out = [{k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in r.items()} for r in data.to_pylist()]
    keys = order or tuple(data.column_names)
    out.sort(key=lambda r: tuple((r[k] is None, str(r[k]) if r[k] is not None else "") for k in keys))
    return out


def version(config: Path, table: str) -> int:
    return DeltaTable(str(lake(config) / table)).version()


def columns(config: Path, table: str) -> list[str]:
    return DeltaTable(str(lake(config) / table)).to_pyarrow_table().column_names


def approx_rows(records: list[dict[str, Any]], digits: int = 9) -> list[dict[str, Any]]:
    """Floats rounded, so two engines' averages compare equal despite summation order."""
    return [{k: (round(v, digits) if isinstance(v, float) else v) for k, v in r.items()} for r in records]
