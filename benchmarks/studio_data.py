"""Synthetic data for the Studio at scale: a big project and months of run history, fast.

Why it exists: the Studio must stay fast with a 200-node project and 10,000 runs in the catalog
(issue 5, speed bar). Running real pipelines 10,000 times would take hours, so
:func:`fill_catalog` writes history straight into the catalog tables, in bulk, in one
transaction, shaped like what :class:`odibi_core.catalog.RunCatalog` records for real runs
(same columns, same ISO-8601 UTC text dates, same schema hashes). :func:`build_project` writes
a valid project of any size with a bit of landing data, so it also runs for real.

What a filled catalog holds (defaults):

* ``runs`` rows spread over the last ~90 days; each run is one pipeline's run, as ``odibi run``
  records them; about 88% success (some with warnings), 6% failed, 4% partial, 2% cancelled.
* ``node_runs`` for every node of every run (the failing node's downstream nodes skipped, as
  the runner does); rows grow slowly over time with noise and a few anomalies. For 10k runs of
  a 200-node, 4-pipeline project that is 500k rows and a ~160 MB catalog, written in ~5-8 s on
  an idle 2-core machine (most of it SQLite's own insert work; slower when the machine is
  busy). ``node_runs=N`` keeps node runs for the newest N runs per pipeline only (N=100:
  ~1.5 s), for tests that page runs and need no deep node history.
* ``schema_snapshots`` only for the newest ``snapshot_runs`` runs of each pipeline (default 60).
  Snapshots of all 10k runs would add ~500k JSON rows (over 100 MB) for nothing a page reads:
  the Studio looks at the newest schemas and where they changed. A few nodes change schema
  (a column added, a type changed) inside that window, so drift has something to find.

Used by the Studio benchmark (``benchmarks/studio.py``) and by tests:
``from benchmarks.studio_data import build_project, fill_catalog``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
import os
import random
from pathlib import Path
from typing import Any

import numpy as np

ENTITIES = ("orders", "customers", "products", "payments", "shipments", "returns", "events", "invoices")
BASE_COLUMNS = [{"name": "id", "type": "int64"}, {"name": "name", "type": "string"},
                {"name": "category", "type": "string"}, {"name": "amount", "type": "float64"},
                {"name": "updated_at", "type": "string"}]
GOLD_COLUMNS = [{"name": "category", "type": "string"}, {"name": "orders", "type": "int64"},
                {"name": "amount", "type": "float64"}]
DAYS = 90
_STATUS_WEIGHTS = (("success", 0.88), ("failed", 0.06), ("partial", 0.04), ("cancelled", 0.02))
_ERRORS = (("ExecutionError", "Binder Error: Referenced column \"amount_eur\" not found in FROM clause"),
           ("ValidationError", "not_null on [id]: 12 of 20000 rows failed"),
           ("ConnectionError", "landing: path not found: orders.csv"))


# --- the project --------------------------------------------------------------------------------
def pipeline_layout(pipelines: int) -> list[tuple[str, str]]:
    """(pipeline name, layer) in dependency order: bronze first, gold last, silver between."""
    pipelines = max(1, int(pipelines))
    layers = ["bronze"] + ["silver"] * max(0, pipelines - 2) + (["gold"] if pipelines > 1 else [])
    out, seen = [], {}
    for layer in layers:
        seen[layer] = seen.get(layer, 0) + 1
        out.append((layer if seen[layer] == 1 else f"{layer}_{seen[layer]}", layer))
    return out


def build_project(root: str | os.PathLike, nodes: int = 200, pipelines: int = 4) -> Path:
    """Write ``odibi.yaml`` (+ landing CSVs) for a project of ``nodes`` nodes in ``pipelines``
    bronze -> silver -> gold pipelines; returns the config file's path.

    Bronze nodes read the CSVs; every later pipeline starts its chains from the previous one
    through cross-pipeline ``inputs`` and continues them with ``depends_on``. Every node writes
    a parquet table, so each pipeline can also be run on its own."""
    root = Path(root)
    landing = root / "data" / "landing"
    landing.mkdir(parents=True, exist_ok=True)
    for e, entity in enumerate(ENTITIES):
        lines = ["id,name,category,amount,updated_at"]
        lines += [f"{i},{entity}_{i},cat_{i % 4},{(i * 7 + e) % 50 + 0.5},2024-03-{1 + i % 28:02d}T10:00:00"
                  for i in range(1, 21)]
        (landing / f"{entity}.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")

    layout = pipeline_layout(pipelines)
    per_pipe = _split(max(len(layout), int(nodes)), len(layout))
    names: list[list[str]] = []
    out = [f"# Synthetic project: {nodes} nodes in {len(layout)} pipelines (benchmarks/studio_data.py).",
           f"project: {root.name or 'big'}", "engine: pandas", "description: Synthetic project for Studio benchmarks.",
           "connections:", "  landing: {type: local, base_path: ./data/landing}",
           "  lake: {type: local, base_path: ./lake}",
           "story: {connection: lake, path: _stories, max_sample_rows: 5, retention_count: 50}",
           "system: {connection: lake, path: _odibi_system}", "environments:",
           "  dev: {story: {max_sample_rows: 5}}", "pipelines:"]
    start = 0
    for p, ((pipe, layer), count) in enumerate(zip(layout, per_pipe)):
        local = [f"{layer[0]}{p}_{ENTITIES[(start + k) % len(ENTITIES)]}_{start + k:03d}" for k in range(count)]
        names.append(local)
        out += [f"  - pipeline: {pipe}", f"    layer: {layer}", f"    description: {layer.title()} tables.",
                "    nodes:"]
        for k, name in enumerate(local):
            out += [f"      - name: {name}"] + [f"        {line}" for line in
                                                 _node_lines(p, k, layer, layout, names, start + k)]
            out.append(f"        write: {{connection: lake, format: parquet, path: {pipe}/{name}, mode: overwrite}}")
        start += count
    config = root / "odibi.yaml"
    config.write_text("\n".join(out) + "\n", encoding="utf-8")
    return config


def _split(total: int, parts: int) -> list[int]:
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


def _node_lines(p: int, k: int, layer: str, layout, names: list[list[str]], index: int) -> list[str]:
    if p == 0:
        return [f"read: {{connection: landing, format: csv, path: {ENTITIES[index % len(ENTITIES)]}.csv}}"]
    head = k % 5 == 0
    if head:
        prev_pipe, prev = layout[p - 1][0], names[p - 1]
        source = [f"inputs: {{src: ${prev_pipe}.{prev[(k * 7) % len(prev)]}}}"]
    else:
        source = [f"depends_on: [{names[p][k - 1]}]"]
    if layer == "gold":
        sql = ("SELECT category, COUNT(*) AS orders, SUM(amount) AS amount FROM df GROUP BY category" if head
               else "SELECT category, orders, amount FROM df ORDER BY amount DESC")
        lines = source + ["tags: [reporting]"]
    else:
        sql = "SELECT id, name, category, amount * 1.01 AS amount, updated_at FROM df WHERE amount IS NOT NULL"
        lines = source + (["tags: [finance]"] if k % 7 == 0 else [])
    lines += ["transform:", "  steps:", f"    - sql: \"{sql}\""]
    if layer != "gold" and k % 4 == 0:
        lines += ["validation:", "  tests:", "    - {type: not_null, columns: [id]}"]
    return lines


# --- the run history ----------------------------------------------------------------------------
def fill_catalog(system_dir: str | os.PathLike, loaded_project_or_graph: Any, runs: int = 10_000, seed: int = 0,
                 *, days: int = DAYS, snapshot_runs: int = 60, node_runs: int | None = None,
                 now: dt.datetime | None = None) -> dict[str, int]:
    """Insert ``runs`` synthetic runs (and their node runs and schema snapshots) into the
    catalog in ``system_dir``; returns the row counts written.

    ``loaded_project_or_graph``: a Graph, a LoadedProject, a Session or a config path.
    ``node_runs``: keep node runs for only the newest N runs of each pipeline (None: all; tests
    that only page runs pass a small N to stay quick). ``snapshot_runs``: the same for schema
    snapshots. The same ``seed`` and ``now`` give the same history.

    Speed: the per-node values are drawn as (runs x nodes) numpy matrices per pipeline and the
    date texts formatted in bulk, so Python does no per-node-run work beyond handing rows to
    ``executemany``; all rows go in through one transaction."""
    from odibi_core.catalog import RunCatalog

    graph = _graph(loaded_project_or_graph)
    rng = np.random.default_rng(seed)
    end = (now or dt.datetime.now(dt.timezone.utc)).timestamp()
    pipes = _pipeline_nodes(graph)
    pipe_names = sorted(pipes)
    project = getattr(getattr(loaded_project_or_graph, "config", None), "project", None) or "synthetic"
    span = days * 86400.0
    starts = np.sort(end - rng.uniform(60, span, runs))
    picks = rng.integers(0, len(pipe_names), runs)
    # schema changes fall inside the window that gets snapshots, so they can be seen
    window = {}
    for p, pipe in enumerate(pipe_names):
        mine = starts[picks == p]
        window[pipe] = float(mine[-min(len(mine), max(1, snapshot_runs))]) if len(mine) else end
    schemas = _schemas(graph, random.Random(seed), end, days, window)
    statuses = rng.choice([s for s, _ in _STATUS_WEIGHTS], size=runs, p=[w for _, w in _STATUS_WEIGHTS])
    warned = (statuses == "success") & (rng.random(runs) < 0.05)
    texts = _iso_many(starts)
    run_ids = [f"{t[:19].replace('-', '').replace(':', '')}-{h:08x}"
               for t, h in zip(texts, rng.integers(0, 2 ** 32, runs).tolist())]
    keep_nodes = runs if node_runs is None else max(0, int(node_runs))

    run_rows: list[tuple] = [()] * runs
    node_cols: list[list] = []
    snap_rows: list[tuple] = []
    for p, pipe in enumerate(pipe_names):
        idx = np.flatnonzero(picks == p)
        if not len(idx):
            continue
        sim = _simulate(rng, graph, pipes[pipe], starts[idx], statuses[idx], warned[idx], end, span)
        layer = graph.nodes[pipes[pipe][0]].layer
        for k, i in enumerate(idx.tolist()):
            failed_node = pipes[pipe][int(sim["failed_at"][k])]
            run_rows[i] = (run_ids[i], project, pipe, "dev", "pandas", str(statuses[i]), texts[i],
                           sim["ended_text"][k], sim["duration"][k], len(pipes[pipe]), sim["n_ok"][k],
                           sim["n_failed"][k], sim["n_skipped"][k], sim["written"][k] or None, None, None, None,
                           f"{failed_node}: run failed" if statuses[i] in ("failed", "partial") else None,
                           2 if warned[i] else 0, layer, 0)
        keep = slice(max(0, len(idx) - keep_nodes), len(idx))
        node_cols.append(_node_columns(sim, keep, [run_ids[i] for i in idx.tolist()], pipe, pipes[pipe]))
        snap_rows += _snapshot_rows(sim, slice(max(0, len(idx) - snapshot_runs), len(idx)),
                                    [run_ids[i] for i in idx.tolist()], pipes[pipe], schemas)
    n_node_rows = sum(len(cols[0]) for cols in node_cols)
    node_rows = itertools.chain.from_iterable(zip(*cols) for cols in node_cols)  # streamed, not held as tuples

    def tx(conn) -> None:
        # Bulk load: a big page cache, and the node index rebuilt once after the insert
        # (one sort) instead of maintained row by row (random B-tree inserts, ~3x slower).
        conn.execute("PRAGMA cache_size=-131072")
        index_sql = conn.execute("SELECT sql FROM sqlite_master WHERE name='ix_node_runs_node_started'").fetchone()
        if index_sql:
            conn.execute("DROP INDEX ix_node_runs_node_started")
        conn.executemany("INSERT INTO runs (run_id, project, pipeline, env, engine, status, started_at, ended_at, "
                         "duration_s, nodes_total, nodes_success, nodes_failed, nodes_skipped, rows_written, "
                         "story_json, story_html, config_file, error, warnings_count, layer, dry_run) "
                         "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", run_rows)
        conn.executemany("INSERT INTO node_runs (run_id, node, pipeline, status, started_at, ended_at, duration_s, "
                         "attempts, rows_in, rows_out, rows_written, error, suggestion, write_target, seq, "
                         "error_type, skipped_reason, write_mode, write_version) "
                         "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", node_rows)
        conn.executemany("INSERT INTO schema_snapshots (run_id, node, columns_json, schema_hash, captured_at) "
                         "VALUES (?,?,?,?,?)", snap_rows)
        if index_sql:
            conn.execute(index_sql[0])

    catalog = RunCatalog(system_dir)
    try:
        catalog._write(tx)
    finally:
        catalog.close()
    return {"runs": len(run_rows), "node_runs": n_node_rows, "schema_snapshots": len(snap_rows)}


def _simulate(rng, graph, nodes: list[str], starts, statuses, warned, end: float, span: float) -> dict[str, Any]:
    """One pipeline's runs as (runs x nodes) matrices: what failed, was skipped, took how long, wrote what.

    A failed or partial run fails one node and skips its downstream nodes in the pipeline, as
    the runner does; a cancelled run skips everything from a random node on."""
    r, n = len(starts), len(nodes)
    pos = {name: j for j, name in enumerate(nodes)}
    reach = np.zeros((n, n), dtype=bool)
    for name in nodes:
        reach[pos[name], [pos[d] for d in _local_descendants(graph, name)]] = True
    rows_base = np.array([_stable(name, 2, 6) for name in nodes])
    secs_base = np.array([_stable(name + "/s", -1.3, 0.5) for name in nodes])

    failed_at = rng.integers(0, n, r)
    failing = np.isin(statuses, ("failed", "partial"))
    cancelled = statuses == "cancelled"
    failed = np.zeros((r, n), dtype=bool)
    failed[np.flatnonzero(failing), failed_at[failing]] = True
    skipped = np.where(failing[:, None], reach[failed_at], False) & ~failed
    skipped |= cancelled[:, None] & (np.arange(n)[None, :] >= failed_at[:, None])
    ok = ~failed & ~skipped

    secs = np.where(skipped, 0.0, secs_base[None, :] * rng.uniform(0.7, 1.5, (r, n)))
    end_off = np.cumsum(secs, axis=1)
    growth = 1 + 0.4 * (1 - (end - starts) / span)
    rows = rows_base[None, :] * growth[:, None] * rng.uniform(0.97, 1.03, (r, n))
    anomaly = rng.random((r, n)) < 0.004  # a spike or a drop for drift to flag
    rows = np.where(anomaly, rows * np.where(rng.random((r, n)) < 0.5, 0.1, 3.0), rows).astype(np.int64)
    duration = end_off[:, -1] + rng.uniform(0.2, 1.5, r)
    return {
        "failed_at": failed_at, "failed": failed, "skipped": skipped, "ok": ok, "secs": secs,
        "t_start": starts[:, None] + end_off - secs, "t_end": starts[:, None] + end_off, "rows": rows,
        "warning": warned[:, None] & (np.arange(n) % 9 == 0)[None, :] & ok, "duration": duration.tolist(),
        "ended_text": _iso_many(starts + duration), "n_ok": ok.sum(1).tolist(), "n_failed": failed.sum(1).tolist(),
        "n_skipped": skipped.sum(1).tolist(), "written": np.where(ok, rows, 0).sum(1).tolist(),
        "error_pick": rng.integers(0, len(_ERRORS), r),
    }


def _node_columns(sim: dict[str, Any], keep: slice, run_ids: list[str], pipe: str, nodes: list[str]) -> list[list]:
    """The node_runs columns of the runs in ``keep``, flattened run by run."""
    failed, skipped, ok = sim["failed"][keep], sim["skipped"][keep], sim["ok"][keep]
    r, n = ok.shape
    none = np.full((r, n), None, dtype=object)
    name = np.broadcast_to(np.array(nodes, dtype=object)[None, :], (r, n))
    status = np.where(failed, "failed", np.where(skipped, "skipped",
                                                 np.where(sim["warning"][keep], "warning", "success")))
    ran = ~skipped
    rows = sim["rows"][keep].astype(object)
    err_msgs = np.array([m for _, m in _ERRORS], dtype=object)[sim["error_pick"][keep]]
    err_types = np.array([t for t, _ in _ERRORS], dtype=object)[sim["error_pick"][keep]]
    failed_node = np.array(nodes, dtype=object)[sim["failed_at"][keep]]
    reason = np.where(skipped, np.char.add(np.char.add("upstream node '", failed_node.astype(str)),
                                           "' did not succeed")[:, None].astype(object), None)
    target = np.char.add(f"lake/{pipe}/", np.array(nodes, dtype=str))
    cols = [
        np.repeat(np.array(run_ids[keep], dtype=object), n).reshape(r, n), name, np.full((r, n), pipe, dtype=object),
        status.astype(object), np.where(ran, _iso_many(sim["t_start"][keep]).reshape(r, n), None),
        np.where(ran, _iso_many(sim["t_end"][keep]).reshape(r, n), None), sim["secs"][keep],
        ran.astype(np.int64), np.where(ran, rows, None), np.where(ok, rows, None), np.where(ok, rows, None),
        np.where(failed, np.char.add(np.array(nodes, dtype=str)[None, :], ": ").astype(object)
                 + err_msgs[:, None], None),
        np.where(failed, "check the node's SQL and its inputs", None), np.where(ok, target[None, :], None),
        np.broadcast_to(np.arange(n)[None, :], (r, n)), np.where(failed, err_types[:, None], None), reason,
        np.where(ok, "overwrite", None), none,
    ]
    return [np.asarray(c).reshape(-1).tolist() for c in cols]


def _snapshot_rows(sim: dict[str, Any], keep: slice, run_ids: list[str], nodes: list[str],
                   schemas: dict[str, list[list]]) -> list[tuple]:
    """Output schemas of the nodes that got through, for the runs in ``keep`` (as record_run writes them)."""
    out = []
    ok, t_end, ids = sim["ok"][keep], sim["t_end"][keep], run_ids[keep]
    ks, js = np.nonzero(ok)
    whens = t_end[ks, js]
    for k, j, when, text in zip(ks.tolist(), js.tolist(), whens.tolist(), _iso_many(whens)):
        cols_json, digest = _schema_at(schemas[nodes[j]], when)
        out.append((ids[k], nodes[j], cols_json, digest, text))
    return out


def _pipeline_nodes(graph) -> dict[str, list[str]]:
    """Each pipeline's nodes in execution order (by level, then name)."""
    order = {name: i for i, level in enumerate(graph.levels()) for name in level}
    pipes: dict[str, list[str]] = {}
    for name in sorted(graph.nodes, key=lambda x: (order[x], x)):
        pipes.setdefault(graph.nodes[name].pipeline, []).append(name)
    if not pipes:
        raise ValueError("the project has no nodes; nothing to fill the catalog with")
    return pipes


