"""Story size and render time for a big run: 200 nodes, 10 sample rows each.

Run: ``.venv/bin/python benchmarks/story_size.py [nodes] [sample_rows]``. Prints numbers only;
the size bound itself is asserted in tests/story/test_story.py.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from odibi_core.runner.results import NodeResult, RunResult, TestResult  # noqa: E402
from odibi_core.story import build_story, render_html, write_story  # noqa: E402

SCHEMA_IN = [{"name": f"col_{i}", "type": t} for i, t in enumerate(["int64", "string", "float64", "timestamp",
                                                                    "string", "bool", "string", "int64"])]
SCHEMA_OUT = SCHEMA_IN[:-1] + [{"name": "amount_eur", "type": "float64"}]


def build_run(n_nodes: int, sample_rows: int) -> RunResult:
    nodes = []
    for i in range(n_nodes):
        chain, pos = divmod(i, 20)
        deps = ([f"node_{i - 1:03d}"] if pos else []) + ([f"node_{i - 21:03d}"] if pos and chain else [])
        sample = [{c["name"]: (j * i if c["type"] == "int64" else f"value {i}-{j} of {c['name']}")
                   for c in SCHEMA_OUT} for j in range(sample_rows)]
        nodes.append(NodeResult(
            name=f"node_{i:03d}", pipeline="bench", status="failed" if i == 77 else "success",
            started_at="2026-11-03T10:00:00.000+00:00", ended_at="2026-11-03T10:00:01.000+00:00",
            duration_s=1.0, attempts=1, rows_in=100_000, rows_out=99_000, rows_written=99_000,
            schema_in=SCHEMA_IN, schema_out=SCHEMA_OUT, columns_added=["amount_eur"], columns_removed=["col_7"],
            sample=sample, sql=[f"SELECT *, col_2 * 0.93 AS amount_eur FROM df WHERE col_0 > {i}"],
            tests=[TestResult("not_null_col_0", "not_null", True, 0, 99_000),
                   TestResult("range_col_2", "range", False, 12, 99_000, on_fail="warn", message="12 rows out of range")],
            write_target=f"lake/bench/node_{i:03d}", write_mode="overwrite", write_version=3,
            error="Binder Error: column col_9 not found" if i == 77 else None, depends_on=deps,
            metrics={"dedup_removed": 1000},
        ))
    edges = [(d, n.name) for n in nodes for d in n.depends_on]
    return RunResult(run_id="bench-run", project="bench", pipeline="bench", engine="pandas", env=None,
                     status="failed", started_at="2026-11-03T10:00:00.000+00:00",
                     ended_at="2026-11-03T10:05:00.000+00:00", duration_s=300.0, nodes=nodes, edges=edges)


def main() -> None:
    n_nodes = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    sample_rows = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    result = build_run(n_nodes, sample_rows)
    t0 = time.perf_counter()
    story = build_story(result, max_sample_rows=sample_rows)
    t1 = time.perf_counter()
    render_html(story)
    t2 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        t3 = time.perf_counter()
        json_path, html_path = write_story(result, Path(tmp), max_sample_rows=sample_rows)
        t4 = time.perf_counter()
        print(f"nodes={n_nodes} sample_rows={sample_rows}")
        print(f"html_kb={html_path.stat().st_size / 1024:.1f}")
        print(f"json_kb={json_path.stat().st_size / 1024:.1f}")
    print(f"build_story_ms={(t1 - t0) * 1000:.1f}")
    print(f"render_html_ms={(t2 - t1) * 1000:.1f}")
    print(f"write_story_total_ms={(t4 - t3) * 1000:.1f}")


if __name__ == "__main__":
    main()
