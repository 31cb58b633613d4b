"""Shortfalls (差额) and least-cost plans: per-school standards, CV limits, both together; what-if.

All amounts are in the resource's raw unit (㎡, 元, 人, 间) of the school × stage part, the same
numerator the indicator is computed from; counts of people and rooms are rounded up to whole units.

Examples
--------
A 小学 of 100 students with 400 ㎡ of teaching rooms: Y4 = 4.0 against 4.5, so 50 ㎡ are short;
at 85 % (3.825 ㎡ per student) nothing is short.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from junheng_lib.analysis.coefficients import require_values
from junheng_lib.analysis.measures import weighted_cv
from junheng_lib.analysis.stages import split_shares
from junheng_lib.data.schema import SCHOOLS, STAGE_SUFFIX
from junheng_lib.rules.indicators import (
    INDICATORS,
    QUALITY,
    RULES,
    STAGE_ORDER,
    STAGES,
    at_least,
    codes,
    cv_limit,
    standard_value,
    within_limit,
)
from junheng_lib.rules.options import Options
from junheng_lib.util.frames import select

__all__ = ["shortfall", "compliance_plan", "cv_plan", "combined_plan", "apply_additions", "what_if",
           "resource_key", "resource_name", "SHORTFALL_COLUMNS", "PLAN_COLUMNS", "default_costs"]

SHORTFALL_COLUMNS = ["year", "county", "school_id", "stage", "indicator", "value", "standard", "shortfall"]
PLAN_COLUMNS = ["school_id", "addition", "value_after", "cv_after"]
_COUNT_UNITS = {"人", "间", "台", "册"}
_KEEP = ["year", "county", "school_id", "school_name", "stage", "students"]


def default_costs() -> dict[str, float]:
    """Unit cost (元) of each resource, from the rule table's ``[costs]`` (an input: override freely)."""
    return {k: float(v) for k, v in RULES["costs"].items()}


def _is_count(code: str) -> bool:
    return INDICATORS.loc[code, "resource_unit"] in _COUNT_UNITS


def _round_up(x: np.ndarray, count: bool) -> np.ndarray:
    x = np.maximum(np.asarray(x, float), 0.0)
    return np.ceil(x - 1e-9) if count else x


def _quality_values(values, year, county) -> pd.DataFrame:
    v = select(require_values(values, codes(QUALITY)), year=year, county=county)
    v = v[v["in_quality"] & (v["students"] > 0)].copy()
    v["stage"] = v["stage"].astype(str)
    return v.reset_index(drop=True)


def shortfall(values: pd.DataFrame, *, year=None, county=None) -> pd.DataFrame:
    """What each school × stage must add to reach 100 % (and 85 %) of each Y1–Y7 standard.

    ``required = standard × students / scale``; ``shortfall = max(0, required − current)``, rounded up
    to whole people/rooms for counts.

    Returns
    -------
    DataFrame
        One row per school × stage × indicator: ``year, county, school_id, stage, indicator, value,
        standard, shortfall`` (the CLI contract) plus ``school_name, students, ratio, met, current,
        required, shortfall_85, resource, unit``.

    Examples
    --------
    100 students, 3 networked multimedia rooms: Y7 = 3.0 ≥ 2.3, shortfall 0; with 2 rooms
    (2.0 per 100) the shortfall is ⌈2.3 − 2⌉ = 1 room.
    """
    v = _quality_values(values, year, county)
    parts = []
    floor = float(RULES["quality"]["floor_share"])
    for code in codes(QUALITY):
        row = INDICATORS.loc[code]
        std = v["stage"].map({s: standard_value(code, s) for s in STAGES}).to_numpy(float)
        p = v["students"].to_numpy(float)
        cur = v[row["numerator"]].to_numpy(float)
        value = v[code].to_numpy(float)
        required = std * p / row["scale"]
        count = _is_count(code)
        met = at_least(value, std)
        part = v[_KEEP].copy()
        part["indicator"] = code
        part["value"] = value
        part["standard"] = std
        part["ratio"] = value / std
        part["met"] = met
        part["current"] = cur
        part["required"] = required
        part["shortfall"] = np.where(met, 0.0, _round_up(required - cur, count))
        part["shortfall_85"] = np.where(at_least(value, floor * std), 0.0, _round_up(floor * required - cur, count))
        part["resource"] = row["resource"]
        part["unit"] = row["resource_unit"]
        parts.append(part)
    cols = SHORTFALL_COLUMNS + ["school_name", "students", "ratio", "met", "current", "required", "shortfall_85",
                                "resource", "unit"]
    if not parts or v.empty:
        return pd.DataFrame(columns=cols)
    out = pd.concat(parts, ignore_index=True)
    order = {**{c: i for i, c in enumerate(codes(QUALITY))}, **STAGE_ORDER}
    out = out.sort_values(["year", "county", "stage", "school_id", "indicator"], key=lambda s: s.map(order)
                          if s.name in ("indicator", "stage") else s, kind="stable")
    return out[cols].reset_index(drop=True)


