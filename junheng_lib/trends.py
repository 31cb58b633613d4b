"""Trends and early warning: every CV per county, stage and indicator over the years, with warnings.

A warning is raised when a CV rose two years running, when a CV that has a limit sits within the
margin (default 0.05) below it, and when a county that passed last year fails this year. The margin
and the run length come from the rule table (``[warning]``).

Examples
--------
A composite of 0.50, 0.55, 0.62 (小学, limit 0.65) warns twice in the last year: it rose two years
running, and it is within 0.05 of 0.65.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .evaluate import coefficients
from .indicators import RULES, STAGE_ORDER
from .options import Options

__all__ = ["cv_trend", "warnings_table"]


def cv_trend(data: pd.DataFrame | None = None, options: Options | None = None, *, county=None,
             coef: pd.DataFrame | None = None) -> pd.DataFrame:
    """All CVs across years with the change from the previous year and the warning flags.

    Parameters
    ----------
    data : DataFrame, optional
        Schools table (or give ``coef``, the output of :func:`junheng_lib.evaluate.coefficients`).

    Returns
    -------
    DataFrame
        ``year, county, stage, standard, indicator, cv, limit, passed, change, rising, near_limit,
        newly_failed, warning`` (``warning``: the reasons in Chinese, empty when none).
    """
    margin = float(RULES["warning"]["margin"])
    run = int(RULES["warning"]["rising_years"])
    c = coef if coef is not None else coefficients(data, options, county=county)
    c = c.sort_values(["county", "stage", "standard", "indicator", "year"]).reset_index(drop=True)
    g = c.groupby(["county", "stage", "standard", "indicator"], sort=False)
    prev_year = g["year"].shift(1)
    c["change"] = (c["cv"] - g["cv"].shift(1)).where(c["year"] - prev_year == 1)
    up = (c["change"] > 0).astype(int)
    # consecutive rises: a run counter reset where the CV did not rise
    grp = (up == 0).groupby([c["county"], c["stage"], c["standard"], c["indicator"]]).cumsum()
    c["rising"] = up.groupby([c["county"], c["stage"], c["standard"], c["indicator"], grp]).cumsum() >= run
    has_limit = c["limit"].notna() & c["cv"].notna()
    c["near_limit"] = has_limit & (c["cv"] <= c["limit"]) & (c["cv"] > c["limit"] - margin)
    prev_passed = g["passed"].shift(1)
    c["newly_failed"] = prev_passed.eq(True) & c["passed"].eq(False) & (c["year"] - prev_year == 1)
    reasons = np.select(
        [c["newly_failed"], c["rising"] & c["near_limit"], c["near_limit"], c["rising"]],
        ["上年达标、本年未达标", f"连续{run}年上升且距标准不足{margin:g}", f"距标准不足{margin:g}", f"连续{run}年上升"],
        default="")
    c["warning"] = reasons
    cols = ["year", "county", "stage", "standard", "indicator", "cv", "limit", "passed", "change", "rising",
            "near_limit", "newly_failed", "warning"]
    c = c.sort_values(["county", "year", "stage"], key=lambda s: s.map(STAGE_ORDER) if s.name == "stage" else s,
                      kind="stable")
    return c[cols].reset_index(drop=True)


def warnings_table(trend: pd.DataFrame, year: int | None = None) -> pd.DataFrame:
    """Only the rows that carry a warning (of one year: default the latest)."""
    year = int(trend["year"].max()) if year is None else int(year)
    return trend[(trend["year"] == year) & (trend["warning"] != "")].reset_index(drop=True)
