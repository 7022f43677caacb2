"""Odibi Studio: a multipage Streamlit app over :mod:`odibi_core.workspace` (entry: ``studio/app.py``)."""
