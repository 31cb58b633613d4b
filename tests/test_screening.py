"""Data screening (`junheng check`): planted errors are found with the right rule and severity,
clean data gives few findings, the data are never changed.

Expected rules, severities and numbers are derived by hand from ``[screening]`` of the rule table
(thresholds quoted in the comments)."""
import csv
import hashlib
import io
import subprocess
import sys

import pandas as pd
import pytest
from conftest import row, write_csv

from junheng_lib.analysis import screening
from junheng_lib.data import dataset as data
from junheng_lib.data import sample

YEARS = (2022, 2023, 2024)
COLUMNS = "year,county,school_id,school_name,column,rule,severity,value,previous,message"


def run(*args):
    return subprocess.run([sys.executable, "-m", "junheng_lib.cli", *map(str, args)], capture_output=True,
                          text=True, encoding="utf-8")


def write_folder(folder, tables):
    folder.mkdir(parents=True, exist_ok=True)
    for name, df in tables.items():
        df.to_csv(folder / f"{name}.csv", index=False, encoding="utf-8", lineterminator="\n")
    return folder


def hits(f, year, school_id, rule):
    return f[(f["year"] == year) & (f["school_id"] == school_id) & (f["rule"] == rule)]


def screen_rows(tmp_path, rows, classes=None):
    """Screen hand-written school rows (and class rows) through the validated reading path."""
    write_csv(tmp_path / "schools.csv", rows)
    if classes:
        write_csv(tmp_path / "classes.csv", classes)
    return screening.screen(data.load(tmp_path))


# ---------------------------------------------------------------------------------------------- generated city
@pytest.fixture(scope="module")
def clean():
    """Two counties of the sample generator (an even urban district and the uneven 白石县), 3 years."""
    return sample.generate(sample.SAMPLE_PROFILES.iloc[[0, 5]], YEARS, seed=11)


def test_clean_data_gives_few_findings(clean, tmp_path):
    ds = data.load(write_folder(tmp_path / "clean", clean))
    before = (ds.schools.copy(), ds.classes.copy())
    f = screening.screen(ds)
    pd.testing.assert_frame_equal(ds.schools, before[0])         # the tables are not touched
    pd.testing.assert_frame_equal(ds.classes, before[1])
    assert list(f.columns) == COLUMNS.split(",")
    assert len(f) <= len(ds.schools) // 100          # at most 1 finding per 100 school-years
    assert not (f["severity"] == "error").any()


@pytest.fixture(scope="module")
def planted(clean, tmp_path_factory):
    """The clean city with one planted error per school A…K (all 公办 小学 of 白石县, none a central school)."""
    s, cl = clean["schools"].copy(), clean["classes"].copy()
    central = set(s["central_school_id"].dropna())
    first = s[s["year"] == 2022]
    ok = first[(first["school_type"] == "小学") & (first["county"] == "白石县") & (first["ownership"] == "公办")
               & (first["students_primary"] >= 200) & ~first["school_id"].isin(central)]["school_id"].tolist()
    area = s.pivot(index="school_id", columns="year", values="teaching_area_m2")
    steady = [i for i in ok if 0.9 <= area.loc[i, 2024] / area.loc[i, 2023] <= 1.1]
    b = steady[0]
    a, c, d, e, f_, g, h, i, j, k = [x for x in ok if x != b][:10]
    ids = dict(A=a, B=b, C=c, D=d, E=e, F=f_, G=g, H=h, I=i, J=j, K=k)

    def at(sid, year):
        return (s["school_id"] == sid) & (s["year"] == year)

    # A: 2023 equipment typed in 万元 into the 元 column (2 decimals, as the statistics print it)
    s.loc[at(a, 2023), "equipment_value_yuan"] = (s.loc[at(a, 2023), "equipment_value_yuan"] / 10000).round(2)
    # B: 2024 teaching area with a digit too many (×10)
    s.loc[at(b, 2024), "teaching_area_m2"] *= 10
    # C: 2024 teacher count typed as the student count
    s.loc[at(c, 2024), "teachers_primary"] = s.loc[at(c, 2024), "students_primary"]
    # D: 2023 students doubled in the schools table (the classes table unchanged)
    s.loc[at(d, 2023), "students_primary"] *= 2
    # E: missing from 2024
    s = s[~at(e, 2024)]
    cl = cl[~((cl["school_id"] == e) & (cl["year"] == 2024))]
    # F: renamed in 2024; G: 小学 → 九年一贯制学校 in 2024
    s.loc[(s["school_id"] == f_) & (s["year"] == 2024), "school_name"] = "白石县实验小学"
    s.loc[at(g, 2024), "school_type"] = "九年一贯制学校"
    # H: books fall to zero in 2024
    s.loc[at(h, 2024), "books"] = 0
    # I: a new 学校标识码 in 2024, same name and county
    s.loc[at(i, 2024), "school_id"] = "5301239999"
    cl.loc[(cl["school_id"] == i) & (cl["year"] == 2024), "school_id"] = "5301239999"
    # J: every 小学 teacher a backbone teacher in 2023
    s.loc[at(j, 2023), "backbone_primary"] = s.loc[at(j, 2023), "teachers_primary"]
    # K: one class of 120 in 2023
    kk = cl.index[(cl["school_id"] == k) & (cl["year"] == 2023)][0]
    cl.loc[kk, "class_size"] = 120
    folder = write_folder(tmp_path_factory.mktemp("planted"), {"schools": s, "classes": cl,
                                                                "counties": clean["counties"]})
    before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}
    found = screening.screen(data.load(folder))
    return dict(ids=ids, found=found, folder=folder, before=before, clean=clean)


