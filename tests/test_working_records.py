"""working-records.md §1–§4 (issue 17), hand-worked: the 省定办学基本标准 checklist, 基本均衡's four
conditions, staff posts on the 编制 basis, money over years and the standards file's errors."""
import math

import pandas as pd
import pytest
from conftest import row, write_csv

from junheng_lib.analysis.coefficients import values_table
from junheng_lib.analysis.finance import county_rates, finance_years
from junheng_lib.analysis.staffing import staff_posts, staff_posts_county
from junheng_lib.analysis.standards import (
    STANDARD_COLUMNS,
    STANDARD_SCHOOL_COLUMNS,
    basic_standard,
    basic_standard_schools,
)
from junheng_lib.data.dataset import Dataset
from junheng_lib.data.errors import DataError
from junheng_lib.data.io import read_counties
from junheng_lib.data.standards import parse_standard, read_standard
from junheng_lib.evaluation import evaluate_county
from junheng_lib.rules.options import Options

FIVE = """
[standard]
name = "测试标准"
min_met = 4          # at least 4 of 5 …
floor_share = 0.6    # … the rest ≥ 60 %

[[item]]
code = "S1"
label = "生均教学及辅助用房面积"
metric = "L1"
op = ">="
primary = 4.0
[item.location]
"乡村" = { primary = 3.0 }

[[item]]
code = "S2"
label = "生均体育运动场馆面积"
metric = "L2"
op = ">="
primary = 6.0

[[item]]
code = "S3"
label = "生均教学仪器设备值"
metric = "L3"
op = ">="
primary = 1000

[[item]]
code = "S4"
label = "生均图书"
metric = "L5"
op = ">="
primary = 20

[[item]]
code = "S5"
label = "平均班额"
metric = "avg_class_size"
op = "<="
primary = 45
"""


@pytest.fixture
def three(table):
    """A 城区: L1 450/100 = 4.5, L2 800/100 = 8, L3 2 000, L5 1 500/100 = 15 (75 %), 100/3 = 33.3 per class.
    B 乡村: L1 315/90 = 3.5 (≥ the 乡村 3.0), L2 8, L3 2 000, L5 900/90 = 10 (50 %), 90/2 = 45 per class.
    C 城区: L1 350/100 = 3.5 (87.5 %), L2 8, L3 2 000, L5 2 000/100 = 20, 100/2 = 50 per class (45/50 = 90 %).
    D, a 教学点, is out of 基本均衡's scope by default."""
    return table([
        row(school_id="A", school_name="甲小", location="城区", teaching_area_m2=450, books=1500, classes_primary=3),
        row(school_id="B", school_name="乙小", location="乡村", students_primary=90, teaching_area_m2=315,
            outdoor_sports_area_m2=720, equipment_value_yuan=180000, books=900, classes_primary=2),
        row(school_id="C", school_name="丙小", location="城区", teaching_area_m2=350, books=2000, classes_primary=2),
        row(school_id="D", school_name="丁教学点", school_type="教学点", students_primary=30, teachers_primary=5,
            classes_primary=3),
    ])


def test_three_schools_at_least_4_of_5_rest_60_percent_with_rural_override(three):
    std = parse_standard(FIVE, "测试.toml")
    items = basic_standard(values_table(three), std, three)
    assert list(items.columns) == STANDARD_COLUMNS
    assert sorted(set(items["school_id"])) == ["A", "B", "C"]          # the teaching point is out of scope
    b1 = items[(items["school_id"] == "B") & (items["item"] == "S1")].iloc[0]
    assert b1["value"] == pytest.approx(3.5) and b1["standard"] == 3.0 and b1["met"]   # the 乡村 threshold
    c1 = items[(items["school_id"] == "C") & (items["item"] == "S1")].iloc[0]
    assert c1["standard"] == 4.0 and not c1["met"] and c1["share"] == pytest.approx(3.5 / 4.0)
    c5 = items[(items["school_id"] == "C") & (items["item"] == "S5")].iloc[0]
    assert c5["value"] == 50 and not c5["met"] and c5["share"] == pytest.approx(45 / 50)   # "<=": threshold ÷ value
    b5 = items[(items["school_id"] == "B") & (items["item"] == "S5")].iloc[0]
    assert b5["value"] == 45 and b5["met"]                                # exactly at a "<=" threshold
    c4 = items[(items["school_id"] == "C") & (items["item"] == "S4")].iloc[0]
    assert c4["value"] == pytest.approx(20) and c4["met"]                 # exactly at a ">=" threshold
    sch = basic_standard_schools(items, std)
    assert list(sch.columns) == STANDARD_SCHOOL_COLUMNS
    s = sch.set_index("school_id")
    # A: 4 met, S4 at 15/20 = 75 % ≥ 60 % → passes; B: 4 met but S4 at 10/20 = 50 % < 60 % → fails;
    # C: 3 met (S1, S5 unmet) < 4 → fails
    assert s.loc["A", ["items", "met", "passed", "unmet"]].tolist() == [5, 4, True, "S4"]
    assert s.loc["B", ["items", "met", "passed", "unmet"]].tolist() == [5, 4, False, "S4"]
    assert s.loc["C", ["items", "met", "passed", "unmet"]].tolist() == [5, 3, False, "S1、S5"]


