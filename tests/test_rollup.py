"""The city roll-up from hand-built county results: one ranking everywhere, graded readiness with
the rule table's boundaries, counts that agree with the tables, partial coverage said plainly,
city totals, problems and suggestions, and the Word and Excel files."""
from __future__ import annotations

import copy
import re

import docx
import matplotlib.pyplot as plt
import openpyxl
import pandas as pd
import pytest
from conftest import row, small_city, write_csv

from junheng_lib.data.dataset import load
from junheng_lib.render.blocks import Chart, Text
from junheng_lib.render.table import Table
from junheng_lib.report import outline, plots
from junheng_lib.report.city import (
    GRADES,
    NOT_GENERATED,
    CityReport,
    grade_conditions,
    grade_of,
)
from junheng_lib.rules.indicators import RULES

GRADE = {g["name"]: g for g in RULES["readiness"]["grade"]}
READY, NEAR, FAR, BASIC_FAIL, UNKNOWN = GRADES   # the rule table's five grades, best first
NEAR_RULE = RULES["readiness"]["grade"][1]


# ---------------------------------------------------------------------------------------------- hand-built results
def result(county, *, cv=(0.30, 0.20), basic=True, over=(0, 0), schools=((10, 10), (5, 5)), items_failed=0,
           items_missing=0, quality_passed=None, warnings=(), ledger=None, shortfall=None, year=2024):
    """A county's results side file as the county report writes it, built by hand.

    ``schools``: (passed, all) per stage; ``over``: quality CVs over their limit per stage."""
    stages = {}
    for k, st in enumerate(("小学", "初中")):
        if cv[k] is None:
            continue
        quality = {f"Y{i}": {"mean": 1.0, "cv": 0.6 if i <= over[k] else 0.1, "limit": 0.5,
                             "passed": not i <= over[k]} for i in range(1, 8)}
        stages[st] = {"composite": {"cv": cv[k], "limit": 0.65 if k == 0 else 0.55,
                                    "passed": basic if isinstance(basic, bool) else basic[k]},
                      "quality": quality, "schools": schools[k][1], "schools_passed": schools[k][0],
                      "shortfall": (shortfall or {}).get(st, {})}
    if quality_passed is None:
        quality_passed = not any(over) and all(p == a for p, a in schools)
    return {"county": county, "year": year, "options": {}, "in_scope": True, "stages": stages,
            "stages_missing": {} if cv[1] is not None else {"初中": "无学校"},
            "basic_passed": basic if isinstance(basic, bool) else all(basic), "quality_passed": quality_passed,
            "items": {"missing": items_missing} if items_missing else {},
            "items_failed": [f"A{i}" for i in range(items_failed)],
            "ledger": ledger or {"items": 0, "school_items": 0, "county_items": 0, "cost": 0.0, "plan_cost": 0.0},
            "warnings": [dict(stage=st, standard="quality" if ind.startswith("Y") else "basic", indicator=ind, cv=c,
                              limit=lim, change=0.01, kind=kind)
                         for st, ind, c, lim, kind in warnings]}


@pytest.fixture
def city_data(tmp_path):
    """甲县, 乙县, 丙县, 丁县: two 小学 each (100, 50, 80, 60 pupils a school, 6 teachers a school)."""
    return load(small_city(tmp_path / "data", {"甲县": 100, "乙县": 50, "丙县": 80, "丁县": 60}))


def make(ds, results: dict, missing=(), trend=None) -> CityReport:
    counties = [c for c in ds.counties_list]
    return CityReport(2024, ds, results, list(missing), trend if trend is not None else pd.DataFrame(), counties)


# ---------------------------------------------------------------------------------------------- grades
def metrics(**kw):
    base = dict(basic_passed=True, quality_passed=False, cvs_over=0, schools_passed_share=1.0, items_failed=0,
                items_missing=0)
    base.update(kw)
    return base


