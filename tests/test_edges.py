"""Counties at the edges: no school in scope, absent in the year, without 初中, a single school,
names that differ between the schools and counties tables — each gets its report or a clear message,
and the roll-up goes on."""
import json

import numpy as np
import pandas as pd
import pytest
from conftest import row, write_csv

from junheng_lib.analysis.coefficients import values_table
from junheng_lib.analysis.gap import urban_rural_gap
from junheng_lib.analysis.measures import grouped_theil
from junheng_lib.cli import main
from junheng_lib.data import dataset as jdata
from junheng_lib.data.dataset import load
from junheng_lib.data.io import DataError
from junheng_lib.report import narrative as nv
from junheng_lib.report.city import CityReport
from junheng_lib.report.county import CountyReport


def junior(**kw) -> dict:
    """A 初中 of 200 students (no 小学 part)."""
    base = dict(school_type="初中", students_primary=0, teachers_primary=0, above_degree_primary=0,
                mid_title_primary=0, backbone_primary=0, pe_art_primary=0, students_junior=200,
                teachers_junior=16, above_degree_junior=14, mid_title_junior=6, backbone_junior=2, pe_art_junior=2,
                teaching_area_m2=1400, outdoor_sports_area_m2=2000, equipment_value_yuan=500000, computers=30,
                books=6000, multimedia_rooms=5)
    base.update(kw)
    return row(**base)


def _schools(year: int) -> list[dict]:
    y = dict(year=year)
    rows = [
        # 甲县: two 小学 and two 初中, in 城区 and 乡村 — an ordinary county
        row(**y, county="甲县", school_id="A1", school_name="甲县一小"),
        row(**y, county="甲县", school_id="A2", school_name="甲县二小", location="城区", students_primary=300,
            teachers_primary=18, above_degree_primary=16, teaching_area_m2=1500, books=2400),
        junior(**y, county="甲县", school_id="A3", school_name="甲县一中", location="城区"),
        junior(**y, county="甲县", school_id="A4", school_name="甲县二中", students_junior=150, books=3000),
        # 民办县: every school 民办 — nothing in the evaluation's scope
        row(**y, county="民办县", school_id="M1", school_name="民办县育才小学", ownership="民办"),
        junior(**y, county="民办县", school_id="M2", school_name="民办县育英中学", ownership="民办"),
        # 小学县: a single 小学, no 初中
        row(**y, county="小学县", school_id="P1", school_name="小学县中心小学", students_primary=180,
            teachers_primary=11, above_degree_primary=10),
    ]
    if year == 2023:  # 旧县 has schools in 2023 only
        rows += [row(**y, county="旧县", school_id="O1", school_name="旧县一小"),
                 row(**y, county="旧县", school_id="O2", school_name="旧县二小", students_primary=150)]
    return rows


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    d = tmp_path_factory.mktemp("edges")
    write_csv(d / "schools.csv", _schools(2023) + _schools(2024))
    # the counties table says 甲 (not 甲县), lists 乙县 (no schools) and has 小学县 for 2024 only
    write_csv(d / "counties.csv", [dict(year=2024, county="甲", satisfaction_rate=90),
                                   dict(year=2024, county="乙县", satisfaction_rate=88),
                                   dict(year=2024, county="小学县", satisfaction_rate=86)])
    return d


# ---------------------------------------------------------------------------------- no school in scope
def test_theil_kernel_takes_no_rows():
    # an empty pandas groupby gives object arrays: the kernel returned a dtype error
    theil, between = grouped_theil(np.array([], dtype=object), np.array([], dtype=object), np.empty((0, 7)),
                                   np.empty(0), 0)
    assert theil.shape == (0, 7) and between.shape == (0, 7)


def test_gap_of_a_county_without_school_in_scope(table):
    t = table([row(ownership="民办"), junior(school_id="S2", school_name="二中", location="城区", ownership="民办")])
    g = urban_rural_gap(values_table(t))
    assert g.empty and list(g.columns[:4]) == ["year", "county", "stage", "indicator"]


def test_county_without_school_in_scope_gets_a_short_report(city, tmp_path):
    rep = CountyReport.build(city, "民办县", 2024)
    assert not rep.in_scope
    text = rep.scope_text()
    assert text.startswith("民办县2024学年没有纳入评估范围的学校：全县2所学校中，民办学校2所，均不参与计算")
    assert rep.notices()[0] == text
    v = rep.verdict_table().data.set_index("stage")
    assert v.loc["小学", "basic"] == "小学均不参与计算（民办学校1所）"
    assert v.loc["初中", "basic"] == "初中学校均不参与计算（民办学校1所）"
    res = rep.results()
    assert res["in_scope"] is False and res["stages"] == {}
    assert res["basic_passed"] is None and res["quality_passed"] is None  # not judged, never "passed"
    assert rep.end_text() is not None and [s.key for s in rep.sections()] == ["title", "header", "overview",
                                                                              "provenance"]
    import docx
    rep.write_outputs(tmp_path)
    paras = [p.text for p in docx.Document(str(tmp_path / "民办县.docx")).paragraphs]
    assert text in paras and "一、基本情况" in paras and not any(p.startswith("二、基本均衡") for p in paras)


