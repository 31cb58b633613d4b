"""Enrolment projection by the grade-progression method, and what it means for the indicators.

The grade-progression (cohort-survival) method of education planning, per county c, school s,
grade g (小学 1–6, 初中 7–9; a 初中 written 1–3 is read as 7–9) and school year t:

* grade enrolment ``E[s,g,t]`` = the sum of the class sizes of school s, grade g, year t
  (classes table), over the school-stages whose classes reconcile with the schools table (class
  sizes adding up to the students, class rows to 班数: the reconciliation of
  :func:`junheng_lib.analysis.size.class_reconciliation`, as in the class-size analysis); the others
  are left out and listed in the notes;
* progression ratios, from county totals ``T[c,g,t] = Σ_s E[s,g,t]``:
  ``R[c,g] = T[c,g+1,t] / T[c,g,t−1]`` for g = 1…8 (6 → 7 is the move from 小学 to 初中 and is
  only meaningful at county level), and the intake ratio ``Q1[c] = T[c,1,t] / T[c,1,t−1]``;
  each is the mean over the consecutive year pairs the classes table has, the last ``pairs`` (3)
  at most. A school-stage left out in one year of a pair is left out of both years of that pair;
  the 6 → 7 ratio uses a pair only when no 小学 school-stage of the county is left out in its first
  year and no 初中 school-stage in its second;
* the grades a school teaches are, per stage, its lowest to its highest grade with classes in the
  base year (a 教学点 with grades 1–2 teaches 1–2);
* one year ahead: ``E[s,g+1,t+1] = R[c,g]·E[s,g,t]`` within a stage when s teaches g+1; pupils
  leaving a school's top grade (``R[c,g]·E[s,g,t]`` of the schools that do not teach g+1) go to the
  county's grade g+1, shared out by the grade-(g+1) shares at t of the schools that teach it;
  ``E[s,1,t+1] = Q1[c]·E[s,1,t]``; the county's grade 7 at t+1, ``R[c,6]·T[c,6,t]``, shared out by
  each school's share of the county's grade 7 at t; grade 9 leaves. (A share with no pupils to go
  by falls back to the base year's shares, then to equal shares.)
* a county-supplied intake (e.g. registered births six years earlier) replaces ``Q1`` for the
  years it covers: the county's grade 1 of that year, shared out by each school's share of the
  county's grade 1 the year before.

A missing ratio is never taken as 0. A county whose classes table has no year pair at or before
the base year (or not the base year itself) is not projected; one whose base year has no directly
preceding year uses the pairs it has (the notes say which). A county-stage that needs a ratio the
data cannot give (no pupils of a grade in any pair, after the reconciliation), whose 初一 would
come from a 六年级 that is incomplete (a 小学 school-stage of the evaluation's scope left out in
the base year, with classes that could reach grade 7 within the horizon), or whose
pupils would have no school to go to, is not projected; the notes name the county, stage, base
year and why. The notes (Chinese sentences) are ``attrs["notes"]`` of the :func:`project` table.

Horizon: the ratios come from the years the classes table covers, and after six years every
小学 pupil is a child not yet at school in the base year. A horizon longer than the years covered
up to the base year or than the six 小学 grades is projected, with a caveat in the notes.

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

from dataclasses import dataclass, field
from itertools import pairwise

import numpy as np
import pandas as pd

from junheng_lib.analysis.intake import intake_override
from junheng_lib.analysis.size import class_reconciliation
from junheng_lib.rules.indicators import (
    RULES,
    STAGES,
    at_least,
    within_limit,
)
from junheng_lib.util.frames import select

__all__ = ["grade_enrolment", "progression_ratios", "project", "hindcast", "PROJECTION_COLUMNS", "GRADES"]

#: grades of each stage (初中 as 7–9)
GRADES = {"小学": list(range(1, 7)), "初中": list(range(7, 10))}
_ALL = list(range(1, 10))
#: grade names in messages
_GRADE_NAMES = {1: "一年级", 2: "二年级", 3: "三年级", 4: "四年级", 5: "五年级", 6: "六年级",
                7: "初一", 8: "初二", 9: "初三"}
#: the CLI contract of ``junheng project`` (first six columns as the issue names them)
PROJECTION_COLUMNS = ["year", "county", "school_id", "stage", "students", "classes_needed", "school_name",
                      "school_type", "base_year", "base_students", "classes", "avg_class_size", "standard_size",
                      "large_class_risk", "school_students", "size_limit", "over_size"]
#: reconciliation rows listed in a note (the rest are counted)
_LISTED = 20


def grade_enrolment(classes: pd.DataFrame, schools: pd.DataFrame) -> pd.DataFrame:
    """``E[s,g,t]``: students per school × grade × year from the classes table (every class row
    given; :func:`project` passes only the school-stages that reconcile with the schools table).

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


