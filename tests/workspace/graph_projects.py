"""Small projects for graph view tests: one with every kind of edge, and one with 200 nodes."""

from __future__ import annotations

from pathlib import Path

EDGES_PROJECT = """\
project: edges
connections:
  files: {type: local, base_path: ./data}
story: {connection: files, path: _stories}
system: {connection: files, path: _system}
pipelines:
  - pipeline: ingest
    layer: bronze
    description: Raw feeds from the warehouse
    nodes:
      - name: load_a
        read: {connection: files, format: csv, path: a.csv}
        write: {connection: files, format: parquet, path: bronze/a}
      - name: load_b
        depends_on: [load_a]
        description: second feed, after the first
        read: {connection: files, format: csv, path: b.csv}
        write: {connection: files, format: parquet, path: bronze/b}
  - pipeline: refine
    layer: silver
    nodes:
      - name: join_ab
        inputs: {a: $ingest.load_a, b: $ingest.load_b}
        transform: {steps: [{sql: "SELECT * FROM a JOIN b USING (id)"}]}
        write: {connection: files, format: parquet, path: silver/ab}
      - name: reread_a
        read: {connection: files, format: parquet, path: bronze/a}
        write: {connection: files, format: parquet, path: silver/a_copy}
  - pipeline: report
    layer: gold
    nodes:
      - name: totals
        tags: [reporting]
        inputs: {ab: $refine.join_ab}
        transform: {steps: [{sql: "SELECT COUNT(*) AS n FROM ab"}]}
        write: {connection: files, format: csv, path: gold/totals.csv}
      - name: lonely
        tags: [adhoc]
        read: {connection: files, format: csv, path: lonely.csv}
        write: {connection: files, format: csv, path: gold/lonely.csv}
"""


def write_edges_project(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "odibi.yaml").write_text(EDGES_PROJECT)
    return folder / "odibi.yaml"


def write_big_project(folder: Path, pipelines: int = 10, per_pipeline: int = 20) -> Path:
    """``pipelines * per_pipeline`` nodes; within a pipeline node n depends on node (n-1)//2 (a
    binary tree), and the first node of each pipeline takes the previous pipeline's first as input."""
    lines = ["project: big", "connections:", "  files: {type: local, base_path: ./data}",
             "story: {connection: files, path: _stories}", "system: {connection: files, path: _system}",
             "pipelines:"]
    layers = ["bronze", "silver", "gold"]
    for p in range(pipelines):
        lines += [f"  - pipeline: p{p:02d}", f"    layer: {layers[p % 3]}", "    nodes:"]
        for n in range(per_pipeline):
            name = f"p{p:02d}_n{n:02d}"
            lines.append(f"      - name: {name}")
            if n:
                lines.append(f"        depends_on: [p{p:02d}_n{(n - 1) // 2:02d}]")
            elif p:
                lines.append(f"        inputs: {{prev: $p{p - 1:02d}.p{p - 1:02d}_n00}}")
            else:
                lines.append("        read: {connection: files, format: csv, path: seed.csv}")
            lines.append(f"        write: {{connection: files, format: parquet, path: out/{name}}}")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "odibi.yaml").write_text("\n".join(lines) + "\n")
    return folder / "odibi.yaml"
