"""The schools behind a CV: each school's share of the student-weighted variance.

For a county × stage and an indicator, ``share_i = (Pᵢ/P)(Xᵢ − X̄)² / S²`` — the shares sum to 1 over
the schools — with the school's value against the county mean; a value many times the mean that
alone makes up much of the variance is flagged as an outlier to verify (a likely reporting error).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from junheng_lib.rules.indicators import BASIC, QUALITY, RULES

__all__ = ["contributions"]


def contributions(values: pd.DataFrame, coef: pd.DataFrame, *, top: int = 5) -> pd.DataFrame:
    """Schools behind the largest CVs, for every county-stage at once.

    The picks per county × stage: the largest basic CV, and the quality CVs over their limit (the
    three furthest over). For each pick, each school's share of the weighted variance
    ``share_i = (Pᵢ/P)(Xᵢ − X̄)² / S²`` (shares sum to 1 over the schools), the ``top`` largest.

    Returns
    -------
    DataFrame
        ``year, county, stage, indicator, rank, school_id, school_name, students, value, mean,
        deviation, share, direction, ratio, outlier`` (direction 高于均值 / 低于均值; ``ratio`` value ÷
        mean; ``outlier`` a value at least ``[narrative] outlier_factor`` times the county mean that
        alone makes up at least ``outlier_min_share`` of the variance: a likely data error or outlier
        to verify before any resource is moved), the picks in order
        (basic first).
    """
    cols = ["year", "county", "stage", "indicator", "rank", "school_id", "school_name", "students", "value",
            "mean", "deviation", "share", "direction", "ratio", "outlier"]
    c = coef[(coef["cv"] > 0) & (coef["indicator"] != "composite")]  # a CV of 0 has no school behind it
    basic = c[c["standard"] == BASIC].sort_values("cv", ascending=False).groupby(
        ["year", "county", "stage"], sort=False).head(1)
    q = c[(c["standard"] == QUALITY) & c["passed"].eq(False)]
    q = q.assign(excess=q["cv"] - q["limit"]).sort_values("excess", ascending=False).groupby(
        ["year", "county", "stage"], sort=False).head(3)
    picks = pd.concat([basic, q], ignore_index=True)[["year", "county", "stage", "standard", "indicator"]]
    if picks.empty:
        return pd.DataFrame(columns=cols)
    parts = []
    for (code, std), p in picks.groupby(["indicator", "standard"], sort=False):
        scope = "in_basic" if std == BASIC else "in_quality"
        v = values[values[scope] & (values["students"] > 0)]
        v = v.assign(stage=v["stage"].astype(str)).merge(p[["year", "county", "stage"]], on=["year", "county", "stage"])
        if v.empty:
            continue
        w, x = v["students"].to_numpy(float), v[code].to_numpy(float)
        g = v.groupby(["year", "county", "stage"], sort=False)
        P = g["students"].transform("sum").to_numpy(float)
        mean = (pd.Series(w * x, index=v.index).groupby([v["year"], v["county"], v["stage"]]).transform("sum")
                .to_numpy(float) / P)
        dev2 = w / P * (x - mean) ** 2
        total = pd.Series(dev2, index=v.index).groupby([v["year"], v["county"], v["stage"]]).transform("sum").to_numpy()
        part = v[["year", "county", "stage", "school_id", "school_name", "students"]].assign(
            indicator=code, value=x, mean=mean, deviation=x - mean,
            share=np.where(total > 0, dev2 / np.where(total > 0, total, 1.0), 0.0),
            direction=np.where(x >= mean, "高于均值", "低于均值"),
            ratio=np.where(mean > 0, x / np.where(mean > 0, mean, 1.0), np.nan))
        nt = RULES["narrative"]
        part["outlier"] = (part["ratio"] >= float(nt["outlier_factor"])) & (part["share"] >= float(nt["outlier_min_share"]))
        part = part.sort_values("share", ascending=False, kind="stable")
        part["rank"] = part.groupby(["year", "county", "stage"]).cumcount() + 1
        parts.append(part[part["rank"] <= top])
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=cols)
    order = picks.reset_index(drop=True).reset_index().rename(columns={"index": "pick"})
    out = out.merge(order[["pick", "year", "county", "stage", "indicator"]], on=["year", "county", "stage", "indicator"])
    out = out.sort_values(["pick", "rank"], kind="stable")
    return out[cols].reset_index(drop=True)
