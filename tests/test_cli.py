"""The CLI contracts of ``junheng coefficients`` and ``junheng compliance``, and data errors."""
import csv
import io
import math
import subprocess
import sys

import pytest
from conftest import row, write_csv

HEADER = "year,county,stage,standard,indicator,mean,cv,limit,passed"


def run(*args):
    return subprocess.run([sys.executable, "-m", "junheng_lib.cli", *map(str, args)], capture_output=True,
                          text=True, encoding="utf-8")


@pytest.fixture
def small(tmp_path):
    return write_csv(tmp_path / "schools.csv", [
        row(school_id="A", books=400, indoor_sports_area_m2=100), row(school_id="B", school_name="二小", students_primary=300, books=2400,
                                           teachers_primary=15, above_degree_primary=14),
        row(school_id="J", school_name="一中", school_type="初中", students_primary=0, students_junior=200,
            teachers_primary=0, above_degree_primary=0, mid_title_primary=0, backbone_primary=0, pe_art_primary=0,
            teachers_junior=16, above_degree_junior=14, mid_title_junior=6, backbone_junior=2, pe_art_junior=2),
        row(school_id="Z1", county="乙县", year=2023, books=800),
    ])


def test_coefficients_contract(small, tmp_path):
    out = tmp_path / "out.csv"
    r = run("coefficients", small, "-o", out)
    assert r.returncode == 0, r.stderr
    text = out.read_text(encoding="utf-8")
    assert text.splitlines()[0] == HEADER
    rows = list(csv.DictReader(io.StringIO(text)))
    # 甲县: 小学 + 初中, 乙县: 小学 → 3 × (8 + 1 + 7) rows
    assert len(rows) == 48
    jia = [r for r in rows if r["county"] == "甲县" and r["stage"] == "小学"]
    assert [r["indicator"] for r in jia] == [f"L{i}" for i in range(1, 9)] + ["composite"] + [f"Y{i}" for i in
                                                                                               range(1, 8)]
    assert {r["standard"] for r in jia[:9]} == {"basic"} and {r["standard"] for r in jia[9:]} == {"quality"}
    l5 = jia[4]
    assert float(l5["mean"]) == pytest.approx(7.0) and float(l5["cv"]) == pytest.approx(math.sqrt(3) / 7)
    assert l5["limit"] == "" and l5["passed"] == ""
    comp = jia[8]
    assert comp["mean"] == "" and comp["limit"] == "0.65" and comp["passed"] in ("True", "False")
    assert all(r["passed"] in ("True", "False") and r["limit"] for r in jia[9:])
    chu = [r for r in rows if r["stage"] == "初中"]
    assert chu[0]["limit"] == "" and chu[8]["limit"] == "0.55" and chu[9]["limit"] == "0.45"


def test_coefficients_stdout_and_filters(small):
    r = run("coefficients", small, "--county", "乙县", "--year", "2023")
    assert r.returncode == 0
    lines = r.stdout.splitlines()
    assert lines[0] == HEADER and len(lines) == 17
    assert all(",乙县,小学," in ln for ln in lines[1:])


def test_options_are_flags(small):
    a = run("coefficients", small, "--county", "甲县").stdout
    b = run("coefficients", small, "--county", "甲县", "--gross-teaching-area").stdout
    assert a != b


def test_compliance_contract(small):
    r = run("compliance", small)
    assert r.returncode == 0, r.stderr
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    head = r.stdout.splitlines()[0].split(",")
    assert head[:14] == ["year", "county", "school_id", "school_name", "stage", "Y1", "Y2", "Y3", "Y4", "Y5", "Y6",
                         "Y7", "met", "passed"]
    assert len(rows) == 4
    assert {r["passed"] for r in rows} <= {"True", "False"}


def test_data_error_exit_nonzero_no_output_no_traceback(tmp_path):
    bad = write_csv(tmp_path / "bad.csv", [row(school_id="X", books="很多"), row(school_id="X", computers=-1)])
    out = tmp_path / "out.csv"
    r = run("coefficients", bad, "-o", out)
    assert r.returncode == 2
    assert not out.exists() and not list(tmp_path.glob(".out.csv*"))
    assert "Traceback" not in r.stderr
    assert "第2行，列“books”" in r.stderr and "第3行，列“computers”" in r.stderr
    assert "共" in r.stderr and "重复" in r.stderr


