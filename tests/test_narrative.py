"""Sentences of the narrative against small known cases: the wording follows the facts."""
import numpy as np
import pandas as pd
import pytest

from junheng_lib.report import narrative as nv


def comp_rows(values, limits=(0.65, 0.55)):
    return pd.DataFrame({"stage": ["小学", "初中"][:len(values)], "standard": "basic", "indicator": "composite",
                         "cv": values, "limit": list(limits)[:len(values)],
                         "passed": [None if v is None or np.isnan(v) else v <= lim for v, lim in zip(values, limits)]})


def test_basic_both_pass():
    assert nv.basic_summary(comp_rows([0.53, 0.31])) == \
        "小学、初中综合差异系数分别为0.530和0.310，均达到国家规定标准（小学≤0.65，初中≤0.55）。"


def test_basic_one_fails():
    s = nv.basic_summary(comp_rows([0.53, 0.60]))
    assert s == ("小学、初中综合差异系数分别为0.530和0.600，小学达到标准，初中未达到国家规定标准"
                 "（小学≤0.65，初中≤0.55；初中高出0.050）。")


def test_basic_both_fail_and_single_stage():
    assert "均未达到国家规定标准" in nv.basic_summary(comp_rows([0.70, 0.60]))
    one = nv.basic_summary(comp_rows([0.40]))
    assert one == "小学综合差异系数为0.400，达到国家规定标准（小学≤0.65）。"


def test_basic_undefined():
    assert "无法计算" in nv.basic_summary(comp_rows([np.nan, 0.3]))


def quality(cvs, stage="小学", limit=0.5):
    return pd.DataFrame({"stage": stage, "standard": "quality", "indicator": [f"Y{i}" for i in range(1, 8)],
                         "cv": cvs, "limit": limit, "passed": [c <= limit for c in cvs]})


def comp(passed, stage="小学"):
    return pd.DataFrame({"stage": stage, "school_name": [f"校{i}" for i in range(len(passed))], "passed": passed})


def test_quality_all_pass_and_all_schools():
    s = nv.quality_summary(quality([0.3] * 7), comp([True, True, True]))
    assert s == "小学7项指标差异系数均不高于0.50，达到优质均衡要求。小学3所学校均达到“至少6项达标、其余不低于85%”的要求。"


def test_quality_one_over_one_school():
    s = nv.quality_summary(quality([0.3, 0.3, 0.3, 0.62, 0.3, 0.3, 0.3]), comp([True, False]))
    assert "小学有1项指标差异系数高于0.50：生均教学及辅助用房面积（0.620）" in s
    assert "小学2所学校中仅校1未达到" in s


def test_quality_several_over_several_schools():
    s = nv.quality_summary(quality([0.6, 0.3, 0.3, 0.62, 0.3, 0.3, 0.3]), comp([True, False, False]))
    assert "有2项指标" in s and "3所学校中1所达到" in s and "2所未达到" in s
    assert "均未达到" in nv.quality_summary(quality([0.3] * 7), comp([False, False]))


def test_amounts_as_reports_say_them():
    assert nv.amount(312000, "㎡") == "约31.2万平方米"
    assert nv.amount(850, "㎡") == "约850平方米"
    assert nv.amount(235_000_000, "元") == "约2.35亿元"
    assert nv.amount(2_345_678, "元") == "约235万元"
    assert nv.amount(177, "人") == "177人"


def test_shortfall_sentence():
    t = pd.DataFrame({"stage": ["小学", "小学"], "indicator": ["Y4", "Y7"], "resource": ["教学及辅助用房面积", "网络多媒体教室"],
                      "unit": ["㎡", "间"], "schools_short": [12, 3], "shortfall": [30450.0, 8.0],
                      "shortfall_85": [10000.0, 2.0]})
    assert nv.shortfall_text(t) == "按每校达到标准值测算，全县小学教学及辅助用房面积约3.0万平方米（12所学校）、网络多媒体教室8间（3所学校）。"
    assert nv.shortfall_text(t.assign(shortfall=0.0)) == "各校7项指标均已达到标准，无需补足。"


