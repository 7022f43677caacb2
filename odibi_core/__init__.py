"""Odibi core: declarative YAML data pipelines on pandas (DuckDB SQL) and Spark.

Layers, top to bottom (checked by import-linter, see pyproject.toml):
cli > session > story/catalog > runner > transformers/validation > engines > formats
> connections > graph > config. ``errors`` and ``secrets`` sit beside them and import none.
"""

__version__ = "0.1.0"

_LAZY = {
    "transform": ("odibi_core.transformers.registry", "transform"),
    "TransformContext": ("odibi_core.transformers.context", "TransformContext"),
    "StrictModel": ("odibi_core.config.models.base", "StrictModel"),
    "load_project": ("odibi_core.config.loader", "load_project"),
    "Session": ("odibi_core.session", "Session"),
}


def __getattr__(name: str):
    """Public API, imported lazily so `import odibi_core` stays cheap."""
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        return getattr(importlib.import_module(module), attr)
    raise AttributeError(f"module 'odibi_core' has no attribute {name!r}")
