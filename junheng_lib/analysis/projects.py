"""Projects and investment (working-records.md §5): the ``projects`` table per county and year.

:func:`projects_summary` — one row per year × county: :data:`PROJECT_SUMMARY_COLUMNS`

``projects`` (rows), ``not_started``, ``building`` (在建), ``completed`` (竣工 or 完成), ``started``
(在建 + 竣工/完成), ``started_share`` and ``completed_share`` (of all projects, fractions 0–1),
``planned_10k_yuan`` (规划投入, 万元), ``invested_10k_yuan`` (累计投入: the four sources summed),
``invested_central``, ``invested_province``, ``invested_city``, ``invested_county`` (万元),
``invested_share`` (资金到位率 = invested ÷ planned; NaN without a planned amount),
``planned_area_m2``, ``completed_area_m2`` (竣工面积 of every project), ``schools`` (distinct school ids
named).

:func:`projects_by_kind` — the same money and counts per 项目类别 (the report's table).

Example (the 全面改薄 report the issue quotes: 中央469、省级324、区级配套806.78 of 2,117 万元):

>>> p = pd.DataFrame({"year": [2024, 2024], "county": ["甲区", "甲区"], "status": ["竣工", "在建"],
...     "kind": ["校舍", "运动场"], "planned_10k_yuan": [1000.0, 1117.0], "invested_central": [200.0, 269.0],
...     "invested_province": [100.0, 224.0], "invested_city": [0.0, 0.0], "invested_county": [400.0, 406.78],
...     "planned_area_m2": [9000.0, None], "completed_area_m2": [9000.0, None], "school_id": ["S1", "S2"]})
>>> r = projects_summary(p).iloc[0]
>>> float(round(r["invested_10k_yuan"], 2)), float(round(r["invested_share"], 3)), float(r["completed_share"])
(1599.78, 0.756, 0.5)
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from junheng_lib.data.records import SOURCES
from junheng_lib.rules.indicators import RULES

__all__ = ["projects_summary", "projects_by_kind", "PROJECT_SUMMARY_COLUMNS"]

_CFG = RULES["records"]
PROJECT_SUMMARY_COLUMNS = ["year", "county", "projects", "not_started", "building", "started", "completed",
                           "started_share", "completed_share", "planned_10k_yuan", "invested_10k_yuan",
                           *SOURCES, "invested_share", "planned_area_m2", "completed_area_m2", "schools"]


def _select(projects: pd.DataFrame | None, year=None, county=None) -> pd.DataFrame | None:
    if projects is None:
        return None
    p = projects
    if year is not None:
        p = p[p["year"] == int(year)]
    if county is not None:
        p = p[p["county"] == county]
    return p


def _aggregate(p: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    started = p["status"].isin(_CFG["started_statuses"])
    done = p["status"].isin(_CFG["completed_statuses"])
    money = p[list(SOURCES)].astype("float64").fillna(0.0)
    d = pd.DataFrame({**{k: p[k].to_numpy() for k in keys},
                      "projects": 1, "not_started": (~started).astype(int).to_numpy(),
                      "building": (started & ~done).astype(int).to_numpy(), "started": started.astype(int).to_numpy(),
                      "completed": done.astype(int).to_numpy(),
                      "planned_10k_yuan": p["planned_10k_yuan"].astype("float64").to_numpy(),
                      "invested_10k_yuan": money.sum(axis=1).to_numpy(),
                      **{c: money[c].to_numpy() for c in SOURCES},
                      "planned_area_m2": p["planned_area_m2"].astype("float64").to_numpy(),
                      "completed_area_m2": p["completed_area_m2"].astype("float64").to_numpy()})
    g = d.groupby(keys, sort=False)
    out = g[["projects", "not_started", "building", "started", "completed", "invested_10k_yuan", *SOURCES]].sum()
    # amounts and areas: a sum of what is given (min_count: all blank stays blank, never 0)
    for c in ("planned_10k_yuan", "planned_area_m2", "completed_area_m2"):
        out[c] = g[c].sum(min_count=1)
    out = out.reset_index()
    out["started_share"] = out["started"] / out["projects"]
    out["completed_share"] = out["completed"] / out["projects"]
    planned = out["planned_10k_yuan"]
    out["invested_share"] = np.where(planned > 0, out["invested_10k_yuan"] / planned.where(planned > 0), np.nan)
    return out


def projects_summary(projects: pd.DataFrame | None, year: int | None = None, county: str | None = None
                     ) -> pd.DataFrame:
    """Per year × county, the projects by status, money planned and invested by source, 资金到位率 and
    area (see the module docstring). Empty (with the columns) without a projects table or rows."""
    p = _select(projects, year, county)
    if p is None or p.empty:
        return pd.DataFrame(columns=PROJECT_SUMMARY_COLUMNS)
    out = _aggregate(p, ["year", "county"])
    sid = p["school_id"] if "school_id" in p else pd.Series(np.nan, index=p.index)
    n = sid.groupby([p["year"], p["county"]], sort=False).nunique()
    out["schools"] = [int(n.get((y, c), 0)) for y, c in zip(out["year"], out["county"])]
    return out[PROJECT_SUMMARY_COLUMNS].sort_values(["year", "county"]).reset_index(drop=True)


def projects_by_kind(projects: pd.DataFrame | None, year: int | None = None, county: str | None = None
                     ) -> pd.DataFrame:
    """Per year × county × 项目类别 (rule-table order): the columns of :func:`projects_summary` but
    ``schools``. Empty without rows."""
    cols = ["year", "county", "kind"] + [c for c in PROJECT_SUMMARY_COLUMNS[2:] if c != "schools"]
    p = _select(projects, year, county)
    if p is None or p.empty:
        return pd.DataFrame(columns=cols)
    out = _aggregate(p, ["year", "county", "kind"])
    order = {k: i for i, k in enumerate(_CFG["project_kinds"])}
    return (out.sort_values(["year", "county", "kind"], key=lambda s: s.map(order) if s.name == "kind" else s)
            [cols].reset_index(drop=True))
