"""Evaluation tables → Chinese paragraphs in the register of the bureau reports.

Every number in a sentence comes from the computed tables; the wording follows the facts
(pass/fail, rise/fall, one stage or both, one school or several). Functions return plain text
(no markup); :func:`junheng_lib.render.notebook.md` escapes it for display.

Examples
--------
>>> import pandas as pd
>>> coef = pd.DataFrame({"stage": ["小学", "初中"], "standard": "basic", "indicator": "composite",
...                      "cv": [0.53, 0.31], "limit": [0.65, 0.55], "passed": [True, True]})
>>> basic_summary(coef)
'小学、初中综合差异系数分别为0.530和0.310，均达到国家规定标准（小学≤0.65，初中≤0.55）。'
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from junheng_lib.analysis.readiness import grade_text
from junheng_lib.analysis.trends import resource_of, resource_warnings
from junheng_lib.rules.codes import Status
from junheng_lib.rules.indicators import (
    BASIC,
    INDICATORS,
    QUALITY,
    RULES,
    STAGE_ORDER,
    codes,
    label,
)
from junheng_lib.rules.options import Options

__all__ = ["warning_reason", "basic_summary", "quality_summary", "overview_text", "basic_detail", "shortfall_text", "size_text",
           "staffing_text", "gap_text", "items_text", "growth_text", "trend_text", "problems", "amount", "fmt_cv",
           "rule_text", "name", "pct", "group_name", "group_reason", "conclusion", "staffing_scope_note",
           "quality_scope_note"]


#: how the text names the schools of a stage: 无初中学校, 小学均不参与计算
SCHOOLS_OF = {"小学": "小学", "初中": "初中学校"}


def fmt_cv(x) -> str:
    """A CV as provincial tables print it (3 decimals); '—' when undefined."""
    return "—" if x is None or (isinstance(x, float) and np.isnan(x)) else f"{x:.{RULES['display']['cv_decimals']}f}"


def _join(items) -> str:
    items = list(items)
    return "、".join(items)


def name(code: str) -> str:
    """The rule table's name of an indicator (``composite``: 综合差异系数) — prose never shows a code.

    >>> name("Y4"), name("composite")
    ('生均教学及辅助用房面积', '综合差异系数')
    """
    return RULES["basic"]["composite_name"] if code == "composite" else label(code)


def cv_name(code: str) -> str:
    """The CV of an indicator in words (``composite`` is already one: never "综合差异系数差异系数").

    >>> cv_name("Y4"), cv_name("composite")
    ('生均教学及辅助用房面积差异系数', '综合差异系数')
    """
    return name(code) if code == "composite" else f"{name(code)}差异系数"


def pct(x: float, decimals: int = 0) -> str:
    """A share as the tables print it (:class:`junheng_lib.render.table.Column` ``pct``): the text and the
    table it cites agree.

    >>> pct(0.234), pct(0.225), pct(0.9061, 1)
    ('23%', '22%', '90.6%')
    """
    return f"{float(x) * 100:.{decimals}f}%"


def _pct_sum(shares) -> str:
    """The sum of shares as the reader adds up the rounded figures shown (23% + 22% = 45%)."""
    return f"{sum(int(pct(v)[:-1]) for v in shares)}%"


def _standard_name(std: str) -> str:
    return RULES["basic" if std == BASIC else "quality"]["name"]


def group_name(g) -> str:
    """A warning of one resource (a row of :func:`junheng_lib.analysis.trends.resource_warnings`) by name:
    both indicators when a 基本均衡 and a 优质均衡 indicator measure the resource.

    >>> group_name({"basic_indicator": "L1", "quality_indicator": "Y4"})
    '生均教学及辅助用房面积（基本均衡、优质均衡）'
    >>> group_name({"basic_indicator": "L7", "quality_indicator": "Y1"})
    '生均高于规定学历教师数（基本均衡）和每百名学生拥有高于规定学历教师数（优质均衡）'
    >>> group_name({"basic_indicator": None, "quality_indicator": "Y2"})
    '每百名学生拥有县级及以上骨干教师数'
    """
    b, q = (v if isinstance(v, str) and v else None for v in (g["basic_indicator"], g["quality_indicator"]))
    if b and q:
        if name(b) == name(q):
            return f"{name(b)}（{_standard_name(BASIC)}、{_standard_name(QUALITY)}）"
        return f"{name(b)}（{_standard_name(BASIC)}）和{name(q)}（{_standard_name(QUALITY)}）"
    return name(b or q)


def group_reason(g) -> str:
    """The reason of a grouped warning: one reason, or each standard's when they differ."""
    kinds = {std: g[f"{std}_kind"] for std in (BASIC, QUALITY) if g[f"{std}_kind"]}
    if len(set(kinds.values())) <= 1:
        return warning_reason(g["kind"])
    return "；".join(f"{_standard_name(std)}{warning_reason(k)}" for std, k in kinds.items())


def _group_cv(g) -> float:
    """The CV of a grouped warning that is judged against a limit (quality, or the composite)."""
    q = g["quality_cv"]
    return g["basic_cv"] if q is None or (isinstance(q, float) and np.isnan(q)) else q


def _limited(g) -> str:
    """The indicator of a grouped warning that has a limit (a 优质均衡 one, or the composite): only it
    can be near its limit or newly fail."""
    q = g["quality_indicator"]
    return q if isinstance(q, str) and q else g["basic_indicator"]


