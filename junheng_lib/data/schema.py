"""Declared schemas of the input tables (data-contract.md), and the row rules between columns.

A schema is data: a tuple of :class:`Column` (English name, Chinese headers, kind, required,
default, bounds, enum values, stage) plus a tuple of :class:`RowRule` (a vectorized predicate that
marks bad rows and the Chinese message to give). :mod:`junheng_lib.data.io` applies them and collects
every failure before raising one :class:`~junheng_lib.data.io.DataError`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd

from junheng_lib.rules.indicators import RULES

__all__ = ["Column", "RowRule", "SCHOOLS", "CLASSES", "SCHOOL_RULES", "CLASS_RULES", "TYPE_STAGES",
           "STAGE_SUFFIX"]

#: stages a school type teaches, from the rule table
TYPE_STAGES: dict[str, tuple[str, ...]] = {
    t: tuple(v["stages"]) for t, v in RULES["school_types"].items()}
#: 城乡分类 values, in the order reports show them
LOCATIONS: tuple[str, str, str] = ("城区", "镇区", "乡村")
#: column suffix of each stage
STAGE_SUFFIX = {"小学": "primary", "初中": "junior", "高中": "senior"}


@dataclass(frozen=True)
class Column:
    """One declared column.

    kind: ``int`` (whole number ≥ ``min``), ``num`` (number ≥ ``min``), ``pct`` (percentage, one rule:
    see :func:`junheng_lib.data.io.read_counties`), ``text``, ``enum`` (one of ``values``; ``aliases`` map
    other spellings), ``bool``.
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
    fraction_ok: bool = True    # pct: a bare number ≤ 1 is a fraction (not for 辍学率)
    over_100: bool = False      # pct: values above 100 % are allowed (巩固率, 入学率)
    multiline: bool = False     # text: free text that may hold line breaks (names and codes may not)

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
    Column("location", "城乡分类", kind="enum", values=LOCATIONS, required=False,
           aliases={"urban": "城区", "town": "镇区", "rural": "乡村", "城市": "城区", "县镇": "镇区", "农村": "乡村",
                    # 国家统计局城乡划分代码 and names
                    "主城区": "城区", "城乡结合区": "城区", "镇中心区": "镇区", "镇乡结合区": "镇区", "特殊区域": "镇区",
                    "乡中心区": "乡村", "村庄": "乡村", "111": "城区", "112": "城区", "121": "镇区", "122": "镇区",
                    "123": "镇区", "210": "乡村", "220": "乡村"}),
    Column("ownership", "举办者", kind="enum", values=("公办", "民办"), required=False, default="公办",
           aliases={"public": "公办", "private": "民办", "公办学校": "公办", "民办学校": "民办"}, alt_headers=("办学性质",)),
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
    *_per_stage("staff", "{stage}教职工数", required=False),   # 编制 basis (working-records.md §2)
    Column("posts", "核定编制数", required=False, alt_headers=("教职工编制数",)),
    Column("art_rooms", "美术专用教室间数", required=False),
    Column("music_room_area_m2", "音乐专用教室面积", kind="num", required=False),
    Column("art_room_area_m2", "美术专用教室面积", kind="num", required=False),
)

# the senior-students column is only needed by 完全中学/十二年一贯制: absent means 0
SCHOOLS = tuple(
    Column(**{**c.__dict__, "required": False, "default": 0}) if c.name == "students_senior" else c
    for c in SCHOOLS)


def _fullmatch(col: pd.Series, pattern: str) -> pd.Series:
    """Whether each cell (as a string) matches ``pattern`` whole; missing cells do not. Matched once per
    distinct value (a column of codes repeats a few)."""
    codes, uniq = pd.factorize(col)
    hit = pd.Series(uniq, dtype=object).astype("string").str.fullmatch(pattern).fillna(False).to_numpy(dtype=bool)
    return pd.Series(np.append(hit, False)[codes], index=col.index)


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
                         lambda d: d["county_code"].notna() & ~_fullmatch(d["county_code"], r"\d{6}")))
    # a row whose year or id could not be read is reported for that cell alone, never as a duplicate
    rules.append(RowRule("school_id", "同一学年内学校标识码重复",
                         lambda d: d.duplicated(["year", "school_id"], keep=False) & d["year"].notna()
                         & d["school_id"].notna()))
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


