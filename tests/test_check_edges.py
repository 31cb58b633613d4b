"""`junheng check` at its edges ("Never silently wrong, part two"): the counties table is screened
(万元 typed in 元, growths no report may print without a finding), the CSV meant for Excel neutralizes
formula-like text while standard output stays exact, and year-over-year rules that cannot run
(a gap between years) are said, not skipped in silence.

Expected rules, severities and messages are derived by hand from ``[screening]`` and
``[screening.counties]`` of the rule table (thresholds quoted in the comments)."""
import csv
import io

import pandas as pd
import pytest
from conftest import row, write_csv

from junheng_lib import cli
from junheng_lib.analysis import screening
from junheng_lib.analysis.items import three_growths
from junheng_lib.data import dataset as data
from junheng_lib.data import sample
from junheng_lib.render.xlsx import write_findings
from junheng_lib.rules.indicators import RULES

SCHOOL_YOY = ("unit_wan、unit_slip、to_zero、jump、drop、school_gone、school_new、id_changed、name_changed、"
              "type_changed、county_changed、county_missing、county_new")
COUNTY_YOY = "unit_wan、unit_slip、to_zero、jump、drop"


def county(year, name="甲县", **kw) -> dict:
    """A counties row in the table's units: 拨款, 收入 万元; 生均 元; rates %."""
    r = dict(year=year, county=name, edu_appropriation=50000, recurrent_revenue=200000,
             per_student_spending_primary=12000, per_student_spending_junior=16000,
             per_student_public_funds_primary=700, per_student_public_funds_junior=1000,
             teacher_avg_pay=100000, civil_servant_avg_pay=100000, retention_rate_junior=95,
             dropout_rate_junior=0.2, quality_gap_rate=0.08)
    r.update(kw)
    return r


def folder(tmp_path, schools, counties=None, name="d"):
    d = tmp_path / name
    d.mkdir()
    write_csv(d / "schools.csv", schools)
    if counties:
        write_csv(d / "counties.csv", counties)
    return d


def check(capsys, *args):
    code = cli.main(["check", *map(str, args)])
    out = capsys.readouterr()
    return code, out.out, out.err


def county_findings(tmp_path, counties, years=(2023, 2024)):
    d = folder(tmp_path, [row(year=y) for y in years], counties)
    f = screening.screen(data.load(d))
    return f[f["school_id"] == ""].reset_index(drop=True)


# ---------------------------------------------------------------------------------------------- 1 the counties table
def test_appropriation_typed_in_yuan_is_found(tmp_path, capsys):
    # 2024 拨款 53 000 万元 typed in 元: 530 000 000 / 50 000 = 10 600, within ×/÷3 (wan_band) of
    # 10 000 → unit_wan (错误). 拨款/收入 = 530 000 000 / 210 000 ≈ 2 524 ≥ ratio_max 100 is the same
    # slip: said once, by the year-over-year finding
    d = folder(tmp_path, [row(year=2023), row(year=2024)],
               [county(2023), county(2024, edu_appropriation=530000000, recurrent_revenue=210000)])
    # what the report would print without the finding: 达标 on a growth of +1 059 900 %
    tg = three_growths(data.load(d).counties, year=2024)
    assert tg.iloc[0]["status"] == "pass" and tg.iloc[0]["value"].startswith("拨款+1059900.0%")
    code, out, err = check(capsys, d)
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 1
    assert rows[0] == {"year": "2024", "county": "甲县", "school_id": "", "school_name": "",
                       "column": "教育财政拨款(万元)", "rule": "unit_wan", "severity": "错误",
                       "value": "530000000", "previous": "50000",
                       "message": "教育财政拨款由 50,000 万元变为 530,000,000 万元(约为上年的1万倍)，疑似按元填报，请核实"}
    assert "数据筛查：共1条（错误1，警告0，提示0），县区表1条" in err


