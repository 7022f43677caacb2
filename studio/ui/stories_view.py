"""Drawing pieces of the Stories page: a node's details and the diff of two runs.

Kept apart from the page so the page reads as the flow (pick a run, show it, compare it) and
these stay simple functions of the data the core returns (story dicts, :class:`RunDiff`).
Everything they show comes from the story (already masked when written) or the catalog
(masked when recorded); text goes through :func:`secrets.mask` once more anyway.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from odibi_core import secrets
from odibi_core.story.diff import NodeDiff, RunDiff
from studio.ui.widgets import STATUS_ICONS, fmt_rows, fmt_seconds


def node_details(node: dict, from_story: bool = True) -> None:
    """Status, rows, duration, schema, sample rows, tests, SQL and error of one node of a story."""
    status = node.get("status")
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("Status", f"{STATUS_ICONS.get(status, '')} {status}")
    c2.metric("Rows in", fmt_rows(node.get("rows_in")))
    c3.metric("Rows out", fmt_rows(node.get("rows_out")))
    c4.metric("Duration", fmt_seconds(node.get("duration_s")))
    if node.get("error"):
        st.error(secrets.mask(f"{node.get('error_type') or 'Error'}: {node['error']}")
                 + (f"\n\nHint: {secrets.mask(node['suggestion'])}" if node.get("suggestion") else ""))
    if node.get("skipped_reason"):
        st.info(f"Skipped: {secrets.mask(node['skipped_reason'])}")
    for warning in node.get("warnings") or []:
        st.warning(secrets.mask(str(warning)))
    left, right = st.columns([1, 2])
    with left:
        st.markdown("**Output schema**")
        schema = node.get("schema_out") or []
        if schema:
            st.dataframe(pd.DataFrame(schema), hide_index=True, width="stretch")
        else:
            st.caption("No output schema (the node did not finish).")
    with right:
        st.markdown("**Sample rows**" + (" (masked: the node is sensitive)" if node.get("sample_masked") else ""))
        sample = node.get("sample") or []
        if sample:
            st.dataframe(pd.DataFrame(sample), hide_index=True, width="stretch")
        else:
            st.caption("No sample rows in this story." if from_story
                       else "Sample rows are kept in the story file, which is gone.")
    tests = node.get("tests") or []
    if tests:
        st.markdown("**Tests**")
        rows = [{"": "✅" if t.get("passed") else ("⚠️" if t.get("on_fail") == "warn" else "❌"),
                 "test": t.get("name"), "type": t.get("type"), "failed rows": t.get("failed_rows"),
                 "rows": t.get("total_rows"), "on fail": t.get("on_fail"), "message": secrets.mask(t.get("message") or "")}
                for t in tests]
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    if node.get("sql"):
        with st.expander(f"SQL ({len(node['sql'])} statement{'s' if len(node['sql']) != 1 else ''})"):
            st.code(secrets.mask("\n\n".join(node["sql"])), language="sql")


def run_label(run: dict) -> str:
    """``2026-11-23 14:58:41 · silver · ✅ success · 20261123T145841-61f2920d``"""
    when = (run.get("started_at") or "")[:19].replace("T", " ")
    status = run.get("status")
    icon = STATUS_ICONS.get("warning" if status == "success" and run.get("warnings_count") else status, "")
    return f"{when} · {run.get('pipeline')} · {icon} {status} · {run.get('run_id')}"


def diff_view(diff: RunDiff) -> None:
    """Headline counts, then every changed node: status, rows, schema and SQL changes."""
    for note in diff.notes:
        st.info(note, icon=":material/info:")
    s = diff.summary()
    c = st.columns(5)
    c[0].metric("Nodes changed", f"{s['changed']} of {s['nodes']}")
    c[1].metric("Schema changes", s["schema"])
    c[2].metric("Row count changes", s["rows"])
    c[3].metric("SQL changes", s["sql"])
    c[4].metric("Status changes", s["status"])
    if not diff.changed_nodes:
        st.success("No differences: same nodes, statuses, row counts, schemas and SQL.")
        return
    st.dataframe(pd.DataFrame([_diff_row(n) for n in diff.nodes if n.changed]), hide_index=True, width="stretch",
                 key="story_diff_table")
    for n in diff.changed_nodes:
        if n.presence != "both" or not (n.schema_changed or n.sql_diff or n.status_changed):
            continue
        with st.expander(f"{n.name}: " + ", ".join(_what_changed(n)), expanded=len(diff.changed_nodes) <= 3):
            if n.status_changed:
                st.markdown(f"Status **{n.status_a}** → **{n.status_b}**")
            if n.schema_changed:
                rows = ([{"change": "added", "column": c["name"], "before": "", "after": c.get("type")}
                         for c in n.added]
                        + [{"change": "removed", "column": c["name"], "before": c.get("type"), "after": ""}
                           for c in n.removed]
                        + [{"change": "retyped", "column": c["name"], "before": c["before"], "after": c["after"]}
                           for c in n.retyped])
                st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
            if n.sql_diff:
                st.code(secrets.mask(n.sql_diff), language="diff")


def _what_changed(n: NodeDiff) -> list[str]:
    out = []
    if n.status_changed:
        out.append("status")
    if n.schema_changed:
        out.append("schema")
    if n.sql_diff:
        out.append("SQL")
    if n.rows_delta:
        out.append("rows")
    return out


def _diff_row(n: NodeDiff) -> dict:
    presence = {"both": "", "only_a": "only in A", "only_b": "only in B"}[n.presence]
    pct = n.rows_pct
    return {
        "node": n.name, "pipeline": n.pipeline, "in": presence,
        "status": n.status_b if not n.status_changed else f"{n.status_a} → {n.status_b}",
        "rows A": n.rows_a, "rows B": n.rows_b,
        "Δ rows": n.rows_delta, "Δ %": None if pct is None else round(pct, 1),
        "schema": (f"+{len(n.added)} −{len(n.removed)} ~{len(n.retyped)}" if n.schema_changed
                   else ("" if n.schema_compared or n.presence != "both" else "not compared")),
        "SQL": "changed" if n.sql_diff else ("" if n.sql_compared or n.presence != "both" else "not compared"),
    }