def _groups(w: pd.DataFrame) -> pd.DataFrame:
    if w.empty:
        return resource_warnings(pd.DataFrame(columns=["year", "county", "stage", "resource", "standard",
                                                       "indicator", "cv", "limit", "change", "kind"]))
    if "resource" not in w:
        w = w.assign(resource=w["indicator"].map(resource_of))
    if "county" not in w:
        w = w.assign(county="")
    return resource_warnings(w)


def amount(x: float, unit: str) -> str:
    """A quantity as the reports say it: 约31.2万平方米, 约2.35亿元, 177人, 8间."""
    if unit == "㎡":
        return f"约{x / 1e4:.1f}万平方米" if x >= 1e4 else f"约{x:,.0f}平方米"
    if unit == "元":
        return f"约{x / 1e8:.2f}亿元" if x >= 1e8 else (f"约{x / 1e4:,.0f}万元" if x >= 1e4 else f"{x:,.0f}元")
    return f"{x:,.0f}{unit}"


def basic_summary(coef: pd.DataFrame) -> str:
    """One sentence on the 综合差异系数 of both stages against their limits."""
    c = coef[(coef["standard"] == BASIC) & (coef["indicator"] == "composite")]
    if c.empty:
        return "没有可计算的学校，无法评估基本均衡。"
    stages = c["stage"].tolist()
    vals = [fmt_cv(v) for v in c["cv"]]
    limits = "，".join(f"{s}≤{lim:.2f}" for s, lim in zip(stages, c["limit"]))
    head = f"{stages[0]}综合差异系数为{vals[0]}" if len(stages) == 1 else \
        f"{_join(stages)}综合差异系数分别为{'和'.join(vals)}"
    passed = c["passed"].tolist()
    if any(p is None for p in passed):
        bad = [s for s, p in zip(stages, passed) if p is None]
        return f"{head}；{_join(bad)}综合差异系数无法计算（见表注），不能判定是否达标。"
    if all(passed):
        return f"{head}，{'均' if len(stages) > 1 else ''}达到国家规定标准（{limits}）。"
    fail = [s for s, p in zip(stages, passed) if not p]
    ok = [s for s, p in zip(stages, passed) if p]
    gaps = "，".join(f"{s}高出{float(c.loc[c['stage'] == s, 'cv'].iloc[0] - c.loc[c['stage'] == s, 'limit'].iloc[0]):.3f}"
                     for s in fail)
    if ok:
        return f"{head}，{_join(ok)}达到标准，{_join(fail)}未达到国家规定标准（{limits}；{gaps}）。"
    return f"{head}，{'均' if len(fail) > 1 else ''}未达到国家规定标准（{limits}；{gaps}）。"


def basic_detail(coef: pd.DataFrame, contributions: dict | None = None) -> str:
    """Which single CVs are largest per stage and, when given, the schools behind them.

    ``contributions``: {(stage, code): DataFrame of :func:`junheng_lib.analysis.coefficients.cv_contributions`}.
    """
    out = []
    for stage, c in coef[(coef["standard"] == BASIC) & (coef["indicator"] != "composite")].groupby("stage", sort=False):
        c = c.dropna(subset=["cv"]).sort_values("cv", ascending=False)
        if c.empty:
            continue
        if "n_schools" in c and (c["n_schools"] == 1).all():
            out.append(f"{stage}只有1所学校参与计算，按规定各项差异系数均为0。")
            continue
        top = c.head(2)
        parts = [f"{name(r.indicator)}（{fmt_cv(r.cv)}）" for r in top.itertuples()]
        s = f"{stage}8项指标中差异系数最大的是{'和'.join(parts)}"
        r0 = top.iloc[0]
        k = (stage, r0["indicator"])
        if contributions and k in contributions and not contributions[k].empty:
            t = contributions[k].head(2)
            who = _join(f"{x.school_name}（{_vs_mean(x)}）" for x in t.itertuples())
            shares = "、".join(pct(v) for v in t["share"])
            share = f"分别占{shares}，合计{_pct_sum(t['share'])}" if len(t) > 1 else f"占{shares}"
            s += f"，离散程度主要来自{who}（{share}）"
            far = [x for x in t.itertuples() if getattr(x, "outlier", False) is True]
            if far:
                s += "；" + _join(f"{x.school_name}为全县均值的{x.ratio:.1f}倍" for x in far) + \
                     "，可能是数据填报错误或异常值，应先核实"
        out.append(s + "。")
    return "".join(out)


def _value(x: float, code: str) -> str:
    unit = INDICATORS.loc[code, "unit"]
    return f"{x:,.{int(INDICATORS.loc[code, 'decimals'])}f}{unit}"


def _vs_mean(x) -> str:
    """'106.68册，比全县均值16.02册高90.66册': the value, the mean and the difference, each stated."""
    word = "高" if x.deviation >= 0 else "低"
    return f"{_value(x.value, x.indicator)}，比全县均值{_value(x.mean, x.indicator)}{word}{_value(abs(x.deviation), x.indicator)}"


