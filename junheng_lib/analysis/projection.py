"""Enrolment projection by the grade-progression method, and what it means for the indicators.

The grade-progression (cohort-survival) method of education planning, per county c, school s,
grade g (小学 1–6, 初中 7–9; a 初中 written 1–3 is read as 7–9) and school year t:

* grade enrolment ``E[s,g,t]`` = the sum of the class sizes of school s, grade g, year t
  (classes table);
* progression ratios, from county totals ``T[c,g,t] = Σ_s E[s,g,t]``:
  ``R[c,g] = T[c,g+1,t] / T[c,g,t−1]`` for g = 1…8 (6 → 7 is the move from 小学 to 初中 and is
  only meaningful at county level), and the intake ratio ``Q1[c] = T[c,1,t] / T[c,1,t−1]``;
  each is the mean over the available consecutive year pairs, the last ``pairs`` (3) at most;
* one year ahead: ``E[s,g+1,t+1] = R[c,g]·E[s,g,t]`` within a stage (g = 1…5, 7…8),
  ``E[s,1,t+1] = Q1[c]·E[s,1,t]``, and the county's grade 7 at t+1, ``R[c,6]·T[c,6,t]``, shared
  out by each school's share of the county's grade 7 at t; grade 9 leaves.
* a county-supplied intake (e.g. registered births six years earlier) replaces ``Q1`` for the
  years it covers: the county's grade 1 of that year, shared out by each school's share of the
  county's grade 1 the year before.

Values are kept unrounded; ``classes_needed`` rounds up to whole classes of the standard size.
With the resources held at the base year's values, :func:`projected_schools` builds the schools
table of each projected year, so the official indicators, CVs and compliance of the projected
years come from the same code as this year's (:func:`projected_indicators`).

Examples
--------
One school, grade 1 of 100 pupils in 2023 and 110 in 2024 (intake ratio 1.1), grade 2 of 95 in
2024 after 100 in grade 1 in 2023 (progression 0.95):

>>> import pandas as pd
>>> from junheng_lib.analysis.projection import progression_ratios
>>> e = pd.DataFrame({"year": [2023, 2024, 2024], "county": "甲县", "school_id": "A",
...                   "stage": "小学", "grade": [1, 1, 2], "students": [100.0, 110.0, 95.0]})
>>> r = progression_ratios(e).set_index("grade")["ratio"]
>>> round(float(r[0]), 3), round(float(r[1]), 3)
(1.1, 0.95)
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
from junheng_lib.analysis.stages import _SPLIT, RESOURCES, _scope, split_shares
from junheng_lib.data.errors import DataError, DataIssue
from junheng_lib.rules.indicators import INDICATORS, RULES, STAGES, label
from junheng_lib.rules.options import Options

__all__ = ["read_intake", "grade_enrolment", "progression_ratios", "project", "hindcast", "projected_schools",
           "projected_values", "projected_indicators", "capacity", "capacity_warnings", "outlook", "warning_texts",
           "PROJECTION_COLUMNS", "WARNING_COLUMNS", "OUTLOOK_TABLES", "GRADES"]

#: grades of each stage (初中 as 7–9)
GRADES = {"小学": list(range(1, 7)), "初中": list(range(7, 10))}
_ALL = list(range(1, 10))
#: the CLI contract of ``junheng project`` (first six columns as the issue names them)
PROJECTION_COLUMNS = ["year", "county", "school_id", "stage", "students", "classes_needed", "school_name",
                      "school_type", "base_year", "base_students", "classes", "avg_class_size", "standard_size",
                      "large_class_risk", "school_students", "size_limit", "over_size"]


def grade_enrolment(classes: pd.DataFrame, schools: pd.DataFrame) -> pd.DataFrame:
    """``E[s,g,t]``: students per school × grade × year from the classes table.

    Returns
    -------
    DataFrame
        Columns ``year, county, school_id, stage, grade, students`` (grade 1–9; a 初中 grade
        written 1–3 becomes 7–9; the county comes from the schools table).
    """
    c = classes[["year", "school_id", "stage", "grade", "class_size"]].copy()
    c["stage"] = c["stage"].astype(str)
    c["grade"] = c["grade"].astype(int)
    c.loc[(c["stage"] == "初中") & (c["grade"] <= 3), "grade"] += 6
    e = (c.groupby(["year", "school_id", "stage", "grade"], sort=False)["class_size"].sum()
         .rename("students").astype(float).reset_index())
    county = schools[["year", "school_id", "county"]].drop_duplicates(["year", "school_id"])
    e = e.merge(county, on=["year", "school_id"], how="left")
    return e[["year", "county", "school_id", "stage", "grade", "students"]]


def _county_totals(enrol: pd.DataFrame) -> pd.DataFrame:
    """``T[c,g,t]`` as a frame indexed by (county, year) with columns 1…9 (0 where absent)."""
    t = enrol.groupby(["county", "year", "grade"])["students"].sum().unstack("grade", fill_value=0.0)
    return t.reindex(columns=_ALL, fill_value=0.0).astype(float)


def progression_ratios(enrol: pd.DataFrame, *, pairs: int = 3) -> pd.DataFrame:
    """County progression ratios ``R[c,g]`` (g = 1…8) and intake ratio ``Q1[c]`` (grade 0).

    Parameters
    ----------
    enrol : DataFrame
        :func:`grade_enrolment` output (several consecutive years).
    pairs : int
        The mean is taken over the last ``pairs`` consecutive year pairs available.

    Returns
    -------
    DataFrame
        Columns ``county, grade, ratio, pairs, years``: ``grade`` 0 is the intake (grade 1 at t
        over grade 1 at t−1), g ≥ 1 the move from grade g to g+1; ``ratio`` is NaN where no year
        pair has a non-zero denominator; ``years`` names the pairs used (e.g. "2022→2023、2023→2024").
    """
    tot = _county_totals(enrol)
    rows = []
    for county, t in tot.groupby(level="county", sort=False):
        t = t.droplevel("county").sort_index()
        years = t.index.to_numpy()
        consecutive = [(a, b) for a, b in zip(years[:-1], years[1:]) if b == a + 1][-pairs:]
        # per pair (rows) and g = 0…8 (columns): grade 1 over grade 1 (g = 0), grade g+1 over grade g
        after = t.loc[[b for _, b in consecutive]].to_numpy(float).reshape(len(consecutive), 9)
        before = t.loc[[a for a, _ in consecutive]].to_numpy(float).reshape(len(consecutive), 9)
        num = after                                       # columns: grade 1, 2 … 9 = g 0 … 8
        den = np.column_stack([before[:, 0], before[:, :8]]) if len(consecutive) else before
        ok = den > 0
        ratio = np.divide(num, den, out=np.zeros_like(num), where=ok)
        n = ok.sum(axis=0)
        mean = np.divide(ratio.sum(axis=0), n, out=np.full(9, np.nan), where=n > 0)
        for g in range(0, 9):
            rows.append({"county": county, "grade": g, "ratio": float(mean[g]), "pairs": int(n[g]),
                         "years": "、".join(f"{a}→{b}" for (a, b), k in zip(consecutive, ok[:, g]) if k)})
    return pd.DataFrame(rows, columns=["county", "grade", "ratio", "pairs", "years"])


_INTAKE_HEADERS = {"县(区)": "county", "县区": "county", "学年": "year", "一年级招生数": "intake",
                   "招生数": "intake", "intake": "intake", "county": "county", "year": "year"}


def read_intake(path) -> pd.DataFrame:
    """A county-supplied intake table: ``county, year, intake`` (中文表头 县(区), 学年, 一年级招生数).

    CSV in UTF-8 (with or without BOM) or GB18030, or .xlsx. Every row must name a county, a
    school year and a non-negative, finite number of new grade-1 pupils; problems are reported
    all at once as a :class:`~junheng_lib.data.io.DataError`.
    """
    from pathlib import Path

    p = Path(path)
    name = p.name
    try:
        if p.suffix.lower() == ".xlsx":
            df = pd.read_excel(p, dtype=str)
        else:
            raw = p.read_bytes()
            for enc in ("utf-8-sig", "gb18030"):
                try:
                    text = raw.decode(enc)
                    break
                except UnicodeDecodeError:
                    continue
            else:
                raise DataError([DataIssue(name, "无法识别文件编码(应为 UTF-8 或 GBK/GB18030)")])
            import io as _io
            df = pd.read_csv(_io.StringIO(text), dtype=str, skipinitialspace=True)
    except FileNotFoundError:
        raise DataError([DataIssue(name, "文件不存在")]) from None
    df = df.rename(columns={c: _INTAKE_HEADERS.get(str(c).strip(), str(c).strip()) for c in df.columns})
    missing = [c for c, h in (("county", "县(区)"), ("year", "学年"), ("intake", "一年级招生数")) if c not in df]
    if missing:
        raise DataError([DataIssue(name, f"缺少列：{'、'.join(h for c, h in (('county', '县(区)'), ('year', '学年'), ('intake', '一年级招生数')) if c in missing)}")])
    year = pd.to_numeric(df["year"].str.strip(), errors="coerce")
    val = pd.to_numeric(df["intake"].str.strip().str.replace(r"^(\d{1,3}(,\d{3})+)$", lambda m: m[1].replace(",", ""),
                                                             regex=True), errors="coerce")
    county = df["county"].fillna("").str.strip()
    issues = []
    for i in np.flatnonzero((county == "").to_numpy()):
        issues.append(DataIssue(name, "县(区)不能为空", row=int(i) + 2, column="县(区)"))
    for i in np.flatnonzero((year.isna() | (year % 1 != 0)).to_numpy()):
        issues.append(DataIssue(name, f"学年“{df['year'].iloc[i]}”不是整数", row=int(i) + 2, column="学年"))
    bad = val.isna() | ~np.isfinite(val.fillna(0)) | (val < 0)
    for i in np.flatnonzero(bad.to_numpy()):
        issues.append(DataIssue(name, f"一年级招生数“{df['intake'].iloc[i]}”应为非负数", row=int(i) + 2,
                                column="一年级招生数", school=str(county.iloc[i])))
    if issues:
        raise DataError(issues)
    return pd.DataFrame({"county": county, "year": year.astype(int), "intake": val.astype(float)})


def _intake_override(intake: pd.DataFrame | None) -> dict[tuple[str, int], float]:
    if intake is None or intake.empty:
        return {}
    return {(str(c), int(y)): float(v) for c, y, v in intake[["county", "year", "intake"]].itertuples(index=False)}


def _step(E: np.ndarray, R: np.ndarray, county_idx: np.ndarray, n_counties: int,
          intake_total: np.ndarray | None) -> np.ndarray:
    """One year ahead for a (school × grade 1–9) matrix; R is (county × grade 0–8)."""
    r = R[county_idx]                                   # per school: ratios 0..8
    new = np.zeros_like(E)
    if intake_total is None:
        new[:, 0] = r[:, 0] * E[:, 0]
    else:
        g1 = np.bincount(county_idx, weights=E[:, 0], minlength=n_counties)
        share = np.divide(E[:, 0], g1[county_idx], out=np.zeros(len(E)), where=g1[county_idx] > 0)
        fallback = r[:, 0] * E[:, 0]
        new[:, 0] = np.where(np.isnan(intake_total[county_idx]), fallback, intake_total[county_idx] * share)
    for g in (1, 2, 3, 4, 5, 7, 8):                      # grade g → g+1 within a stage (columns g-1 → g)
        new[:, g] = r[:, g] * E[:, g - 1]
    # 6 → 7 at county level, shared by this year's grade-7 shares
    g6 = np.bincount(county_idx, weights=E[:, 5], minlength=n_counties)
    g7 = np.bincount(county_idx, weights=E[:, 6], minlength=n_counties)
    total7 = R[:, 6] * g6
    share7 = np.divide(E[:, 6], g7[county_idx], out=np.zeros(len(E)), where=g7[county_idx] > 0)
    new[:, 6] = np.nan_to_num(total7[county_idx]) * share7
    return np.nan_to_num(new)


def _project_grades(enrol: pd.DataFrame, ratios: pd.DataFrame, base_year: int, horizon: int,
                    intake: pd.DataFrame | None = None) -> pd.DataFrame:
    """Projected ``E[s,g,t]`` for t = base+1 … base+horizon (long: year, county, school_id, grade, students)."""
    base = enrol[enrol["year"] == base_year]
    wide = (base.groupby(["county", "school_id", "grade"])["students"].sum().unstack("grade", fill_value=0.0)
            .reindex(columns=_ALL, fill_value=0.0))
    counties = list(dict.fromkeys(wide.index.get_level_values("county")))
    cidx = pd.Index(counties).get_indexer(wide.index.get_level_values("county"))
    R = (ratios.drop_duplicates(["county", "grade"]).set_index(["county", "grade"])["ratio"].unstack("grade")
         .reindex(index=counties, columns=range(9)).to_numpy(float))
    over = _intake_override(intake)
    E = wide.to_numpy(float)
    out = []
    for h in range(1, horizon + 1):
        y = base_year + h
        it = np.array([over.get((c, y), np.nan) for c in counties]) if over else None
        E = _step(E, R, cidx, len(counties), it)
        out.append(pd.DataFrame({
            "county": np.repeat(wide.index.get_level_values("county").to_numpy(), len(_ALL)),
            "school_id": np.repeat(wide.index.get_level_values("school_id").to_numpy(), len(_ALL)),
            "grade": np.tile(_ALL, len(E)), "students": E.ravel(), "year": y}))
    res = pd.concat(out, ignore_index=True) if out else pd.DataFrame(columns=["county", "school_id", "grade",
                                                                              "students", "year"])
    res["grade"] = res["grade"].astype(int)
    return res


def _stage_of(grade: pd.Series) -> np.ndarray:
    return np.where(grade.to_numpy() <= 6, STAGES[0], STAGES[1])


def project(classes: pd.DataFrame, schools: pd.DataFrame, *, horizon: int, base_year: int | None = None,
            county: str | None = None, intake: pd.DataFrame | None = None, pairs: int = 3) -> pd.DataFrame:
    """Students per school × stage × future year, with class needs, class-size risk and school size.

    Parameters
    ----------
    classes, schools : DataFrame
        Validated classes and schools tables (several consecutive years of classes).
    horizon : int
        Years ahead (≥ 1).
    base_year : int, optional
        The last observed year (default: the latest year of the classes table).
    county : str, optional
    intake : DataFrame, optional
        County-supplied grade-1 totals (columns ``county, year, intake``) replacing the intake
        ratio for those county-years.
    pairs : int
        Year pairs in the mean of each ratio (last 3 by default).

    Returns
    -------
    DataFrame
        :data:`PROJECTION_COLUMNS`: ``students`` unrounded; ``classes_needed`` = ⌈students ÷
        standard class size (45 小学 / 50 初中)⌉; ``classes`` = the base year's classes (held);
        ``avg_class_size`` = students ÷ classes; ``large_class_risk`` is 大班额 / 超大班额 when that
        average reaches the 大班额 bands of the rule table, 超标准班额 above the standard size, else
        empty; ``school_students`` = the school's compulsory students that year against its type's
        ``size_limit`` (``over_size``).
    """
    if horizon < 1:
        raise ValueError("预测年数(--horizon)应为不小于1的整数")
    enrol = grade_enrolment(classes, schools)
    if county is not None:
        enrol = enrol[enrol["county"] == county]
    return _project(enrol, classes, schools, horizon, base_year, intake, pairs)[0]


def _project(enrol: pd.DataFrame, classes: pd.DataFrame, schools: pd.DataFrame, horizon: int, base_year, intake,
             pairs: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`project` from the grade enrolment, with the ratios used."""
    base_year = int(base_year) if base_year is not None else int(enrol["year"].max())
    history = enrol[enrol["year"] <= base_year]
    ratios = progression_ratios(history, pairs=pairs)
    st = _stage_totals(_project_grades(history, ratios, base_year, horizon, intake))
    return _describe(st, classes, schools, enrol, base_year), ratios


