"""The county report's 预警与展望 and 数据质量 sections, results.json and the roll-up's at-risk table.

A small county (甲县) whose cohorts follow known ratios: 小学 A and B (B half of A), 初中 C;
intake ratio 1.5, progression 0.5 within 小学, 0.8 from grade 6 to 7, 1.0 within 初中 (see
test_projection.py). Each grade is one class in the classes table, so A and B have 6 classes
(capacity 6 × 45 = 270 each) and C has 3 (3 × 50 = 150). Expected values are the method's
arithmetic written out by hand.
"""
import json

import pandas as pd
import pytest
from conftest import row, write_csv

from junheng_lib.analysis import coefficients as evaluate
from junheng_lib.analysis import stages
from junheng_lib.render.blocks import Chart, Text
from junheng_lib.render.table import Table
from junheng_lib.report import outline
from junheng_lib.report.county import CountyReport

GRADES = {
    2022: {"A": [40, 40, 40, 40, 40, 40], "B": [20, 20, 20, 20, 20, 20], "C": [50, 50, 50]},
    2023: {"A": [60, 20, 20, 20, 20, 20], "B": [30, 10, 10, 10, 10, 10], "C": [48, 50, 50]},
    2024: {"A": [90, 30, 10, 10, 10, 10], "B": [45, 15, 5, 5, 5, 5], "C": [24, 48, 50]},
}
# A and B meet every 优质均衡 standard in 2024 with the area only just: A's Y4 = 792/160 = 4.95 ≥ 4.5;
# in 2025 (210 pupils) 792/210 = 3.77 < 85 % of 4.5 (3.825) → A no longer meets the school standard.
GOOD = dict(teaching_area_m2=792, indoor_sports_area_m2=0, outdoor_sports_area_m2=3000,
            equipment_value_yuan=1_000_000, multimedia_rooms=8, teachers_primary=25,
            above_degree_primary=20, backbone_primary=3, pe_art_primary=2)


def _school(year, sid, grades, **kw):
    n = sum(grades)
    if sid == "C":
        return row(year=year, school_id=sid, school_name="一中", school_type="初中", students_primary=0,
                   students_junior=n, teachers_primary=0, above_degree_primary=0, mid_title_primary=0,
                   backbone_primary=0, pe_art_primary=0, teachers_junior=20, above_degree_junior=15,
                   mid_title_junior=5, backbone_junior=2, pe_art_junior=2, classes_junior=3, **kw)
    return row(year=year, school_id=sid, school_name={"A": "一小", "B": "二小"}[sid], students_primary=n,
               classes_primary=6, **{**GOOD, **kw})


def _classes(grades_by_year):
    rows = []
    for y, schools in grades_by_year.items():
        for sid, gs in schools.items():
            stage, first = ("初中", 7) if sid == "C" else ("小学", 1)
            rows += [{"year": y, "school_id": sid, "stage": stage, "grade": g, "class_size": n}
                     for g, n in enumerate(gs, start=first)]
    return rows