def quality_summary(coef: pd.DataFrame, comp: pd.DataFrame) -> str:
    """Sentences on the 7 quality CVs per stage and on per-school compliance."""
    parts = []
    for stage, c in coef[coef["standard"] == QUALITY].groupby("stage", sort=False):
        over = c[c["passed"].eq(False)]
        limit = c["limit"].iloc[0]
        if over.empty and c["passed"].eq(True).all():
            parts.append(f"{stage}7项指标差异系数均不高于{limit:.2f}，达到优质均衡要求")
        else:
            items = [f"{name(r.indicator)}（{fmt_cv(r.cv)}）" for r in over.itertuples()]
            n = "1项" if len(over) == 1 else f"{len(over)}项"
            parts.append(f"{stage}有{n}指标差异系数高于{limit:.2f}：{_join(items)}")
    text = "；".join(parts) + "。" if parts else ""
    for stage, cm in comp.groupby("stage", sort=False):
        n, ok = len(cm), int(cm["passed"].sum())
        rule = f"“至少{RULES['quality']['min_met']}项达标、其余不低于{RULES['quality']['floor_share']:.0%}”"
        if n == 1:
            text += f"{stage}1所学校{'达到' if ok else '未达到'}{rule}的要求。"
        elif ok == n:
            text += f"{stage}{n}所学校均达到{rule}的要求。"
        elif ok == 0:
            text += f"{stage}{n}所学校均未达到{rule}的要求。"
        elif n - ok == 1:
            bad = cm.loc[~cm["passed"], "school_name"].iloc[0]
            text += f"{stage}{n}所学校中仅{bad}未达到{rule}的要求。"
        else:
            text += f"{stage}{n}所学校中{ok}所达到{rule}的要求，{n - ok}所未达到。"
    return text


def shortfall_text(totals: pd.DataFrame, costs: pd.DataFrame | None = None) -> str:
    """"按标准测算，小学教学及辅助用房面积差额约3.0万平方米（12所学校）……" from the shortfall totals,
    and beside it the budget of the least-cost compliance plan, saying which is which.

    ``costs``: per stage (index), ``plan_cost`` (元, the least-cost plan that makes every school
    pass) and optionally ``cost`` (元, the whole shortfall at the same unit costs).
    """
    t = totals[totals["shortfall"] > 0]
    if t.empty:
        return "各校7项指标均已达到标准，无需补足。"
    out = []
    for stage, g in t.groupby("stage", sort=False):
        items = [f"{r.resource}{amount(r.shortfall, r.unit)}（{r.schools_short}所学校）" for r in g.itertuples()]
        out.append(f"{stage}{_join(items)}")
    text = "按每校达到标准值测算，全县" + "；".join(out) + "。"
    if costs is None or costs.empty:
        return text
    n = RULES["narrative"]
    q = RULES["quality"]

    def by_stage(col):
        v = costs[col]
        total = amount(float(v.sum()), "元")
        if len(v) < 2:
            return total
        return total + "（" + "、".join(f"{st}{amount(float(x), '元')}" for st, x in v.items()) + "）"
    text += n["plan_note"].format(min_met=q["min_met"], floor=pct(q["floor_share"]), plan=by_stage("plan_cost"))
    if "cost" in costs:
        text += n["full_cost_note"].format(full=amount(float(costs["cost"].sum()), "元"))
    return text + "。"


def overview_text(county: str, year: int, overview: pd.DataFrame, mix: pd.DataFrame) -> str:
    """基本情况 in one paragraph: schools, students, teachers, change from last year.

    ``overview``: :func:`junheng_lib.evaluation.overview` (per stage, numbers); ``mix``:
    :func:`junheng_lib.evaluation.school_mix` (types × 城乡 with 合计).
    """
    total = int(mix.loc["合计", "合计"]) if "合计" in mix.index else 0
    tp = int(mix.loc["教学点", "合计"]) if "教学点" in mix.index else 0
    parts = [f"{year}学年，{county}共有义务教育阶段学校{total - tp}所" + (f"、教学点{tp}个" if tp else "")]
    for r in overview.itertuples():
        if not r.schools:
            parts.append(f"无{SCHOOLS_OF.get(r.stage, r.stage)}")
            continue
        s = f"{r.stage}在校生{r.students:,.0f}人、专任教师{r.teachers:,.0f}人"
        if not pd.isna(r.students_prev):
            d = int(round(r.students - r.students_prev))
            s += "，在校生与上年持平" if d == 0 else f"，在校生比上年{'增加' if d > 0 else '减少'}{abs(d):,d}人"
        parts.append(s)
    return "；".join(parts) + "。"


def size_text(bands: pd.DataFrame, class_sf: pd.DataFrame, school_size: pd.DataFrame) -> str:
    """规模与班额: large classes, standard share, oversize schools, class and place shortfalls."""
    labels = RULES["class_size"]["band_labels"]
    out = []
    if bands.empty:
        out.append("未提供班级表，无法统计班额分布")
    for r in bands.itertuples():
        big, huge = getattr(r, labels[2]), getattr(r, labels[3])
        s = f"{r.stage}共{r.classes}个班，标准班额占{pct(r.standard_share, 1)}"
        s += f"，{labels[2]}{big}个、{labels[3]}{huge}个" if big or huge else f"，无{labels[2]}"
        out.append(s)
    over = school_size[school_size["over"]]
    out.append(f"超规模学校{len(over)}所（{_join(over['school_name'].head(5))}{'等' if len(over) > 5 else ''}）"
               if len(over) else "无超规模学校")
    cs = class_sf.groupby("stage", sort=False)[["class_shortfall", "place_shortfall"]].sum(min_count=1)
    for stage, r in cs.iterrows():
        if r["class_shortfall"] > 0 or (r["place_shortfall"] or 0) > 0:
            s = f"{stage}按标准班额测算教学班缺额{int(r['class_shortfall'])}班"
            if not np.isnan(r["place_shortfall"]):
                s += f"、学位缺额{int(r['place_shortfall']):,d}个（缺额班数×标准班额）"
            out.append(s)
    return "；".join(out) + "。"


