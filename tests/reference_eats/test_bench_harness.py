"""The performance report's harness: its DuckDB baseline must compute what the project computes.

``benchmarks/eats_duckdb.py`` restates the project's rules by hand (dedup, quarantine, first
login wins, the strict 30-minute gap, border points to the lowest zone). If the project's rules
change and the baseline does not, the report would compare different numbers; these tests run
both on the same landings and check them with the report's own comparison code
(``benchmarks/eats_compare.py``), so that drift fails here first. Landings: the hand-made one
(the edge cases: a 30-minute gap exactly, a border point, a point in no zone, a price revert,
two logins on one session...) and a generated scale-0.01 one (malformed lines, duplicates and
late events in volume). The harness's own failure handling (time and memory limits) is tested
on throw-away processes.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "benchmarks"))

import eats_compare  # noqa: E402
import eats_duckdb  # noqa: E402
import eats_runs  # noqa: E402
from _runs import run_measured  # noqa: E402

from odibi_core.runner.runner import RunOptions  # noqa: E402
from odibi_core.session import Session  # noqa: E402

LANDING_SMALL = Path(__file__).resolve().parent / "landing_small"


@pytest.fixture(scope="module")
def generated_landing(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("bench") / "landing"
    proc = subprocess.run([sys.executable, "-m", "datagen", "--scale", "0.01", "--seed", "11", "--out", str(out),
                           "--quiet"], cwd=REPO, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr
    return out


def _project_gold(landing: Path, work: Path) -> Path:
    """The project on pandas over ``landing`` (in a copy), its compared tables exported to parquet."""
    project = eats_runs.copy_project(work / "project")
    session = Session(project / "odibi.yaml", environ={"ODIBI_EATS_LANDING": str(landing)})
    try:
        results = session.run(RunOptions(sleep=lambda s: None))
    finally:
        session.close()
    failed = [(n.name, n.error) for r in results for n in r.nodes if n.status != "success"]
    assert not failed, failed
    out = work / "pandas"
    rows = eats_runs.export_tables(project, out)
    assert set(rows) == set(eats_compare.TABLES), rows
    return out


@pytest.mark.parametrize("which", ["landing_small", "scale_0.01"])
def test_baseline_equals_the_project_on_pandas(which, generated_landing, tmp_path):
    landing = LANDING_SMALL if which == "landing_small" else generated_landing
    project = _project_gold(landing, tmp_path)
    baseline = tmp_path / "duckdb"
    eats_duckdb.run(landing, baseline)

    checks = eats_compare.compare({"pandas": project, "duckdb": baseline})

    assert [c.table for c in checks] == list(eats_compare.TABLES)
    assert {c.table: c.problems for c in checks if c.problems} == {}
    for c in checks:
        assert c.rows["pandas"] == c.rows["duckdb"] > 0, c.table


def test_the_comparison_finds_a_changed_value_a_missing_row_and_a_missing_table(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    eats_duckdb.run(LANDING_SMALL, a)
    b.mkdir()
    for path in a.glob("*.parquet"):
        table = pq.read_table(path)
        if path.stem == "delivery_time_by_neighborhood":  # one average a minute longer
            avg = table.column("avg_delivery_minutes")
            changed = pc.add(avg, pa.array([1.0] + [0.0] * (len(avg) - 1)))
            table = table.set_column(table.schema.get_field_index("avg_delivery_minutes"), "avg_delivery_minutes",
                                     changed)
        elif path.stem == "sessions":
            table = table.slice(1)
        elif path.stem == "identity_map":
            continue
        pq.write_table(table, b / path.name)

    problems = {c.table: c.problems for c in eats_compare.compare({"a": a, "b": b}) if c.problems}

    assert set(problems) == {"delivery_time_by_neighborhood", "sessions", "identity_map"}
    assert problems["delivery_time_by_neighborhood"] == ["1 row(s) differ between b and a (in avg_delivery_minutes)"]
    assert problems["sessions"] == ["1 row(s) only in a"]
    assert problems["identity_map"] == ["b: no identity_map table"]


def test_floats_within_tolerance_and_other_time_types_agree():
    a = pa.table({"k": [1, 2], "x": [1.0, 100.0], "t": pa.array([0, 1_000_000], pa.timestamp("us"))})
    b = pa.table({"k": [2, 1], "x": [100.0 + 1e-10, 1.0],
                  "t": pa.array([1_000_000_000, 0], pa.timestamp("ns", tz="UTC"))})
    cols = ("k", "x", "t")
    assert eats_compare.diff(eats_compare.normalise(a, cols), eats_compare.normalise(b, cols), ("k",)) == []
    c = b.set_column(1, "x", pa.array([100.001, 1.0]))
    assert eats_compare.diff(eats_compare.normalise(a, cols), eats_compare.normalise(c, cols), ("k",),
                             ("a", "c")) == ["1 row(s) differ between a and c (in x)"]


def test_a_run_past_the_memory_limit_is_killed_and_recorded_as_out_of_memory(tmp_path):
    code = "import time; x = bytearray(400 * 2**20); x[::4096] = b'1' * len(x[::4096]); time.sleep(30)"
    r = run_measured([sys.executable, "-c", code], tmp_path, tmp_path / "log", timeout=60, rss_limit_mb=200)
    record = eats_runs._record("pandas", r, (0.0, 0.0, 0.0))

    assert r["returncode"] == -9 and r["wall_s"] < 30
    assert record["status"] == "out of memory"
    assert "200 MB limit" in record["reason"]


def test_a_run_past_the_time_limit_is_killed_and_recorded_as_timeout(tmp_path):
    r = run_measured([sys.executable, "-c", "import time; time.sleep(30)"], tmp_path, tmp_path / "log", timeout=1)
    record = eats_runs._record("duckdb", r, (0.0, 0.0, 0.0))

    assert record["status"] == "timeout" and record["reason"].startswith("timeout after 1 s")
    assert r["wall_s"] < 30


def test_a_memory_error_in_a_run_is_recorded_as_out_of_memory(tmp_path):
    r = run_measured([sys.executable, "-c", "raise MemoryError()"], tmp_path, tmp_path / "log", timeout=60)
    record = eats_runs._record("duckdb", r, (0.0, 0.0, 0.0))

    assert record["status"] == "out of memory" and record["reason"].startswith("MemoryError")


def test_which_nodes_ran_at_the_memory_peak_is_read_from_the_log_even_with_two_events_on_a_line():
    log = ("NODE_STARTED landed_clicks 200 600NODE_STARTED landed_pings 201 600\n"
           "NODE_FINISHED landed_pings 4000 4500\n"
           "NODE_STARTED clicks 3000 4500\n"
           "NODE_FINISHED landed_clicks 5000 9000\n"
           "NODE_FINISHED clicks 2000 9000\n")

    assert eats_runs.peak_nodes(log) == ["landed_clicks", "clicks"]
    assert eats_runs._running_node(log.rsplit("NODE_FINISHED clicks", 1)[0]) == "clicks"