def test_wan_yuan_slip(planted):
    a, f = planted["ids"]["A"], planted["found"]
    s = planted["clean"]["schools"].set_index(["school_id", "year"])
    r = hits(f, 2023, a, "unit_wan")
    assert len(r) == 1
    r = r.iloc[0]
    assert r["severity"] == "error" and r["column"] == "教学仪器设备资产值(元)"
    assert r["previous"] == s.loc[(a, 2022), "equipment_value_yuan"]
    assert r["value"] == pytest.approx(round(s.loc[(a, 2023), "equipment_value_yuan"] / 10000, 2))
    assert "约为上年的万分之一" in r["message"] and "疑似按万元填报" in r["message"]
    # 2024 is back near 2022 (within ×/÷1.5): said in the 2023 finding, not reported again
    assert "次年为" in r["message"]
    assert f[(f["school_id"] == a) & (f["year"] == 2024) & (f["column"] == "教学仪器设备资产值(元)")].empty


def test_tenfold_area(planted):
    b, f = planted["ids"]["B"], planted["found"]
    r = hits(f, 2024, b, "unit_slip")
    assert len(r) == 1
    assert r.iloc[0]["severity"] == "error" and r.iloc[0]["column"] == "教学及辅助用房面积"
    assert "约为上年的10倍)，疑似多输入一位数字或小数点错位" in r.iloc[0]["message"]


def test_teachers_equal_to_students(planted):
    c, f = planted["ids"]["C"], planted["found"]
    r = hits(f, 2024, c, "student_teacher")
    assert len(r) == 1 and r.iloc[0]["severity"] == "error" and r.iloc[0]["column"] == "小学专任教师数"
    assert "生师比为 1.0" in r.iloc[0]["message"]


def test_students_doubled_against_classes(planted):
    d, f = planted["ids"]["D"], planted["found"]
    r = hits(f, 2023, d, "classes_students")
    assert len(r) == 1 and r.iloc[0]["severity"] == "error" and r.iloc[0]["column"] == "小学在校生数"
    assert "为其 2.00 倍" in r.iloc[0]["message"]


def test_school_disappears(planted):
    e, f = planted["ids"]["E"], planted["found"]
    r = hits(f, 2024, e, "school_gone")
    assert len(r) == 1 and r.iloc[0]["severity"] == "warning" and r.iloc[0]["previous"] == e
    assert r.iloc[0]["county"] == "白石县"


def test_changed_name_type_and_id(planted):
    ids, f = planted["ids"], planted["found"]
    r = hits(f, 2024, ids["F"], "name_changed")
    assert len(r) == 1 and r.iloc[0]["severity"] == "info" and r.iloc[0]["value"] == "白石县实验小学"
    r = hits(f, 2024, ids["G"], "type_changed")
    assert len(r) == 1 and r.iloc[0]["severity"] == "warning"
    assert (r.iloc[0]["value"], r.iloc[0]["previous"]) == ("九年一贯制学校", "小学")
    r = hits(f, 2024, "5301239999", "id_changed")
    assert len(r) == 1 and r.iloc[0]["severity"] == "warning" and r.iloc[0]["previous"] == ids["I"]
    # the id change is one finding, not a school gone plus a school new
    assert hits(f, 2024, ids["I"], "school_gone").empty and hits(f, 2024, "5301239999", "school_new").empty


