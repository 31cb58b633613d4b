"""Scope rules and multi-stage splitting: school rows → one row per school × stage.

Every school-level resource total flagged ``split`` in the rule table (teaching area, sports
area, equipment, computers, books, multimedia rooms) is split between the stages of a multi-stage
school, by student weights (九年一贯制 1 : 1.1, 完全中学 初中 : 高中 = 1 : 1.2, 十二年一贯制
1 : 1.1 : 1.32), so a shared room is never counted whole in two stages. Teachers are reported per
stage and not split.

Examples
--------
>>> import pandas as pd
>>> from junheng_lib.analysis.stages import split_shares
>>> df = pd.DataFrame({"school_type": ["九年一贯制学校"], "students_primary": [166],
...                    "students_junior": [210], "students_senior": [0]})
>>> round(float(split_shares(df)["小学"].iloc[0] * 23226), 1)   # books to the 小学部
9711.6
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from junheng_lib.data.io import ROW, DataError, DataIssue
from junheng_lib.data.schema import STAGE_SUFFIX, TYPE_STAGES
from junheng_lib.rules.indicators import INDICATORS, RULES, STAGES
from junheng_lib.rules.options import Options

__all__ = ["split_shares", "school_stages", "RESOURCES", "STAGE_COLUMNS"]

#: columns of the school × stage table, one per distinct numerator of the indicator table
RESOURCES: list[str] = list(dict.fromkeys(INDICATORS["numerator"]))
_SPLIT = dict(zip(INDICATORS["numerator"], INDICATORS["split"]))

#: identifying and descriptive columns of the school × stage table
STAGE_COLUMNS = ["year", "county", "school_id", "school_name", "school_type", "location", "ownership",
                 "affiliation", "stage", "students", "classes", "share", "in_basic", "in_quality", "scope_note", "merged"]


def split_shares(schools: pd.DataFrame) -> pd.DataFrame:
    """Share of each school's split resources that goes to its 小学 and 初中 parts.

    Parameters
    ----------
    schools : DataFrame
        Needs ``school_type`` and ``students_primary/junior/senior``.

    Returns
    -------
    DataFrame
        Columns ``小学`` and ``初中`` (index of ``schools``): w·P of the stage over Σ w·P of the
        school's stages, with the weights of ``[split]`` in the rule table (1 for single-stage
        types); 0 where the school has no students in its stages.
    """
    code = _type_codes(schools["school_type"])
    num = {}
    den = np.zeros(len(schools))
    for st in ("小学", "初中", "高中"):
        num[st] = _lookup(_WEIGHT[st], code) * schools[f"students_{STAGE_SUFFIX[st]}"].to_numpy(float)
        den = den + num[st]
    with np.errstate(invalid="ignore", divide="ignore"):
        out = {st: np.where(den > 0, num[st] / np.where(den > 0, den, 1.0), 0.0) for st in STAGES}
    return pd.DataFrame(out, index=schools.index)


_TYPES = list(TYPE_STAGES)


def _type_codes(types: pd.Series) -> np.ndarray:
    """Position of each school type in the rule table's list (vectorized lookups instead of maps)."""
    return pd.Categorical(types, categories=_TYPES).codes


def _lookup(table: dict, codes: np.ndarray) -> np.ndarray:
    return np.array([table[t] for t in _TYPES])[codes]


# per stage: school type -> student weight of that stage (0 where the type lacks the stage)
_WEIGHT = {st: {t: (float(RULES["split"].get(t, {}).get(st, 1.0)) if st in stages else 0.0)
                for t, stages in TYPE_STAGES.items()} for st in ("小学", "初中", "高中")}
_HAS = {st: {t: st in stages for t, stages in TYPE_STAGES.items()} for st in STAGES}
_N_COMPULSORY = {t: sum(s in STAGES for s in stages) for t, stages in TYPE_STAGES.items()}
_IN_SCOPE = {t: bool(v["in_scope"]) for t, v in RULES["school_types"].items()}