def trend(cvs, year0=2022):
    return pd.DataFrame({"year": [year0 + i for i in range(len(cvs))], "stage": "小学", "indicator": "composite",
                         "cv": cvs, "change": [np.nan] + [b - a for a, b in zip(cvs, cvs[1:])],
                         "kind": [""] * len(cvs)})


def test_trend_rise_fall_flat():
    assert nv.trend_text(trend([0.5, 0.55]), 2023).startswith("小学综合差异系数由上年的0.500上升到0.550")
    assert "下降到0.450" in nv.trend_text(trend([0.5, 0.45]), 2023)
    assert "与上年持平" in nv.trend_text(trend([0.5, 0.5]), 2023)
    # a change below the printed precision reads as the printed figures do
    assert "与上年基本持平（0.156）" in nv.trend_text(trend([0.1561, 0.1564]), 2023)
    assert "无上年数据" in nv.trend_text(trend([0.5]), 2022)


def test_items_sentence_counts_missing_as_not_passed():
    items = pd.DataFrame({"group": ["政府保障程度"] * 3 + ["社会认可度"], "no": [1, 2, 3, 1],
                          "item": ["a", "b", "c", "社会认可度达到85%以上"], "value": ["是", "", "否", "80.0%"],
                          "standard": ["是", "是", "是", "≥85%"], "status": ["pass", "missing", "fail", "fail"]})
    s = nv.items_text(items)
    # items by name, never by number; a 是/否 item that fails reads 未落实, a measured one its value and standard
    assert s == ("政府保障程度3项中达标1项，未达标1项：c（未落实），未提供数据1项（不计为达标）：b。"
                 "社会认可度为80.0%，未达到≥85%的要求。")
    assert "第3项" not in s


def test_items_named_with_value_and_standard():
    items = pd.DataFrame({"group": ["教育质量"] * 2, "no": [1, 2], "item": ["巩固率", "体质健康合格率"],
                          "value": ["93.0%", "95.0%"], "standard": ["≥95%", "≥90%"], "status": ["fail", "pass"]})
    assert nv.items_text(items) == "教育质量2项中达标1项，未达标1项：巩固率（实际93.0%，标准≥95%）。"


def test_problems_most_serious_first():
    basic = pd.concat([comp_rows([0.70, 0.30]),
                       pd.DataFrame({"stage": "小学", "standard": "basic", "indicator": ["L1", "L5"], "cv": [0.5, 0.9],
                                     "limit": np.nan, "passed": None})], ignore_index=True)
    empty = pd.DataFrame(columns=["stage", "indicator", "cv", "limit", "passed", "newly_failed", "near_limit",
                                  "warning", "resource", "unit", "shortfall", "schools_short", "status", "group",
                                  "no", "item", "over"])
    tables = {"basic": basic, "quality": quality([0.3, 0.3, 0.3, 0.7, 0.3, 0.3, 0.3]),
              "compliance": comp([True, False]), "shortfall_totals": empty, "warnings": empty,
              "county_items": empty, "class_bands": pd.DataFrame(), "school_size": empty, "three_growths": empty}
    p = nv.problems(tables, "甲县")
    assert p["severity"].tolist() == [1, 2, 3]
    assert p["problem"].iloc[0] == "小学综合差异系数0.700，超过国家标准0.65，基本均衡未达标。"
    assert "生均图书册数" in p["suggestion"].iloc[0]          # the largest single CV (L5) is named
    assert p["problem"].iloc[1] == "小学生均教学及辅助用房面积差异系数为0.700，超过0.50。"



# ---------------------------------------------------------------------------------------------- issue 10 §5
import re

from junheng_lib.analysis.trends import cv_trend, resource_warnings, warnings_table
from junheng_lib.evaluation import Evaluation, contributions

CODE = re.compile(r"(?<![A-Za-z])[LY][1-8](?![0-9])|composite")