def test_each_grade_boundary_of_the_rule_table():
    share = NEAR_RULE["min_schools_passed_share"]
    most = NEAR_RULE["max_items_failed"]
    # the top grade: both verdicts and no county item failing or missing
    assert grade_of(metrics(quality_passed=True)) == READY
    assert grade_of(metrics(quality_passed=True, items_failed=1)) == NEAR
    assert grade_of(metrics(quality_passed=True, items_missing=1)) == NEAR
    # the second: no CV over, the share of schools passing at its floor, items failed at their ceiling
    assert grade_of(metrics(schools_passed_share=share, items_failed=most)) == NEAR
    assert grade_of(metrics(schools_passed_share=share - 0.001, items_failed=most)) == FAR
    assert grade_of(metrics(schools_passed_share=share, items_failed=most + 1)) == FAR
    assert grade_of(metrics(cvs_over=1)) == FAR
    # a share equal to the floor but off by floating-point noise still meets it (the rule's tolerance)
    assert grade_of(metrics(schools_passed_share=share * (1 - 1e-12))) == NEAR
    assert grade_of(metrics(basic_passed=False, quality_passed=True)) == BASIC_FAIL
    assert grade_of(metrics(basic_passed=None)) == UNKNOWN
    assert grade_of(metrics(schools_passed_share=float("nan"))) == FAR   # unknown share: not "基本具备"


def test_grades_follow_the_rule_table_not_the_code(monkeypatch):
    rules = copy.deepcopy(RULES["readiness"]["grade"])
    rules[1]["min_schools_passed_share"] = 0.5
    monkeypatch.setitem(RULES["readiness"], "grade", rules)
    assert grade_of(metrics(schools_passed_share=0.5)) == NEAR
    assert grade_conditions(rules[1]).count("不低于50%") == 1


def test_grade_conditions_are_rendered_from_the_rule_table():
    assert grade_conditions({"name": "x", "basic_passed": False}) == "基本均衡未达标"
    assert grade_conditions({"name": "x", "max_items_failed": 3, "min_schools_passed_share": 0.8}) == \
        "县级指标未达标不超过3项；优质均衡达标学校占比不低于80%"
    assert grade_conditions({"name": "x"}) == "不属于以上各等级"


def test_grades_of_hand_built_counties(city_data):
    # 8 of 10 + 4 of 5 school × stage rows pass: 12/15 = 0.8, the floor of the second grade
    c = make(city_data, {"甲县": result("甲县", schools=((8, 10), (4, 5)), items_failed=3),
                         "乙县": result("乙县", schools=((8, 10), (3, 5))),            # 11/15 < 0.8
                         "丙县": result("丙县", quality_passed=True),
                         "丁县": result("丁县", cv=(0.70, 0.20), basic=(False, True))})
    s = c.summary().set_index("county")
    assert s.loc["甲县", "schools_passed_share"] == pytest.approx(12 / 15)
    assert s["grade"].to_dict() == {"丙县": READY, "甲县": NEAR, "乙县": FAR, "丁县": BASIC_FAIL}


# ---------------------------------------------------------------------------------------------- one ranking
def _trend(order):
    return pd.DataFrame([dict(year=2024, county=c, stage=st, standard="basic", indicator="composite", cv=0.2,
                              limit=0.65 if st == "小学" else 0.55, passed=True, kind="")
                         for c in order for st in ("小学", "初中")])


def test_chart_grid_and_every_table_share_one_ranking(city_data):
    """Grade first (乙县 基本具备 before the others despite its higher CVs), then the mean of the
    two stages' 综合差异系数 (丙县 0.15 before 甲县 0.25); a county without result last, unranked."""
    res = {"甲县": result("甲县", cv=(0.30, 0.20), schools=((5, 10), (5, 5)),
                          warnings=[("小学", "Y4", 0.47, 0.5, "near_limit")]),
           "乙县": result("乙县", cv=(0.40, 0.30), schools=((9, 10), (5, 5)),
                          warnings=[("初中", "Y2", 0.46, 0.45, "newly_failed")]),
           "丙县": result("丙县", cv=(0.10, 0.20), schools=((5, 10), (5, 5)),
                          warnings=[("小学", "Y1", 0.48, 0.5, "near_limit")])}
    c = make(city_data, res, missing=["丁县"], trend=_trend(["甲县", "乙县", "丙县", "丁县"]))
    want = ["乙县", "丙县", "甲县", "丁县"]
    s = c.summary()
    assert s["county"].tolist() == want and s["rank"].tolist()[:3] == [1, 2, 3] and pd.isna(s["rank"].iloc[3])
    assert [r[1] for r in c.summary_table().text_rows()] == want
    assert [r[0] for r in c.summary_table().text_rows()] == ["1", "2", "3", "—"]
    assert [r[1] for r in c.readiness_table().text_rows()] == want
    assert c.totals()["county"].tolist() == want + ["全市合计"]
    assert c.ledger_sums()["county"].tolist() == want + ["全市合计"]
    assert list(dict.fromkeys(c.trend_table().data["county"])) == want[:3]   # no CVs shown without a result
    assert "丁县没有本学年的当前结果" in c.trend_table().note
    assert list(dict.fromkeys(c.warning_table().data["county"])) == ["乙县", "丙县", "甲县"]
    assert [t.text.split("（")[0] for t in c.gap_texts()] == want
    plots.use_cjk_font()
    fig = c.cv_chart().draw()
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == want
    plt.close(fig)
    fig = c.grid_chart().draw()
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == want
    plt.close(fig)


