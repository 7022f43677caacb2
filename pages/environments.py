"""Environments & connections: connection health in the chosen env, and the config across envs.

Thin skin over :mod:`odibi_core.workspace.environments`. Checks touch real systems (a database,
an API), so they run only when the button is pressed, never on a re-render; their result is
kept per env for the browser session. The env matrix is cached on the project's files.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from odibi_core.errors import OdibiError
from odibi_core.workspace.environments import check_connections, env_matrix
from studio.ui import context
from studio.ui.widgets import empty_state, show_error

TIMEOUT_S = 5.0
CHECKS_KEY = "_env_checks"  # {env: {"at": iso, "checks": [...]} or {"at": iso, "error": text}}
_STATUS = {"ok": "✅ ok", "failed": "❌ failed", "timeout": "⏱️ timeout", "error": "⚠️ config error"}
NOT_SET = "— not set"


@st.cache_data(show_spinner=False, max_entries=8)
def _matrix(config_file: str, fingerprint: tuple):
    return env_matrix(context.workspace())


def _env_label(env: str | None) -> str:
    return env or "base config (no overlay)"


def _checks(ws, env: str | None) -> None:
    st.subheader("Connection health")
    st.caption(f"Environment **{_env_label(env)}** (change it in the sidebar). Local folders must exist and be "
               f"writable, SQL must answer `SELECT 1`, HTTP base URLs must answer; each check waits at most "
               f"{TIMEOUT_S:g} s.")
    store = st.session_state.setdefault(CHECKS_KEY, {})
    if st.button("Check connections", key="env_check", type="primary", icon=":material/network_check:"):
        with st.spinner("Checking connections…"):
            at = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
            try:
                store[env or ""] = {"at": at, "checks": [vars(c) for c in check_connections(ws, env, TIMEOUT_S)]}
            except OdibiError as exc:
                store[env or ""] = {"at": at, "error": exc}
    result = store.get(env or "")
    if result is None:
        empty_state("Connections have not been checked in this environment yet.",
                    "Press “Check connections”: nothing is contacted until you do.")
        return
    if "error" in result:
        show_error(result["error"], "The project does not load, so its connections cannot be checked")
        return
    checks = result["checks"]
    if not checks:
        empty_state("This environment defines no connections.")
        return
    bad = sum(1 for c in checks if c["status"] != "ok")
    cols = st.columns(3)
    cols[0].metric("Connections", len(checks))
    cols[1].metric("Healthy", len(checks) - bad)
    cols[2].metric("Failing", bad)
    table = pd.DataFrame([{
        "Status": _STATUS.get(c["status"], c["status"]), "Connection": c["name"], "Type": c["type"],
        "Latency (ms)": None if c["latency_ms"] is None else round(float(c["latency_ms"]), 1),
        "Detail": c["detail"]} for c in checks])
    st.dataframe(table, hide_index=True, column_config={
        "Latency (ms)": st.column_config.NumberColumn(format="%.1f"),
        "Detail": st.column_config.TextColumn(width="large")})
    st.caption(f"Checked {result['at']}.")


def _diff(ws) -> None:
    st.subheader("Config by environment")
    matrix = _matrix(str(ws.config_file), context.project_fingerprint(ws))
    if len(matrix.columns) < 2:  # only the base config
        empty_state("This project defines no environments, so there is nothing to compare.",
                    "Add an `environments:` block to odibi.yaml or an `env.<name>.yaml` file beside it "
                    "(for example env.prod.yaml) with the keys that differ.")
        return
    st.caption("Each column is the project as that overlay resolves it (imports, overlay, `${...}` substitution). "
               "Secrets are masked.")
    for column, error in matrix.errors.items():
        show_error(OdibiError(error), f"Environment '{column}' does not load")
    cols = st.columns([1, 2])
    show_all = cols[0].toggle("Show all keys", key="env_all", help="Off: only keys whose value differs")
    needle = cols[1].text_input("Filter keys", key="env_filter", placeholder="e.g. connections.lake")
    rows = matrix.rows if show_all else matrix.differing()
    if needle.strip():
        rows = [r for r in rows if needle.strip().lower() in r.key.lower()]
    st.caption(f"{len(matrix.differing())} of {len(matrix.rows)} keys differ between "
               f"{', '.join(c for c in matrix.columns)}.")
    if not rows:
        empty_state("No key differs between the environments." if not show_all and not needle.strip()
                    else "No key matches the filter.",
                    None if show_all else "Turn on “Show all keys” to see the whole resolved config.")
        return
    data = []
    for r in rows:
        row = {"Key": r.key}
        for c in matrix.columns:
            value = r.values.get(c)
            row[c] = NOT_SET if value is None and c not in matrix.errors else (
                "(does not load)" if c in matrix.errors else value)
        if show_all:
            row["Differs"] = "≠" if r.differs else ""
        data.append(row)
    st.dataframe(pd.DataFrame(data), hide_index=True,
                 column_config={"Key": st.column_config.TextColumn(pinned=True)})


def main() -> None:
    st.title("Environments & connections")
    ws = context.workspace()
    if not ws.exists:
        empty_state(f"No project here yet: {ws.root} has no odibi.yaml.",
                    "Open the Builder and press “New project from template”, or start the Studio with "
                    "ODIBI_PROJECT pointing at a project folder.")
        return
    env = context.current_env()
    _checks(ws, env)
    st.divider()
    _diff(ws)


main()