def contrib(rows, indicator="L5", stage="小学"):
    """Schools behind a CV: (name, value, mean, share, outlier)."""
    return pd.DataFrame([{"stage": stage, "indicator": indicator, "rank": k, "school_name": n, "value": v, "mean": m,
                          "deviation": v - m, "share": sh, "ratio": v / m, "outlier": o}
                         for k, (n, v, m, sh, o) in enumerate(rows, start=1)])


def test_value_mean_and_difference_each_stated():
    # 128.23 册 against a mean of 24.53: 103.70 above — the mean is 24.53, not 103.70
    basic = pd.DataFrame({"stage": "小学", "standard": "basic", "indicator": ["L5", "L1"], "cv": [0.9, 0.4],
                          "limit": np.nan, "passed": None, "n_schools": 10})
    c = contrib([("双河镇中心学校", 128.23, 24.53, 0.234, False), ("石桥小学", 3.82, 24.53, 0.224, False)])
    s = nv.basic_detail(basic, {("小学", "L5"): c})
    assert "双河镇中心学校（128.23册，比全县均值24.53册高103.70册）" in s
    assert "石桥小学（3.82册，比全县均值24.53册低20.71册）" in s
    # the sum is of the rounded shares the table shows: 23% + 22% = 45% (not 46% from 0.458)
    assert "分别占23%、22%，合计45%" in s
    assert "可能是数据填报错误" not in s


def test_school_far_above_the_mean_is_to_verify_not_to_fill():
    basic = pd.concat([comp_rows([0.70, 0.30]),
                       pd.DataFrame({"stage": "小学", "standard": "basic", "indicator": ["L1", "L5"], "cv": [0.5, 0.9],
                                     "limit": np.nan, "passed": None, "n_schools": 10})], ignore_index=True)
    # 106.68 册 = 6.7 × the mean 16.02; one school makes up 80 % of the variance
    c = contrib([("白马镇中心小学", 106.68, 16.02, 0.80, True), ("石桥小学", 3.82, 16.02, 0.02, False)])
    s = nv.basic_detail(basic, {("小学", "L5"): c})
    assert "白马镇中心小学为全县均值的6.7倍，可能是数据填报错误或异常值，应先核实" in s
    empty = pd.DataFrame(columns=["stage", "indicator", "cv", "limit", "passed", "kind", "resource", "unit",
                                  "shortfall", "schools_short", "status", "group", "no", "item", "over"])
    tables = {"basic": basic, "quality": quality([0.3] * 7), "compliance": comp([True]),
              "shortfall_totals": empty, "warnings": empty, "county_items": empty, "class_bands": pd.DataFrame(),
              "school_size": empty, "three_growths": empty}
    p = nv.problems(tables, "甲县", c)
    assert "补齐薄弱学校" not in p["suggestion"].iloc[0]
    assert p["suggestion"].iloc[0].startswith("先核实白马镇中心小学的生均图书册数数据（为全县均值的6.7倍")
    assert p["problem"].iloc[1] == ("数据待核实：小学白马镇中心小学的生均图书册数为106.68册（全县均值16.02册的6.7倍，占80%）。"
                                    "这些学校的指标值在全县均值的3倍以上，一校即占该项离散程度的25%以上，可能是数据填报错误或异常值。")
    assert "图书和在校生数" in p["suggestion"].iloc[1]
    assert p["brief"].iloc[1] == "1所学校共1项指标值在全县均值的3倍以上，可能是数据填报错误或异常值，需先核实"
    # without the flag: the usual suggestion
    q = nv.problems(tables, "甲县", c.assign(outlier=False))
    assert q["suggestion"].iloc[0].startswith("优先补齐小学薄弱学校的生均图书册数") and len(q) == 1
    # 基本均衡 met: the data check follows the quality CVs over their limit
    ok = tables | {"basic": basic.assign(passed=basic["passed"].where(basic["indicator"] != "composite", True)),
                   "quality": quality([0.3, 0.3, 0.3, 0.7, 0.3, 0.3, 0.3])}
    r = nv.problems(ok, "甲县", c)
    assert r["severity"].tolist() == [2, 2] and r["problem"].iloc[1].startswith("数据待核实：")


