"""The working records (working-records.md §5–§6): the projects and groups tables read like the
others, and their summaries worked by hand."""
from __future__ import annotations

import math
import subprocess
import sys

import pandas as pd
import pytest

from junheng_lib.analysis.groups import groups_summary
from junheng_lib.analysis.projects import projects_summary
from junheng_lib.data.dataset import load
from junheng_lib.data.errors import DataError
from junheng_lib.data.records import read_groups, read_projects
from junheng_lib.evaluation import evaluate_county

PROJECTS_HEAD = ("学年,县(区),项目编号,项目名称,学校标识码,项目类别,规划建设面积(平方米),规划投入资金(万元),项目状态,"
                 "竣工面积(平方米),中央资金(万元),省级资金(万元),市级资金(万元),区级配套(万元)\n")


def _write(path, text, encoding="utf-8"):
    path.write_bytes(text.encode(encoding))
    return path


def test_district_report_arithmetic(tmp_path):
    """A 全面改薄 progress report: 累计投入1,599.78万元（中央469万元、省级324万元、区级配套806.78万元），占规划2,117万元的75.6%."""
    f = _write(tmp_path / "projects.csv", PROJECTS_HEAD
               + "2024,甲区,P1,一小教学楼,S1,校舍,12000,1000,竣工,11500,200,100,,400\n"
               + "2024,甲区,P2,二小运动场,S2,运动场,,800,在建,,269,224,,306.78\n"
               + "2024,甲区,P3,三小设备,S3,设备,,317,未开工,,,,,100\n", "gbk")
    r = projects_summary(read_projects(f), 2024, "甲区").iloc[0]
    # by hand: 中央 200 + 269 = 469; 省级 100 + 224 = 324; 区级 400 + 306.78 + 100 = 806.78
    assert (r["invested_central"], r["invested_province"]) == (469, 324)
    assert r["invested_county"] == pytest.approx(806.78)
    assert r["invested_10k_yuan"] == pytest.approx(469 + 324 + 806.78) == pytest.approx(1599.78)
    assert r["planned_10k_yuan"] == 1000 + 800 + 317 == 2117
    assert round(r["invested_share"] * 100, 1) == 75.6        # 1599.78 / 2117 = 0.75568…
    # 3 projects: 开工 = 在建 1 + 竣工 1 = 2 (2/3), 竣工 1 (1/3); area built 11,500 ㎡
    assert (r["projects"], r["started"], r["completed"], r["not_started"]) == (3, 2, 1, 1)
    assert r["started_share"] == pytest.approx(2 / 3) and r["completed_share"] == pytest.approx(1 / 3)
    assert r["completed_area_m2"] == 11500


def test_projects_every_error_at_once(tmp_path):
    f = _write(tmp_path / "projects.csv", PROJECTS_HEAD
               + "2024,甲区,P1,一小,S1,校舍,,100,开工了,,1,,,\n"
               + "2024,甲区,P1,二小,S2,校舍,,100,在建,,-5,,,\n"
               + "2024,甲区,P3,三小,S3,校舍,,100,未开工,300,,,,\n")
    with pytest.raises(DataError) as e:
        read_projects(f)
    issues = e.value.issues
    text = str(e.value)
    assert {i.row for i in issues} >= {2, 3, 4}
    assert "项目状态" in text and "项目编号重复" in text and "竣工面积" in text and "中央资金(万元)" in text


def test_groups_coverage_and_return_rate(tmp_path):
    f = _write(tmp_path / "groups.csv",
               "学年,县(区),学校标识码,建档立卡学生数,低保家庭学生数,特困供养学生数,受资助学生数,资助金额(万元),"
               "辍学人数,劝返复学人数,销号人数,随迁子女数,在公办学校就读的随迁子女数\n"
               "2024,甲县,S1,30,8,2,40,12.5,3,2,0,100,90\n"
               "2024,甲县,S2,50,10,0,52,15.5,2,1,1,60,48\n"
               "2024,乙县,,20,0,0,20,6,0,0,0,,\n")
    g = read_groups(f)
    s = groups_summary(g, year=2024).set_index("county")
    a = s.loc["甲县"]
    # eligible = 建档立卡 + 低保 + 特困 per row: (30+8+2) + (50+10+0) = 100; aided 40 + 52 = 92
    assert (a["eligible"], a["aided"]) == (100, 92)
    assert a["aid_coverage"] == pytest.approx(0.92) and a["aid_covered"] == False  # noqa: E712
    assert a["aid_10k_yuan"] == pytest.approx(28.0)
    # 辍学 3 + 2 = 5, 劝返 2 + 1 = 3 → 劝返率 3/5 = 60%; open = 5 − 3 − 销号 1 = 1
    assert a["return_rate"] == pytest.approx(0.6) and a["open_cases"] == 1
    assert a["migrant_public_share"] == pytest.approx((90 + 48) / (100 + 60))
    b = s.loc["乙县"]
    assert b["aid_coverage"] == 1.0 and b["aid_covered"] == True  # noqa: E712
    assert math.isnan(b["return_rate"]) and b["open_cases"] == 0          # no dropout: no rate, no case
    assert math.isnan(b["migrant"])                                        # not given: 未提供, never 0


