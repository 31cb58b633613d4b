"""Coefficients, splitting, scope and compliance on tables of 2–6 schools, worked out by hand.

Expected values are written as the arithmetic of the formulas (indicators.md), not as output
pasted from the code.
"""
import math

import numpy as np
import pytest
from conftest import compliant, row

from junheng_lib.analysis.coefficients import (
    COEFFICIENT_COLUMNS,
    coefficients,
    compliance,
    values_table,
)
from junheng_lib.analysis.stages import school_stages
from junheng_lib.rules.options import Options


def wcv(x, p):
    """Weighted population CV, by the formula, for the expectations below."""
    P = sum(p)
    m = sum(pi * xi for pi, xi in zip(p, x)) / P
    return math.sqrt(sum(pi / P * (xi - m) ** 2 for pi, xi in zip(p, x))) / m


def get(coef, stage, ind, col="cv"):
    return coef[(coef["stage"] == stage) & (coef["indicator"] == ind)][col].iloc[0]


@pytest.fixture
def two_primary(table):
    # S1: 100 students; S2: 300 students
    return table([
        row(school_id="S1", students_primary=100, teaching_area_m2=600, indoor_sports_area_m2=100,
            outdoor_sports_area_m2=800, equipment_value_yuan=200000, computers=10, books=400,
            teachers_primary=6, above_degree_primary=5, mid_title_primary=3, backbone_primary=1,
            pe_art_primary=1, multimedia_rooms=3),
        row(school_id="S2", school_name="二小", students_primary=300, teaching_area_m2=1500,
            indoor_sports_area_m2=0, outdoor_sports_area_m2=2000, equipment_value_yuan=600000, computers=30,
            books=2400, teachers_primary=15, above_degree_primary=14, mid_title_primary=6, backbone_primary=3,
            pe_art_primary=3, multimedia_rooms=7),
    ])


def test_two_schools_every_basic_cv_and_composite(two_primary):
    c = coefficients(values_table(two_primary))
    p = [100, 300]
    expected = {
        "L1": 0.0,                                   # (600−100)/100 = 5 and 1500/300 = 5
        "L2": wcv([900 / 100, 2000 / 300], p),       # indoor counts in sports area
        "L3": 0.0,                                   # 2000 and 2000
        "L4": 0.0,                                   # 10 and 10 per 100
        "L5": math.sqrt(3) / 7,                      # 4 and 8 books → X̄ 7, S √3
        "L6": math.sqrt(0.25 * 0.0075 ** 2 + 0.75 * 0.0025 ** 2) / 0.0525,  # 0.06, 0.05 → X̄ 21/400
        "L7": wcv([0.05, 14 / 300], p),
        "L8": wcv([0.03, 0.02], p),
    }
    for code, cv in expected.items():
        assert get(c, "小学", code) == pytest.approx(cv, abs=1e-12), code
    assert get(c, "小学", "L5", "mean") == pytest.approx(7.0)
    assert get(c, "小学", "L2", "mean") == pytest.approx(2900 / 400)
    composite = sum(expected.values()) / 8
    assert get(c, "小学", "composite") == pytest.approx(composite)
    assert get(c, "小学", "composite", "limit") == 0.65
    assert get(c, "小学", "composite", "passed") is True
    assert math.isnan(get(c, "小学", "composite", "mean"))
    assert get(c, "小学", "L1", "passed") is None and math.isnan(get(c, "小学", "L1", "limit"))


def test_quality_cvs_and_limit(two_primary):
    c = coefficients(values_table(two_primary))
    # Y7: 3 and 7 rooms → 3.0 and 2.333 per 100
    assert get(c, "小学", "Y7") == pytest.approx(wcv([3.0, 700 / 300], [100, 300]))
    assert get(c, "小学", "Y7", "mean") == pytest.approx(100 * 10 / 400)
    assert get(c, "小学", "Y1", "limit") == 0.50
    assert get(c, "小学", "Y2") == pytest.approx(0.0)  # 1.0 and 1.0


def test_columns_and_order(two_primary):
    c = coefficients(values_table(two_primary))
    assert list(c.columns[:9]) == COEFFICIENT_COLUMNS
    assert c["indicator"].tolist() == [f"L{i}" for i in range(1, 9)] + ["composite"] + [f"Y{i}" for i in range(1, 8)]