@pytest.mark.parametrize("cmd", ["coefficients", "compliance", "shortfall", "evaluate"])
def test_table_commands_say_a_county_has_no_school_in_scope(city, tmp_path, capsys, cmd):
    src = city if cmd == "evaluate" else city / "schools.csv"
    out = ["-o", str(tmp_path / "t.xlsx")] if cmd == "evaluate" else []
    assert main([cmd, str(src), "--county", "民办县", "--year", "2024", *out]) == 0
    assert "提示：2024学年 民办县 没有参与计算的学校" in capsys.readouterr().err


# ---------------------------------------------------------------------------------- absent in the year
def test_county_absent_in_the_year_is_named(city):
    with pytest.raises(DataError, match="县\\(区\\)“旧县”没有2024学年的学校数据（该县\\(区\\)只有2023学年的数据）"):
        CountyReport.build(city, "旧县", 2024)
    ds = load(city)
    notes = jdata.check_request(ds.schools, [2024])  # every county asked for: the absent one is a notice
    assert notes == ["提示：县(区)“旧县”没有2024学年的学校数据（只有2023学年），不生成其2024学年的结果"]
    assert jdata.check_request(ds.schools, [2023], ["旧县"]) == []


@pytest.mark.parametrize("args", [["coefficients", "{s}", "--county", "旧县", "--year", "2024"],
                                  ["compliance", "{s}", "--county", "旧县", "--year", "2024"],
                                  ["plan", "{s}", "--county", "旧县", "--year", "2024", "--stage", "小学",
                                   "--indicator", "Y4"],
                                  ["evaluate", "{d}", "--county", "旧县", "-o", "{o}/x.xlsx"],   # latest year
                                  ["report", "--data", "{d}", "--county", "旧县", "--year", "2024", "--out", "{o}"]])
def test_cli_names_a_county_absent_in_the_year(city, tmp_path, capsys, args):
    out = tmp_path / "out"
    argv = [a.format(s=city / "schools.csv", d=city, o=out) for a in args]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "县(区)“旧县”没有2024学年的学校数据（该县(区)只有2023学年的数据）" in err and "Traceback" not in err
    assert not out.exists()


# ---------------------------------------------------------------------------------- no 初中, one school
def test_county_without_junior_and_with_one_school(city):
    rep = CountyReport.build(city, "小学县", 2024)
    assert rep.in_scope
    assert rep.notices()[:2] == ["无初中学校：本报告的初中部分不适用，各项计算只含小学。",
                                 "小学只有1所学校参与计算，按规定各项差异系数均为0。"]
    assert rep.verdict_table().data.set_index("stage").loc["初中", "basic"] == "无初中学校"
    assert (rep.coef["cv"] == 0).all() and set(rep.coef["stage"]) == {"小学"}   # one school: CV 0 by rule
    text = nv.overview_text(rep.county, rep.year, rep.ev.overview, rep.ev.school_mix)
    assert "无初中学校" in text and "初中在校生" not in text
    assert rep.ev.contributions.empty   # no school "behind" a CV of 0
    detail = nv.basic_detail(rep.ev.basic, rep._contrib_dict())
    assert detail == "小学只有1所学校参与计算，按规定各项差异系数均为0。"
    assert rep.results()["stages_missing"] == {"初中": "无初中学校"}


def test_one_school_quality_sentence():
    comp = pd.DataFrame({"stage": "小学", "school_name": ["校0"], "passed": [False]})
    q = pd.DataFrame({"stage": "小学", "standard": "quality", "indicator": [f"Y{i}" for i in range(1, 8)],
                      "cv": 0.0, "limit": 0.5, "passed": True})
    assert nv.quality_summary(q, comp).endswith("小学1所学校未达到“至少6项达标、其余不低于85%”的要求。")


# ---------------------------------------------------------------------------------- names of the counties table
def test_counties_table_names_that_match_no_county_are_named(city):
    ds = load(city)
    notes = jdata.county_name_notices(ds.schools, ds.counties)
    assert notes[0] == ("提示：县区表中的“甲”、“乙县”与学校表中的任何县(区)都不匹配，未使用"
                        "（学校表中的县(区)：甲县、民办县、小学县、旧县）")
    assert any(n.startswith("提示：县区表中没有县(区)“甲县”的行") and "相近的名称“甲”" in n for n in notes)
    rep = CountyReport.build(city, "甲县", 2024)
    assert any("县区表中没有县(区)“甲县”的行" in n for n in rep.notices())
    assert not [n for n in CountyReport.build(city, "小学县", 2024).notices() if "县区表" in n]
    assert "县区表中没有县(区)“小学县”2023学年的行" in CountyReport.build(city, "小学县", 2023).notices()[-1]