def test_value_falls_to_zero(planted):
    h, f = planted["ids"]["H"], planted["found"]
    s = planted["clean"]["schools"].set_index(["school_id", "year"])
    r = hits(f, 2024, h, "to_zero")
    assert len(r) == 1 and r.iloc[0]["severity"] == "error" and r.iloc[0]["column"] == "图书册数"
    assert r.iloc[0]["previous"] == s.loc[(h, 2023), "books"] and r.iloc[0]["value"] == 0


def test_all_teachers_backbone_and_huge_class(planted):
    ids, f = planted["ids"], planted["found"]
    r = hits(f, 2023, ids["J"], "teacher_share")
    assert len(r) == 1 and r.iloc[0]["severity"] == "warning" and r.iloc[0]["column"] == "县级及以上骨干教师数(小学)"
    r = hits(f, 2023, ids["K"], "class_size")
    assert len(r) == 1 and r.iloc[0]["value"] == 120 and r.iloc[0]["column"] == "班额"


def test_no_false_errors_and_sorted(planted):
    f = planted["found"]
    # every 错误 is at a planted school (no false alarm at the top level)
    assert set(f.loc[f["severity"] == "error", "school_id"]) <= set(planted["ids"].values())
    # sorted by severity, then county, then school
    sev = f["severity"].map({"error": 0, "warning": 1, "info": 2})
    assert sev.is_monotonic_increasing
    for _, g in f.groupby("severity"):
        assert list(g["county"]) == sorted(g["county"], key=["东湖区", "白石县"].index)


def test_data_never_changed(planted):
    after = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in planted["folder"].iterdir()}
    assert after == planted["before"]


# ---------------------------------------------------------------------------------------------- hand tables
def test_wan_message_exact_and_spike(tmp_path):
    rows = [row(year=2022, equipment_value_yuan=1234000), row(year=2023, equipment_value_yuan=123.4),
            row(year=2024, equipment_value_yuan=1250000)]
    f = screen_rows(tmp_path, rows)
    r = f[f["rule"] == "unit_wan"]
    assert len(r) == 1 and r.iloc[0]["year"] == 2023
    assert r.iloc[0]["message"] == ("教学仪器设备资产值由 1,234,000 元变为 123.4 元(约为上年的万分之一)，疑似按万元填报，请核实"
                                    "；次年为 1,250,000 元，与上年相近，本年数值最可能有误")
    assert not (f["year"] == 2024).any()      # the return to 1,250,000 is not a second finding


def test_wan_the_other_way_and_no_next_year(tmp_path):
    f = screen_rows(tmp_path, [row(year=2022, equipment_value_yuan=20.5), row(year=2023, equipment_value_yuan=210000)])
    # 20.5 元 is below min_base (10 000 元): nothing judged; from 20 500 it is ×10 000 → unit_wan
    assert f[f["rule"].isin(["unit_wan", "jump"])].empty
    f = screen_rows(tmp_path, [row(year=2022, equipment_value_yuan=20500), row(year=2023, equipment_value_yuan=210000000)])
    r = f[f["rule"] == "unit_wan"].iloc[0]
    assert r["message"] == ("教学仪器设备资产值由 20,500 元变为 210,000,000 元(约为上年的1万倍)，疑似上年按万元填报，"
                            "请核实两年的填报单位")


@pytest.mark.parametrize("new, rule", [(1200, "jump"), (1190, None), (360, "drop"), (366, None), (6000, "unit_slip"),
                                       (7700, "unit_slip"), (8000, "jump"), (60, "unit_slip"), (50, "unit_slip"), (85, "drop"),
                                       (0, "to_zero")])