def _year_pairs(years, pairs: int) -> list[tuple[int, int]]:
    """The last ``pairs`` consecutive year pairs (a, a + 1) among ``years``."""
    ys = sorted(int(y) for y in set(years))
    return [(a, b) for a, b in pairwise(ys) if b == a + 1][-pairs:]


def _pairs_text(pairs: list[tuple[int, int]]) -> str:
    return "、".join(f"{a}→{b}" for a, b in pairs)


def _keys(df: pd.DataFrame, shift: int = 0) -> pd.MultiIndex:
    return pd.MultiIndex.from_arrays([df["year"].to_numpy(np.int64) + shift, df["school_id"].astype(str).to_numpy(),
                                      df["stage"].astype(str).to_numpy()])


def _feeding(excluded: pd.DataFrame, horizon: int) -> pd.DataFrame:
    """The left-out school-stages that bear on the county's 初一 within ``horizon`` years: of a type
    in the evaluation's scope (a special school's pupils are not the general schools' 初一) and, for
    a 小学, with classes up to grade 7 − ``horizon`` or higher in the classes table (or none given)."""
    x = excluded.assign(stage=excluded["stage"].astype(str))
    if "in_scope" in x:
        x = x[x["in_scope"].astype(bool)]
    if "top_grade" in x:
        x = x[(x["stage"] != STAGES[0]) | x["top_grade"].isna() | (x["top_grade"] >= 7 - horizon)]
    return x


def progression_ratios(enrol: pd.DataFrame, *, pairs: int = 3, excluded: pd.DataFrame | None = None,
                       years: dict | None = None) -> pd.DataFrame:
    """County progression ratios ``R[c,g]`` (g = 1…8) and intake ratio ``Q1[c]`` (grade 0).

    Parameters
    ----------
    enrol : DataFrame
        :func:`grade_enrolment` output (several consecutive years).
    pairs : int
        The mean is taken over the last ``pairs`` consecutive year pairs available.
    excluded : DataFrame, optional
        School-stages left out (``year, county, school_id, stage``: the classes do not reconcile
        with the schools table), whose rows ``enrol`` does not have: one left out in a year of a
        pair is left out of the other year of the pair too; the 6 → 7 ratio uses a pair only when
        no 小学 school-stage of the county is left out in its first year and no 初中 school-stage
        in its second (of the types in the evaluation's scope; a 小学 whose classes stop below
        grade 6 does not count).
    years : dict, optional
        County → the years the classes table covers (default: the years of ``enrol``); a year
        whose school-stages are all left out still counts as covered.

    Returns
    -------
    DataFrame
        Columns ``county, grade, ratio, pairs, years``: ``grade`` 0 is the intake (grade 1 at t
        over grade 1 at t−1), g ≥ 1 the move from grade g to g+1; ``ratio`` is NaN where no year
        pair has a non-zero denominator; ``years`` names the pairs used (e.g. "2022→2023、2023→2024").
    """
    full = _county_totals(enrol)
    before, after, bad67 = full, full, set()
    if excluded is not None and len(excluded):
        ex = _keys(excluded)
        before = _county_totals(enrol[~_keys(enrol, +1).isin(ex)])   # first year of a pair
        after = _county_totals(enrol[~_keys(enrol, -1).isin(ex)])    # second year of a pair
        x = _feeding(excluded, 1)
        bad67 = ({(c, int(y)) for c, y in x.loc[x["stage"] == STAGES[0], ["county", "year"]].itertuples(index=False)}
                 | {(c, int(y) - 1) for c, y in x.loc[x["stage"] == STAGES[1], ["county", "year"]].itertuples(index=False)})
    if years is None:
        years = {c: sorted(int(y) for y in g.index.get_level_values("year"))
                 for c, g in full.groupby(level="county", sort=False)}
    zero = np.zeros(9)

    def row(t: pd.DataFrame, key) -> np.ndarray:
        return t.loc[key].to_numpy(float) if key in t.index else zero

    rows = []
    for county, ys in years.items():
        consecutive = _year_pairs(ys, pairs)
        k = len(consecutive)
        num, den = np.zeros((k, 9)), np.zeros((k, 9))
        for i, (a, b) in enumerate(consecutive):
            aft, bef = row(after, (county, b)), row(before, (county, a))
            num[i], den[i] = aft, np.concatenate([bef[:1], bef[:8]])   # g 0…8: grade 1 / grade 1, grade g+1 / grade g
            num[i, 6], den[i, 6] = row(full, (county, b))[6], row(full, (county, a))[5]
            if (county, a) in bad67:
                den[i, 6] = 0.0
        ok = den > 0
        ratio = np.divide(num, den, out=np.zeros_like(num), where=ok)
        n = ok.sum(axis=0)
        mean = np.divide(ratio.sum(axis=0), n, out=np.full(9, np.nan), where=n > 0)
        for g in range(0, 9):
            rows.append({"county": county, "grade": g, "ratio": float(mean[g]), "pairs": int(n[g]),
                         "years": _pairs_text([p for p, used in zip(consecutive, ok[:, g]) if used])})
    return pd.DataFrame(rows, columns=["county", "grade", "ratio", "pairs", "years"])


