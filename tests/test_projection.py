"""Enrolment projection (grade-progression method) on cohorts built with known ratios.

Expected values are the method's arithmetic written out (issue 11 §2), not pasted output.
"""

import pandas as pd
import pytest
from conftest import row, write_csv

from junheng_lib import cli
from junheng_lib.analysis.outlook import projected_indicators
from junheng_lib.analysis.projection import (
    grade_enrolment,
    hindcast,
    progression_ratios,
    project,
)
from junheng_lib.data.io import read_classes, read_schools

# 甲县: 小学 A and B, 初中 C. Intake ratio 1.5, progression 0.5 within 小学, 0.8 from grade 6 to 7,
# 1.0 within 初中 — every year pair the same, so each mean ratio is exact.
GRADES = {
    2022: {"A": [40, 40, 40, 40, 40, 40], "B": [20, 20, 20, 20, 20, 20], "C": [50, 50, 50]},
    2023: {"A": [60, 20, 20, 20, 20, 20], "B": [30, 10, 10, 10, 10, 10], "C": [48, 50, 50]},
    2024: {"A": [90, 30, 10, 10, 10, 10], "B": [45, 15, 5, 5, 5, 5], "C": [24, 48, 50]},
}


def _school(year, sid, grades, **kw):
    n = sum(grades)
    if sid == "C":
        return row(year=year, school_id=sid, school_name="一中", school_type="初中", students_primary=0,
                   students_junior=n, teachers_primary=0, above_degree_primary=0, mid_title_primary=0,
                   backbone_primary=0, pe_art_primary=0, teachers_junior=20, above_degree_junior=15,
                   mid_title_junior=5, backbone_junior=2, pe_art_junior=2, classes_junior=3, **kw)
    return row(year=year, school_id=sid, school_name={"A": "一小", "B": "二小"}[sid], students_primary=n,
               classes_primary=6, **kw)


def _classes(grades_by_year):
    rows = []
    for y, schools in grades_by_year.items():
        for sid, gs in schools.items():
            stage = "初中" if sid == "C" else "小学"
            first = 7 if sid == "C" else 1
            for g, n in enumerate(gs, start=first):
                rows.append({"year": y, "school_id": sid, "stage": stage, "grade": g, "class_size": n})
    return rows


@pytest.fixture
def county(tmp_path):
    def make(grades=GRADES, extra=None):
        srows = [_school(y, sid, gs, **(extra or {}).get(sid, {})) for y, sc in grades.items() for sid, gs in sc.items()]
        s = read_schools(write_csv(tmp_path / "schools.csv", srows))
        c = read_classes(write_csv(tmp_path / "classes.csv", _classes(grades)), s)
        return s, c
    return make


def test_grade_enrolment_and_ratios(county):
    s, c = county()
    e = grade_enrolment(c, s)
    assert e[(e["year"] == 2024) & (e["school_id"] == "C")]["grade"].tolist() == [7, 8, 9]
    r = progression_ratios(e).set_index("grade")
    assert r.loc[0, "ratio"] == pytest.approx(1.5)          # 90/60 and 135/90
    for g in range(1, 6):
        assert r.loc[g, "ratio"] == pytest.approx(0.5)
    assert r.loc[6, "ratio"] == pytest.approx(0.8)          # 48/60 and 24/30
    assert r.loc[7, "ratio"] == pytest.approx(1.0) and r.loc[8, "ratio"] == pytest.approx(1.0)
    assert r.loc[0, "pairs"] == 2 and r.loc[0, "years"] == "2022→2023、2023→2024"


def test_projection_follows_the_ratios_exactly(county):
    s, c = county()
    p = project(c, s, horizon=2).set_index(["year", "school_id", "stage"])
    # 2025: A = 1.5·90 + 0.5·(90 + 30 + 10 + 10 + 10) = 135 + 75 = 210; B half of A
    assert p.loc[(2025, "A", "小学"), "students"] == pytest.approx(210)
    assert p.loc[(2025, "B", "小学"), "students"] == pytest.approx(105)
    # 2025 初中: grade 7 = 0.8 · county grade 6 (10 + 5) = 12, grade 8 = 24, grade 9 = 48
    assert p.loc[(2025, "C", "初中"), "students"] == pytest.approx(12 + 24 + 48)
    # 2026: A = 202.5 + 67.5 + 22.5 + 7.5 + 2.5 + 2.5; C = 0.8·(5 + 2.5) + 12 + 24
    assert p.loc[(2026, "A", "小学"), "students"] == pytest.approx(305)
    assert p.loc[(2026, "C", "初中"), "students"] == pytest.approx(6 + 12 + 24)
    # classes at 45 / 50: ⌈210/45⌉ = 5, ⌈84/50⌉ = 2; 6 classes held → 35 per class, no risk
    assert p.loc[(2025, "A", "小学"), "classes_needed"] == 5 and p.loc[(2025, "C", "初中"), "classes_needed"] == 2
    assert p.loc[(2025, "A", "小学"), "avg_class_size"] == pytest.approx(35)
    assert p.loc[(2025, "A", "小学"), "large_class_risk"] == ""
    assert p.loc[(2026, "A", "小学"), "avg_class_size"] == pytest.approx(305 / 6)   # 50.8 > 45
    assert p.loc[(2026, "A", "小学"), "large_class_risk"] == "超标准班额"
    assert p.loc[(2025, "A", "小学"), "size_limit"] == 2000 and not p.loc[(2025, "A", "小学"), "over_size"]
    assert list(project(c, s, horizon=1).columns[:6]) == ["year", "county", "school_id", "stage", "students",
                                                           "classes_needed"]


