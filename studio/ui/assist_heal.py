"""The Auto-Heal page's parts: failed nodes, proposal cards with Accept/Reject, the history table.

Why actions run in button handlers that store a message and rerun: the heal log and the project
files change under them, and the page's cached overview is keyed on the catalog and project
fingerprints, so the rerun after an action shows the new state (the proposal gone from the open
list, the file on disk changed) and the message says what happened, without a traceback.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from odibi_core.errors import OdibiError
from odibi_core.workspace import assist
from odibi_core.workspace.assist import HealOverview
from studio.ui import context
from studio.ui.widgets import show_error

MSG_KEY = "_heal_msg"
STATUS_TEXT = {"proposed": "fix proposed", "applied": "applied in a dev run (YAML unchanged)",
               "refused": "apply refused (production): proposal only", "unhealed": "no valid fix found",
               "accepted": "accepted", "rejected": "rejected"}
SOURCE_TEXT = {"deterministic": "deterministic healer", "llm": "LLM"}
WHO = "Odibi Studio"


@st.cache_data(show_spinner=False, max_entries=32)
def load_overview(root: str, env: str | None, project_key: tuple, catalog_key: tuple | None) -> HealOverview:
    """Cached on the project files and the catalog: a run, a proposal or a decision refreshes it."""
    from odibi_core.workspace import Workspace

    return assist.heal_overview(Workspace(root), env)


def _when(ts: str | None) -> str:
    return (ts or "")[:19].replace("T", " ") or "–"


def _rel(path: Path | str) -> str:
    try:
        return str(Path(path).resolve().relative_to(context.workspace().root))
    except ValueError:
        return str(path)


def _where(h: dict) -> str:
    loc = f"`{h.get('location') or '?'}`"
    return f"{loc} in `{h['file']}`" if h.get("file") else f"{loc} of node `{h['node']}` (pipeline YAML)"


# --- messages ------------------------------------------------------------------------------------
def show_message() -> None:
    """The outcome of the last action (propose, accept, reject), shown once."""
    msg = st.session_state.pop(MSG_KEY, None)
    if not msg:
        return
    kind, payload = msg
    if kind == "error":
        show_error(payload, "That did not work")
        return
    for level, text in payload:
        {"ok": st.success, "warn": st.warning, "info": st.info}[level](text)


def banner(ov: HealOverview) -> None:
    """What Accept does and where auto-heal may apply fixes, said before any button."""
    env = ov.env or "the base config"
    st.info("**Accept writes the fix into your project files**: the pipeline YAML (round-trip, comments and key "
            "order kept) or the node's .sql file. Read the diff first. Propose only previews the node on at most "
            "1,000 rows per input: it writes no data and no file.", icon=":material/edit_document:")
    if ov.production:
        st.warning(f"Environment **{env}** is production: auto-heal never applies a fix here, whatever "
                   "`auto_heal.mode` says. It only proposes; a person accepts.", icon=":material/shield:")
    else:
        mode = f"on, mode `{ov.auto_heal_mode}`" if ov.auto_heal_enabled else "off in runs (Propose still works)"
        st.caption(f"Environment **{env}** · auto-heal {mode}. `apply` (re-running a node with its fix, YAML "
                   "unchanged) happens in dev only; an env named prod or marked `production: true` refuses it.")


# --- failed nodes ----------------------------------------------------------------------------------
def _propose(nodes: list[str] | None) -> None:
    ws, env = context.workspace(), context.current_env()
    try:
        with st.spinner("Re-running the failed node(s) as a preview and looking for a fix…"):
            outcome = assist.propose_fixes(ws, env, nodes)
        st.session_state[MSG_KEY] = ("lines", outcome_lines(outcome))
    except OdibiError as exc:
        st.session_state[MSG_KEY] = ("error", exc)
    st.rerun()


def outcome_lines(outcome) -> list[tuple[str, str]]:
    """One (level, text) per examined node: what the preview found."""
    if not outcome.nodes:
        return [("info", "Nothing to heal: no node failed in its latest run.")]
    lines = []
    for r in outcome.results:
        if not r.heal:
            if r.status in ("success", "warning"):
                text = (f"**{r.name}** ran without error in the preview (on at most 1,000 rows): nothing to fix. "
                        "Run the pipeline again to confirm.")
                lines.append(("info", text))
            else:
                text = (f"**{r.name}**: auto-heal handles SQL errors and simple param slips only; this failure "
                        f"is not one: {r.error or r.status}")
                lines.append(("warn", text))
            continue
        for a in r.heal:
            if a.get("after"):
                how = a.get("strategy") or "fix"
                text = f"**{r.name}**: fix proposed (heal `{a['heal_id']}`, {how}). Review it below."
                lines.append(("ok", text))
            else:
                head = a.get("explanation") or "no valid fix found"
                reasons = "; ".join(f"{x.get('strategy') or 'candidate'}: {x.get('reason')}"
                                    for x in a.get("rejected") or [])
                lines.append(("warn", f"**{r.name}**: {head}" + (f". Rejected by validation: {reasons}" if reasons
                                                                  else "")))
    if len(outcome.results) < len(outcome.nodes):
        missing = sorted(set(outcome.nodes) - {r.name for r in outcome.results})
        lines.append(("warn", f"Not reached in the preview: {', '.join(missing)} (an upstream node failed)."))
    return lines


def failed_nodes(ov: HealOverview) -> None:
    st.subheader("Failed nodes")
    if not ov.failed:
        st.success("No node failed in its latest run: nothing to heal.", icon=":material/check_circle:")
        return
    accepted = {}
    for h in ov.history:
        if h["status"] == "accepted":
            accepted.setdefault(h["node"], h)
    st.caption("Each node's latest recorded run failed. Propose re-runs it (and what it depends on) as a preview "
               "and asks the deterministic healer, then the LLM if one is configured.")
    if len(ov.failed) > 1 and st.button(f"Propose fixes for all {len(ov.failed)} failed nodes", key="heal_propose_all",
                                        icon=":material/auto_fix_high:", type="primary"):
        _propose(None)
    for f in ov.failed:
        with st.container(border=True):
            head, action = st.columns([5, 1.4], vertical_alignment="center")
            head.markdown(f"❌ **{f['node']}** · pipeline `{f['pipeline']}` · run `{f['run_id']}` · "
                          f"{_when(f['started_at'])} UTC")
            if action.button("Propose a fix", key=f"heal_propose_{f['node']}", icon=":material/healing:"):
                _propose([f["node"]])
            st.code(f["error"] or "(no error text recorded)", language="text", wrap_lines=True)
            done = accepted.get(f["node"])
            if done and (done.get("decided_at") or "") > (f["started_at"] or ""):
                st.caption(f"A fix (heal `{done['heal_id']}`) was accepted {_when(done['decided_at'])} UTC: run the "
                           "pipeline again to confirm it.")
            elif f["open_heals"]:
                st.caption(f"{f['open_heals']} proposal(s) wait for review below.")


# --- open proposals --------------------------------------------------------------------------------
def _accept(heal_id: str) -> None:
    try:
        done = assist.accept_fix(context.workspace(), context.current_env(), heal_id, by=WHO)
        h = done.heal
        text = (f"Accepted heal `{heal_id}`: wrote the fix of `{h['location']}` of node **{h['node']}** into "
                f"**{_rel(done.file)}**. Run the pipeline to use it.")
        st.session_state[MSG_KEY] = ("lines", [("ok", text)])
    except OdibiError as exc:
        st.session_state[MSG_KEY] = ("error", exc)


def _reject(heal_id: str) -> None:
    try:
        h = assist.reject_fix(context.workspace(), context.current_env(), heal_id, by=WHO)
        text = f"Rejected heal `{heal_id}` for node **{h['node']}**; no file was changed."
        st.session_state[MSG_KEY] = ("lines", [("info", text)])
    except OdibiError as exc:
        st.session_state[MSG_KEY] = ("error", exc)


def proposals(ov: HealOverview) -> None:
    st.subheader("Proposals to review")
    if not ov.open:
        st.caption("No open proposals. Press Propose on a failed node, or run with `auto_heal: {enabled: true}`.")
        return
    for h in ov.open:
        with st.container(border=True, key=f"heal_card_{h['heal_id']}"):
            st.markdown(f"🩹 **{h['node']}** · {STATUS_TEXT.get(h['status'], h['status'])} · heal `{h['heal_id']}` "
                        f"· {_when(h['created_at'])} UTC")
            st.markdown(f"**Where:** {_where(h)}  \n**How:** {h.get('strategy') or '–'} "
                        f"({SOURCE_TEXT.get(h.get('source'), h.get('source') or '–')})")
            st.markdown("**Error**")
            st.code(h.get("error") or "", language="text", wrap_lines=True)
            st.markdown("**Proposed change**")
            st.code(h.get("diff") or "", language="diff", wrap_lines=True)
            if h.get("explanation"):
                st.caption(h["explanation"])
            if h.get("validation"):
                st.caption(f"Validated: {h['validation']}")
            rejected = h.get("rejected") or []
            if rejected:
                with st.expander(f"Candidates rejected by validation ({len(rejected)})"):
                    st.dataframe(pd.DataFrame([{"strategy": r.get("strategy"), "reason": r.get("reason"),
                                                "sql": r.get("sql")} for r in rejected]), hide_index=True)
            target = h["file"] or "the pipeline YAML"
            a, r, _ = st.columns([1.6, 1, 4])
            a.button("Accept", key=f"heal_accept_{h['heal_id']}", type="primary", icon=":material/check:",
                     on_click=_accept, args=(h["heal_id"],), help=f"Writes this fix into {target}")
            r.button("Reject", key=f"heal_reject_{h['heal_id']}", icon=":material/close:", on_click=_reject,
                     args=(h["heal_id"],), help="Drops the proposal; no file changes")


# --- history ---------------------------------------------------------------------------------------
def history(ov: HealOverview) -> None:
    st.subheader("History")
    if not ov.history:
        st.caption("No heal attempts recorded yet.")
        return
    rows = [{"when (UTC)": _when(h["created_at"]), "node": h["node"], "status": h["status"],
             "where": (h.get("file") or h.get("location") or ""), "strategy": h.get("strategy") or "",
             "source": h.get("source") or "", "decided by": h.get("decided_by") or "",
             "decided (UTC)": _when(h.get("decided_at")) if h.get("decided_at") else "", "heal id": h["heal_id"]}
            for h in ov.history]
    st.dataframe(pd.DataFrame(rows), hide_index=True, key="heal_history")
    st.caption(f"{len(rows)} attempt(s), newest first.")