# ---------------------------------------------------------------------------------------------- the method
@dataclass
class Prepared:
    """The classes and grade enrolment of a projection, reconciled with the schools table."""

    enrol: pd.DataFrame                     # E[s,g,t] of the school-stages that reconcile
    classes: pd.DataFrame                   # their class rows
    covered: dict[str, list[int]]           # county → the years the classes table covers
    excluded: pd.DataFrame                  # class_reconciliation rows: the school-stages left out
    schools: pd.DataFrame = field(repr=False, default=None)


def prepare_projection(classes: pd.DataFrame, schools: pd.DataFrame, county: str | None = None,
             last_year: int | None = None) -> Prepared:
    s = select(schools, county=county)
    cl = classes
    if last_year is not None:
        s, cl = s[s["year"] <= last_year], cl[cl["year"] <= last_year]
    ids = pd.MultiIndex.from_arrays([s["year"].to_numpy(np.int64), s["school_id"].astype(str).to_numpy()])
    cl = cl[pd.MultiIndex.from_arrays([cl["year"].to_numpy(np.int64), cl["school_id"].astype(str).to_numpy()]).isin(ids)]
    yc = cl[["year", "school_id"]].drop_duplicates().merge(
        s[["year", "school_id", "county"]].drop_duplicates(["year", "school_id"]), on=["year", "school_id"])
    covered = {c: sorted(int(y) for y in set(g["year"])) for c, g in yc.groupby("county", sort=False)}
    rec = class_reconciliation(cl, s)
    ok = cl[~_keys(cl).isin(_keys(rec))] if len(rec) else cl
    if len(rec):
        # what a left-out school-stage can feed: its highest grade in the classes table (NaN: no
        # class rows, any grade) and whether its type is in the evaluation's scope
        raw = grade_enrolment(cl[_keys(cl).isin(_keys(rec))], s)
        top = raw.groupby(["year", "school_id", "stage"])["grade"].max().rename("top_grade").reset_index()
        rec = rec.merge(top.astype({"stage": str}), on=["year", "school_id", "stage"], how="left")
        types = s[["year", "school_id", "school_type"]].drop_duplicates(["year", "school_id"])
        rec = rec.merge(types, on=["year", "school_id"], how="left")
        scope = {t: bool(v.get("in_scope", True)) for t, v in RULES["school_types"].items()}
        rec["in_scope"] = rec["school_type"].map(scope).fillna(True).astype(bool)
    return Prepared(grade_enrolment(ok, s), ok, covered, rec, s)


