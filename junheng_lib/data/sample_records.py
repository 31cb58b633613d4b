"""The sample city's working records (working-records.md §5–§6): ``projects`` and ``groups`` tables
for every county and year, drawn from their own random stream (the schools, classes and counties
tables of :mod:`junheng_lib.data.sample` are unchanged by them).

Projects: each county runs a 全面改薄-like programme of 5–12 projects at its weaker schools (lowest
per-student 教学及辅助用房面积), each reported every year from its first year on, money cumulative:
未开工 or 在建 in its first year, 竣工 a year or two later; money from 中央 (25–35 %), 省级 (15–25 %),
市级 (0–10 %) and 县级 (the rest), 30–60 % of the plan in the first year, 85–100 % when completed.
A 校舍 project completes only in the last year of the data, so the sample's ``check`` has no
``project_area`` finding (its schools' areas are drawn without the projects).

Groups: one row per county and year — 建档立卡, 低保 and 特困 pupils by the county's wealth, aid to all
of them except in the poorest counties, 留守儿童 by the rural share, 随迁子女 by the urban share, 残疾儿童
少年 and a handful of 控辍保学 cases.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["sample_records"]

_KINDS = [("校舍", "教学楼"), ("校舍", "综合楼"), ("运动场", "运动场"), ("设备", "教学仪器设备"), ("图书", "图书配备"),
          ("信息化", "多媒体教室")]


def _projects(schools: pd.DataFrame, profiles: pd.DataFrame, years, rng: np.random.Generator) -> pd.DataFrame:
    years = sorted(int(y) for y in years)
    first, last = years[0], years[-1]
    s0 = schools[schools["year"] == first].copy()
    s0["per"] = s0["teaching_area_m2"] / (s0["students_primary"] + s0["students_junior"]).clip(lower=1)
    rows = []
    for p in profiles.itertuples():
        cs = s0[s0["county"] == p.county].sort_values("per")
        if cs.empty:
            continue
        n = int(rng.integers(5, 13))
        weak = cs.head(max(n, 1))
        code = str(getattr(p, "county_code", "") or "")
        for k in range(n):
            sch = weak.iloc[k % len(weak)]
            kind, what = _KINDS[int(rng.integers(0, len(_KINDS)))]
            start = years[int(rng.integers(0, len(years)))]
            done = start + int(rng.integers(1, 3))
            if kind == "校舍":
                done = max(done, last)           # see the module docstring: completed in the last year at the earliest
            area = float(np.round(rng.uniform(800, 4000), -1)) if kind in ("校舍", "运动场") else np.nan
            planned = float(np.round((area * rng.uniform(0.25, 0.4)) if area == area else rng.uniform(30, 300), 2))
            shares = np.array([rng.uniform(0.25, 0.35), rng.uniform(0.15, 0.25), rng.uniform(0, 0.1)])
            shares = np.append(shares, 1 - shares.sum())
            idle = rng.random() < 0.3
            pid = f"{code or p.county}-{start}-{k + 1:02d}"
            for y in years:
                if y < start:
                    continue
                if y >= done:
                    status, frac = "竣工", rng.uniform(0.85, 1.0)
                elif y == start and idle:
                    status, frac = "未开工", rng.uniform(0.0, 0.2)
                else:
                    status, frac = "在建", rng.uniform(0.3, 0.6) if y == start else rng.uniform(0.6, 0.85)
                money = np.round(planned * frac * shares, 2)
                rows.append({"year": y, "county": p.county, "project_id": pid,
                             "project_name": f"{sch['school_name']}{what}项目", "school_id": sch["school_id"],
                             "kind": kind, "planned_area_m2": area, "planned_10k_yuan": planned, "status": status,
                             "completed_area_m2": area if status == "竣工" else np.nan,
                             "invested_central": money[0], "invested_province": money[1],
                             "invested_city": money[2], "invested_county": money[3]})
    return pd.DataFrame(rows).sort_values(["year", "county", "project_id"], kind="stable").reset_index(drop=True)


def _groups(schools: pd.DataFrame, profiles: pd.DataFrame, years, rng: np.random.Generator) -> pd.DataFrame:
    st = (schools.assign(n=schools["students_primary"] + schools["students_junior"])
          .groupby(["year", "county"])["n"].sum())
    rows = []
    for p in profiles.itertuples():
        poor = max(0.0, 1.3 - float(p.wealth))            # 0.05 (rich) … 0.55 (poor)
        for y in years:
            n = float(st.get((int(y), p.county), 0))
            if n <= 0:
                continue
            reg = int(n * poor * rng.uniform(0.04, 0.07))
            low = int(n * rng.uniform(0.01, 0.025))
            ext = int(n * rng.uniform(0.001, 0.003))
            eligible = reg + low + ext
            aided = eligible if poor < 0.4 else eligible - int(rng.integers(1, max(2, eligible // 40)))
            migrant = int(n * float(p.urban) * rng.uniform(0.08, 0.14))
            disabled = int(n * rng.uniform(0.002, 0.004))
            suspected = int(rng.integers(0, 8 + int(40 * poor)))
            dropout = int(rng.integers(0, suspected + 1))
            returned = int(rng.integers(max(0, dropout - 3), dropout + 1))
            closed = int(rng.integers(0, dropout - returned + 1))
            rows.append({"year": int(y), "county": p.county, "registered_poor": reg, "low_income": low,
                         "extreme_poor": ext, "eligible": eligible, "aided": aided,
                         "aid_10k_yuan": round(aided * rng.uniform(0.08, 0.12), 2),
                         "left_behind": int(n * (1 - float(p.urban)) * rng.uniform(0.12, 0.25)),
                         "migrant": migrant, "migrant_public": int(migrant * rng.uniform(0.85, 0.97)),
                         "disabled": disabled, "disabled_enrolled": int(disabled * rng.uniform(0.92, 0.99)),
                         "dropout_suspected": suspected, "dropout": dropout, "returned": returned, "closed": closed})
    return pd.DataFrame(rows)


def sample_records(schools: pd.DataFrame, profiles: pd.DataFrame, years, seed: int) -> dict[str, pd.DataFrame]:
    """The ``projects`` and ``groups`` tables of a generated city (see the module docstring)."""
    rng = np.random.default_rng([int(seed), 18])
    return {"projects": _projects(schools, profiles, years, rng), "groups": _groups(schools, profiles, years, rng)}
