"""The official coefficients and per-school compliance, as tidy DataFrames.

Pure computation on **the values table**: the school × stage rows of :func:`values_table` (scope
flags, split resources and the value of every indicator), built once per evaluation from a validated
schools table. Every analysis takes that table; none re-expands schools. Results have fixed,
documented columns at full precision; rounding is for display only.

Examples
--------
>>> from junheng_lib import read_schools, values_table, coefficients
>>> schools = read_schools("data/sample/schools.csv")                 # doctest: +SKIP
>>> v = values_table(schools)                                         # doctest: +SKIP
>>> coefficients(v, year=2024, county="东湖区")                        # doctest: +SKIP
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from junheng_lib.analysis.measures import grouped_weighted_cv
from junheng_lib.analysis.stages import school_stages
from junheng_lib.data.schema import LOCATIONS
from junheng_lib.rules.indicators import (
    BASIC,
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

__all__ = ["values_table", "indicator_values", "require_values", "coefficients", "compliance",
           "COEFFICIENT_COLUMNS", "COMPLIANCE_COLUMNS"]

#: the CLI contract of ``junheng coefficients``
COEFFICIENT_COLUMNS = ["year", "county", "stage", "standard", "indicator", "mean", "cv", "limit", "passed"]
#: the CLI contract of ``junheng compliance`` (plus ``unmet``, ``min_ratio``)
COMPLIANCE_COLUMNS = ["year", "county", "school_id", "school_name", "stage", *codes(QUALITY), "met", "passed"]

_KEYS = ["year", "county", "stage"]


def values_table(schools: pd.DataFrame, options: Options | None = None) -> pd.DataFrame:
    """The values table of an evaluation: school × stage rows with every indicator's value.

    The one expansion of a schools table (:func:`junheng_lib.analysis.stages.school_stages`) followed by
    :func:`indicator_values`; every analysis takes its result.
    """
    out = indicator_values(school_stages(schools, options or Options()))
    out.attrs = dict(schools.attrs)
    return out


def require_values(values: pd.DataFrame, codes_: list[str] | None = None) -> pd.DataFrame:
    """Check that a table is a values table (from :func:`values_table`); raise TypeError otherwise."""
    need = ["stage", "students", "in_basic", "in_quality", *(codes_ or list(INDICATORS.index))]
    missing = [c for c in need if c not in values.columns]
    if missing:
        raise TypeError("expected the values table of junheng_lib.analysis.coefficients.values_table(schools, options); "
                        f"missing columns: {missing}")
    return values


def indicator_values(stages: pd.DataFrame, *, standard: str | None = None) -> pd.DataFrame:
    """Per school × stage value of every indicator (wide: one column per code).

    ``value = scale × numerator / students``; NaN where the stage has no students.

    Parameters
    ----------
    stages : DataFrame
        The output of :func:`junheng_lib.analysis.stages.school_stages`.
    standard : {"basic", "quality"}, optional
        Only that standard's indicators (default: all 15).

    Returns
    -------
    DataFrame
        The school × stage table with columns L1…L8 / Y1…Y7 added.

    Examples
    --------
    A 小学 of 200 students with 1000 ㎡ of teaching rooms (100 ㎡ of them indoor sports):
    L1 = (1000 − 100) / 200 = 4.5.
    """
    st = stages.drop(columns=[c for c in INDICATORS.index if c in stages.columns])
    table = INDICATORS if standard is None else INDICATORS[INDICATORS["standard"] == standard]
    p = st["students"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        p_safe = np.where(p > 0, p, np.nan)
        vals = {code: row["scale"] * st[row["numerator"]].to_numpy(float) / p_safe for code, row in table.iterrows()}
    return pd.concat([st, pd.DataFrame(vals, index=st.index)], axis=1)


def _grouped(values: pd.DataFrame, cols: list[str]) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, np.ndarray]:
    grouped = values.groupby(_KEYS, observed=True, sort=True)
    keys = grouped.size().reset_index(name="n_schools")
    codes_ = grouped.ngroup().to_numpy()
    mean, _, cv = grouped_weighted_cv(codes_, values[cols].to_numpy(float), values["students"].to_numpy(float),
                                      len(keys))
    students = np.bincount(codes_, weights=values["students"].to_numpy(float), minlength=len(keys))
    n_live = np.bincount(codes_, weights=(values["students"].to_numpy(float) > 0).astype(float), minlength=len(keys))
    keys["students"] = students
    keys["n_schools"] = n_live.astype(int)
    return keys, mean, cv, students


def _note(students: np.ndarray, n: np.ndarray, mean: np.ndarray) -> np.ndarray:
    return np.select([students <= 0, mean == 0, n == 1],
                     ["该学段无在校生，平均值和差异系数无定义", "全县平均值为0，差异系数无定义", "仅1所学校，差异系数为0"],
                     default="")


def coefficients(values: pd.DataFrame, *, year: int | None = None,
                 county: str | list[str] | None = None) -> pd.DataFrame:
    """全县平均值 and 差异系数 of L1–L8 (with the 综合差异系数) and Y1–Y7, with verdicts.

    Per year × county × stage: ``X̄ = Σ PᵢXᵢ / Σ Pᵢ`` and the student-weighted population
    ``CV = sqrt(Σ (Pᵢ/P)(Xᵢ − X̄)²) / X̄`` over the schools in scope. The 综合差异系数 is the
    mean of the 8 unrounded basic CVs, passed when ≤ 0.65 (小学) / 0.55 (初中); each quality CV
    passes when ≤ 0.50 / 0.45. Limits come from the rule table.

    Parameters
    ----------
    values : DataFrame
        The values table (:func:`values_table`).
    year, county : optional filters.

    Returns
    -------
    DataFrame
        Columns ``year, county, stage, standard, indicator, mean, cv, limit, passed`` (the CLI
        contract) plus ``n_schools``, ``students`` and ``note``. One row per year × county × stage
        × indicator, in published order (L1…L8, composite, Y1…Y7). ``mean`` is NaN for the
        composite; ``limit``/``passed`` are empty (NaN/None) for L1–L8. Undefined cases are
        explicit: a stage with no students or a zero mean gives ``cv`` NaN, ``passed`` None and a
        ``note``; one school gives CV 0 (with a note).

    Examples
    --------
    Two 小学 of 100 and 300 students with 4 and 8 books per student: X̄ = 7,
    S = sqrt(0.25·9 + 0.75·1) = sqrt(3), CV = 0.2474.
    """
    vals = select(require_values(values), year=year, county=county)
    parts = []
    for standard in (BASIC, QUALITY):
        cols = codes(standard)
        scope = vals.loc[vals["in_basic" if standard == BASIC else "in_quality"], [*_KEYS, "students", *cols]]
        keys, mean, cv, students = _grouped(scope, cols)
        n = keys["n_schools"].to_numpy()
        for j, code in enumerate(cols):
            part = keys.copy()
            part["standard"] = standard
            part["indicator"] = code
            part["mean"] = mean[:, j]
            part["cv"] = cv[:, j]
            part["note"] = _note(students, n, mean[:, j])
            parts.append(part)
        if standard == BASIC:
            comp = keys.copy()
            comp["standard"] = BASIC
            comp["indicator"] = "composite"
            comp["mean"] = np.nan
            comp["cv"] = cv.mean(axis=1)  # NaN if any single CV is undefined
            undefined = np.isnan(cv).any(axis=1)
            comp["note"] = np.where(undefined, "有单项差异系数无定义，综合差异系数无法计算", _note(students, n, np.ones(len(keys))))
            parts.append(comp)
    out = pd.concat(parts, ignore_index=True)
    is_limit = (out["indicator"] == "composite") | (out["standard"] == QUALITY)
    stage_code = pd.Categorical(out["stage"].astype(str), categories=list(STAGES)).codes
    basic_lim = np.array([cv_limit(BASIC, st) for st in STAGES])[stage_code]
    quality_lim = np.array([cv_limit(QUALITY, st) for st in STAGES])[stage_code]
    out["limit"] = np.where(is_limit, np.where(out["standard"] == BASIC, basic_lim, quality_lim), np.nan)
    ok = within_limit(out["cv"], out["limit"])
    out["passed"] = pd.Series(np.where(ok, True, False), dtype=object).where(is_limit & out["cv"].notna(), None)
    ind = pd.Categorical(out["indicator"], categories=[*codes(BASIC), "composite", *codes(QUALITY)]).codes
    order = np.lexsort((ind, stage_code, pd.factorize(out["county"])[0], out["year"].to_numpy()))
    out = out.take(order)
    out["stage"] = out["stage"].astype(str)
    return out[COEFFICIENT_COLUMNS + ["n_schools", "students", "note"]].reset_index(drop=True)


def _unmet_labels(q: tuple[str, ...]) -> dict[int, str]:
    """Bit pattern of unmet standards → "Y4、Y7" (a lookup table instead of a per-school join)."""
    return {b: "、".join(c for j, c in enumerate(q) if b >> j & 1) for b in range(1 << len(q))}


def compliance(values: pd.DataFrame, *, year: int | None = None,
               county: str | list[str] | None = None) -> pd.DataFrame:
    """Per school × stage: the 7 优质均衡 values, standards met and the "≥ 6 met, rest ≥ 85%" verdict.

    Parameters
    ----------
    values : DataFrame
        The values table (:func:`values_table`).
    year, county : optional filters.

    Returns
    -------
    DataFrame
        Columns ``year, county, school_id, school_name, stage, Y1…Y7, met, passed`` (the CLI
        contract) plus ``unmet`` (codes below standard, joined by "、"), ``min_ratio`` (lowest
        value ÷ standard), ``students``, ``school_type`` and ``location``. Only school × stage
        rows in 优质均衡's scope with students. ``passed`` is True when at least ``min_met`` (6)
        standards are met and every unmet value is ≥ ``floor_share`` (85%) of its standard.

    Examples
    --------
    A 小学 meeting Y1–Y6 with Y7 at 2.0 per 100 (87% of 2.3): met 6, passed True; at 1.9
    (82.6%): passed False.
    """
    q = codes(QUALITY)
    vals = select(require_values(values, q), year=year, county=county)
    keep_cols = ["year", "county", "school_id", "school_name", "stage", "students", "school_type", "location", *q]
    vals = vals.loc[vals["in_quality"] & (vals["students"] > 0), keep_cols]
    junior = (vals["stage"].astype(str) == STAGES[1]).to_numpy()
    std = np.column_stack([np.where(junior, standard_value(c, STAGES[1]), standard_value(c, STAGES[0])) for c in q])
    v = vals[q].to_numpy(float)
    ratio = v / std
    met = at_least(v, std)
    vals["met"] = met.sum(axis=1).astype(int)
    vals["min_ratio"] = ratio.min(axis=1) if len(vals) else np.array([])
    floor_ok = at_least(np.where(met, np.inf, ratio), RULES["quality"]["floor_share"]).all(axis=1)
    vals["passed"] = (vals["met"] >= RULES["quality"]["min_met"]) & floor_ok
    bits = (~met).astype(np.int64) @ (1 << np.arange(len(q)))
    vals["unmet"] = pd.Series(bits, index=vals.index).map(_unmet_labels(tuple(q)))
    vals["stage"] = vals["stage"].astype(str)
    cols = COMPLIANCE_COLUMNS + ["unmet", "min_ratio", "students", "school_type", "location"]
    return vals[cols].reset_index(drop=True)


def cv_contributions(values: pd.DataFrame, *, county: str, year: int, stage: str, indicator: str,
                     top: int | None = None) -> pd.DataFrame:
    """Which schools make a CV large: each school's share of the weighted variance.

    ``share_i = (Pᵢ/P)(Xᵢ − X̄)² / S²`` (shares sum to 1); ``direction`` says whether the school is
    above or below the county mean.

    Returns
    -------
    DataFrame
        ``school_id, school_name, students, value, mean, deviation, share, direction``, largest
        share first (the first ``top`` rows when given).
    """
    std = INDICATORS.loc[indicator, "standard"]
    v = require_values(values, [indicator])
    v = v[(v["county"] == county) & (v["year"] == int(year)) & (v["stage"].astype(str) == stage)
          & v["in_basic" if std == BASIC else "in_quality"] & (v["students"] > 0)]
    x, w = v[indicator].to_numpy(float), v["students"].to_numpy(float)
    p = w.sum()
    mean = float((w * x).sum() / p) if p > 0 else np.nan
    dev2 = w / p * (x - mean) ** 2
    total = dev2.sum()
    out = pd.DataFrame({"school_id": v["school_id"].to_numpy(), "school_name": v["school_name"].to_numpy(),
                        "students": w, "value": x, "mean": mean, "deviation": x - mean,
                        "share": dev2 / total if total > 0 else 0.0,
                        "direction": np.where(x >= mean, "高于均值", "低于均值")})
    out = out.sort_values("share", ascending=False, kind="stable").reset_index(drop=True)
    return out.head(top) if top else out


__all__ += ["cv_contributions"]


def staffing(values: pd.DataFrame, *, year=None, county=None, by_location: bool = False) -> pd.DataFrame:
    """师资配置 per county × stage (optionally × 城乡): students per teacher against the staffing
    standard (编制标准 19 / 13.5 from the rule table), shares of teachers above degree and with 中级+
    titles, and backbone and PE/art teachers per 100 students. Schools in 基本均衡's scope.

    Returns ``year, county, stage, [location,] students, teachers, students_per_teacher,
    staffing_standard, above_degree_share, mid_title_share, backbone_per_100, pe_art_per_100``.
    """
    st = select(require_values(values, []), year=year, county=county)
    st = st[st["in_basic"] & (st["students"] > 0)].copy()
    st["stage"] = st["stage"].astype(str)
    keys = ["year", "county", "stage"] + (["location"] if by_location else [])
    g = st.groupby(keys)[["students", "teachers", "above_degree", "mid_title", "backbone", "pe_art"]].sum()
    out = pd.DataFrame({"students": g["students"], "teachers": g["teachers"]})
    out["students_per_teacher"] = g["students"] / g["teachers"]
    out["staffing_standard"] = [float(RULES["staffing"][k[2]]) for k in g.index]
    out["above_degree_share"] = g["above_degree"] / g["teachers"]
    out["mid_title_share"] = g["mid_title"] / g["teachers"]
    out["backbone_per_100"] = 100 * g["backbone"] / g["students"]
    out["pe_art_per_100"] = 100 * g["pe_art"] / g["students"]
    out = out.reset_index()
    rank = {**STAGE_ORDER, **{loc: i for i, loc in enumerate(LOCATIONS)}}
    return out.sort_values(keys, key=lambda s: s.map(rank) if s.name in ("stage", "location") else s).reset_index(
        drop=True)


__all__ += ["staffing"]
