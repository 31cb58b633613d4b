"""The bureau's working records (working-records.md §5–§6): the optional ``projects`` and ``groups``
tables, declared and read like the other tables (:mod:`junheng_lib.data.io`: CSV or .xlsx, Chinese
or English headers, every error at once naming file, spreadsheet row, column and school).

``projects`` — one row per project per year reported (全面改薄, 薄改, 优质均衡 projects): money and
area are cumulative as of that year, as the progress reports state them (累计投入).

``groups`` — counts only, one row per county × year (or school × year): 建档立卡/低保/特困 pupils,
aid, 留守儿童, 随迁子女, 残疾儿童少年 and the 控辍保学 cases. It is aggregates: a column that looks
like personal data (a header such as 姓名 or 身份证号, or a cell holding an 18-digit 身份证号) is
refused before anything is read further (:func:`personal_data_issues`).
"""
from __future__ import annotations

import re

import pandas as pd

from junheng_lib.data.errors import DataError, DataIssue
from junheng_lib.data.read import read_table
from junheng_lib.data.schema import Column, RowRule
from junheng_lib.data.sheet import ROW
from junheng_lib.data.validate import validate
from junheng_lib.rules.indicators import RULES

__all__ = ["PROJECTS", "GROUPS", "PROJECT_RULES", "GROUP_RULES", "GROUP_COUNTS", "read_projects", "read_groups",
           "personal_data_issues", "PROJECT_STATUSES", "PROJECT_KINDS", "SOURCES"]

_CFG = RULES["records"]
#: 项目状态 values (竣工 and 完成 both mean finished)
PROJECT_STATUSES: tuple[str, ...] = tuple(_CFG["project_statuses"])
#: 项目类别 values
PROJECT_KINDS: tuple[str, ...] = tuple(_CFG["project_kinds"])
#: invested money by source: column → the word a report uses (中央, 省级, 市级, 县级)
SOURCES: dict[str, str] = {"invested_central": "中央", "invested_province": "省级", "invested_city": "市级",
                           "invested_county": "县级"}


def _num(name, zh, **kw):
    return Column(name, zh, kind="num", required=False, **kw)


def _count(name, zh, **kw):
    return Column(name, zh, kind="int", required=False, **kw)


PROJECTS: tuple[Column, ...] = (
    Column("year", "学年", kind="int", min=1949, alt_headers=("年度", "学年度")),
    Column("county", "县(区)", kind="text", alt_headers=("县区", "县", "区县", "县(市、区)")),
    Column("project_id", "项目编号", kind="text", alt_headers=("项目代码",)),
    Column("project_name", "项目名称", kind="text"),
    Column("school_id", "学校标识码", kind="text", required=False, alt_headers=("学校代码",)),
    Column("school_name", "学校名称", kind="text", required=False, alt_headers=("项目学校",)),
    Column("kind", "项目类别", kind="enum", values=PROJECT_KINDS, required=False, default="其他",
           aliases={"building": "校舍", "sports": "运动场", "equipment": "设备", "books": "图书", "ict": "信息化",
                    "other": "其他", "校舍建设": "校舍", "运动场地": "运动场", "设施设备": "设备", "教学仪器": "设备"},
           alt_headers=("类别", "建设内容")),
    _num("planned_area_m2", "规划建设面积(平方米)", alt_headers=("规划面积", "计划建设面积")),
    _num("planned_10k_yuan", "规划投入资金(万元)", alt_headers=("规划投资(万元)", "计划投资(万元)")),
    Column("status", "项目状态", kind="enum", values=PROJECT_STATUSES,
           aliases={"not_started": "未开工", "building": "在建", "completed": "竣工", "done": "完成", "已竣工": "竣工",
                    "已完工": "竣工", "竣工验收": "竣工", "已完成": "完成", "建设中": "在建", "已开工": "在建"},
           alt_headers=("进展情况", "状态")),
    _num("completed_area_m2", "竣工面积(平方米)", alt_headers=("竣工面积", "已建成面积(平方米)")),
    _num("invested_central", "中央资金(万元)", default=0.0, alt_headers=("中央投入(万元)", "中央财政资金(万元)")),
    _num("invested_province", "省级资金(万元)", default=0.0, alt_headers=("省级投入(万元)", "省级财政资金(万元)")),
    _num("invested_city", "市级资金(万元)", default=0.0, alt_headers=("市级投入(万元)", "市级配套(万元)")),
    _num("invested_county", "县级资金(万元)", default=0.0,
         alt_headers=("县级投入(万元)", "县级配套(万元)", "区级配套(万元)", "区级资金(万元)")),
)