def staffing_text(staff: pd.DataFrame) -> str:
    """师资配置: students per teacher against the staffing standard, per stage."""
    out = []
    for r in staff.itertuples():
        # 专任教师 are not the 编制 basis (教职工): the comparison with the staffing standard is in 教职工编制
        out.append(f"{r.stage}生师比{r.students_per_teacher:.1f}:1（按专任教师计）；"
                   f"高于规定学历教师占{pct(r.above_degree_share, 1)}，中级及以上职称占{pct(r.mid_title_share, 1)}")
    return "；".join(out) + "。" if out else ""


def gap_text(gap: pd.DataFrame) -> str:
    """城乡差距: the largest 乡村/城区 gap and the between-group share of inequality, per stage."""
    out = []
    for stage, g in gap.groupby("stage", sort=False):
        g = g.dropna(subset=["rural_to_urban"])
        if g.empty:
            out.append(f"{stage}缺少城区或乡村学校，无法比较城乡差距")
            continue
        worst = g.sort_values("rural_to_urban").iloc[0]
        s = (f"{stage}乡村学校{name(worst['indicator'])}为城区的{pct(worst['rural_to_urban'])}，是城乡差距最大的指标")
        b = g.dropna(subset=["between_share"])
        if not b.empty:
            top = b.sort_values("between_share", ascending=False).iloc[0]
            s += (f"；按泰尔指数分解，{name(top['indicator'])}的校际差异中{pct(top['between_share'])}来自城区、镇区、乡村之间，"
                  f"其余来自同类地区学校之间")
        out.append(s)
    return "。".join(out) + "。" if out else ""


def item_phrase(r) -> str:
    """One county item by name with its value and standard (a 是/否 item by name alone)."""
    if r.standard == "是":
        return f"{r.item}（未落实）" if r.value == "否" else str(r.item)
    return f"{r.item}（实际{r.value}，标准{r.standard}）" if r.value else str(r.item)


def item_phrases(items: pd.DataFrame) -> str:
    """Several county items by name, each with value and standard, as one list."""
    return "；".join(item_phrase(r) for r in items.itertuples())


def items_text(items: pd.DataFrame) -> str:
    """政府保障程度 / 教育质量 / 社会认可度: counts of 达标/未达标/未提供 and which fail."""
    out = []
    for grp, g in items.groupby("group", sort=False):
        if grp == RULES["basic"]["items_group"]:
            continue
        n = len(g)
        ok = g[g["status"] == Status.PASS]
        bad = g[g["status"] == Status.FAIL]
        miss = g[g["status"] == Status.MISSING]
        s = f"{grp}{n}项中{Status.PASS.word}{len(ok)}项" if n > 1 else f"{grp}{Status.PASS.word if len(ok) else ''}"
        if n == 1 and len(bad):
            s = f"{grp}为{bad['value'].iloc[0]}，未达到{bad['standard'].iloc[0]}的要求"
        elif n == 1 and len(miss):
            s = f"{grp}未提供数据"
        elif n == 1:
            s = f"{grp}为{ok['value'].iloc[0]}，达到要求"
        else:
            if len(bad):
                s += f"，未达标{len(bad)}项：{item_phrases(bad)}"
            if len(miss):
                s += f"，未提供数据{len(miss)}项（不计为达标）：{_join(str(x) for x in miss['item'])}"
        out.append(s)
    return "".join(o + "。" for o in out) if out else "未提供县区表，政府保障程度、教育质量和社会认可度无法评估。"


def growth_text(growths: pd.DataFrame) -> str:
    """经费"三个增长"."""
    if growths.empty or (growths["status"] == Status.MISSING).all():
        return "缺少上一学年的经费数据，无法判断“三个增长”。"
    bad = growths[growths["status"] == Status.FAIL]
    if bad.empty:
        return "教育经费实现“三个增长”。"
    return "教育经费“三个增长”未全部实现：" + "；".join(f"{r.item}（{r.value}）" for r in bad.itertuples()) + "。"


def trend_text(trend: pd.DataFrame, year: int) -> str:
    """Composite CVs against last year, and the warnings: one per underlying resource (a 基本均衡 and
    a 优质均衡 indicator of the same resource are one warning, both named), the count as the
    warning table shows them."""
    c = trend[(trend["indicator"] == "composite")]
    cur = c[c["year"] == year]
    out = []
    for r in cur.itertuples():
        if r.change is None or np.isnan(r.change):
            out.append(f"{r.stage}综合差异系数{fmt_cv(r.cv)}（无上年数据）")
            continue
        prev = r.cv - r.change
        # the direction the printed figures show (0.1564 → 0.1561 both print 0.156: 持平)
        shown = float(fmt_cv(r.cv)) - float(fmt_cv(prev))
        word = "上升" if shown > 0 else ("下降" if shown < 0 else "持平")
        out.append(f"{r.stage}综合差异系数由上年的{fmt_cv(prev)}{word}到{fmt_cv(r.cv)}" if word != "持平"
                   else f"{r.stage}综合差异系数与上年{'持平' if r.change == 0 else '基本持平'}（{fmt_cv(r.cv)}）")
    g = _groups(trend[(trend["year"] == year) & (trend["kind"] != "")])
    if g.empty:
        out.append("各项差异系数均无预警")
        return "；".join(out) + "。"
    pair = (g["basic_indicator"].notna() & g["quality_indicator"].notna()).any()
    text = "；".join(out) + f"。共有{len(g)}项预警（连续上升、接近或超过标准" + \
        ("；同一资源的基本均衡与优质均衡指标计为一项" if pair else "") + "）："
    per = [f"{stage}{len(x)}项，为{_join(group_name(r) for _, r in x.iterrows())}"
           for stage, x in g.groupby("stage", sort=False)]
    return text + "；".join(per) + "。"


