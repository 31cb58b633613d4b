"""The prose of the working-records sections (working-records.md §5–§7), in the register bureau
reports use ("累计投入资金1,599.78万元（中央469万元、省级324万元、区级配套806.78万元），占规划的75.6%").

Every number comes from a summary row of the evaluation (``projects_summary``, ``groups_summary``,
``ledger_status``); nothing is computed here but the wording.

>>> money(1599.78), money(469.0), money(806.7801)
('1,599.78', '469', '806.78')
"""
from __future__ import annotations

import math

import pandas as pd

from junheng_lib.rules.codes import LedgerStatus
from junheng_lib.rules.indicators import RULES

__all__ = ["money", "count", "pct", "projects_text", "groups_texts", "ledger_years_text", "level_word"]

_T = RULES["records"]["text"]


def _nan(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA


def money(v) -> str:
    """万元 as bureau reports print them: thousands separators, up to 2 decimals, no trailing zeros."""
    return f"{float(v):,.2f}".rstrip("0").rstrip(".")


def count(v) -> str:
    return f"{float(v):,.0f}"


def pct(v, decimals: int = 1) -> str:
    return f"{float(v) * 100:.{decimals}f}%"


def level_word(county: str) -> str:
    """区级 for a district (…区), else 县级 — the 配套 a report names."""
    return "区级" if str(county).endswith("区") else "县级"


def projects_text(r, county: str) -> str:
    """The paragraph of one projects_summary row."""
    lv = level_word(county)
    whole = "全区" if lv == "区级" else "全县"
    out = (f"截至{int(r['year'])}学年，{whole}共实施项目{count(r['projects'])}个（涉及学校{count(r['schools'])}所），"
           f"已开工{count(r['started'])}个，开工率{pct(r['started_share'])}；已竣工{count(r['completed'])}个，"
           f"竣工率{pct(r['completed_share'])}")
    if r["not_started"]:
        out += f"；尚未开工{count(r['not_started'])}个"
    out += "。"
    src = [(w if w != "县级" else f"{lv}配套", r[c]) for w, c in
           (("中央", "invested_central"), ("省级", "invested_province"), ("市级", "invested_city"),
            ("县级", "invested_county")) if not _nan(r[c]) and r[c] > 0]
    parts = "、".join(f"{w}{money(v)}万元" for w, v in src)
    if _nan(r["planned_10k_yuan"]):
        out += f"累计投入资金{money(r['invested_10k_yuan'])}万元" + (f"（{parts}）" if parts else "") + "；项目表未填写规划投入资金。"
    else:
        out += (f"规划投入资金{money(r['planned_10k_yuan'])}万元，累计投入资金{money(r['invested_10k_yuan'])}万元"
                + (f"（{parts}）" if parts else ""))
        out += f"，占规划的{pct(r['invested_share'])}。" if not _nan(r["invested_share"]) else "。"
    if not _nan(r["completed_area_m2"]) and r["completed_area_m2"] > 0:
        out += f"已竣工面积{money(r['completed_area_m2'])}平方米"
        out += (f"（规划建设{money(r['planned_area_m2'])}平方米）。" if not _nan(r["planned_area_m2"]) else "。")
    return out


def groups_texts(r, county: str) -> list[str]:
    """The paragraphs of one groups_summary row: 学生资助, 控辍保学, 特殊群体, then the rates of the
    counties table."""
    whole = "全区" if level_word(county) == "区级" else "全县"
    out = []
    if not _nan(r["eligible"]):
        t = (f"学生资助：{whole}建档立卡、低保、特困等家庭经济困难学生{count(r['eligible'])}人"
             + (f"（建档立卡{count(r['registered_poor'])}人）" if not _nan(r["registered_poor"]) else ""))
        if not _nan(r["aided"]):
            t += f"，受资助{count(r['aided'])}人"
            if not _nan(r["aid_10k_yuan"]):
                t += f"，资助金额{money(r['aid_10k_yuan'])}万元"
            if not _nan(r["aid_coverage"]):
                t += f"，资助覆盖率{pct(r['aid_coverage'])}"
                if r["aid_covered"]:
                    t += f"，{_T['covered']}"
                else:
                    t += f"，{_T['not_covered']}（尚有{count(r['eligible'] - r['aided'])}人未获资助，应逐一核实、应助尽助）"
        else:
            t += "，受资助人数未提供"
        out.append(t + "。")
    if not _nan(r["dropout"]) and r["dropout"] == 0:
        out.append("控辍保学：" + (f"排查疑似辍学{count(r['dropout_suspected'])}人，" if not _nan(r["dropout_suspected"])
                                  and r["dropout_suspected"] > 0 else "") + "未发现辍学学生。")
    elif not _nan(r["dropout"]):
        t = "控辍保学："
        if not _nan(r["dropout_suspected"]):
            t += f"排查疑似辍学{count(r['dropout_suspected'])}人，"
        t += f"确认辍学{count(r['dropout'])}人"
        if not _nan(r["returned"]):
            t += f"，劝返复学{count(r['returned'])}人"
            if not _nan(r["return_rate"]):
                t += f"（劝返率{pct(r['return_rate'])}）"
        if not _nan(r["closed"]) and r["closed"] > 0:
            t += f"，销号{count(r['closed'])}人"
        if not _nan(r["open_cases"]):
            t += (f"，尚有{count(r['open_cases'])}人未劝返复学，须一人一案、跟踪劝返" if r["open_cases"] > 0
                  else "，辍学学生已全部劝返或销号")
        out.append(t + "。")
    parts = []
    if not _nan(r["left_behind"]):
        parts.append(f"留守儿童{count(r['left_behind'])}人"
                     + (f"（占义务教育在校生的{pct(r['left_behind_share'])}）" if not _nan(r["left_behind_share"]) else ""))
    if not _nan(r["migrant"]):
        parts.append(f"进城务工人员随迁子女{count(r['migrant'])}人"
                     + (f"，其中在公办学校就读{count(r['migrant_public'])}人（{pct(r['migrant_public_share'])}）"
                        if not _nan(r["migrant_public_share"]) else ""))
    if not _nan(r["disabled"]):
        parts.append(f"残疾儿童少年{count(r['disabled'])}人"
                     + (f"，已入学{count(r['disabled_enrolled'])}人（{pct(r['disabled_enrolled_share'])}）"
                        if not _nan(r["disabled_enrolled_share"]) else ""))
    if parts:
        out.append("特殊群体：" + "；".join(parts) + "。")
    rates = [(w, r[c]) for w, c in (("小学辍学率", "dropout_rate_primary"), ("初中辍学率", "dropout_rate_junior"),
                                   ("九年义务教育巩固率", "retention_rate_9yr"), ("入学率", "enrollment_rate"),
                                   ("残疾儿童少年入学率", "disabled_enrollment_rate")) if not _nan(r[c])]
    if rates:
        out.append("县区表填报：" + "、".join(f"{w}{money(v)}%" for w, v in rates) + "。")
    return out or ["特殊群体表中没有本学年的数值。"]


def ledger_years_text(status: pd.DataFrame, prior_year: int) -> list[str]:
    """The paragraphs of the carried-over ledger: the counts by status, then the items the bureau closed
    by hand whose indicator still fails, named."""
    n = status["status"].value_counts()
    head = (f"对照{prior_year}学年整改台账：已整改{int(n.get(LedgerStatus.FIXED, 0))}项，"
            f"整改中{int(n.get(LedgerStatus.ONGOING, 0))}项，逾期{int(n.get(LedgerStatus.OVERDUE, 0))}项；"
            f"本学年新增{int(n.get(LedgerStatus.NEW, 0))}项。")
    out = [head]
    hand = status[status["closed_by_hand"].astype(bool)]
    if len(hand):
        names = "；".join((f"{r.school_name}（{r.stage}）" if r.school_id and r.stage else r.school_name if r.school_id
                          else f"全县{r.stage}" if r.stage else "全县") + r.indicator for r in hand.itertuples())
        out.append(f"台账中填写为已整改、但本学年仍未达标的{len(hand)}项：{names}。请核实整改情况，不得以填报代替整改。")
    late = status[status["status"] == LedgerStatus.OVERDUE]
    if len(late):
        out.append(f"逾期未完成的{len(late)}项已超过完成时限，应重新明确整改措施和时限，并落实责任人。")
    return out
