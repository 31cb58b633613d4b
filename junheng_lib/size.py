"""Class and school size: class-size bands, standard-class share, schools over the size limits,
music/art rooms per 12 classes, and the class and place shortfalls to reach standard class sizes.

Bands (rule table ``[class_size]``): 标准班额 ≤ 45 (小学) / 50 (初中), 偏大班额 up to 55,
大班额 56–65, 超大班额 66 and more.

Examples
--------
A 小学 with classes of 44, 46, 57 and 70: one standard class (25 %), one 偏大, one 大班额, one
超大班额; to bring all to 45 it needs ⌈217 / 45⌉ − 4 = 1 more class, and 1 + 12 + 25 = 38 places.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .evaluate import require_values
from .frames import select
from .indicators import RULES, STAGE_ORDER

__all__ = ["class_bands", "class_shortfall", "school_size", "special_rooms", "band_of"]

_BANDS = RULES["class_size"]["band_labels"]


def _std_size(stage) -> pd.Series | float:
    m = {s: float(v) for s, v in RULES["class_size"]["standard"].items()}
    return stage.map(m) if isinstance(stage, pd.Series) else m[stage]


def band_of(size: pd.Series, stage: pd.Series) -> pd.Series:
    """Band label of each class (vectorized)."""
    std = _std_size(stage.astype(str)).to_numpy(float)
    s = size.to_numpy(float)
    idx = np.select([s <= std, s < RULES["class_size"]["large_from"], s < RULES["class_size"]["huge_from"]],
                    [0, 1, 2], default=3)
    return pd.Series(np.array(_BANDS, dtype=object)[idx], index=size.index)


def class_bands(classes: pd.DataFrame | None, schools: pd.DataFrame, *, year=None, county=None) -> pd.DataFrame:
    """Classes per band and stage, per county and year, with the standard-class share.

    Returns
    -------
    DataFrame
        ``year, county, stage, classes, 标准班额, 偏大班额, 大班额, 超大班额, standard_share,
        large_share`` (大班额 + 超大班额 share), ``max_size``. Empty when there is no classes table.
    """
    cols = ["year", "county", "stage", "classes", *_BANDS, "standard_share", "large_share", "max_size"]
    if classes is None or classes.empty:
        return pd.DataFrame(columns=cols)
    c = select(classes.merge(schools[["year", "school_id", "county"]], on=["year", "school_id"], how="left"),
               year=year, county=county)
    c = c.assign(band=band_of(c["class_size"], c["stage"]))
    tab = pd.crosstab([c["year"], c["county"], c["stage"]], c["band"]).reindex(columns=_BANDS, fill_value=0)
    tab.columns.name = None
    tab.insert(0, "classes", tab.sum(axis=1))
    tab["standard_share"] = tab[_BANDS[0]] / tab["classes"]
    tab["large_share"] = (tab[_BANDS[2]] + tab[_BANDS[3]]) / tab["classes"]
    tab["max_size"] = c.groupby(["year", "county", "stage"])["class_size"].max()
    out = tab.reset_index()[cols]
    return out.sort_values(["year", "county", "stage"], key=lambda s: s.map(STAGE_ORDER) if s.name == "stage" else s,
                           kind="stable").reset_index(drop=True)


def class_shortfall(classes: pd.DataFrame | None, values: pd.DataFrame, *, year=None, county=None) -> pd.DataFrame:
    """Per school × stage: classes and places missing to bring every class to the standard size.

    ``classes_needed = ⌈students / standard size⌉``; ``class_shortfall = max(0, needed − classes)``;
    ``place_shortfall`` = Σ over classes of max(0, size − standard) (students above standard
    sizes, the "学位缺额"). Class counts come from the classes table when given, otherwise from the
    schools table (``classes_*``; ``place_shortfall`` is then empty).
    """
    st = select(require_values(values, []), year=year, county=county)
    st = st[(st["students"] > 0) & ~st["merged"]].copy()
    st["stage"] = st["stage"].astype(str)
    std = _std_size(st["stage"])
    out = st[["year", "county", "school_id", "school_name", "stage", "students"]].copy()
    out["standard_size"] = std.to_numpy()
    key = ["year", "school_id", "stage"]
    if classes is not None and not classes.empty:
        c = classes.assign(over=np.maximum(classes["class_size"] - _std_size(classes["stage"].astype(str)), 0),
                           big=classes["class_size"] >= RULES["class_size"]["large_from"])
        agg = c.groupby(key).agg(classes=("class_size", "size"), place_shortfall=("over", "sum"),
                                 large_classes=("big", "sum"), max_size=("class_size", "max"))
        out = out.merge(agg, left_on=key, right_index=True, how="left")
        out[["classes", "place_shortfall", "large_classes"]] = out[["classes", "place_shortfall",
                                                                    "large_classes"]].fillna(0)
    else:
        out["classes"] = st["classes"].to_numpy()
        out["place_shortfall"] = np.nan
        out["large_classes"] = np.nan
        out["max_size"] = np.nan
    out["classes_needed"] = np.ceil(out["students"] / out["standard_size"] - 1e-9)
    out["class_shortfall"] = np.maximum(out["classes_needed"] - out["classes"], 0)
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
    out["over"] = out["students"] > out["limit"]
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


