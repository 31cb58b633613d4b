"""城乡差距: 城区/镇区/乡村 student-weighted means per indicator, and a student-weighted Theil T
index split into between-group and within-group parts.

Examples
--------
Two 城区 schools at 10 and two 乡村 schools at 0 (equal students): all inequality lies between
the groups, T = T_between = ln 2.
"""
from __future__ import annotations

import pandas as pd

from junheng_lib.analysis.coefficients import require_values
from junheng_lib.analysis.measures import grouped_theil
from junheng_lib.data.schema import LOCATIONS
from junheng_lib.rules.indicators import INDICATORS, STAGE_ORDER, codes
from junheng_lib.util.frames import select

__all__ = ["urban_rural_gap", "LOCATIONS"]



def urban_rural_gap(values: pd.DataFrame, *, year=None, county=None, standard: str = "quality") -> pd.DataFrame:
    """Per year × county × stage × indicator: group means and the Theil decomposition.

    Schools in the standard's scope with students and a known 城乡分类 take part. Group means are
    Σ numerator / Σ students × scale (the group's per-student value). ``theil`` = ``between`` +
    ``within``; ``between_share`` = between / theil.

    Returns
    -------
    DataFrame
        ``year, county, stage, indicator, mean_城区, mean_镇区, mean_乡村, rural_to_urban`` (乡村 ÷ 城区),
        ``theil, between, within, between_share``.
    """
    v = select(require_values(values, codes(standard)), year=year, county=county)
    scope = "in_quality" if standard == "quality" else "in_basic"
    v = v[v[scope] & (v["students"] > 0) & v["location"].isin(LOCATIONS)].copy()
    v["stage"] = v["stage"].astype(str)
    cols = codes(standard)
    # group means: Σ numerator / Σ students per location (vectorized groupby)
    num = v[[INDICATORS.loc[c, "numerator"] for c in cols]].copy()
    num.columns = cols
    num[["year", "county", "stage", "location", "students"]] = v[["year", "county", "stage", "location", "students"]]
    sums = num.groupby(["year", "county", "stage", "location"]).sum(numeric_only=True)
    means = sums[cols].div(sums["students"], axis=0) * INDICATORS.loc[cols, "scale"].to_numpy()
    means = means.stack().rename("mean").reset_index().rename(columns={"level_4": "indicator"})
    wide = means.pivot_table(index=["year", "county", "stage", "indicator"], columns="location", values="mean")
    wide = wide.reindex(columns=list(LOCATIONS))
    wide.columns = [f"mean_{c}" for c in wide.columns]
    # Theil per county-stage-indicator, all groups at once
    keys = v.groupby(["year", "county", "stage"], sort=False)
    gcode = keys.ngroup().to_numpy()
    loc_code = v["location"].map({k: i for i, k in enumerate(LOCATIONS)}).to_numpy()
    theil, between = grouped_theil(gcode, loc_code, v[cols].to_numpy(float), v["students"].to_numpy(float),
                                   keys.ngroups)
    g = keys.size().reset_index()[["year", "county", "stage"]]
    th = pd.concat([g.assign(indicator=code, theil=theil[:, j], between=between[:, j],
                             within=theil[:, j] - between[:, j]) for j, code in enumerate(cols)], ignore_index=True)
    out = wide.reset_index().merge(th, on=["year", "county", "stage", "indicator"], how="right")
    out["rural_to_urban"] = out["mean_乡村"] / out["mean_城区"]
    out["between_share"] = out["between"] / out["theil"].where(out["theil"] > 0)
    order = {**{c: i for i, c in enumerate(cols)}, **STAGE_ORDER}
    out = out.sort_values(["year", "county", "stage", "indicator"], key=lambda s: s.map(order) if s.name in
                          ("indicator", "stage") else s, kind="stable")
    return out[["year", "county", "stage", "indicator", *[f"mean_{x}" for x in LOCATIONS], "rural_to_urban",
                "theil", "between", "within", "between_share"]].reset_index(drop=True)