def test_counties_units_slips_and_rates(tmp_path):
    # 生均 (元) 12 000 → 1.25: ÷9 600 → unit_wan, typed in 万元; 教师工资 100 000 → 1 000 000: ×10 →
    # unit_slip; 巩固率 95 → 60: ratio 0.63 ≤ drop 0.7 and 35 points ≥ min_change 15 → drop;
    # 校际差异率 0.08 → 0.8: ×10 → unit_slip
    f = county_findings(tmp_path, [county(2023), county(2024, per_student_spending_primary=1.25, teacher_avg_pay=1000000,
                                                       retention_rate_junior=60, quality_gap_rate=0.8)])
    got = dict(zip(f["column"], zip(f["rule"], f["severity"], f["message"])))
    assert got == {
        "小学生均一般公共预算教育事业费(元)": ("unit_wan", "error", ("小学生均一般公共预算教育事业费由 12,000 元变为 1.25 元"
                                                               "(约为上年的万分之一)，疑似按万元填报，请核实")),
        "教师平均工资(元/年)": ("unit_slip", "error", ("教师平均工资由 100,000 元变为 1,000,000 元(约为上年的10倍)，"
                                                   "疑似多输入一位数字或小数点错位(也可能是上年少输入)，请核实")),
        "初中三年巩固率(%)": ("drop", "warning", ("初中三年巩固率由 95%减至 60%(减少 35 个百分点)，"
                                               "请核实比例的计算口径(分子、分母)是否变化，或填报有误")),
        "校际差异率": ("unit_slip", "error", ("校际差异率由 0.08变为 0.8(约为上年的10倍)，"
                                            "疑似多输入一位数字或小数点错位(也可能是上年少输入)，请核实"))}


@pytest.mark.parametrize("kw", [dict(retention_rate_junior=82),        # ratio 0.86 > drop 0.7
                                dict(dropout_rate_junior=0.02),       # a falling dropout rate: no drop, no slip
                                dict(dropout_rate_junior=0.0),        # … nor to_zero
                                dict(edu_appropriation=70000),        # ratio 1.4 < jump 1.5
                                dict(per_student_public_funds_primary=1000)])   # 1.43 < 1.5
def test_ordinary_county_changes_are_not_findings(tmp_path, kw):
    assert county_findings(tmp_path, [county(2023), county(2024, **kw)]).empty


def test_clean_sample_counties_give_no_findings():
    g = sample.generate(sample.SAMPLE_PROFILES, (2020, 2021, 2022, 2023, 2024), seed=3)
    c = g["counties"]
    assert len(c) == 50 and screening.screen_counties(c).empty


@pytest.mark.parametrize("prev, cur, rule, message", [
    # 60 万元 is below min_base 100: judged only because 200 / 60 = 3.3 ≥ 1 + max_growth (2)
    (60, 200, "jump", "教育财政拨款由 60 万元增至 200 万元(为上年的3.3倍)，请核实是否有大额专项拨款或口径调整，或填报有误"),
    (0, 200, "jump", ("教育财政拨款由 0 万元增至 200 万元(上年为 0，增幅无法计算)，请核实上年是否漏填，"
                      "或是否有大额专项拨款或口径调整，或填报有误")),
    (60, 100, None, None),       # +67 %: below the bound, and 60 below min_base
])
def test_a_large_growth_always_has_a_finding(tmp_path, prev, cur, rule, message):
    f = county_findings(tmp_path, [county(2023, edu_appropriation=prev, recurrent_revenue=1000),
                                   county(2024, edu_appropriation=cur, recurrent_revenue=1000)])
    assert f[["rule", "message"]].values.tolist() == ([[rule, message]] if rule else [])