def test_area_year_over_year_thresholds(tmp_path, new, rule):
    """teaching area 600 ㎡: jump at ratio ≥ 2.0 (and ≥ 100 ㎡), drop at ≤ 0.6, ×10 / ÷10 within ×/÷1.3."""
    rows = [row(year=2022, teaching_area_m2=600), row(year=2023, teaching_area_m2=new)]
    f = screen_rows(tmp_path, rows)
    got = f.loc[f["column"] == "教学及辅助用房面积", "rule"].tolist()
    got = [g for g in got if g != "per_student_outlier"]
    assert got == ([rule] if rule else [])


def test_small_counts_are_not_judged(tmp_path):
    # 2 multimedia rooms → 5: below min_base 3, not a jump; 4 teachers → 12: below min_base 5
    rows = [row(year=2022, multimedia_rooms=2, teachers_primary=4, above_degree_primary=4, mid_title_primary=3),
            row(year=2023, multimedia_rooms=5, teachers_primary=12)]
    assert screen_rows(tmp_path, rows).empty


@pytest.mark.parametrize("teachers, severity", [(51, "error"), (50, "warning"), (34, "warning"), (33, None), (3, None),
                                                (2, "warning")])
def test_student_teacher_bands(tmp_path, teachers, severity):
    """100 小学 students: < 2 per teacher 错误, < 3 警告, > 45 警告."""
    r = row(teachers_primary=teachers, above_degree_primary=min(5, teachers), mid_title_primary=min(3, teachers),
            backbone_primary=1, pe_art_primary=1)
    f = screen_rows(tmp_path, [r])
    f = f[f["rule"] == "student_teacher"]
    assert f["severity"].tolist() == ([severity] if severity else [])


def test_student_teacher_atypical_types(tmp_path):
    """A 教学点 of 20 pupils and 8 teachers (2.5 per teacher) is normal there; 9 teachers (2.2) too;
    the same in a 小学 is a 警告, and under 2 per teacher is a 错误 for every type."""
    tp = dict(school_type="教学点", students_primary=20, above_degree_primary=5, mid_title_primary=3, backbone_primary=1,
              pe_art_primary=1)
    f = screen_rows(tmp_path, [row(school_id="T1", teachers_primary=8, **tp),
                               row(school_id="S1", school_name="二小", **{**tp, "school_type": "小学"}, teachers_primary=8),
                               row(school_id="T2", school_name="某教学点", teachers_primary=11, **tp)])
    r = f[f["rule"] == "student_teacher"]
    assert dict(zip(r["school_id"], r["severity"])) == {"S1": "warning", "T2": "error"}


def test_student_teacher_high(tmp_path):
    f = screen_rows(tmp_path, [row(students_primary=460, teachers_primary=10, above_degree_primary=5, mid_title_primary=3)])
    r = f[f["rule"] == "student_teacher"].iloc[0]
    assert r["severity"] == "warning" and r["message"].startswith("小学生师比为 46.0(在校生 460 人，专任教师 10 人)，高于合理上限 45")


def test_rooms_against_classes(tmp_path):
    # 8 classes: multimedia > 1.5 × 8 + 3 = 15 is a finding, 15 is not; music > 0.25 × 8 + 2 = 4
    rows = [row(school_id="S1", classes_primary=8, multimedia_rooms=16, music_rooms=4, art_rooms=5),
            row(school_id="S2", school_name="二小", classes_primary=8, multimedia_rooms=15, music_rooms=1, art_rooms=1)]
    f = screen_rows(tmp_path, rows)
    r = f[f["rule"] == "rooms_classes"]
    assert sorted(zip(r["school_id"], r["column"])) == [("S1", "网络多媒体教室间数"), ("S1", "美术专用教室间数")]


def test_per_student_outlier_against_the_county(tmp_path):
    # nine schools of 100 pupils with 4.0–5.6 ㎡ per pupil and one with 50 ㎡: median of the logs ≈ ln 4.9,
    # MAD ≈ 0.10 (spread 0.15), the 50 ㎡ school z ≈ 15 and > 3× the median; the others |z| < 1.5
    rows = [row(school_id=f"S{k}", school_name=f"{k}小", teaching_area_m2=400 + 20 * k) for k in range(9)]
    rows.append(row(school_id="X", school_name="十小", teaching_area_m2=5000))
    f = screen_rows(tmp_path, rows)
    r = f[f["rule"] == "per_student_outlier"]
    assert r["school_id"].tolist() == ["X"] and r.iloc[0]["value"] == 5000
    assert r.iloc[0]["column"] == "教学及辅助用房面积" and "生均教学及辅助用房面积(小学)为 50 ㎡" in r.iloc[0]["message"]
    # fewer than min_group (8) schools: no distribution to judge against
    f = screen_rows(tmp_path, rows[3:])
    assert f[f["rule"] == "per_student_outlier"].empty
    # a school of 40 pupils (under min_students 50) in the same building is not judged
    rows[-1] = row(school_id="X", school_name="十小", students_primary=40, teaching_area_m2=5000)
    f = screen_rows(tmp_path, rows)
    assert f[f["rule"] == "per_student_outlier"].empty