def test_composite_is_mean_of_unrounded_cvs(table):
    # CVs chosen so rounding each to 3 decimals first would change the composite
    t = table([row(school_id="A", books=100, students_primary=100),
               row(school_id="B", school_name="二小", books=1000, students_primary=100)])
    c = coefficients(values_table(t))
    singles = c[(c["standard"] == "basic") & c["indicator"].str.startswith("L")]["cv"].to_numpy()
    assert get(c, "小学", "composite") == pytest.approx(singles.mean(), abs=1e-15)
    # books: 1 and 10 per student → X̄ 5.5, S 4.5
    assert get(c, "小学", "L5") == pytest.approx(4.5 / 5.5)


def test_nine_year_split_1_to_1_1(table):
    # the worked example: 166 + 210 students, 23 226 books
    t = table([row(school_id="N", school_type="九年一贯制学校", students_primary=166, students_junior=210,
                   teachers_junior=15, above_degree_junior=14, mid_title_junior=6, backbone_junior=2,
                   pe_art_junior=2, books=23226, multimedia_rooms=9)])
    st = school_stages(t).set_index("stage")
    share_p = 166 / (166 + 1.1 * 210)
    assert st.loc["小学", "books"] == pytest.approx(23226 * share_p)          # ≈ 9 711.6
    assert st.loc["初中", "books"] == pytest.approx(23226 * 1.1 * 210 / (166 + 1.1 * 210))  # ≈ 13 514.4
    assert st.loc["小学", "books"] / 166 == pytest.approx(58.5, abs=0.05)
    # teachers are per stage, not split; multimedia rooms are split like every school-level resource
    # (indicators.md §1, clarified 2026-11-23): 9 rooms → 9·166/397 and 9·231/397, never 9 each
    assert st.loc["初中", "teachers"] == 15 and st.loc["小学", "teachers"] == 6
    assert st.loc["小学", "multimedia_rooms"] == pytest.approx(9 * 166 / 397)
    assert st.loc["初中", "multimedia_rooms"] == pytest.approx(9 * 231 / 397)
    assert st.loc["小学", "multimedia_rooms"] + st.loc["初中", "multimedia_rooms"] == pytest.approx(9)
    # indoor sports is not counted twice: L1 area is net
    assert st.loc["小学", "teaching_area"] == pytest.approx(600 * share_p)


def test_complete_secondary_split_1_to_1_2(table):
    t = table([row(school_id="W", school_type="完全中学", students_primary=0, students_junior=600,
                   students_senior=500, teachers_primary=0, above_degree_primary=0, mid_title_primary=0,
                   backbone_primary=0, pe_art_primary=0, teachers_junior=50, above_degree_junior=45,
                   mid_title_junior=20, backbone_junior=5, pe_art_junior=5, books=12000, computers=220)])
    st = school_stages(t)
    assert st["stage"].astype(str).tolist() == ["初中"]
    share = 600 / (600 + 1.2 * 500)                      # = 0.5, the 高中部 share is dropped
    assert st["books"].iloc[0] == pytest.approx(12000 * share)
    assert st["computers"].iloc[0] == pytest.approx(110)


def test_twelve_year_split_1_to_1_1_to_1_32(table):
    t = table([row(school_id="T", school_type="十二年一贯制学校", students_primary=200, students_junior=100,
                   students_senior=100, teachers_junior=8, above_degree_junior=8, mid_title_junior=3,
                   backbone_junior=1, pe_art_junior=1, books=4420, equipment_value_yuan=884000)])
    st = school_stages(t).set_index("stage")
    den = 200 + 1.1 * 100 + 1.32 * 100                   # 442
    assert st.loc["小学", "books"] == pytest.approx(4420 * 200 / den)     # 2 000 → 10 per student
    assert st.loc["初中", "books"] == pytest.approx(4420 * 110 / den)     # 1 100 → 11 per student
    assert st.loc["初中", "equipment_value"] / 100 == pytest.approx(884000 * 110 / den / 100)  # 2 200 元


