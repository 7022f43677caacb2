"""Odibi Studio entry point: ``streamlit run studio/app.py`` (project from $ODIBI_PROJECT or the cwd).

This file only sets the page, signs the visitor in and builds the navigation; every page lives
in the top-level ``pages/`` folder and talks to :mod:`odibi_core.workspace`.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `streamlit run` puts only studio/ on the path
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from studio.ui import auth, context  # noqa: E402

PAGES = ROOT / "pages"

st.set_page_config(page_title="Odibi Studio", page_icon=":material/account_tree:", layout="wide")

if not auth.gate():
    st.stop()

# Sections in the order users work: build, then watch, then get help (Assist), then the project's plumbing.
NAVIGATION = {
    "Build": [
        st.Page(PAGES / "pipelines.py", title="Pipelines", icon=":material/account_tree:", default=True),
        st.Page(PAGES / "builder.py", title="Builder", icon=":material/edit_note:"),
        st.Page(PAGES / "run.py", title="Run", icon=":material/play_circle:"),
    ],
    "Observe": [
        st.Page(PAGES / "history.py", title="Run history", icon=":material/history:"),
        st.Page(PAGES / "stories.py", title="Stories", icon=":material/article:"),
        st.Page(PAGES / "drift.py", title="Drift", icon=":material/trending_up:"),
    ],
    "Assist": [  # natural-language questions and auto-heal of failing SQL (offline first, LLM if configured)
        st.Page(PAGES / "ask.py", title="Ask", icon=":material/chat:"),
        st.Page(PAGES / "heal.py", title="Auto-Heal", icon=":material/healing:"),
    ],
    "Project": [
        st.Page(PAGES / "environments.py", title="Environments", icon=":material/lan:"),
    ],
}

page = st.navigation(NAVIGATION)
context.sidebar()
page.run()