def _mul(r: np.ndarray, e: np.ndarray) -> np.ndarray:
    """r·e, 0 where there are no pupils (a missing ratio matters only where there are: NaN there)."""
    with np.errstate(invalid="ignore"):
        return np.where(e == 0, 0.0, r * e)


def _shares(e: np.ndarray, taught: np.ndarray, base: np.ndarray, cidx: np.ndarray, nc: int):
    """Each school's share of its county's grade among the schools that teach it (this year's pupils,
    else the base year's, else equal shares), and per county whether any school teaches it."""
    w = np.where(taught, np.nan_to_num(e), 0.0)
    wb = np.where(taught, base, 0.0)
    tot, totb = np.bincount(cidx, w, nc)[cidx], np.bincount(cidx, wb, nc)[cidx]
    n = np.bincount(cidx, taught.astype(float), nc)
    cnt = n[cidx]
    zero = np.zeros(len(e))
    share = np.where(tot > 0, np.divide(w, tot, out=zero.copy(), where=tot > 0),
                     np.where(totb > 0, np.divide(wb, totb, out=zero.copy(), where=totb > 0),
                              np.divide(taught.astype(float), cnt, out=zero.copy(), where=cnt > 0)))
    return share, n > 0


def _step(E: np.ndarray, R: np.ndarray, cidx: np.ndarray, nc: int, intake_total: np.ndarray | None,
          taught: np.ndarray, E0: np.ndarray, missing: np.ndarray, lost: np.ndarray,
          short: np.ndarray | None = None) -> np.ndarray:
    """One year ahead for a (school × grade 1–9) matrix; R is (county × grade 0–8), NaN where missing.

    ``taught`` (school × grade): the grades each school teaches; ``E0`` the base year's matrix (for
    shares with no pupils this year). ``missing`` (county × ratio 0–8) and ``lost`` (county × grade)
    are updated: a missing ratio that pupils needed; pupils with no school teaching their grade.
    ``short`` (per county): its 六年级 is incomplete (小学 school-stages left out), so its 初一 is NaN."""
    r = R[cidx]
    new = np.zeros_like(E)

    def spread(total: np.ndarray, k: int) -> np.ndarray:   # county totals (per county) into grade column k
        share, has = _shares(E[:, k], taught[:, k], E0[:, k], cidx, nc)
        lost[:, k] |= ~has & (np.nan_to_num(total, nan=1.0) != 0)
        with np.errstate(invalid="ignore"):
            return np.where(share > 0, total[cidx] * share, 0.0)

    pupils = [np.bincount(cidx, (E[:, k] != 0).astype(float), nc) > 0 for k in range(9)]
    own = _mul(r[:, 0], E[:, 0])
    if intake_total is None:
        new[:, 0], need = own, np.ones(nc, bool)
    else:
        given = ~np.isnan(intake_total)
        new[:, 0] = np.where(given[cidx], spread(np.where(given, intake_total, 0.0), 0), own)
        need = ~given
    missing[:, 0] |= need & np.isnan(R[:, 0]) & pupils[0]
    for g in (1, 2, 3, 4, 5, 7, 8):                      # grade g → g+1 within a stage (columns g-1 → g)
        flow = _mul(r[:, g], E[:, g - 1])
        stay = taught[:, g]
        leaving = np.bincount(cidx, np.where(stay, 0.0, flow), nc)   # from schools whose top grade is g
        new[:, g] = np.where(stay, flow, 0.0) + spread(leaving, g)
        missing[:, g] |= np.isnan(R[:, g]) & pupils[g - 1]
    # 6 → 7 at county level, shared by this year's grade-7 shares
    g6 = np.bincount(cidx, E[:, 5], nc)
    total7 = _mul(R[:, 6], g6)
    if short is not None:
        total7[short] = np.nan
    new[:, 6] = spread(total7, 6)
    missing[:, 6] |= np.isnan(R[:, 6]) & pupils[5]
    return new