def test_scope_exclusions(table):
    base = dict(students_primary=100)
    t = table([
        row(school_id="A", **base, books=1000),
        row(school_id="B", school_name="民办", ownership="民办", **base, books=99999),
        row(school_id="C", school_name="市属", affiliation="市属", **base, books=99999),
        row(school_id="D", school_name="特校", school_type="特殊教育学校", **base, books=99999),
        row(school_id="E", school_name="教学点", school_type="教学点", students_primary=40, teachers_primary=3,
            above_degree_primary=3, books=4000),
        row(school_id="F", school_name="二小", **base, books=3000),
    ])
    c = coefficients(values_table(t))
    # basic: A (10 books per student), F (30) — teaching points are out of 基本均衡 by default
    assert get(c, "小学", "L5", "mean") == pytest.approx((1000 + 3000) / 200)
    assert get(c, "小学", "L5") == pytest.approx(wcv([10, 30], [100, 100]))
    # quality: the teaching point under 50 students is out
    comp = compliance(values_table(t))
    assert sorted(comp["school_id"]) == ["A", "F"]
    assert get(c, "小学", "Y1", "mean") == pytest.approx(100 * 10 / 200)
    notes = school_stages(t).set_index("school_id")["scope_note"]
    assert notes["B"] == "民办学校不参与计算" and notes["C"] == "非县属学校不参与计算"
    assert notes["D"] == "特殊教育学校不参与计算" and "教学点" in notes["E"]
    # option: teaching points as ordinary 小学 rows of 基本均衡 — A (10), E (100, 40 pupils), F (30)
    c = coefficients(values_table(t, Options(teaching_points="include")))
    assert get(c, "小学", "L5", "mean") == pytest.approx((1000 + 4000 + 3000) / 240)
    assert get(c, "小学", "L5") == pytest.approx(wcv([10, 100, 30], [100, 40, 100]))


def _tp_county(table, tp_students=60):
    """A central school C (200 pupils), an ordinary small school S (60) and a teaching point E."""
    return table([
        row(school_id="C", students_primary=200, books=2000, teachers_primary=10, above_degree_primary=9,
            multimedia_rooms=4),
        row(school_id="S", school_name="村小", students_primary=60, teachers_primary=5, above_degree_primary=5,
            books=1200, multimedia_rooms=1),
        row(school_id="E", school_name="点", school_type="教学点", students_primary=tp_students, teachers_primary=3,
            above_degree_primary=3, books=3000, multimedia_rooms=1, central_school_id="C"),
    ])


def test_teaching_points_default_out_of_basic_in_quality_from_50(table):
    t = _tp_county(table, tp_students=60)
    c = coefficients(values_table(t))
    # 基本均衡: C (10 books per pupil, 200) and S (20, 60); the teaching point is out
    assert get(c, "小学", "L5", "mean") == pytest.approx(3200 / 260)
    assert get(c, "小学", "L5") == pytest.approx(wcv([10, 20], [200, 60]))
    # 优质均衡: the teaching point of 60 ≥ 50 pupils is in — Y1 per 100: C 4.5, S 100/12, E 5
    assert get(c, "小学", "Y1", "mean") == pytest.approx(100 * (9 + 5 + 3) / 320)
    assert get(c, "小学", "Y1") == pytest.approx(wcv([4.5, 500 / 60, 5], [200, 60, 60]))
    assert sorted(compliance(values_table(t))["school_id"]) == ["C", "E", "S"]
    # at 49 pupils it is out of both; the cut-off is an option
    t49 = _tp_county(table, tp_students=49)
    assert sorted(compliance(values_table(t49))["school_id"]) == ["C", "S"]
    assert "E" in set(compliance(values_table(t49, Options(teaching_point_cutoff=40)))["school_id"])


def test_small_schools_and_teaching_points_are_separate_options(table):
    t = _tp_county(table, tp_students=60)
    # excluding small schools (< 100) drops S from both standards, not the teaching point
    opt = Options(small_schools="exclude")
    c = coefficients(values_table(t, opt))
    assert get(c, "小学", "L5", "mean") == pytest.approx(10.0)                      # only C in 基本均衡
    assert get(c, "小学", "Y1", "mean") == pytest.approx(100 * (9 + 3) / 260)      # C and E in 优质均衡
    assert sorted(compliance(values_table(t, opt))["school_id"]) == ["C", "E"]
    notes = school_stages(t, opt).set_index("school_id")["scope_note"]
    assert "小规模学校" in notes["S"] and "教学点" in notes["E"]
    # teaching points in 基本均衡 keep small schools in unless asked
    c = coefficients(values_table(t, Options(teaching_points="include", small_schools="exclude")))
    assert get(c, "小学", "L5", "mean") == pytest.approx(5000 / 260)                 # C and E


