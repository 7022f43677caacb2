"""Odibi core: declarative YAML data pipelines on pandas (DuckDB SQL) and Spark.

Layers, top to bottom (checked by import-linter, see pyproject.toml):
cli > session > story/catalog > runner > transformers/validation > engines > formats
> connections > graph > config. ``errors`` and ``secrets`` sit beside them and import none.
"""

__version__ = "0.1.0"
