"""The Drift page (AppTest): overview, per-node schema drift, pinning, the row-count chart, empty states."""

from __future__ import annotations

import json

import pyarrow as pa

from odibi_core.catalog import RunCatalog
from odibi_core.catalog.baselines import Baselines
from tests.studio.conftest import assert_clean, run_project

PAGE = "drift.py"


def chart_rows(at) -> list[dict]:
    """The data the page sent to the row-count chart (Arrow IPC in the Vega-Lite element)."""
    [chart] = at.get("vega_lite_chart")
    [dataset] = chart.proto.datasets
    return pa.ipc.open_stream(dataset.data.data).read_all().to_pylist()


def catalog_of(project) -> RunCatalog:
    return RunCatalog(project / "lake" / "_odibi_system")


def test_sample_project_shows_every_node_and_a_chart(studio, sample_project):
    at = studio(sample_project, PAGE)
    assert_clean(at)
    table = at.dataframe[0].value
    assert list(table["node"]) == ["raw_customers", "raw_orders", "raw_products", "customers", "orders",
                                   "daily_revenue", "revenue_by_country"]
    assert at.selectbox(key="drift_node").value == "raw_customers"  # no anomaly: the first node
    rows = chart_rows(at)
    assert len(rows) == 3 and {r["result"] for r in rows} == {"ok"}  # 3 successful bronze runs
    assert any("robust z-score over the last 30 runs exceeds ±3.5" in c.value for c in at.caption)


def test_pipeline_filter(studio, sample_project):
    at = studio(sample_project, PAGE)
    at.selectbox(key="drift_pipeline").select("gold").run()
    assert_clean(at)
    assert list(at.dataframe[0].value["node"]) == ["daily_revenue", "revenue_by_country"]
    assert at.selectbox(key="drift_node").options == ["daily_revenue", "revenue_by_country"]
    assert len(chart_rows(at)) == 2  # the failed run never reached gold


def test_pin_and_unpin_buttons(studio, sample_project):
    at = studio(sample_project, PAGE)
    at.selectbox(key="drift_node").select("orders").run()
    at.button(key="drift_pin").click().run()
    assert_clean(at)
    cat = catalog_of(sample_project)
    try:
        pinned = Baselines(cat).get("orders")
        assert pinned is not None and pinned["pipeline"] == "silver"
        assert any("Pinned the schema of **orders**" in s.value for s in at.success)
        assert any(f"Unchanged (run `{pinned['run_id']}`)" in s.value for s in at.success)
        at.button(key="drift_unpin").click().run()
        assert_clean(at)
        assert Baselines(cat).get("orders") is None
        assert not [b for b in at.button if b.key == "drift_unpin"]
    finally:
        cat.close()


def test_row_count_anomaly_is_marked_red(studio, sample_project):
    products = sample_project / "data" / "landing" / "products.csv"
    lines = products.read_text().splitlines()
    products.write_text("\n".join([lines[0]] + [f"X{i},Thing {i},1.5" for i in range(60)]) + "\n")
    [result] = run_project(sample_project / "odibi.yaml", pipelines=["bronze"])
    assert result.status == "success"

    at = studio(sample_project, PAGE)
    assert_clean(at)
    assert at.selectbox(key="drift_node").value == "raw_products"  # the page opens on the drifted node
    assert any("row count 60 rows" in w.value for w in at.warning)
    rows = chart_rows(at)
    assert [r["result"] for r in rows] == ["ok", "ok", "ok", "anomaly"]
    assert rows[-1]["rows"] == 60 and rows[-1]["expected_high"] < 60
    spec = json.loads(at.get("vega_lite_chart")[0].proto.spec)
    color = next(layer["encoding"]["color"] for layer in spec["layer"] if "color" in layer.get("encoding", {}))
    assert dict(zip(color["scale"]["domain"], color["scale"]["range"])) == {"ok": "#2563eb", "anomaly": "#dc2626"}


def test_project_without_runs_and_empty_folder(studio, empty_project, tmp_path):
    at = studio(empty_project, PAGE)
    assert_clean(at)
    assert any("No project here yet" in i.value for i in at.info)

    from odibi_core.templates import create_project

    fresh = tmp_path / "fresh"
    create_project(fresh, "local-medallion")
    at = studio(fresh, PAGE)
    assert_clean(at)
    assert any("No runs yet: press Run." in i.value for i in at.info)
    assert not (fresh / "lake" / "_odibi_system" / "catalog.db").exists()
