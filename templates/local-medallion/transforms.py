"""Project-specific transforms. Imported automatically because it sits beside odibi.yaml."""

from odibi_core import transform


@transform
def add_order_band(df, large_from: float = 100.0):
    """Label each order small or large by its total."""
    out = df.copy()
    out["band"] = (out["total"] >= large_from).map({True: "large", False: "small"})
    return out
