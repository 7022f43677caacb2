"""Project-specific transforms. Imported automatically because it sits beside odibi.yaml."""

import math

from odibi_core import transform


@transform
def add_loyalty_points(df, gold_multiplier: float = 2.0):
    """One point per whole unit of ``total``; gold customers earn ``gold_multiplier`` times as many."""
    out = df.copy()
    factor = out["tier"].map(lambda tier: gold_multiplier if tier == "gold" else 1.0)
    out["points"] = [None if math.isnan(t) else math.floor(t * f) for t, f in zip(out["total"], factor)]
    return out
