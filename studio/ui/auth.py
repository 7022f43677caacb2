"""Optional password for a Studio that is reachable beyond loopback.

The password comes from ``$ODIBI_STUDIO_PASSWORD`` or ``st.secrets["studio_password"]``. With
neither set the Studio is open, which is safe only because it binds to 127.0.0.1 by default
(``.streamlit/config.toml``). Comparison is constant-time; the password is never echoed.
"""

from __future__ import annotations

import hmac
import os

import streamlit as st

PASSWORD_VAR = "ODIBI_STUDIO_PASSWORD"


def configured_password() -> str | None:
    value = os.environ.get(PASSWORD_VAR)
    if value:
        return value
    try:
        return st.secrets.get("studio_password") or None
    except Exception:  # noqa: BLE001 - no secrets.toml is the normal case
        return None


def gate() -> bool:
    """True when the visitor may see the Studio; otherwise draws the sign-in form."""
    expected = configured_password()
    if expected is None or st.session_state.get("_authed"):
        return True
    st.title("Odibi Studio")
    with st.form("sign_in"):
        given = st.text_input("Password", type="password", key="_password")
        submitted = st.form_submit_button("Sign in")
    if submitted:
        if hmac.compare_digest(given.encode(), expected.encode()):
            st.session_state["_authed"] = True
            st.session_state.pop("_password", None)
            st.rerun()
        st.error("Wrong password.")
    return False
