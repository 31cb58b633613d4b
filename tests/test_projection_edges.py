"""Edges of ``junheng project`` / ``junheng_lib.analysis.projection`` ("Never silently wrong, part two").

The county 甲县 of test_projection.py: 小学 A and B (B half of A), 初中 C; intake ratio 1.5,
progression 0.5 within 小学, 0.8 from grade 6 to 7, 1.0 within 初中, every year pair the same. From
the base year 2024 the method gives, one year ahead: A = 1.5·90 + 0.5·(90 + 30 + 10 + 10 + 10) = 210,
B = 105, C = 0.8·(10 + 5) + 24 + 48 = 84. Every expected value below is this arithmetic written out.
"""
from __future__ import annotations

import errno
import io
import os
from pathlib import Path

import pandas as pd
import pytest
from conftest import row, write_csv

from junheng_lib import cli
from junheng_lib.analysis.intake import read_intake
from junheng_lib.analysis.outlook import outlook
from junheng_lib.analysis.projection import (
    hindcast,
    prepare_projection,
    progression_ratios,
    project,
)
from junheng_lib.data.dataset import load
from junheng_lib.data.errors import DataError
from junheng_lib.util import fileio

GRADES = {
    2022: {"A": [40, 40, 40, 40, 40, 40], "B": [20, 20, 20, 20, 20, 20], "C": [50, 50, 50]},
    2023: {"A": [60, 20, 20, 20, 20, 20], "B": [30, 10, 10, 10, 10, 10], "C": [48, 50, 50]},
    2024: {"A": [90, 30, 10, 10, 10, 10], "B": [45, 15, 5, 5, 5, 5], "C": [24, 48, 50]},
}
NAMES = {"A": "一小", "B": "二小", "C": "一中", "T": "甲教学点", "S": "特殊教育学校", "D": "三小"}
JUNIOR = {"C"}


def _school(year, sid, grades, county="甲县", **kw):
    """A schools-table row whose students and 班数 agree with ``grades`` (one class per grade with pupils)."""
    n, k = sum(grades), sum(1 for g in grades if g)
    sid_out = kw.pop("school_id", sid)
    if sid in JUNIOR:
        return row(year=year, county=county, school_id=sid_out, school_name=NAMES[sid], school_type="初中",
                   students_primary=0, students_junior=n, teachers_primary=0, above_degree_primary=0,
                   mid_title_primary=0, backbone_primary=0, pe_art_primary=0, teachers_junior=20,
                   above_degree_junior=15, mid_title_junior=5, backbone_junior=2, pe_art_junior=2,
                   classes_junior=k, **kw)
    return row(year=year, county=county, school_id=sid_out, school_name=NAMES[sid], students_primary=n,
               classes_primary=k, **kw)


def _classes(grades_by_year, suffix=""):
    rows = []
    for y, schools in grades_by_year.items():
        for sid, gs in schools.items():
            stage, first = ("初中", 7) if sid in JUNIOR else ("小学", 1)
            rows += [{"year": y, "school_id": sid + suffix, "stage": stage, "grade": g, "class_size": n}
                     for g, n in enumerate(gs, start=first) if n]
    return rows


def make_folder(folder: Path, grades=GRADES, *, types=None, drop=(), counties=None) -> Path:
    """A data folder. ``types`` {school: (school_type, extra columns)}; ``drop`` (year, school, grade)
    class rows removed from the classes table only (the schools table keeps its figures); ``counties``
    {county: (grades, id suffix)} for more counties."""
    folder.mkdir(parents=True, exist_ok=True)
    counties = counties or {"甲县": (grades, "")}
    srows, crows = [], []
    for county, (gby, suffix) in counties.items():
        for y, sc in gby.items():
            for sid, gs in sc.items():
                t, extra = (types or {}).get(sid, (None, {}))
                kw = dict(extra, school_id=sid + suffix)
                if t:
                    kw["school_type"] = t
                srows.append(_school(y, sid, gs, county, **kw))
        crows += [r for r in _classes(gby, suffix) if (r["year"], r["school_id"], r["grade"]) not in set(drop)]
    write_csv(folder / "schools.csv", srows)
    write_csv(folder / "classes.csv", crows)
    return folder