def compliance_plan(shortfalls: pd.DataFrame, costs: dict | None = None) -> pd.DataFrame:
    """Least-cost additions that bring each failing school × stage to "≥ 6 met, the rest ≥ 85 %".

    For each school the candidates are: meet all 7 standards, or meet 6 and keep indicator k at
    ≥ 85 % of its standard (k = Y1…Y7); the cheapest by ``costs`` (元 per unit of resource,
    :func:`default_costs`) is chosen. A school that already passes gets no additions.

    Parameters
    ----------
    shortfalls : DataFrame
        The :func:`shortfall` table (of the school × stages to plan for).
    costs : dict, optional
        Unit costs overriding :func:`default_costs`.

    Returns
    -------
    DataFrame
        One row per school × stage × indicator: ``year, county, school_id, school_name, stage,
        indicator, addition, unit, cost, exempt`` (``exempt``: the indicator allowed to stay between
        85 % and 100 %), plus ``passed_before``.
    """
    sf = shortfalls
    cols = ["year", "county", "school_id", "school_name", "stage", "indicator", "addition", "unit", "cost", "exempt",
            "passed_before"]
    if sf.empty:
        return pd.DataFrame(columns=cols)
    costs = {**default_costs(), **(costs or {})}
    q = codes(QUALITY)
    unit_cost = np.array([costs[INDICATORS.loc[c, "numerator"]] for c in q])
    key = ["year", "county", "school_id", "stage"]
    wide100 = sf.pivot_table(index=key, columns="indicator", values="shortfall", sort=False)[q]
    wide85 = sf.pivot_table(index=key, columns="indicator", values="shortfall_85", sort=False)[q]
    met = sf.pivot_table(index=key, columns="indicator", values="met", sort=False)[q].astype(bool)
    s100, s85 = wide100.to_numpy(float), wide85.to_numpy(float)
    n_met = met.sum(axis=1).to_numpy()
    ratio_ok = (s85 == 0).all(axis=1)
    passed = (n_met >= RULES["quality"]["min_met"]) & ratio_ok
    cost_all = s100 @ unit_cost
    # candidate k: indicator k only needs 85 %
    cost_k = cost_all[:, None] - s100 * unit_cost + s85 * unit_cost
    options_cost = np.column_stack([cost_all, cost_k])
    choice = np.argmin(options_cost, axis=1)  # 0 = all seven, j+1 = Y(j+1) exempt
    add = s100.copy()
    rows = np.flatnonzero(choice > 0)
    add[rows, choice[rows] - 1] = s85[rows, choice[rows] - 1]
    add[passed] = 0.0
    exempt = np.where(passed | (choice == 0), "", np.array(q, dtype=object)[np.maximum(choice - 1, 0)])
    out = pd.DataFrame(add, index=wide100.index, columns=pd.Index(q, name="indicator")).stack().rename(
        "addition").reset_index()
    out["cost"] = out["addition"] * out["indicator"].map(dict(zip(q, unit_cost)))
    out["unit"] = out["indicator"].map(INDICATORS["resource_unit"])
    meta = pd.DataFrame({"exempt": exempt, "passed_before": passed}, index=wide100.index).reset_index()
    out = out.merge(meta, on=key).merge(sf[key + ["school_name"]].drop_duplicates(key), on=key)
    out["exempt"] = np.where(out["exempt"] == out["indicator"], out["exempt"], "")
    return out[cols]


