"""Class and school size: class-size bands, standard-class share, schools over the size limits,
music/art rooms per 12 classes, and the class and place shortfalls to reach standard class sizes.

Bands (rule table ``[class_size]``): 标准班额 ≤ 45 (小学) / 50 (初中), 偏大班额 up to 55,
大班额 56–65, 超大班额 66 and more.

The classes table is reconciled with the schools table per school × stage
(:func:`class_reconciliation`): the class sizes must add up to the stage's students, and the number
of classes must equal the schools table's 班数 where it is given. Class sizes that do not add up
cannot be told apart from classes that do not exist, so the class-size analysis (bands, place
shortfall, 政府保障 item 5) uses only the school-stages where both tables agree, and lists the others
with both figures; a county whose classes all agree but where some school-stage does not cannot be
declared free of oversize classes. Only county-years the classes table covers are reconciled.

Examples
--------
A 小学 with classes of 44, 46, 57 and 70: one standard class (25 %), one 偏大, one 大班额, one
超大班额; to bring all to 45 it needs ⌈217 / 45⌉ − 4 = 1 more class, so 1 × 45 = 45 places are missing
(学位缺额); 1 + 12 + 25 = 38 pupils sit above the standard size.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from junheng_lib.analysis.coefficients import require_values
from junheng_lib.rules.indicators import RULES, STAGE_ORDER, at_least, within_limit
from junheng_lib.util.frames import select

__all__ = ["class_bands", "class_shortfall", "class_reconciliation", "class_size_summary", "school_size",
           "special_rooms", "band_of", "RECONCILIATION_COLUMNS"]

#: columns of :func:`class_reconciliation`
RECONCILIATION_COLUMNS = ["year", "county", "school_id", "school_name", "stage", "students", "classes",
                          "table_students", "table_classes", "note"]
_STAGE_SUFFIX = {"小学": "primary", "初中": "junior"}

_BANDS = RULES["class_size"]["band_labels"]


def _std_size(stage) -> pd.Series | float:
    m = {s: float(v) for s, v in RULES["class_size"]["standard"].items()}
    return stage.map(m) if isinstance(stage, pd.Series) else m[stage]


def band_of(size: pd.Series, stage: pd.Series) -> pd.Series:
    """Band label of each class (vectorized)."""
    std = _std_size(stage.astype(str)).to_numpy(float)
    s = size.to_numpy(float)
    cs = RULES["class_size"]   # bounds compared with the rule table's tolerance, as every standard
    idx = np.select([within_limit(s, std), ~at_least(s, cs["large_from"]), ~at_least(s, cs["huge_from"])],
                    [0, 1, 2], default=3)
    return pd.Series(np.array(_BANDS, dtype=object)[idx], index=size.index)


def _school_stages_long(schools: pd.DataFrame) -> pd.DataFrame:
    """Per school × stage of the schools table: students and 班数 (stages with either), no scope."""
    long = pd.concat([pd.DataFrame({"year": schools["year"].to_numpy(), "county": schools["county"].to_numpy(),
                                    "school_id": schools["school_id"].to_numpy(),
                                    "school_name": schools["school_name"].to_numpy(),
                                    "stage": st, "students": schools[f"students_{suf}"].to_numpy(float),
                                    "classes": schools[f"classes_{suf}"].to_numpy(float)})
                      for st, suf in _STAGE_SUFFIX.items()], ignore_index=True)
    return long[(long["students"] > 0) | (long["classes"] > 0)]


def _reconcile(classes: pd.DataFrame, long: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(class rows of the school-stages where both tables agree, with ``county``; one row per school ×
    stage of the county-years the classes table covers, with both tables' figures and ``agree``).

    ``long``: the school × stage rows to reconcile (``year, county, school_id, school_name, stage,
    students, classes``) — from the schools table or from the values table of an evaluation.
    """
    key = ["year", "school_id", "stage"]
    names = long[["year", "school_id", "county", "school_name"]].drop_duplicates(["year", "school_id"])
    c = classes[["year", "school_id", "stage", "class_size"]].astype({"stage": str}).merge(
        names[["year", "school_id", "county"]], on=["year", "school_id"], how="inner")
    covered = c[["year", "county"]].drop_duplicates()
    long = long.astype({"stage": str}).merge(covered, on=["year", "county"], how="inner")
    agg = c.groupby(key).agg(table_classes=("class_size", "size"), table_students=("class_size", "sum")).reset_index()
    m = long.merge(agg, on=key, how="outer")
    lone = m["county"].isna()  # classes of a stage the schools table has no students or classes in
    if lone.any():
        m.loc[lone, ["county", "school_name"]] = m.loc[lone, ["year", "school_id"]].merge(
            names, on=["year", "school_id"], how="left")[["county", "school_name"]].to_numpy()
    m[["students", "table_classes", "table_students"]] = m[["students", "table_classes", "table_students"]].fillna(0)
    m["agree"] = (m["table_students"] == m["students"]) & (m["classes"].isna() | (m["table_classes"] == m["classes"]))
    ok = c.merge(m.loc[m["agree"], key], on=key, how="inner")
    return ok, m