def _run(argv, capsys):
    rc = cli.main(argv)
    cap = capsys.readouterr()
    return rc, cap.out, cap.err


def _students(p: pd.DataFrame) -> pd.Series:
    return p.set_index(["year", "school_id", "stage"])["students"]


# ---------------------------------------------------------------------------------------------- 1 missing ratios
def test_two_years_without_a_pair_are_not_projected_with_zeros(tmp_path, capsys):
    d = make_folder(tmp_path / "d", {2022: GRADES[2022], 2024: GRADES[2024]})
    out = tmp_path / "p.csv"
    rc, _, err = _run(["project", str(d), "--horizon", "2", "-o", str(out)], capsys)
    assert rc == 0
    p = pd.read_csv(out)
    assert p.empty and list(p.columns[:6]) == ["year", "county", "school_id", "stage", "students", "classes_needed"]
    # the county and the years are named; nothing is projected from a ratio of 0
    assert "提示：甲县班级表中没有2023学年的数据（有2022、2024学年）" in err
    assert "甲县未以2024学年为基准作预测" in err
    ds = load(d)
    res = project(ds.classes, ds.schools, horizon=2)
    assert res.empty and any("甲县" in n and "2023学年" in n for n in res.attrs["notes"])


def test_base_year_the_earliest_is_not_projected(tmp_path, capsys):
    d = make_folder(tmp_path / "d")
    rc, out, err = _run(["project", str(d), "--horizon", "1", "--year", "2022"], capsys)
    assert rc == 0
    assert pd.read_csv(io.StringIO(out)).empty
    assert "甲县班级表中没有2021学年的数据（有2022学年）" in err and "甲县未以2022学年为基准作预测" in err


def test_a_county_missing_a_year_is_skipped_and_named(tmp_path, capsys):
    # 乙县: the same schools (ids …2) without 2023; 甲县 is projected as usual
    yi = {2022: GRADES[2022], 2024: GRADES[2024]}
    d = make_folder(tmp_path / "d", counties={"甲县": (GRADES, ""), "乙县": (yi, "2")})
    out = tmp_path / "p.csv"
    rc, _, err = _run(["project", str(d), "--horizon", "1", "-o", str(out)], capsys)
    assert rc == 0
    p = pd.read_csv(out, dtype={"school_id": str})
    assert set(p["county"]) == {"甲县"}
    got = _students(p)
    assert got[(2025, "A", "小学")] == pytest.approx(210)
    assert got[(2025, "B", "小学")] == pytest.approx(105)
    assert got[(2025, "C", "初中")] == pytest.approx(0.8 * (10 + 5) + 24 + 48)
    assert "乙县班级表中没有2023学年的数据" in err and "乙县未以2024学年为基准作预测" in err
    assert (p["students"] > 0).all()


def test_older_pairs_are_used_and_said(tmp_path, capsys):
    # 2021 and 2022 carry the 2022 → 2023 cohorts of GRADES (the same ratios); 2023 is missing
    g = {2021: GRADES[2022], 2022: GRADES[2023], 2024: GRADES[2024]}
    d = make_folder(tmp_path / "d", g)
    out = tmp_path / "p.csv"
    rc, _, err = _run(["project", str(d), "--horizon", "1", "-o", str(out)], capsys)
    assert rc == 0
    got = _students(pd.read_csv(out))
    # one pair, 2021 → 2022: intake (60 + 30)/(40 + 20) = 1.5, progression 0.5, 6 → 7 48/60 = 0.8
    assert got[(2025, "A", "小学")] == pytest.approx(1.5 * 90 + 0.5 * (90 + 30 + 10 + 10 + 10))
    assert got[(2025, "C", "初中")] == pytest.approx(0.8 * 15 + 24 + 48)
    assert "提示：甲县班级表中没有2023学年的数据，入学和升级比例改用2021→2022学年的数据计算" in err


