"""The example project of the config format doc (an Odibi project) runs here unchanged."""

from __future__ import annotations

import shutil
from pathlib import Path

from deltalake import DeltaTable

from odibi_core.runner.runner import RunOptions
from odibi_core.session import Session

FIXTURE = Path(__file__).parents[1] / "config/fixtures/odibi_doc_example/odibi.yaml"


def test_doc_example_runs_bronze_then_silver(tmp_path):
    project = tmp_path / "sales"
    project.mkdir()
    shutil.copy(FIXTURE, project / "odibi.yaml")
    orders = project / "landing/orders"
    orders.mkdir(parents=True)
    (orders / "2024-01-01.csv").write_text(
        "order_id,amount,updated_at\n1,10.5,2024-01-01T10:00:00\n2,,2024-01-01T11:00:00\n3,7.0,2024-01-01T12:00:00\n")
    (orders / "2024-01-02.csv").write_text(
        "order_id,amount,updated_at\n1,12.0,2024-01-02T09:00:00\n4,3.25,2024-01-02T10:00:00\n")

    session = Session(project / "odibi.yaml")
    results = session.run(RunOptions())
    session.close()
    assert [r.status for r in results] == ["success", "success"]
    silver = DeltaTable(str(project / "lake/silver/orders")).to_pandas().sort_values("order_id")
    # order 1 keeps its latest version (12.0), order 2 has no amount and is filtered out
    assert silver["order_id"].tolist() == [1, 3, 4]
    assert silver.set_index("order_id").loc[1, "amount"] == 12.0
    clean = results[1].node("clean_orders")
    assert [t.failed_rows for t in clean.tests] == [0]  # no NULL order ids: nothing to quarantine
    assert not (project / "lake/quarantine/orders").exists()

    # bronze appends: a second run doubles bronze, while silver's upsert keeps one row per key
    session = Session(project / "odibi.yaml")
    session.run(RunOptions())
    session.close()
    assert len(DeltaTable(str(project / "lake/bronze/orders")).to_pandas()) == 10
    assert len(DeltaTable(str(project / "lake/silver/orders")).to_pandas()) == 3