def class_reconciliation(classes: pd.DataFrame | None, schools: pd.DataFrame, *, year=None, county=None
                         ) -> pd.DataFrame:
    """The school-stages where the classes table and the schools table differ.

    Per school × stage (of the county-years the classes table covers): the classes table's number
    of classes and sum of class sizes against the schools table's 班数 (where given) and students.

    Returns
    -------
    DataFrame
        :data:`RECONCILIATION_COLUMNS`: ``students`` and ``classes`` from the schools table,
        ``table_students`` and ``table_classes`` from the classes table, ``note`` saying how they
        differ (Chinese). Empty when they agree everywhere or there is no classes table.

    Examples
    --------
    A 小学 of 217 students in 4 classes whose class sizes 44, 46, 57 and 80 add up to 227: listed
    (班额合计227人，在校生217人), and left out of the bands and the place shortfall.
    """
    if classes is None or classes.empty:
        return pd.DataFrame(columns=RECONCILIATION_COLUMNS)
    _, m = _reconcile(classes, _school_stages_long(select(schools, year=year, county=county)))
    d = m[~m["agree"]].copy()
    if d.empty:
        return pd.DataFrame(columns=RECONCILIATION_COLUMNS)
    notes = []
    for r in d.itertuples():  # only the school-stages that differ
        parts = []
        if r.table_classes == 0:
            parts.append(f"班级表中没有该校{r.stage}的班级")
        else:
            if r.table_students != r.students:
                parts.append(f"班级表班额合计{int(r.table_students)}人，学校表{r.stage}在校生{int(r.students)}人")
            if not np.isnan(r.classes) and r.table_classes != r.classes:
                parts.append(f"班级表{int(r.table_classes)}个班，学校表{r.stage}班数{int(r.classes)}个")
        notes.append("；".join(parts))
    d["note"] = notes
    d = d.astype({"students": "Int64", "classes": "Int64", "table_students": "int64", "table_classes": "int64"})
    d = d.sort_values(["year", "county", "school_id", "stage"], key=lambda x: x.map(STAGE_ORDER) if x.name == "stage"
                      else x, kind="stable")
    return d[RECONCILIATION_COLUMNS].reset_index(drop=True)


def class_size_summary(classes: pd.DataFrame | None, schools: pd.DataFrame, *, year=None, county=None
                       ) -> pd.DataFrame:
    """Per county-year the classes table covers: ``classes`` counted (school-stages where both
    tables agree), ``over_standard`` (of those, above the standard size) and ``unreconciled``
    (school-stages left out because the tables differ) — 政府保障 item 5."""
    cols = ["year", "county", "classes", "over_standard", "unreconciled"]
    if classes is None or classes.empty:
        return pd.DataFrame(columns=cols)
    ok, m = _reconcile(classes, _school_stages_long(select(schools, year=year, county=county)))
    over = ok.assign(over=ok["class_size"] > _std_size(ok["stage"])).groupby(["year", "county"]).agg(
        classes=("over", "size"), over_standard=("over", "sum"))
    unrec = (~m["agree"]).groupby([m["year"], m["county"]]).sum().rename("unreconciled")
    out = pd.concat([over, unrec], axis=1).fillna(0).astype("int64").reset_index()
    return out[cols]