def test_a_grade_ratio_the_data_cannot_give_is_said(tmp_path):
    # 2023: no 四年级 anywhere (the schools table agrees), so 四年级 → 五年级 has no year pair
    g = {2023: {"A": [60, 20, 20, 0, 20, 20], "B": [30, 10, 10, 0, 10, 10], "C": [48, 50, 50]},
         2024: GRADES[2024]}
    ds = load(make_folder(tmp_path / "d", g))
    r = progression_ratios(prepare_projection(ds.classes, ds.schools).enrol).set_index("grade")
    assert pd.isna(r.loc[4, "ratio"]) and r.loc[4, "pairs"] == 0
    p = project(ds.classes, ds.schools, horizon=1)
    # 小学 needs it and is not projected; 初中 one year ahead does not: 0.8 · (10 + 5) + 24 + 48
    assert set(p["stage"]) == {"初中"}
    assert _students(p)[(2025, "C", "初中")] == pytest.approx(0.8 * 15 + 24 + 48)
    note = [n for n in p.attrs["notes"] if n.startswith("甲县小学未作预测")]
    assert note and "四年级升五年级的比例无法计算" in note[0] and "2023→2024" in note[0]
    # two years ahead 初中 still needs no 四年级 ratio: 2026 初一 = 0.8 · 六年级 of 2025 = 0.8 · 0.5 · 15
    p2 = project(ds.classes, ds.schools, horizon=2)
    assert _students(p2)[(2026, "C", "初中")] == pytest.approx(0.8 * 0.5 * 15 + 12 + 24)
    # three years ahead the 初一 comes from a 六年级 that cannot be projected: 初中 is not projected either
    p3 = project(ds.classes, ds.schools, horizon=3)
    assert p3.empty and any(n.startswith("甲县小学、初中未作预测") for n in p3.attrs["notes"])


# ---------------------------------------------------------------------------------------------- 2 partial grades
def _with_teaching_point():
    g = {y: dict(sc) for y, sc in GRADES.items()}
    for sc in g.values():
        sc["T"] = [10, 10, 0, 0, 0, 0]
    return g


def test_a_teaching_point_keeps_its_grades_and_its_leavers_go_on(tmp_path):
    g = _with_teaching_point()
    ds = load(make_folder(tmp_path / "d", g, types={"T": ("教学点", {"central_school_id": "A"})}))
    p = project(ds.classes, ds.schools, horizon=2)
    got = _students(p)
    # county ratios with T: intake (60+30+10)/(40+20+10) and (90+45+10)/(60+30+10);
    # 一年级 → 二年级 (20+10+10)/70 and (30+15+10)/100; 二年级 → 三年级 (20+10)/70 and (10+5)/40
    q = (100 / 70 + 145 / 100) / 2
    r1 = (40 / 70 + 55 / 100) / 2
    r2 = (30 / 70 + 15 / 40) / 2
    # T teaches grades 1–2: its 一年级 and 二年级 only (no 三年级 of its own)
    assert got[(2025, "T", "小学")] == pytest.approx(q * 10 + r1 * 10)
    assert got[(2026, "T", "小学")] == pytest.approx(q * (q * 10) + r1 * (q * 10))
    # T's 10 二年级 pupils go on to the county's 三年级: A and B by their 三年级 shares (10 : 5)
    a = q * 90 + r1 * 90 + r2 * 30 + r2 * 10 * 10 / 15 + 0.5 * (10 + 10 + 10)
    b = q * 45 + r1 * 45 + r2 * 15 + r2 * 10 * 5 / 15 + 0.5 * (5 + 5 + 5)
    assert got[(2025, "A", "小学")] == pytest.approx(a)
    assert got[(2025, "B", "小学")] == pytest.approx(b)
    # the county's 小学 is what the county ratios give: nobody is lost or invented
    total = q * 145 + r1 * 145 + r2 * 55 + 0.5 * 45
    assert got.xs((2025, "小学"), level=("year", "stage")).sum() == pytest.approx(total)


