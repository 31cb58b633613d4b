"""What a projection means for the indicators: the schools and values tables of the projected
years (resources held at the base year's), their CVs and compliance from the same code as this
year's, places and class-size capacity, the early warnings and the county outlook of an evaluation.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from junheng_lib.analysis.coefficients import (
    coefficients,
    compliance,
    indicator_values,
    values_table,
)
from junheng_lib.analysis.projection import (
    PROJECTION_COLUMNS,
    class_risk,
    hindcast,
    prepare_projection,
    project_prepared,
)
from junheng_lib.analysis.stages import _SPLIT, RESOURCES, _scope, split_shares
from junheng_lib.rules.indicators import (
    INDICATORS,
    RULES,
    STAGES,
    label,
    within_limit,
)
from junheng_lib.rules.options import Options

__all__ = ["projected_schools", "projected_values", "projected_indicators", "capacity", "capacity_warnings", "outlook", "warning_texts", "WARNING_COLUMNS", "OUTLOOK_TABLES"]


def projected_schools(schools: pd.DataFrame, projection: pd.DataFrame) -> pd.DataFrame:
    """The schools table of each projected year: the base year's rows, students replaced.

    Resources, teachers and classes are held at the base year's values; each school-stage's
    students become the projected ones (a school-stage the projection does not cover keeps its
    base-year students; 高中 students are held). The result is a valid schools table, so every
    indicator, CV and compliance of :mod:`junheng_lib.analysis.coefficients` applies to it unchanged.
    """
    if projection.empty:
        return schools.iloc[0:0].copy()
    base_year = int(projection["base_year"].iloc[0])
    base = schools[schools["year"] == base_year]
    wide = projection.pivot_table(index=["year", "school_id"], columns="stage", values="students", aggfunc="sum")
    frames = []
    for y in sorted(projection["year"].unique()):
        f = base.copy()
        f["year"] = int(y)
        w = wide.xs(y, level="year") if y in wide.index.get_level_values("year") else wide.iloc[0:0]
        for stage, col in (("小学", "students_primary"), ("初中", "students_junior")):
            if stage in w.columns:
                v = f["school_id"].map(w[stage])
                f[col] = v.where(v.notna(), f[col]).astype(float)
        frames.append(f)
    out = pd.concat(frames, ignore_index=True)
    out.attrs = dict(schools.attrs)
    return out


def _future_students(base: pd.DataFrame, projection: pd.DataFrame, years: list[int]) -> pd.DataFrame:
    """The columns of :func:`projected_schools` that the split and the scope need (year,
    school_id, school_type, central_school_id, students of each stage), without copying the rest."""
    cols = ["school_id", "school_type", "central_school_id", "students_primary", "students_junior", "students_senior"]
    b = base[[c for c in cols if c in base.columns]]
    f = pd.concat([b.assign(year=y) for y in years], ignore_index=True)
    key = pd.MultiIndex.from_arrays([f["year"].to_numpy(), f["school_id"].to_numpy()])
    wide = projection.groupby(["year", "school_id", "stage"])["students"].sum().unstack("stage")
    got = wide.reindex(key)
    for stage, col in (("小学", "students_primary"), ("初中", "students_junior")):
        if stage in got.columns:
            v = got[stage].to_numpy(float)
            f[col] = np.where(np.isnan(v), f[col].to_numpy(float), v)
    return f


def projected_values(values: pd.DataFrame, schools: pd.DataFrame, projection: pd.DataFrame,
                     options=None) -> pd.DataFrame:
    """The values table of each projected year, derived from the base year's values table.

    No second expansion of the schools: each base-year school × stage row of ``values`` (the
    evaluation's own table) gets the projected students of its school and stage; the split
    resources of a multi-stage school follow the new student weights (resource × new share ÷
    base share, with the shares of :func:`junheng_lib.analysis.stages.split_shares` on the school rows of
    :func:`projected_schools`); teachers, rooms and classes are held; the scope rules (teaching
    points under the cut-off, small schools by option) are applied again to the new students, and
    every indicator value is recomputed (:func:`junheng_lib.analysis.coefficients.indicator_values`). A central
    school's 基本均衡 row with its teaching points added (option ``merge``) gets its teaching
    points' projected students too.

    Returns
    -------
    DataFrame
        A values table with one block of rows per projected year (empty when ``projection`` is).
    """

    if projection.empty:
        return values.iloc[0:0].copy()
    options = options or Options()
    base_year = int(projection["base_year"].iloc[0])
    counties = set(projection["county"])
    v0 = values[(values["year"] == base_year) & values["county"].isin(counties)]
    base = schools[(schools["year"] == base_year) & schools["county"].isin(counties)]
    years = sorted(int(y) for y in projection["year"].unique())
    future = _future_students(base, projection, years)
    pv = pd.concat([v0.assign(year=y) for y in years], ignore_index=True)
    key = pd.MultiIndex.from_arrays([pv["year"].to_numpy(), pv["school_id"].to_numpy()])
    primary = (pv["stage"].astype(str) == STAGES[0]).to_numpy()
    cols = ["students_primary", "students_junior", "students_senior"]

    def pick(frame: pd.DataFrame):
        sh = split_shares(frame)
        idx = pd.MultiIndex.from_arrays([frame["year"].to_numpy(), frame["school_id"].to_numpy()])
        fr = pd.DataFrame(frame[cols].to_numpy(float), index=idx, columns=cols).reindex(key)
        shr = pd.DataFrame(sh.to_numpy(float), index=idx, columns=sh.columns).reindex(key)
        stu = np.where(primary, fr["students_primary"], fr["students_junior"])
        share = np.where(primary, shr[STAGES[0]], shr[STAGES[1]])
        return stu, share, (fr["students_primary"] + fr["students_junior"]).to_numpy()

    stu, share, comp = pick(future)
    merged = pv["merged"].to_numpy(bool)
    if merged.any():   # option merge: the central school's 基本均衡 row counts its teaching points
        tp = future["school_type"].eq("教学点")
        add = future[tp].groupby(["year", "central_school_id"])[cols].sum()
        centres = future[~tp].set_index(["year", "school_id"], drop=False)
        centres[cols] = centres[cols].astype(float).add(add.rename_axis(["year", "school_id"]).reindex(centres.index)
                                                        .fillna(0.0).to_numpy(float))
        m_stu, m_share, m_comp = pick(centres.reset_index(drop=True))
        stu, share, comp = (np.where(merged, m_stu, stu), np.where(merged, m_share, share),
                            np.where(merged, m_comp, comp))
    old = pv["share"].to_numpy(float)
    ratio = np.divide(share, old, out=np.ones(len(pv)), where=old > 0)
    for res in RESOURCES:
        if _SPLIT[res]:
            pv[res] = pv[res].to_numpy(float) * ratio
    pv["students"], pv["share"] = stu, np.where(old > 0, share, old)
    centre_ids = set(pv.loc[merged, "school_id"])
    pv["_view"] = np.where(merged, "basic", np.where(pv["school_id"].isin(centre_ids), "quality", ""))
    pv["_compulsory"] = comp
    _scope(pv, options)
    out = indicator_values(pv)
    out.attrs = dict(values.attrs)
    return out


def projected_indicators(schools: pd.DataFrame, projection: pd.DataFrame, options=None,
                         values: pd.DataFrame | None = None) -> dict[str, pd.DataFrame]:
    """Coefficients, compliance and warnings of the projected years (resources held).

    Parameters
    ----------
    schools : DataFrame
        The validated schools table (the base year's rows are used).
    projection : DataFrame
        :func:`project` output.
    options : Options, optional
    values : DataFrame, optional
        The values table of the base year (an evaluation's own, reused); built from ``schools``
        when not given.

    Returns
    -------
    dict
        ``coefficients`` (the :func:`junheng_lib.analysis.coefficients.coefficients` table of the base year and
        the projected years), ``compliance`` (per school × stage × projected year) and ``warnings``:
        per county × stage × indicator that passes in the base year and fails in a projected year,
        the first such year (kind ``cv_over``: ``base_value``/``value`` the CVs, ``limit``), and per
        county × stage the first year in which schools meeting the 优质均衡 school standard now no
        longer do (kind ``schools_lost``, indicator ``compliance``, ``schools`` how many) —
        columns :data:`WARNING_COLUMNS` plus ``warning`` (the sentence "预计YYYY年…"), earliest first.
    """

    if projection.empty:
        return {"coefficients": pd.DataFrame(), "compliance": pd.DataFrame(),
                "warnings": pd.DataFrame(columns=[*WARNING_COLUMNS, "warning"])}
    base_year = int(projection["base_year"].iloc[0])
    counties = list(dict.fromkeys(projection["county"]))
    if values is None:
        base = schools[(schools["year"] == base_year) & schools["county"].isin(counties)]
        values = values_table(base, options)
    v0 = values[(values["year"] == base_year) & values["county"].isin(counties)]
    both = pd.concat([v0, projected_values(v0, schools, projection, options)], ignore_index=True)
    coef = coefficients(both)
    comp_all = compliance(both, year=None)
    comp = comp_all[comp_all["year"] > base_year]
    key = ["county", "stage", "standard", "indicator"]
    judged = coef[coef["passed"].notna()]
    now = judged[judged["year"] == base_year].set_index(key)
    later = judged[(judged["year"] > base_year) & ~judged["passed"].astype(bool)]
    later = later.sort_values("year", kind="stable").drop_duplicates(key)
    w = later.merge(now[["cv", "passed"]].rename(columns={"cv": "base_value", "passed": "base_passed"}).reset_index(),
                    on=key, how="left")
    w = w[w["base_passed"].fillna(False).astype(bool)].rename(columns={"cv": "value"}).assign(kind="cv_over")
    # schools that meet the 优质均衡 rule now and not in a projected year
    now_comp = comp_all[comp_all["year"] == base_year][["school_id", "stage", "passed"]].rename(
        columns={"passed": "base_passed"})
    lost = comp.merge(now_comp, on=["school_id", "stage"], how="inner")
    lost = lost[lost["base_passed"] & ~lost["passed"]]
    if not lost.empty:
        n = lost.groupby(["county", "stage", "year"]).size().rename("schools").reset_index()
        n = n.sort_values("year", kind="stable").drop_duplicates(["county", "stage"])
        w = pd.concat([w, n.assign(standard="quality", indicator="compliance", kind="schools_lost")], ignore_index=True)
    w = _warnings_frame(w)
    w["warning"] = warning_texts(w)
    return {"coefficients": coef, "compliance": comp, "warnings": w}


#: columns of the projected warnings (data; the sentence is :func:`warning_texts`)
WARNING_COLUMNS = ["county", "stage", "year", "kind", "standard", "indicator", "base_value", "value", "limit",
                   "schools"]


def _warnings_frame(w: pd.DataFrame) -> pd.DataFrame:
    """The warnings in :data:`WARNING_COLUMNS`, earliest year first (then county, stage, the rule
    table's order of kinds)."""
    w = w.reindex(columns=WARNING_COLUMNS)
    if w.empty:
        return w.reset_index(drop=True)
    kinds = list(RULES["outlook"]["warning"])
    w = w.assign(_s=w["stage"].map({s: i for i, s in enumerate(STAGES)}), _k=w["kind"].map(kinds.index))
    w = w.sort_values(["year", "county", "_s", "_k"], kind="stable").drop(columns=["_s", "_k"])
    w["year"] = w["year"].astype(int)
    return w.reset_index(drop=True)


def warning_texts(w: pd.DataFrame) -> list[str]:
    """The sentence of each projected warning ("预计2027年小学…"), from the templates of
    ``[outlook.warning]`` in the rule table."""
    tpl = RULES["outlook"]["warning"]
    out = []
    for r in w.to_dict("records"):
        ind = r["indicator"]
        name = (RULES["basic"]["composite_name"] if ind == "composite"
                else label(ind) if ind in INDICATORS.index else "")
        out.append(tpl[r["kind"]].format(year=int(r["year"]), stage=r["stage"], name=name, base=r["base_value"],
                                         value=r["value"], limit=r["limit"],
                                         schools=0 if pd.isna(r["schools"]) else int(r["schools"])))
    return out



def capacity(projection: pd.DataFrame) -> pd.DataFrame:
    """Students by stage against capacity, the base year (observed) and each projected year.

    Capacity (学位) is the base year's classes of each school-stage (classes table, held) times
    the standard class size of the stage (45 小学 / 50 初中): the pupils the present classes take
    without exceeding the standard class size.

    Returns
    -------
    DataFrame
        Per ``county, stage, year``: ``observed`` (True for the base year), ``students``,
        ``capacity``, ``surplus`` (capacity − students; negative: places short county-wide),
        ``classes`` (held), ``classes_needed`` (Σ over schools of ⌈students ÷ standard size⌉),
        ``places_short`` (Σ over the schools over their own capacity of the pupils above it),
        ``schools``, ``schools_over_capacity``, ``large_class_schools`` (average class size at
        大班额 or above) and ``over_size_schools`` (school students above the school-size limit).
    """
    cols = ["county", "stage", "year", "observed", "students", "capacity", "surplus", "classes", "classes_needed",
            "places_short", "schools", "schools_over_capacity", "large_class_schools", "over_size_schools"]
    if projection.empty:
        return pd.DataFrame(columns=cols)
    p = projection
    first = p[p["year"] == p["year"].min()]
    base = first.assign(year=first["base_year"], students=first["base_students"].astype(float))
    base = base.assign(school_students=base.groupby("school_id")["students"].transform("sum"))
    base = base.assign(over_size=(~within_limit(base["school_students"], base["size_limit"])).where(base["size_limit"].notna()),
                       classes_needed=np.ceil(base["students"] / base["standard_size"] - 1e-9).clip(lower=0),
                       avg_class_size=base["students"] / base["classes"].astype(float).where(base["classes"] > 0))
    base["large_class_risk"] = class_risk(base["avg_class_size"], base["standard_size"])
    both = pd.concat([base.assign(observed=True), p.assign(observed=False)], ignore_index=True)
    cap = both["classes"].astype(float).fillna(0.0) * both["standard_size"]
    large = set(RULES["class_size"]["band_labels"][2:])
    both = both.assign(capacity=cap, places_short=(both["students"] - cap).clip(lower=0.0),
                       over_capacity=both["students"] > cap + 1e-9,
                       large=both["large_class_risk"].isin(large),
                       over=both["over_size"].fillna(False).astype(bool),
                       classes=both["classes"].astype(float), classes_needed=both["classes_needed"].astype(float))
    g = both.groupby(["county", "stage", "year"], sort=False).agg(
        observed=("observed", "first"), students=("students", "sum"), capacity=("capacity", "sum"),
        classes=("classes", "sum"), classes_needed=("classes_needed", "sum"), places_short=("places_short", "sum"),
        schools=("school_id", "nunique"), schools_over_capacity=("over_capacity", "sum"),
        large_class_schools=("large", "sum"), over_size_schools=("over", "sum")).reset_index()
    g["surplus"] = g["capacity"] - g["students"]
    g = g.assign(_s=g["stage"].map({s: i for i, s in enumerate(STAGES)}))
    g = g.sort_values(["county", "_s", "year"], kind="stable").drop(columns="_s")
    return g[cols].reset_index(drop=True)


def capacity_warnings(cap: pd.DataFrame) -> pd.DataFrame:
    """Per county × stage, the first projected year in which the students exceed the capacity
    (kind ``capacity``: ``base_value`` the base year's students, ``value`` that year's,
    ``limit`` the capacity), more schools reach 大班额 on average (``large_class``) or exceed the
    school-size limit (``school_size``) than in the base year (``schools`` the count that year) —
    only what is not already so in the base year. Columns :data:`WARNING_COLUMNS`."""
    if cap.empty:
        return _warnings_frame(pd.DataFrame())
    key = ["county", "stage"]
    base = cap[cap["observed"]].set_index(key)
    fut = cap[~cap["observed"]].join(base[["students", "capacity", "large_class_schools", "over_size_schools"]]
                                     .add_prefix("base_"), on=key)
    rows = []
    over = fut[(fut["students"] > fut["capacity"] + 1e-9) & (fut["base_students"] <= fut["base_capacity"] + 1e-9)]
    rows.append(over.drop_duplicates(key).assign(kind="capacity", indicator="capacity", base_value=over["base_students"],
                                                 value=over["students"], limit=over["capacity"]))
    for kind, col in (("large_class", "large_class_schools"), ("school_size", "over_size_schools")):
        more = fut[fut[col] > fut[f"base_{col}"]]
        rows.append(more.drop_duplicates(key).assign(kind=kind, indicator=kind, base_value=more[f"base_{col}"],
                                                     value=more[col], schools=more[col]))
    w = pd.concat([r for r in rows if len(r)], ignore_index=True) if any(len(r) for r in rows) else pd.DataFrame()
    return _warnings_frame(w.assign(standard="") if len(w) else w)


#: the tables of :func:`outlook` (name → 中文 title)
OUTLOOK_TABLES = {"projection": "在校生预测与学位", "projection_schools": "各校在校生预测",
                  "projection_coefficients": "预计差异系数", "projection_warnings": "预测预警",
                  "projection_check": "预测回测", "projection_ratios": "入学与升级比例"}


def outlook(classes: pd.DataFrame | None, schools: pd.DataFrame, values: pd.DataFrame, year: int,
            county: str | None = None, options=None, *, horizon: int | None = None,
            intake: pd.DataFrame | None = None) -> tuple[dict[str, pd.DataFrame], str]:
    """The 预警与展望 of an evaluation: projection from ``year`` over the rule table's horizon.

    Parameters
    ----------
    classes, schools : DataFrame
        The validated tables (classes may be None).
    values : DataFrame
        The evaluation's values table (its ``year`` rows are the base; reused, never re-expanded).
    year : int
        The base year (the report year); only the classes of this year and before are used.
    horizon : int, optional
        Default ``[outlook] horizon`` of the rule table.

    Returns
    -------
    (tables, note)
        ``tables`` by the names of :data:`OUTLOOK_TABLES` — :func:`capacity`, :func:`project`,
        the composite and 优质均衡 CVs of the base and projected years, the warnings
        (:data:`WARNING_COLUMNS`: CVs over their limit, schools no longer meeting the standard,
        capacity, class size, school size), the hindcast summary (:func:`hindcast`) and the
        ratios used (:func:`progression_ratios`);
        ``note`` is '' when projected, else why not (no classes table, too few years, a ratio the
        data cannot give), in Chinese. The notes of :func:`project` (school-stages left out by the
        reconciliation, a stage not projected, the caveat of a long horizon) are
        ``attrs["notes"]`` of ``projection_schools``.
    """
    cfg = RULES["outlook"]
    horizon = int(horizon or cfg["horizon"])
    empty = {"projection": capacity(pd.DataFrame()), "projection_schools": pd.DataFrame(columns=PROJECTION_COLUMNS),
             "projection_coefficients": pd.DataFrame(columns=["year", "county", "stage", "standard", "indicator",
                                                              "mean", "cv", "limit", "passed"]),
             "projection_warnings": _warnings_frame(pd.DataFrame()),
             "projection_check": pd.DataFrame(columns=["year", "county", "stage", "projected", "actual",
                                                       "total_error_pct", "mape", "schools"]),
             "projection_ratios": pd.DataFrame(columns=["county", "grade", "ratio", "pairs", "years"])}
    notes = cfg["note"]
    if classes is None or classes.empty:
        return empty, notes["no_classes"]
    ids = set(schools.loc[schools["county"] == county, "school_id"]) if county is not None else None
    cl = classes[classes["year"] <= year]
    if ids is not None:
        cl = cl[cl["school_id"].isin(ids)]
    have = sorted(int(y) for y in cl["year"].unique())
    if year not in have:
        return empty, notes["no_base_year"].format(year=year)
    if year - 1 not in have:
        return empty, notes["too_few_years"].format(year=year, years="、".join(map(str, have)))
    pairs = int(cfg["pairs"])
    prep = prepare_projection(cl, schools, county=county, last_year=year)
    p, ratios, found, skipped = project_prepared(prep, horizon, year, intake, pairs)
    if p.empty:   # the county cannot be projected: why, instead of a projection of zeros
        why = "；".join(skipped) or notes["no_base_year"].format(year=year)
        return {**empty, "projection_ratios": ratios}, f"{why}，本节从略。"
    p.attrs["notes"] = found
    cap = capacity(p)
    ind = projected_indicators(schools, p, options, values=values)
    coef = ind["coefficients"]
    coef = coef[(coef["indicator"] == "composite") | (coef["standard"] == "quality")].reset_index(drop=True)
    parts = [x for x in (ind["warnings"].drop(columns="warning"), capacity_warnings(cap)) if len(x)]
    w = _warnings_frame(pd.concat(parts, ignore_index=True) if parts else pd.DataFrame())
    _, check = hindcast(cl, schools, pairs=pairs, _prep=prep)
    return {"projection": cap, "projection_schools": p, "projection_coefficients": coef,
            "projection_warnings": w, "projection_check": check, "projection_ratios": ratios}, ""