def test_no_growth_beyond_the_bound_is_printed_without_a_finding(tmp_path):
    """Every growth 三个增长 prints beyond max_growth (or from 0) has a finding of that county-year and column."""
    cols = {"edu_appropriation": "教育财政拨款(万元)", "recurrent_revenue": "财政经常性收入(万元)",
            "per_student_spending_primary": "小学生均一般公共预算教育事业费(元)", "teacher_avg_pay": "教师平均工资(元/年)"}
    values = [0, 3, 60, 700, 50000, 130000, 9e8]
    rows, k = [], 0
    for col in cols:
        for a in values:
            for b in values:
                k += 1
                rows += [county(2023, name=f"县{k}", **{col: a}), county(2024, name=f"县{k}", **{col: b})]
    d = folder(tmp_path, [row(year=2023), row(year=2024)], rows)
    ds = data.load(d)
    found = screening.screen(ds)
    found = found[(found["year"] == 2024) & (found["school_id"] == "")]
    bound = {g_col: g["max_growth"] for g in RULES["screening"]["counties"]["yoy"] if "max_growth" in g
             for g_col in g["columns"]}
    c = ds.counties.set_index(["county", "year"])
    missed = []
    for col, zh in cols.items():
        for name in dict.fromkeys(ds.counties["county"]):
            a, b = c.loc[(name, 2023), col], c.loc[(name, 2024), col]
            big = (a == 0 and b > 0) or (a > 0 and b > 0 and (b / a - 1 > bound[col] or a / b - 1 > bound[col])) \
                or (a > 0 and b == 0)
            if big and found[(found["county"] == name) & (found["column"] == zh)].empty:
                missed.append((col, a, b))
    assert bound["edu_appropriation"] == 1.0 and not missed


def test_the_return_after_a_slip_is_a_finding_when_its_growth_is_printed(tmp_path):
    # 2023 拨款 5 万元 between 50 000 and 52 000: 2023 is the slip (÷10 000, the next year back within
    # ×/÷1.5); 2024's growth ×10 400 is still printed by 三个增长, so it has its own finding
    f = county_findings(tmp_path, [county(2022), county(2023, edu_appropriation=5), county(2024, edu_appropriation=52000)],
                        years=(2022, 2023, 2024))
    f = f[f["column"] == "教育财政拨款(万元)"]
    assert f[["year", "rule"]].values.tolist() == [[2023, "unit_wan"], [2024, "unit_wan"]]
    assert f.iloc[0]["message"].endswith("；次年为 52,000 万元，与上年相近，本年数值最可能有误")
    assert f.iloc[1]["message"] == ("教育财政拨款由 5 万元变为 52,000 万元(约为上年的1万倍)，与前年水平相近，"
                                    "上年数值最可能有误，请核实上年数值(据此计算的较上年增幅不可用)")


def test_appropriation_against_revenue_within_a_year(tmp_path):
    # one year only: 拨款 500 000 000 / 收入 200 000 = 2 500 ≥ ratio_max 100 → unit_wan on 拨款;
    # 收入 in 元: 50 000 / 2 000 000 000 = 0.000025 ≤ ratio_min 0.001 → unit_wan on 收入
    f = county_findings(tmp_path, [county(2024, edu_appropriation=500000000),
                                   county(2024, name="乙县", recurrent_revenue=2000000000)], years=(2024,))
    assert f[["county", "column", "rule", "message"]].values.tolist() == [
        ["甲县", "教育财政拨款(万元)", "unit_wan", ("教育财政拨款 500,000,000 万元为财政经常性收入 200,000 万元的 2,500 倍，"
                                           "两项单位疑似不一致(万元与元混填)，请核实两项的填报单位")],
        ["乙县", "财政经常性收入(万元)", "unit_wan", ("财政经常性收入 2,000,000,000 万元为教育财政拨款 50,000 万元的 40,000 倍，"
                                             "两项单位疑似不一致(万元与元混填)，请核实两项的填报单位")]]


def test_screen_tables_counties_default_and_report_summary(tmp_path):
    d = folder(tmp_path, [row(year=2023), row(year=2024, books=0)],
               [county(2023), county(2024, edu_appropriation=530000000)])
    ds = data.load(d)
    # without counties (the default) as before: the schools' findings only
    only = screening.screen_tables(ds.schools)
    assert only["rule"].tolist() == ["to_zero"]
    f = screening.screen_tables(ds.schools, counties=ds.counties)
    # sorted: severity, county, then the county's own row (no school) before its schools
    assert f[["school_id", "rule"]].values.tolist() == [["", "unit_wan"], ["S1", "to_zero"]]
    s = screening.summary(f, "甲县", 2024)
    assert s.total == 2 and s.county_table == 1 and s.schools["school_id"].tolist() == ["S1"]
    assert s.text() == ("甲县2024学年数据经筛查共发现2条需核实的情况（错误2条），涉及1所学校和县区表数据1条，"
                        "请在使用本报告结论前逐条核实。")
    assert screening.summary(f[f["school_id"] == ""], "甲县", 2024).text() == (
        "甲县2024学年数据经筛查共发现1条需核实的情况（错误1条），涉及县区表数据1条，请在使用本报告结论前逐条核实。")