def _stage_totals(grades: pd.DataFrame) -> pd.DataFrame:
    grades["stage"] = _stage_of(grades["grade"])
    return grades.groupby(["year", "county", "school_id", "stage"], sort=False)["students"].sum().reset_index()


def _describe(st: pd.DataFrame, classes: pd.DataFrame, schools: pd.DataFrame, enrol: pd.DataFrame,
              base_year: int) -> pd.DataFrame:
    """Add names, the base year's figures, class needs, class-size risk and school size."""
    # keep only the stages a school had in the base year (a school without grade 7 gets no 初中 row)
    had = enrol[enrol["year"] == base_year].assign(stage=lambda d: d["stage"].astype(str))
    base = had.groupby(["school_id", "stage"])["students"].sum().rename("base_students")
    st = st.merge(base.reset_index(), on=["school_id", "stage"], how="inner")
    c = classes[classes["year"] == base_year].assign(stage=lambda d: d["stage"].astype(str))
    ncls = c.groupby(["school_id", "stage"]).size().rename("classes").astype(float)
    st = st.merge(ncls.reset_index(), on=["school_id", "stage"], how="left")
    info = schools[schools["year"] == base_year][["school_id", "school_name", "school_type"]]
    st = st.merge(info, on="school_id", how="left")
    std = st["stage"].map(RULES["class_size"]["standard"]).astype(float)
    st["standard_size"] = std
    st["classes_needed"] = np.ceil(st["students"] / std - 1e-9).clip(lower=0).astype("Int64")
    st["classes"] = st["classes"].astype("Int64")
    st["avg_class_size"] = st["students"] / st["classes"].where(st["classes"] > 0)
    st["large_class_risk"] = _class_risk(st["avg_class_size"], std)
    st["base_year"] = base_year
    st["school_students"] = st.groupby(["year", "school_id"])["students"].transform("sum")
    st["size_limit"] = st["school_type"].map(RULES["school_size"]["limit"]).astype(float)
    st["over_size"] = (st["school_students"] > st["size_limit"]).where(st["size_limit"].notna())
    order = np.lexsort((st["stage"].map({s: i for i, s in enumerate(STAGES)}).to_numpy(),
                        pd.factorize(st["school_id"])[0], pd.factorize(st["county"])[0], st["year"].to_numpy()))
    return st.take(order).reset_index(drop=True)[PROJECTION_COLUMNS]