def test_options_small_schools_exclude_and_cutoff(table):
    t = table([row(school_id="A", students_primary=100, books=1000),
               row(school_id="B", school_name="小", students_primary=60, teachers_primary=5, books=1200),
               row(school_id="E", school_name="点", school_type="教学点", students_primary=40, teachers_primary=3,
                   above_degree_primary=3, books=4000)])
    c = coefficients(values_table(t, Options(small_schools="exclude")))
    assert get(c, "小学", "L5", "mean") == pytest.approx(10.0)   # only A (≥ 100) remains
    comp = compliance(values_table(t, Options(teaching_point_cutoff=30)))
    assert "E" in set(comp["school_id"])


def test_option_merge_teaching_point_into_central_school(table):
    t = _tp_county(table, tp_students=60)
    st = school_stages(t, Options(teaching_points="merge"))
    basic = st[st["in_basic"]].set_index("school_id")
    assert sorted(basic.index) == ["C", "S"]
    assert basic.loc["C", "students"] == 260 and basic.loc["C", "books"] == 5000 and basic.loc["C", "teachers"] == 13
    # 优质均衡 is not affected by the merge: C counts alone, the teaching point (60 ≥ 50) is a school of its own
    quality = st[st["in_quality"]].set_index("school_id")
    assert sorted(quality.index) == ["C", "E", "S"]
    assert quality.loc["C", "students"] == 200 and quality.loc["C", "books"] == 2000
    c = coefficients(values_table(t, Options(teaching_points="merge")))
    assert get(c, "小学", "L5") == pytest.approx(wcv([5000 / 260, 20], [260, 60]))
    assert get(c, "小学", "Y1") == pytest.approx(wcv([4.5, 500 / 60, 5], [200, 60, 60]))
    comp = compliance(values_table(t, Options(teaching_points="merge")))
    assert sorted(comp["school_id"]) == ["C", "E", "S"]
    assert comp.set_index("school_id").loc["C", "students"] == 200
    # other per-school tables see each school once (its own row, not the merged 基本均衡 view)
    from junheng_lib.analysis.size import class_shortfall
    cs = class_shortfall(None, values_table(t, Options(teaching_points="merge")))
    assert sorted(cs["school_id"]) == ["C", "E", "S"] and cs.set_index("school_id").loc["C", "students"] == 200


def test_merge_needs_the_central_school(table):
    from junheng_lib.data.io import DataError
    t = table([row(school_id="C", students_primary=200),
               row(school_id="E", school_name="点", school_type="教学点", students_primary=30, teachers_primary=3,
                   above_degree_primary=3, central_school_id="X")])
    with pytest.raises(DataError, match="所属中心校"):
        school_stages(t, Options(teaching_points="merge"))
    school_stages(t)                      # the default does not need it


def test_multimedia_rooms_split_in_nine_year_school(table):
    # 166 + 210 students, 4 shared multimedia rooms: Y7 per 100 pupils of each 部
    t = table([row(school_id="N", school_type="九年一贯制学校", students_primary=166, students_junior=210,
                   teachers_junior=15, above_degree_junior=14, mid_title_junior=6, backbone_junior=2,
                   pe_art_junior=2, multimedia_rooms=4)])
    comp = compliance(values_table(t)).set_index("stage")
    den = 166 + 1.1 * 210                                # 397
    assert comp.loc["小学", "Y7"] == pytest.approx(100 * 4 * (166 / den) / 166)          # 400/397 ≈ 1.008 < 2.3
    assert comp.loc["初中", "Y7"] == pytest.approx(100 * 4 * (1.1 * 210 / den) / 210)    # 440/397 ≈ 1.108 < 2.4
    # counted whole in each stage, the rooms would have read 2.41 and 1.90 per 100 pupils


def test_option_gross_teaching_area_and_bachelor(table):
    t = table([row(school_id="A", teaching_area_m2=600, indoor_sports_area_m2=100, bachelor_primary=2)])
    c = coefficients(values_table(t, Options(net_indoor_sports=False, primary_degree="本科")))
    assert get(c, "小学", "L1", "mean") == pytest.approx(6.0)
    assert get(c, "小学", "L7", "mean") == pytest.approx(0.02)
    assert get(c, "小学", "Y1", "mean") == pytest.approx(2.0)