def _level(x: np.ndarray, w: np.ndarray, limit: float, lo: float, hi: float, cv_at) -> float:
    """The level t in [lo, hi] at which raising every xᵢ ≤ lo to t gives CV = ``limit`` (CV falls
    from above the limit at lo to below it at hi): the root in [lo, hi] of
    (W·W_A − k·W_A²) t² − 2k·W_A·S₁ t + (W·S₂ − k·S₁²) = 0 with k = 1 + L²; bisection on CV(t)
    only if rounding put that root outside the interval."""
    raised = x <= lo
    k, W, wa = 1.0 + limit * limit, w.sum(), w[raised].sum()
    s1, s2 = (w * x)[~raised].sum(), (w * x * x)[~raised].sum()
    a, b, c = W * wa - k * wa * wa, -2.0 * k * wa * s1, W * s2 - k * s1 * s1
    disc = b * b - 4.0 * a * c
    if a != 0 and disc >= 0:
        q = -0.5 * (b + np.copysign(np.sqrt(disc), b))  # the two roots without cancellation
        for t in (q / a, c / q if q else np.nan):
            if lo <= t <= hi:
                return float(t)
    for _ in range(200):  # pragma: no cover - only when rounding misplaces the closed-form root
        mid = (lo + hi) / 2
        if mid in (lo, hi):
            break
        lo, hi = (mid, hi) if cv_at(mid) > limit else (lo, mid)
    return float(hi)


def _water_fill(x: np.ndarray, w: np.ndarray, limit: float, scale: float, count: bool) -> np.ndarray:
    """Least total Σ wᵢ(yᵢ − xᵢ)/scale with yᵢ ≥ xᵢ and CV(y) ≤ limit: raise the lowest to a level t.

    The problem is convex (a linear objective under a second-order-cone constraint); its KKT
    conditions give yᵢ = max(xᵢ, t). On the first interval [lo, hi] between sorted values where the
    CV falls to the limit, the raised schools (xᵢ ≤ lo, weight W_A) sit at t and the others are fixed
    (Σw x = S₁, Σw x² = S₂ over them, W = Σw), so CV(t) = L is the quadratic
    W·(W_A t² + S₂) = (1 + L²)(W_A t + S₁)², solved in closed form (:func:`_level`; no root search,
    no scipy import in a report). Returns additions (numerator units).
    """
    def cv_at(t):
        return weighted_cv(np.maximum(x, t), w)[2]

    if within_limit(cv_at(-np.inf), limit):
        return np.zeros_like(x)
    levels = np.unique(x)
    # CV of max(x, t) at every candidate level at once (levels × schools), not a loop over schools
    y = np.maximum(x[None, :], levels[:, None])
    m = y @ w / w.sum()
    cvs = np.sqrt(((y - m[:, None]) ** 2) @ w / w.sum()) / m
    j = int(np.argmax(cvs <= limit))  # first level where the limit holds (the top level has CV 0)
    t = levels[j] if j == 0 or cvs[j] == limit else _level(x, w, limit, levels[j - 1], levels[j], cv_at)

    def plan(t):
        return _round_up(w * (np.maximum(x, t) - x) / scale, count)

    def holds(t, strict=False):
        cv = weighted_cv(x + plan(t) * scale / w, w)[2]
        return cv <= limit if strict else within_limit(cv, limit)

    if not count:  # land on or just below the limit in floating point, never a hair above it
        step = max(abs(t), 1e-300) * 1e-15
        while not holds(t, strict=True) and t < levels[-1]:
            t, step = min(t + step, levels[-1]), step * 2
    if count and not holds(t):  # whole people/rooms: the lowest level whose rounded-up plan holds
        lo, hi = t, levels[-1]
        for _ in range(60):
            mid = (lo + hi) / 2
            lo, hi = (lo, mid) if holds(mid) else (mid, hi)
        t = hi
    return plan(t)


