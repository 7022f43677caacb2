"""Project-specific transforms. Imported automatically because it sits beside odibi.yaml.

A pandas-only project may use pandas directly in its functions: ``df`` is a pandas DataFrame.
"""

import pandas as pd

from odibi_core import transform


@transform
def hours_between(df, start: str, end: str, output: str = "hours"):
    """Hours from ``start`` to ``end`` (rounded to 0.01); empty when either is missing."""
    out = df.copy()
    delta = pd.to_datetime(out[end]) - pd.to_datetime(out[start])
    out[output] = (delta.dt.total_seconds() / 3600).round(2)
    return out
