"""Data patterns behind the pattern transformers (``merge``, ``scd2``, ...).

The transformers in :mod:`odibi_core.transformers.builtin` hold the params models and the
documentation; the logic lives here so tests, benchmarks and user code can call it without
a pipeline (``merge_frame``, ``merge_stream``, ``apply_scd2``, ``as_of``). Everything goes
through the Engine interface, so one implementation serves pandas and Spark; Delta commits
go through :mod:`odibi_core.formats.delta_merge` (the one MERGE) and
:mod:`odibi_core.formats.delta_history`.

Names are loaded on first use: the builtin transformers import these modules, so importing
them all here eagerly would make the two packages import each other.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {"as_of": "point_in_time", "as_of_condition": "point_in_time", "merge_frame": "merge",
            "merge_stream": "merge", "Scd2Spec": "scd2", "apply_scd2": "scd2", "Target": "target",
            "resolve_target": "target"}


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["Scd2Spec", "Target", "apply_scd2", "as_of", "as_of_condition", "merge_frame", "merge_stream",
           "resolve_target"]