def _taught(E0: np.ndarray) -> np.ndarray:
    """The grades each school teaches: per stage, its lowest to its highest grade with pupils."""
    pos = E0 > 0
    out = np.zeros_like(pos)
    for cols in (slice(0, 6), slice(6, 9)):
        sub = pos[:, cols]
        j = np.arange(sub.shape[1])
        lo = sub.argmax(axis=1)
        hi = sub.shape[1] - 1 - sub[:, ::-1].argmax(axis=1)
        out[:, cols] = sub.any(axis=1)[:, None] & (j >= lo[:, None]) & (j <= hi[:, None])
    return out


@dataclass
class _Run:
    """A projection: the grades (long), the ratios used, the notes, and those of the counties or
    county-stages not projected."""

    grades: pd.DataFrame
    ratios: pd.DataFrame
    notes: list[str]
    skipped: list[str]


def _ratio_name(g: int) -> str:
    return "一年级入学比例" if g == 0 else f"{_GRADE_NAMES[g]}升{_GRADE_NAMES[g + 1]}的比例"


def _run(prep: Prepared, base_year: int, horizon: int, intake: pd.DataFrame | None, pairs: int) -> _Run:
    """Project the grades of every county of ``prep`` from ``base_year`` (classes of later years unused)."""
    enrol = prep.enrol[prep.enrol["year"] <= base_year]
    excluded = prep.excluded[prep.excluded["year"] <= base_year]
    years = {c: [y for y in ys if y <= base_year] for c, ys in prep.covered.items()}
    years = {c: ys for c, ys in years.items() if ys}
    ratios = progression_ratios(enrol, pairs=pairs, excluded=excluded, years=years)
    notes, skipped, go, used_years = [], [], [], {}
    gaps = []
    if prep.schools is not None:
        for c in dict.fromkeys(prep.schools.loc[prep.schools["year"] == base_year, "county"]):
            if c not in years:
                when = f"{base_year}学年及以前的" if c in prep.covered else ""
                skipped.append(f"班级表中没有{c}{when}数据，{c}未作预测")
    for c, ys in years.items():
        if base_year not in ys:
            skipped.append(f"{c}班级表中没有{base_year}学年的数据（有{_years(ys)}学年），无法以{base_year}学年为基准预测，"
                           f"{c}未作预测")
            continue
        used = _year_pairs(ys, pairs)
        if not used:
            skipped.append(f"{c}班级表中没有{base_year - 1}学年的数据（有{_years(ys)}学年），没有相邻两个学年可用于"
                           f"计算入学和升级比例，{c}未以{base_year}学年为基准作预测")
            continue
        expected_from = max(base_year - pairs, ys[0])
        missing_years = [y for y in range(expected_from, base_year) if y not in ys]
        if missing_years:
            gaps.append(f"{c}班级表中没有{_years(missing_years)}学年的数据，入学和升级比例改用{_pairs_text(used)}"
                        f"学年的数据计算")
        go.append(c)
        used_years[c] = {base_year} | {y for p in used for y in p}
    rec = _reconciliation_note(excluded, used_years)
    if rec:
        notes.append(rec)
    empty = pd.DataFrame({"county": pd.Series(dtype=object), "school_id": pd.Series(dtype=object),
                          "grade": pd.Series(dtype=int), "students": pd.Series(dtype=float),
                          "year": pd.Series(dtype=int)})
    base = enrol[(enrol["year"] == base_year) & enrol["county"].isin(go)]
    if base.empty:
        return _Run(empty, ratios, notes + skipped + gaps, skipped)
    wide = (base.groupby(["county", "school_id", "grade"], sort=False)["students"].sum()
            .unstack("grade", fill_value=0.0).reindex(columns=_ALL, fill_value=0.0))
    counties = list(dict.fromkeys(wide.index.get_level_values("county")))
    nc = len(counties)
    cidx = pd.Index(counties).get_indexer(wide.index.get_level_values("county"))
    R = (ratios.drop_duplicates(["county", "grade"]).set_index(["county", "grade"])["ratio"].unstack("grade")
         .reindex(index=counties, columns=range(9)).to_numpy(float, copy=True))
    # 初一 comes from the county's 六年级: incomplete when a 小学 school-stage is left out in the base year
    fx = _feeding(excluded[excluded["year"] == base_year], horizon)
    short = set(fx.loc[fx["stage"] == STAGES[0], "county"])
    feed = np.array([c in short for c in counties])
    over = intake_override(intake)
    E0 = wide.to_numpy(float)
    taught = _taught(E0)
    missing, lost = np.zeros((nc, 9), bool), np.zeros((nc, 9), bool)
    E, out = E0, []
    for h in range(1, horizon + 1):
        y = base_year + h
        it = np.array([over.get((c, y), np.nan) for c in counties]) if over else None
        E = _step(E, R, cidx, nc, it, taught, E0, missing, lost, feed)
        out.append(E)
    stack = np.stack(out)                                     # horizon × school × grade
    has = np.column_stack([(E0[:, :6] > 0).any(axis=1), (E0[:, 6:] > 0).any(axis=1)])
    bad_rows = np.column_stack([np.isnan(stack[:, :, :6]).any(axis=(0, 2)), np.isnan(stack[:, :, 6:]).any(axis=(0, 2))])
    bad = np.zeros((nc, 2), bool)
    np.logical_or.at(bad, cidx, bad_rows & has)
    bad[:, 0] |= lost[:, :6].any(axis=1)
    bad[:, 1] |= lost[:, 6:].any(axis=1)
    bad[:, 1] |= lost[:, :6].any(axis=1) & (horizon > 1)     # 小学 pupils lost: a 六年级 short later
    for i, c in enumerate(counties):
        if not bad[i].any():
            continue
        why = []
        names = [_ratio_name(g) for g in range(9) if missing[i, g]]
        if names:
            why.append(f"{'、'.join(names)}无法计算（{_pairs_text(_year_pairs(years[c], pairs))}学年中"
                       f"{'这些' if len(names) > 1 else '这个'}年级没有可用的学生数）")
        if feed[i] and bad[i, 1]:
            why.append(f"初一由全县六年级推算，而{base_year}学年有小学学段的班级表与学校表不一致、未计入")
        for k in np.flatnonzero(lost[i]):
            why.append(f"全县没有开设{_GRADE_NAMES[k + 1]}的学校，{_GRADE_NAMES[k]}学生无处升入" if k
                       else "全县没有开设一年级的学校，县(区)提供的一年级招生数无处分配")
        if bad[i, 1] and not (missing[i, 6:].any() or (feed[i] and bad[i, 1]) or lost[i, 6:].any()):
            why.append("初一由小学六年级推算，小学无法预测时初中也无法预测")
        stages = "、".join(s for s, b in zip(STAGES, bad[i]) if b)
        skipped.append(f"{c}{stages}未作预测（以{base_year}学年为基准）：{'；'.join(dict.fromkeys(why)) or '所需的比例无法计算'}")
    n, k9 = len(E0), len(_ALL)
    frames = []
    keep = ~np.column_stack([np.repeat(bad[cidx, 0][:, None], 6, axis=1), np.repeat(bad[cidx, 1][:, None], 3, axis=1)])
    for h, M in enumerate(out, start=1):
        frames.append(pd.DataFrame({
            "county": np.repeat(wide.index.get_level_values("county").to_numpy(), k9),
            "school_id": np.repeat(wide.index.get_level_values("school_id").to_numpy(), k9),
            "grade": np.tile(_ALL, n), "students": M.ravel(), "year": base_year + h, "_keep": keep.ravel()}))
    res = pd.concat(frames, ignore_index=True)
    res = res[res.pop("_keep").to_numpy()].reset_index(drop=True)
    res["grade"] = res["grade"].astype(int)
    notes += skipped + gaps + _intake_notes(over, [c for i, c in enumerate(counties) if not bad[i].all()],
                                            base_year, horizon)
    return _Run(res, ratios, notes, skipped)


