"""The 省定办学基本标准 checklist per school × stage (condition 1 of 基本均衡, working-records.md §1).

Which rows: the values table's rows in 基本均衡's scope under the evaluation's options
(``in_basic``: teaching points out by default, merged into their central school with ``merge``), each
school × stage checked with that stage's values — a multi-stage school's school-level resources are
split between its stages by student weights, as for the indicators.

Per item: a ``>=`` item is met when value ≥ threshold (share = value ÷ threshold), a ``<=`` item when
value ≤ threshold (share = threshold ÷ value), both with the rule table's tolerance; an undefined
value (no students, no classes, a column not given) is not met and has no share. An item applies to
a stage only when the file gives that stage a threshold; a 城乡分类 override replaces it for
schools of that location. A school × stage passes when met ≥ ``min_met`` (every item when 0) and
every unmet item's share ≥ ``floor_share`` (when given).

Metrics: L1–L8, Y1–Y7 (the values table), ``students``, ``classes`` (the stage's), ``avg_class_size``
(students ÷ classes), ``students_per_teacher`` (students ÷ 专任教师), ``music_rooms``, ``art_rooms``
(school rooms split between stages like every school-level resource).

Examples
--------
A 小学 of 200 pupils with L1 4.2 against "≥ 4.5" (share 4.2 ÷ 4.5 = 93.3 %) and 50 pupils per class
against "≤ 45" (share 45 ÷ 50 = 90 %): both unmet.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from junheng_lib.analysis.coefficients import require_values
from junheng_lib.data.standards import BasicStandard
from junheng_lib.rules.indicators import at_least, within_limit
from junheng_lib.rules.options import Options
from junheng_lib.util.frames import select

__all__ = ["basic_standard", "basic_standard_schools", "standard_metrics", "STANDARD_COLUMNS",
           "STANDARD_SCHOOL_COLUMNS"]

#: columns of :func:`basic_standard` (the table ``basic_standard`` of ``evaluate``)
STANDARD_COLUMNS = ["year", "county", "school_id", "school_name", "stage", "item", "label", "metric", "value",
                    "standard", "met", "share"]
#: columns of :func:`basic_standard_schools` (``junheng standards``)
STANDARD_SCHOOL_COLUMNS = ["year", "county", "school_id", "school_name", "stage", "items", "met", "passed", "unmet"]

_ROOMS = {"music_rooms": "music_rooms", "art_rooms": "art_rooms"}


def _scope(values: pd.DataFrame, year, county) -> pd.DataFrame:
    v = select(require_values(values), year=year, county=county)
    return v[v["in_basic"]].reset_index(drop=True)


def _rooms(v: pd.DataFrame, schools: pd.DataFrame | None, options: Options, col: str) -> np.ndarray:
    """A school-level room count per school × stage row, split by the row's student share; a merged
    row (option ``merge``) counts its teaching points' rooms too."""
    if schools is None or col not in schools:
        return np.full(len(v), np.nan)
    s = schools
    own = s["school_id"].astype(str)
    if options.teaching_points == "merge" and "central_school_id" in s:
        tp = (s["school_type"] == "教学点") & s["central_school_id"].notna()
        target = own.where(~tp, s["central_school_id"].astype(str))
    else:
        target = own
    base = pd.Series(s[col].to_numpy(float), index=pd.MultiIndex.from_arrays([s["year"], own]))
    merged = pd.Series(s[col].to_numpy(float), index=pd.MultiIndex.from_arrays([s["year"], target]))
    merged = merged.groupby(level=[0, 1]).sum(min_count=1)
    key = pd.MultiIndex.from_arrays([v["year"], v["school_id"].astype(str)])
    total = np.where(v["merged"].to_numpy(bool), merged.reindex(key).to_numpy(float),
                     base[~base.index.duplicated()].reindex(key).to_numpy(float))
    return total * v["share"].to_numpy(float)