def test_teaching_points_follow_the_options(three):
    std = parse_standard(FIVE, "测试.toml")
    items = basic_standard(values_table(three, Options(teaching_points="include")), std, three)
    assert "D" in set(items["school_id"])


def test_every_item_when_min_met_absent_and_stage_without_threshold(table):
    """No min_met: every item; a 初中 row is checked only on items giving a junior threshold; a
    九年一贯制 school's area and rooms are split 100 : 1.1 × 100 between its stages."""
    text = """
[standard]
name = "全部达标"
[[item]]
code = "T1"
label = "生均教学及辅助用房面积"
metric = "L1"
op = ">="
primary = 10
junior = 11.5
[[item]]
code = "T2"
label = "音乐专用教室"
metric = "music_rooms"
op = ">="
primary = 10
junior = 11
[[item]]
code = "T3"
label = "小学图书"
metric = "L5"
op = ">="
primary = 1
"""
    std = parse_standard(text, "t.toml")
    t = table([row(school_type="九年一贯制学校", students_junior=100, teachers_junior=8, above_degree_junior=6,
                   mid_title_junior=3, backbone_junior=1, pe_art_junior=1, teaching_area_m2=2100, music_rooms=21)])
    items = basic_standard(values_table(t), std, t)
    v = items.set_index(["stage", "item"])
    # 小学 share 100 / (100 + 110) of 2 100 ㎡ = 1 000 ㎡ → 10; 初中 1 100 ㎡ → 11 (< 11.5)
    assert v.loc[("小学", "T1"), "value"] == pytest.approx(10) and v.loc[("小学", "T1"), "met"]
    assert v.loc[("初中", "T1"), "value"] == pytest.approx(11) and not v.loc[("初中", "T1"), "met"]
    assert v.loc[("小学", "T2"), "value"] == pytest.approx(10) and v.loc[("初中", "T2"), "value"] == pytest.approx(11)
    assert ("初中", "T3") not in v.index                                  # no junior threshold: does not apply
    s = basic_standard_schools(items, std).set_index("stage")
    assert s.loc["小学", ["items", "met", "passed"]].tolist() == [3, 3, True]
    assert s.loc["初中", ["items", "met", "passed", "unmet"]].tolist() == [2, 1, False, "T1"]


def _two_schools_cv_040(table, counties_path=None):
    """Two 小学 of 100 pupils each, every L1–L8 resource 7 : 3 between them: X̄ = 5a, S = 2a, CV = 0.4
    for each indicator, so the composite is 0.40 (≤ 0.65: 校际均衡 met)."""
    big = dict(teachers_primary=14, above_degree_primary=7, mid_title_primary=7, teaching_area_m2=700,
               outdoor_sports_area_m2=700, equipment_value_yuan=70000, computers=14, books=700, location="城区")
    small = dict(teachers_primary=6, above_degree_primary=3, mid_title_primary=3, teaching_area_m2=300,
                 outdoor_sports_area_m2=300, equipment_value_yuan=30000, computers=6, books=300, location="城区")
    return table([row(school_id="A", school_name="甲小", **big), row(school_id="B", school_name="乙小", **small)])


def test_composite_040_with_one_school_below_the_standard_is_not_达标(table, tmp_path):
    schools = _two_schools_cv_040(table)
    counties = read_counties(write_csv(tmp_path / "k.csv", [dict(year=2023, county="甲县", government_work_score=90,
                                                                satisfaction_rate=90)]))
    ds = Dataset(tmp_path, schools, None, counties)
    std = parse_standard("""
[standard]
name = "一项"
[[item]]
code = "S1"
label = "生均教学及辅助用房面积"
metric = "L1"
op = ">="
primary = 4.0
""", "one.toml")
    ev = evaluate_county(ds, "甲县", 2023, standard=std)
    comp = ev.coefficients[ev.coefficients["indicator"] == "composite"].iloc[0]
    assert comp["cv"] == pytest.approx(0.40) and ev.basic_passed is True      # 校际均衡 met
    cond = ev.basic_conditions.set_index("condition")["status"].to_dict()
    # B: L1 = 300 / 100 = 3.0 < 4.0
    assert cond == {"basic_standard": "fail", "inter_school": "pass", "government_work": "pass",
                    "satisfaction": "pass"}
    assert ev.basic_verdict == "fail"
    r = ev.results()
    assert r["basic_verdict"] == "fail" and r["inter_school_passed"] is True
    assert r["basic_standard"]["failing"] == [{"school_id": "B", "school_name": "乙小", "stage": "小学",
                                               "unmet": "S1"}]
    # without a standards file condition 1 is 未提供, and so is the verdict (never a silent 达标)
    ev0 = evaluate_county(ds, "甲县", 2023)
    assert ev0.basic_conditions.set_index("condition").loc["basic_standard", "status"] == "missing"
    assert ev0.basic_verdict == "missing"
    # all four met: 达标
    ok = parse_standard("""
[standard]
name = "一项"
[[item]]
code = "S1"
label = "生均教学及辅助用房面积"
metric = "L1"
op = ">="
primary = 3.0
""", "ok.toml")
    assert evaluate_county(ds, "甲县", 2023, standard=ok).basic_verdict == "pass"