def test_equal_grade_and_mean_share_a_rank(city_data):
    c = make(city_data, {k: result(k, cv=(0.3, 0.2), schools=((5, 10), (5, 5))) for k in ("甲县", "乙县")},
             missing=["丙县", "丁县"])
    assert c.summary()["rank"].tolist()[:2] == [1, 1]


# ---------------------------------------------------------------------------------------------- counts and coverage
def test_headline_counts_exactly_the_counties_the_table_warns(city_data):
    res = {"甲县": result("甲县", warnings=[("小学", "Y4", 0.47, 0.5, "near_limit"),
                                             ("初中", "composite", 0.52, 0.55, "rising_near")]),
           # a rise alone and a basic (L) indicator are not 差异系数预警: not counted, not listed
           "乙县": result("乙县", warnings=[("小学", "Y4", 0.3, 0.5, "rising"), ("小学", "L1", 0.48, None, "near_limit")]),
           "丙县": result("丙县", warnings=[("初中", "Y7", 0.46, 0.45, "newly_failed")]),
           "丁县": result("丁县")}
    c = make(city_data, res)
    t = c.summary_table()
    risk = {r[1]: r[t.headers.index("差异系数预警(项)")] for r in t.text_rows()}
    assert risk == {"甲县": "2", "丙县": "1", "乙县": "0", "丁县": "0"}
    warned = [k for k, v in risk.items() if v != "0"]
    text = c.narrative()
    assert f"{len(warned)}个县(区)出现差异系数预警（{'、'.join(warned)}）" in text
    assert sorted(set(c.warning_table().data["county"])) == sorted(warned)
    assert len(c.warning_table()) == 3


def test_whole_city_passing_says_so(city_data):
    c = make(city_data, {k: result(k) for k in ("甲县", "乙县", "丙县", "丁县")})
    assert c.title == "全市2024学年县域义务教育均衡发展监测汇总报告"
    assert c.narrative().startswith("2024学年全市4个县(区)均达到校际均衡标准（综合差异系数）；")


def test_partial_roll_up_says_so_and_claims_nothing_for_the_others(city_data):
    c = make(city_data, {"甲县": result("甲县"), "乙县": result("乙县")}, missing=["丙县", "丁县"])
    assert c.title.endswith("（部分县区：2/4）")
    text = c.narrative()
    assert text.startswith("本次汇总只包括全市4个县(区)中的2个，丙县、丁县没有本学年的当前结果")
    assert "已汇总的2个县(区)均达到校际均衡标准（综合差异系数）" in text
    assert "全市4个县(区)均达到" not in text and "全部达标" not in text
    assert "全市合计只含已汇总的县(区)" in c.ledger_summary().note
    rows = {r[1]: r for r in c.summary_table().text_rows()}
    assert rows["丙县"][-1] == NOT_GENERATED and rows["丙县"][2] == "—"
    assert "丙县未生成" in c.summary_table().note


def test_a_run_for_one_county_into_an_empty_folder(tmp_path):
    """What `junheng report --county 甲县` into an empty folder gives the roll-up: one current result."""
    from junheng_lib.report.county import CountyReport
    from junheng_lib.run import outputs
    data = small_city(tmp_path / "data", {"甲县": 100, "乙县": 50})
    out = tmp_path / "out"
    stage = out / ".stage"
    stage.mkdir(parents=True)
    rep = CountyReport.build(data, "甲县", 2024)
    rep.write_results(stage)
    names = ["甲县.results.json"]
    for suffix in outputs.REQUIRED_SUFFIXES:
        (stage / f"甲县{suffix}").write_text("{}", encoding="utf-8")
        names.append(f"甲县{suffix}")
    outputs.commit_unit(out, "甲县", stage, names, {"kind": "county", "county": "甲县", "year": 2024})
    c = CityReport.build(data, 2024, out)
    assert c.missing == ["乙县"]
    assert c.title.endswith("（部分县区：1/2）")
    assert c.narrative().startswith("本次汇总只包括全市2个县(区)中的1个，乙县没有本学年的当前结果")
    assert "全部" not in c.narrative() and "全市2个县(区)均" not in c.narrative()