def cv_plan(values: pd.DataFrame, *, county: str, stage: str, indicator: str, year: int | None = None,
            limit: float | None = None) -> pd.DataFrame:
    """Least total addition of one resource, over one county's schools of a stage, that brings the
    indicator's CV to its limit (0.50 小学 / 0.45 初中 for Y1–Y7; give ``limit`` for L1–L8).

    Returns
    -------
    DataFrame
        One row per school × stage: ``school_id, addition, value_after, cv_after`` (the CLI contract;
        ``cv_after`` repeats the county CV after the plan) plus ``year, county, school_name, stage,
        indicator, students, value, cv_before, limit, unit``. Additions are ≥ 0, in the resource's
        raw unit; zero everywhere when the CV already meets the limit.

    Raises
    ------
    ValueError
        When the indicator has no limit and none is given, or the county mean is 0.
    """
    std = INDICATORS.loc[indicator, "standard"]
    if limit is None:
        if std != QUALITY:
            raise ValueError(f"{indicator} 没有单项差异系数标准，请用 --limit 指定目标")
        limit = cv_limit(QUALITY, stage)
    require_values(values, [indicator])
    if year is None:
        year = int(values.loc[values["county"] == county, "year"].max())
    scope = "in_quality" if std == QUALITY else "in_basic"
    v = values[(values["year"] == year) & (values["county"] == county) & (values["stage"].astype(str) == stage)
               & values[scope] & (values["students"] > 0)].reset_index(drop=True)
    if v.empty:
        raise ValueError(f"{year}学年{county}{stage}没有参与计算的学校")
    row = INDICATORS.loc[indicator]
    x, w = v[indicator].to_numpy(float), v["students"].to_numpy(float)
    mean, _, cv0 = weighted_cv(x, w)
    if not mean > 0:
        raise ValueError(f"{county}{stage}{indicator}全县平均值为0，差异系数无定义，无法规划")
    add = _water_fill(x, w, float(limit), float(row["scale"]), _is_count(indicator))
    after = x + add * row["scale"] / w
    out = v[["year", "county", "school_id", "school_name", "students"]].copy()
    out["stage"] = stage
    out["indicator"] = indicator
    out["value"] = x
    out["addition"] = add
    out["value_after"] = after
    out["cv_before"] = cv0
    out["cv_after"] = weighted_cv(after, w)[2]
    out["limit"] = float(limit)
    out["unit"] = row["resource_unit"]
    return out[PLAN_COLUMNS + ["year", "county", "school_name", "stage", "indicator", "students", "value",
                               "cv_before", "limit", "unit"]]


