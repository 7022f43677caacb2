"""datagen at scale 0.01, then the whole project on pandas and on Spark: both succeed and give the same
silver and gold tables, row for row. The generator's own record of what it wrote (``_datagen.json``:
every duplicate, malformed line and bad timestamp it injected) checks bronze's arithmetic.

The plan covers 7 days instead of the default 30: the data per day is scale 0.01's, and a week still
holds every weekday and every kind of defect, while the Spark run stays within the suite's time
budget (Spark's cost here is per file and per job, not per row).
"""

from __future__ import annotations

import json

import pytest

from tests.reference_eats.support import (
    GOLD,
    approx_rows,
    copy_project,
    rows,
    run_project,
)

DAYS = 7


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    datagen = pytest.importorskip("datagen")
    landing = tmp_path_factory.mktemp("eats") / "landing"
    datagen.generate(datagen.Plan(scale=0.01, days=DAYS), landing, workers=1)
    return landing


def test_scale_001_end_to_end_on_pandas_and_spark_gives_the_same_tables(generated, tmp_path, spark):
    on_pandas = copy_project(tmp_path / "pandas")
    on_spark = copy_project(tmp_path / "spark")
    nodes = run_project(on_pandas, generated)
    run_project(on_spark, generated, env="spark")

    counts = json.loads((generated / "_datagen.json").read_text(encoding="utf-8"))["counts"]
    rejected = (counts["click_invalid_json"] + counts["click_bad_ts"] + counts["click_missing_id"]
                + counts["click_null_id"])
    assert nodes["landed_clicks"].metrics["quarantined_rows"] == rejected > 0
    assert len(rows(on_pandas, "bronze/clicks")) == counts["click_lines"] - counts["click_duplicates"] - rejected
    assert len(rows(on_pandas, "bronze/driver_pings")) == \
        counts["ping_lines"] - counts["ping_duplicates"] - counts["ping_invalid_json"]
    assert nodes["bronze_order_items"].metrics["quarantined_rows"] == counts["negative_quantity"]
    assert len(rows(on_pandas, "bronze/orders")) == counts["orders"]

    conversion = rows(on_pandas, "gold/conversion_daily", "date")
    assert len(conversion) >= DAYS and sum(r["converted_sessions"] for r in conversion) > 0
    delivered = sum(r["delivered_orders"] for r in rows(on_pandas, "gold/delivery_time_by_neighborhood"))
    assert 0 < delivered <= counts["orders_delivered"]

    keys = {"sessions": ("session_key",), "conversion_daily": ("date",),
            "delivery_time_by_neighborhood": ("neighborhood", "city"), "driver_zone_activity": ("zone_id", "hour")}
    for table in GOLD:
        p, s = rows(on_pandas, f"gold/{table}", *keys[table]), rows(on_spark, f"gold/{table}", *keys[table])
        assert len(p) == len(s) > 0, table
        assert approx_rows(p) == approx_rows(s), table
    for table, key in (("identity_map", ("session_id",)), ("menu_items_scd2", ("menu_item_id", "valid_from"))):
        assert rows(on_pandas, f"silver/{table}", *key) == rows(on_spark, f"silver/{table}", *key), table
