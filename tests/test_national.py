"""National scale (issue 20): every county evaluated at once, roll-ups by administrative level.

* :func:`junheng_lib.evaluation.evaluate_counties` gives each county exactly the evaluation
  :func:`junheng_lib.evaluation.evaluate_report` gives it alone (every table, frame by frame), on the
  sample city and on random counties of a generated national table;
* :func:`junheng_lib.analysis.units.rollup_units` follows the rules of its module on hand-made tables
  (names, codes, one city, several, provinces, a city name two provinces share, ``--county``);
* :func:`junheng_lib.analysis.city.group_summary` counts and ranks by hand;
* a city's and a province's roll-up hold exactly their counties; the runner makes one roll-up per
  city of the counties asked for, each from its own counties' rows, and counts (not lists) a long
  list of counties without a report.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from junheng_lib.analysis.city import county_summary, group_summary
from junheng_lib.analysis.units import find_unit, rollup_units
from junheng_lib.cli import main
from junheng_lib.data.dataset import load
from junheng_lib.evaluation import evaluate_counties, evaluate_report
from junheng_lib.report.city import CityReport
from junheng_lib.run.runner import run_reports


@pytest.fixture(scope="module")
def national(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("national")
    assert main(["sample", "--counties", "40", "--provinces", "3", "--seed", "7", "--out", str(out)]) == 0
    return out


def same_evaluation(a, b) -> None:
    for name in a.__dataclass_fields__:
        x, y = getattr(a, name), getattr(b, name)
        if isinstance(x, pd.DataFrame):
            pd.testing.assert_frame_equal(x, y, obj=f"{a.county}.{name}")
        elif name == "options":
            assert x.to_dict() == y.to_dict()
        else:
            assert x == y, (a.county, name)


def test_every_county_at_once_equals_each_county_alone_on_the_sample():
    ds = load()
    every = evaluate_counties(ds, year=2024)
    assert list(every) == [c for c in ds.counties_list]
    for c, ev in every.items():
        same_evaluation(evaluate_report(ds, c, 2024), ev)


def test_every_county_at_once_equals_each_county_alone_on_national_data(national):
    ds = load(national)
    rng = np.random.default_rng(20)
    pick = list(rng.choice(ds.counties_list, 5, replace=False))
    every = evaluate_counties(ds)                        # all 40 of the latest year
    assert len(every) == 40
    for c in pick:
        same_evaluation(evaluate_report(ds, c), every[c])
    # asking for some gives the same as all
    some = evaluate_counties(ds, pick[:2])
    assert list(some) == pick[:2]
    same_evaluation(some[pick[0]], every[pick[0]])


def frame(rows, cols=("county", "city", "province", "county_code")):
    return pd.DataFrame([dict(zip(cols, r)) for r in rows]).assign(year=2024)


def test_units_by_name_by_code_one_city_and_shared_city_names():
    # names: two cities of one province → a roll-up each and the province's (no national one)
    s = frame([("甲县", "一市", "某省", None), ("乙县", "二市", "某省", None), ("丙县", "一市", "某省", None)])
    u = rollup_units(s, 2024)
    assert [(x.level, x.stem, x.counties) for x in u] == [
        ("city", "一市汇总", ("甲县", "丙县")), ("city", "二市汇总", ("乙县",)),
        ("province", "某省汇总", ("甲县", "乙县", "丙县"))]
    # codes only: the city is the first 4 digits + 00, the province the first 2 + 0000
    s = frame([("甲县", None, None, "330102"), ("乙县", None, None, "330201"), ("丙县", None, None, "340101")])
    u = rollup_units(s, 2024)
    assert [x.stem for x in u] == ["330100汇总", "330200汇总", "340100汇总", "330000汇总", "340000汇总", "全国汇总"]
    assert u[-1].counties == ("甲县", "乙县", "丙县")
    # one city: today's single roll-up of every county
    s = frame([("甲县", "一市", "某省", "330102"), ("乙县", "一市", "某省", "330103")])
    assert [(x.level, x.stem) for x in rollup_units(s, 2024)] == [("", "全市汇总")]
    # no city information at all
    assert [x.stem for x in rollup_units(frame([("甲县",), ("乙县",)], cols=("county",)), 2024)] == ["全市汇总"]
    # a city name two provinces share is prefixed with its province's
    s = frame([("甲县", "新城市", "东省", None), ("乙县", "新城市", "西省", None), ("丙县", "旧城市", "西省", None)])
    assert [x.stem for x in rollup_units(s, 2024)][:3] == ["东省新城市汇总", "西省新城市汇总", "旧城市汇总"]
    # --county: the cities of those counties only, no province or national roll-up
    s = frame([("甲县", None, None, "330102"), ("乙县", None, None, "330201"), ("丙县", None, None, "340101")])
    assert [(x.stem, x.counties) for x in rollup_units(s, 2024, wanted=["丙县"])] == [("340100汇总", ("丙县",))]
    # a slice holding one city's rows is still that city's roll-up
    one = s[s["county"] == "丙县"]
    assert find_unit(one, 2024, "340100汇总").counties == ("丙县",)
    assert find_unit(one, 2024, "330100汇总") is None


def result(cv: float, basic: bool) -> dict:
    return {"stages": {"小学": {"composite": {"cv": cv, "passed": basic}, "quality": {}, "schools": 2,
                                "schools_passed": 0}}, "basic_passed": basic, "quality_passed": False}


def test_group_summary_counts_and_ranks_by_hand():
    results = {"甲县": result(0.30, True), "乙县": result(0.70, False), "丙县": result(0.40, True)}
    s = county_summary(results, ["甲县", "乙县", "丙县", "丁县"])     # 丁县: no current result
    g = group_summary(s, {"甲县": "一市", "乙县": "一市", "丙县": "二市", "丁县": "二市"}).set_index("group")
    # 一市: 2 judged, 1 reaches 基本均衡 (share 0.5), mean 小学 CV (0.30 + 0.70) / 2 = 0.50
    # 二市: 1 judged of 2, 1 reaches it (share 1.0), mean 0.40 → ranked first
    assert g.loc["一市", ["counties", "judged", "basic_passed", "basic_failed"]].tolist() == [2, 2, 1, 1]
    assert g.loc["一市", "composite_小学"] == pytest.approx(0.50)
    assert g.loc["二市", ["counties", "judged", "not_generated", "basic_passed"]].tolist() == [2, 1, 1, 1]
    assert g.loc["二市", "rank"] == 1 and g.loc["一市", "rank"] == 2
    assert g.loc["一市", "best"] == "甲县" and g.loc["二市", "best"] == "丙县"


def test_a_city_and_a_province_roll_up_hold_exactly_their_counties(national):
    ds = load(national)
    cur = ds.schools[ds.schools["year"] == 2024]
    city = cur["city"].iloc[0]
    theirs = list(dict.fromkeys(c for c in ds.counties_list if c in set(cur.loc[cur["city"] == city, "county"])))
    r = CityReport.build(str(national), 2024, stem=f"{city}汇总")
    assert r.counties == theirs and set(r.results) == set(theirs)
    assert r.title.startswith(city) and r.default_issuer == f"{city}教育局"
    prov = cur["province"].iloc[0]
    p = CityReport.build(str(national), 2024, stem=f"{prov}汇总")
    assert set(p.counties) == set(cur.loc[cur["province"] == prov, "county"])
    g = p.groups()
    assert set(g["group"]) == set(cur.loc[cur["province"] == prov, "city"])
    assert g["counties"].sum() == len(p.counties)
    with pytest.raises(Exception, match="没有汇总单位"):
        CityReport.build(str(national), 2024, stem="不存在市汇总")


def test_the_runner_rolls_up_the_cities_of_the_counties_asked_for(national, tmp_path, fake_notebooks, capsys):
    ds = load(national)
    cur = ds.schools[ds.schools["year"] == 2024]
    first = cur.drop_duplicates("city")
    a, b = first["county"].iloc[0], first["county"].iloc[1]
    out = tmp_path / "reports"
    assert run_reports(str(national), counties=[a, b], out=str(out), progress=False,
                       execute=fake_notebooks.execute) == 0
    cities = [first["city"].iloc[0], first["city"].iloc[1]]
    rolls = sorted(t for t, c in fake_notebooks.calls if t == "city_rollup.ipynb")
    assert sorted(c for t, c in fake_notebooks.calls if t == "city_rollup.ipynb") == sorted(f"{c}汇总" for c in cities)
    assert len(rolls) == 2
    for city, county in zip(cities, (a, b)):
        found = json.loads((out / "2024" / f"{city}汇总.xlsx").read_text(encoding="utf-8"))
        assert list(found) == [county]              # its own city's counties only, and only one has a report
    err = capsys.readouterr().err
    assert len(err) < 2000                          # the counties without a report counted, not listed


def test_a_report_renders_the_evaluation_its_slice_carries_only_when_it_is_its_own(tmp_path):
    """The runner hands each notebook its county's evaluation in the slice file; the report uses it
    only for that county, year and options (else it evaluates its slice itself)."""
    from dataclasses import replace

    from junheng_lib.data.dataset import read_slice_parts
    from junheng_lib.report.county import CountyReport
    from junheng_lib.rules.options import Options

    ds = load()
    part = ds.only_county("白石县")
    ev = replace(evaluate_report(ds, "白石县", 2024), outlook_note="由运行器交付")   # a mark to recognise it
    path = part.write_slice(tmp_path / "s.pkl", {"evaluation": ev})
    assert read_slice_parts(path)[1]["evaluation"].outlook_note == "由运行器交付"
    assert CountyReport.build(None, "白石县", 2024, None, data_slice=path).ev.outlook_note == "由运行器交付"
    assert CountyReport.build(None, "白石县", 0, None, data_slice=path).ev.outlook_note == "由运行器交付"
    other = Options(teaching_points="include")
    assert CountyReport.build(None, "白石县", 2024, other, data_slice=path).ev.outlook_note != "由运行器交付"
    assert CountyReport.build(None, "白石县", 2023, None, data_slice=path).ev.outlook_note != "由运行器交付"
    # a slice without one: the report evaluates, with the same result as from the folder
    plain = part.write_slice(tmp_path / "p.pkl")
    same_evaluation(CountyReport.build(None, "白石县", 2024, None, data_slice=plain).ev,
                    evaluate_report(ds, "白石县", 2024))


def test_the_runner_hands_every_county_its_evaluation(tmp_path, fake_notebooks):
    from junheng_lib.data.dataset import read_slice_parts

    seen = {}

    def execute(task, tmp_nb, params):
        if params.get("data_slice") and task.template != "city_rollup.ipynb":
            seen[task.county] = read_slice_parts(params["data_slice"])[1].get("evaluation")
        fake_notebooks.execute(task, tmp_nb, params)

    assert run_reports(None, counties=["白石县", "永宁县"], out=str(tmp_path / "r"), progress=False, execute=execute) == 0
    ds = load()
    assert set(seen) == {"白石县", "永宁县"}
    for c, ev in seen.items():
        same_evaluation(evaluate_report(ds, c, 2024), ev)


def test_every_county_at_once_with_a_standards_file_equals_each_alone():
    from junheng_lib.data.standards import read_standard
    from junheng_lib.util.paths import PROJECT_ROOT

    standard = read_standard(PROJECT_ROOT / "data" / "standards" / "example_basic_standard.toml")
    ds = load()
    every = evaluate_counties(ds, ["白石县", "东湖区"], 2024, standard=standard)
    for c, ev in every.items():
        assert len(ev.basic_standard)                  # the checklist ran
        same_evaluation(evaluate_report(ds, c, 2024, None, standard), ev)


def test_the_roll_up_says_why_a_county_fails_basic_never_empty_brackets():
    """A county whose composites meet their limits but whose schools fall below the 办学基本标准 is
    named with that condition, not in the 校际均衡 sentence with an empty bracket."""
    from junheng_lib.analysis.coefficients import coefficients, values_table
    from junheng_lib.analysis.trends import cv_trend
    from junheng_lib.data.standards import read_standard
    from junheng_lib.report.county import CountyReport
    from junheng_lib.rules.options import Options
    from junheng_lib.util.paths import PROJECT_ROOT

    standard = read_standard(PROJECT_ROOT / "data" / "standards" / "example_basic_standard.toml")
    ds = load()
    counties = ["白石县", "桃源县"]
    evs = evaluate_counties(ds, counties, 2024, standard=standard)
    results = {c: CountyReport(evs[c], ds.only_county(c)).results() for c in counties}
    # by hand from the results: 白石县's composites exceed their limits; 桃源县's do not, its schools fail the standard
    assert results["白石县"]["inter_school_passed"] is False and results["桃源县"]["inter_school_passed"] is True
    assert results["桃源县"]["basic_conditions"]["basic_standard"] == "fail"
    part = ds.only_counties(counties)
    r = CityReport(2024, part, results, [], cv_trend(coefficients(values_table(part.schools, Options()))), counties, [],
                   options=Options())
    text = "".join(p for p, _ in r.problems())
    assert "（）" not in text
    assert "1个县(区)未达到校际均衡标准：白石县（" in text
    assert "桃源县（省定办学基本标准未达标）" in text
    # the 校际均衡 column and sentence are the composites' verdict, the four conditions their own column
    row = r.summary().set_index("county").loc["桃源县"]
    assert bool(row["inter_school_passed"]) is True and row["basic_verdict"] == "fail"
    assert "中，1个达到校际均衡标准（综合差异系数），白石县未达到" in r.narrative()