def warning_reason(kind: str) -> str:
    """The reason of a CV warning in words (``kind`` of :func:`junheng_lib.analysis.trends.cv_trend`).

    >>> warning_reason("near_limit")
    '距标准不足0.05'
    """
    w = RULES["warning"]
    return {"newly_failed": "上年达标、本年未达标",
            "rising_near": f"连续{w['rising_years']}年上升且距标准不足{w['margin']:g}",
            "near_limit": f"距标准不足{w['margin']:g}", "rising": f"连续{w['rising_years']}年上升"}.get(kind, "")


def problems(tables: dict, county: str, contributions: pd.DataFrame | None = None) -> pd.DataFrame:
    """存在问题 and 下一步建议, most serious first, each problem with its suggestion.

    Severity: 1 基本均衡 not met; 2 a quality CV over its limit; 3 schools failing the standards;
    4 warnings (newly failed, rising, near the limit); 5 county items not met; 6 class and school
    size; 7 三个增长; 8 inputs not provided. A school far above the county mean among the schools
    behind a CV (``contributions``: :func:`junheng_lib.evaluation.contributions`, its ``outlier``
    flag) is a likely data error (数据待核实): it follows the 基本均衡 failures (1) when there are
    any, else the quality CVs (2); the suggestion is to verify it, not to fill weak schools up to it.

    Returns ``severity, problem, suggestion, brief`` (``brief``: the problem in one clause, for the
    总体结论; the problem itself unless it lists many schools).
    """
    rows = []
    nt = RULES["narrative"]
    far = outliers(contributions)
    basic = tables["basic"]
    for r in basic[(basic["indicator"] == "composite") & basic["passed"].eq(False)].itertuples():
        worst = basic[(basic["stage"] == r.stage) & (basic["indicator"] != "composite")].sort_values("cv").iloc[-1]
        f = far[(far["stage"] == r.stage) & (far["indicator"] == worst["indicator"])]
        if len(f):
            x = f.iloc[0]
            sugg = nt["outlier_first"].format(school=x["school_name"], indicator=name(x["indicator"]),
                                              ratio=f"{x['ratio']:.1f}", stage=r.stage, limit=f"{r.limit:.2f}")
        else:
            sugg = (f"优先补齐{r.stage}薄弱学校的{name(worst['indicator'])}等短板，缩小校际差距，"
                    f"确保综合差异系数降到{r.limit:.2f}以下。")
        rows.append((1, f"{r.stage}综合差异系数{fmt_cv(r.cv)}，超过国家标准{r.limit:.2f}，基本均衡未达标。", sugg))
    # data to verify: with the 基本均衡 failures it may explain, else after the quality CVs
    outlier_rows = _outlier_rows(far, 1 if rows else 2)
    rows += outlier_rows if rows else []
    q = tables["quality"]
    for stage, g in q[q["passed"].eq(False)].groupby("stage", sort=False):
        g = g.sort_values("cv", ascending=False)
        worst = g.iloc[0]
        res = _join(dict.fromkeys(INDICATORS.loc[g["indicator"], "resource"]))
        order = [c for c in INDICATORS.index if c in set(g["indicator"])]
        head = (f"{stage}{name(worst['indicator'])}差异系数为{fmt_cv(worst['cv'])}，超过{worst['limit']:.2f}。"
                if len(g) == 1 else
                f"{stage}{_join(name(c) for c in order)}共{len(g)}项指标差异系数超过{worst['limit']:.2f}，"
                f"其中{name(worst['indicator'])}最高（{fmt_cv(worst['cv'])}）。")
        rows.append((2, head,
                     f"按“削峰填谷”思路，向{stage}相关指标偏低的学校倾斜配置{res}。"))
    rows += [r for r in outlier_rows if r[0] == 2]
    comp = tables["compliance"]
    sf = tables["shortfall_totals"]
    for stage, cm in comp.groupby("stage", sort=False):
        bad = cm[~cm["passed"]]
        if len(bad):
            s = sf[(sf["stage"] == stage) & (sf["shortfall"] > 0)].sort_values("schools_short", ascending=False)
            need = _join(f"{r.resource}{amount(r.shortfall, r.unit)}" for r in s.head(3).itertuples())
            rows.append((3, f"{stage}{len(bad)}所学校（共{len(cm)}所）未达到优质均衡资源配置标准。",
                         f"制定逐校达标计划，重点补足{need}。" if need else "制定逐校达标计划。"))
    w = _groups(tables["warnings"])
    newly = w[w["kind"] == "newly_failed"]
    if len(newly):
        rows.append((4, f"{_join(r['stage'] + cv_name(_limited(r)) for _, r in newly.iterrows())}由上年达标变为未达标。",
                     "查明变化原因（新建、撤并学校或学生流动），防止均衡水平滑坡。"))
    near = w[w["kind"].isin(["rising_near", "near_limit"])]
    if len(near):
        rows.append((4, f"{_join(r['stage'] + name(_limited(r)) + '（' + fmt_cv(_group_cv(r)) + '）' for _, r in near.iterrows())}"
                        "接近标准上限。", "纳入动态监测，提前安排资源，防止超标。"))
    items = tables["county_items"]
    bad_items = items[items["status"] == Status.FAIL]
    for grp, g in bad_items.groupby("group", sort=False):
        rows.append((5, f"{grp}有{len(g)}项未达标：{item_phrases(g)}。",
                     f"对照{grp}各项要求逐项整改，明确责任单位和完成时限。"))
    bands = tables["class_bands"]
    labels = RULES["class_size"]["band_labels"]
    if not bands.empty and (bands[labels[2]] + bands[labels[3]]).sum() > 0:
        n = int((bands[labels[2]] + bands[labels[3]]).sum())
        rows.append((6, f"仍有{labels[2]}及{labels[3]}{n}个。", "通过新建、改扩建学校和优化招生划片，消除大班额。"))
    over_size = tables["school_size"]["over"].sum()
    if over_size:
        rows.append((6, f"有{int(over_size)}所学校规模超过标准。", "合理规划学校布局，控制超大规模学校。"))
    g3 = tables["three_growths"]
    if (g3["status"] == Status.FAIL).any():
        rows.append((7, "教育经费“三个增长”未全部实现。", "落实教育投入法定增长要求，保障义务教育经费逐年增长。"))
    miss = items[items["status"] == Status.MISSING]
    if len(miss):
        rows.append((8, f"有{len(miss)}项评估指标缺少数据，无法判断是否达标。", "补充报送相关佐证材料和统计数据。"))
    rows = [r if len(r) == 4 else (*r, r[1]) for r in rows]
    out = pd.DataFrame(rows, columns=["severity", "problem", "suggestion", "brief"])
    return out.sort_values("severity", kind="stable").reset_index(drop=True)