def test_evaluate_prints_the_name_notices(city, tmp_path, capsys):
    assert main(["evaluate", str(city), "--county", "甲县", "-o", str(tmp_path / "t.xlsx")]) == 0
    err = capsys.readouterr().err
    assert "县区表中的“甲”、“乙县”与学校表中的任何县(区)都不匹配" in err and "相近的名称“甲”" in err


# ---------------------------------------------------------------------------------- roll-up
def test_rollup_without_any_county_result_goes_on(city, tmp_path):
    c = CityReport.build(city, 2024, tmp_path)   # no side file at all: it died with KeyError 'basic_passed'
    assert sorted(c.missing) == sorted(["甲县", "民办县", "小学县"])
    assert c.narrative() == (f"2024学年全市3个县(区)均没有可汇总的评估结果：{'、'.join(c.missing)}没有本学年的当前结果"
                             "（县级报告未生成或生成失败）。")
    assert c.title.endswith("（部分县区：0/3）")
    t = c.summary_table()
    assert {r[t.headers.index("小学综合差异系数")] for r in t.text_rows()} == {"—"}
    assert {r[0] for r in t.text_rows()} == {"—"} and {r[-1] for r in t.text_rows()} == {"未生成"}
    assert (c.readiness()["grade"] == "未生成").all()
    assert any("旧县" in n for n in c.notices())


def _commit(folder, rep, year=None):
    """Write a county's results as a complete output unit (what the runner does), as for ``year``."""
    from junheng_lib.run import outputs
    stage = folder / f".stage-{rep.county}"
    stage.mkdir()
    rep.write_results(stage)
    names = [f"{rep.county}.results.json"]
    for suffix in outputs.REQUIRED_SUFFIXES:
        if not (stage / f"{rep.county}{suffix}").exists():
            (stage / f"{rep.county}{suffix}").write_text("{}", encoding="utf-8")
            names.append(f"{rep.county}{suffix}")
    outputs.commit_unit(folder, rep.county, stage, names, {"kind": "county", "county": rep.county,
                                                          "year": year or rep.year})
    stage.rmdir()


def test_rollup_lists_counties_without_current_result(city, tmp_path):
    ds = load(city)
    _commit(tmp_path, CountyReport.from_dataset(ds, "甲县", 2024))
    _commit(tmp_path, CountyReport.from_dataset(ds, "民办县", 2024))
    # last year's results under this year's manifest: not a current result
    _commit(tmp_path, CountyReport.from_dataset(ds, "小学县", 2023), year=2024)
    c = CityReport.build(city, 2024, tmp_path)
    assert c.missing == ["小学县"]
    s = c.summary().set_index("county")
    assert s.loc["甲县", "rank"] == 1 and s.loc["甲县", "status"] == ""
    assert s.loc["民办县", "status"] == "无纳入评估范围的学校" and pd.isna(s.loc["民办县", "rank"])
    assert s.loc["小学县", "status"] == "未生成"
    t = c.summary_table()
    rows = {r[1]: r for r in t.text_rows()}
    assert rows["小学县"][-1] == "未生成" and rows["民办县"][-1] == "无纳入评估范围的学校"
    assert "小学县未生成" in t.note and "民办县无纳入评估范围的学校" in t.note
    text = c.narrative()
    assert "民办县没有纳入评估范围的学校，未作评估" in text and "小学县没有本学年的当前结果" in text
    assert c.readiness().set_index("county").loc["小学县", "grade"] == "未生成"


# ---------------------------------------------------------------------------------- the batch, end to end
def test_batch_gives_every_edge_county_its_report(city, tmp_path, capsys):
    from junheng_lib.run import runner as batch
    out = tmp_path / "out"
    assert batch.run_reports(data=str(city), out=str(out), workers=1, progress=False) == 0
    err = capsys.readouterr().err
    assert "县(区)“旧县”没有2024学年的学校数据" in err and "县区表中的“甲”、“乙县”" in err
    d = out / "2024"
    short = (d / "民办县.html").read_text(encoding="utf-8")
    assert "民办县2024学年没有纳入评估范围的学校" in short and "一、基本情况" in short
    assert "二、基本均衡" not in short and "十二、存在问题" not in short
    full = (d / "小学县.html").read_text(encoding="utf-8")
    assert "无初中学校" in full and "十二、存在问题" in full
    assert json.loads((d / "民办县.results.json").read_text(encoding="utf-8"))["in_scope"] is False
    assert "无纳入评估范围的学校" in (d / "全市汇总.html").read_text(encoding="utf-8")
