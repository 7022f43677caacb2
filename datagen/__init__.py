"""datagen: synthetic food-delivery data (OdibiEats) at 0.01-100 GB, and an HTTP API over its clicks.

``python -m datagen --scale 1 --out ./landing`` writes the landing contract described in
``datagen/README.md``; ``python -m datagen serve --landing ./landing --port 8765`` serves the
click events as a paginated JSON API. ``generate(Plan(scale=...), out)`` does the same from Python.
"""

from datagen.config import Plan
from datagen.generate import Summary, generate

__all__ = ["Plan", "Summary", "generate"]