def _years(ys) -> str:
    return "、".join(str(int(y)) for y in sorted(set(ys)))


def _reconciliation_note(excluded: pd.DataFrame, used_years: dict) -> str:
    """The school-stages left out (of the county-years a projection uses), as evaluate lists them."""
    if excluded.empty or not used_years:
        return ""
    keep = [(c, int(y)) in {(k, v) for k, vs in used_years.items() for v in vs}
            for c, y in excluded[["county", "year"]].itertuples(index=False)]
    rec = excluded[keep]
    if rec.empty:
        return ""
    lines = [f"{len(rec)}个学校学段的班级表与学校表不一致，未计入入学预测（也不计入所在学年的入学和升级比例）："]
    lines += [f"  {r.year}学年 {r.county} {r.school_id} {r.school_name} {r.stage}：{r.note}"
              for r in rec.head(_LISTED).itertuples()]
    if len(rec) > _LISTED:
        lines.append(f"  ……另有{len(rec) - _LISTED}处")
    return "\n".join(lines)


def _intake_notes(over: dict, counties: list[str], base_year: int, horizon: int) -> list[str]:
    """Intake figures of a projected county for years that are not projected (unused)."""
    last = base_year + horizon
    out = []
    for c in counties:
        unused = sorted(y for (k, y) in over if k == c and not base_year < y <= last)
        if unused:
            out.append(f"县(区)提供的一年级招生数中，{c}{_years(unused)}学年不在预测学年（{base_year + 1}—{last}学年）"
                       f"内，未使用")
    return out


