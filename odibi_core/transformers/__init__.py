"""Transformers: the built-in starter set and user ``@transform`` functions, in one registry."""

from odibi_core.transformers.registry import get_transformer, transform

__all__ = ["get_transformer", "transform"]