def test_nothing_to_roll_up(city_data):
    c = make(city_data, {}, missing=["甲县", "乙县", "丙县", "丁县"])
    assert c.narrative() == ("2024学年全市4个县(区)均没有可汇总的评估结果：甲县、乙县、丙县、丁县没有本学年的当前结果"
                             "（县级报告未生成或生成失败）。")
    assert {r[2] for r in c.readiness_table().text_rows()} == {NOT_GENERATED}


# ---------------------------------------------------------------------------------------------- totals
def test_city_totals_by_stage(city_data):
    c = make(city_data, {k: result(k) for k in ("甲县", "乙县", "丙县", "丁县")})
    t = c.totals().set_index("county")
    # two 小学 a county, 6 teachers each (conftest.BASE); pupils 2 × 100, 2 × 50, 2 × 80, 2 × 60
    assert t.loc["甲县", "schools"] == 2 and t.loc["甲县", "students_小学"] == 200
    assert t.loc["全市合计", "schools"] == 8 and t.loc["全市合计", "students_小学"] == 200 + 100 + 160 + 120
    assert t.loc["全市合计", "teachers_小学"] == 8 * 6 and t.loc["全市合计", "students_初中"] == 0
    assert "全市4个县(区)共有义务教育阶段学校8所" in c.totals_text().text
    assert "小学在校生580人、专任教师48人" in c.totals_text().text
    assert c.totals_table().text_rows()[-1][:2] == ["全市合计", "8"]


def test_totals_count_teaching_points_apart(tmp_path):
    rows = [row(year=2024, county="甲县", school_id="S1", students_primary=300),
            row(year=2024, county="甲县", school_id="S2", school_type="教学点", students_primary=20)]
    ds = load(write_csv(tmp_path / "schools.csv", rows).parent)
    c = make(ds, {"甲县": result("甲县")})
    t = c.totals().set_index("county")
    assert (t.loc["甲县", "schools"], t.loc["甲县", "points"], t.loc["甲县", "students_小学"]) == (1, 1, 320)


# ---------------------------------------------------------------------------------------------- problems
def test_problems_most_serious_first_from_the_results(city_data):
    sf = {"小学": {"Y4": {"resource": "教学及辅助用房面积", "unit": "㎡", "amount": 1500.0, "schools": 3},
                   "Y7": {"resource": "网络多媒体教室", "unit": "间", "amount": 4.0, "schools": 2}}}
    led = {"items": 5, "school_items": 4, "county_items": 1, "cost": 3_000_000.0, "plan_cost": 1_200_000.0}
    res = {"甲县": result("甲县", shortfall=sf, ledger=led, schools=((5, 10), (5, 5))),
           "乙县": result("乙县", shortfall={"小学": {"Y4": sf["小学"]["Y4"]}}, ledger=led, schools=((5, 10), (5, 5))),
           "丙县": result("丙县", cv=(0.70, 0.60), basic=False, schools=((5, 10), (5, 5)))}
    c = make(city_data, res, missing=["丁县"])
    p = c.problems()
    assert p[0][0].startswith("1个县(区)未达到校际均衡标准：丙县（小学综合差异系数0.700、初中综合差异系数0.600）")
    assert "丙县" in p[0][1]
    far = [x for x in p if x[0].startswith("按排名，距优质均衡差距最大的县(区)为")]
    assert far and "丙县" not in far[0][0].split("：")[0]           # already named as failing 基本均衡
    top = [x for x in p if x[0].startswith("不足的县(区)最多的资源为")]
    # 教学及辅助用房 short in 2 counties (6 school rows, 3,000 ㎡), 网络多媒体教室 in 1 (2 rows, 4 间)
    assert top[0][0] == ("不足的县(区)最多的资源为教学及辅助用房面积（2个县(区)共6校次不足，全市差额约3,000平方米）、"
                         "网络多媒体教室（1个县(区)共2校次不足，全市差额4间）。")
    assert RULES["ledger"]["measure"]["teaching_area"] in top[0][1]
    assert RULES["ledger"]["measure"]["multimedia_rooms"] in top[0][1]
    budget = [x for x in p if x[0].startswith("各校达到优质均衡标准所需投入")][0][0]
    assert "约600万元" in budget and "约240万元" in budget               # 2 × 3,000,000 and 2 × 1,200,000
    assert p[-1][0].startswith("丁县没有本学年的当前结果")
    texts = c.problem_texts()
    assert texts[0].bold and texts[1].text.startswith("建议：") and texts[1].text.endswith("。")