def hindcast(classes: pd.DataFrame, schools: pd.DataFrame, *, county: str | None = None,
             pairs: int = 3, enrol: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Project the last year from the years before it and compare with what happened.

    Returns
    -------
    (detail, summary)
        ``detail``: per school × stage of the last year, ``projected``, ``actual``, ``error``
        (projected − actual) and ``abs_pct_error``; ``summary``: per county × stage, the totals,
        ``total_error_pct`` (projected total vs actual total, %) and ``mape`` (mean absolute %
        error over the school-stages with pupils). Empty when fewer than three years are
        available (two to estimate the ratios, one to check). ``enrol``: the
        :func:`grade_enrolment` of these tables (already restricted to ``county``), when at hand.
    """
    if enrol is None:
        enrol = grade_enrolment(classes, schools)
        if county is not None:
            enrol = enrol[enrol["county"] == county]
    years = sorted(enrol["year"].unique())
    cols_d = ["year", "county", "school_id", "stage", "projected", "actual", "error", "abs_pct_error"]
    cols_s = ["year", "county", "stage", "projected", "actual", "total_error_pct", "mape", "schools"]
    if len(years) < 3:
        return pd.DataFrame(columns=cols_d), pd.DataFrame(columns=cols_s)
    last = int(years[-1])
    history = enrol[enrol["year"] < last]
    p = _stage_totals(_project_grades(history, progression_ratios(history, pairs=pairs), last - 1, 1))
    key = ["county", "school_id", "stage"]
    e = enrol.assign(stage=enrol["stage"].astype(str))
    had = e.loc[e["year"] == last - 1, key].drop_duplicates()     # stages a school had the year before
    actual = e[e["year"] == last].groupby(key)["students"].sum().rename("actual").reset_index()
    d = p.merge(had, on=key).rename(columns={"students": "projected"})
    d = d.merge(actual, on=key, how="inner")
    d["error"] = d["projected"] - d["actual"]
    d["abs_pct_error"] = (d["error"].abs() / d["actual"].where(d["actual"] > 0)) * 100
    s = d.groupby(["year", "county", "stage"], sort=False).agg(
        projected=("projected", "sum"), actual=("actual", "sum"), mape=("abs_pct_error", "mean"),
        schools=("school_id", "size")).reset_index()
    s["total_error_pct"] = (s["projected"] - s["actual"]) / s["actual"].where(s["actual"] > 0) * 100
    return d[cols_d], s[cols_s]


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


def _class_risk(avg: pd.Series, std: pd.Series) -> np.ndarray:
    """大班额 / 超大班额 where an average class size reaches the bands of the rule table,
    超标准班额 above the standard size, else ''."""
    cs = RULES["class_size"]
    labels = cs["band_labels"]
    return np.select([avg >= cs["huge_from"], avg >= cs["large_from"], avg > std],
                     [labels[3], labels[2], "超标准班额"], default="")


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
    base = base.assign(over_size=(base["school_students"] > base["size_limit"]).where(base["size_limit"].notna()),
                       classes_needed=np.ceil(base["students"] / base["standard_size"] - 1e-9).clip(lower=0),
                       avg_class_size=base["students"] / base["classes"].astype(float).where(base["classes"] > 0))
    base["large_class_risk"] = _class_risk(base["avg_class_size"], base["standard_size"])
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
        ``note`` is '' when projected, else why not (no classes table, too few years), in Chinese.
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
    enrol = grade_enrolment(cl, schools)
    if county is not None:
        enrol = enrol[enrol["county"] == county]
    p, ratios = _project(enrol, cl, schools, horizon, year, intake, pairs)
    cap = capacity(p)
    ind = projected_indicators(schools, p, options, values=values)
    coef = ind["coefficients"]
    coef = coef[(coef["indicator"] == "composite") | (coef["standard"] == "quality")].reset_index(drop=True)
    parts = [x for x in (ind["warnings"].drop(columns="warning"), capacity_warnings(cap)) if len(x)]
    w = _warnings_frame(pd.concat(parts, ignore_index=True) if parts else pd.DataFrame())
    _, check = hindcast(cl, schools, pairs=pairs, enrol=enrol)
    return {"projection": cap, "projection_schools": p, "projection_coefficients": coef,
            "projection_warnings": w, "projection_check": check, "projection_ratios": ratios}, ""