def _values(xs, students=100):
    n = len(xs)
    return pd.DataFrame({"year": 2024, "county": "甲县", "stage": "小学", "school_id": [f"S{i}" for i in range(n)],
                         "school_name": [f"校{i}" for i in range(n)], "students": float(students),
                         "in_basic": True, "in_quality": True, "L5": [float(x) for x in xs]})


def test_outlier_flag_from_the_rule_table():
    coef = pd.DataFrame({"year": [2024], "county": "甲县", "stage": "小学", "standard": "basic", "indicator": "L5",
                         "cv": [0.5], "limit": np.nan, "passed": None})
    # equal weights, values 1, 1, 1, 9: mean 3, the last is 3.0 × the mean; squared deviations 4, 4, 4, 36
    # → its share 36 / 48 = 0.75 ≥ 0.25: flagged
    c = contributions(_values([1, 1, 1, 9]), coef)
    top = c.iloc[0]
    assert top["school_name"] == "校3" and top["ratio"] == pytest.approx(3.0) and top["share"] == pytest.approx(0.75)
    assert bool(top["outlier"]) and not c["outlier"].iloc[1:].any()
    # 1, 1, 1, 8: mean 2.75, ratio 2.91 < 3: not flagged
    assert not contributions(_values([1, 1, 1, 8]), coef)["outlier"].any()


def _coef2(basic_cvs, quality_cvs, limit=0.5):
    years = list(range(2022, 2022 + len(basic_cvs)))
    b = pd.DataFrame({"year": years, "county": "甲县", "stage": "小学", "standard": "basic", "indicator": "L1",
                      "cv": basic_cvs, "limit": np.nan, "passed": None})
    q = pd.DataFrame({"year": years, "county": "甲县", "stage": "小学", "standard": "quality", "indicator": "Y4",
                      "cv": quality_cvs, "limit": limit, "passed": [v <= limit for v in quality_cvs]})
    y2 = q.assign(indicator="Y2", cv=[0.2] * len(years), passed=True)
    return pd.concat([b, q, y2], ignore_index=True)


def test_one_warning_per_resource():
    # L1 and Y4 (the same rooms) both rose two years running: two warned CVs, one warning
    t = cv_trend(_coef2([0.40, 0.42, 0.44], [0.41, 0.43, 0.46]))
    assert set(t.loc[t["indicator"].isin(["L1", "Y4"]), "resource"]) == {"teaching_area"}
    w = warnings_table(t)
    assert len(w) == 2
    g = resource_warnings(w)
    assert len(g) == 1 and g.loc[0, "indicators"] == ("L1", "Y4") and g.loc[0, "kind"] == "rising_near"
    s = nv.trend_text(t, 2024)
    assert "共有1项预警" in s and "同一资源的基本均衡与优质均衡指标计为一项" in s
    assert "小学1项，为生均教学及辅助用房面积（基本均衡、优质均衡）" in s
    assert nv.group_reason(g.loc[0]) == "基本均衡连续2年上升；优质均衡连续2年上升且距标准不足0.05"
    # the near-limit problem names the resource once, with the CV judged against the limit
    empty = pd.DataFrame(columns=["stage", "indicator", "cv", "limit", "passed", "status", "group", "no"])
    tables = {"basic": empty, "quality": empty, "compliance": pd.DataFrame(columns=["stage", "passed"]),
              "shortfall_totals": empty, "warnings": w, "county_items": empty, "class_bands": pd.DataFrame(),
              "school_size": pd.DataFrame(columns=["over"]), "three_growths": empty}
    p = nv.problems(tables, "甲县")
    assert p["problem"].tolist() == ["小学生均教学及辅助用房面积（0.460）接近标准上限。"]