def _merge_teaching_points(schools: pd.DataFrame, name: str) -> tuple[pd.DataFrame, pd.Series]:
    """Add each teaching point's students and resources to its central school (option ``merge``).

    Returns the schools without teaching points (central schools enlarged) and a boolean Series
    (same index) marking the central schools that received at least one teaching point.
    """
    tp = schools["school_type"] == "教学点"
    if not tp.any():
        return schools, pd.Series(False, index=schools.index)
    key = schools["year"].astype(str) + "|" + schools["school_id"].astype(str)
    target = schools["year"].astype(str) + "|" + schools["central_school_id"].fillna("").astype(str)
    ok_central = schools.loc[~tp, "school_type"].map(_HAS["小学"])
    central_keys = set(key[~tp][ok_central.astype(bool)])
    bad = tp & ~target.isin(central_keys)
    if bad.any():
        raise DataError([DataIssue(name, "选择“教学点并入中心校”时，教学点须填写同一学年中存在且含小学学段的所属中心校",
                                   row=int(r), column="所属中心校", school=f"{s} {n}")
                         for r, s, n in schools.loc[bad, [ROW, "school_id", "school_name"]].itertuples(index=False)])
    numeric = [c for c in schools.columns if c != ROW and c != "year" and pd.api.types.is_numeric_dtype(schools[c])]
    add = schools.loc[tp, numeric].groupby(target[tp]).sum()
    out = schools.loc[~tp].copy()
    k = key[~tp]
    hit = k.isin(add.index)
    for c in numeric:
        out.loc[hit, c] = out.loc[hit, c] + add.loc[k[hit], c].to_numpy()
    return out, hit


def school_stages(schools: pd.DataFrame, options: Options | None = None) -> pd.DataFrame:
    """One row per school × compulsory stage, with split resources and scope flags.

    Parameters
    ----------
    schools : DataFrame
        A validated schools table (:func:`junheng_lib.data.io.read_schools`).
    options : Options, optional
        Open points (defaults when omitted).

    Returns
    -------
    DataFrame
        Columns :data:`STAGE_COLUMNS` plus one per resource in :data:`RESOURCES`
        (``teaching_area`` net of indoor sports rooms by default, ``sports_area`` = indoor +
        outdoor, ``equipment_value`` in 元, ``computers``, ``books``, ``multimedia_rooms``,
        ``teachers``, ``above_degree``, ``mid_title``, ``backbone``, ``pe_art``).
        ``in_basic``: in the scope of 基本均衡's CVs (公办, 县属, not special education; teaching
        points by option, default out; ordinary small schools by option, default in);
        ``in_quality``: in 优质均衡's scope (teaching points only from the cut-off, default 50);
        ``scope_note``: why a row is out of one or both standards (Chinese), empty when in both;
        ``merged``: the row is a central school's 基本均衡 row with its teaching points added
        (option ``merge`` only) — a second view of a school that also has its own row.
        A single-stage school always has its row; a multi-stage school has a row for each
        compulsory stage with students. With ``teaching_points="merge"`` a central school that
        received teaching points has two rows per stage: its 基本均衡 row (teaching points added,
        ``in_quality`` False) and its own row for 优质均衡 (``in_basic`` False).

    Examples
    --------
    A 九年一贯制 school of 166 + 210 students with 4 multimedia rooms: the 小学部 gets
    4 × 166 / (166 + 1.1 × 210) ≈ 1.67 rooms, the 初中部 the rest — never 4 each.

    >>> import pandas as pd
    >>> from junheng_lib.analysis.stages import school_stages
    >>> from junheng_lib.data.io import read_schools                   # doctest: +SKIP
    >>> st = school_stages(read_schools("schools.csv"))            # doctest: +SKIP
    """
    options = options or Options()
    name = schools.attrs.get("source", "学校表")
    if options.primary_degree == "本科":
        missing = schools["bachelor_primary"].isna() & (schools["students_primary"] > 0)
        if missing.any():
            raise DataError([DataIssue(name, "选择小学“本科及以上”口径时须填写“本科及以上学历教师数(小学)”",
                                       row=int(r), column="本科及以上学历教师数(小学)", school=f"{s} {n}")
                             for r, s, n in schools.loc[missing, [ROW, "school_id", "school_name"]].itertuples(index=False)])
    out = _expand(schools, options)
    out["_view"] = ""
    if options.teaching_points == "merge":
        merged, received = _merge_teaching_points(schools, name)
        if received.any():
            ids = pd.MultiIndex.from_frame(merged.loc[received, ["year", "school_id"]])
            basic_rows = _expand(merged[received], options)
            basic_rows["_view"] = "basic"
            mine = pd.MultiIndex.from_frame(out[["year", "school_id"]]).isin(ids)
            out["_view"] = np.where(mine, "quality", "")
            out = pd.concat([out, basic_rows], ignore_index=True)
    out["stage"] = pd.Categorical(out["stage"], categories=list(STAGES), ordered=True)
    _scope(out, options)
    # order: year, county (as they first appear), stage, then the input order — integer keys only
    order = np.lexsort((out["stage"].cat.codes.to_numpy(), pd.factorize(out["county"])[0],
                        out["year"].to_numpy()))
    out = out.take(order)
    return out.reset_index(drop=True)[STAGE_COLUMNS + RESOURCES]