def test_undefined_cases_are_explicit(table):
    # zero mean: nobody has a computer; one school of 初中 → CV 0
    t = table([row(school_id="A", computers=0), row(school_id="B", school_name="二小", computers=0),
               row(school_id="J", school_name="一中", school_type="初中", students_primary=0, students_junior=300,
                   teachers_primary=0, above_degree_primary=0, mid_title_primary=0, backbone_primary=0,
                   pe_art_primary=0, teachers_junior=25, above_degree_junior=20, mid_title_junior=10,
                   backbone_junior=3, pe_art_junior=3)])
    c = coefficients(values_table(t))
    assert math.isnan(get(c, "小学", "L4"))
    assert "无定义" in get(c, "小学", "L4", "note")
    assert math.isnan(get(c, "小学", "composite")) and get(c, "小学", "composite", "passed") is None
    assert get(c, "初中", "L5") == 0.0 and "仅1所学校" in get(c, "初中", "L5", "note")
    assert get(c, "初中", "composite", "passed") is True


def test_stage_without_students(table):
    # a single-stage 小学 that reports 0 students: no weight, no values, explicit note
    t = table([row(school_id="A", students_primary=0, teachers_primary=0, above_degree_primary=0,
                   mid_title_primary=0, backbone_primary=0, pe_art_primary=0)])
    c = coefficients(values_table(t))
    assert np.isnan(get(c, "小学", "L1", "mean")) and "无在校生" in get(c, "小学", "L1", "note")
    assert get(c, "小学", "Y1", "passed") is None
    assert compliance(values_table(t)).empty


# ---------------------------------------------------------------- compliance: ≥ 6 met, rest ≥ 85 %
def test_compliance_all_seven(table):
    c = compliance(values_table(table([compliant()])))
    assert c["met"].iloc[0] == 7 and c["passed"].iloc[0]


def test_compliance_six_met_seventh_at_85_percent(table):
    c = compliance(values_table(table([compliant(equipment_value_yuan=170000)])))   # 1 700 = 85 % of 2 000
    assert c["met"].iloc[0] == 6 and c["unmet"].iloc[0] == "Y6"
    assert c["passed"].iloc[0]


def test_compliance_six_met_seventh_at_84_9_percent(table):
    c = compliance(values_table(table([compliant(equipment_value_yuan=169800)])))   # 1 698 = 84.9 %
    assert c["met"].iloc[0] == 6 and not c["passed"].iloc[0]
    assert c["min_ratio"].iloc[0] == pytest.approx(0.849)


def test_compliance_five_met_fails_even_if_close(table):
    c = compliance(values_table(table([compliant(equipment_value_yuan=199000, multimedia_rooms=2)])))
    assert c["met"].iloc[0] == 5 and not c["passed"].iloc[0]


def test_compliance_junior_standards(table):
    # 初中 of 100: Y1 needs 5.3 → 5 teachers above degree is 5.0 (94 %), everything else met
    t = table([row(school_id="J", school_type="初中", students_primary=0, students_junior=100,
                   teachers_primary=0, above_degree_primary=0, mid_title_primary=0, backbone_primary=0,
                   pe_art_primary=0, teachers_junior=10, above_degree_junior=5, mid_title_junior=4,
                   backbone_junior=1, pe_art_junior=1, teaching_area_m2=580, outdoor_sports_area_m2=1020,
                   equipment_value_yuan=250000, multimedia_rooms=3)])
    c = compliance(values_table(t))
    assert c["met"].iloc[0] == 6 and c["unmet"].iloc[0] == "Y1" and c["passed"].iloc[0]
    assert c["Y1"].iloc[0] == pytest.approx(5.0)


def test_compliance_columns(two_primary):
    c = compliance(values_table(two_primary))
    assert list(c.columns[:14]) == ["year", "county", "school_id", "school_name", "stage",
                                    "Y1", "Y2", "Y3", "Y4", "Y5", "Y6", "Y7", "met", "passed"]
    # S2: Y5 = 2000/300 = 6.67 < 7.5 (88.9 %), the rest met → passes
    s2 = c.set_index("school_id").loc["S2"]
    assert s2["met"] == 6 and bool(s2["passed"]) and s2["min_ratio"] == pytest.approx(2000 / 300 / 7.5)
