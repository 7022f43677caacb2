"""Transformers: the built-in starter set and user ``@transform`` functions, in one registry."""
