"""``odibi top``: a live terminal UI over the run catalog (Textual).

A user interface beside the CLI: it imports ``odibi_core.workspace`` and below, never the CLI.
``model`` decides what is shown, ``render`` draws it as Rich text (shared with ``--once``),
``widgets`` and ``app`` are the Textual side, ``story`` opens a run's HTML report. Textual is
imported only by ``app`` and ``widgets``, so ``--once`` starts without it.
"""
