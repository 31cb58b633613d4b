"""Declared schemas of the input tables (data-contract.md), and the row rules between columns.

A schema is data: a tuple of :class:`Column` (English name, Chinese headers, kind, required,
default, bounds, enum values, stage) plus a tuple of :class:`RowRule` (a vectorized predicate that
marks bad rows and the Chinese message to give). :mod:`junheng_lib.io` applies them and collects
every failure before raising one :class:`~junheng_lib.io.DataError`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import pandas as pd

from .indicators import RULES

__all__ = ["Column", "RowRule", "SCHOOLS", "CLASSES", "SCHOOL_RULES", "CLASS_RULES", "TYPE_STAGES",
           "STAGE_SUFFIX"]

#: stages a school type teaches, from the rule table
TYPE_STAGES: dict[str, tuple[str, ...]] = {
    t: tuple(v["stages"]) for t, v in RULES["school_types"].items()}
#: column suffix of each stage
STAGE_SUFFIX = {"小学": "primary", "初中": "junior", "高中": "senior"}


@dataclass(frozen=True)
class Column:
    """One declared column.

    kind: ``int`` (whole number ≥ ``min``), ``num`` (number ≥ ``min``), ``text``, ``enum``
    (one of ``values``; ``aliases`` map other spellings), ``bool``.
    ``stage``: the column belongs to a stage; a blank cell is 0 when the school type does not
    teach that stage. ``factor``: alternative headers whose values are multiplied (万元 → 元).
    """

    name: str
    zh: str
    kind: str = "int"
    required: bool = True
    default: object = None
    min: float | None = 0
    values: tuple[str, ...] = ()
    aliases: dict = field(default_factory=dict)
    stage: str | None = None
    alt_headers: tuple[str, ...] = ()
    scaled_headers: dict = field(default_factory=dict)  # header -> factor

    def headers(self) -> tuple[str, ...]:
        return (self.name, self.zh, *self.alt_headers)


@dataclass(frozen=True)
class RowRule:
    """A rule across columns: ``bad(df)`` marks the rows that break it; ``column`` is blamed."""

    column: str
    message: str
    bad: Callable[[pd.DataFrame], pd.Series]


def _per_stage(name: str, zh: str, stages=("小学", "初中"), **kw) -> list[Column]:
    out = []
    for st in stages:
        suf = STAGE_SUFFIX[st]
        out.append(Column(f"{name}_{suf}", zh.format(stage=st), stage=st,
                          alt_headers=(zh.format(stage="").replace("()", "") + f"({st})",
                                       st + zh.format(stage="").replace("()", "")), **kw))
    return out


_TYPE_ALIASES = {
    "primary": "小学", "junior": "初中", "nine_year": "九年一贯制学校", "九年一贯制": "九年一贯制学校",
    "complete_secondary": "完全中学", "twelve_year": "十二年一贯制学校", "十二年一贯制": "十二年一贯制学校",
    "teaching_point": "教学点", "小学教学点": "教学点", "special": "特殊教育学校", "特教学校": "特殊教育学校",
    "初级中学": "初中", "普通小学": "小学",
}

SCHOOLS: tuple[Column, ...] = (
    Column("year", "学年", kind="int", min=1949, alt_headers=("学年度",)),
    Column("province", "省", kind="text", required=False, alt_headers=("省份",)),
    Column("city", "市", kind="text", required=False, alt_headers=("地市",)),
    Column("county", "县(区)", kind="text", alt_headers=("县区", "县", "区县", "县(市、区)")),
    Column("county_code", "区划代码", kind="text", required=False, alt_headers=("行政区划代码",)),
    Column("school_id", "学校标识码", kind="text", alt_headers=("学校代码",)),
    Column("school_name", "学校名称", kind="text"),
    Column("school_type", "办学类型", kind="enum", values=tuple(RULES["school_types"]), aliases=_TYPE_ALIASES,
           alt_headers=("学校类型",)),
    Column("location", "城乡分类", kind="enum", values=("城区", "镇区", "乡村"), required=False,
           aliases={"urban": "城区", "town": "镇区", "rural": "乡村", "城市": "城区", "县镇": "镇区", "农村": "乡村"}),
    Column("ownership", "举办者", kind="enum", values=("公办", "民办"), required=False, default="公办",
           aliases={"public": "公办", "private": "民办"}, alt_headers=("办学性质",)),
    Column("affiliation", "隶属关系", kind="enum", values=("县属", "省属", "市属", "其他"), required=False,
           default="县属", aliases={"county": "县属", "province": "省属", "city": "市属", "other": "其他",
                                     "县级": "县属", "区属": "县属", "省级": "省属", "市级": "市属"}),
    Column("central_school_id", "所属中心校", kind="text", required=False, alt_headers=("所属中心校标识码",)),
    Column("boarding", "寄宿制", kind="bool", required=False, alt_headers=("是否寄宿制",)),
    *_per_stage("students", "{stage}在校生数", stages=("小学", "初中", "高中")),
    *_per_stage("classes", "{stage}班数", required=False),
    *_per_stage("teachers", "{stage}专任教师数"),
    *_per_stage("above_degree", "高于规定学历教师数({stage})"),
    *_per_stage("mid_title", "中级及以上职称教师数({stage})"),
    *_per_stage("backbone", "县级及以上骨干教师数({stage})"),
    *_per_stage("pe_art", "体育艺术专任教师数({stage})"),
    Column("bachelor_primary", "本科及以上学历教师数(小学)", stage="小学", required=False,
           alt_headers=("小学本科及以上学历教师数",)),
    Column("teaching_area_m2", "教学及辅助用房面积", kind="num", alt_headers=("教学及辅助用房面积(平方米)",)),
    Column("indoor_sports_area_m2", "室内体育用房面积", kind="num", required=False, default=0.0,
           alt_headers=("室内体育用房面积(平方米)",)),
    Column("outdoor_sports_area_m2", "运动场地面积", kind="num", alt_headers=("运动场地面积(平方米)",)),
    Column("equipment_value_yuan", "教学仪器设备资产值(元)", kind="num", alt_headers=("教学仪器设备资产值",),
           scaled_headers={"equipment_value_10k_yuan": 10000.0, "教学仪器设备资产值(万元)": 10000.0}),
    Column("computers", "教学用计算机台数"),
    Column("books", "图书册数", alt_headers=("图书(册)",)),
    Column("multimedia_rooms", "网络多媒体教室间数", alt_headers=("网络多媒体教室数",)),
    Column("music_rooms", "音乐专用教室间数", required=False),
    Column("art_rooms", "美术专用教室间数", required=False),
    Column("music_room_area_m2", "音乐专用教室面积", kind="num", required=False),
    Column("art_room_area_m2", "美术专用教室面积", kind="num", required=False),
)

# the senior-students column is only needed by 完全中学/十二年一贯制: absent means 0
SCHOOLS = tuple(
    Column(**{**c.__dict__, "required": False, "default": 0}) if c.name == "students_senior" else c
    for c in SCHOOLS)


def _stage_rules() -> list[RowRule]:
    rules: list[RowRule] = []
    for st in ("小学", "初中", "高中"):
        suf = STAGE_SUFFIX[st]
        types = tuple(t for t, s in TYPE_STAGES.items() if st not in s)
        rules.append(RowRule(
            f"students_{suf}", f"办学类型与学段不符：该类型学校不应有{st}在校生",
            lambda d, suf=suf, types=types: d["school_type"].isin(types) & (d[f"students_{suf}"] > 0)))
    for st in ("小学", "初中"):
        suf = STAGE_SUFFIX[st]
        rules.append(RowRule(
            f"teachers_{suf}", f"有{st}在校生但{st}专任教师数为0",
            lambda d, suf=suf: (d[f"students_{suf}"] > 0) & (d[f"teachers_{suf}"] == 0)))
        for part, zh in (("above_degree", "高于规定学历教师数"), ("mid_title", "中级及以上职称教师数"),
                         ("backbone", "县级及以上骨干教师数"), ("pe_art", "体育艺术专任教师数")):
            rules.append(RowRule(
                f"{part}_{suf}", f"{zh}({st})大于{st}专任教师数",
                lambda d, c=f"{part}_{suf}", t=f"teachers_{suf}": d[c] > d[t]))
    rules.append(RowRule("bachelor_primary", "本科及以上学历教师数(小学)大于小学专任教师数",
                         lambda d: d["bachelor_primary"].notna() & (d["bachelor_primary"] > d["teachers_primary"])))
    rules.append(RowRule("indoor_sports_area_m2", "室内体育用房面积大于教学及辅助用房面积",
                         lambda d: d["indoor_sports_area_m2"] > d["teaching_area_m2"]))
    rules.append(RowRule("county_code", "区划代码应为6位数字",
                         lambda d: d["county_code"].notna() & ~d["county_code"].astype("string").str.fullmatch(r"\d{6}").fillna(False).astype(bool)))
    rules.append(RowRule("school_id", "同一学年内学校标识码重复",
                         lambda d: d.duplicated(["year", "school_id"], keep=False)))
    return rules


SCHOOL_RULES: tuple[RowRule, ...] = tuple(_stage_rules())

CLASSES: tuple[Column, ...] = (
    Column("year", "学年", kind="int", min=1949),
    Column("school_id", "学校标识码", kind="text"),
    Column("stage", "学段", kind="enum", values=("小学", "初中"), aliases={"primary": "小学", "junior": "初中"}),
    Column("grade", "年级", kind="int", min=1),
    Column("class_size", "班额", kind="int", min=1, alt_headers=("班级人数",)),
    Column("class_name", "班级名称", kind="text", required=False, alt_headers=("班级",)),
)

CLASS_RULES: tuple[RowRule, ...] = (
    RowRule("grade", "年级不符：小学为1–6年级，初中为7–9或1–3年级",
            lambda d: ((d["stage"] == "小学") & (d["grade"] > 6))
            | ((d["stage"] == "初中") & ~d["grade"].isin([1, 2, 3, 7, 8, 9]))),
)
