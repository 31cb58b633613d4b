"""整改台账: rows, amounts and costs worked out by hand from the rules and the unit costs."""
import pytest
from conftest import compliant

from junheng_lib.data.dataset import Dataset
from junheng_lib.evaluation import evaluate_county
from junheng_lib.rules.indicators import RULES


def _ev(table, costs=None):
    # A: Y4 = 400/100 = 4.0 (88.9 % of 4.5): the school passes (6 met, the rest ≥ 85 %)
    # B: Y4 = 350/100 = 3.5 (77.8 %) and Y7 = 2 rooms per 100 (87 % of 2.3): 5 met, fails
    s = table([compliant(school_id="A", teaching_area_m2=400),
               compliant(school_id="B", school_name="二小", teaching_area_m2=350, multimedia_rooms=2)])
    return evaluate_county(Dataset(None, s), "甲县", 2023, costs=costs)


def test_school_rows_shortfall_plan_and_cost(table):
    led = _ev(table).ledger.set_index(["school_id", "item"])
    area, room = RULES["costs"]["teaching_area"], RULES["costs"]["multimedia_rooms"]
    a = led.loc[("A", "Y4")]
    assert a["gap"] == pytest.approx(50) and a["plan"] == 0 and a["cost"] == pytest.approx(50 * area)
    assert a["responsible"] == "一小" and a["level"] == "学校" and a["unit"] == "㎡"
    # B: cheapest way to pass keeps Y4 at 85 % (3.825 × 100 − 350 = 32.5 ㎡) and adds 1 room for Y7
    b4, b7 = led.loc[("B", "Y4")], led.loc[("B", "Y7")]
    assert b4["gap"] == pytest.approx(100) and b4["plan"] == pytest.approx(32.5)
    assert b4["cost"] == pytest.approx(100 * area)
    assert b7["gap"] == 1 and b7["plan"] == 1 and b7["cost"] == pytest.approx(room)
    assert b4["plan_cost"] == pytest.approx(32.5 * area) and a["plan_cost"] == 0   # the plan's cost beside the gap's
    assert b4["responsible"] == "二小" and "为标准的77.7%" in b4["problem"]          # 3.5 / 4.5 = 77.78 %, not rounded up
    assert "教学及辅助用房" in b4["measure"] and b4["deadline"] == "" and b4["person"] == ""
    assert set(led.index.get_level_values("item")) == {"Y4", "Y7"}      # no CV over its limit here


def test_unit_costs_are_inputs(table):
    led = _ev(table, costs={"teaching_area": 1000}).ledger.set_index(["school_id", "item"])
    assert led.loc[("A", "Y4"), "cost"] == pytest.approx(50 * 1000)


def test_county_rows_for_cvs_over_their_limit_and_the_rollup_total():
    from junheng_lib.data.dataset import load
    ev = evaluate_county(load(None), "白石县", 2024)
    led = ev.ledger
    county = led[led["level"] == "全县"]
    over = ev.coefficients[ev.coefficients["passed"].eq(False)]
    assert len(county[county["item"].isin([*over["indicator"]])]) == len(over)   # one row per CV over its limit
    y4 = county[(county["item"] == "Y4") & (county["stage"] == "小学")].iloc[0]
    assert y4["current"] > y4["standard"] and y4["gap"] == pytest.approx(y4["current"] - y4["standard"])
    assert y4["plan"] > 0 and y4["plan_cost"] == pytest.approx(y4["plan"] * RULES["costs"]["teaching_area"])
    r = ev.results()["ledger"]
    assert r["items"] == len(led) and r["cost"] == pytest.approx(led.loc[led["level"] == "学校", "cost"].sum())


def test_every_school_row_names_its_school_in_the_responsible_unit():
    """A school's item the bureau must act on (class size, school size, rooms) names the school
    beside the bureau, so that two rows of different schools never read alike."""
    from junheng_lib.data.dataset import load
    data = load(None)
    ev = evaluate_county(data, "白石县", 2024)
    led = ev.ledger
    school_rows = led[led["level"] == "学校"]
    assert (school_rows["item"] == "class_size").any() and (school_rows["item"] == "rooms").any()
    for r in school_rows.itertuples():
        assert r.school_name and r.school_name in r.responsible, (r.item, r.responsible)
    for r in school_rows[school_rows["item"].isin(["class_size", "school_size", "rooms"])].itertuples():
        assert r.responsible == f"白石县教育局、{r.school_name}"


def test_ledger_table_says_per_student_beside_the_total_gap():
    """现状/标准 of a school's indicator are per student (or per 100 students), the 差额 is a total:
    each says its unit, so 4.07 and 411.0 are never read as the same kind of number."""
    from junheng_lib.report.county import CountyReport
    t = CountyReport.build(None, "白石县", 2024).ledger_table()
    d = t.data
    assert [c.label for c in t.columns if c.key == "unit"] == ["差额单位"]
    y4 = d[d["item"] == "Y4"].iloc[0]
    assert y4["current_text"].endswith("㎡/生") and y4["standard_text"] == "4.50㎡/生" and y4["unit"] == "㎡"
    y2 = d[d["item"] == "Y2"].iloc[0]
    assert y2["current_text"].endswith("人/百生") and y2["standard_text"] == "1.00人/百生" and y2["unit"] == "人"
    k = d.index[d["item"] == "Y4"][0]
    assert t.cell_decimals(k, "gap") == 1 and t.cell_decimals(d.index[d["item"] == "Y2"][0], "gap") == 0
    cls = d[d["unit"] == "班"]
    assert len(cls)                     # 白石县 has classes above the standard size: their rows count in 班
    assert cls["current_text"].str.endswith("班").all() and cls["standard_text"].str.endswith("班").all()


def test_a_county_with_nothing_to_rectify_says_so_in_every_output(tmp_path):
    """HTML and Word say 未发现需要整改的项目; the workbook has the 整改台账 sheet saying it too."""
    import openpyxl
    from conftest import compliant, write_csv

    from junheng_lib.report.county import CountyReport
    write_csv(tmp_path / "schools.csv", [compliant(year=2024, school_id=f"S{i}", school_name=f"第{i}小学")
                                         for i in range(3)])
    rep = CountyReport.build(tmp_path, "甲县", 2024)
    assert rep.ev.ledger.empty
    out = tmp_path / "out"
    out.mkdir()
    xlsx = [p for p in rep.write_outputs(out) if p.suffix == ".xlsx"][0]
    wb = openpyxl.load_workbook(xlsx)
    # the sheet names its county and year (next year's --ledger reads it back)
    assert "整改台账" in wb.sheetnames and wb["整改台账"]["A1"].value == "整改台账（甲县2024学年）：未发现需要整改的项目。"
