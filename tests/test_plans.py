"""Shortfalls, least-cost plans (checked against closed forms and a brute-force optimizer), what-if."""
import math

import numpy as np
import pandas as pd
import pytest
from conftest import compliant, row
from scipy import optimize

from junheng_lib.analysis.coefficients import coefficients, compliance, values_table
from junheng_lib.analysis.measures import weighted_cv
from junheng_lib.analysis.plans import (
    _water_fill,
    apply_additions,
    combined_plan,
    compliance_plan,
    cv_plan,
    shortfall,
    what_if,
)


def sf_of(t, code, col="shortfall", school="S1"):
    return t[(t["indicator"] == code) & (t["school_id"] == school)][col].iloc[0]


def test_shortfall_in_raw_units(table):
    t = shortfall(values_table(table([compliant(teaching_area_m2=400, multimedia_rooms=2, above_degree_primary=3)])))
    assert sf_of(t, "Y4") == pytest.approx(50.0)          # 4.5 × 100 − 400 ㎡
    assert sf_of(t, "Y4", "shortfall_85") == 0.0          # 400 ≥ 0.85 × 450
    assert sf_of(t, "Y7") == 1.0                          # ⌈2.3 − 2⌉ rooms
    assert sf_of(t, "Y1") == 2.0                          # ⌈4.2 − 3⌉ teachers
    assert sf_of(t, "Y6") == 0.0 and sf_of(t, "Y5") == 0.0
    assert list(t.columns[:8]) == ["year", "county", "school_id", "stage", "indicator", "value", "standard",
                                   "shortfall"]
    assert len(t) == 7


def test_shortfall_junior_and_split(table):
    # 九年一贯制 166 + 210: the 初中部 gets 1.1·210/397 of the equipment; needs 2 500 元 per student
    t = table([row(school_id="N", school_type="九年一贯制学校", students_primary=166, students_junior=210,
                   teachers_junior=15, above_degree_junior=14, mid_title_junior=6, backbone_junior=2,
                   pe_art_junior=2, equipment_value_yuan=397000)])
    s = shortfall(values_table(t))
    junior = s[(s["stage"] == "初中") & (s["indicator"] == "Y6")].iloc[0]
    have = 397000 * 231 / 397
    assert junior["current"] == pytest.approx(have)
    assert junior["shortfall"] == pytest.approx(2500 * 210 - have)


def test_compliance_plan_picks_the_cheaper_exemption(table):
    # Y4 4.0 (short 50 ㎡ × 3 000 元) and Y6 1 800 (short 20 000 元): leaving Y4 at 89 % is cheapest
    t = table([compliant(teaching_area_m2=400, equipment_value_yuan=180000)])
    p = compliance_plan(shortfall(values_table(t))).set_index("indicator")
    assert p.loc["Y6", "addition"] == pytest.approx(20000) and p.loc["Y4", "addition"] == 0
    assert p.loc["Y4", "exempt"] == "Y4" and p["cost"].sum() == pytest.approx(20000)
    # with teaching rooms cheaper than equipment, the other choice wins
    p2 = compliance_plan(shortfall(values_table(t)), costs={"teaching_area": 100, "equipment_value": 10}).set_index("indicator")
    assert p2.loc["Y4", "addition"] == pytest.approx(50) and p2.loc["Y6", "addition"] == 0
    assert p2.loc["Y6", "exempt"] == "Y6"


def test_compliance_plan_when_exemption_is_not_enough(table):
    # Y6 at 80 %: it must be raised to 85 % at least (34 000 元 to 1 700) if it is the one left below
    t = table([compliant(equipment_value_yuan=160000, teaching_area_m2=400)])
    p = compliance_plan(shortfall(values_table(t))).set_index("indicator")
    # choices: all → 50·3000 + 40 000 = 190 000; Y4 exempt → 40 000; Y6 exempt → 150 000 + 10 000
    assert p["cost"].sum() == pytest.approx(40000)
    applied = apply_additions(t, compliance_plan(shortfall(values_table(t))))
    assert compliance(values_table(applied))["passed"].iloc[0]