def test_staff_posts_reproduce_a_city_summary(table):
    """"师生比分别为1:18.9和1:16.6": 83,671 ÷ 4,437 = 18.86 and 39,733 ÷ 2,397 = 16.58 (教职工)."""
    t = table([
        row(school_id="P", students_primary=83671, teachers_primary=4000, staff_primary=4437, classes_primary=1900,
            location="城区"),
        row(school_id="J", school_name="一中", school_type="初中", students_primary=0, students_junior=39733,
            teachers_primary=0, above_degree_primary=0, mid_title_primary=0, backbone_primary=0, pe_art_primary=0,
            teachers_junior=2100, above_degree_junior=10, mid_title_junior=4, backbone_junior=2, pe_art_junior=2,
            staff_junior=2397, posts=2900, location="城区"),
        row(school_id="Q", school_name="二小", students_primary=190, teachers_primary=8),   # no 教职工数 given
    ])
    p = staff_posts(values_table(t), t)
    s = p.set_index("school_id")
    assert round(s.loc["P", "students_per_staff"], 1) == 18.9 and round(s.loc["J", "students_per_staff"], 1) == 16.6
    # posts needed ⌈83 671 / 19⌉ = ⌈4 403.7⌉ = 4 404 (33 over); ⌈39 733 / 13.5⌉ = ⌈2 943.2⌉ = 2 944 (547 short)
    assert (s.loc["P", "posts_needed"], s.loc["P", "staff_short"], s.loc["P", "staff_over"]) == (4404, 0, 33)
    assert (s.loc["J", "posts_needed"], s.loc["J", "staff_short"], s.loc["J", "staff_over"]) == (2944, 547, 0)
    assert s.loc["J", "posts_short"] == 2944 - 2900 and math.isnan(s.loc["P", "posts_short"])
    assert s.loc["P", "basis"] == "教职工" and s.loc["Q", "basis"] == "专任教师"
    assert s.loc["Q", "staff"] == 8 and s.loc["Q", "posts_needed"] == 10              # ⌈190 / 19⌉
    c = staff_posts_county(p).set_index("stage")
    # 小学: (83 671 + 190) ÷ (4 437 + 8); posts needed 4 404 + 10; short 0 + 2
    assert c.loc["小学", "students_per_staff"] == pytest.approx(83861 / 4445)
    assert (c.loc["小学", "posts_needed"], c.loc["小学", "staff_short"]) == (4414, 2)
    assert c.loc["小学", "basis"] == "教职工、专任教师" and c.loc["初中", "basis"] == "教职工"


def test_small_schools_are_judged_by_class_teacher_ratio(table):
    from junheng_lib.rules.indicators import RULES
    std = RULES["staffing_small_school"]["class_teacher"]["小学"]
    t = table([row(students_primary=60, teachers_primary=6, classes_primary=6)])   # 6 / 6 = 1.0 per class
    s = staff_posts(values_table(t), t).iloc[0]
    assert bool(s["small"]) and s["teachers_per_class"] == 1.0 and s["class_teacher_standard"] == std
    assert s["class_teacher_status"] == ("pass" if 1.0 >= std else "fail")