def test_a_special_school_stays_in_its_grades(tmp_path):
    # S (特殊教育学校) teaches 一年级–二年级, one class each, growing with the county's ratios
    # (intake 1.5, progression 0.5), so the ratios stay exact: 一年级 4 → 6 → 9, 二年级 4 → 2 → 3
    g = {y: dict(sc) for y, sc in GRADES.items()}
    g[2022]["S"], g[2023]["S"], g[2024]["S"] = [4, 4, 0, 0, 0, 0], [6, 2, 0, 0, 0, 0], [9, 3, 0, 0, 0, 0]
    ds = load(make_folder(tmp_path / "d", g, types={"S": ("特殊教育学校", {})}))
    r = progression_ratios(prepare_projection(ds.classes, ds.schools).enrol).set_index("grade")
    assert r.loc[0, "ratio"] == pytest.approx(1.5) and r.loc[1, "ratio"] == pytest.approx(0.5)
    p = project(ds.classes, ds.schools, horizon=3).set_index(["year", "school_id", "stage"])
    # 2025: 1.5·9 + 0.5·9 = 18; 2026: 1.5·13.5 + 0.5·13.5 = 27; 2027: 40.5 — in its 2 classes
    assert [p.loc[(y, "S", "小学"), "students"] for y in (2025, 2026, 2027)] == pytest.approx([18, 27, 40.5])
    assert (p.loc[(slice(None), "S", "小学"), "classes"] == 2).all()
    assert set(p.loc[(slice(None), "S", "小学"), "large_class_risk"]) == {""}   # 40.5 / 2 ≈ 20 a class


# ---------------------------------------------------------------------------------------------- 3 reconciliation
def test_unreconciled_school_stage_is_left_out_and_listed(tmp_path, capsys):
    # B's 三年级 is missing from the 2023 classes (its schools row says 80 pupils in 6 classes):
    # B's 小学 is left out of both pairs touching 2023, so the ratios are A's own (exact);
    # 2024 reconciles, so the projection is the clean one
    d = make_folder(tmp_path / "d", drop=[(2023, "B", 3)])
    out = tmp_path / "p.csv"
    rc, _, err = _run(["project", str(d), "--horizon", "1", "-o", str(out)], capsys)
    assert rc == 0
    got = _students(pd.read_csv(out))
    assert got[(2025, "A", "小学")] == pytest.approx(210)
    assert got[(2025, "B", "小学")] == pytest.approx(105)
    assert got[(2025, "C", "初中")] == pytest.approx(0.8 * 15 + 24 + 48)   # 6 → 7 from 2022 → 2023: 48/60
    assert "提示：1个学校学段的班级表与学校表不一致，未计入入学预测" in err
    assert "2023学年 甲县 B 二小 小学：班级表班额合计70人，学校表小学在校生80人" in err
    ds = load(d)
    notes = project(ds.classes, ds.schools, horizon=1).attrs["notes"]
    assert any("2023学年 甲县 B 二小 小学" in n for n in notes)


def test_a_grade_missing_county_wide_is_not_projected(tmp_path, capsys):
    # 三年级 missing for every 小学 in the base year: no 小学 can be projected, and the 初一 of 2025
    # would come from a 六年级 without them: nothing is projected, everything is said
    d = make_folder(tmp_path / "d", drop=[(2024, "A", 3), (2024, "B", 3)])
    out = tmp_path / "p.csv"
    rc, _, err = _run(["project", str(d), "--horizon", "1", "-o", str(out)], capsys)
    assert rc == 0 and pd.read_csv(out).empty
    assert "提示：2个学校学段的班级表与学校表不一致，未计入入学预测" in err
    assert "2024学年 甲县 A 一小 小学" in err and "2024学年 甲县 B 二小 小学" in err
    assert "甲县初中未作预测（以2024学年为基准）：初一由全县六年级推算" in err


def test_one_school_left_out_in_the_base_year(tmp_path):
    # B left out in 2024: A alone (ratios of the pair 2023 → 2024 without B in either year, exact)
    ds = load(make_folder(tmp_path / "d", drop=[(2024, "B", 3)]))
    p = project(ds.classes, ds.schools, horizon=2)
    assert set(p["school_id"]) == {"A"}
    assert _students(p)[(2025, "A", "小学")] == pytest.approx(210)
    assert _students(p)[(2026, "A", "小学")] == pytest.approx(305)
    assert any(n.startswith("甲县初中未作预测") for n in p.attrs["notes"])
    # the county report's 预警与展望: the notes travel with its projection table
    from junheng_lib.analysis.coefficients import values_table
    tabs, note = outlook(ds.classes, ds.schools, values_table(ds.schools[ds.schools["year"] == 2024]), 2024, "甲县")
    assert note == "" and set(tabs["projection_schools"]["school_id"]) == {"A"}
    assert any("2024学年 甲县 B 二小 小学" in n for n in tabs["projection_schools"].attrs["notes"])