# ---------------------------------------------------------------------------------------------- counties
def _pct(name, zh, over_100=False, fraction_ok=True, **kw):
    return Column(name, zh, kind="pct", required=False, min=0, over_100=over_100, fraction_ok=fraction_ok, **kw)


def _num(name, zh, **kw):
    return Column(name, zh, kind="num", required=False, **kw)


def _flag(name, zh):
    return Column(name, zh, kind="bool", required=False)


#: qualitative items of 政府保障/教育质量 (是/否), each with an optional ``<name>_evidence`` text column
QUALITATIVE = {
    "layout_planned": "学校布局合理", "four_unified": "城乡四统一", "small_school_funding_ok": "小规模学校按100人核定公用经费",
    "staffing_allocated": "统筹分配编制", "charters_ict": "学校章程与信息化管理", "training_budget_share_ok": "教师培训经费不低于5%",
    "ict_use": "教师运用信息化教学", "moral_education": "德育与校园文化良好", "curriculum_complete": "课程开齐开足",
    "homework_burden_ok": "无过重课业负担",
}

COUNTIES: tuple[Column, ...] = (
    Column("year", "学年", kind="int", min=1949),
    Column("county", "县(区)", kind="text", alt_headers=("县区", "县", "区县")),
    _num("edu_appropriation", "教育财政拨款(万元)", alt_headers=("教育财政拨款",)),
    _num("recurrent_revenue", "财政经常性收入(万元)", alt_headers=("财政经常性收入",)),
    _num("per_student_spending_primary", "小学生均一般公共预算教育事业费(元)"),
    _num("per_student_spending_junior", "初中生均一般公共预算教育事业费(元)"),
    _num("per_student_public_funds_primary", "小学生均公用经费(元)"),
    _num("per_student_public_funds_junior", "初中生均公用经费(元)"),
    _num("special_ed_public_funds", "特教生均公用经费(元)"),
    _num("teacher_avg_pay", "教师平均工资(元/年)"),
    _num("civil_servant_avg_pay", "公务员平均工资(元/年)"),
    _pct("retention_rate_junior", "初中三年巩固率(%)", over_100=True),
    _pct("retention_rate_9yr", "九年义务教育巩固率(%)", over_100=True),
    _pct("enrollment_rate", "入学率(%)", over_100=True),
    _pct("disabled_enrollment_rate", "残疾儿童少年入学率(%)"),
    _pct("dropout_rate_primary", "小学辍学率(%)", fraction_ok=False),
    _pct("dropout_rate_junior", "初中辍学率(%)", fraction_ok=False),
    Column("exchange_eligible_teachers", "符合交流条件教师数", required=False),
    Column("exchanged_teachers", "交流轮岗教师数", required=False),
    Column("exchanged_backbone_teachers", "交流轮岗骨干教师数", required=False),
    _pct("training_360_rate", "360学时培训完成率(%)"),
    _pct("certified_teacher_rate", "教师持证上岗率(%)"),
    _pct("nearby_enrollment_urban", "城区就近入学比例(%)"),
    _pct("nearby_enrollment_town", "镇区就近入学比例(%)"),
    _pct("quality_hs_quota_share", "优质高中指标分配比例(%)"),
    _pct("migrant_public_share", "随迁子女在公办学校就读比例(%)"),
    _pct("satisfaction_rate", "社会认可度(%)", alt_headers=("满意度(%)", "公众满意度(%)", "社会认可度")),
    _num("government_work_score", "县级政府推进工作评估得分", min=0),
    Column("quality_monitoring_level_ok", "质量监测达到Ⅲ级以上", kind="bool", required=False),
    _num("quality_gap_rate", "校际差异率"),
    *(_flag(k, v) for k, v in QUALITATIVE.items()),
    *(Column(f"{k}_evidence", f"{v}(佐证)", kind="text", required=False, multiline=True)
      for k, v in QUALITATIVE.items()),
)

COUNTY_RULES: tuple[RowRule, ...] = (
    RowRule("county", "同一学年内县(区)重复", lambda d: d.duplicated(["year", "county"], keep=False)
            & d["year"].notna() & d["county"].notna()),
    RowRule("exchanged_teachers", "交流轮岗教师数大于符合交流条件教师数",
            lambda d: d["exchanged_teachers"] > d["exchange_eligible_teachers"]),
    RowRule("exchanged_backbone_teachers", "交流轮岗骨干教师数大于交流轮岗教师数",
            lambda d: d["exchanged_backbone_teachers"] > d["exchanged_teachers"]),
)
