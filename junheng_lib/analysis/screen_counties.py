"""Screening of the counties table: the same year-over-year rules per county
(``[screening.counties]``) and 教育财政拨款 against 财政经常性收入 within a year."""
from __future__ import annotations

import pandas as pd

from junheng_lib.analysis.screen_base import (
    CCFG,
    COUNTY_UNITS,
    ZH_COUNTIES,
    county_label,
    empty_findings,
    findings,
    judge_yoy,
    num_text,
    yoy_params,
)


def _county_yoy(c: pd.DataFrame) -> pd.DataFrame:
    """The same rules on the counties table, per county (``[[screening.counties.yoy]]``)."""
    params = yoy_params(CCFG["yoy"])
    params = params[params["col"].isin([x for x in params["col"] if x in c and c[x].notna().any()])]
    if params.empty:
        return empty_findings()
    cols = params["col"].tolist()
    long = c[["year", "county"] + cols].melt(id_vars=["year", "county"], value_vars=cols, var_name="col",
                                              value_name="cur")
    long["cur"] = pd.to_numeric(long["cur"], errors="coerce")
    long["active"] = True
    return judge_yoy(long, params, "county", county_label, ZH_COUNTIES, COUNTY_UNITS, school=False, decimals=4)

def _county_ratio(c: pd.DataFrame) -> list[pd.DataFrame]:
    """Within a year: 教育财政拨款 against 财政经常性收入 (both 万元) — a ratio no county has means one
    of them was typed in 元 (unit_wan on the one that is too large)."""
    a, r = CCFG["appropriation"], CCFG["revenue"]
    if a not in c or r not in c:
        return []
    va, vr = pd.to_numeric(c[a], errors="coerce"), pd.to_numeric(c[r], errors="coerce")
    ok = (va > 0) & (vr > 0)
    q = va / vr.where(ok)
    out = []
    for big, small, v_big, v_small, bad in ((a, r, va, vr, ok & (q >= float(CCFG["ratio_max"]))),
                                            (r, a, vr, va, ok & (q <= float(CCFG["ratio_min"])))):
        if not bad.any():
            continue
        times = v_big[bad] / v_small[bad]
        ub, us = COUNTY_UNITS.get(big, ""), COUNTY_UNITS.get(small, "")
        msg = (county_label(big) + " " + num_text(v_big[bad], 4) + " " + ub + "为" + county_label(small) + " "
               + num_text(v_small[bad], 4) + " " + us + "的 " + num_text(times.round()) + " 倍，两项单位疑似不一致"
               "(万元与元混填)，请核实两项的填报单位")
        f = findings(c[bad], "unit_wan", ZH_COUNTIES[big], v_big[bad], "", msg)
        f["_col"] = big
        out.append(f)
    return out


def screen_counties(counties: pd.DataFrame | None) -> pd.DataFrame:
    """The counties table's findings (year over year and 拨款 against 收入), unsorted, with ``_col``."""
    if counties is None or counties.empty:
        return empty_findings().assign(_col=pd.Series(dtype=object))
    c = counties.reset_index(drop=True)
    yoy = _county_yoy(c)
    within = _county_ratio(c)
    if within and len(yoy):
        # a slip of either column found year over year says more (which column, last year's value)
        pair = [CCFG["appropriation"], CCFG["revenue"]]
        seen = yoy.loc[yoy["rule"].isin(["unit_wan", "unit_slip", "to_zero"]) & yoy["_col"].isin(pair),
                       ["year", "county"]].drop_duplicates()
        within = [w[~w[["year", "county"]].merge(seen, how="left", indicator=True)["_merge"]
                    .eq("both").to_numpy()] for w in within]
    parts = [p for p in [yoy, *within] if len(p)]
    return pd.concat(parts, ignore_index=True) if parts else empty_findings().assign(_col=pd.Series(dtype=object))
