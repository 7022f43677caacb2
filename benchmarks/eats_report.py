"""``reference_eats/PERFORMANCE.md`` and ``performance.png`` from the benchmark's results.

Everything in the report is computed from the results dict ``eats.py`` builds (and saves as
JSON next to the work folder), so re-rendering never needs a re-run:
``python benchmarks/eats.py --render RESULTS.json``. The "why" paragraphs are written from
what the numbers say (which engine failed, how, in which node; how much of Spark's time was
start-up; the ratios to the DuckDB baseline), with the mechanisms behind them stated once in
:data:`MECHANISMS`.
"""

from __future__ import annotations

from pathlib import Path

GOLD = ("sessions", "conversion_daily", "delivery_time_by_neighborhood", "driver_zone_activity")
ENGINES = ("pandas", "spark", "duckdb")
COLORS = {"pandas": "#1f77b4", "spark": "#ff7f0e", "duckdb": "#2ca02c"}
LABELS = {"pandas": "Odibi pandas", "spark": "Odibi Spark", "duckdb": "DuckDB baseline"}


def _fmt(v: float | None, digits: int = 1) -> str:
    return "-" if v is None else f"{v:,.{digits}f}"


def chart(results: dict, path: Path) -> None:
    """Wall time and peak RSS per engine per scale, side by side; unfinished runs hatched and labelled."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter, NullFormatter

    scales = [s for s in results["scales"] if s.get("runs")]
    engines = [e for e in ENGINES if any(r["engine"] == e and r["status"] != "skipped" for s in scales
                                         for r in s["runs"])]
    limit = results.get("limits", {}).get("rss_limit_mb")
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.4), dpi=110)
    width = 0.8 / max(1, len(engines))
    for ax, key, title, unit in ((axes[0], "wall_s", "Wall time (s, log scale)", "s"),
                                 (axes[1], "peak_tree_mb", "Peak RSS of the process tree (MB)", "MB")):
        top = 0.0
        for i, engine in enumerate(engines):
            for j, s in enumerate(scales):
                run = next((r for r in s["runs"] if r["engine"] == engine), None)
                x = j + (i - (len(engines) - 1) / 2) * width
                if run is not None and run["status"] == "skipped":
                    ax.annotate("not run", (x, 0), xycoords=("data", "axes fraction"), xytext=(0, 4),
                                textcoords="offset points", ha="center", va="bottom", fontsize=7, rotation=90,
                                color="#777777")
                if run is None or run["status"] == "skipped":
                    continue
                value = max(run[key], 0.01)
                top = max(top, value)
                bar = ax.bar([x], [value], width, color=COLORS[engine], label=LABELS[engine] if j == 0 else None)[0]
                text = f"{value:,.0f}" if value >= 10 else f"{value:.1f}"
                if run["status"] != "ok":
                    bar.set_hatch("//")
                    bar.set_alpha(0.55)
                    text += f"\n{run['status']}"
                ax.annotate(text, (x, value), ha="center", va="bottom", fontsize=7,
                            color="#b00000" if run["status"] != "ok" else "#333333")
        if key == "wall_s":
            ax.set_yscale("log")
            ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
            ax.yaxis.set_minor_formatter(NullFormatter())
            ax.set_ylim(top=top * 3)
        else:
            if limit and any(r["status"] == "out of memory" or r.get(key, 0) > 0.5 * limit
                             for s in scales for r in s["runs"]):
                ax.axhline(limit, color="#b00000", lw=0.8, ls="--", label="harness memory limit")
                top = max(top, limit)
            ax.set_ylim(top=top * 1.15)
        ax.set_xticks(range(len(scales)), [f"scale {s['scale']:g}" for s in scales])
        ax.set_title(title, fontsize=10)
        ax.grid(axis="y", alpha=0.3)
    handles = {h.get_label(): h for ax in axes for h in ax.get_legend_handles_labels()[0]}
    fig.legend(list(handles.values()), list(handles), loc="lower center", ncol=len(handles), fontsize=8,
               frameon=False)
    fig.suptitle("OdibiEats, the whole project (bronze -> silver -> gold) per engine; hatched: did not finish",
                 fontsize=10)
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    fig.savefig(path)
    plt.close(fig)


def _run_rows(results: dict) -> list[str]:
    out = ["| scale | engine | status | wall s | of which start-up s | CPU s | peak RSS MB | load at start | "
           + " | ".join(GOLD) + " | reason |",
           "|---|---|---|---:|---:|---:|---:|---:|" + "---:|" * len(GOLD) + "---|"]
    for s in results["scales"]:
        for r in s.get("runs", []):
            rows = r.get("rows") or {}
            if r["status"] == "skipped":
                out.append(f"| {s['scale']:g} | {LABELS[r['engine']]} | not run | - | - | - | - | - | "
                           + " | ".join("-" for _ in GOLD) + f" | {r['reason'].replace('|', '/')} |")
                continue
            out.append(f"| {s['scale']:g} | {LABELS[r['engine']]} | {r['status']} | {_fmt(r['wall_s'])} | "
                       f"{_fmt(r.get('startup_s'))} | {_fmt(r.get('cpu_s'))} | {_fmt(r['peak_tree_mb'], 0)} | "
                       f"{_fmt((r.get('load_at_start') or [None])[0])} | "
                       + " | ".join(f"{rows[t]:,}" if t in rows else "-" for t in GOLD)
                       + f" | {(r.get('reason') or '').replace('|', '/')} |")
    return out


def _datagen_rows(results: dict) -> list[str]:
    out = ["| scale | landing size MB | wall s | MB/s (whole process) | MB/s (datagen's own count) | peak RSS MB | "
           "status |", "|---|---:|---:|---:|---:|---:|---|"]
    for s in results["scales"]:
        g = s.get("datagen")
        if g:
            out.append(f"| {s['scale']:g} | {_fmt(g['bytes'] / 2**20, 0)} | {_fmt(g['wall_s'])} | "
                       f"{_fmt(g['mb_per_s'])} | {_fmt(g.get('own_mb_per_s'))} | {_fmt(g['peak_tree_mb'], 0)} | {g['status']} "
                       f"{g.get('reason') or ''} |")
    return out


def _check_rows(results: dict) -> list[str]:
    out = ["| scale | table | rows (pandas / spark / duckdb) | key aggregates (pandas / spark / duckdb) | result |",
           "|---|---|---|---|---|"]
    for s in results["scales"]:
        finished = [LABELS[r["engine"]] for r in s.get("runs", []) if r["status"] == "ok"]
        if s.get("runs") and len(finished) < 2:
            out.append(f"| {s['scale']:g} | (all) | - | - | not compared: only {', '.join(finished) or 'no engine'} "
                       "finished |")
        for c in s.get("checks", []):
            rows = " / ".join("-" if c["rows"].get(e) is None else f"{c['rows'][e]:,}" for e in ENGINES
                              if e in c["rows"])
            aggs = []
            cols = [k for k in next(iter(c["sums"].values()), {}) if k != "rows"]
            for col in cols[:3]:
                vals = " / ".join(_fmt(c["sums"][e].get(col), 2) for e in ENGINES if e in c["sums"])
                aggs.append(f"sum({col}) {vals}")
            verdict = "agree" if not c["problems"] else "DISAGREE: " + "; ".join(c["problems"])[:300]
            out.append(f"| {s['scale']:g} | {c['table']} | {rows} | {'<br>'.join(aggs)} | {verdict} |")
    return out


def _slowest(results: dict, top: int = 4) -> list[str]:
    out = []
    for s in results["scales"]:
        for r in s.get("runs", []):
            nodes = sorted(r.get("nodes") or [], key=lambda n: -n["duration_s"])[:top]
            if nodes:
                total = sum(n["duration_s"] for n in r["nodes"]) or 1
                parts = ", ".join(f"{n['name']} {n['duration_s']:.1f} s ({100 * n['duration_s'] / total:.0f}%)"
                                  for n in nodes)
                out.append(f"- scale {s['scale']:g}, {LABELS[r['engine']]}: {parts}")
    return out


def _why(run: dict) -> str:
    """The reason without repeating the status it starts with."""
    reason = run.get("reason") or ""
    prefix = f"{run['status']}: "
    return reason[len(prefix):] if reason.startswith(prefix) else reason


def _ratios(results: dict) -> list[str]:
    out = []
    for s in results["scales"]:
        runs = {r["engine"]: r for r in s.get("runs", [])}
        base = runs.get("duckdb")
        if not base or base["status"] != "ok":
            continue
        for engine in ("pandas", "spark"):
            r = runs.get(engine)
            if not r or r["status"] == "skipped":
                continue
            if r["status"] == "ok":
                text = (f"{r['wall_s'] / base['wall_s']:.1f}x the time and {r['peak_tree_mb'] / base['peak_tree_mb']:.1f}x"
                        f" the memory of the DuckDB baseline")
                if r.get("startup_s") is not None and engine == "spark":
                    text += f"; start-up (JVM + session) was {100 * r['startup_s'] / r['wall_s']:.0f}% of its wall time"
            else:
                text = f"did not finish after {r['wall_s']:.0f} s ({_why(r)}), where the baseline took {base['wall_s']:.0f} s"
            out.append(f"- scale {s['scale']:g}, {LABELS[engine]}: {text}.")
    return out


def markdown(results: dict, analysis: list[str], chart_name: str) -> str:
    m = results["machine"]
    lim = results["limits"]
    lines = [
        "# OdibiEats performance: pandas vs Spark vs a hand-written DuckDB baseline",
        "",
        f"Generated by `make bench-eats` (`python benchmarks/eats.py --scales {results['scales_arg']}`) on "
        f"{results['date']}. Every number below was measured in that run; nothing is edited by hand.",
        "",
        "## Machine",
        "",
        f"- {m['cores']} cores ({m['cpu']}), {m['ram_mb'] / 1024:.1f} GB RAM, swap {m['swap_mb']:.0f} MB",
        f"- Python {m['python']}, {m['versions']}",
        f"- Shared with other jobs: load average (1/5/15 min) {m['load_start']} when the benchmark started, "
        f"{m['load_end']} when it ended; each run's 1-minute load at its start is in the results table. "
        f"With {m['cores']} cores a load above {m['cores']} means the runs did not have the machine to "
        "themselves, so the wall times are upper bounds.",
        f"- Limits per run: {lim['timeout_s']:.0f} s wall time, {lim['rss_limit_mb']:.0f} MB peak RSS of the "
        "process tree (the harness kills the whole process group past either, and records it).",
        "",
        "## What runs",
        "",
        "- **Odibi pandas**: `reference_eats/` as is (bronze -> silver -> gold, every pipeline), pandas engine, SQL "
        "through DuckDB.",
        "- **Odibi Spark**: the same project with `--env spark` (`local[*]`, driver memory from the project's "
        "settings), Delta through delta-rs.",
        "- **DuckDB baseline**: `benchmarks/eats_duckdb.py`, hand-written: DuckDB straight over the landing files "
        "(JSON Lines read as lines and parsed with `from_json`, since `read_json` lets a line cut short swallow "
        "the next one; CSV with `read_csv`), the SQLite `orders` table through Python's `sqlite3` into Arrow "
        "(DuckDB's sqlite and spatial extensions are downloaded at `INSTALL` time, which this machine cannot "
        "do), zones with shapely's vectorised `intersects_xy` per zone over longitude-sorted candidates (border "
        "points to the lowest zone id, as the project), parquet out. No Delta, no bronze/silver tables kept, "
        "no validation or story: the floor a careful single-node script reaches, not a fair competitor.",
        "",
        "Each run is a fresh subprocess in a fresh copy of the project (empty lake), timed from process start "
        "to exit (imports, engine start-up, every pipeline, shutdown). Peak RSS and CPU time are sampled from "
        "/proc over the whole process tree (Spark's JVM and Python workers included), every 50 ms for the first "
        "5 s and every 250 ms after. CPU time is the steadier number on a shared machine: other jobs stretch "
        "the wall time, much less the CPU seconds.",
        "",
        "## Data generation",
        "",
        *_datagen_rows(results),
        "",
        "## Results",
        "",
        f"![wall time and peak RSS per engine and scale]({chart_name})",
        "",
        *_run_rows(results),
        "",
    ]
    skipped = [f"- scale {s['scale']:g}: {s['skipped']}" for s in results["scales"] if s.get("skipped")]
    if skipped:
        lines += ["Not run:", "", *skipped, ""]
    lines += [
        "## Do the engines agree?",
        "",
        "Each engine's gold tables (and `silver/identity_map`, `silver/menu_items_scd2`) are compared with the "
        "pandas run's by `benchmarks/eats_compare.py`: a full outer join on the table's key after normalising "
        "types, every other column equal, floats within 1e-6 absolute + 1e-9 relative (sums in another order "
        "differ in the last bits). The same code runs in `tests/reference_eats/test_bench_harness.py`.",
        "",
        *_check_rows(results),
        "",
        "## Where the time goes (slowest nodes per run)",
        "",
        "Seconds per node and its share of the summed node times. The runner runs up to 4 nodes at once (its "
        "default), on 2 cores, so concurrent nodes' times overlap and include waiting for a core.",
        "",
        *(_slowest(results) or ["- (no node timings: no project run finished)"]),
        "",
        "## Against the baseline",
        "",
        *(_ratios(results) or ["- (no finished baseline to compare with)"]),
        "",
        "## Analysis",
        "",
        *analysis,
        "",
    ]
    return "\n".join(lines)


# --- analysis -----------------------------------------------------------------------------------
MECHANISMS = {
    "pandas": (
        "Why pandas costs what it costs. Every node's output is a whole in-memory DataFrame, and every SQL step "
        "converts its inputs pandas -> Arrow for DuckDB and its result Arrow -> pandas, so a node holds several "
        "copies of its table while it runs, and the runner runs up to 4 nodes at once: the process holds the "
        "copies of all of them. The bronze JSON nodes read their whole folder into one Arrow table and then a "
        "pandas frame; the silver nodes `identity_map` and `clicks` each read the whole bronze clicks table "
        "back from Delta at the same time. Nothing streams or spills, so the memory a run needs grows in step "
        "with the data, at several times the landing's size (the facts above say which nodes were running at "
        "the peak), and past the machine's RAM the run cannot finish. Time: the bronze JSON reads dominate, "
        "because a file with one malformed line (datagen puts a few in nearly every file) is parsed again line "
        "by line in Python (`json.loads` per line) to find and keep the bad lines for the quarantine."),
    "spark": (
        "Why Spark costs what it costs. Starting the JVM and the session is a fixed price (the start-up column), "
        "but most of the time is per node: the runner asks every node for a row count of its input and of its "
        "output, the validation counts, a sample for the story and the write, and the Spark engine caches no "
        "frame, so each of those is a Spark job that re-runs the node's plan from its source (a bronze node "
        "parses its JSON several times). Delta tables are written by Spark as parquet to a staging folder and "
        "committed by delta-rs (Spark's own Delta jars cannot be downloaded here), and `geo_zone` runs shapely "
        "in Python workers (`mapInArrow`). On 2 shared cores that per-job overhead dominates at these sizes. "
        "Memory is bounded by design: the JVM heap is capped (`spark.driver.memory` 4g in `env.spark.yaml`), "
        "the rest of the tree is the JVM's off-heap memory and the Python workers, and Spark streams partitions "
        "and spills to disk rather than holding whole tables, so the data need not fit in RAM; the price is "
        "the time."),
    "duckdb": (
        "Why the baseline is the floor. It reads only the columns the gold tables need, never writes a bronze "
        "or silver table, keeps no validation or story bookkeeping, and lets DuckDB parse the JSON and sort "
        "(spilling when needed) on both cores inside one process. It is what the same numbers cost without a "
        "framework, not what Odibi should be expected to match: Odibi pays for the Delta tables, the "
        "incremental bronze, the quarantine and the run history the baseline does not produce."),
}


def _memory_trend(results: dict, engine: str) -> str | None:
    """Peak RSS as a line through the two largest finished scales, extrapolated to the next scale up."""
    done = [(s["scale"], r["peak_tree_mb"]) for s in results["scales"] for r in s.get("runs", [])
            if r["engine"] == engine and r["status"] == "ok"]
    if len(done) < 2:
        return None
    (s0, m0), (s1, m1) = sorted(done)[-2:]
    per_scale = (m1 - m0) / (s1 - s0)
    nxt = s1 * 10
    if any(s["scale"] >= nxt and any(r["engine"] == engine and r["status"] == "ok" for r in s.get("runs", []))
           for s in results["scales"]):
        return None  # measured, not extrapolated
    need = m1 + per_scale * (nxt - s1)
    ram = results["machine"]["ram_mb"]
    verdict = "more than this machine's" if need > ram else "within this machine's"
    return (f"Memory grew by {per_scale:,.0f} MB per scale unit between scales {s0:g} and {s1:g}; a straight "
            f"line gives about {need / 1024:,.1f} GB at scale {nxt:g}, {verdict} {ram / 1024:.1f} GB "
            "(an extrapolation, not a measurement).")


def _summary(results: dict) -> str | None:
    """One paragraph: which engine wins while data fits, where pandas breaks, what Spark's time is made of."""
    runs = {(s["scale"], r["engine"]): r for s in results["scales"] for r in s.get("runs", [])}
    both = [sc for sc in sorted({k[0] for k in runs}) if all(runs.get((sc, e), {}).get("status") == "ok"
                                                              for e in ("pandas", "spark", "duckdb"))]
    parts = []
    if both:
        sc = both[-1]
        p, k, d = runs[(sc, "pandas")], runs[(sc, "spark")], runs[(sc, "duckdb")]
        parts.append(f"While the data fits in memory, pandas is the faster Odibi engine on this 2-core machine: at "
                     f"scale {sc:g} it took {p['wall_s']:.0f} s against Spark's {k['wall_s']:.0f} s "
                     f"({k['wall_s'] / p['wall_s']:.1f}x), and {p['wall_s'] / d['wall_s']:.1f}x the baseline's "
                     f"{d['wall_s']:.0f} s.")
        if k.get("startup_s"):
            parts.append(f"Spark's start-up was only {k['startup_s']:.0f} s of that ({100 * k['startup_s'] / k['wall_s']:.0f}%): "
                         "its cost is per node, not per run.")
    broke = [(sc, r) for (sc, e), r in sorted(runs.items()) if e == "pandas" and r["status"] in ("out of memory",
                                                                                                "timeout")]
    if broke:
        sc, r = broke[0]
        base = runs.get((sc, "duckdb"))
        tail = (f", where the DuckDB baseline finished in {base['wall_s']:.0f} s with {base['peak_tree_mb']:,.0f} MB"
                if base and base["status"] == "ok" else "")
        parts.append(f"pandas breaks at scale {sc:g}: {r['status']} after {r['wall_s']:.0f} s ({_why(r)}){tail}.")
    return " ".join(parts) or None


