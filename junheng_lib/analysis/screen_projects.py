"""Screening of the projects table against the schools table (rule ``project_area``).

A 校舍 project completed in year Y at a school (``[records] building_kinds``; the first year the project
is reported 竣工/完成, so that a project reported again later counts once) should show in that school's
教学及辅助用房面积 of year Y + 1. When the area grew by less than ``[records] area_share`` of the area
completed, the next year's cell is a finding to verify (the building may be a 宿舍 or 食堂 — or the
statistics may have missed it). Schools without a row in both years, and years the data do not reach,
are not judged.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from junheng_lib.analysis.screen_base import FINDING_COLUMNS, ZH, findings, num_text
from junheng_lib.rules.indicators import RULES

__all__ = ["screen_projects", "completed_buildings"]

_CFG = RULES["records"]


def completed_buildings(projects: pd.DataFrame | None) -> pd.DataFrame:
    """Per (year, county, school_id): the 校舍 area completed that year (``area``) and the projects
    (``names``, joined by "、"), each project in the first year it is reported completed."""
    cols = ["year", "county", "school_id", "area", "names"]
    if projects is None or projects.empty or "school_id" not in projects:
        return pd.DataFrame(columns=cols)
    p = projects[projects["status"].isin(_CFG["completed_statuses"]) & projects["kind"].isin(_CFG["building_kinds"])
                 & projects["school_id"].notna() & (projects["completed_area_m2"].fillna(0) > 0)]
    if p.empty:
        return pd.DataFrame(columns=cols)
    p = p.sort_values("year").drop_duplicates(["county", "project_id"], keep="first")
    g = p.groupby(["year", "county", "school_id"], sort=True)
    return pd.DataFrame({"area": g["completed_area_m2"].sum(),
                         "names": g["project_name"].agg(lambda s: "、".join(map(str, s)))}).reset_index()[cols]


def screen_projects(schools: pd.DataFrame, projects: pd.DataFrame | None) -> pd.DataFrame:
    """Findings ``project_area`` (columns :data:`FINDING_COLUMNS`), in the year after completion."""
    built = completed_buildings(projects)
    if built.empty:
        return pd.DataFrame(columns=FINDING_COLUMNS)
    s = schools[["year", "school_id", "school_name", "county", "teaching_area_m2"]]
    now = s.rename(columns={"teaching_area_m2": "before"})[["year", "school_id", "before"]]
    nxt = s.assign(year=s["year"] - 1).rename(columns={"teaching_area_m2": "after", "school_name": "name_after",
                                                       "county": "county_after"})
    m = built.merge(now, on=["year", "school_id"], how="inner").merge(nxt, on=["year", "school_id"], how="inner")
    grew = m["after"] - m["before"]
    bad = m[grew.to_numpy() < float(_CFG["area_share"]) * m["area"].to_numpy() - 1e-9]
    if bad.empty:
        return pd.DataFrame(columns=FINDING_COLUMNS)
    growth = bad["after"] - bad["before"]
    msg = [f"项目表中该校{int(y)}年竣工校舍{a}㎡（{n}），但{int(y) + 1}学年教学及辅助用房面积只"
           + (f"增加了{g}㎡" if d > 0 else ("未增加" if d == 0 else f"减少了{g}㎡"))
           + "：请核实新建校舍是否已计入教学及辅助用房面积(或其是否为宿舍、食堂等非教学用房)"
           for y, a, n, g, d in zip(bad["year"], num_text(bad["area"]), bad["names"], num_text(growth.abs()),
                                    np.sign(growth))]
    d = pd.DataFrame({"year": bad["year"] + 1, "county": bad["county_after"], "school_id": bad["school_id"],
                      "school_name": bad["name_after"]})
    return findings(d.reset_index(drop=True), "project_area", ZH["teaching_area_m2"],
                    bad["after"].reset_index(drop=True), bad["before"].reset_index(drop=True),
                    pd.Series(msg)).assign(_col="teaching_area_m2")   # the schools column (as the other rules carry it)