def test_zero_resource_with_students(tmp_path):
    rows = [row(school_id=f"S{k}", school_name=f"{k}小") for k in range(3)] + [row(school_id="Z", school_name="零小", equipment_value_yuan=0)]
    f = screen_rows(tmp_path, rows)
    r = f[f["rule"] == "per_student_outlier"]
    assert r["school_id"].tolist() == ["Z"] and "为 0" in r.iloc[0]["message"]


def test_classes_table_against_schools(tmp_path):
    rows = [row(school_id="S1", classes_primary=2), row(school_id="S2", school_name="二小", classes_primary=3),
            row(school_id="S3", school_name="三小", classes_primary=2), row(school_id="S4", school_name="四小")]
    cls = ([dict(year=2023, school_id="S1", stage="小学", grade=g, class_size=25) for g in (1, 2)]     # 50 vs 100: ×2
           + [dict(year=2023, school_id="S2", stage="小学", grade=g, class_size=48) for g in (1, 2)]   # 96: within 5
           + [dict(year=2023, school_id="S3", stage="小学", grade=g, class_size=45) for g in (1, 2)])  # 90: off by 10
    f = screen_rows(tmp_path, rows, cls)
    cs = f[f["rule"] == "classes_students"].set_index("school_id")["severity"].to_dict()
    assert cs == {"S1": "error", "S3": "warning"}
    cc = f[f["rule"] == "classes_count"]
    assert cc["school_id"].tolist() == ["S2"] and cc.iloc[0]["column"] == "小学班数"
    miss = f[f["rule"] == "classes_missing"]
    assert miss["school_id"].tolist() == ["S4"] and miss.iloc[0]["severity"] == "info"


def test_class_sizes(tmp_path):
    rows = [row(school_id="S1"), row(school_id="T", school_name="某教学点", school_type="教学点", students_primary=4,
                                     teachers_primary=1, above_degree_primary=1, mid_title_primary=0, backbone_primary=0,
                                     pe_art_primary=0)]
    cls = ([dict(year=2023, school_id="S1", stage="小学", grade=1, class_size=s) for s in (81, 90, 3)]
           + [dict(year=2023, school_id="S1", stage="小学", grade=2, class_size=80)]
           + [dict(year=2023, school_id="T", stage="小学", grade=1, class_size=4)])
    f = screen_rows(tmp_path, rows, cls)
    r = f[f["rule"] == "class_size"]
    assert sorted(r["value"]) == [3, 90]          # >80: 81 and 90 (one finding, max 90); <5: 3; 教学点 exempt
    assert any("有 2 个班班额超过 80 人(最大 90 人)" in m for m in r["message"])


def test_identity_between_years(tmp_path):
    rows = [row(year=2022, school_id="S1"), row(year=2022, school_id="S2", school_name="二小"),
            row(year=2023, school_id="S1"), row(year=2023, school_id="S3", school_name="三小")]
    f = screen_rows(tmp_path, rows)
    assert set(zip(f["rule"], f["school_id"], f["severity"])) == {("school_gone", "S2", "warning"),
                                                                 ("school_new", "S3", "info")}
    # a county present last year and absent this year is one finding, not one per school
    rows = [row(year=2022, school_id="S1"), row(year=2022, county="乙县", school_id="Z1"),
            row(year=2022, county="乙县", school_id="Z2", school_name="二小"), row(year=2023, school_id="S1")]
    f = screen_rows(tmp_path, rows)
    assert f[["rule", "county", "school_id"]].values.tolist() == [["county_missing", "乙县", ""]]