def test_unknown_county_is_a_clear_error(small):
    r = run("compliance", small, "--county", "丙县")
    assert r.returncode == 2 and "丙县" in r.stderr and "Traceback" not in r.stderr


def test_missing_file(tmp_path):
    r = run("coefficients", tmp_path / "nope.csv")
    assert r.returncode == 2 and "文件不存在" in r.stderr


def test_shortfall_contract(small):
    r = run("shortfall", small, "--county", "甲县")
    assert r.returncode == 0, r.stderr
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert r.stdout.splitlines()[0].startswith("year,county,school_id,stage,indicator,value,standard,shortfall")
    assert len(rows) == 3 * 7 and {r["indicator"] for r in rows} == {f"Y{i}" for i in range(1, 8)}
    a_y4 = next(r for r in rows if r["school_id"] == "A" and r["indicator"] == "Y4")
    # 600 − 100 indoor = 500 ㎡ for 100 students: 5.0 ≥ 4.5, nothing short
    assert float(a_y4["value"]) == pytest.approx(5.0) and float(a_y4["shortfall"]) == 0
    b_y5 = next(r for r in rows if r["school_id"] == "B" and r["indicator"] == "Y5")
    assert float(b_y5["shortfall"]) == pytest.approx(7.5 * 300 - 800)


def test_plan_contract(tmp_path):
    p = write_csv(tmp_path / "s.csv", [
        row(school_id=f"S{i}", school_name=f"校{i}", students_primary=n, teaching_area_m2=a, teachers_primary=20,
            above_degree_primary=18) for i, (a, n) in enumerate([(100, 100), (1200, 200), (2700, 300), (150, 150)])])
    out = tmp_path / "plan.csv"
    r = run("plan", p, "--county", "甲县", "--stage", "小学", "--indicator", "Y4", "-o", out)
    assert r.returncode == 0, r.stderr
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert list(rows[0])[:4] == ["school_id", "addition", "value_after", "cv_after"]
    assert len(rows) == 4 and len({r["cv_after"] for r in rows}) == 1
    assert float(rows[0]["cv_after"]) <= 0.5 and float(rows[0]["cv_after"]) == pytest.approx(0.5)
    assert all(float(r["addition"]) >= 0 for r in rows) and "共需增加" in r.stderr


def test_plan_needs_limit_for_basic_indicators(small):
    r = run("plan", small, "--county", "甲县", "--stage", "小学", "--indicator", "L5")
    assert r.returncode == 2 and "--limit" in r.stderr and "Traceback" not in r.stderr


def test_evaluate_writes_xlsx_and_csv(tmp_path):
    import openpyxl

    from junheng_lib.util.paths import sample_dir
    out = tmp_path / "ev.xlsx"
    r = run("evaluate", sample_dir(), "--county", "白石县", "-o", out)
    assert r.returncode == 0, r.stderr
    wb = openpyxl.load_workbook(out, read_only=True)
    assert {"基本均衡差异系数", "学校指标差额", "政府保障教育质量社会认可", "预警", "城乡差距"} <= set(wb.sheetnames)
    r = run("evaluate", sample_dir() / "schools.csv", "--year", "2023", "-o", tmp_path / "csv")
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "csv" / "compliance.csv").exists()


def test_undefined_and_empty_cases_are_explicit(tmp_path):
    p = write_csv(tmp_path / "s.csv", [
        row(school_id="A", computers=0),
        row(school_id="J", school_name="一中", school_type="初中", students_primary=0, students_junior=0,
            teachers_primary=0, above_degree_primary=0, mid_title_primary=0, backbone_primary=0, pe_art_primary=0),
        row(school_id="P", county="乙县", ownership="民办"),
    ])
    r = run("coefficients", p)
    assert r.returncode == 0, r.stderr
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    l4 = next(x for x in rows if x["stage"] == "小学" and x["indicator"] == "L4")
    assert l4["cv"] == "" and "小学 L4" in r.stderr                 # zero mean: no CV, said so
    j = [x for x in rows if x["stage"] == "初中"]
    assert j and all(x["cv"] == "" and x["passed"] == "" for x in j)  # a stage with no students
    assert "乙县 没有参与计算的学校" in r.stderr