def test_a_small_school_left_out_does_not_block_the_junior_stage(tmp_path):
    # T (教学点, grades 1–2) left out in 2024: its pupils cannot reach 初一 within 2 years
    g = _with_teaching_point()
    ds = load(make_folder(tmp_path / "d", g, types={"T": ("教学点", {"central_school_id": "A"})},
                          drop=[(2024, "T", 2)]))
    p = project(ds.classes, ds.schools, horizon=2)
    assert "T" not in set(p["school_id"]) and "C" in set(p["school_id"])
    # 初中 2025: 6 → 7 from the pairs (T has no 六年级): 0.8 · 15 + 24 + 48
    assert _students(p)[(2025, "C", "初中")] == pytest.approx(0.8 * 15 + 24 + 48)


def test_hindcast_leaves_out_unreconciled_school_stages(tmp_path):
    ds = load(make_folder(tmp_path / "d", drop=[(2024, "B", 3)]))
    detail, _ = hindcast(ds.classes, ds.schools)
    assert set(detail.loc[detail["stage"] == "小学", "school_id"]) == {"A"}
    assert (detail["error"].abs() < 1e-9).all()


# ---------------------------------------------------------------------------------------------- 4 intake file
def _intake_run(tmp_path, capsys, text=None, data: bytes | None = None, name="intake.csv"):
    d = make_folder(tmp_path / "d")
    f = tmp_path / name
    if data is not None:
        f.write_bytes(data)
    else:
        f.write_text(text, encoding="utf-8")
    rc, out, err = _run(["project", str(d), "--horizon", "1", "--intake", str(f)], capsys)
    return rc, out, err, f


def test_intake_errors_name_the_file_and_rows(tmp_path, capsys):
    text = ("县(区),学年,一年级招生数\n"
            "甲县,2025,300\n"          # row 2 and row 3: two rows for one county and year
            "甲县,2025,310\n"
            "乙县,2025,40\n"           # row 4: a county the data do not have
            "甲县,2026,30,5\n")        # row 5: an extra field
    rc, out, err, f = _intake_run(tmp_path, capsys, text)
    assert rc == 2 and out == ""
    assert f"{f}，第2行，列“县(区)”：同一县(区)同一学年有多行一年级招生数" in err
    assert f"{f}，第3行，列“县(区)”：同一县(区)同一学年有多行一年级招生数" in err
    assert f"{f}，第4行，列“县(区)”：数据中没有县(区)“乙县”" in err
    assert f"{f}，第5行：该行有4个字段，表头行有3个（多了1个）" in err
    assert "学校" not in err and "Traceback" not in err


def test_intake_bad_number_and_missing_county(tmp_path, capsys):
    rc, _, err, f = _intake_run(tmp_path, capsys, "县(区),学年,一年级招生数\n甲县,2025,abc\n,2026,3\n")
    assert rc == 2
    assert f"{f}，第2行，列“一年级招生数”" in err and f"{f}，第3行，列“县(区)”：不能为空" in err
    assert "学校" not in err and "could not" not in err and "Traceback" not in err


@pytest.mark.parametrize("data", [bytes(range(256)) * 8, b"PK\x03\x04garbage that is no workbook"])
def test_intake_corrupt_file_is_a_chinese_message(tmp_path, capsys, data):
    rc, _, err, f = _intake_run(tmp_path, capsys, data=data)
    assert rc == 2 and str(f) in err and "数据有误" in err
    assert "Traceback" not in err and "Error" not in err.replace("BadZipFile", "")


def test_intake_without_its_headers(tmp_path, capsys):
    rc, _, err, _ = _intake_run(tmp_path, capsys, "学校,年份,人数\n甲县,2025,1\n")
    assert rc == 2
    assert "找不到表头" in err and "“县(区)”“学年”“一年级招生数”" in err and "学校标识码" not in err


