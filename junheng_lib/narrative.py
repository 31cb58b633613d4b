"""Evaluation tables → Chinese sentences in the register of the bureau reports.

Every number in a sentence comes from the computed tables; the wording follows the facts
(pass/fail, one stage or both, one indicator or several).

Examples
--------
>>> import pandas as pd
>>> coef = pd.DataFrame({"stage": ["小学", "初中"], "standard": "basic", "indicator": "composite",
...                      "cv": [0.53, 0.31], "limit": [0.65, 0.55], "passed": [True, True]})
>>> basic_summary(coef)
'小学、初中综合差异系数分别为0.530和0.310，均达到国家规定标准（小学≤0.65，初中≤0.55）。'
"""
from __future__ import annotations

import pandas as pd

from .indicators import BASIC, QUALITY, label
from .reporting import fmt_cv

__all__ = ["basic_summary", "quality_summary"]


def _join(items: list[str]) -> str:
    return "、".join(items)


def basic_summary(coef: pd.DataFrame) -> str:
    """One sentence on the 综合差异系数 of both stages against their limits."""
    c = coef[(coef["standard"] == BASIC) & (coef["indicator"] == "composite")]
    if c.empty:
        return "没有可计算的学校，无法评估基本均衡。"
    stages = c["stage"].tolist()
    vals = [fmt_cv(v) for v in c["cv"]]
    limits = "，".join(f"{s}≤{lim:.2f}" for s, lim in zip(stages, c["limit"]))
    if len(stages) == 1:
        head = f"{stages[0]}综合差异系数为{vals[0]}"
    else:
        head = f"{_join(stages)}综合差异系数分别为{'和'.join(vals)}"
    passed = c["passed"].tolist()
    if any(p is None for p in passed):
        bad = [s for s, p in zip(stages, passed) if p is None]
        return f"{head}；{_join(bad)}综合差异系数无法计算（见表注），不能判定是否达标。"
    if all(passed):
        return f"{head}，{'均' if len(stages) > 1 else ''}达到国家规定标准（{limits}）。"
    fail = [s for s, p in zip(stages, passed) if not p]
    ok = [s for s, p in zip(stages, passed) if p]
    tail = f"{_join(ok)}达到标准，" if ok else ""
    gaps = "，".join(f"{s}超出{float(c.loc[c['stage'] == s, 'cv'].iloc[0] - c.loc[c['stage'] == s, 'limit'].iloc[0]):.3f}"
                     for s in fail)
    return f"{head}，{tail}{_join(fail)}未达到国家规定标准（{limits}；{gaps}）。"


def quality_summary(coef: pd.DataFrame, comp: pd.DataFrame) -> str:
    """Sentences on the 7 quality CVs per stage and on per-school compliance."""
    parts = []
    for stage, c in coef[coef["standard"] == QUALITY].groupby("stage", sort=False):
        over = c[c["passed"].eq(False)]
        limit = c["limit"].iloc[0]
        if over.empty and c["passed"].eq(True).all():
            parts.append(f"{stage}7项指标差异系数均不高于{limit:.2f}，达到优质均衡要求")
        else:
            items = [f"{r.indicator}{label(r.indicator)}（{fmt_cv(r.cv)}）" for r in over.itertuples()]
            parts.append(f"{stage}有{len(over)}项指标差异系数高于{limit:.2f}：{_join(items)}")
    text = "；".join(parts) + "。" if parts else ""
    for stage, cm in comp.groupby("stage", sort=False):
        n, ok = len(cm), int(cm["passed"].sum())
        if ok == n:
            text += f"{stage}{n}所学校均达到“至少6项达标、其余不低于85%”的要求。"
        else:
            text += f"{stage}{n}所学校中{ok}所达到“至少6项达标、其余不低于85%”的要求，{n - ok}所未达到。"
    return text



