"""Prose of the bureau's working records (working-records.md §1–§4): 基本均衡's four conditions, the
schools below the 省定办学基本标准, staff posts on the 编制 basis, money over years and the rates of
the counties table — sentences as a 督导室's work summary writes them.

Reads the evaluation's tables; decides no verdict (every status comes from the evaluation).

Examples
--------
>>> import pandas as pd
>>> c = pd.DataFrame({"condition": ["basic_standard", "inter_school"], "name": ["办学基本标准", "校际均衡"],
...                   "status": ["missing", "pass"], "value": ["", ""], "note": ["未提供文件", ""]})
>>> conditions_sentence(c, "missing")
'基本均衡：未提供（办学基本标准未提供，无法认定）。二项认定条件中，办学基本标准未提供（未提供文件），校际均衡达标'
"""
from __future__ import annotations

import math

import pandas as pd

from junheng_lib.rules.codes import Status, word
from junheng_lib.rules.indicators import RULES

__all__ = ["conditions_sentence", "standard_text", "staff_text", "finance_text", "rates_text", "ratio_text"]

_BNAME = RULES["basic"]["name"]


def conditions_sentence(conditions: pd.DataFrame, verdict: str) -> str:
    """基本均衡's four conditions and the county verdict, in one sentence (without the final 。)."""
    parts = []
    for r in conditions.itertuples():
        extra = r.value if r.value and r.condition not in ("basic_standard", "inter_school") else ""
        if r.condition == "basic_standard" and r.value:
            done, n = r.value.split("/")
            extra = f"{n}个学校学段中{done}个达到"
        note = "，".join(x for x in (extra, r.note) if x)
        parts.append(f"{r.name}{word(r.status)}" + (f"（{note}）" if note else ""))
    n = len(conditions)
    s = f"{_BNAME}：{word(verdict)}"
    if verdict == Status.MISSING:
        miss = conditions.loc[conditions["status"] == Status.MISSING, "name"].tolist()
        s += f"（{'、'.join(miss)}未提供，无法认定）"
    elif verdict == Status.FAIL:
        bad = conditions.loc[conditions["status"] == Status.FAIL, "name"].tolist()
        s += f"（{'、'.join(bad)}未达标）"
    return s + f"。{'一二三四五六七八九十'[n - 1] if 1 <= n <= 10 else n}项认定条件中，" + "，".join(parts)


def standard_text(standard, schools: pd.DataFrame, items: pd.DataFrame, shown: int = 5) -> str:
    """The 省定办学基本标准 paragraph: the rule, the school × stages checked and those below it by name
    (the first ``shown``; the table lists all) with the items they miss."""
    if standard is None:
        return (f"{RULES['basic_conditions']['no_standards']}，本报告未检查学校是否达到省定办学基本标准，"
                f"{_BNAME}的第一项条件为{Status.MISSING.word}。")
    rule = f"至少{standard.min_met}项达标" if standard.min_met else "各项均达标"
    if standard.floor_share is not None:
        rule += f"、其余不低于标准的{standard.floor_share * 100:g}%"
    s = f"对照《{standard.name}》（{len(standard.items)}项，{rule}）"
    if schools.empty:
        return s + f"，{RULES['basic_conditions']['no_schools']}。"
    bad = schools[~schools["passed"].astype(bool)]
    s += f"，{_BNAME}范围内{len(schools)}个学校学段中{len(schools) - len(bad)}个达到"
    if bad.empty:
        return s + "，全部达到。"
    labels = dict(zip(items["item"], items["label"]))
    named = [f"{r.school_name}（{r.stage}，{'、'.join(labels.get(c, c) for c in r.unmet.split('、') if c)}未达标）"
             for r in bad.head(shown).itertuples()]
    return s + f"，{len(bad)}个未达到：" + "；".join(named) + (f"等{len(bad)}个，全部见下表" if len(bad) > shown else "") + "。"


def ratio_text(x: float) -> str:
    """Students per staff member as the bureaus write it: 1:18.9."""
    return "—" if x is None or (isinstance(x, float) and math.isnan(x)) else f"1:{x:.1f}"


def staff_text(county: pd.DataFrame) -> str:
    """Staff posts per stage: the basis used, students per staff member against the standard, posts
    needed and the staff short; small schools short of the 班师比."""
    if county.empty:
        return ""
    basis = RULES["staffing_basis"]
    out = []
    for r in county.itertuples():
        scope = f"{r.stage}（公办县属学校{r.schools}所，含教学点）"
        std = f"1:{r.staffing_standard:g}"
        if r.basis == basis["staff"]:
            head = f"{scope}教职工{r.staff:,.0f}人，师生比{ratio_text(r.students_per_staff)}（编制标准{std}）"
        elif r.basis == basis["teachers"]:
            head = (f"{scope}未提供教职工数，按{basis['teachers']}{r.staff:,.0f}人计师生比{ratio_text(r.students_per_staff)}"
                    f"（此为{basis['teachers']}口径，不是编制口径；编制标准{std}按教职工计）")
        else:
            head = (f"{scope}部分学校未提供教职工数（按{basis['teachers']}计），师生比{ratio_text(r.students_per_staff)}"
                    f"（编制标准{std}）")
        head += f"，按标准需编制{r.posts_needed:,.0f}个"
        head += f"，{r.staff_short:,.0f}人缺编" if r.staff_short > 0 else "，各校均不缺编"
        if not pd.isna(r.posts):
            head += f"；核定编制{r.posts:,.0f}个" + (f"，少于所需{r.posts_short:,.0f}个" if r.posts_short > 0 else "")
        if r.small_schools:
            head += (f"；小规模学校{r.small_schools}所按班师比核定，其中{r.small_schools_short}所专任教师低于"
                     f"每班{RULES['staffing_small_school']['class_teacher'][r.stage]:g}人")
        out.append(head)
    return "；".join(out) + "。"


def _pct(x) -> str:
    return "—" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:+.1%}"


def finance_text(years: pd.DataFrame, year: int) -> str:
    """三个增长 this year, 连续三年, 两个只增不减 and the appropriation gap (万元)."""
    f = years[years["year"] == year]
    if f.empty:
        return f"县区表中没有{year}学年的经费数据，经费“三个增长”“两个只增不减”为{Status.MISSING.word}。"
    r = f.iloc[0]
    n = int(RULES["finance"]["consecutive_pairs"])
    s = (f"经费：{year}年教育财政拨款增长{_pct(r['appropriation_growth'])}、财政经常性收入增长{_pct(r['revenue_growth'])}，"
         f"“三个增长”{word(r['growths'])}；连续{n}年实现“三个增长”{word(r['consecutive'])}"
         f"；“两个只增不减”{word(r['two_kept'])}")
    if r["gap_10k_yuan"] > 0:
        s += (f"；教育财政拨款增幅低于财政经常性收入增幅，按收入增幅应拨{r['gap_10k_yuan'] + r['edu_appropriation']:,.2f}万元，"
              f"缺口{r['gap_10k_yuan']:,.2f}万元")
    return s + "。"


def rates_text(rates: pd.DataFrame) -> str:
    """控辍保学 and 入学: the counties table's 辍学率, 九年巩固率 and 入学率 (未提供 where not given)."""
    if rates.empty:
        return f"县区表未提供辍学率、九年义务教育巩固率和入学率（{Status.MISSING.word}）。"
    parts = [f"{r.item}{Status.MISSING.word if pd.isna(r.value) else f'{r.value:g}%'}" for r in rates.itertuples()]
    return "控辍保学与入学：" + "，".join(parts) + "。"