def test_compliance_plan_nothing_for_passing_schools(table):
    p = compliance_plan(shortfall(values_table(table([compliant()]))))
    assert p["addition"].sum() == 0 and p["passed_before"].all()


def test_water_fill_closed_form_two_schools():
    # equal weights, x = 1 and 3, limit L: y = (t, 3), CV = (3 − t)/(3 + t) → t = 3(1 − L)/(1 + L)
    for L in (0.2, 0.4):
        add = _water_fill(np.array([1.0, 3.0]), np.array([100.0, 100.0]), L, 1.0, False)
        t = 3 * (1 - L) / (1 + L)
        assert add == pytest.approx([100 * (t - 1), 0.0])


def _brute_force(x, w, limit):
    """Independent optimizer: minimize Σ w·d subject to CV(x + d) ≤ limit, d ≥ 0 (several starts)."""
    best = math.inf
    cons = [{"type": "ineq", "fun": lambda d: limit - weighted_cv(x + d, w)[2]}]
    rng = np.random.default_rng(1)
    for _ in range(12):
        d0 = rng.uniform(0, x.max() - x.min(), len(x))
        r = optimize.minimize(lambda d: float(w @ d), d0, bounds=[(0, None)] * len(x), constraints=cons,
                              method="SLSQP", options={"maxiter": 500, "ftol": 1e-12})
        if weighted_cv(x + r.x, w)[2] <= limit + 1e-6:  # SLSQP may flag success=False at the optimum
            best = min(best, float(w @ r.x))
    return best


@pytest.mark.parametrize("x, w, limit", [
    ([2.0, 4.0, 6.0], [100, 100, 200], 0.2),
    ([1.0, 5.0, 2.5, 8.0], [50, 300, 120, 80], 0.3),
    ([3.0, 3.5, 9.0, 1.2, 4.4], [400, 60, 90, 30, 250], 0.25),
])
def test_water_fill_matches_brute_force(x, w, limit):
    x, w = np.array(x), np.array(w, float)
    add = _water_fill(x, w, limit, 1.0, False)
    assert (add >= 0).all()
    assert weighted_cv(x + add / w, w)[2] <= limit + 1e-12
    assert add.sum() == pytest.approx(_brute_force(x, w, limit), rel=1e-4)


def test_water_fill_grid_three_schools():
    # exhaustive grid over additions to the two lower schools (0.01 ㎡ per student steps)
    x, w, L = np.array([2.0, 4.0, 6.0]), np.array([1.0, 1.0, 1.0]), 0.25
    best = min(a + b for a in np.arange(0, 3, 0.01) for b in np.arange(0, 2, 0.01)
               if weighted_cv(x + np.array([a, b, 0.0]), w)[2] <= L)
    assert _water_fill(x, w, L, 1.0, False).sum() == pytest.approx(best, abs=0.02)