def make_folder(folder, grades=GRADES, *, classes=True, plant=None):
    """A data folder of 甲县; ``plant`` = {(year, school): {column: value}} overrides cells."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = [_school(y, sid, gs, **(plant or {}).get((y, sid), {})) for y, sc in grades.items() for sid, gs in sc.items()]
    write_csv(folder / "schools.csv", rows)
    if classes:
        write_csv(folder / "classes.csv", _classes(grades))
    return folder


def _blocks(rep, key):
    return rep.blocks(outline.section(key))


def _texts(rep, key):
    return [b.text for b in _blocks(rep, key) if isinstance(b, Text)]


def _table(rep, key, title):
    t = [b for b in _blocks(rep, key) if isinstance(b, Table) and b.title.startswith(title)]
    assert len(t) == 1, [b.title for b in _blocks(rep, key) if isinstance(b, Table)]
    return t[0]


@pytest.fixture
def counted(monkeypatch):
    """Every expansion of schools into school × stage rows, wherever it is called from."""
    calls = []
    for mod in (evaluate, stages):
        real = mod.school_stages

        def counting(schools, options=None, _real=real):
            calls.append(sorted(set(zip(schools["county"], schools["year"]))))
            return _real(schools, options)
        monkeypatch.setattr(mod, "school_stages", counting)
    return calls


def test_outlook_students_against_capacity_by_hand(tmp_path, counted):
    rep = CountyReport.build(make_folder(tmp_path / "d"), "甲县", 2024)
    cap = rep.ev.projection.set_index(["stage", "year"])
    # 小学: 2024 160 + 80 observed; 2025 A 210 + B 105; 2026 305 + 152.5; 2027 A = 303.75 + 101.25 + 33.75
    # + 11.25 + 3.75 + 1.25 = 455, B 227.5
    assert cap.loc[("小学", 2024), "observed"] and not cap.loc[("小学", 2025), "observed"]
    assert [cap.loc[("小学", y), "students"] for y in (2024, 2025, 2026, 2027)] == pytest.approx(
        [240, 315, 457.5, 682.5])
    # 初中: 2025 0.8·(10 + 5) + 24 + 48 = 84; 2026 0.8·(5 + 2.5) + 12 + 24 = 42; 2027 0.8·(2.5 + 1.25) + 6 + 12 = 21
    assert [cap.loc[("初中", y), "students"] for y in (2024, 2025, 2026, 2027)] == pytest.approx([122, 84, 42, 21])
    assert cap.loc[("小学", 2027), "capacity"] == 2 * 6 * 45 and cap.loc[("初中", 2027), "capacity"] == 3 * 50
    assert cap.loc[("小学", 2027), "surplus"] == pytest.approx(540 - 682.5)
    # A over its own 270 places from 2026 (305: 35 above), 2027 455 (185 above); B never
    assert cap.loc[("小学", 2025), "schools_over_capacity"] == 0
    assert cap.loc[("小学", 2026), "schools_over_capacity"] == 1 and cap.loc[("小学", 2026), "places_short"] == 35
    assert cap.loc[("小学", 2027), "places_short"] == pytest.approx(185)
    # classes needed at 45: ⌈455/45⌉ + ⌈227.5/45⌉ = 11 + 6; A's average class 455/6 = 75.8 ≥ 66 (超大班额)
    assert cap.loc[("小学", 2027), "classes_needed"] == 17
    assert cap.loc[("小学", 2027), "large_class_schools"] == 1 and cap.loc[("小学", 2026), "large_class_schools"] == 0
    # warnings as data, earliest first: A no longer meets the standard in 2025; in 2027 the 小学
    # students exceed the 540 places and one school reaches 大班额
    w = rep.ev.projection_warnings
    assert "warning" not in w
    assert list(zip(w["year"], w["stage"], w["kind"])) == [(2025, "小学", "schools_lost"), (2027, "小学", "capacity"),
                                                          (2027, "小学", "large_class")]
    cw = w[w["kind"] == "capacity"].iloc[0]
    assert (cw["base_value"], cw["value"], cw["limit"]) == pytest.approx((240, 682.5, 540))
    assert w.loc[w["kind"] == "schools_lost", "schools"].iloc[0] == 1
    # the section: text, table, chart, warning table — numbers as the table shows them
    texts = _texts(rep, "outlook")
    assert any("小学在校生2024学年240人，预计2027年682人（+184.4%）；现有学位540个，预计2027年起不足，少142个" in t
               for t in texts), texts
    assert any("回测：用2023学年及以前的班级表预测2024学年，小学全县总量误差+0.0%、各校平均绝对误差0.0%" in t for t in texts)
    assert any(t.startswith("按预测，各学段最先出现的问题：预计2025年小学有1所学校不再达到优质均衡学校标准；初中今后3年未见新出现的问题")
               for t in texts), texts
    t = _table(rep, "outlook", "在校生预测与学位")
    assert t.text_rows()[3][:5] == ["小学", "2027学年(预测)", "682", "540", "-142"]
    assert t.flags["surplus"].tolist() == [False, False, False, True, False, False, False, False]
    wt = _table(rep, "outlook", "预计出现的问题")
    assert [r[2] for r in wt.text_rows()] == ["优质均衡学校达标", "学位", "大班额"]
    assert wt.text_rows()[1][3] == "预计2027年小学在校生682人，超过现有班级按标准班额可容纳的540人"
    assert any(isinstance(b, Chart) for b in _blocks(rep, "outlook"))
    # the projected CVs come from the evaluation's values table: one expansion for the whole report
    assert len(counted) == 1


def test_projected_values_equal_a_fresh_expansion(tmp_path):
    """Deriving the projected years from the values table gives the coefficients and compliance
    that expanding the projected schools tables again gives (resources re-split by new weights)."""
    from junheng_lib.analysis.coefficients import coefficients, compliance, values_table
    from junheng_lib.analysis.outlook import projected_schools, projected_values
    from junheng_lib.analysis.projection import project
    from junheng_lib.data.dataset import load
    from junheng_lib.rules.options import Options
    ds = load(make_folder(tmp_path / "d"))
    # a 九年一贯制 school D (shared rooms split by student weights 1 : 1.1) joins 甲县
    s = ds.schools
    d = s[s["school_id"] == "A"].assign(school_id="D", school_name="九年制", school_type="九年一贯制学校",
                                        students_junior=s.loc[s["school_id"] == "C", "students_junior"].to_numpy(),
                                        teachers_junior=10, classes_junior=3)
    s = pd.concat([s, d], ignore_index=True)
    cl = pd.concat([ds.classes, ds.classes[ds.classes["school_id"].isin(["A", "C"])].assign(school_id="D")],
                   ignore_index=True)
    p = project(cl, s, horizon=3, base_year=2024)
    base = s[s["year"] == 2024]
    for opts in (Options(), Options(small_schools="exclude", small_school_threshold=200)):
        fresh = values_table(projected_schools(base, p), opts)
        derived = projected_values(values_table(base, opts), s, p, opts)
        a, b = coefficients(fresh), coefficients(derived)
        assert len(a) == len(b) and a["cv"].to_numpy() == pytest.approx(b["cv"].to_numpy(), nan_ok=True)
        assert compliance(fresh, year=None)["passed"].tolist() == compliance(derived, year=None)["passed"].tolist()
        dd = derived.set_index(["year", "school_id", "stage"])
        # D's 小学 share of its split resources follows its projected pupils: P小 / (P小 + 1.1 · P初)
        pri, jun = dd.loc[(2025, "D", "小学"), "students"], dd.loc[(2025, "D", "初中"), "students"]
        assert pri == pytest.approx(210)
        assert dd.loc[(2025, "D", "小学"), "share"] == pytest.approx(pri / (pri + 1.1 * jun))
        assert dd.loc[(2025, "D", "小学"), "multimedia_rooms"] == pytest.approx(8 * pri / (pri + 1.1 * jun))


def test_data_quality_lists_a_planted_finding(tmp_path):
    # 一中's equipment typed in 万元 in 2024 (20 instead of 200 000 元)
    folder = make_folder(tmp_path / "d", plant={(2024, "C"): {"equipment_value_yuan": 20}})
    rep = CountyReport.build(folder, "甲县", 2024)
    f = rep.ev.findings
    assert set(f["year"]) == {2024}
    hit = f[(f["school_id"] == "C") & (f["rule"] == "unit_wan")]
    assert len(hit) == 1 and hit["severity"].iloc[0] == "error"
    texts = _texts(rep, "data_quality")
    assert not any("不适用" in t for t in texts)                      # 2023 is in the data
    by_rule = _table(rep, "data_quality", "数据筛查结果")
    assert ["错误", "疑似万元与元混填", str((f["rule"] == "unit_wan").sum())] in by_rule.text_rows()
    schools = _table(rep, "data_quality", "需核实的学校")
    assert ["一中", "C", "错误"] == schools.text_rows()[0][:3]
    assert "教学仪器设备资产值(元)" in schools.text_rows()[0][4]
    detail = _table(rep, "data_quality", "需核实的数据")
    assert any(r[0] == "一中" and "疑似按万元填报" in r[3] for r in detail.text_rows())
    # results.json and the .xlsx carry it
    paths = rep.write_outputs(tmp_path / "out")
    r = json.loads(paths[0].read_text(encoding="utf-8"))
    assert r["data_quality"]["findings"] == len(f) and r["data_quality"]["by_rule"]["unit_wan"] == 1
    assert r["data_quality"]["previous_year"] is True
    import openpyxl
    wb = openpyxl.load_workbook(paths[2], read_only=True)
    assert {"数据筛查", "在校生预测", "各校在校生预测"} <= set(wb.sheetnames)
    cells = [c for row_ in wb["数据筛查"].iter_rows(values_only=True) for c in row_ if c is not None]
    assert "unit_wan" in cells and "20" in cells


def test_results_carry_the_projected_warnings(tmp_path):
    rep = CountyReport.build(make_folder(tmp_path / "d"), "甲县", 2024)
    r = json.loads(rep.write_results(tmp_path).read_text(encoding="utf-8"))
    o = r["outlook"]
    assert o["note"] == "" and o["base_year"] == 2024 and o["horizon"] == 3
    assert [x["students"] for x in o["stages"]["小学"]] == pytest.approx([240, 315, 457.5, 682.5])
    assert [x["capacity"] for x in o["stages"]["初中"]] == [150.0] * 4
    kinds = [(x["year"], x["stage"], x["kind"], x["indicator"]) for x in o["warnings"]]
    assert kinds == [(2025, "小学", "schools_lost", "compliance"), (2027, "小学", "capacity", "capacity"),
                     (2027, "小学", "large_class", "large_class")]
    assert o["warnings"][0]["schools"] == 1 and o["warnings"][1]["value"] == pytest.approx(682.5)


def test_single_year_and_no_classes_still_report(tmp_path):
    one = make_folder(tmp_path / "one", {2024: GRADES[2024]})
    rep = CountyReport.build(one, "甲县", 2024)
    assert rep.ev.projection.empty and rep.ev.projection_warnings.empty
    assert _texts(rep, "outlook") == ["按年级递进法预测至少需要连续两个学年的班级表，本县(区)班级表只有2024学年的数据，本节从略。"]
    # the year-over-year rules that could not run, named, and why (as `check` says them)
    assert any(t.startswith("甲县2024学年学校表的跨年比较（疑似万元与元混填、") and "未进行：学校表只有2024学年的数据" in t
               and t.endswith("以下只含本学年的合理性检查和表间核对。") for t in _texts(rep, "data_quality"))
    paths = rep.write_outputs(tmp_path / "o1")
    r = json.loads(paths[0].read_text(encoding="utf-8"))
    assert r["outlook"]["warnings"] == [] and r["outlook"]["note"].startswith("按年级递进法预测至少需要")
    assert r["data_quality"]["previous_year"] is False
    bare = make_folder(tmp_path / "bare", classes=False)
    rep = CountyReport.build(bare, "甲县", 2024)
    assert _texts(rep, "outlook")[0].startswith("未提供班级表")
    assert "未提供班级表，班额和班级表与学校表的核对未进行。" in _texts(rep, "data_quality")
    for sec in rep.sections():
        rep.blocks(sec)
    rep.write_outputs(tmp_path / "o2")


def test_roll_up_lists_the_counties_at_risk_by_year(tmp_path):
    from junheng_lib.report.city import CityReport
    folder = make_folder(tmp_path / "d")
    # 乙县: the same schools under other ids, without a projection (its classes are absent)
    s = pd.read_csv(folder / "schools.csv", dtype=str)
    s2 = s.assign(county="乙县", school_id=s["school_id"] + "2")
    pd.concat([s, s2]).to_csv(folder / "schools.csv", index=False)
    city = CityReport.build(folder, 2024)
    risk = city.projected_risk()
    assert list(risk.columns) == ["学年", "县(区)", "学段", "指标", "预警"]
    assert risk["县(区)"].tolist() == ["甲县"] * 3
    assert risk["学年"].tolist() == ["2025学年", "2027学年", "2027学年"]
    assert risk["指标"].tolist() == ["优质均衡学校达标", "学位", "大班额"]
    assert risk["预警"].iloc[2] == "预计2027年小学平均班额达到大班额的学校增至1所(本学年0所)"
    # the roll-up's section 七 shows the same rows as a table (Word and HTML read it)
    from junheng_lib.render.table import Table
    table = city.projected_risk_table()
    assert isinstance(table, Table) and len(table.data) == 3
    assert "七、预计出现风险的县(区)" in [s.title for s in city.sections()]