# ---------------------------------------------------------------------------------------------- outline and files
def test_every_block_of_the_outline_is_a_method_returning_report_blocks(city_data):
    c = make(city_data, {k: result(k) for k in ("甲县", "乙县")}, missing=["丙县", "丁县"],
             trend=_trend(["甲县", "乙县"]))
    assert [s.key for s in outline.CITY_SECTIONS][:2] == ["title", "header"]
    for sec in outline.CITY_SECTIONS:
        assert outline.city_section(sec.key) is sec
        for b in c.blocks(sec):
            assert isinstance(b, (Text, Table, Chart)), (sec.key, b)
    assert outline.SECTIONS[0].key == "title"          # the county outline is untouched


#: what no output may show: missing-value reprs, code words, truncation, a path, a count with ".0"
BAD = re.compile(r"NaN|None|\bnan\b|composite|rows ×|…|/tmp/|(?<![\d.])\d+\.0(?![\d%.])")


def test_word_and_excel_files(city_data, tmp_path):
    c = make(city_data, {"甲县": result("甲县", warnings=[("小学", "Y4", 0.47, 0.5, "near_limit")]),
                         "乙县": result("乙县", cv=(0.7, None), basic=False)}, missing=["丙县", "丁县"],
             trend=_trend(["甲县", "乙县"]))
    plots.use_cjk_font()
    xlsx, word = c.write_outputs(tmp_path, issuer="某市教育局")
    assert (xlsx.name, word.name) == ("全市汇总.xlsx", "全市汇总.docx")
    d = docx.Document(word)
    sec = d.sections[0]
    assert (round(sec.page_width.mm), round(sec.page_height.mm), round(sec.top_margin.mm)) == (210, 297, 37)
    assert "PAGE" not in sec.footer._element.xml          # the cover is a section without a page number
    assert "PAGE" in d.sections[1].footer._element.xml     # the body counts "— 1 —" on
    text = "\n".join(p.text for p in d.paragraphs)
    assert c.title in text and "某市教育局" in text and "九、存在问题与建议" in text
    assert len(d.tables) == sum(isinstance(b, Table) for s in c.sections() for b in c.blocks(s))
    cells = [cell.text for t in d.tables for r in t.rows for cell in r.cells]
    assert not [x for x in [text, *cells] if BAD.search(x)]
    wb = openpyxl.load_workbook(xlsx)
    ws = wb["汇总"]
    assert ws.freeze_panes == "A3" and ws.print_title_rows == "$2:$2"
    head = [x.value for x in ws[2]]
    assert head[:3] == ["排名", "县(区)", "小学综合差异系数"] and "差异系数预警(项)" in head
    first = [x for x in ws[3]]
    assert (first[0].value, first[0].data_type, first[1].value) == (1, "n", "甲县")
    assert first[2].data_type == "n" and first[2].number_format == "0.000"
    ws = wb["基本情况"]
    last = [x.value for x in ws[ws.max_row - 1]] if ws.cell(ws.max_row, 1).value != "全市合计" else \
        [x.value for x in ws[ws.max_row]]
    assert last[:2] == ["全市合计", 8] and ws.cell(3, 4).number_format == "#,##0"
    for sheet in wb:
        for r in sheet.iter_rows():
            for x in r:
                assert not (isinstance(x.value, str) and BAD.search(x.value)), (sheet.title, x.value)


def test_a_county_report_and_the_roll_up_give_the_same_grade():
    """One readiness scale: each sample county's 总体结论 states the grade the roll-up gives it."""
    from junheng_lib.analysis.readiness import grade_text
    from junheng_lib.evaluation import evaluate_county
    from junheng_lib.report.county import CountyReport
    ds = load(None)
    results, grades = {}, {}
    for c in ds.counties_list:
        ev = evaluate_county(ds, c, 2024)
        results[c], grades[c] = ev.results(), ev.readiness()
    city = make(ds, results)
    assert city.summary().set_index("county")["grade"].to_dict() == grades
    assert len(set(grades.values())) > 1                       # the sample spans more than one grade
    rep = CountyReport.build(None, ds.counties_list[0], 2024)
    g = grades[ds.counties_list[0]]
    assert f"优质均衡准备程度为“{g}”，{grade_text(g)}" in rep.conclusion()[-1].text
