"""First render of every Studio page on a 200-node project with 10,000 runs in its catalog.

Goal (issue 5): under 1.5 s per page. Each page is rendered through Streamlit's AppTest, which
runs the real page script in this process exactly as the server would, minus the browser:

* ``cold``: every Streamlit cache cleared first (``st.cache_data`` / ``st.cache_resource``), so
  the project is loaded, the graph built and the catalog queried from scratch: what the first
  visitor after a new run or a restart waits for;
* ``warm``: the same page rendered again in a new session: what every later visitor waits for.

The project and history are synthetic (``benchmarks/studio_data.py``): real pipelines cannot be
run 10,000 times in a benchmark. Numbers only, no asserts.

Run: .venv/bin/python benchmarks/studio.py [--nodes 200] [--runs 10000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.studio_data import build_project, fill_catalog  # noqa: E402

PAGES = ["pipelines.py", "builder.py", "run.py", "history.py", "stories.py", "drift.py", "environments.py"]
GOAL_S = 1.5


def render(page: str) -> tuple[float, str]:
    """Seconds for one first render of ``page`` in a new AppTest session (no other page first)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "studio" / "app.py"), default_timeout=120)
    if page != PAGES[0]:
        at.switch_page(f"../pages/{page}")
    t0 = time.perf_counter()
    at.run()
    elapsed = time.perf_counter() - t0
    if at.exception:
        raise RuntimeError(f"{page} raised: {at.exception[0].value}")
    title = at.title[0].value if at.title else "(no title)"
    return elapsed, title


def clear_caches() -> None:
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--nodes", type=int, default=200)
    ap.add_argument("--runs", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=3, help="renders per page and mode; the median is shown")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="odibi-studio-bench-") as tmp:
        t0 = time.perf_counter()
        root = build_project(Path(tmp) / "big", nodes=args.nodes)
        from odibi_core.session import Session

        session = Session(root)
        system_dir = session.system_dir
        fill_catalog(system_dir, session.loaded, runs=args.runs)
        session.close()
        print(f"project: {args.nodes} nodes, {args.runs:,} runs (built in {time.perf_counter() - t0:.1f} s)")
        os.environ["ODIBI_PROJECT"] = str(root.parent if root.is_file() else root)
        os.environ.pop("ODIBI_STUDIO_PASSWORD", None)

        print(f"{'page':<18}{'cold s':>9}{'warm s':>9}  goal {GOAL_S} s")
        for page in PAGES:
            cold, warm = [], []
            for _ in range(args.repeat):
                clear_caches()
                seconds, title = render(page)
                cold.append(seconds)
                warm.append(render(page)[0])
            c, w = statistics.median(cold), statistics.median(warm)
            verdict = "ok" if c < GOAL_S else "OVER"
            print(f"{page[:-3]:<18}{c:>9.2f}{w:>9.2f}  {verdict:<5} (rendered: {title})", flush=True)
        print("cold = all Streamlit caches cleared (first visitor after a restart or a new run); "
              "warm = a new session with caches filled; medians of --repeat renders, AppTest in-process")


if __name__ == "__main__":
    main()