def test_summary_for_the_county_report(tmp_path):
    rows = [row(year=2022, school_id="S1"), row(year=2022, school_id="S2", school_name="二小"),
            row(year=2023, school_id="S1", books=0, teachers_primary=60, above_degree_primary=30, mid_title_primary=3),
            row(year=2023, school_id="S3", school_name="三小")]
    f = screen_rows(tmp_path, rows)
    sm = screening.summary(f, "甲县", 2023)
    by = dict(zip(sm.by_rule["rule"], sm.by_rule["count"]))
    # S1: books 400 → 0 (错误), 100 pupils / 60 teachers = 1.7 < 2 (错误), teachers 6 → 60 (×10, 错误); S2 gone; S3 new
    assert by == {"to_zero": 1, "student_teacher": 1, "unit_slip": 1, "school_gone": 1, "school_new": 1}
    assert sm.total == 5
    assert sm.schools["school_id"].tolist() == ["S1", "S2", "S3"]
    assert sm.schools["severity"].tolist() == ["error", "warning", "info"]
    assert sm.schools.iloc[0]["findings"] == 3
    assert sm.text() == ("甲县2023学年数据经筛查共发现5条需核实的情况（错误3条、警告1条、提示1条），涉及3所学校，"
                         "请在使用本报告结论前逐条核实。")
    empty = screening.summary(f, "甲县", 2022)
    assert empty.total == 0 and empty.schools.empty and "未发现" in empty.text()


def test_display_numbers():
    f = pd.DataFrame([dict(year=2023, county="甲县", school_id="S1", school_name="一小", column="x", rule="jump",
                           severity="warning", value=1234000.0, previous=123.4, message="m"),
                      dict(year=2023, county="甲县", school_id="S1", school_name="一小", column="x", rule="name_changed",
                           severity="info", value="新名", previous="", message="m")])
    d = screening.display(f)
    assert d["value"].tolist() == ["1234000", "新名"] and d["previous"].tolist() == ["123.4", ""]


# ---------------------------------------------------------------------------------------------- command line
def test_cli_csv_contract(planted, tmp_path):
    out = tmp_path / "findings.csv"
    r = run("check", planted["folder"], "-o", out)
    assert r.returncode == 0, r.stderr
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    assert text.splitlines()[0] == COLUMNS
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == len(planted["found"])
    assert {r["severity"] for r in rows} <= {"错误", "警告", "提示"}
    assert "数据筛查：共" in r.stderr and "错误" in r.stderr and "unit_wan" in r.stderr
    after = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in planted["folder"].iterdir()}
    assert after == planted["before"]


def test_cli_stdout_and_filters(planted):
    r = run("check", planted["folder"], "--year", "2023", "--county", "白石县")
    assert r.returncode == 0, r.stderr
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert rows and all(x["year"] == "2023" and x["county"] == "白石县" for x in rows)


def test_cli_xlsx_strings_never_formulas(tmp_path):
    import openpyxl
    rows = [row(year=2022, school_name="=HYPERLINK(\"http://x\")"), row(year=2023, school_name="=HYPERLINK(\"http://x\")",
                                                                          books=0)]
    (tmp_path / "d").mkdir()
    write_csv(tmp_path / "d" / "schools.csv", rows)
    out = tmp_path / "f.xlsx"
    r = run("check", tmp_path / "d", "-o", out)
    assert r.returncode == 0, r.stderr
    wb = openpyxl.load_workbook(out)
    ws = wb["数据筛查"]
    assert [c.value for c in ws[1]] == ["学年", "县(区)", "学校标识码", "学校名称", "数据项", "规则", "严重程度",
                                        "本年数值", "上年数值", "说明"]
    assert ws["D2"].value == "=HYPERLINK(\"http://x\")" and ws["D2"].data_type == "s"
    assert ws["G2"].value == "错误" and ws["H2"].value == 0 and ws["I2"].value == 400
    assert ws["C2"].data_type == "s"              # ids stay text
    assert wb["汇总"]["B2"].value == "to_zero"


def test_cli_data_error_exit_2(tmp_path):
    write_csv(tmp_path / "schools.csv", [row(teachers_primary="abc")])
    out = tmp_path / "f.csv"
    r = run("check", tmp_path, "-o", out)
    assert r.returncode == 2 and "不是数字" in r.stderr and "Traceback" not in r.stderr
    assert not out.exists()