PROJECT_RULES: tuple[RowRule, ...] = (
    RowRule("project_id", "同一学年内项目编号重复",
            lambda d: d.duplicated(["year", "project_id"], keep=False) & d["year"].notna() & d["project_id"].notna()),
    RowRule("completed_area_m2", "项目未开工，却填写了竣工面积",
            lambda d: (d["status"] == "未开工") & (d["completed_area_m2"].fillna(0) > 0)),
)

#: the count columns of the groups table, in order (English name, 中文表头)
GROUP_COUNTS = (
    ("registered_poor", "建档立卡学生数"), ("low_income", "低保家庭学生数"), ("extreme_poor", "特困供养学生数"),
    ("eligible", "应资助学生数"), ("aided", "受资助学生数"),
    ("left_behind", "留守儿童数"), ("migrant", "随迁子女数"), ("migrant_public", "在公办学校就读的随迁子女数"),
    ("disabled", "残疾儿童少年数"), ("disabled_enrolled", "入学的残疾儿童少年数"),
    ("dropout_suspected", "疑似辍学人数"), ("dropout", "辍学人数"), ("returned", "劝返复学人数"), ("closed", "销号人数"),
)
_GROUP_ALT = {"left_behind": ("留守儿童",), "migrant": ("随迁子女",), "migrant_public": ("公办学校就读随迁子女数",),
              "disabled": ("残疾儿童数",), "disabled_enrolled": ("残疾儿童入学数", "入学残疾儿童数"),
              "aided": ("资助学生数", "受助学生数"), "returned": ("劝返人数", "劝返复学数"), "closed": ("销号数",),
              "registered_poor": ("建档立卡贫困学生数",), "dropout": ("辍学学生数",)}

GROUPS: tuple[Column, ...] = (
    Column("year", "学年", kind="int", min=1949, alt_headers=("年度", "学年度")),
    Column("county", "县(区)", kind="text", alt_headers=("县区", "县", "区县", "县(市、区)")),
    Column("school_id", "学校标识码", kind="text", required=False, alt_headers=("学校代码",)),
    Column("school_name", "学校名称", kind="text", required=False),
    *(_count(n, zh, alt_headers=_GROUP_ALT.get(n, ())) for n, zh in GROUP_COUNTS),
    _num("aid_10k_yuan", "资助金额(万元)", alt_headers=("资助资金(万元)",)),
)


def _n(d: pd.DataFrame, c: str) -> pd.Series:
    return d[c] if c in d else pd.Series(float("nan"), index=d.index)


GROUP_RULES: tuple[RowRule, ...] = (
    RowRule("migrant_public", "在公办学校就读的随迁子女数大于随迁子女数",
            lambda d: _n(d, "migrant_public") > _n(d, "migrant")),
    RowRule("disabled_enrolled", "入学的残疾儿童少年数大于残疾儿童少年数",
            lambda d: _n(d, "disabled_enrolled") > _n(d, "disabled")),
    RowRule("school_id", "同一学年内学校标识码重复",
            lambda d: d["school_id"].notna() & d.duplicated(["year", "school_id"], keep=False) & d["year"].notna()),
    RowRule("county", "同一学年内县(区)的合计行重复（每县每学年一行，或每校每学年一行）",
            lambda d: d["school_id"].isna() & d.duplicated(["year", "county", "school_id"], keep=False)
            & d["year"].notna() & d["county"].notna()),
    RowRule("school_id", "同一县(区)同一学年既有全县合计行又有学校行，会重复计数：请只保留其中一种",
            lambda d: d["school_id"].notna() & d.set_index(["year", "county"]).index.isin(
                pd.MultiIndex.from_frame(d.loc[d["school_id"].isna(), ["year", "county"]]))
            if d["school_id"].isna().any() and d["school_id"].notna().any() else pd.Series(False, index=d.index)),
)