def test_no_codes_in_prose():
    q = quality([0.3, 0.6, 0.3, 0.3, 0.3, 0.3, 0.3])
    s = nv.quality_summary(q, comp([True]))
    assert "每百名学生拥有县级及以上骨干教师数（0.600）" in s and not CODE.search(s)
    gap = pd.DataFrame({"stage": "小学", "indicator": ["Y4", "Y5"], "rural_to_urban": [0.44, 0.8],
                        "between_share": [0.33, 0.1]})
    g = nv.gap_text(gap)
    assert "按泰尔指数分解，生均教学及辅助用房面积的校际差异中33%" in g and not CODE.search(g)
    # a composite near its limit: 综合差异系数, never "composite"
    w = pd.DataFrame({"year": 2024, "county": "甲县", "stage": ["初中"], "standard": "basic",
                      "indicator": ["composite"], "resource": ["composite"], "cv": [0.531], "limit": [0.55],
                      "change": [0.01], "kind": ["near_limit"], "newly_failed": [False], "near_limit": [True]})
    empty = pd.DataFrame(columns=["stage", "indicator", "cv", "limit", "passed", "status", "group", "no"])
    tables = {"basic": empty, "quality": quality([0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.7]),
              "compliance": pd.DataFrame(columns=["stage", "passed"]), "shortfall_totals": empty, "warnings": w,
              "county_items": empty, "class_bands": pd.DataFrame(), "school_size": pd.DataFrame(columns=["over"]),
              "three_growths": empty}
    text = "".join(nv.problems(tables, "甲县")[["problem", "suggestion"]].to_numpy().ravel())
    assert "初中综合差异系数（0.531）接近标准上限" in text
    assert "每百名学生拥有网络多媒体教室数差异系数为0.700" in text and not CODE.search(text)


def test_scope_notes_say_why_counts_differ():
    sc = pd.DataFrame({"all_students": [26319.0], "students": [26059.0],
                       "excluded": [[("教学点", 3, 200.0), ("民办学校", 1, 60.0)]]}, index=["小学"])
    assert nv.staffing_scope_note(sc) == ("注：师资配置按基本均衡的计算范围统计，小学在校生26,059人，比“基本情况”中全县小学"
                                          "在校生26,319人少260人，为不参与计算的教学点3个（200人）、民办学校1所（60人）。")
    assert nv.staffing_scope_note(sc.assign(students=26319.0, excluded=[[]])) == ""
    q = pd.DataFrame({"basic": [35], "quality": [41], "tp_quality": [6], "tp_small": [1]}, index=["小学"])
    assert nv.quality_scope_note(q, "不参与基本均衡差异系数计算", 50) == (
        "注：两项评估的学校范围不同：小学优质均衡按41所学校计算（含在校生50人及以上的教学点6个，不含在校生不足50人的教学点1个），"
        "基本均衡按35所计算（教学点不参与基本均衡差异系数计算）。")
    assert nv.quality_scope_note(q.assign(quality=35), "x", 50) == ""


def test_plan_budget_beside_the_shortfall():
    t = pd.DataFrame({"stage": ["小学", "初中"], "indicator": ["Y4", "Y4"], "resource": "教学及辅助用房面积", "unit": "㎡",
                      "schools_short": [12, 3], "shortfall": [30450.0, 1000.0], "shortfall_85": [1.0, 1.0]})
    costs = pd.DataFrame({"plan_cost": [60_000_000.0, 2_000_000.0], "cost": [91_350_000.0, 3_000_000.0]},
                         index=["小学", "初中"])
    s = nv.shortfall_text(t, costs)
    assert s == ("按每校达到标准值测算，全县小学教学及辅助用房面积约3.0万平方米（12所学校）；初中教学及辅助用房面积约1,000平方米（3所学校）。"
                 "以上差额是各校每项指标补足到标准值（100%）的数量之和；学校达标只需“至少6项达标、其余不低于85%”，"
                 "按最低成本达标方案（每校只补足使其达标所需的最少资源，按规则表单价估算）需投入约6,200万元"
                 "（小学约6,000万元、初中约200万元）；补足全部差额按同一单价需投入约9,435万元。")


