"""Drift: per node, schema changes (vs the previous successful run and the pinned baseline) and
row-count anomalies over time.

Thin skin over :mod:`odibi_core.drift` (the same detection as runs and ``odibi drift``) and
:class:`odibi_core.catalog.baselines.Baselines`. Reads are cached on the catalog key and the
project fingerprint, so a new run or a pin refreshes them and a re-render queries nothing.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from odibi_core.catalog.baselines import Baselines
from odibi_core.drift import project_drift, row_count_series, settings_for
from odibi_core.errors import OdibiError
from studio.ui import context
from studio.ui.drift_chart import row_count_chart
from studio.ui.widgets import empty_state, show_error

ALL = "All pipelines"
MSG_KEY = "_drift_msg"


@st.cache_data(show_spinner=False, max_entries=32)
def _drifts(catalog_key: tuple, project_key: tuple, pipeline: str | None, _session) -> list[dict]:
    drifts = project_drift(context.catalog_for(catalog_key), _session.graph, _session.config, pipeline=pipeline)
    return [d.to_dict() for d in drifts]


@st.cache_data(show_spinner=False, max_entries=64)
def _series(catalog_key: tuple, project_key: tuple, node: str, _session) -> list[dict]:
    settings = settings_for(_session.config.drift, _session.graph)(node)
    return row_count_series(context.catalog_for(catalog_key), node, settings, limit=200)


def _pin(node: str, pipeline: str | None) -> None:
    """Button callback: runs before the rerun, so the page then shows the new baseline."""
    cat = context.catalog()
    try:
        b = Baselines(cat).pin(node, pipeline=pipeline)
        text = f"Pinned the schema of **{node}** ({len(b['columns'])} columns, run `{b['run_id']}`) as its baseline."
        st.session_state[MSG_KEY] = ("ok", text)
    except OdibiError as exc:
        st.session_state[MSG_KEY] = ("error", exc)


def _unpin(node: str) -> None:
    try:
        Baselines(context.catalog()).unpin(node)
        st.session_state[MSG_KEY] = ("ok", f"Unpinned the baseline of **{node}**.")
    except OdibiError as exc:
        st.session_state[MSG_KEY] = ("error", exc)


def _schema_text(s: dict | None, pinned: bool | None = None) -> str:
    if s is None:
        return "not pinned" if pinned is False else "–"
    return s["summary"] if s["drifted"] else "unchanged"


def _score(r: dict | None) -> str:
    if not r or r["method"] == "no_history":
        return "–"
    if r["method"] in ("robust_z", "mean_ad_z"):
        return f"z {r['score']:+.2f}"
    return "from 0" if r["score"] is None else f"{r['score']:+.1f}%"


def _overview(drifts: list[dict]) -> None:
    flagged = [d for d in drifts if d["anomaly"]]
    cols = st.columns(4)
    cols[0].metric("Nodes", len(drifts))
    cols[1].metric("With a successful run", sum(1 for d in drifts if d["run_id"]))
    cols[2].metric("Drifted", len(flagged))
    cols[3].metric("Pinned baselines", sum(1 for d in drifts if d["baseline"]))
    rows = []
    for d in drifts:
        r = d["rows"]
        rows.append({
            "": "❌" if d["failed"] else ("⚠️" if d["anomaly"] else ("✅" if d["run_id"] and d["enabled"] else "…")),
            "pipeline": d["pipeline"], "node": d["node"], "rows": r["rows"] if r else None,
            "expected": (f"{r['expected_low']:,.0f} – {r['expected_high']:,.0f}"
                         if r and r["expected_low"] is not None else "–"),
            "score": _score(r), "row anomaly": bool(r and r["anomaly"]),
            "schema vs previous": _schema_text(d["schema_previous"]),
            "schema vs baseline": _schema_text(d["schema_baseline"], d["baseline"] is not None),
        })
    st.dataframe(pd.DataFrame(rows), hide_index=True, key="drift_table",
                 column_config={"rows": st.column_config.NumberColumn(format="localized")})


def _changes(s: dict | None, title: str, missing: str) -> None:
    st.markdown(f"**{title}**")
    if s is None:
        st.caption(missing)
    elif not s["drifted"]:
        st.success(f"Unchanged (run `{s['reference_run_id']}`)", icon=":material/check:")
    else:
        st.warning(f"{len(s['changes'])} change(s) vs run `{s['reference_run_id']}`", icon=":material/warning:")
        st.dataframe(pd.DataFrame(s["changes"]).rename(columns={"old_type": "was", "new_type": "now"}),
                     hide_index=True)


def _node_detail(d: dict, catalog_key: tuple, project_key: tuple, session) -> None:
    name = d["node"]
    st.subheader(f"{name}  ·  {d['pipeline']}")
    if not d["run_id"]:
        empty_state(f"No successful run of {name} yet.", "Press Run (or `odibi run`): drift needs at least one "
                                                          "successful run to show anything.")
        return
    if not d["enabled"]:
        empty_state(f"Drift detection is off for {name}.", "Remove `drift: {enabled: false}` from the node "
                                                            "(or from the project's `drift:`) to turn it on.")
        return
    st.caption(f"Latest successful run `{d['run_id']}` · fail_on: `{d['fail_on']}`"
               + "".join(f" · {n}" for n in d["notes"]))
    for m in d["messages"]:
        st.warning(m, icon=":material/trending_up:")

    st.markdown("#### Schema")
    left, right = st.columns(2)
    with left:
        _changes(d["schema_previous"], "vs previous successful run", "No earlier successful run to compare with.")
    with right:
        b = d["baseline"]
        _changes(d["schema_baseline"], "vs pinned baseline",
                 "No baseline pinned: pin the current schema to keep it as this node's contract.")
        if b:
            st.caption(f"Pinned {b['pinned_at'][:19].replace('T', ' ')} UTC from run `{b['run_id']}`")
        buttons = st.columns(2)
        buttons[0].button("Re-pin current schema" if b else "Pin current schema as baseline", key="drift_pin",
                          icon=":material/push_pin:", on_click=_pin, args=(name, d["pipeline"]))
        if b:
            buttons[1].button("Unpin", key="drift_unpin", icon=":material/close:", on_click=_unpin, args=(name,))

    st.markdown("#### Row count")
    rc = settings_for(session.config.drift, session.graph)(name).row_count
    st.caption(f"Anomaly when the robust z-score over the last {rc.window} runs exceeds ±{rc.z_threshold:g} "
               f"(from {rc.min_runs} earlier runs on); before that, when the change against the previous run "
               f"exceeds ±{rc.pct_threshold:g} %. The grey band is the range each run had to stay in.")
    points = _series(catalog_key, project_key, name, session)
    if not points:
        st.caption("No row counts recorded yet.")
        return
    st.altair_chart(row_count_chart(points), width="stretch", key="drift_chart")
    anomalies = [p for p in points if p["anomaly"]]
    st.caption(f"{len(points)} successful run(s) shown, {len(anomalies)} anomalous (red).")


def main() -> None:
    st.title("Drift")
    st.caption("Schema drift and row-count anomalies per node, from the run history. The same checks run "
               "during every run (their findings are in the story) and in `odibi drift`.")
    session = context.require_session()
    catalog_key = context.catalog_key()
    if catalog_key is None:
        empty_state("No runs yet: press Run.", "Drift compares each run of a node with the runs before it, so it "
                                               "needs run history. Start a run on the Run page or with `odibi run`.")
        return
    msg = st.session_state.pop(MSG_KEY, None)
    if msg and msg[0] == "ok":
        st.success(msg[1], icon=":material/push_pin:")
    elif msg:
        show_error(msg[1], "The baseline could not be changed")
    project_key = context.project_fingerprint(context.workspace())
    pipelines = [p.pipeline for p in session.config.pipelines]
    choice = st.selectbox("Pipeline", [ALL, *pipelines], key="drift_pipeline")
    try:
        drifts = _drifts(catalog_key, project_key, None if choice == ALL else choice, session)
    except OdibiError as exc:
        show_error(exc, "Drift could not be read")
        return
    if not drifts:
        empty_state("This pipeline has no nodes.")
        return
    _overview(drifts)
    names = [d["node"] for d in drifts]
    if st.session_state.get("drift_node") not in names:
        st.session_state["drift_node"] = next((d["node"] for d in drifts if d["anomaly"]), names[0])
    by_name = {d["node"]: d for d in drifts}
    picked = st.selectbox("Node", names, key="drift_node",
                          format_func=lambda n: ("⚠️ " if by_name[n]["anomaly"] else "") + n)
    _node_detail(by_name[picked], catalog_key, project_key, session)


main()