def test_intake_workbook_renamed_csv_is_read(tmp_path, capsys):
    x = tmp_path / "i.xlsx"
    pd.DataFrame({"县(区)": ["甲县"], "学年": [2025], "一年级招生数": [300]}).to_excel(x, index=False)
    rc, out, _, _ = _intake_run(tmp_path, capsys, data=x.read_bytes(), name="intake.csv")
    assert rc == 0
    # 300 new pupils shared 90 : 45 → A 200, the rest as before (0.5 · 150)
    assert _students(pd.read_csv(io.StringIO(out)))[(2025, "A", "小学")] == pytest.approx(200 + 75)


def test_intake_rows_outside_the_projection_are_said(tmp_path, capsys):
    rc, _, err, _ = _intake_run(tmp_path, capsys, "县(区),学年,一年级招生数\n甲县,2025,300\n甲县,2023,100\n")
    assert rc == 0
    assert "提示：县(区)提供的一年级招生数中，甲县2023学年不在预测学年（2025—2025学年）内，未使用" in err


def test_read_intake_checks_counties(tmp_path):
    f = tmp_path / "i.csv"
    f.write_text("县(区),学年,一年级招生数\n甲县,2025,300\n", encoding="utf-8")
    assert read_intake(f, counties={"甲县"})["intake"].tolist() == [300.0]
    with pytest.raises(DataError, match="数据中没有县"):
        read_intake(f, counties={"乙县"})


# ---------------------------------------------------------------------------------------------- 5 -o checked first
@pytest.fixture
def readonly(monkeypatch):
    """A folder refusing new files (tests may run as root, which chmod does not stop)."""
    def make(folder: Path):
        folder = folder.resolve()
        real = os.open

        def os_open(path, flags, *a, **k):
            if Path(os.fsdecode(path)).resolve().is_relative_to(folder) and flags & (os.O_CREAT | os.O_WRONLY):
                raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), os.fsdecode(path))
            return real(path, flags, *a, **k)
        monkeypatch.setattr(os, "open", os_open)
    return make


def test_output_is_checked_before_any_work(tmp_path, capsys, monkeypatch, readonly):
    d = make_folder(tmp_path / "d")
    ro = tmp_path / "ro"
    ro.mkdir()
    called = []
    monkeypatch.setattr(cli, "load_files", lambda *a, **k: called.append(1))
    monkeypatch.setattr(cli, "project", lambda *a, **k: called.append(1))
    readonly(ro)
    rc, _, err = _run(["project", str(d), "--horizon", "1", "-o", str(ro / "p.csv")], capsys)
    assert rc == fileio.EXIT_IO and "没有写入权限" in err and "Traceback" not in err
    assert not called
    rc, _, err = _run(["project", str(d), "--horizon", "1", "-o", str(tmp_path)], capsys)   # a folder
    assert rc == 2 and "是一个已有的文件夹" in err and not called


# ---------------------------------------------------------------------------------------------- 6 horizon
def test_long_horizon_carries_a_caveat(tmp_path, capsys):
    d = make_folder(tmp_path / "d")
    rc, out, err = _run(["project", str(d), "--horizon", "3"], capsys)
    assert rc == 0 and "超过了" not in err                       # 3 years of classes, 3 years ahead
    rc, out, err = _run(["project", str(d), "--horizon", "50"], capsys)
    assert rc == 0
    assert sorted(set(pd.read_csv(io.StringIO(out))["year"])) == list(range(2025, 2075))
    assert "提示：预测50年超过了班级表覆盖的3个学年（2022—2024学年）" in err
    assert "提示：预测50年超过了小学的6个年级：2031年起小学在校生全部是2024学年尚未入学的儿童" in err
    assert "2034年起初中也是如此" in err
    ds = load(d)
    notes = project(ds.classes, ds.schools, horizon=4).attrs["notes"]
    assert len(notes) == 1 and notes[0].startswith("预测4年超过了班级表覆盖的3个学年（2022—2024学年）")
