"""A county whose schools are all 教学点 (out of 基本均衡 by default) gets the short report, never a crash."""
import json

from conftest import row, write_csv

from junheng_lib.report.county import CountyReport


def test_a_county_of_teaching_points_only_gets_the_short_report(tmp_path):
    rows = [row(year=2024, county="点县", school_id=f"T{i}", school_name=f"教学点{i}", school_type="教学点",
                students_primary=n, teachers_primary=4, above_degree_primary=3, mid_title_primary=2)
            for i, n in enumerate([60, 70, 30])]
    write_csv(tmp_path / "schools.csv", rows)
    rep = CountyReport.build(tmp_path, "点县", 2024)          # was KeyError: 'composite'
    assert not rep.in_scope and [s.key for s in rep.sections()] == ["title", "header", "overview", "provenance"]
    text = rep.scope_text()
    assert text.startswith("点县2024学年没有纳入评估范围的学校：全县3所学校中，2所教学点不参与基本均衡计算、")
    assert "教学点不参与基本均衡差异系数计算" in text and "均不参与计算" not in text
    out = tmp_path / "out"
    out.mkdir()
    rep.write_outputs(out)
    r = json.loads((out / "点县.results.json").read_text(encoding="utf-8"))
    assert r["in_scope"] is False and r["basic_passed"] is None and r["quality_passed"] is None and r["stages"] == {}