def combined_plan(values: pd.DataFrame, costs: dict | None = None, *, county: str,
                  year: int | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Standards and CV limits together: first the least-cost per-school compliance plan, then, for
    each Y1–Y7 CV still over its limit, the least addition that brings it to the limit.

    Returns
    -------
    (additions, totals)
        ``additions``: one row per school × stage × indicator with ``for_standard``, ``for_cv``,
        ``addition`` (their sum), ``unit``, ``cost``. ``totals``: per stage and indicator, the total
        addition, unit and cost, and the CV before and after.
    """
    costs = {**default_costs(), **(costs or {})}
    require_values(values)
    if year is None:
        year = int(values.loc[values["county"] == county, "year"].max())
    comp = compliance_plan(shortfall(values, year=year, county=county), costs)
    key = ["school_id", "stage", "indicator"]
    step1 = comp.set_index(key)["addition"]
    v = values.copy()
    v["stage"] = v["stage"].astype(str)
    # apply the standards step to the numerators, recompute values
    for code in codes(QUALITY):
        row = INDICATORS.loc[code]
        a = step1.xs(code, level="indicator") if len(step1) else pd.Series(dtype=float)
        idx = pd.MultiIndex.from_frame(v[["school_id", "stage"]])
        sel = (v["year"] == year) & (v["county"] == county)
        add = pd.Series(a.reindex(idx).to_numpy(float), index=v.index).fillna(0.0).where(sel, 0.0)
        v[f"_{code}"] = v[code] + add * row["scale"] / v["students"].where(v["students"] > 0)
    rows, totals = [], []
    for stage in STAGES:
        for code in codes(QUALITY):
            vv = v.assign(**{code: v[f"_{code}"]})
            try:
                p = cv_plan(vv, county=county, stage=stage, indicator=code, year=year)
            except ValueError:
                continue
            cv_raw = weighted_cv(v.loc[(v["year"] == year) & (v["county"] == county) & (v["stage"] == stage)
                                       & v["in_quality"] & (v["students"] > 0), code].to_numpy(float),
                                 v.loc[(v["year"] == year) & (v["county"] == county) & (v["stage"] == stage)
                                       & v["in_quality"] & (v["students"] > 0), "students"].to_numpy(float))[2]
            part = p[["school_id", "school_name", "stage", "indicator", "addition", "unit"]].rename(
                columns={"addition": "for_cv"})
            part["for_standard"] = step1.reindex(pd.MultiIndex.from_frame(part[key])).fillna(0.0).to_numpy()
            part["addition"] = part["for_standard"] + part["for_cv"]
            part["cost"] = part["addition"] * costs[INDICATORS.loc[code, "numerator"]]
            rows.append(part)
            totals.append({"stage": stage, "indicator": code, "resource": INDICATORS.loc[code, "resource"],
                           "for_standard": part["for_standard"].sum(), "for_cv": part["for_cv"].sum(),
                           "addition": part["addition"].sum(), "unit": INDICATORS.loc[code, "resource_unit"],
                           "cost": part["cost"].sum(), "cv_before": cv_raw, "cv_after": p["cv_after"].iloc[0],
                           "limit": p["limit"].iloc[0]})
    additions = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()
    additions.insert(0, "county", county)
    additions.insert(0, "year", year)
    tot = pd.DataFrame(totals)
    tot.insert(0, "county", county)
    tot.insert(0, "year", year)
    return additions, tot


# ------------------------------------------------------------------------------------------------ what-if
_RAW = {"teaching_area": "teaching_area_m2", "sports_area": "outdoor_sports_area_m2",
        "equipment_value": "equipment_value_yuan", "computers": "computers", "books": "books",
        "multimedia_rooms": "multimedia_rooms"}
_PER_STAGE = {"teachers", "above_degree", "mid_title", "backbone", "pe_art"}


def resource_key(name: str) -> str:
    """The resource (numerator code) named by its 中文名 from the rule table (``resource`` of an
    indicator, e.g. 教学仪器设备值), its code (``equipment_value``) or an indicator code (``Y6``).

    >>> resource_key("教学及辅助用房面积"), resource_key("Y6"), resource_key("books")
    ('teaching_area', 'equipment_value', 'books')
    >>> resource_key("教学设备")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: 没有名为“教学设备”的资源。可用的资源：“教学及辅助用房面积”“体育运动场馆面积”“教学仪器设备值”...
    """
    key = str(name).strip()
    by_name = dict(zip(INDICATORS["resource"], INDICATORS["numerator"]))
    if key in by_name:
        return by_name[key]
    if key in set(INDICATORS["numerator"]):
        return key
    if key in INDICATORS.index:
        return str(INDICATORS.loc[key, "numerator"])
    valid = "".join(f"“{r}”" for r in dict.fromkeys(INDICATORS["resource"]))
    raise ValueError(f"没有名为“{key}”的资源。可用的资源：{valid}（也可用指标代码 L1–L8、Y1–Y7）")


def resource_name(name: str) -> tuple[str, str]:
    """中文名 and unit of a resource named as :func:`resource_key` accepts.

    >>> resource_name("Y4"), resource_name("equipment_value")
    (('教学及辅助用房面积', '㎡'), ('教学仪器设备值', '元'))
    """
    row = INDICATORS[INDICATORS["numerator"] == resource_key(name)].iloc[0]
    return str(row["resource"]), str(row["resource_unit"])


def apply_additions(schools: pd.DataFrame, additions: pd.DataFrame, options: Options | None = None) -> pd.DataFrame:
    """A copy of ``schools`` with plan additions applied (the what-if of a plan).

    ``additions`` has ``year, school_id, stage, addition`` and either ``indicator`` (a code) or
    ``resource`` (its 中文名 from the rule table, e.g. 教学及辅助用房面积, or its code; see
    :func:`resource_key`), in the stage's numerator units (as :func:`compliance_plan`,
    :func:`cv_plan` and :func:`combined_plan` return them). Split resources are added to the school
    total as ``addition ÷ share`` so that the stage receives exactly ``addition``; teacher counts go
    to the stage's columns (and raise the number of teachers when a count would exceed it: new hires).

    >>> import pandas as pd
    >>> s = pd.DataFrame({"year": [2024], "school_id": ["A"], "school_type": ["小学"], "students_primary": [100],
    ...                   "students_junior": [0], "students_senior": [0], "books": [300.0]})
    >>> add = pd.DataFrame({"school_id": ["A"], "stage": ["小学"], "resource": ["图书"], "addition": [50]})
    >>> apply_additions(s, add)["books"].tolist()
    [350.0]
    """
    options = options or Options()
    out = schools.copy()
    a = additions[additions["addition"] > 0]
    if a.empty:
        return out
    if "year" not in a:
        a = a.assign(year=int(schools["year"].max()))
    shares = split_shares(schools)  # each school row's split share per stage (no expansion needed)
    res = a["indicator"] if "indicator" in a else a["resource"]
    a = a.assign(resource=[resource_key(r) for r in res])
    pos = pd.Series(np.arange(len(out)), index=pd.MultiIndex.from_frame(out[["year", "school_id"]]))
    for (resource, stage), g in a.groupby(["resource", "stage"]):
        rows = pos.reindex(pd.MultiIndex.from_frame(g[["year", "school_id"]])).to_numpy()
        amount = g["addition"].to_numpy(float)
        if resource in _PER_STAGE:
            col = f"{resource}_{STAGE_SUFFIX[stage]}"
            if resource == "above_degree" and stage == "小学" and options.primary_degree == "本科":
                col = "bachelor_primary"
            out.iloc[rows, out.columns.get_loc(col)] = out[col].to_numpy(float)[rows] + amount
            tcol = f"teachers_{STAGE_SUFFIX[stage]}"
            if resource != "teachers":
                need = out[col].to_numpy(float)[rows]
                out.iloc[rows, out.columns.get_loc(tcol)] = np.maximum(out[tcol].to_numpy(float)[rows], need)
        else:
            col = _RAW[resource]
            is_split = bool(INDICATORS.loc[INDICATORS["numerator"] == resource, "split"].iloc[0])
            if is_split:
                sh = np.where(rows >= 0, shares[stage].to_numpy(float)[rows], np.nan)
                amount = amount / np.where(sh > 0, sh, np.nan)
            out[col] = out[col].astype(float)
            out.iloc[rows, out.columns.get_loc(col)] = out[col].to_numpy(float)[rows] + np.nan_to_num(amount)
    return out


def what_if(schools: pd.DataFrame, edits: pd.DataFrame | list[dict]) -> pd.DataFrame:
    """A copy of ``schools`` with edits: rows of ``school_id, column`` and ``add`` or ``set``
    (optionally ``year``; default every year of that school). ``column`` is a column of the schools
    table by its code or its Chinese header (e.g. ``teaching_area_m2`` or 教学及辅助用房面积).

    >>> import pandas as pd
    >>> s = pd.DataFrame({"year": [2024], "school_id": ["A"], "books": [100]})
    >>> what_if(s, [{"school_id": "A", "column": "books", "add": 50}])["books"].tolist()
    [150.0]
    >>> what_if(s, [{"school_id": "A", "column": "图书册数", "add": 50}])["books"].tolist()
    [150.0]
    """
    edits = pd.DataFrame(edits)
    out = schools.copy()
    # a column named by its Chinese header (教学及辅助用房面积, 小学专任教师数 …) as well as its code
    by_header = {h: c.name for c in SCHOOLS if c.kind in ("int", "num") for h in c.headers()}
    edits["column"] = [by_header.get(str(c).strip(), c) for c in edits["column"]]
    for col in edits["column"].unique():
        if col not in out:
            valid = "".join(f"“{c.zh}”" for c in SCHOOLS if c.kind in ("int", "num") and c.name in out and c.name != "year")
            raise ValueError(f"学校表中没有列“{col}”。可修改的列：{valid}")
        out[col] = out[col].astype(float)
    for e in edits.itertuples(index=False):  # a handful of user edits, not a per-school computation
        sel = out["school_id"] == e.school_id
        if "year" in edits and not pd.isna(getattr(e, "year", np.nan)):
            sel &= out["year"] == int(e.year)
        if not sel.any():
            raise ValueError(f"学校表中没有学校 {e.school_id}")
        if "set" in edits and not pd.isna(getattr(e, "set", np.nan)):
            out.loc[sel, e.column] = float(e.set)
        else:
            out.loc[sel, e.column] = out.loc[sel, e.column] + float(e.add)
    return out