def class_bands(classes: pd.DataFrame | None, schools: pd.DataFrame, *, year=None, county=None) -> pd.DataFrame:
    """Classes per band and stage, per county and year, with the standard-class share.

    Only the school-stages where the classes table agrees with the schools table are counted
    (:func:`class_reconciliation` lists the others).

    Returns
    -------
    DataFrame
        ``year, county, stage, classes, 标准班额, 偏大班额, 大班额, 超大班额, standard_share,
        large_share`` (大班额 + 超大班额 share), ``max_size``, ``unreconciled`` (school-stages left
        out). Empty when there is no classes table.
    """
    cols = ["year", "county", "stage", "classes", *_BANDS, "standard_share", "large_share", "max_size", "unreconciled"]
    if classes is None or classes.empty:
        return pd.DataFrame(columns=cols)
    c, m = _reconcile(classes, _school_stages_long(select(schools, year=year, county=county)))
    if c.empty:
        return pd.DataFrame(columns=cols)
    c = c.assign(band=band_of(c["class_size"], c["stage"]))
    tab = pd.crosstab([c["year"], c["county"], c["stage"]], c["band"]).reindex(columns=_BANDS, fill_value=0)
    tab.columns.name = None
    tab.insert(0, "classes", tab.sum(axis=1))
    tab["standard_share"] = tab[_BANDS[0]] / tab["classes"]
    tab["large_share"] = (tab[_BANDS[2]] + tab[_BANDS[3]]) / tab["classes"]
    tab["max_size"] = c.groupby(["year", "county", "stage"])["class_size"].max()
    tab["unreconciled"] = (~m["agree"]).groupby([m["year"], m["county"], m["stage"]]).sum().reindex(
        tab.index, fill_value=0).astype("int64")
    out = tab.reset_index()[cols]
    return out.sort_values(["year", "county", "stage"], key=lambda s: s.map(STAGE_ORDER) if s.name == "stage" else s,
                           kind="stable").reset_index(drop=True)


def class_shortfall(classes: pd.DataFrame | None, values: pd.DataFrame, *, year=None, county=None) -> pd.DataFrame:
    """Per school × stage: classes and places missing to bring every class to the standard size.

    As the bureaus count them ("教学班缺额177班", "学位缺额8,400个"; working-records.md §3):
    ``classes_needed = ⌈students / standard size⌉``; ``class_shortfall = max(0, needed − classes)``;
    ``place_shortfall = class_shortfall × standard size`` (the 学位缺额). ``pupils_over_standard`` =
    Σ over classes of max(0, size − standard) (students above the standard sizes, from the classes
    table). Class counts come from the classes table where it agrees with the schools table
    (``reconciled``), otherwise from the schools table (``classes_*``; ``pupils_over_standard``,
    ``large_classes`` and ``max_size`` are then empty). ``values``: the evaluation's values table
    (each school's own rows; a merged 基本均衡 view is not a school of its own).
    """
    st = select(require_values(values, []), year=year, county=county)
    st = st[(st["students"] > 0) & ~st["merged"]].copy()
    st["stage"] = st["stage"].astype(str)
    std = _std_size(st["stage"])
    out = st[["year", "county", "school_id", "school_name", "stage", "students"]].copy()
    out["standard_size"] = std.to_numpy()
    key = ["year", "school_id", "stage"]
    declared = st["classes"].to_numpy()
    if classes is not None and not classes.empty:
        c, _ = _reconcile(classes, st[["year", "county", "school_id", "school_name", "stage", "students", "classes"]])
        c = c.assign(over=np.maximum(c["class_size"] - _std_size(c["stage"]), 0),
                     big=at_least(c["class_size"], RULES["class_size"]["large_from"]))
        agg = c.groupby(key).agg(classes=("class_size", "size"), pupils_over_standard=("over", "sum"),
                                 large_classes=("big", "sum"), max_size=("class_size", "max"))
        out = out.merge(agg, left_on=key, right_index=True, how="left")
        out["reconciled"] = out["classes"].notna()
        out["classes"] = out["classes"].where(out["reconciled"], declared)
    else:
        out["classes"] = declared
        out["pupils_over_standard"] = np.nan
        out["large_classes"] = np.nan
        out["max_size"] = np.nan
        out["reconciled"] = False
    out["classes_needed"] = np.ceil(out["students"] / out["standard_size"] - 1e-9)
    out["class_shortfall"] = np.maximum(out["classes_needed"] - out["classes"], 0)
    out["place_shortfall"] = out["class_shortfall"] * out["standard_size"]
    out["avg_size"] = out["students"] / out["classes"].where(out["classes"] > 0)
    return out.reset_index(drop=True)