def test_cv_plan_contract_and_what_if(table):
    t = table([compliant(school_id=f"S{i}", school_name=f"校{i}", teaching_area_m2=a, students_primary=p,
                       above_degree_primary=max(5, p // 20), backbone_primary=max(1, p // 100),
                       pe_art_primary=max(1, p // 100), teachers_primary=max(6, p // 15))
               for i, (a, p) in enumerate([(100, 100), (1200, 200), (2700, 300), (150, 150)])])
    p = cv_plan(values_table(t), county="甲县", stage="小学", indicator="Y4")
    assert list(p.columns[:4]) == ["school_id", "addition", "value_after", "cv_after"]
    assert (p["addition"] >= 0).all() and p["cv_after"].nunique() == 1
    assert p["cv_after"].iloc[0] == pytest.approx(0.50) and p["cv_after"].iloc[0] <= 0.50
    # applying the plan and recomputing gives the same CV
    after = apply_additions(t, p[p["addition"] > 0])
    c = coefficients(values_table(after))
    assert c[(c["indicator"] == "Y4")]["cv"].iloc[0] == pytest.approx(p["cv_after"].iloc[0])


def test_cv_plan_already_passing_adds_nothing(table):
    t = table([compliant(school_id="A"), compliant(school_id="B", school_name="二小", teaching_area_m2=500)])
    p = cv_plan(values_table(t), county="甲县", stage="小学", indicator="Y4")
    assert (p["addition"] == 0).all() and p["cv_after"].iloc[0] == pytest.approx(p["cv_before"].iloc[0])


def test_cv_plan_counts_are_whole_and_hold(table):
    rows = [compliant(school_id=f"S{i}", school_name=f"校{i}", backbone_primary=b, teachers_primary=8)
            for i, b in enumerate([0, 1, 3, 6])]
    p = cv_plan(values_table(table(rows)), county="甲县", stage="小学", indicator="Y2")
    assert (p["addition"] == np.round(p["addition"])).all()
    assert p["cv_after"].iloc[0] <= 0.50


def test_combined_plan_passes_everything(table):
    rows = [compliant(school_id=f"S{i}", school_name=f"校{i}", teaching_area_m2=a, equipment_value_yuan=e)
            for i, (a, e) in enumerate([(200, 90000), (450, 200000), (900, 400000), (300, 150000)])]
    t = table(rows)
    adds, totals = combined_plan(values_table(t), county="甲县")
    after = apply_additions(t, adds)
    c = coefficients(values_table(after))
    assert c[c["standard"] == "quality"]["passed"].all()
    assert compliance(values_table(after))["passed"].all()
    assert set(totals.columns) >= {"stage", "indicator", "for_standard", "for_cv", "addition", "unit", "cost"}
    assert totals.set_index("indicator").loc["Y4", "addition"] == pytest.approx(
        adds[adds["indicator"] == "Y4"]["addition"].sum())


def test_what_if_edits():
    s = pd.DataFrame({"year": [2023, 2024], "school_id": ["A", "A"], "books": [100, 200]})
    out = what_if(s, [{"school_id": "A", "column": "books", "add": 50, "year": 2024}])
    assert out["books"].tolist() == [100, 250]
    with pytest.raises(ValueError):
        what_if(s, [{"school_id": "Z", "column": "books", "add": 1}])


def test_additions_by_chinese_resource_name(table):
    """A what-if names the resource as the rule table does (教学及辅助用房面积) or by code: same result.
    A 九年一贯制 school splits its area 100 : 110 (students × weights 1.0/1.1 of 100 and 100 pupils), so
    220 ㎡ for its 小学 (share 100/210) add 220 × 210/100 = 462 ㎡ to the school total."""
    t = table([row(school_id="S1", school_type="九年一贯制学校", students_primary=100, students_junior=100,
                   teachers_junior=8, above_degree_junior=6, mid_title_junior=3, teaching_area_m2=1000)])
    by_name = apply_additions(t, pd.DataFrame({"school_id": ["S1"], "stage": ["小学"], "resource": ["教学及辅助用房面积"],
                                               "addition": [220.0]}))
    by_code = apply_additions(t, pd.DataFrame({"school_id": ["S1"], "stage": ["小学"], "indicator": ["Y4"],
                                               "addition": [220.0]}))
    assert by_name["teaching_area_m2"].iloc[0] == pytest.approx(1000 + 462)
    assert by_code["teaching_area_m2"].iloc[0] == pytest.approx(1000 + 462)
    teachers = apply_additions(t, pd.DataFrame({"school_id": ["S1"], "stage": ["初中"], "resource": ["专任教师"],
                                                "addition": [2]}))
    assert teachers["teachers_junior"].iloc[0] == 10
    with pytest.raises(ValueError, match="“教学仪器设备值”") as e:
        apply_additions(t, pd.DataFrame({"school_id": ["S1"], "stage": ["小学"], "resource": ["教学设备"],
                                         "addition": [1.0]}))
    assert "没有名为“教学设备”的资源" in str(e.value)


def test_what_if_by_chinese_header(table):
    t = table([row(school_id="S1", teaching_area_m2=600)])
    assert what_if(t, [{"school_id": "S1", "column": "教学及辅助用房面积", "add": 50}])["teaching_area_m2"].iloc[0] == 650
    with pytest.raises(ValueError, match="可修改的列：.*“图书册数”"):
        what_if(t, [{"school_id": "S1", "column": "图书", "add": 1}])
