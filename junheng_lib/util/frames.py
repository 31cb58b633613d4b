"""Small helpers on tidy tables shared by every analysis (no computation of indicators here)."""
from __future__ import annotations

import pandas as pd

__all__ = ["select"]


def select(df: pd.DataFrame, *, year=None, county=None) -> pd.DataFrame:
    """Rows of one year and/or one county (or a list of counties); the table itself when both are None.

    >>> import pandas as pd
    >>> t = pd.DataFrame({"year": [2023, 2024, 2024], "county": ["甲", "甲", "乙"]})
    >>> len(select(t, year=2024)), len(select(t, year=2024, county="乙")), len(select(t, county=["甲", "乙"]))
    (2, 1, 3)
    """
    if year is not None:
        df = df[df["year"] == int(year)]
    if county is not None:
        counties = [county] if isinstance(county, str) else list(county)
        df = df[df["county"].isin(counties)]
    return df
