"""Run history: an embedded SQLite catalog of runs, node runs and output schemas."""

from odibi_core.catalog.store import CatalogError, RunCatalog

__all__ = ["CatalogError", "RunCatalog"]
