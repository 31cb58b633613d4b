"""Staff posts (编制) on the staffing basis (working-records.md §2).

The staffing standard (小学 1:19, 初中 1:13.5; ``[staffing]`` of the rule table) counts **all staff**
(教职工), not 专任教师: a city's "师生比分别为1:18.9和1:16.6" is 83,671 ÷ 4,437 and 39,733 ÷ 2,397.
The schools table may give ``staff_primary``/``staff_junior`` (教职工数) and ``posts`` (核定编制数, per
school). Per school × stage: students per staff member, posts needed = ⌈students ÷ standard⌉, staff
short of or over that; per school, its posts against the posts its stages need. Where a school gives
no 教职工数, its 专任教师 are counted instead and the row's ``basis`` says so (专任教师 are not the
编制 basis; the report says which basis it used). A small school (fewer compulsory students than
the options' small-school threshold) is also judged by 班师比: 专任教师 per class against
``[staffing_small_school]`` of the rule table (per province, with its source).

Rows: each school's own rows (never a merged view) of public, county-run schools of a type in scope,
with students — 编制 is allotted to every such school, whatever the options on teaching points.

Examples
--------
>>> round(83671 / 4437, 1), round(39733 / 2397, 1)
(18.9, 16.6)
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from junheng_lib.analysis.coefficients import require_values
from junheng_lib.data.schema import STAGE_SUFFIX
from junheng_lib.rules.indicators import RULES, STAGE_ORDER, at_least
from junheng_lib.rules.options import Options
from junheng_lib.util.frames import select

__all__ = ["staff_posts", "staff_posts_county", "STAFF_COLUMNS", "STAFF_COUNTY_COLUMNS"]

#: columns of :func:`staff_posts`
STAFF_COLUMNS = ["year", "county", "school_id", "school_name", "stage", "students", "classes", "teachers", "staff",
                 "basis", "staffing_standard", "students_per_staff", "posts_needed", "staff_short", "staff_over",
                 "posts", "school_posts_needed", "posts_short", "small", "teachers_per_class",
                 "class_teacher_standard", "class_teacher_status"]
#: columns of :func:`staff_posts_county`
STAFF_COUNTY_COLUMNS = ["year", "county", "stage", "basis", "schools", "students", "staff", "students_per_staff",
                        "staffing_standard", "posts_needed", "staff_short", "staff_over", "posts", "posts_short",
                        "small_schools", "small_schools_short"]


def _ceil(x):
    return np.ceil(np.asarray(x, float) - 1e-9)


def staff_posts(values: pd.DataFrame, schools: pd.DataFrame, options: Options | None = None, *,
                year=None, county=None) -> pd.DataFrame:
    """Per school × stage: staff against the staffing standard (:data:`STAFF_COLUMNS`).

    ``staff`` is the stage's 教职工数 (``basis`` 教职工) or, where the school gives none, its 专任教师
    (``basis`` 专任教师); ``students_per_staff`` = students ÷ staff; ``posts_needed`` = ⌈students ÷
    standard⌉; ``staff_short``/``staff_over`` = max(0, needed − staff) / max(0, staff − needed).
    ``posts`` (the school's 核定编制数, the same on each of its stage rows), ``school_posts_needed``
    (Σ of its stages' posts needed) and ``posts_short`` = max(0, school_posts_needed − posts); NaN
    where no posts are given. ``small``: fewer compulsory students than the small-school threshold;
    for those, ``teachers_per_class`` = 专任教师 ÷ classes against ``class_teacher_standard``
    (``class_teacher_status`` a Status code: pass / fail / missing without classes); empty otherwise.
    """
    options = options or Options()
    v = select(require_values(values, []), year=year, county=county)
    sc = RULES["scope"]
    in_type = v["school_type"].map({t: bool(x["in_scope"]) for t, x in RULES["school_types"].items()}).fillna(False)
    v = v[~v["merged"] & (v["students"] > 0) & v["ownership"].isin(sc["ownership"])
          & v["affiliation"].isin(sc["affiliation"]) & in_type.astype(bool)].copy()
    v["stage"] = v["stage"].astype(str)
    s = schools.drop_duplicates(["year", "school_id"]).set_index(["year", "school_id"])
    key = pd.MultiIndex.from_arrays([v["year"], v["school_id"]])
    staff = np.full(len(v), np.nan)
    for st, suf in STAGE_SUFFIX.items():
        col = f"staff_{suf}"
        if col in s:
            here = (v["stage"] == st).to_numpy()
            staff[here] = s[col].reindex(key[here]).to_numpy(float)
    posts = s["posts"].reindex(key).to_numpy(float) if "posts" in s else np.full(len(v), np.nan)
    comp = (s["students_primary"] + s["students_junior"]).reindex(key).to_numpy(float)
    out = v[["year", "county", "school_id", "school_name", "stage", "students", "classes", "teachers"]].copy()
    given = ~np.isnan(staff)
    basis = RULES["staffing_basis"]
    out["staff"] = np.where(given, staff, out["teachers"].to_numpy(float))
    out["basis"] = np.where(given, basis["staff"], basis["teachers"])
    out["staffing_standard"] = out["stage"].map({k: float(RULES["staffing"][k]) for k in STAGE_ORDER}).to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        out["students_per_staff"] = np.where(out["staff"] > 0, out["students"] / out["staff"], np.nan)
    out["posts_needed"] = _ceil(out["students"] / out["staffing_standard"])
    out["staff_short"] = np.maximum(out["posts_needed"] - out["staff"], 0)
    out["staff_over"] = np.maximum(out["staff"] - out["posts_needed"], 0)
    out["posts"] = posts
    out["school_posts_needed"] = out.groupby(["year", "school_id"])["posts_needed"].transform("sum")
    out["posts_short"] = np.where(np.isnan(posts), np.nan, np.maximum(out["school_posts_needed"] - posts, 0))
    out["small"] = comp < options.small_school_threshold
    std = RULES["staffing_small_school"]["class_teacher"]
    cls = out["classes"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        tpc = np.where(cls > 0, out["teachers"].to_numpy(float) / np.where(cls > 0, cls, 1), np.nan)
    small = out["small"].to_numpy(bool)
    out["teachers_per_class"] = np.where(small, tpc, np.nan)
    out["class_teacher_standard"] = np.where(small, out["stage"].map({k: float(x) for k, x in std.items()}), np.nan)
    status = np.where(np.isnan(tpc), "missing", np.where(at_least(tpc, out["class_teacher_standard"]), "pass", "fail"))
    out["class_teacher_status"] = np.where(small, status, "").astype(object)
    return out[STAFF_COLUMNS].reset_index(drop=True)


def staff_posts_county(posts: pd.DataFrame) -> pd.DataFrame:
    """Per county × stage of :func:`staff_posts` (:data:`STAFF_COUNTY_COLUMNS`): students per staff
    member (Σ students ÷ Σ staff), posts needed and staff short/over (Σ of the schools': a surplus at
    one school does not fill a gap at another), Σ posts over the schools giving them (each school
    once) and their shortfall, small schools and those short of the 班师比. ``basis`` 教职工 when every
    school gives its 教职工数, 专任教师 when none does, else both joined (混合)."""
    if posts.empty:
        return pd.DataFrame(columns=STAFF_COUNTY_COLUMNS)
    keys = ["year", "county", "stage"]
    g = posts.groupby(keys, sort=False)
    out = g.agg(schools=("school_id", "nunique"), students=("students", "sum"), staff=("staff", "sum"),
                staffing_standard=("staffing_standard", "first"), posts_needed=("posts_needed", "sum"),
                staff_short=("staff_short", "sum"), staff_over=("staff_over", "sum"),
                small_schools=("small", "sum"),
                small_schools_short=("class_teacher_status", lambda x: int((x == "fail").sum()))).reset_index()
    out["basis"] = g["basis"].agg(lambda b: b.iloc[0] if b.nunique() == 1 else "、".join(dict.fromkeys(b))).to_numpy()
    out["students_per_staff"] = out["students"] / out["staff"].where(out["staff"] > 0)
    per_school = posts.drop_duplicates(["year", "school_id"]).groupby(["year", "county"])
    pz = per_school.agg(posts=("posts", lambda x: x.sum(min_count=1)),
                        posts_short=("posts_short", lambda x: x.sum(min_count=1)))
    out = out.merge(pz.reset_index(), on=["year", "county"], how="left")
    return out[STAFF_COUNTY_COLUMNS]
