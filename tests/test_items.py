"""Class and school size, county items, 三个增长, 城乡 gap and trends — hand-checked."""
import math

import numpy as np
import pandas as pd
import pytest
from conftest import row, write_csv

from junheng_lib.analysis.coefficients import values_table
from junheng_lib.analysis.gap import urban_rural_gap
from junheng_lib.analysis.items import county_items, three_growths
from junheng_lib.analysis.size import (
    class_bands,
    class_shortfall,
    school_size,
    special_rooms,
)
from junheng_lib.analysis.trends import cv_trend, warnings_table
from junheng_lib.data.io import DataError, read_classes, read_counties


@pytest.fixture
def one_school(table):
    return table([row(students_primary=217, teachers_primary=12, classes_primary=4, music_rooms=2,
                      music_room_area_m2=192, art_rooms=2, art_room_area_m2=170)])


def _classes(tmp_path, schools, sizes, stage="小学"):
    rows = [dict(year=2023, school_id="S1", stage=stage, grade=i % 6 + 1, class_size=s) for i, s in enumerate(sizes)]
    return read_classes(write_csv(tmp_path / "c.csv", rows), schools)


def test_class_bands_and_shortfall(tmp_path, one_school):
    classes = _classes(tmp_path, one_school, [44, 46, 57, 70])
    b = class_bands(classes, one_school).iloc[0]
    assert (b["classes"], b["标准班额"], b["偏大班额"], b["大班额"], b["超大班额"]) == (4, 1, 1, 1, 1)
    assert b["standard_share"] == 0.25 and b["large_share"] == 0.5 and b["max_size"] == 70
    s = class_shortfall(classes, values_table(one_school)).iloc[0]
    assert s["classes_needed"] == 5 and s["class_shortfall"] == 1      # ⌈217/45⌉ − 4
    assert s["place_shortfall"] == 1 * 45                               # the bureaus' 学位缺额: missing classes × 45
    assert s["pupils_over_standard"] == 0 + 1 + 12 + 25 and s["large_classes"] == 2


def test_junior_bands_use_50(tmp_path, table):
    t = table([row(school_type="初中", students_primary=0, students_junior=156, teachers_primary=0,
                   above_degree_primary=0, mid_title_primary=0, backbone_primary=0, pe_art_primary=0,
                   teachers_junior=12, above_degree_junior=10, mid_title_junior=4, backbone_junior=2, pe_art_junior=2)])
    rows = [dict(year=2023, school_id="S1", stage="初中", grade=7, class_size=s) for s in (50, 51, 55)]
    c = read_classes(write_csv(tmp_path / "c.csv", rows), t)
    b = class_bands(c, t).iloc[0]
    assert (b["标准班额"], b["偏大班额"]) == (1, 2)


def test_without_classes_table(one_school):
    assert class_bands(None, one_school).empty
    s = class_shortfall(None, values_table(one_school)).iloc[0]
    assert s["class_shortfall"] == 1 and s["place_shortfall"] == 45 and math.isnan(s["pupils_over_standard"])
    items = county_items(None, one_school, None)
    item5 = items[(items["group"] == "政府保障程度") & (items["no"] == 5)].iloc[0]
    assert item5["status"] == "missing"
    assert (items[items["group"] == "教育质量"]["status"] == "missing").all()


def test_school_size_limits(table):
    t = table([row(school_id="A", students_primary=2001, teachers_primary=100, above_degree_primary=90),
               row(school_id="B", school_name="九年", school_type="九年一贯制学校", students_primary=1500,
                   students_junior=900, teachers_junior=60, above_degree_junior=50, teachers_primary=80,
                   above_degree_primary=70)])
    s = school_size(t).set_index("school_id")
    assert bool(s.loc["A", "over"]) and s.loc["A", "limit"] == 2000
    assert not s.loc["B", "over"] and s.loc["B", "students"] == 2400 and s.loc["B", "limit"] == 2500


def test_music_and_art_rooms(one_school, table):
    r = special_rooms(one_school).iloc[0]
    # 4 classes → 1 room each; music 192/2 = 96 ㎡ ok; art 170/2 = 85 ㎡ < 90
    assert r["rooms_needed"] == 1 and bool(r["music_ok"]) and not r["art_ok"] and r["passed"] is False
    missing = special_rooms(table([row(classes_primary=4)])).iloc[0]
    assert missing["passed"] is None


def _counties(tmp_path, rows):
    return read_counties(write_csv(tmp_path / "k.csv", rows))


def test_percentages_one_rule(tmp_path):
    c = _counties(tmp_path, [
        dict(year=2023, county="甲县", satisfaction_rate="95%", retention_rate_junior="101.2", dropout_rate_junior="0.5",
             certified_teacher_rate="0.95", migrant_public_share="95"),
    ])
    r = c.iloc[0]
    assert r["satisfaction_rate"] == 95 and r["certified_teacher_rate"] == 95 and r["migrant_public_share"] == 95
    assert r["retention_rate_junior"] == 101.2 and r["dropout_rate_junior"] == 0.5


def test_percent_out_of_range_is_an_error(tmp_path):
    with pytest.raises(DataError) as e:
        _counties(tmp_path, [dict(year=2023, county="甲县", satisfaction_rate="120"),
                             dict(year=2023, county="乙县", exchanged_teachers=50, exchange_eligible_teachers=10)])
    msgs = [i.message for i in e.value.issues]
    assert any("0–100%" in m for m in msgs) and any("大于符合交流条件" in m for m in msgs)