def _expand(schools: pd.DataFrame, options: Options) -> pd.DataFrame:
    """School rows → school × stage rows with split resources (no scope yet)."""
    shares = split_shares(schools)
    teaching = schools["teaching_area_m2"] - (schools["indoor_sports_area_m2"] if options.net_indoor_sports else 0.0)
    totals = {
        "teaching_area": teaching,
        "sports_area": schools["indoor_sports_area_m2"] + schools["outdoor_sports_area_m2"],
        "equipment_value": schools["equipment_value_yuan"],
        "computers": schools["computers"],
        "books": schools["books"],
        "multimedia_rooms": schools["multimedia_rooms"],
    }
    per_stage = {"teachers": "teachers", "above_degree": "above_degree", "mid_title": "mid_title",
                 "backbone": "backbone", "pe_art": "pe_art"}
    tcode = _type_codes(schools["school_type"])
    n_stages = _lookup(_N_COMPULSORY, tcode)
    parts = []
    for st in STAGES:
        suf = STAGE_SUFFIX[st]
        students = schools[f"students_{suf}"]
        has = _lookup(_HAS[st], tcode)
        keep = has & ((n_stages == 1) | (students.to_numpy() > 0))
        part = pd.DataFrame({c: schools[c].to_numpy()[keep] for c in ("year", "county", "school_id", "school_name",
                                                                      "school_type", "location", "ownership",
                                                                      "affiliation")})
        part["stage"] = st
        part["students"] = students[keep].to_numpy(float)
        part["classes"] = schools[f"classes_{suf}"].to_numpy(float)[keep]
        part["share"] = shares[st].to_numpy()[keep]
        for res in RESOURCES:
            if res in totals:
                v = totals[res].to_numpy(float)[keep]
                part[res] = v * part["share"].to_numpy() if _SPLIT[res] else v
            else:
                col = f"{per_stage[res]}_{suf}"
                if res == "above_degree" and st == "小学" and options.primary_degree == "本科":
                    col = "bachelor_primary"
                part[res] = schools[col].to_numpy(float)[keep]
        part["_compulsory"] = (schools["students_primary"] + schools["students_junior"]).to_numpy(float)[keep]
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def _scope(out: pd.DataFrame, options: Options) -> None:
    """Set ``in_basic``, ``in_quality`` and ``scope_note`` (in place) from the rules and options."""
    in_type = _lookup(_IN_SCOPE, _type_codes(out["school_type"]))
    tp = (out["school_type"] == "教学点").to_numpy()
    view = out.pop("_view").to_numpy()
    out["merged"] = view == "basic"
    compulsory = out.pop("_compulsory").to_numpy()
    t, cut = options.small_school_threshold, options.teaching_point_cutoff
    # out of both standards
    both = np.select(
        [~out["ownership"].isin(RULES["scope"]["ownership"]),
         ~out["affiliation"].isin(RULES["scope"]["affiliation"]),
         ~in_type,
         (options.small_schools == "exclude") & ~tp & (compulsory < t)],
        ["民办学校不参与计算", "非县属学校不参与计算", "特殊教育学校不参与计算",
         f"在校生不足{t}人的小规模学校不参与计算(选项)"], default="")
    ok = both == ""
    tp_small = tp & (out["students"].to_numpy() < cut)
    basic_tp_out = tp & (options.teaching_points != "include")
    out["in_basic"] = ok & ~basic_tp_out & (view != "quality")
    out["in_quality"] = ok & ~tp_small & (view != "basic")
    basic_note = ("教学点并入所属中心校参与基本均衡计算" if options.teaching_points == "merge"
                  else "教学点不参与基本均衡计算")
    out["scope_note"] = np.select(
        [~ok, tp_small & basic_tp_out, tp_small, basic_tp_out,
         view == "basic", view == "quality"],
        [both, f"教学点不参与基本均衡计算；在校生不足{cut}人，不参与优质均衡计算",
         f"在校生不足{cut}人的教学点不参与优质均衡计算", basic_note,
         "含并入的教学点，仅用于基本均衡计算", "不含并入的教学点，用于优质均衡计算"], default="")