def _horizon_notes(prep: Prepared, base_year: int, horizon: int) -> list[str]:
    """The caveat of a horizon beyond what the data carry: more years than the classes table
    covers up to the base year, or more than the six 小学 grades."""
    first = min((ys[0] for ys in prep.covered.values() if ys and ys[0] <= base_year), default=base_year)
    span = base_year - first + 1
    out = []
    if horizon > span:
        out.append(f"预测{horizon}年超过了班级表覆盖的{span}个学年（{first}—{base_year}学年）：入学和升级比例只来自"
                   f"这几个学年，越往后越是外推，误差逐年累积，远期结果仅供参考")
    n1, n2 = len(GRADES[STAGES[0]]), len(_ALL)
    if horizon > n1:
        later = f"，{base_year + n2 + 1}年起初中也是如此" if horizon > n2 else ""
        out.append(f"预测{horizon}年超过了小学的{n1}个年级：{base_year + n1 + 1}年起小学在校生全部是{base_year}学年"
                   f"尚未入学的儿童，只由一年级入学比例（或县(区)提供的一年级招生数）推算{later}，仅供参考")
    return out


def class_risk(avg: pd.Series, std: pd.Series) -> np.ndarray:
    """大班额 / 超大班额 where an average class size reaches the bands of the rule table,
    超标准班额 above the standard size, else ''."""
    cs = RULES["class_size"]
    labels = cs["band_labels"]
    return np.select([at_least(avg, cs["huge_from"]), at_least(avg, cs["large_from"]), ~within_limit(avg, std)],
                     [labels[3], labels[2], "超标准班额"], default="")


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
        Years ahead (≥ 1); beyond the years the classes table covers up to the base year, or
        beyond the six 小学 grades, with a caveat in the notes.
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
        ``size_limit`` (``over_size``). ``attrs["notes"]``: what the user must know (Chinese
        sentences): school-stages left out by the reconciliation, counties and county-stages not
        projected and why, ratios from other year pairs than the last, intake figures unused, the
        caveat of a long horizon.
    """
    if horizon < 1:
        raise ValueError("预测年数(--horizon)应为不小于1的整数")
    prep = prepare_projection(classes, schools, county=county, last_year=base_year)
    p, _, notes, _ = project_prepared(prep, horizon, base_year, intake, pairs)
    p.attrs["notes"] = notes
    return p


def project_prepared(prep: Prepared, horizon: int, base_year, intake, pairs: int):
    """:func:`project` from the prepared tables: (projection, ratios used, notes, notes of what was not projected)."""
    if base_year is None:
        base_year = max((ys[-1] for ys in prep.covered.values() if ys), default=None)
    if base_year is None:
        none = ["班级表中没有可用于预测的数据"]
        return (pd.DataFrame(columns=PROJECTION_COLUMNS), pd.DataFrame(columns=["county", "grade", "ratio", "pairs", "years"]),
                none, none)
    base_year = int(base_year)
    run = _run(prep, base_year, horizon, intake, pairs)
    st = _stage_totals(run.grades)
    p = _describe(st, prep.classes, prep.schools, prep.enrol, base_year)
    return p, run.ratios, run.notes + _horizon_notes(prep, base_year, horizon), run.skipped


def _stage_totals(grades: pd.DataFrame) -> pd.DataFrame:
    grades = grades.assign(stage=_stage_of(grades["grade"]))
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
    st["large_class_risk"] = class_risk(st["avg_class_size"], std)
    st["base_year"] = base_year
    st["school_students"] = st.groupby(["year", "school_id"])["students"].transform("sum")
    st["size_limit"] = st["school_type"].map(RULES["school_size"]["limit"]).astype(float)
    st["over_size"] = (~within_limit(st["school_students"], st["size_limit"])).where(st["size_limit"].notna())
    order = np.lexsort((st["stage"].map({s: i for i, s in enumerate(STAGES)}).to_numpy(),
                        pd.factorize(st["school_id"])[0], pd.factorize(st["county"])[0], st["year"].to_numpy()))
    return st.take(order).reset_index(drop=True)[PROJECTION_COLUMNS]


def hindcast(classes: pd.DataFrame, schools: pd.DataFrame, *, county: str | None = None,
             pairs: int = 3, _prep: Prepared | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Project the last year from the years before it and compare with what happened.

    Returns
    -------
    (detail, summary)
        ``detail``: per school × stage of the last year, ``projected``, ``actual``, ``error``
        (projected − actual) and ``abs_pct_error``; ``summary``: per county × stage, the totals,
        ``total_error_pct`` (projected total vs actual total, %) and ``mape`` (mean absolute %
        error over the school-stages with pupils). Only the school-stages whose classes reconcile
        with the schools table in both years; a county without the year before the last, or
        without a year pair before it, is not checked. Empty when fewer than three years are
        available (two to estimate the ratios, one to check).
    """
    prep = _prep if _prep is not None else prepare_projection(classes, schools, county=county)
    years = sorted({y for ys in prep.covered.values() for y in ys})
    cols_d = ["year", "county", "school_id", "stage", "projected", "actual", "error", "abs_pct_error"]
    cols_s = ["year", "county", "stage", "projected", "actual", "total_error_pct", "mape", "schools"]
    if len(years) < 3:
        return pd.DataFrame(columns=cols_d), pd.DataFrame(columns=cols_s)
    last = int(years[-1])
    p = _stage_totals(_run(prep, last - 1, 1, None, pairs).grades)
    key = ["county", "school_id", "stage"]
    e = prep.enrol.assign(stage=prep.enrol["stage"].astype(str))
    had = e.loc[e["year"] == last - 1, key].drop_duplicates()     # stages a school had the year before
    actual = e[e["year"] == last].groupby(key)["students"].sum().rename("actual").reset_index()
    d = p.merge(had, on=key).rename(columns={"students": "projected"})
    d = d.merge(actual, on=key, how="inner")
    if d.empty:
        return pd.DataFrame(columns=cols_d), pd.DataFrame(columns=cols_s)
    d["error"] = d["projected"] - d["actual"]
    d["abs_pct_error"] = (d["error"].abs() / d["actual"].where(d["actual"] > 0)) * 100
    s = d.groupby(["year", "county", "stage"], sort=False).agg(
        projected=("projected", "sum"), actual=("actual", "sum"), mape=("abs_pct_error", "mean"),
        schools=("school_id", "size")).reset_index()
    s["total_error_pct"] = (s["projected"] - s["actual"]) / s["actual"].where(s["actual"] > 0) * 100
    return d[cols_d].reset_index(drop=True), s[cols_s]