def outliers(contributions: pd.DataFrame | None) -> pd.DataFrame:
    """The schools behind a CV flagged far above the county mean, once per school × stage × resource
    (L1 and Y4 measure the same rooms), largest share first."""
    cols = ["stage", "indicator", "school_name", "value", "mean", "ratio", "share"]
    if contributions is None or contributions.empty or "outlier" not in contributions:
        return pd.DataFrame(columns=cols)
    f = contributions[contributions["outlier"].eq(True)]
    f = f.assign(resource=f["indicator"].map(lambda c: INDICATORS.loc[c, "numerator"]))
    f = f.sort_values("stage", key=lambda s: s.map(STAGE_ORDER), kind="stable")
    return f.drop_duplicates(["stage", "school_name", "resource"]).reset_index(drop=True)


def outlier_items(far: pd.DataFrame) -> str:
    """The values flagged far above the county mean (:func:`outliers`), each with school, value, mean
    and share, as one list — the same words in 数据待核实 and in 十、数据质量."""
    nt = RULES["narrative"]
    return "；".join(nt["outlier_item"].format(
        stage=x["stage"], school=x["school_name"], indicator=name(x["indicator"]),
        value=_value(x["value"], x["indicator"]), mean=_value(x["mean"], x["indicator"]), ratio=f"{x['ratio']:.1f}",
        share=pct(x["share"])) for _, x in far.iterrows())


def outlier_text(template: str, far: pd.DataFrame, **more) -> str:
    """``template`` filled with the flagged values (:func:`outliers`): ``{n}``, ``{items}`` and the
    rule table's ``{factor}`` and ``{share}`` — the one wording of 数据待核实 and 十、数据质量."""
    nt = RULES["narrative"]
    return template.format(n=len(far), items=outlier_items(far), factor=f"{float(nt['outlier_factor']):g}",
                           share=pct(nt["outlier_min_share"]), **more)


def _outlier_rows(far: pd.DataFrame, severity: int) -> list:
    """One problem (数据待核实) naming every school flagged far above the mean, and its suggestion."""
    if far.empty:
        return []
    nt = RULES["narrative"]
    resources = _join(dict.fromkeys(INDICATORS.loc[c, "resource"] for c in far["indicator"]))
    return [(severity, outlier_text(nt["outlier_problem"], far),
             nt["outlier_suggestion"].format(resources=resources),
             outlier_text(nt["outlier_brief"], far, schools=far["school_name"].nunique()))]


def rule_text(topic: str) -> str:
    """The rule a report section applies, in words, with every number from the rule table.

    ``topic``: ``basic``, ``quality``, ``rooms``, ``warning`` or ``risk``.

    >>> rule_text("rooms")
    '音乐、美术专用教室未达到“每12个班各1间、音乐教室不小于96㎡、美术教室不小于90㎡”的学校：'
    """
    b, q, r, w = RULES["basic"]["composite_limit"], RULES["quality"], RULES["rooms"], RULES["warning"]
    if topic == "basic":
        return ("全县平均值为学生加权值（各校总量之和 ÷ 在校生总数）；差异系数为学生加权的总体标准差 ÷ 平均值；"
                f"综合差异系数为8项差异系数的算术平均，小学不高于{b['小学']:.2f}、初中不高于{b['初中']:.2f}为达标。")
    if topic == "quality":
        lim = q["cv_limit"]
        return (f"每项指标的差异系数小学不高于{lim['小学']:.2f}、初中不高于{lim['初中']:.2f}；"
                f"每所学校至少{q['min_met']}项达到标准、其余不低于标准的{q['floor_share']:.0%}。")
    if topic == "rooms":
        return (f"音乐、美术专用教室未达到“每{r['classes_per_room']}个班各1间、音乐教室不小于{r['music_area']}㎡、"
                f"美术教室不小于{r['art_area']}㎡”的学校：")
    if topic == "warning":
        return f"差异系数连续{w['rising_years']}年上升、距标准不足{w['margin']:g}或由达标变为未达标时预警。"
    if topic == "risk":
        return f"差异系数由达标变为未达标，或距标准不足{w['margin']:g}。"
    raise ValueError(f"unknown topic {topic!r}")