def test_money_over_three_years(tmp_path):
    """2021 → 2022: appropriation +10 % (10 000 → 11 000) against revenue +5 %, spending and pay rise;
    2022 → 2023: appropriation +5 % (11 000 → 11 550) against revenue +8 %: gap = 11 000 × 1.08 − 11 550 =
    330 万元; 小学 per-pupil spending falls (10 500 → 10 400), so neither 只增不减 nor growth 2 holds."""
    rows = [dict(year=y, county="甲县", edu_appropriation=a, recurrent_revenue=r, per_student_spending_primary=p,
                 per_student_spending_junior=j, teacher_avg_pay=w, per_student_public_funds_primary=f,
                 per_student_public_funds_junior=f + 200, dropout_rate_junior=0.3, retention_rate_9yr=97.5,
                 enrollment_rate=100)
            for y, a, r, p, j, w, f in [(2021, 10000, 40000, 10000, 14000, 90000, 700),
                                        (2022, 11000, 42000, 10500, 14500, 93000, 720),
                                        (2023, 11550, 45360, 10400, 15000, 95000, 740)]]
    c = read_counties(write_csv(tmp_path / "counties.csv", rows))
    f = finance_years(c).set_index("year")
    assert f.loc[2021, "growths"] == "missing"                     # no year before
    assert f.loc[2022, ["growth_1", "growth_2", "growth_3", "growths"]].tolist() == ["pass"] * 4
    assert f.loc[2022, "appropriation_growth"] == pytest.approx(0.10) and f.loc[2022, "gap_10k_yuan"] == 0
    assert f.loc[2022, "two_kept"] == "pass"
    assert f.loc[2022, "consecutive"] == "missing"                 # 2 pairs held, 3 needed
    assert f.loc[2023, "revenue_growth"] == pytest.approx(0.08)
    assert f.loc[2023, ["growth_1", "growth_2", "growth_3"]].tolist() == ["fail", "fail", "pass"]
    assert f.loc[2023, "gap_10k_yuan"] == pytest.approx(11000 * 1.08 - 11550)
    assert f.loc[2023, ["total_kept", "per_pupil_kept", "two_kept"]].tolist() == ["pass", "fail", "fail"]
    assert f.loc[2023, "consecutive"] == "fail"                    # the last pair failed: not three running
    r = county_rates(c, year=2023).set_index("column")["value"]
    assert r["retention_rate_9yr"] == 97.5 and r["enrollment_rate"] == 100 and r["dropout_rate_junior"] == 0.3
    assert math.isnan(r["dropout_rate_primary"])                   # not given: shown as 未提供, never 0


def test_three_pairs_running(tmp_path):
    """Four years, each growing 10 % in appropriation against 5 % in revenue, everything else rising:
    三个增长 in each of the three pairs → 连续三年 met in the last year."""
    rows = [dict(year=2020 + k, county="甲县", edu_appropriation=1000 * 1.1 ** k, recurrent_revenue=5000 * 1.05 ** k,
                 per_student_spending_primary=100 + k, per_student_spending_junior=200 + k, teacher_avg_pay=1000 + k,
                 per_student_public_funds_primary=10 + k, per_student_public_funds_junior=20 + k) for k in range(4)]
    f = finance_years(read_counties(write_csv(tmp_path / "k.csv", rows))).set_index("year")
    assert f.loc[2023, "consecutive"] == "pass" and f.loc[2022, "consecutive"] == "missing"


@pytest.mark.parametrize("body, key", [
    ('metric = "L9"\nop = ">="\nprimary = 1', "metric"),
    ('metric = "L1"\nop = ">="', "primary"),
    ('metric = "L1"\nop = ">"\nprimary = 1', "op"),
    ('metric = "L1"\nop = ">="\nprimary = "4.5"', "primary"),
    ('metric = "L1"\nop = ">="\nprimary = 1\njuinor = 2', "juinor"),
])
def test_malformed_standards_name_file_item_and_key(tmp_path, body, key):
    p = tmp_path / "某省标准.toml"
    p.write_text(f'[standard]\nname = "x"\n[[item]]\ncode = "S7"\nlabel = "a"\n{body}\n', encoding="utf-8")
    with pytest.raises(DataError) as e:
        read_standard(p)
    text = e.value.report()
    assert str(p) in text and "S7" in text and f"“{key}”" in text


def test_all_problems_at_once(tmp_path):
    p = tmp_path / "bad.toml"
    p.write_text('[standard]\nname = "x"\nmin_met = 9\n[[item]]\ncode = "S1"\nlabel = "a"\nmetric = "Q1"\n'
                 'op = "<"\n', encoding="utf-8")
    with pytest.raises(DataError) as e:
        read_standard(p)
    assert len(e.value.issues) == 4          # metric, op, thresholds, min_met above the items


def test_example_file_says_it_is_an_example():
    from pathlib import Path
    p = Path(__file__).resolve().parents[1] / "data" / "standards" / "example_basic_standard.toml"
    assert "example" in p.name and "示例" in read_standard(p).name


def test_evaluation_tables_without_inputs_are_empty_not_guessed(table, tmp_path):
    ds = Dataset(tmp_path, table([row()]), None, None)
    ev = evaluate_county(ds, "甲县", 2023)
    assert ev.basic_standard.empty and ev.finance_years.empty and ev.county_rates.empty
    assert set(ev.basic_conditions["status"]) == {"missing", "pass"}   # 校际均衡 of one school: CV 0
    assert isinstance(ev.tables()["staff_posts"], pd.DataFrame)