def _graph(obj: Any):
    from odibi_core.config.loader import load_project
    from odibi_core.graph import Graph

    if isinstance(obj, Graph):
        return obj
    if isinstance(getattr(obj, "graph", None), Graph):  # a Session
        return obj.graph
    if isinstance(obj, (str, os.PathLike)):
        obj = load_project(obj)
    return Graph.build(obj)


def _local_descendants(graph, name: str) -> list[str]:
    """``name`` and every node downstream of it in its own pipeline."""
    pipe, out, todo, seen = graph.nodes[name].pipeline, [name], list(graph.nodes[name].downstream), {name}
    while todo:
        n = todo.pop()
        if n in seen or graph.nodes[n].pipeline != pipe:
            continue
        seen.add(n)
        out.append(n)
        todo.extend(graph.nodes[n].downstream)
    return out


def _stable(key: str, lo: float, hi: float) -> float:
    """10**u, u in [lo, hi), fixed per node name: a node keeps its size and speed across runs."""
    u = int(hashlib.sha256(key.encode()).hexdigest()[:8], 16) / 2 ** 32
    return 10 ** (lo + (hi - lo) * u)


def _schemas(graph, rnd: random.Random, end: float, days: int,
             window: dict[str, float]) -> dict[str, list[list]]:
    """Per node: [[valid_from (epoch s), (columns_json, schema_hash)], ...]. About 3% of the nodes
    (at least one) change once, part way through their pipeline's snapshot window: a column is
    added, or a type changes."""
    from odibi_core.catalog.store import schema_hash

    names = sorted(graph.nodes)
    changing = set(rnd.sample(names, max(1, round(0.03 * len(names))))) if names else set()
    out = {}
    for name in names:
        gn = graph.nodes[name]
        cols = [dict(c) for c in (GOLD_COLUMNS if gn.layer == "gold" else BASE_COLUMNS)]
        versions = [[end - (days + 1) * 86400.0, cols]]
        if name in changing:
            changed = [dict(c) for c in cols]
            if rnd.random() < 0.5:
                changed.append({"name": "discount", "type": "float64"})
            else:
                changed[-1]["type"] = "timestamp" if changed[-1]["name"] == "updated_at" else "decimal(18,2)"
            start = window.get(gn.pipeline, end)
            versions.append([start + (end - start) * rnd.uniform(0.3, 0.7), changed])
        out[name] = [[t, (json.dumps(c), schema_hash(c))] for t, c in versions]
    return out


def _schema_at(versions: list[list], when: float) -> tuple[str, str]:
    """The (columns_json, schema_hash) valid at ``when``."""
    current = versions[0][1]
    for valid_from, cols in versions:
        if when >= valid_from:
            current = cols
    return current


def _iso_many(epochs: np.ndarray) -> np.ndarray:
    """Epoch seconds -> the catalog's date text (``2026-11-03T10:15:00.123+00:00``), in bulk."""
    ms = np.round(np.asarray(epochs, dtype=float) * 1000).astype(np.int64).astype("datetime64[ms]")
    return np.char.add(np.datetime_as_string(ms, unit="ms"), "+00:00").astype(object)