# ---------------------------------------------------------------------------------------------- 总体结论
def _numeral(k: int) -> str:
    return "一二三四五六七八九十"[k - 1] if 1 <= k <= 10 else str(k)


def conclusion(verdicts: pd.DataFrame, parts: pd.DataFrame, basic_items: pd.DataFrame, probs: pd.DataFrame,
               plan_cost: float | None = None, grade: str | None = None, conditions: str | None = None) -> list[str]:
    """总体结论: the 基本均衡 verdict, the four parts of 优质均衡 and their state, the main problems and
    the readiness for 优质均衡 — in that order, one paragraph each. Reads verdicts; decides none.

    Parameters
    ----------
    verdicts : DataFrame
        :meth:`junheng_lib.evaluation.Evaluation.stage_verdicts`.
    parts : DataFrame
        :meth:`junheng_lib.evaluation.Evaluation.quality_parts`.
    basic_items : DataFrame
        The county items of 基本均衡 (group ``[basic] items_group``) with ``status``.
    probs : DataFrame
        :func:`problems` (most serious first); the first ``[narrative] main_problems`` are named.
    plan_cost : float, optional
        元 of the least-cost compliance plan (all stages).
    grade : str, optional
        The county's readiness grade (:meth:`junheng_lib.evaluation.Evaluation.readiness`, the scale
        the city roll-up uses); its sentence comes from the rule table.
    conditions : str, optional
        基本均衡's four conditions and verdict in words
        (:func:`junheng_lib.report.balance_text.conditions_sentence`); given, it opens the
        基本均衡 paragraph, the composite is named as what it is (校际均衡) and the county items of
        基本均衡 are among the conditions.
    """
    nt, words = RULES["narrative"], RULES["narrative"]["part_status"]
    bname, qname = RULES["basic"]["name"], RULES["quality"]["name"]
    out = []
    # 基本均衡
    if verdicts.empty:
        out.append(f"{bname}：没有纳入评估范围的学校，无法评估。")
    else:
        cv = "、".join(f"{st}{fmt_cv(r['composite'])}（标准≤{r['composite_limit']:.2f}）" for st, r in verdicts.iterrows())
        v = verdicts["basic_passed"].tolist()
        if any(x is None for x in v):
            word = "部分学段综合差异系数无法计算，不能判定校际均衡是否达标"
        elif all(v):
            word = "校际均衡达到标准" if len(v) == 1 else "各学段校际均衡均达到标准"
        else:
            bad = [st for st, x in zip(verdicts.index, v) if x is False]
            word = f"{_join(bad)}校际均衡未达到标准"
        s = f"{bname}：综合差异系数{cv}，{word}"
        if conditions:
            s = f"{conditions}。其中校际均衡：综合差异系数{cv}，{word}"
        elif basic_items is not None and len(basic_items):
            nb, nf, nm = len(basic_items), int((basic_items["status"] == Status.FAIL).sum()), \
                int((basic_items["status"] == Status.MISSING).sum())
            s += f"；{bname}的县级指标{nb}项中" + ("、".join(x for x in (
                f"达标{nb - nf - nm}项" if nb - nf - nm else "", f"未达标{nf}项" if nf else "",
                f"{words[Status.MISSING]}{nm}项（未提供数据）" if nm else "") if x))
        out.append(s + "。")
    # 优质均衡: the four parts
    desc = []
    for part, r in parts.iterrows():
        if part == nt["resource_part"]:
            detail = []
            for st, x in verdicts.iterrows():
                n_over, n_undef = len(x["quality_over"]), len(x["quality_undefined"])
                cvs = "差异系数均不高于" + f"{x['quality_limit']:.2f}" if not n_over + n_undef else \
                    f"{len(codes(QUALITY))}项差异系数中" + "、".join(
                        t for t in (f"{n_over}项高于{x['quality_limit']:.2f}" if n_over else "",
                                    f"{n_undef}项无法计算" if n_undef else "") if t)
                n, k = int(x["schools"]), int(x["schools_passed"])
                sch = f"{n}所学校均达标" if n and k == n else (f"{n}所学校均未达标" if n > 1 and k == 0
                                                           else f"{n}所学校中{k}所达标")
                detail.append(f"{st}{cvs}，{sch}")
            desc.append(f"{part}{words[r['status']]}" + (f"（{'；'.join(detail)}）" if detail else ""))
        elif r["items"] == 0:
            desc.append(f"{part}{words[r['status']]}（未提供数据）")
        elif r["items"] == 1:
            desc.append(f"{part}{words[r['status']]}" + ("（未提供数据）" if r["missing"] else ""))
        else:
            bits = [f"{r['items']}项中达标{r['passed']}项"]
            if r["failed"]:
                bits.append(f"未达标{r['failed']}项")
            if r["missing"]:
                bits.append(f"未提供数据{r['missing']}项")
            desc.append(f"{part}{words[r['status']]}（{'，'.join(bits)}）")
    n_ok = int((parts["status"] == Status.PASS).sum())
    out.append(f"{qname}：{len(parts)}个方面中{n_ok}个达标。" + "；".join(desc) + "。")
    # main problems
    top = probs.head(int(nt["main_problems"]))
    if len(top):
        out.append("主要问题：" + "；".join(f"{_numeral(k)}是{p.brief.rstrip('。')}"
                                          for k, p in enumerate(top.itertuples(), start=1))
                   + ("。其余问题见“存在问题与下一步建议”。" if len(probs) > len(top) else "。"))
    else:
        out.append("主要问题：未发现需要整改的问题。")
    # readiness
    schools = int(verdicts["schools"].sum()) if len(verdicts) else 0
    head = f"{qname}准备程度为“{grade}”，{grade_text(grade)}" if grade else ""
    tail = ""
    if schools:
        # per stage: a 九年一贯制 school is a school of each of its stages (the tables count it so)
        tail = "全县达到资源配置标准的学校：" + "、".join(
            f"{stage}{int(v.schools)}所中{int(v.schools_passed)}所" for stage, v in verdicts.iterrows() if v.schools)
        if plan_cost and plan_cost > 0:
            tail += f"，按最低成本达标方案使其余学校达标约需投入{amount(plan_cost, '元').removeprefix('约')}"
    if head or tail:
        out.append("。".join(x for x in (head, tail) if x) + "。")
    return out


