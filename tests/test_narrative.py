"""Sentences of the narrative against small known cases: the wording follows the facts."""
import numpy as np
import pandas as pd

from junheng_lib import narrative as nv


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
    assert "小学有1项指标差异系数高于0.50：Y4生均教学及辅助用房面积（0.620）" in s
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
    assert "无上年数据" in nv.trend_text(trend([0.5]), 2022)


def test_items_sentence_counts_missing_as_not_passed():
    items = pd.DataFrame({"group": ["政府保障程度"] * 3 + ["社会认可度"], "no": [1, 2, 3, 1],
                          "item": ["a", "b", "c", "社会认可度达到85%以上"], "value": ["是", "", "否", "80.0%"],
                          "standard": ["是", "是", "是", "≥85%"], "status": ["达标", "未提供", "未达标", "未达标"]})
    s = nv.items_text(items)
    assert s == ("政府保障程度3项中达标1项，未达标1项（第3项），未提供数据1项（第2项，不计为达标）；"
                 "社会认可度为80.0%，未达到≥85%的要求。")


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
    assert p["problem"].iloc[1].startswith("小学Y4共1项指标差异系数超过0.50")