_ID_RE = re.compile(_CFG["personal_id_pattern"])


def personal_data_issues(df: pd.DataFrame, name: str) -> list[DataIssue]:
    """The problems that make a table personal data rather than counts: a header of
    ``[records] personal_headers`` (or containing one of ``personal_header_parts``), and cells that
    look like an 18-digit 身份证号 (``personal_id_pattern``), each naming its column (and the first
    row). The values are never quoted."""
    out = []
    heads = df.attrs.get("headers", {})
    exact = {h.lower() for h in _CFG["personal_headers"]}
    for col in df.columns:
        if col == ROW:
            continue
        shown = heads.get(col, col)
        text = str(shown).strip()
        if text.lower() in exact or any(p in text for p in _CFG["personal_header_parts"]):
            out.append(DataIssue(name, f"列“{text}”看起来是个人信息（姓名或证件号码）：特殊群体表只接受汇总人数，"
                                       "不得包含学生个人信息；请删除此列后再读取", column=text))
            continue
        cells = df[col]
        if cells.dtype != object:
            cells = cells.map(lambda v: "" if pd.isna(v) else f"{v:.0f}" if isinstance(v, float) else str(v))
        hit = cells.astype("string").str.strip().str.fullmatch(_ID_RE.pattern).fillna(False).astype(bool)
        if hit.any():
            first = int(df[ROW].to_numpy()[hit.to_numpy()][0]) if ROW in df else None
            out.append(DataIssue(name, f"列“{text}”有{int(hit.sum())}个单元格看起来是18位身份证号：特殊群体表只接受汇总人数，"
                                       "不得包含学生个人信息；请删除这些内容后再读取", row=first, column=text))
    return out


def read_projects(path) -> pd.DataFrame:
    """Read and validate a projects table (working-records.md §5).

    Returns one row per project per year, English column names, money in 万元 (sources absent are 0),
    areas in ㎡, ``status`` one of :data:`PROJECT_STATUSES`; ``attrs["source"]`` the path.

    Raises
    ------
    DataError
        Listing every problem (row, column) at once.
    """
    df, issues, notices = read_table(path, PROJECTS)
    out = validate(df, PROJECTS, PROJECT_RULES, df.attrs.get("name", str(path)), issues)
    out.attrs = {"source": str(path), "notices": notices}
    return out


def read_groups(path) -> pd.DataFrame:
    """Read and validate a groups table (working-records.md §6): counts only.

    A column that looks like personal data is refused first (:func:`personal_data_issues`), naming the
    file and column; nothing else is read. ``eligible`` (应资助学生数), when not given, is the sum of
    建档立卡, 低保 and 特困 pupils given on the row.

    Raises
    ------
    DataError
        Listing every problem (row, column, school) at once.
    """
    df, issues, notices = read_table(path, GROUPS)
    name = df.attrs.get("name", str(path))
    personal = personal_data_issues(df, name)
    if personal:
        raise DataError(personal)
    out = validate(df, GROUPS, GROUP_RULES, name, issues)
    parts = out[["registered_poor", "low_income", "extreme_poor"]]
    derived = parts.sum(axis=1, min_count=1)
    out["eligible"] = out["eligible"].astype("float64").fillna(derived)
    out.attrs = {"source": str(path), "notices": notices}
    return out
