"""The city roll-up's numbers: the counties' results side by side, ranked, summed and counted.

Every function reads the counties' results — the dict of ``Evaluation.results()`` that each county
report writes as ``<county>.results.json`` (``results``: county → that dict; a county of the year
without a current result is simply absent) — or frames derived from them, and returns tidy data.
:class:`junheng_lib.report.city.CityReport` calls them and renders what they return.

A county's roll-up ``status`` is a code: :data:`JUDGED` (``""``: it has a current result with a
school in scope), :data:`NOT_GENERATED` (no current result) or :data:`NO_SCOPE` (a result without a
school in scope). The words a reader sees for these codes belong to the report.

The one ranking (:func:`county_summary`): the readiness grade for 优质均衡 (the rule table's
``[[readiness.grade]]``, best first), then the mean of the stages' 综合差异系数 (lower first);
counties that are not judged come last (no school in scope, then no current result), in data order.

Examples
--------
>>> r = {"stages": {"小学": {"composite": {"cv": 0.3, "passed": True}, "quality": {}, "schools": 2,
...                        "schools_passed": 2}}, "basic_passed": True, "quality_passed": True}
>>> s = county_summary({"甲县": r}, ["甲县", "乙县"])
>>> s[["county", "status", "rank"]].values.tolist()
[['甲县', '', 1], ['乙县', 'not_generated', <NA>]]
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from junheng_lib.analysis.readiness import GRADES, METRICS, grade_of, metrics_of
from junheng_lib.analysis.trends import WARNING_KINDS
from junheng_lib.rules.codes import Status
from junheng_lib.rules.indicators import QUALITY, RULES, STAGE_ORDER, STAGES, codes
from junheng_lib.rules.options import Options

__all__ = ["JUDGED", "NOT_GENERATED", "NO_SCOPE", "STATUSES", "TOTAL", "RISK_KINDS", "RISK_COLUMNS",
           "LEDGER_COLUMNS", "is_current", "risk_warnings", "county_summary", "basic_failing", "furthest",
           "headline", "readiness", "city_totals", "city_shortfall", "resource_shortage", "ledger_sums",
           "evaluated_trend", "composite_trend", "projected_warnings", "GROUP_COLUMNS", "group_summary"]

#: a county's roll-up status: judged, no current result, a result without a school in scope
JUDGED, NOT_GENERATED, NO_SCOPE = "", "not_generated", "no_scope"
#: the statuses, in the ranking's order (the judged first, by grade)
STATUSES = (JUDGED, NO_SCOPE, NOT_GENERATED)
#: the key of the total row of :func:`city_totals` and :func:`ledger_sums`
TOTAL = "全市合计"
#: the warnings the roll-up counts as 差异系数预警: a CV slipping towards or over its limit
#: (narrative.rule_text("risk")); "rising" alone is not counted
RISK_KINDS = tuple(k for k in WARNING_KINDS if k != "rising")
#: the columns of :func:`risk_warnings`
RISK_COLUMNS = ["county", "stage", "indicator", "cv", "limit", "kind"]
#: the sums of a county's 整改台账 in its results (``results["ledger"]``)
LEDGER_COLUMNS = ["items", "school_items", "county_items", "cost", "plan_cost"]


def is_current(result: dict | None, year: int, options: Options) -> bool:
    """True when a county's results are of ``year`` and were made with ``options`` (a current result).

    Parameters
    ----------
    result : dict or None
        A county's results (None: no readable side file).
    year : int
    options : Options

    Returns
    -------
    bool
    """
    return result is not None and result.get("year") == year and Options.from_dict(result.get("options")) == options


def _order_by(df: pd.DataFrame, order: Sequence[str]) -> pd.DataFrame:
    """``df`` with its counties in ``order`` (stable; a county not in it last)."""
    pos = {c: i for i, c in enumerate(order)}
    return df.sort_values("county", key=lambda s: s.map(pos), kind="stable").reset_index(drop=True)


def risk_warnings(results: Mapping[str, dict], order: Sequence[str] | None = None) -> pd.DataFrame:
    """The counties' 差异系数预警: a 综合 or 优质均衡 CV newly failing its limit or near it.

    A basic CV has no limit of its own and is not counted; a warning of kind ``rising`` alone is not
    counted (:data:`RISK_KINDS`).

    Parameters
    ----------
    results : mapping
        County → its results dict (``results["warnings"]`` is read).
    order : sequence of str, optional
        The counties' order (the roll-up's ranking); default: the order of ``results``.

    Returns
    -------
    DataFrame
        One row per warning: ``county, stage, indicator`` (a code, ``composite`` for the 综合差异系数),
        ``cv, limit, kind`` (one of :data:`RISK_KINDS`).
    """
    rows = []
    for c, r in results.items():
        for w in r.get("warnings", []):
            if (w["indicator"] != "composite" and w.get("standard") != QUALITY) or w.get("kind") not in RISK_KINDS:
                continue
            rows.append({"county": c, "stage": w["stage"], "indicator": w["indicator"], "cv": w.get("cv"),
                         "limit": w.get("limit"), "kind": w["kind"]})
    df = pd.DataFrame(rows, columns=RISK_COLUMNS)
    return df if order is None else _order_by(df, order)


def county_summary(results: Mapping[str, dict], counties: Sequence[str] | None = None) -> pd.DataFrame:
    """One row per county, in the roll-up's ranking (grade, then the mean 综合差异系数).

    Parameters
    ----------
    results : mapping
        County → its current results.
    counties : sequence of str, optional
        Every county of the year, in data order (those without a result are :data:`NOT_GENERATED`);
        default: the counties of ``results``.

    Returns
    -------
    DataFrame
        ``county``; ``status`` (:data:`JUDGED`, :data:`NOT_GENERATED` or :data:`NO_SCOPE`); per stage
        ``composite_<stage>`` (综合差异系数, NaN without the stage), ``basic_<stage>`` (its verdict, None
        without it), ``quality_over_<stage>`` (优质均衡 CVs over their limit), ``schools_<stage>``,
        ``schools_passed_<stage>`` (school × stage rows meeting the 优质均衡 school rule),
        ``missing_<stage>`` (why the stage is not judged: the county's ``stages_missing`` reason or the
        status code; "" when judged); the readiness metrics (:data:`~junheng_lib.analysis.readiness.METRICS`;
        ``basic_passed`` and ``quality_passed`` None when not judged, ``cvs_over`` int); ``risk`` (the
        county's 差异系数预警, :func:`risk_warnings`; 0 when not judged); ``basic_verdict`` (基本均衡's
        four conditions, a Status code; None when not judged); ``schools_all``,
        ``schools_failing`` (both stages); ``composite_mean`` (mean of the stages' 综合差异系数, NaN when
        not judged); ``grade`` (the readiness grade, the status code when not judged); ``rank``
        (Int64, equal keys share a rank; NA when not judged).
    """
    risk = risk_warnings(results)["county"].value_counts()
    rows = []
    for c in counties or list(results):
        r = results.get(c)
        status = NOT_GENERATED if r is None else (JUDGED if r.get("in_scope", True) and r["stages"] else NO_SCOPE)
        r = r or {"stages": {}}
        row = {"county": c, "status": status}
        for st in STAGES:
            s = r["stages"].get(st)
            row[f"composite_{st}"] = s["composite"]["cv"] if s else np.nan
            row[f"basic_{st}"] = s["composite"]["passed"] if s else None
            row[f"quality_over_{st}"] = sum(1 for v in s["quality"].values() if v["passed"] is False) if s else 0
            row[f"schools_{st}"] = s["schools"] if s else 0
            row[f"schools_passed_{st}"] = s["schools_passed"] if s else 0
            row[f"missing_{st}"] = (status or r.get("stages_missing", {}).get(st, "")) if not s else ""
        row.update(metrics_of(r))     # the readiness metrics, as the county's own 总体结论 reads them
        if status:
            row["basic_passed"] = row["quality_passed"] = None
        row["risk"] = int(risk.get(c, 0)) if not status else 0
        # 基本均衡's four-condition verdict (a Status code; older results without it: not provided)
        row["basic_verdict"] = None if status else r.get("basic_verdict", Status.MISSING.value)
        # 校际均衡 alone (the composites within their limits; ``basic_passed`` follows the verdict)
        row["inter_school_passed"] = None if status else r.get("inter_school_passed", r.get("basic_passed"))
        rows.append(row)
    cols = ["county", "status", *[f"{k}_{st}" for st in STAGES for k in
                                  ("composite", "basic", "quality_over", "schools", "schools_passed", "missing")],
            *METRICS, "risk", "basic_verdict", "inter_school_passed"]
    df = pd.DataFrame(rows, columns=cols)
    judged = df["status"] == JUDGED
    df["cvs_over"] = df["cvs_over"].astype(int)
    df["schools_all"] = sum(df[f"schools_{st}"] for st in STAGES).astype(int)
    df["schools_failing"] = (df["schools_all"] - sum(df[f"schools_passed_{st}"] for st in STAGES)).astype(int)
    df["composite_mean"] = df[[f"composite_{st}" for st in STAGES]].astype(float).mean(axis=1).where(judged)
    df["grade"] = [grade_of({k: getattr(r, k) for k in METRICS}) if not r.status else r.status
                   for r in df.itertuples()]
    # the ranking: grade (rule table order), then the mean 综合差异系数; others last, in data order
    place = {g: i for i, g in enumerate([*GRADES, *STATUSES[1:]])}
    df["_grade"] = df["grade"].map(place)
    df["_cv"] = df["composite_mean"].fillna(np.inf)
    df = df.sort_values(["_grade", "_cv"], kind="stable").reset_index(drop=True)
    key = list(zip(df["_grade"], df["_cv"]))
    df["rank"] = pd.array([1 + sum(k < key[i] for k in key) if judged_i else pd.NA
                           for i, judged_i in enumerate(df["status"] == JUDGED)], dtype="Int64")
    return df.drop(columns=["_grade", "_cv"])


def basic_failing(summary: pd.DataFrame) -> pd.DataFrame:
    """The judged counties not passing 基本均衡, in the summary's order.

    Parameters
    ----------
    summary : DataFrame
        :func:`county_summary`.

    Returns
    -------
    DataFrame
        The rows of ``summary`` (same columns) whose ``basic_passed`` is not True.
    """
    judged = summary[summary["status"] == JUDGED]
    return judged[~judged["basic_passed"].eq(True)]


def furthest(summary: pd.DataFrame, n: int) -> list[str]:
    """The ``n`` judged counties furthest from 优质均衡 by the ranking (the last ranked), leaving out
    those failing 基本均衡 and those of the best grade.

    Parameters
    ----------
    summary : DataFrame
        :func:`county_summary`.
    n : int

    Returns
    -------
    list of str
        Counties, in the ranking's order.
    """
    judged = summary[summary["status"] == JUDGED]
    fail = basic_failing(summary)
    far = judged[(judged["grade"] != GRADES[0]) & ~judged["county"].isin(fail["county"])].tail(n)
    return far["county"].tolist()


def headline(summary: pd.DataFrame) -> dict:
    """The counts the roll-up's 总体情况 and 问题 speak of, from :func:`county_summary`.

    Parameters
    ----------
    summary : DataFrame
        :func:`county_summary`.

    Returns
    -------
    dict
        ``counties`` (rows of the summary), ``judged`` (counties judged), ``no_scope`` (counties without
        a school in scope, in order), ``basic_passed`` (judged counties passing 基本均衡),
        ``inter_school_passed`` / ``inter_school_failed`` (校际均衡 alone: count, and the others in order),
        ``basic_failed`` (the others judged, in order), ``grades`` (grade → judged counties, in the rule
        table's order, grades without a county left out), ``at_risk`` (judged counties with a
        差异系数预警, in order) and ``risk_items`` (their warnings).
    """
    judged = summary[summary["status"] == JUDGED]
    grades = judged["grade"].value_counts()
    risk = judged.loc[judged["risk"] > 0]
    return {"counties": len(summary), "judged": len(judged),
            "no_scope": summary.loc[summary["status"] == NO_SCOPE, "county"].tolist(),
            "basic_passed": int(judged["basic_passed"].eq(True).sum()),
            "inter_school_passed": int(judged["inter_school_passed"].eq(True).sum()),
            "inter_school_failed": judged.loc[judged["inter_school_passed"].eq(False), "county"].tolist(),
            "basic_failed": basic_failing(summary)["county"].tolist(),
            "grades": {g: int(grades[g]) for g in GRADES if g in grades},
            "at_risk": risk["county"].tolist(), "risk_items": int(risk["risk"].sum())}


def readiness(summary: pd.DataFrame) -> pd.DataFrame:
    """Readiness for 优质均衡 per county (the summary's order): the grade and the metrics it is judged on.

    Parameters
    ----------
    summary : DataFrame
        :func:`county_summary`.

    Returns
    -------
    DataFrame
        ``rank, county, grade`` (the status code when not judged), ``basic_passed, quality_passed,
        cvs_over, schools_failing, schools_passed_share, items_failed, items_missing`` (the counts as
        floats; NaN when not judged).
    """
    judged = summary["status"] == JUDGED
    out = summary[["rank", "county", "grade", "basic_passed", "quality_passed", "cvs_over", "schools_failing",
                   "schools_passed_share", "items_failed", "items_missing"]].copy()
    for k in ("cvs_over", "schools_failing", "items_failed", "items_missing"):
        out[k] = out[k].astype(float).where(judged)
    out["schools_passed_share"] = out["schools_passed_share"].where(judged)
    return out.reset_index(drop=True)


def city_totals(order: Sequence[str], overviews: Mapping[str, pd.DataFrame],
                mixes: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Schools, teaching points, students and teachers per county and the :data:`TOTAL` row.

    Parameters
    ----------
    order : sequence of str
        The counties, in the order of the rows.
    overviews : mapping
        County → its 基本情况 per stage (:func:`junheng_lib.analysis.overview.overview`: ``stage,
        schools, students, teachers`` …), every school of the data (all owners).
    mixes : mapping
        County → its schools by type and 城乡 with 合计 (:func:`junheng_lib.analysis.overview.school_mix`).

    Returns
    -------
    DataFrame
        ``county, schools`` (teaching points not counted), ``points`` (teaching points), per stage
        ``stage_schools_<stage>, students_<stage>, teachers_<stage>`` (0 without the stage); the last
        row :data:`TOTAL`, the sum of the counties. Empty (no columns) without a county.
    """
    rows = []
    for c in order:
        mix = mixes[c]
        ov = overviews[c].set_index("stage")
        tp = int(mix.loc["教学点", "合计"]) if "教学点" in mix.index else 0
        row = {"county": c, "schools": int(mix.loc["合计", "合计"]) - tp if "合计" in mix.index else 0,
               "points": tp}
        for st in STAGES:
            row[f"stage_schools_{st}"] = ov.loc[st, "schools"] if st in ov.index else 0
            row[f"students_{st}"] = ov.loc[st, "students"] if st in ov.index else 0
            row[f"teachers_{st}"] = ov.loc[st, "teachers"] if st in ov.index else 0
        rows.append(row)
    df = pd.DataFrame(rows)
    if df.empty:
        return df
    df = df.fillna(0)
    total = df.drop(columns="county").sum()
    return pd.concat([df, pd.DataFrame([{"county": TOTAL, **total.to_dict()}])], ignore_index=True)


def city_shortfall(results: Mapping[str, dict]) -> pd.DataFrame:
    """The city's shortfall to the 优质均衡 standards per stage and indicator: the counties' sums.

    Parameters
    ----------
    results : mapping
        County → its results (``results["stages"][stage]["shortfall"]`` is read).

    Returns
    -------
    DataFrame
        ``stage, indicator, resource, unit, amount`` (sum of the counties' shortfall), ``schools``
        (schools short, by stage), ``counties`` (counties with a shortfall), in stage and rule table
        order. Empty (no columns) when no county has a shortfall entry.
    """
    rows = []
    for c, r in results.items():
        for st, s in r["stages"].items():
            for code, v in s.get("shortfall", {}).items():
                rows.append({"stage": st, "indicator": code, "resource": v["resource"], "unit": v["unit"],
                             "amount": v["amount"], "schools": v["schools"], "county": c})
    df = pd.DataFrame(rows)
    if df.empty:
        return df
    g = df.groupby(["stage", "indicator", "resource", "unit"], sort=False).agg(
        amount=("amount", "sum"), schools=("schools", "sum"),
        counties=("amount", lambda x: int((x > 0).sum()))).reset_index()
    order = {**STAGE_ORDER, **{c: i for i, c in enumerate(codes(QUALITY))}}
    return g.sort_values(["stage", "indicator"], key=lambda x: x.map(order)).reset_index(drop=True)


def resource_shortage(results: Mapping[str, dict], shortfall: pd.DataFrame, top: int) -> pd.DataFrame:
    """The resources short in the most counties (then at the most schools), both stages together.

    Parameters
    ----------
    results : mapping
        County → its results (to count the counties short of each indicator).
    shortfall : DataFrame
        :func:`city_shortfall`.
    top : int
        How many resources to keep.

    Returns
    -------
    DataFrame
        At most ``top`` rows, most counties first: ``indicator, resource, unit, amount`` (city total),
        ``schools`` (school × stage rows short), ``counties`` (counties short in either stage). Empty
        when nothing is short.
    """
    cols = ["indicator", "resource", "unit", "amount", "schools", "counties"]
    if not len(shortfall):
        return pd.DataFrame(columns=cols)
    g = shortfall[shortfall["amount"] > 0]
    res = g.groupby(["indicator", "resource", "unit"], sort=False).agg(
        amount=("amount", "sum"), schools=("schools", "sum")).reset_index()
    counties = {code: len({c for c, r in results.items() for st in r["stages"].values()
                           if st.get("shortfall", {}).get(code, {}).get("amount", 0) > 0})
                for code in res["indicator"]}
    res["counties"] = res["indicator"].map(counties)
    return res.sort_values(["counties", "schools"], ascending=False, kind="stable").head(int(top))


def ledger_sums(results: Mapping[str, dict], order: Sequence[str]) -> pd.DataFrame:
    """整改台账 summed per county (each county's ``results["ledger"]``) and the city's total.

    Parameters
    ----------
    results : mapping
        County → its results.
    order : sequence of str
        The counties, in the order of the rows (a county without a result or a ledger too).

    Returns
    -------
    DataFrame
        ``county, items, school_items, county_items, cost, plan_cost`` (NaN without a ledger),
        ``status`` (:data:`JUDGED`, or :data:`NOT_GENERATED` without a ledger); the last row
        :data:`TOTAL`, the sum of the counties with a ledger.
    """
    rows = []
    for c in order:
        led = (results.get(c) or {}).get("ledger")
        rows.append({"county": c, **(led or {}), "status": JUDGED if led else NOT_GENERATED})
    d = pd.DataFrame(rows, columns=["county", *LEDGER_COLUMNS, "status"])
    tot = d[d["status"] == JUDGED][LEDGER_COLUMNS].sum()
    return pd.concat([d, pd.DataFrame([{"county": TOTAL, **tot.to_dict(), "status": JUDGED}])], ignore_index=True)


def evaluated_trend(trend: pd.DataFrame | None, counties) -> pd.DataFrame:
    """The CV trend of the given counties only (those with a current result).

    Parameters
    ----------
    trend : DataFrame or None
        :func:`junheng_lib.analysis.trends.cv_trend` of the data.
    counties : iterable of str

    Returns
    -------
    DataFrame
        The rows of ``trend`` (same columns) of those counties; empty (no columns) without a trend.
    """
    if trend is None or trend.empty:
        return pd.DataFrame()
    return trend[trend["county"].isin(list(counties))]


def composite_trend(trend: pd.DataFrame, order: Sequence[str]) -> pd.DataFrame | None:
    """综合差异系数 per county and stage, one column per year.

    Parameters
    ----------
    trend : DataFrame
        The CV trend (:func:`evaluated_trend`).
    order : sequence of str
        The counties to keep, in the order of the rows.

    Returns
    -------
    DataFrame or None
        ``county, stage``, then one column per year (named by the year as a string, earliest first)
        with the CV (NaN where the county has none); rows by ``order``, then stage. None when the
        trend has no 综合差异系数.
    """
    if trend.empty:
        return None
    t = trend[trend["indicator"] == "composite"]
    if t.empty:
        return None
    w = t.pivot_table(index=["county", "stage"], columns="year", values="cv", sort=False)
    years = sorted(w.columns)
    pos = {c: i for i, c in enumerate(order)}
    w = w.reset_index()
    w = w[w["county"].isin(pos)].sort_values(["county", "stage"], kind="stable", key=lambda s: s.map(
        pos if s.name == "county" else STAGE_ORDER))
    w.columns = [str(c) for c in w.columns]
    return w[["county", "stage", *(str(y) for y in years)]]


def projected_warnings(results: Mapping[str, dict], counties: Sequence[str] | None = None) -> pd.DataFrame:
    """The counties' projected warnings (each county's ``results["outlook"]["warnings"]``).

    Parameters
    ----------
    results : mapping
        County → its results.
    counties : sequence of str, optional
        The counties in data order (default: the order of ``results``).

    Returns
    -------
    DataFrame
        One row per warning, earliest year first, then the counties in data order, the stages and
        the kinds in the rule table's order (``[outlook.warning]``): the warning's own fields (``year,
        stage, kind, indicator, base_value, value, limit, schools`` …) and ``county``. Empty (columns
        ``year, county, stage, kind, indicator``) when no county has one.
    """
    order = {c: i for i, c in enumerate(counties or list(results))}
    rows = []
    for c, r in results.items():
        for w in (r.get("outlook") or {}).get("warnings", []):
            rows.append({**w, "county": c})
    if not rows:
        return pd.DataFrame(columns=["year", "county", "stage", "kind", "indicator"])
    w = pd.DataFrame(rows)
    w = w.assign(_c=w["county"].map(order), _s=w["stage"].map(STAGE_ORDER),
                 _k=w["kind"].map(list(RULES["outlook"]["warning"]).index))
    w = w.sort_values(["year", "_c", "_s", "_k"], kind="stable").reset_index(drop=True)
    return w.drop(columns=["_c", "_s", "_k"])


#: the columns of :func:`group_summary`
GROUP_COLUMNS = ["group", "counties", "judged", "not_generated", "basic_passed", "basic_failed", "quality_passed",
                 *[f"composite_{st}" for st in STAGES], "best", "rank"]


def group_summary(summary: pd.DataFrame, group_of: Mapping[str, str], order: Sequence[str] | None = None) -> pd.DataFrame:
    """The counties of :func:`county_summary` by city (of a province's roll-up) or province (of the
    nation's): one row per group in ``order`` (default: as the groups first appear in ``group_of``).

    Returns ``group``; ``counties`` (of the year), ``judged`` (with a current result and a school
    in scope), ``not_generated``; ``basic_passed``/``basic_failed`` (counties whose every stage's
    综合差异系数 meets its limit / not), ``quality_passed`` (counties meeting 优质均衡's resource
    conditions); ``composite_<stage>`` (the mean over the judged counties of their 综合差异系数, NaN
    without one); ``best`` (the group's best-ranked county); ``rank`` (Int64: by the share of judged
    counties reaching 基本均衡, then the mean of the stages' means, lower first; NA when none judged).
    """
    s = summary.assign(group=summary["county"].map(group_of))
    groups = list(order) if order is not None else list(dict.fromkeys(group_of[c] for c in group_of))
    rows = []
    for g in groups:
        d = s[s["group"] == g]
        j = d[d["status"] == JUDGED]
        row = {"group": g, "counties": len(d), "judged": len(j), "not_generated": int((d["status"] == NOT_GENERATED).sum()),
               "basic_passed": int((j["basic_passed"] == True).sum()),       # noqa: E712 (None is neither)
               "basic_failed": int((j["basic_passed"] == False).sum()),      # noqa: E712
               "quality_passed": int((j["quality_passed"] == True).sum())}  # noqa: E712
        for st in STAGES:
            v = j[f"composite_{st}"].astype(float).dropna()
            row[f"composite_{st}"] = float(v.mean()) if len(v) else np.nan
        ranked = j.dropna(subset=["rank"])
        row["best"] = str(ranked.sort_values("rank", kind="stable")["county"].iloc[0]) if len(ranked) else ""
        rows.append(row)
    out = pd.DataFrame(rows, columns=GROUP_COLUMNS[:-1])
    share = out["basic_passed"] / out["judged"].where(out["judged"] > 0)
    mean = out[[f"composite_{st}" for st in STAGES]].mean(axis=1)
    key = list(zip(-share.fillna(-1), mean.fillna(np.inf)))
    out["rank"] = pd.array([1 + sum(k < key[i] for k in key) if out["judged"].iloc[i] else pd.NA
                            for i in range(len(out))], dtype="Int64")
    out["_k"] = key
    return out.sort_values(["rank", "_k"], kind="stable", na_position="last").drop(columns="_k").reset_index(drop=True)
