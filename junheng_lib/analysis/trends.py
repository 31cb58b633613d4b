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

from junheng_lib.rules.indicators import INDICATORS, RULES, STAGE_ORDER

__all__ = ["cv_trend", "warnings_table", "resource_warnings", "resource_of", "WARNING_KINDS", "COMPOSITE"]

#: the kinds of a CV warning, most serious first
WARNING_KINDS = ("newly_failed", "rising_near", "near_limit", "rising")
#: the ``resource`` key of the composite CV (a resource of its own)
COMPOSITE = "composite"


def resource_of(indicator: str) -> str:
    """The underlying resource of an indicator: its numerator column in the rule table (L1 and Y4 are
    both ``teaching_area``; L7 and Y1 both ``above_degree``), ``composite`` for the composite.

    >>> resource_of("L1") == resource_of("Y4"), resource_of("composite")
    (True, 'composite')
    """
    return COMPOSITE if indicator == COMPOSITE else str(INDICATORS.loc[indicator, "numerator"])


def cv_trend(coef: pd.DataFrame) -> pd.DataFrame:
    """All CVs across years with the change from the previous year and the warning flags.

    Parameters
    ----------
    coef : DataFrame
        :func:`junheng_lib.analysis.coefficients.coefficients` of several years.

    Returns
    -------
    DataFrame
        ``year, county, stage, standard, indicator, resource, cv, limit, passed, change, rising,
        near_limit, newly_failed, kind`` — ``resource`` is :func:`resource_of` the indicator (a basic
        and a quality indicator of the same resource share it); ``kind`` is the warning as data: ``newly_failed`` (passed last year,
        fails now), ``rising_near`` (rose ``rising_years`` running and within the margin),
        ``near_limit``, ``rising``, or empty when none (the text is rendered by
        :func:`junheng_lib.report.narrative.warning_reason`).
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
    # within the limit as the verdict has it (the rule table's tolerance), but by less than the margin
    c["near_limit"] = has_limit & c["passed"].eq(True) & (c["cv"] > c["limit"] - margin)
    prev_passed = g["passed"].shift(1)
    c["newly_failed"] = prev_passed.eq(True) & c["passed"].eq(False) & (c["year"] - prev_year == 1)
    c["kind"] = np.select(
        [c["newly_failed"], c["rising"] & c["near_limit"], c["near_limit"], c["rising"]],
        list(WARNING_KINDS), default="")
    c["resource"] = c["indicator"].map(resource_of)
    cols = ["year", "county", "stage", "standard", "indicator", "resource", "cv", "limit", "passed", "change", "rising",
            "near_limit", "newly_failed", "kind"]
    c = c.sort_values(["county", "year", "stage"], key=lambda s: s.map(STAGE_ORDER) if s.name == "stage" else s,
                      kind="stable")
    return c[cols].reset_index(drop=True)


def warnings_table(trend: pd.DataFrame, year: int | None = None) -> pd.DataFrame:
    """Only the rows that carry a warning (of one year: default the latest)."""
    year = int(trend["year"].max()) if year is None else int(year)
    return trend[(trend["year"] == year) & (trend["kind"] != "")].reset_index(drop=True)


def resource_warnings(warnings: pd.DataFrame) -> pd.DataFrame:
    """The warnings grouped by underlying resource: one row per year × county × stage × resource.

    The same resource measured by a 基本均衡 and a 优质均衡 indicator (L1/Y4, L2/Y5, L3/Y6, L7/Y1)
    is one warning, naming both indicators; each standard's CV, change and kind are kept side by side.

    Parameters
    ----------
    warnings : DataFrame
        :func:`warnings_table` rows (with ``resource``).

    Returns
    -------
    DataFrame
        ``year, county, stage, resource, indicators`` (tuple of codes, 基本均衡 first), ``kind`` (the
        most serious of the group, :data:`WARNING_KINDS` order), ``basic_indicator, basic_cv,
        basic_change, basic_kind, quality_indicator, quality_cv, quality_change, quality_kind`` (None /
        NaN / "" where the standard has no warned indicator of that resource) and ``limit`` (of the warned
        indicator that has one), in the order of the warnings.

    Examples
    --------
    >>> w = pd.DataFrame({"year": 2024, "county": "甲县", "stage": "小学", "standard": ["basic", "quality"],
    ...                   "indicator": ["L1", "Y4"], "resource": ["teaching_area"] * 2, "cv": [0.66, 0.67],
    ...                   "limit": [np.nan, 0.5], "change": [0.01, 0.02], "kind": ["rising", "rising_near"]})
    >>> g = resource_warnings(w)
    >>> len(g), g.loc[0, "indicators"], g.loc[0, "kind"]
    (1, ('L1', 'Y4'), 'rising_near')
    """
    cols = ["year", "county", "stage", "resource", "indicators", "kind", "basic_indicator", "basic_cv",
            "basic_change", "basic_kind", "quality_indicator", "quality_cv", "quality_change", "quality_kind",
            "limit"]
    rows = []
    rank = {k: i for i, k in enumerate(WARNING_KINDS)}
    for key, g in warnings.groupby(["year", "county", "stage", "resource"], sort=False):
        row = dict(zip(["year", "county", "stage", "resource"], key))
        g = g.sort_values("standard", key=lambda s: s.map({"basic": 0, "quality": 1}), kind="stable")
        row["indicators"] = tuple(g["indicator"])
        row["kind"] = min(g["kind"], key=lambda k: rank.get(k, len(rank)))
        for std in ("basic", "quality"):
            r = g[g["standard"] == std]
            has = not r.empty
            row[f"{std}_indicator"] = r["indicator"].iloc[0] if has else None
            row[f"{std}_cv"] = float(r["cv"].iloc[0]) if has else np.nan
            row[f"{std}_change"] = float(r["change"].iloc[0]) if has else np.nan
            row[f"{std}_kind"] = r["kind"].iloc[0] if has else ""
        lim = g["limit"].dropna()
        row["limit"] = float(lim.iloc[0]) if len(lim) else np.nan
        rows.append(row)
    out = pd.DataFrame(rows, columns=cols)
    if out.empty:
        return out
    # per stage: the composite first, then the resources in the rule table's order of their first indicator
    order = {c: i for i, c in enumerate(INDICATORS.index)}
    rank = out["indicators"].map(lambda t: -1 if t[0] == COMPOSITE else min(order[c] for c in t))
    out = out.assign(_r=rank).sort_values(["year", "county", "stage", "_r"], kind="stable",
                                           key=lambda s: s.map(STAGE_ORDER) if s.name == "stage" else s)
    return out.drop(columns="_r").reset_index(drop=True)