def _sized_schools(schools: pd.DataFrame, year, county) -> pd.DataFrame:
    """Public, county-run schools of a type with a size limit (items 3 and 4 of 政府保障)."""
    s = select(schools, year=year, county=county)
    return s[s["school_type"].isin(list(RULES["school_size"]["limit"])) & s["ownership"].isin(RULES["scope"]["ownership"])
             & s["affiliation"].isin(RULES["scope"]["affiliation"])]


def school_size(schools: pd.DataFrame, *, year=None, county=None) -> pd.DataFrame:
    """Compulsory students per school against the size limit of its type (2000 / 2500).

    Returns ``year, county, school_id, school_name, school_type, students, limit, over``, one row
    per public county-run school whose type has a limit (teaching points and special schools have
    none).
    """
    limits = {k: float(v) for k, v in RULES["school_size"]["limit"].items()}
    s = _sized_schools(schools, year, county)
    out = s[["year", "county", "school_id", "school_name", "school_type"]].copy()
    out["students"] = (s["students_primary"] + s["students_junior"]).to_numpy()
    out["limit"] = s["school_type"].map(limits).to_numpy()
    out["over"] = ~within_limit(out["students"], out["limit"]) & out["limit"].notna()
    return out.reset_index(drop=True)


def special_rooms(schools: pd.DataFrame, *, year=None, county=None) -> pd.DataFrame:
    """Music and art rooms per 12 classes and their area per room (item 3 of 政府保障).

    Per school: rooms needed = ⌈classes / 12⌉ each; ``music_ok`` when there are enough music rooms
    of at least 96 ㎡ on average, ``art_ok`` likewise with 90 ㎡; ``passed`` = both. Rows where the
    school table lacks the room columns have ``passed`` None (未提供).
    """
    s = _sized_schools(schools, year, county)
    r = RULES["rooms"]
    out = s[["year", "county", "school_id", "school_name"]].copy()
    classes = (s["classes_primary"].fillna(0) + s["classes_junior"].fillna(0)).to_numpy()
    out["classes"] = classes
    out["rooms_needed"] = np.ceil(classes / r["classes_per_room"])
    for kind, area in (("music", r["music_area"]), ("art", r["art_area"])):
        rooms = s[f"{kind}_rooms"].to_numpy(float)
        total = s[f"{kind}_room_area_m2"].to_numpy(float)
        out[f"{kind}_rooms"] = rooms
        with np.errstate(invalid="ignore", divide="ignore"):
            out[f"{kind}_area_per_room"] = np.where(rooms > 0, total / rooms, np.nan)
        ok = (rooms >= out["rooms_needed"].to_numpy()) & ((rooms == 0) | (total / np.where(rooms > 0, rooms, 1)
                                                                           >= area))
        out[f"{kind}_ok"] = pd.Series(ok, index=out.index).where(~(np.isnan(rooms) | np.isnan(total)))
    known = out["music_ok"].notna() & out["art_ok"].notna()
    out["passed"] = (out["music_ok"].fillna(False).astype(bool) & out["art_ok"].fillna(False).astype(bool)).astype(
        object).where(known, None)
    return out.reset_index(drop=True)