def analysis(results: dict) -> list[str]:
    """Findings computed from the results, then the mechanisms behind them."""
    summary = _summary(results)
    out: list[str] = [summary, ""] if summary else []
    for engine in ("pandas", "spark", "duckdb"):
        facts = []
        for s in results["scales"]:
            run = next((r for r in s.get("runs", []) if r["engine"] == engine), None)
            if run is None or run["status"] == "skipped":
                if run is not None:
                    facts.append(f"scale {s['scale']:g} not run ({run['reason']})")
                continue
            landing_mb = (s.get("datagen") or {}).get("bytes", 0) / 2**20
            ratio = f", {run['peak_tree_mb'] / landing_mb:.1f}x the landing's size" if landing_mb else ""
            if run["status"] != "ok":
                facts.append(f"scale {s['scale']:g}: **{run['status']}** after {run['wall_s']:.0f} s at "
                             f"{run['peak_tree_mb']:,.0f} MB ({_why(run)})")
                continue
            nodes = sorted(run.get("nodes") or [], key=lambda n: -n["duration_s"])
            slow = f"; slowest node {nodes[0]['name']} ({nodes[0]['duration_s']:.0f} s)" if nodes else ""
            start = ""
            if run.get("startup_s") is not None and engine == "spark":
                start = f"; start-up {run['startup_s']:.0f} s ({100 * run['startup_s'] / run['wall_s']:.0f}% of wall)"
            during = ""
            if engine == "pandas" and run.get("peak_nodes"):
                during = f"; its memory peaked while {', '.join(run['peak_nodes'])} ran"
            facts.append(f"scale {s['scale']:g}: {run['wall_s']:.0f} s wall, {run.get('cpu_s', 0):.0f} s CPU, "
                         f"{run['peak_tree_mb']:,.0f} MB peak{ratio}{start}{slow}{during}")
        if facts:
            out.append(f"- **{LABELS[engine]}**: " + "; ".join(facts) + ".")
        trend = _memory_trend(results, engine) if engine == "pandas" else None  # the one that holds everything
        if trend:
            out.append(f"  {trend}")
    out += ["", *[MECHANISMS[e] + "\n" for e in ("pandas", "spark", "duckdb")]]
    return out
