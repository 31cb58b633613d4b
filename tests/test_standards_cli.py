"""``junheng standards`` and ``evaluate --standards``: the column contract, a data folder or a
schools file, the tables evaluate writes, and a malformed file writing nothing."""
import csv
import subprocess
import sys
from pathlib import Path

from conftest import row, write_csv

EXAMPLE = Path(__file__).resolve().parents[1] / "data" / "standards" / "example_basic_standard.toml"
HEADER = "year,county,school_id,school_name,stage,items,met,passed,unmet"


def run(*args):
    return subprocess.run([sys.executable, "-m", "junheng_lib.cli", *map(str, args)], capture_output=True,
                          text=True, encoding="utf-8")


def test_standards_contract_from_a_file_and_a_folder(tmp_path):
    # L1 600/100 = 6 ≥ 3.0 (乡村 2.5); L2 8 ≥ 5; L3 2 000 ≥ 1 200; L5 400/100 = 4 < 15 (27 %); no classes given:
    # 平均班额 undefined → not met. 3 of 5 < 4 → not passed.
    f = write_csv(tmp_path / "schools.csv", [row(), row(school_id="S2", books=2000, classes_primary=3)])
    for target in (f, tmp_path):
        r = run("standards", target, "--standards", EXAMPLE)
        assert r.returncode == 0, r.stderr
        lines = r.stdout.splitlines()
        assert lines[0] == HEADER
        assert lines[1] == "2023,甲县,S1,一小,小学,5,3,False,S4、S5"
        assert lines[2] == "2023,甲县,S2,一小,小学,5,5,True,"


def test_malformed_standards_write_nothing(tmp_path):
    f = write_csv(tmp_path / "schools.csv", [row()])
    bad = tmp_path / "bad.toml"
    bad.write_text('[standard]\nname = "x"\n[[item]]\ncode = "S1"\nlabel = "a"\nmetric = "L1"\nop = "=="\n'
                   'primary = 1\n', encoding="utf-8")
    out = tmp_path / "out.csv"
    r = run("standards", f, "--standards", bad, "-o", out)
    assert r.returncode == 2 and "bad.toml" in r.stderr and "S1" in r.stderr and "“op”" in r.stderr
    assert "Traceback" not in r.stderr and not out.exists()
    r = run("evaluate", f, "--standards", bad, "-o", tmp_path / "ev")
    assert r.returncode == 2 and not (tmp_path / "ev").exists()


def test_evaluate_writes_the_new_tables(tmp_path):
    f = write_csv(tmp_path / "schools.csv", [row(), row(school_id="S2", books=2000, classes_primary=3)])
    r = run("evaluate", f, "--standards", EXAMPLE, "-o", tmp_path / "ev")
    assert r.returncode == 0, r.stderr
    files = {p.stem for p in (tmp_path / "ev").iterdir()}
    assert {"basic_standard", "basic_standard_schools", "basic_conditions", "staff_posts",
            "staff_posts_county", "finance_years", "county_rates"} <= files
    with open(tmp_path / "ev" / "basic_standard.csv", encoding="utf-8-sig") as fh:
        head = next(csv.reader(fh))
    assert head == "year,county,school_id,school_name,stage,item,label,metric,value,standard,met,share".split(",")
    with open(tmp_path / "ev" / "basic_conditions.csv", encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["condition"] for r in rows] == ["basic_standard", "inter_school", "government_work", "satisfaction"]
    assert rows[0]["status"] == "未达标"          # the evaluate folder shows words (rule table [codes])


def test_county_report_says_the_four_conditions_and_names_the_schools():
    from junheng_lib.report.county import CountyReport
    rep = CountyReport.build(None, "凤鸣县", 2024, standards=EXAMPLE)
    ev = rep.ev
    bad = ev.basic_standard_schools[~ev.basic_standard_schools["passed"]]
    assert len(bad) > 0 and ev.basic_passed is True and ev.basic_verdict == "fail"
    first = rep.conclusion()[0].text
    assert first.startswith("基本均衡：未达标（省定办学基本标准未达标）。四项认定条件中，") and "其中校际均衡" in first
    table = rep.basic_standard_table()
    assert table.data["school_name"].tolist() == bad["school_name"].tolist()
    assert bad["school_name"].iloc[0] in rep.basic_standard_text().text
    led = ev.ledger[ev.ledger["item"] == "basic_standard"]
    assert led["school_id"].tolist() == bad["school_id"].tolist()   # a school below the standard is a ledger row
    assert {"基本均衡条件", "办学基本标准", "教职工编制", "经费逐年"} <= {s.name for s in rep.workbook()}
    # without the file: 未提供, said
    rep0 = CountyReport.build(None, "凤鸣县", 2024)
    assert rep0.conclusion()[0].text.startswith("基本均衡：未提供（省定办学基本标准未提供，无法认定）")
    assert rep0.ev.basic_verdict == "missing"
    assert "未提供专任" not in rep0.staff_posts_text().text and "不是编制口径" in rep0.staff_posts_text().text