def test_county_items_values_and_missing(tmp_path, one_school):
    c = _counties(tmp_path, [dict(year=2023, county="甲县", satisfaction_rate=86, special_ed_public_funds=5999,
                                  teacher_avg_pay=100000, civil_servant_avg_pay=100000, exchange_eligible_teachers=200,
                                  exchanged_teachers=20, exchanged_backbone_teachers=4, layout_planned="是",
                                  four_unified="否", nearby_enrollment_urban=100, nearby_enrollment_town=94.9,
                                  quality_monitoring_level_ok="是", quality_gap_rate=0.15)])
    t = county_items(c, one_school).set_index(["group", "no"])["status"]
    assert t[("社会认可度", 1)] == "pass"
    assert t[("政府保障程度", 7)] == "fail"            # 5 999 < 6 000
    assert t[("政府保障程度", 8)] == "pass"              # equal pay is "not lower"
    assert t[("政府保障程度", 11)] == "pass"             # 10 % rotated, 20 % of them backbone
    assert t[("政府保障程度", 1)] == "pass" and t[("政府保障程度", 2)] == "fail"
    assert t[("政府保障程度", 13)] == "fail"           # 镇区 94.9 < 95
    assert t[("教育质量", 9)] == "fail"                # gap rate must be below 0.15
    assert t[("政府保障程度", 9)] == "missing" and t[("教育质量", 1)] == "missing"
    assert t[("政府保障程度", 4)] == "pass"              # 217 students
    assert t[("基本均衡认定条件", 1)] == "missing" and t[("基本均衡认定条件", 2)] == "pass"
    assert len(t) == 15 + 9 + 1 + 2


def test_three_growths(tmp_path):
    c = _counties(tmp_path, [
        dict(year=2022, county="甲县", edu_appropriation=100, recurrent_revenue=1000, per_student_spending_primary=10000,
             per_student_spending_junior=15000, teacher_avg_pay=90000, per_student_public_funds_primary=700,
             per_student_public_funds_junior=1000),
        dict(year=2023, county="甲县", edu_appropriation=106, recurrent_revenue=1050, per_student_spending_primary=10100,
             per_student_spending_junior=15000, teacher_avg_pay=91000, per_student_public_funds_primary=720,
             per_student_public_funds_junior=1010),
    ])
    g = three_growths(c).set_index(["year", "no"])["status"]
    assert (g.loc[2022] == "missing").all()
    assert g[(2023, 1)] == "pass"        # +6 % > +5 %
    assert g[(2023, 2)] == "fail"      # 初中 per-student spending flat
    assert g[(2023, 3)] == "pass"


def test_gap_theil_textbook(table):
    # 城区 two schools at 10 books per student, 乡村 two at 0 (equal students): T = between = ln 2
    t = table([row(school_id="A", location="城区", books=1000), row(school_id="B", school_name="二", location="城区",
                                                                  books=1000),
               row(school_id="C", school_name="三", books=0), row(school_id="D", school_name="四", books=0)])
    g = urban_rural_gap(values_table(t), standard="basic").set_index("indicator").loc["L5"]
    assert g["mean_城区"] == 10 and g["mean_乡村"] == 0 and math.isnan(g["mean_镇区"])
    assert g["theil"] == pytest.approx(math.log(2)) and g["between"] == pytest.approx(math.log(2))
    assert g["within"] == pytest.approx(0, abs=1e-12) and g["between_share"] == pytest.approx(1)


def test_gap_weighted_means_and_within(table):
    # 城区 100 students at 4 and 300 at 8 (group mean 7), 乡村 100 at 4
    t = table([row(school_id="A", location="城区", books=400),
               row(school_id="B", school_name="二", location="城区", students_primary=300, teachers_primary=15,
                   above_degree_primary=14, books=2400),
               row(school_id="C", school_name="三", books=400)])
    g = urban_rural_gap(values_table(t), standard="basic").set_index("indicator").loc["L5"]
    assert g["mean_城区"] == pytest.approx(7.0) and g["mean_乡村"] == pytest.approx(4.0)
    total = 400 + 2400 + 400
    mean = total / 500
    s = np.array([400, 2400, 400]) / total
    x = np.array([4, 8, 4])
    theil = float(np.sum(s * np.log(x / mean)))
    between = (2800 / total) * math.log(7 / mean) + (400 / total) * math.log(4 / mean)
    assert g["theil"] == pytest.approx(theil) and g["between"] == pytest.approx(between)
    assert g["within"] == pytest.approx(theil - between)


def _coef(values, passed=None, limit=0.65):
    years = list(range(2020, 2020 + len(values)))
    return pd.DataFrame({"year": years, "county": "甲县", "stage": "小学", "standard": "basic",
                         "indicator": "composite", "cv": values, "limit": limit,
                         "passed": passed or [v <= limit for v in values]})


def test_warning_rising_and_near_limit():
    t = cv_trend(_coef([0.50, 0.55, 0.62]))
    last = t.iloc[-1]
    assert bool(last["rising"]) and bool(last["near_limit"]) and last["kind"] == "rising_near"
    assert t.iloc[1]["kind"] == ""                         # one rise only, 0.10 from the limit
    assert last["change"] == pytest.approx(0.07)


def test_warning_newly_failed_and_one_year():
    t = cv_trend(_coef([0.60, 0.70]))
    assert bool(t.iloc[-1]["newly_failed"]) and t.iloc[-1]["kind"] == "newly_failed"
    one = cv_trend(_coef([0.3]))
    assert math.isnan(one["change"].iloc[0]) and one["kind"].iloc[0] == ""
    assert warnings_table(t)["year"].tolist() == [2021]


def test_zero_students_in_a_stage(table):
    t = table([row(school_type="九年一贯制学校", students_junior=0, teachers_junior=0)])
    assert (class_shortfall(None, values_table(t))["stage"] == "小学").all()