def test_two_schools_share_the_county_grade_7(county):
    # one year pair: county grade 6 of 100 in 2023 → grade 7 of 90 in 2024 (C 60, D 30): R6 = 0.9
    grades = {2023: {"A": [50, 50, 50, 50, 50, 100], "C": [40, 40, 40]},
              2024: {"A": [50, 50, 50, 50, 50, 50], "C": [60, 40, 40]}}
    s, c = county(grades)
    extra_s = [_school(y, "C", [30, 10, 10]) | {"school_id": "D", "school_name": "二中"} for y in (2023, 2024)]
    extra_c = [{"year": 2023, "school_id": "D", "stage": "初中", "grade": g, "class_size": 10} for g in (7, 8, 9)]
    extra_c += [{"year": 2024, "school_id": "D", "stage": "初中", "grade": 7, "class_size": 30},
                {"year": 2024, "school_id": "D", "stage": "初中", "grade": 8, "class_size": 10},
                {"year": 2024, "school_id": "D", "stage": "初中", "grade": 9, "class_size": 10}]
    import pathlib
    import tempfile
    d = pathlib.Path(tempfile.mkdtemp())
    srows = [_school(y, sid, gs) for y, sc in grades.items() for sid, gs in sc.items()] + extra_s
    s = read_schools(write_csv(d / "schools.csv", srows))
    c = read_classes(write_csv(d / "classes.csv", _classes(grades) + extra_c), s)
    r = progression_ratios(grade_enrolment(c, s)).set_index("grade")["ratio"]
    assert r[6] == pytest.approx(0.9)                                  # (60 + 30) / 100
    p = project(c, s, horizon=1)
    g7 = 0.9 * 50                                                      # county grade 7 in 2025 = 45
    # C keeps 60/90 of it, D 30/90; grades 8 and 9 move on with R7 = (40+10)/(40+10) = 1, R8 = 1
    got = p.set_index("school_id")["students"]
    assert got["C"] == pytest.approx(g7 * 60 / 90 + 60 + 40)
    assert got["D"] == pytest.approx(g7 * 30 / 90 + 30 + 10)


def test_intake_override_replaces_the_intake_ratio(county):
    s, c = county()
    intake = pd.DataFrame({"county": ["甲县"], "year": [2025], "intake": [300.0]})
    p = project(c, s, horizon=2, intake=intake).set_index(["year", "school_id", "stage"])
    # 2025: grade 1 = 300 shared 90 : 45 → A 200, B 100; the rest as before
    assert p.loc[(2025, "A", "小学"), "students"] == pytest.approx(200 + 75)
    assert p.loc[(2025, "B", "小学"), "students"] == pytest.approx(100 + 37.5)
    # 2026 has no figure: the intake ratio applies again (1.5 · 200)
    assert p.loc[(2026, "A", "小学"), "students"] == pytest.approx(300 + 0.5 * (200 + 45 + 15 + 5 + 5))


def test_hindcast_is_exact_when_ratios_hold(county):
    s, c = county()
    detail, summary = hindcast(c, s)
    assert set(detail["year"]) == {2024}
    assert (detail["error"].abs() < 1e-9).all()
    a = summary.set_index("stage")
    assert a.loc["小学", "actual"] == 160 + 80 and a.loc["小学", "total_error_pct"] == pytest.approx(0)
    # two years are too few to check anything
    s2, c2 = county({y: GRADES[y] for y in (2023, 2024)})
    assert hindcast(c2, s2)[1].empty


def test_projected_indicators_warn_before_a_school_slips(county):
    # A meets every 优质均衡 standard in 2024 (160 pupils) with room to spare except area:
    # Y4 = 792/160 = 4.95 ≥ 4.5; in 2025 (210 pupils) Y4 = 792/210 = 3.77 = 83.8 % of 4.5 < 85 % → fails
    good = dict(teaching_area_m2=792, indoor_sports_area_m2=0, outdoor_sports_area_m2=3000,
                equipment_value_yuan=1_000_000, multimedia_rooms=8, teachers_primary=25,
                above_degree_primary=20, backbone_primary=3, pe_art_primary=2)
    s, c = county(extra={"A": good, "B": good})
    p = project(c, s, horizon=2)
    res = projected_indicators(s, p)
    comp = res["compliance"].set_index(["year", "school_id"])
    assert comp.loc[(2025, "A"), "Y4"] == pytest.approx(792 / 210)
    assert not comp.loc[(2025, "A"), "passed"]
    w = res["warnings"]
    lost = w[w["indicator"] == "compliance"]
    assert lost["year"].tolist() == [2025] and lost["stage"].tolist() == ["小学"]
    assert lost["warning"].iloc[0] == "预计2025年小学有1所学校不再达到优质均衡学校标准"
    coef = res["coefficients"]
    assert set(coef["year"]) == {2024, 2025, 2026}


def test_cli_project_contract_and_messages(county, tmp_path, capsys):
    s, c = county()
    out = tmp_path / "p.csv"
    rc = cli.main(["project", str(tmp_path), "--horizon", "2", "-o", str(out)])
    assert rc == 0
    df = pd.read_csv(out)
    assert list(df.columns[:6]) == ["year", "county", "school_id", "stage", "students", "classes_needed"]
    assert sorted(set(df["year"])) == [2025, 2026]
    err = capsys.readouterr().err
    assert "回测" in err and "总量误差 +0.0%" in err
    # intake file with a bad number: a data error naming the row
    bad = tmp_path / "intake.csv"
    bad.write_text("县(区),学年,一年级招生数\n甲县,2025,abc\n", encoding="utf-8")
    assert cli.main(["project", str(tmp_path), "--horizon", "1", "--intake", str(bad)]) == 2
    assert "第2行" in capsys.readouterr().err