def test_check_filters_apply_to_county_findings(tmp_path, capsys):
    d = folder(tmp_path, [row(year=y, county=c, school_id=c + str(y)[-1:]) for y in (2023, 2024) for c in ("甲县", "乙县")],
               [county(2023), county(2024, edu_appropriation=530000000),
                county(2023, name="乙县"), county(2024, name="乙县", edu_appropriation=530000000)])
    _, out, _ = check(capsys, d, "--county", "乙县")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [(r["county"], r["rule"]) for r in rows if r["school_id"] == ""] == [("乙县", "unit_wan")]
    _, out, _ = check(capsys, d, "--year", "2023")
    assert not [r for r in csv.DictReader(io.StringIO(out)) if r["school_id"] == ""]


# ---------------------------------------------------------------------------------------------- 2 formula-like text
NAMES = ["=1+1", '=HYPERLINK("http://x","点我")', "+86小学", "-1小学", "@SUM(A1)"]


def test_csv_for_excel_neutralizes_formulas_stdout_exact(tmp_path, capsys):
    rows = []
    for k, n in enumerate(NAMES):      # each school: books 400 → 0 in 2024 (to_zero), same name
        rows += [row(year=2023, school_id=f"S{k}", school_name=n), row(year=2024, school_id=f"S{k}", school_name=n, books=0)]
    rows += [row(year=2023, school_id="R", school_name="-旧名"), row(year=2024, school_id="R", school_name="=新名")]
    d = folder(tmp_path, rows)
    out = tmp_path / "findings.csv"
    code, _, _ = check(capsys, d, "-o", out)
    assert code == 0
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    got = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    zero = {r["school_id"]: r for r in got if r["rule"] == "to_zero"}
    assert {k: r["school_name"] for k, r in zero.items()} == {f"S{k}": "'" + n for k, n in enumerate(NAMES)}
    assert {(r["value"], r["previous"]) for r in zero.values()} == {("0", "400")}     # numbers stay numbers
    renamed = next(r for r in got if r["rule"] == "name_changed")
    assert (renamed["school_name"], renamed["value"], renamed["previous"]) == ("'=新名", "'=新名", "'-旧名")
    assert renamed["message"] == "学校名称由“-旧名”变为“=新名”(学校标识码未变)，请核实是否更名，或标识码填错"
    # standard output: exact (a machine contract)
    _, std, _ = check(capsys, d)
    exact = list(csv.DictReader(io.StringIO(std)))
    assert {r["school_id"]: r["school_name"] for r in exact if r["rule"] == "to_zero"} == {
        f"S{k}": n for k, n in enumerate(NAMES)}
    assert next(r for r in exact if r["rule"] == "name_changed")["previous"] == "-旧名"


def test_write_findings_csv_leading_tab(tmp_path):
    # (the reader strips a leading tab from names; a findings table built otherwise is neutralized too)
    f = pd.DataFrame([dict(year=2024, county="甲县", school_id="S1", school_name="\t一小", column="图书册数",
                           rule="to_zero", severity="error", value=0.0, previous=400.0, message="m")])
    out = write_findings(f, tmp_path / "f.csv")
    r = next(csv.DictReader(io.StringIO(out.read_bytes().decode("utf-8-sig"))))
    assert (r["school_name"], r["severity"], r["value"], r["previous"]) == ("'\t一小", "错误", "0", "400")