def test_open_cases_never_below_zero():
    g = pd.DataFrame({"year": [2024], "county": ["甲县"], "dropout": [2.0], "returned": [2.0], "closed": [1.0]})
    assert groups_summary(g).iloc[0]["open_cases"] == 0                    # 2 − 2 − 1 = −1 → 0


@pytest.mark.parametrize("header,cell", [("学生姓名", "张三"), ("备注", "11010120100101123X"), ("身份证号码", "")])
def test_groups_refuse_personal_data(tmp_path, header, cell):
    f = _write(tmp_path / "groups.csv", f"学年,县(区),受资助学生数,{header}\n2024,甲县,9,{cell}\n")
    with pytest.raises(DataError) as e:
        read_groups(f)
    assert header in str(e.value) and "个人信息" in str(e.value) and "groups.csv" in str(e.value)
    assert "张三" not in str(e.value) and "11010120100101123X" not in str(e.value)   # never quoted back


def test_personal_data_stops_evaluate_writing_nothing(tmp_path):
    ds = load()
    data = tmp_path / "data"
    data.mkdir()
    for name, p in ds.files.items():
        (data / p.name).write_bytes(p.read_bytes())
    _write(data / "groups.csv", "学年,县(区),受资助学生数,姓名\n2024,白石县,9,李四\n")
    out = tmp_path / "out"
    r = subprocess.run([sys.executable, "-m", "junheng_lib.cli", "evaluate", str(data), "--county", "白石县",
                        "-o", str(out)], capture_output=True, text=True)
    assert r.returncode == 2 and "姓名" in r.stderr and not out.exists()


def test_evaluate_without_tables_is_empty_not_guessed():
    ev = evaluate_county(load(), "白石县", 2024)
    assert ev.records.get("prior_ledger") is False
    assert ev.ledger_status.empty


def _project(year, sid, area, status="竣工", kind="校舍", pid="P1"):
    return pd.DataFrame({"year": [year], "county": ["白石县"], "project_id": [pid], "project_name": ["教学楼"],
                         "school_id": [sid], "kind": [kind], "status": [status], "completed_area_m2": [area]})


def test_check_completed_building_against_next_years_area():
    from junheng_lib.analysis.screening import screen_tables
    s = load().schools
    s = s[s["county"] == "白石县"].copy()
    sid = s.loc[s["year"] == 2023, "school_id"].iloc[0]
    before = float(s.loc[(s["year"] == 2023) & (s["school_id"] == sid), "teaching_area_m2"].iloc[0])
    after = float(s.loc[(s["year"] == 2024) & (s["school_id"] == sid), "teaching_area_m2"].iloc[0])
    built = max(after - before, 0) + 3000           # 3,000 ㎡ more than the statistics show: half is not there
    f = screen_tables(s, projects=_project(2023, sid, built))
    hit = f[f["rule"] == "project_area"]
    assert len(hit) == 1 and hit.iloc[0]["year"] == 2024 and hit.iloc[0]["school_id"] == sid
    assert hit.iloc[0]["value"] == after and hit.iloc[0]["previous"] == before
    # the area shows next year (grown by the whole area): no finding
    s2 = s.copy()
    s2.loc[(s2["year"] == 2024) & (s2["school_id"] == sid), "teaching_area_m2"] = before + built
    assert not (screen_tables(s2, projects=_project(2023, sid, built))["rule"] == "project_area").any()
    # a 运动场, a project still 在建, or a year the data do not reach: not judged
    for p in (_project(2023, sid, built, kind="运动场"), _project(2023, sid, built, status="在建"),
              _project(2024, sid, built)):
        assert not (screen_tables(s, projects=p)["rule"] == "project_area").any()