def _verdicts(**kw):
    v = pd.DataFrame({"composite": [0.769, 0.40], "composite_limit": [0.65, 0.55], "basic_passed": [False, True],
                      "quality_limit": [0.50, 0.45], "quality_over": [["Y2", "Y5"], []], "quality_undefined": [[], []],
                      "quality_cvs_passed": [False, True], "schools": [41, 24], "schools_passed": [1, 24],
                      "quality_resources_passed": [False, True]}, index=pd.Index(["小学", "初中"], name="stage"))
    return v.assign(**kw)


def _parts(statuses, items=(2, 15, 9, 1), passed=(1, 7, 4, 1), failed=(1, 8, 5, 0), missing=(0, 0, 0, 0)):
    return pd.DataFrame({"status": statuses, "items": items, "passed": passed, "failed": failed, "missing": missing},
                        index=pd.Index(["资源配置", "政府保障程度", "教育质量", "社会认可度"], name="part"))


def test_conclusion_reads_the_verdicts():
    items = pd.DataFrame({"group": "基本均衡认定条件", "no": [1, 2], "status": ["fail", "missing"]})
    probs = pd.DataFrame({"severity": [1, 2, 3, 5], "problem": ["甲。", "乙。", "丙。", "丁。"], "suggestion": "",
                          "brief": ["甲", "乙。", "丙", "丁"]})
    parts = _parts(["fail", "fail", "fail", "pass"])
    out = nv.conclusion(_verdicts(), parts, items, probs, 322_000_000.0, grade="基本均衡未达标")
    assert out[0] == ("基本均衡：综合差异系数小学0.769（标准≤0.65）、初中0.400（标准≤0.55），小学校际均衡未达到标准；"
                      "基本均衡的县级指标2项中未达标1项、待核实1项（未提供数据）。")
    assert out[1] == ("优质均衡：4个方面中1个达标。资源配置未达标（小学7项差异系数中2项高于0.50，41所学校中1所达标；"
                      "初中差异系数均不高于0.45，24所学校均达标）；政府保障程度未达标（15项中达标7项，未达标8项）；"
                      "教育质量未达标（9项中达标4项，未达标5项）；社会认可度达标。")
    assert out[2] == "主要问题：一是甲；二是乙；三是丙。其余问题见“存在问题与下一步建议”。"
    # the grade given (the evaluation's, on the roll-up's scale) with the rule table's sentence for it
    assert out[3] == ("优质均衡准备程度为“基本均衡未达标”，应先整改达到基本均衡要求，再推进优质均衡。"
                      "全县达到资源配置标准的学校：小学41所中1所、初中24所中24所，按最低成本达标方案使其余学校达标约需投入3.22亿元。")
    # without a grade (none given), only the schools
    assert nv.conclusion(_verdicts(), parts, items, probs)[3].startswith("全县达到资源配置标准的学校：小学41所中1所")


def test_the_readiness_sentence_is_the_rule_tables_for_every_grade(monkeypatch):
    from junheng_lib.rules.indicators import RULES
    for g in RULES["readiness"]["grade"]:
        out = nv.conclusion(_verdicts(), _parts(["pass"] * 4, failed=(0, 0, 0, 0)),
                            pd.DataFrame({"group": [], "no": [], "status": []}), pd.DataFrame(
                                {"severity": [], "problem": [], "suggestion": [], "brief": []}), grade=g["name"])
        assert out[-1].startswith(f"优质均衡准备程度为“{g['name']}”，{g['text']}。")


def test_quality_parts_state():
    class Stub:
        county_items = pd.DataFrame({"group": ["政府保障程度", "政府保障程度", "教育质量", "社会认可度", "基本均衡认定条件"],
                                     "status": ["pass", "missing", "fail", "pass", "fail"]})

        def stage_verdicts(self):
            return _verdicts()
    p = Evaluation.quality_parts(Stub())
    assert p.index.tolist() == ["资源配置", "政府保障程度", "教育质量", "社会认可度"]
    assert p["status"].tolist() == ["fail", "missing", "fail", "pass"]
    assert p.loc["资源配置", ["items", "passed", "failed"]].tolist() == [2, 1, 1]
    assert p.loc["政府保障程度", ["items", "passed", "missing"]].tolist() == [2, 1, 1]
