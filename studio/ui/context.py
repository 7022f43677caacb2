"""The open project and environment, and cached reads of them, for every page.

Why caches keyed on fingerprints: Streamlit re-runs a page script on every click, so nothing
here may do pipeline work or re-parse YAML per render. Projects are cached by the modification
times of their YAML/SQL/transforms files; catalog reads by :meth:`RunCatalog.fingerprint`, so a
new run (from the Studio, the CLI or a scheduler) invalidates exactly what it changed.
"""

from __future__ import annotations

import os
from pathlib import Path

import streamlit as st

from odibi_core.catalog import RunCatalog
from odibi_core.errors import OdibiError
from odibi_core.session import Session
from odibi_core.workspace import Workspace

from studio.ui.widgets import empty_state, show_error

_WATCHED = ("*.yaml", "*.yml", "transforms.py", "sql/*.sql", "sql/**/*.sql")


def workspace() -> Workspace:
    """The project the Studio was opened on (``$ODIBI_PROJECT`` or the current folder)."""
    if "_workspace" not in st.session_state:
        st.session_state["_workspace"] = Workspace.from_env()
    return st.session_state["_workspace"]


def project_fingerprint(ws: Workspace) -> tuple:
    """Changes when any file that shapes the loaded project changes."""
    out = []
    for pattern in _WATCHED:
        for p in sorted(ws.root.glob(pattern)):
            try:
                st_ = p.stat()
            except OSError:
                continue
            out.append((str(p), st_.st_mtime_ns, st_.st_size))
    return tuple(out)


@st.cache_data(show_spinner=False, max_entries=32)
def _environments(root: str, fingerprint: tuple) -> tuple[list[str], str | None]:
    ws = Workspace(root)  # fingerprint: part of the cache key only (a changed env file re-reads)
    return ws.environments(), ws.default_env()


def environments() -> list[str]:
    """Env names of the open project, re-read only when a project file changes."""
    ws = workspace()
    return _environments(str(ws.root), project_fingerprint(ws))[0]


def current_env() -> str | None:
    """The environment chosen in the sidebar (``None``: the base config)."""
    ws = workspace()
    envs, default = _environments(str(ws.root), project_fingerprint(ws))
    if st.session_state.get("env") not in envs:
        st.session_state["env"] = default
    return st.session_state.get("env")


def sidebar() -> None:
    """Project name and the environment picker, drawn once by ``app.py`` for every page."""
    ws = workspace()
    with st.sidebar:
        st.markdown(f"**Project** `{ws.name}`")
        st.caption(str(ws.root))
        envs = environments()
        if envs:
            current_env()
            st.selectbox("Environment", envs, key="env", help="Overlay from `environments:` or env.<name>.yaml")
        else:
            st.caption("No environments defined: the base config is used.")


@st.cache_resource(show_spinner=False, max_entries=16)
def _session(config_file: str, env: str | None, fingerprint: tuple) -> Session:
    return Session(config_file, env=env)  # fingerprint is only part of the cache key


def session() -> Session | None:
    """The project loaded in the chosen env, for reading (graph, config, folders); cached.

    Shared between reruns and browser tabs: never run pipelines through it (use
    :meth:`Workspace.session` or the jobs API for that). ``None`` (and an error panel drawn)
    when the project is missing or invalid."""
    ws = workspace()
    if not ws.exists:
        return None
    fp = project_fingerprint(ws)
    try:
        return _session(str(ws.config_file), current_env(), fp)
    except OdibiError as exc:
        st.session_state["_load_error"] = exc
        return None


def require_session() -> Session:
    """The loaded project, or a helpful empty state / located error, and the page stops."""
    s = session()
    if s is not None:
        return s
    ws = workspace()
    if not ws.exists:
        empty_state(f"No project here yet: {ws.root} has no odibi.yaml.",
                    "Open the Builder and press “New project from template”, or start the Studio with "
                    "ODIBI_PROJECT pointing at a project folder.")
    else:
        show_error(st.session_state.get("_load_error"), title="The project does not load")
    st.stop()
    raise AssertionError("st.stop() does not return")


@st.cache_resource(show_spinner=False)
def catalog_at(folder: str) -> RunCatalog:
    """One catalog object per folder for the whole server (it keeps a connection per thread)."""
    return RunCatalog(folder)


def catalog() -> RunCatalog | None:
    """The run catalog of the open project, or ``None`` when nothing has run yet."""
    s = session()
    if s is None:
        return None
    try:
        folder = s.system_dir
    except OdibiError:
        return None
    if not (folder / "catalog.db").is_file():
        return None
    return catalog_at(str(folder))


def catalog_key() -> tuple | None:
    """``(folder, fingerprint)``: pass it to ``st.cache_data`` functions so a new run refreshes them."""
    cat = catalog()
    if cat is None:
        return None
    return (str(cat.folder), cat.fingerprint())


def catalog_for(key: tuple) -> RunCatalog:
    """The catalog named by a :func:`catalog_key` (inside cached functions)."""
    return catalog_at(key[0])


def project_root() -> Path:
    return workspace().root


def is_test_mode() -> bool:
    return os.environ.get("ODIBI_STUDIO_TEST") == "1"