# ---------------------------------------------------------------------------------------------- 3 rules that could not run
def test_gap_between_years_is_said(tmp_path, capsys):
    # 2022 and 2024 only: books 400 → 0 and 生均 12 000 → 1.2 元 (÷10 000) would be to_zero and
    # unit_wan between consecutive years; across the gap nothing is compared, and stderr says so for
    # both tables
    d = folder(tmp_path, [row(year=2022), row(year=2024, books=0)],
               [county(2022), county(2024, per_student_spending_primary=1.2)])
    code, out, err = check(capsys, d)
    assert code == 0
    assert not [r for r in csv.DictReader(io.StringIO(out)) if r["rule"] in ("to_zero", "unit_wan")]
    lines = [x for x in err.splitlines() if "跨年比较" in x]
    assert lines == [
        (f"提示：学校表中没有2023学年的数据，2024学年未进行学校表的跨年比较规则({SCHOOL_YOY})："
         "跨年比较只在相邻学年之间进行，2024学年的上一个有数据的学年为2022学年"),
        (f"提示：县区表中没有2023学年的数据，2024学年未进行县区表的跨年比较规则({COUNTY_YOY})："
         "跨年比较只在相邻学年之间进行，2024学年的上一个有数据的学年为2022学年")]
    # the same for one year asked for; none for the earliest year (nothing before it, as always)
    _, _, err = check(capsys, d, "--year", "2022")
    assert "跨年比较" not in err


def test_consecutive_years_say_nothing_single_year_says_so(tmp_path, capsys):
    d = folder(tmp_path, [row(year=2023), row(year=2024)], [county(2023), county(2024)])
    _, _, err = check(capsys, d)
    assert "跨年比较" not in err
    d = folder(tmp_path, [row(year=2024)], [county(2023), county(2024)], name="one")
    _, _, err = check(capsys, d)
    assert [x for x in err.splitlines() if "跨年比较" in x] == [
        f"提示：学校表只有2024学年的数据，未进行学校表的跨年比较规则({SCHOOL_YOY})：需要相邻两个学年的数据"]


def test_county_absent_last_year_is_said(tmp_path, capsys):
    # 乙县 has schools in 2024 only (a county_new finding); its schools are not compared; 乙县 has no
    # counties row for 2023 either
    d = folder(tmp_path, [row(year=2023), row(year=2024), row(year=2024, county="乙县", school_id="Z1")],
               [county(2023), county(2024), county(2024, name="乙县")])
    _, out, err = check(capsys, d)
    assert [r["rule"] for r in csv.DictReader(io.StringIO(out))] == ["county_new"]
    assert [x for x in err.splitlines() if "跨年比较" in x] == [
        ("提示：2023学年学校表中没有乙县的学校，2024学年未进行这些县(区)逐校的跨年比较规则(unit_wan、unit_slip、to_zero、"
         "jump、drop、school_gone、school_new、id_changed、name_changed、type_changed、county_changed)"),
        f"提示：县区表中没有乙县2023学年的行，2024学年未进行这些县(区)县区表的跨年比较规则({COUNTY_YOY})"]


def test_skipped_rules_for_a_report(tmp_path):
    d = folder(tmp_path, [row(year=2022), row(year=2024)], [county(2022), county(2023), county(2024)])
    ds = data.load(d)
    sk = screening.skipped_rules(ds.schools, ds.counties, county="甲县", year=2024)
    assert list(sk.columns) == ["year", "county", "table", "reason", "previous", "rules", "message"]
    assert len(sk) == 1                    # the counties table has 2023: its rules ran
    r = sk.iloc[0]
    assert (r["year"], r["county"], r["table"], r["reason"], r["previous"]) == (2024, "甲县", "schools", "gap", 2022)
    assert "、".join(r["rules"]) == SCHOOL_YOY
    labels = "、".join(RULES["screening"]["rules"][c]["label"] for c in SCHOOL_YOY.split("、"))
    assert r["message"] == (f"甲县2024学年学校表的跨年比较（{labels}）未进行：学校表中没有2023学年的数据"
                            "(上一个有数据的学年为2022学年)，跨年比较只在相邻学年之间进行。")
    first = screening.skipped_rules(ds.schools, ds.counties, year=2022)
    assert first[["table", "reason"]].values.tolist() == [["schools", "first"], ["counties", "first"]]
    # 2023: no schools rows; the counties table has 2022 and 2023, compared: nothing skipped
    assert screening.skipped_rules(ds.schools, ds.counties, year=2023).empty
