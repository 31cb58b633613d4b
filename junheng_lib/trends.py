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

from .indicators import RULES, STAGE_ORDER

__all__ = ["cv_trend", "warnings_table", "WARNING_KINDS"]

#: the kinds of a CV warning, most serious first
WARNING_KINDS = ("newly_failed", "rising_near", "near_limit", "rising")


def cv_trend(coef: pd.DataFrame) -> pd.DataFrame:
    """All CVs across years with the change from the previous year and the warning flags.

    Parameters
    ----------
    coef : DataFrame
        :func:`junheng_lib.evaluate.coefficients` of several years.

    Returns
    -------
    DataFrame
        ``year, county, stage, standard, indicator, cv, limit, passed, change, rising, near_limit,
        newly_failed, kind`` — ``kind`` is the warning as data: ``newly_failed`` (passed last year,
        fails now), ``rising_near`` (rose ``rising_years`` running and within the margin),
        ``near_limit``, ``rising``, or empty when none (the text is rendered by
        :func:`junheng_lib.narrative.warning_reason`).
    """
    margin = float(RULES["warning"]["margin"])
    run = int(RULES["warning"]["rising_years"])
    c = coef.sort_values(["county", "stage", "standard", "indicator", "year"]).reset_index(drop=True)
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
    c["kind"] = np.select(
        [c["newly_failed"], c["rising"] & c["near_limit"], c["near_limit"], c["rising"]],
        list(WARNING_KINDS), default="")
    cols = ["year", "county", "stage", "standard", "indicator", "cv", "limit", "passed", "change", "rising",
            "near_limit", "newly_failed", "kind"]
    c = c.sort_values(["county", "year", "stage"], key=lambda s: s.map(STAGE_ORDER) if s.name == "stage" else s,
                      kind="stable")
    return c[cols].reset_index(drop=True)


def warnings_table(trend: pd.DataFrame, year: int | None = None) -> pd.DataFrame:
    """Only the rows that carry a warning (of one year: default the latest)."""
    year = int(trend["year"].max()) if year is None else int(year)
    return trend[(trend["year"] == year) & (trend["kind"] != "")].reset_index(drop=True)