# ---------------------------------------------------------------------------------------------- scope notes
def staffing_scope_note(scope: pd.DataFrame) -> str:
    """Why the 师资配置 counts differ from 基本情况: they cover the schools in 基本均衡's scope.

    ``scope``: per stage (index) ``all_students`` (基本情况), ``students`` (in scope) and
    ``excluded`` (list of (category, schools, students) left out).
    """
    out = []
    for stage, r in scope.iterrows():
        d = r["all_students"] - r["students"]
        if round(d) == 0:
            continue
        s = (f"{stage}在校生{r['students']:,.0f}人，比“基本情况”中全县{stage}在校生{r['all_students']:,.0f}人"
             f"{'少' if d > 0 else '多'}{abs(d):,.0f}人")
        ex = [f"{cat}{n}{'个' if cat == '教学点' else '所'}（{st:,.0f}人）" for cat, n, st in r["excluded"]]
        if ex:
            s += "，为不参与计算的" + _join(ex)
        out.append(s)
    if not out:
        return ""
    return "注：师资配置按基本均衡的计算范围统计，" + "；".join(out) + "。"


def quality_scope_note(scope: pd.DataFrame, tp_rule: str, cutoff: int) -> str:
    """Why 优质均衡 counts a different number of schools than 基本均衡 (teaching points).

    ``scope``: per stage (index) ``basic`` and ``quality`` (schools counted), ``tp_quality``
    (teaching points counted in 优质均衡) and ``tp_small`` (teaching points under the cut-off);
    ``tp_rule``: how 基本均衡 treats teaching points (the option's words).
    """
    out = []
    for stage, r in scope.iterrows():
        if r["basic"] == r["quality"]:
            continue
        s = f"{stage}优质均衡按{r['quality']}所学校计算"
        inc = [f"含在校生{cutoff}人及以上的教学点{r['tp_quality']}个" if r["tp_quality"] else "",
               f"不含在校生不足{cutoff}人的教学点{r['tp_small']}个" if r["tp_small"] else ""]
        inc = "，".join(x for x in inc if x)
        s += (f"（{inc}）" if inc else "") + f"，基本均衡按{r['basic']}所计算（教学点{tp_rule}）"
        out.append(s)
    if not out:
        return ""
    return "注：两项评估的学校范围不同：" + "；".join(out) + "。"


# ---------------------------------------------------------------------------------------------- the options in words
#: each open point's choices in words (every report states the choice it used)
TEACHING_POINT_TEXT = {"exclude": "不参与基本均衡差异系数计算", "include": "作为小学参与基本均衡差异系数计算",
                       "merge": "并入所属中心校参与基本均衡差异系数计算"}
SMALL_SCHOOL_TEXT = {"include": "纳入计算", "exclude": "在校生不足{n}人的学校不参与计算"}
DEGREE_TEXT = {"专科": "专科及以上", "本科": "本科及以上(需提供“本科及以上学历教师数(小学)”列)"}


def option_choices(options: Options) -> list[tuple[str, str, bool]]:
    """The choices in Chinese: (open point, choice, whether it is the default), one per open point.

    >>> option_choices(Options(teaching_point_cutoff=30))[-1]
    ('优质均衡计算范围', '在校生30人及以上的教学点参与，不足30人的不参与', False)
    """
    d = options.defaults()
    cut = options.teaching_point_cutoff
    return [
        ("教学点", TEACHING_POINT_TEXT[options.teaching_points], d["teaching_points"]),
        ("小规模学校(教学点除外)", SMALL_SCHOOL_TEXT[options.small_schools].format(n=options.small_school_threshold),
         d["small_schools"]),
        ("小学“高于规定学历”口径", DEGREE_TEXT[options.primary_degree], d["primary_degree"]),
        ("生均教学及辅助用房面积", "扣除室内体育用房面积" if options.net_indoor_sports else "不扣除室内体育用房面积",
         d["net_indoor_sports"]),
        ("优质均衡计算范围", f"在校生{cut}人及以上的教学点参与，不足{cut}人的不参与", d["teaching_point_cutoff"]),
    ]


def options_text(options: Options) -> list[str]:
    """The choices in Chinese, one sentence per open point, for every report.

    >>> options_text(Options(small_schools="exclude"))[1]
    '小规模学校(教学点除外)：在校生不足100人的学校不参与计算'
    """
    return [f"{name}：{text}" + ("(默认)" if is_default else "") for name, text, is_default in option_choices(options)]


def school_rule() -> str:
    """优质均衡's per-school rule in words, from the rule table ("至少6项达标、其余不低于85%")."""
    q = RULES["quality"]
    return f"至少{q['min_met']}项达标、其余不低于{q['floor_share']:.0%}"


def floor_text() -> str:
    """The floor share of a standard in words ("85%")."""
    return f"{RULES['quality']['floor_share']:.0%}"