def standard_metrics(values: pd.DataFrame, schools: pd.DataFrame | None = None,
                     options: Options | None = None) -> pd.DataFrame:
    """The named metrics of a standards file for the rows of ``values`` (same index): ``students``,
    ``classes``, ``avg_class_size``, ``students_per_teacher``, ``music_rooms``, ``art_rooms``."""
    p = values["students"].to_numpy(float)
    cls = values["classes"].to_numpy(float)
    t = values["teachers"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = pd.DataFrame({"students": p, "classes": cls,
                            "avg_class_size": np.where((cls > 0) & (p > 0), p / np.where(cls > 0, cls, 1), np.nan),
                            "students_per_teacher": np.where((t > 0) & (p > 0), p / np.where(t > 0, t, 1), np.nan)},
                           index=values.index)
    for name, col in _ROOMS.items():
        r = _rooms(values, schools, options or Options(), col)
        out[name] = np.where(p > 0, r, np.nan)   # a stage without pupils has no value to check
    return out


def basic_standard(values: pd.DataFrame, standard: BasicStandard, schools: pd.DataFrame | None = None, *,
                   options: Options | None = None, year=None, county=None) -> pd.DataFrame:
    """One row per school × stage × item of the standards file that applies to the stage.

    Parameters
    ----------
    values : DataFrame
        The evaluation's values table (:func:`junheng_lib.analysis.coefficients.values_table`).
    standard : BasicStandard
        :func:`junheng_lib.data.standards.read_standard`.
    schools : DataFrame, optional
        The schools table, for the room metrics (without it they are undefined: not met).
    options : Options
        The evaluation's options (how teaching points are merged, for the rooms).

    Returns
    -------
    DataFrame
        :data:`STANDARD_COLUMNS`: ``value`` the school × stage's metric (NaN when undefined),
        ``standard`` its threshold (with the location override), ``met`` (bool), ``share``
        (value ÷ threshold for ``>=``, threshold ÷ value for ``<=``; NaN when undefined).
    """
    v = _scope(values, year, county)
    extra = standard_metrics(v, schools, options)
    stage = v["stage"].astype(str)
    parts = []
    for item in standard.items:
        th = np.array([item.threshold(st, loc) if item.threshold(st, loc) is not None else np.nan
                       for st, loc in zip(stage, v["location"])], dtype=float)
        applies = ~np.isnan(th)
        x = (v[item.metric] if item.metric in v.columns and item.metric not in extra else extra[item.metric]
             ).to_numpy(float)
        with np.errstate(divide="ignore", invalid="ignore"):
            if item.op == ">=":
                met = at_least(x, th)
                share = x / th
            else:
                met = within_limit(x, th)
                share = np.where(x > 0, th / np.where(x > 0, x, 1), np.where(x == 0, np.inf, np.nan))
        met = met & ~np.isnan(x)
        parts.append(pd.DataFrame({
            "year": v["year"].to_numpy()[applies], "county": v["county"].to_numpy()[applies],
            "school_id": v["school_id"].to_numpy()[applies], "school_name": v["school_name"].to_numpy()[applies],
            "stage": stage.to_numpy()[applies], "item": item.code, "label": item.label, "metric": item.metric,
            "value": x[applies], "standard": th[applies], "met": met[applies].astype(bool),
            "share": np.where(np.isnan(x), np.nan, share)[applies],
            "_row": np.flatnonzero(applies), "_item": len(parts)}))
    if not parts:
        return pd.DataFrame(columns=STANDARD_COLUMNS)
    out = pd.concat(parts, ignore_index=True).sort_values(["_row", "_item"], kind="stable")
    return out[STANDARD_COLUMNS].reset_index(drop=True)


def basic_standard_schools(items: pd.DataFrame, standard: BasicStandard) -> pd.DataFrame:
    """Per school × stage of :func:`basic_standard`: items checked, met, the verdict, the unmet codes.

    ``passed``: met ≥ ``min_met`` (every item when 0) and every unmet item's share ≥ ``floor_share``
    (with the rule table's tolerance; an undefined share fails a floor). ``unmet``: item codes joined
    by "、" in the file's order. Columns :data:`STANDARD_SCHOOL_COLUMNS`.
    """
    if items.empty:
        return pd.DataFrame(columns=STANDARD_SCHOOL_COLUMNS)
    key = ["year", "county", "school_id", "school_name", "stage"]
    d = items.assign(_unmet=~items["met"].astype(bool))
    if standard.floor_share is not None:
        share = d["share"].to_numpy(float)
        d["_below"] = d["_unmet"] & ~(~np.isnan(share) & at_least(np.nan_to_num(share, nan=-1.0), standard.floor_share))
    else:
        d["_below"] = False
    g = d.groupby(key, sort=False)
    out = g.agg(items=("item", "size"), met=("met", "sum"), below=("_below", "sum")).reset_index()
    unmet = d[d["_unmet"]].groupby(key, sort=False)["item"].agg("、".join)
    out["unmet"] = unmet.reindex(pd.MultiIndex.from_frame(out[key])).fillna("").to_numpy()
    need = out["items"] if standard.min_met == 0 else standard.min_met
    out["passed"] = (out["met"] >= need) & (out["below"] == 0)
    out["met"] = out["met"].astype(int)
    return out[STANDARD_SCHOOL_COLUMNS].reset_index(drop=True)

