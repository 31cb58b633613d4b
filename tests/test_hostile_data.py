"""Never silently wrong, part two: a workbook with several detail sheets of one table, table files
named in any case, and years stored as Excel dates. Every expectation below is worked out by hand
from the rows written."""
import datetime as dt

import openpyxl
import pandas as pd
import pytest
from conftest import BASE, row, write_csv

from junheng_lib.data.dataset import find_table, input_files, load
from junheng_lib.data.io import (
    ROW,
    DataError,
    read_classes,
    read_counties,
    read_schools,
)
from junheng_lib.data.schema import CLASSES, SCHOOLS

ZH = {c.name: c.zh for c in SCHOOLS}
CZH = {c.name: c.zh for c in CLASSES}
COLS = list(BASE)


def issues_of(path, reader=read_schools, *args):
    with pytest.raises(DataError) as e:
        reader(path, *args)
    return e.value.issues


def book(path, sheets: dict) -> str:
    """A workbook of sheets {name: rows (dicts, Chinese headers)}; a DataFrame is written as it is."""
    with pd.ExcelWriter(path, engine="openpyxl") as w:
        for name, rows in sheets.items():
            df = rows if isinstance(rows, pd.DataFrame) else pd.DataFrame(rows).rename(columns=ZH)
            df.to_excel(w, sheet_name=name, index=False)
    return str(path)


SUMMARY = pd.DataFrame({"学年": [2023], "县(区)": ["甲县"], "小学在校生数": [200], "初中在校生数": [0],
                        "小学专任教师数": [12]})


# ------------------------------------------------------------------------------ several detail sheets

def test_one_sheet_per_year_is_read_whole_with_a_notice(tmp_path):
    p = book(tmp_path / "b.xlsx", {
        "汇总": SUMMARY,
        "2022": [row(year=2022), row(year=2022, school_id="S2", school_name="二小", students_primary=90)],
        "2023": [row(year=2023), row(year=2023, school_id="S2", school_name="二小", students_primary=95)],
    })
    df = read_schools(p)
    # both years, in sheet order; each row keeps the spreadsheet row of its own sheet
    assert df[["year", "school_id", "students_primary"]].values.tolist() == [
        [2022, "S1", 100], [2022, "S2", 90], [2023, "S1", 100], [2023, "S2", 95]]
    assert df[ROW].tolist() == [2, 3, 2, 3]
    notices = df.attrs["notices"]
    assert f"{p}：工作表“2022”、“2023”的表头相同，是同一张明细表，已合并读取（“2022”2行、“2023”2行）" in notices
    assert any("工作表“汇总”不是明细表" in n and n.endswith("已读取工作表“2022”、“2023”") for n in notices)


def test_errors_on_combined_sheets_name_their_own_sheet_and_row(tmp_path):
    p = book(tmp_path / "b.xlsx", {
        "2022": [row(year=2022), row(year=2022, school_id="S2", school_name="二小", books="x")],
        "2023": [row(year=2023, computers="y"), row(year=2023, school_id="S2", school_name="二小")],
    })
    found = issues_of(p)
    # 2022 row 3 (S2's 图书册数 "x") first, then 2023 row 2 (S1's 计算机 "y"): sheet order, then row
    assert [(i.file, i.row, i.column, i.school, i.message) for i in found] == [
        (f"{p}[2022]", 3, "图书册数", "S2 二小", "不是数字（“x”）"),
        (f"{p}[2023]", 2, "教学用计算机台数", "S1 一小", "不是数字（“y”）")]


def test_a_cell_reported_while_reading_hides_only_its_own_sheets_cell(tmp_path):
    # 2022 row 2: a control character in 学校名称 (reported while reading); 2023 row 2: 学校名称 blank
    p = book(tmp_path / "b.xlsx", {"2022": [row(year=2022, school_name="一_x000B_小")],
                                   "2023": [row(year=2023, school_name="")]})
    found = issues_of(p)
    assert [(i.file, i.row, i.column) for i in found] == [(f"{p}[2022]", 2, "学校名称"), (f"{p}[2023]", 2, "学校名称")]
    assert "U+000B" in found[0].message and found[1].message == "不能为空"


def test_a_county_sheet_before_the_whole_city_is_read_once(tmp_path):
    p = book(tmp_path / "b.xlsx", {
        "甲县": [row()],
        "全市": [row(), row(county="乙县", school_id="S2", school_name="二小")],
    })
    df = read_schools(p)
    assert df[["county", "school_id"]].values.tolist() == [["甲县", "S1"], ["乙县", "S2"]]
    assert df[ROW].tolist() == [2, 3]      # S1 from 甲县 row 2, S2 from 全市 row 3
    assert (f"{p}：工作表“全市”中有1行与工作表“甲县”中同一学年、同一学校的行完全相同，只读取一次"
            in df.attrs["notices"])


def test_the_same_school_and_year_with_other_values_on_two_sheets_is_refused(tmp_path):
    p = book(tmp_path / "b.xlsx", {
        "甲县": [row(students_primary=90)],
        "全市": [row(), row(county="乙县", school_id="S2", school_name="二小")],
    })
    found = issues_of(p)
    assert [(i.file, i.row, i.column, i.school) for i in found] == [(f"{p}[全市]", 2, "小学在校生数", "S1 一小")]
    assert found[0].message == ("与工作表“甲县”第2行同为2023学年的学校“S1”，但数据不同（列“小学在校生数”：本表“100”，"
                                "“甲县”表“90”）：无法判断哪一处正确，请核对后只保留一处")


@pytest.mark.parametrize("change, sheet, other, differs", [
    # a required column missing on 2022: 2023 names more required columns, it is the main sheet
    ("drop", "2022", "2023", "本工作表没有“图书册数”列"),
    # another column on 2022 only: as many required columns, the first sheet is the main one
    ("extra", "2023", "2022", "本工作表没有“备注”列"),
])
def test_detail_sheets_whose_headers_differ_are_refused(tmp_path, change, sheet, other, differs):
    old = pd.DataFrame([row(year=2022)]).rename(columns=ZH)
    old = old.drop(columns=["图书册数"]) if change == "drop" else old.assign(备注="新建")
    p = book(tmp_path / "b.xlsx", {"2022": old, "2023": [row(year=2023)]})
    found = issues_of(p)
    assert [(i.file, i.row) for i in found] == [(f"{p}[{sheet}]", 1)]
    assert found[0].message == (f"与工作表“{other}”都是明细表（都有“学年”“学校标识码”列），但表头不同（{differs}）："
                                "无法合并读取；请把各工作表的列改为一致，或把不属于本表的工作表移出此文件")


def test_headers_differing_both_ways_name_both_sides(tmp_path):
    a = pd.DataFrame([row(year=2022)]).rename(columns=ZH).assign(备注="新建")
    b = pd.DataFrame([row(year=2023)]).rename(columns=ZH).assign(填报人="张三", 审核人="李四")
    p = book(tmp_path / "b.xlsx", {"2022": a, "2023": b})
    found = issues_of(p)
    assert [(i.file, i.row) for i in found] == [(f"{p}[2023]", 1)]
    assert "（本工作表没有“备注”列；工作表“2022”没有“填报人”、“审核人”列）" in found[0].message


def test_the_same_columns_in_another_order_are_one_table(tmp_path):
    reordered = pd.DataFrame([row(year=2023)]).rename(columns=ZH)
    reordered = reordered[list(reversed(reordered.columns))]
    p = book(tmp_path / "b.xlsx", {"2022": [row(year=2022)], "2023": reordered})
    df = read_schools(p)
    assert df[["year", "school_name", "books"]].values.tolist() == [[2022, "一小", 400], [2023, "一小", 400]]


def test_a_summary_sheet_after_the_detail_sheet_is_passed_over_with_a_notice(tmp_path):
    p = book(tmp_path / "b.xlsx", {"学校明细": [row()], "汇总": SUMMARY})
    df = read_schools(p)
    assert df["school_id"].tolist() == ["S1"]
    assert df.attrs["notices"] == [(f"{p}：工作表“汇总”不是明细表（没有“学校标识码”、“学校名称”、“办学类型”等列），"
                                    "已读取工作表“学校明细”")]


def test_an_empty_copy_of_the_detail_sheet_is_noted(tmp_path):
    empty = pd.DataFrame(columns=list(pd.DataFrame([row()]).rename(columns=ZH).columns))
    p = book(tmp_path / "b.xlsx", {"2024": empty, "2023": [row()]})
    df = read_schools(p)
    assert df["year"].tolist() == [2023]
    assert f"{p}：工作表“2024”的表头与其他明细表相同，但没有数据行" in df.attrs["notices"]


def _classes_book(path, first: list[dict], second: list[dict]) -> str:
    with pd.ExcelWriter(path, engine="openpyxl") as w:
        pd.DataFrame(first).rename(columns=CZH).to_excel(w, sheet_name="一小", index=False)
        pd.DataFrame(second).rename(columns=CZH).to_excel(w, sheet_name="全部", index=False)
    return str(path)


def test_classes_of_a_school_on_two_sheets(tmp_path):
    schools = read_schools(write_csv(tmp_path / "s.csv", [row(), row(school_id="S2", school_name="二小")]))
    c = dict(year=2023, stage="小学", grade=1)
    s1 = [dict(c, school_id="S1", class_size=50), dict(c, school_id="S1", class_size=50)]
    s2 = [dict(c, school_id="S2", class_size=45)]
    # the same two classes of S1 on both sheets: read once (4 rows written, 3 classes)
    df = read_classes(_classes_book(tmp_path / "same.xlsx", s1, s1 + s2), schools)
    assert df[["school_id", "class_size"]].values.tolist() == [["S1", 50], ["S1", 50], ["S2", 45]]
    # one class of S1 on the second sheet: which sheet is right cannot be told
    p = _classes_book(tmp_path / "other.xlsx", s1, s1[:1] + s2)
    found = issues_of(p, read_classes, schools)
    assert [(i.file, i.row, i.school) for i in found] == [(f"{p}[全部]", 2, "S1")]
    assert found[0].message == ("2023学年学校“S1”的行在工作表“一小”（2行）和本工作表（1行）中都有，但内容不同："
                                "无法判断哪一处正确，请核对后只保留一处")


# ------------------------------------------------------------------------------ table file names

def _classes_rows():
    return [dict(year=2023, school_id="S1", stage="小学", grade=1, class_size=50),
            dict(year=2023, school_id="S1", stage="小学", grade=2, class_size=50)]


@pytest.mark.parametrize("schools, classes", [("Schools.CSV", "CLASSES.csv"), ("SCHOOLS.csv", "Classes.CSV"),
                                              ("学校.CSV", "班级表.Csv")])
def test_table_files_are_found_in_any_case(tmp_path, schools, classes):
    write_csv(tmp_path / schools, [row()])
    write_csv(tmp_path / classes, _classes_rows())
    _, files = input_files(tmp_path)
    assert {k: p.name for k, p in files.items()} == {"schools": schools, "classes": classes}
    ds = load(tmp_path)
    assert ds.classes["class_size"].tolist() == [50, 50]


def test_an_xlsx_suffix_in_capitals_is_read(tmp_path):
    pd.DataFrame([row()]).rename(columns=ZH).to_excel(tmp_path / "学校.XLSX", index=False)
    assert find_table(tmp_path, "schools") == tmp_path / "学校.XLSX"
    assert load(tmp_path).schools["school_id"].tolist() == ["S1"]


def test_two_files_for_one_table_in_different_cases_are_refused(tmp_path):
    write_csv(tmp_path / "schools.csv", [row()])
    pd.DataFrame([row()]).to_excel(tmp_path / "SCHOOLS.xlsx", index=False)
    with pytest.raises(DataError) as e:
        load(tmp_path)
    assert [i.message for i in e.value.issues] == [
        "学校表有2个文件：schools.csv、SCHOOLS.xlsx；无法判断应使用哪一个，请只保留其中一个（其余移出数据文件夹或改名）"]


@pytest.mark.parametrize("name", ["classes.xls", "Classes.XLSM", "班级.txt"])
def test_a_table_file_in_a_format_not_read_is_refused_by_name(tmp_path, name):
    write_csv(tmp_path / "schools.csv", [row()])
    write_csv(tmp_path / name, _classes_rows())
    with pytest.raises(DataError) as e:
        load(tmp_path)
    suffix = name[name.rindex("."):]
    assert [(i.file, i.message) for i in e.value.issues] == [
        (str(tmp_path / name), (f"班级表文件的格式（{suffix}）不能读取，未使用：数据文件夹中的表格须为 .csv 或 .xlsx；"
                                "请在 Excel 中另存为 .xlsx 或 CSV(UTF-8) 并移走此文件"))]


def test_other_files_in_the_folder_are_not_tables(tmp_path):
    write_csv(tmp_path / "schools.csv", [row()])
    for name in ("schools.csv.bak", "班级表说明.docx", "classes (1).csv", "counties.pdf"):
        (tmp_path / name).write_text("x", encoding="utf-8")
    assert list(input_files(tmp_path)[1]) == ["schools"]


# ------------------------------------------------------------------------------ years stored as dates

def date_book(path, years: list, formats: list, ids: list) -> str:
    """A schools sheet whose 学年 cells are ``years`` (dates or numbers) in ``formats``."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append([ZH.get(c, c) for c in COLS])
    for k, (y, f, sid) in enumerate(zip(years, formats, ids)):
        r = row(school_id=sid)
        ws.append([y if c == "year" else r[c] for c in COLS])
        ws.cell(row=k + 2, column=1).number_format = f
    wb.save(path)
    return str(path)


def test_a_year_stored_as_a_date_is_read_as_its_year(tmp_path):
    years = [dt.datetime(2022, 9, 1), dt.datetime(2022, 9, 1), dt.datetime(2023, 1, 1), dt.datetime(2023, 11, 30),
             dt.datetime(2024, 5, 20)]
    formats = ["yyyy-mm-dd", "yyyy-mm-dd", "yyyy-mm-dd", "yyyy/m/d", 'yyyy"年"']
    p = date_book(tmp_path / "d.xlsx", years, formats, ["S1", "S2", "S1", "S2", "S1"])
    df = read_schools(p)
    # 9月1日 and 11月30日: the school year begun that year; 1月1日: a year stored as a date; a cell
    # showing only the year (2024-05-20 as “2024年”): the year shown
    assert df[["year", "school_id"]].values.tolist() == [[2022, "S1"], [2022, "S2"], [2023, "S1"], [2023, "S2"],
                                                         [2024, "S1"]]
    assert df.attrs["notices"] == [(f"{p}：列“学年”有5个单元格是日期格式，已按 Excel 显示的年份读作学年"
                                    "（如第2行：“2022-09-01”读作2022）")]


def test_a_date_that_may_be_either_year_is_one_error_per_row(tmp_path):
    # the same two schools in two years, every year cell a spring date: 2023-03-15 lies in the
    # 2022学年; no row is also reported as a duplicate school
    years = [dt.datetime(2023, 3, 15), dt.datetime(2023, 3, 15), dt.datetime(2024, 3, 15), dt.datetime(2024, 3, 15)]
    p = date_book(tmp_path / "d.xlsx", years, ["yyyy-mm-dd"] * 4, ["S1", "S2", "S1", "S2"])
    found = issues_of(p)
    assert [(i.row, i.column, i.school) for i in found] == [(2, "学年", "S1 一小"), (3, "学年", "S2 一小"),
                                                            (4, "学年", "S1 一小"), (5, "学年", "S2 一小")]
    assert found[0].message == ("是日期（2023-03-15），无法判断学年：按日历年是2023年，按学年（9月开学）是2022学年；"
                                "请填写学年的起始年份（如 2022 表示 2022–2023 学年）")


def test_a_year_typed_into_a_yyyy_cell_is_one_clear_error_per_row(tmp_path):
    # 2023 typed into a cell formatted "yyyy": Excel takes it for day 2023 (1905-07-15) and shows 1905
    p = date_book(tmp_path / "d.xlsx", [2023, 2023, 2024], ["yyyy"] * 3, ["S1", "S2", "S1"])
    found = issues_of(p)
    assert [(i.row, i.column) for i in found] == [(2, "学年"), (3, "学年"), (4, "学年")]
    assert found[0].message == ("单元格设成了日期格式：输入的2023被 Excel 当作日期，显示为“1905”；"
                                "请把该列的单元格格式改为“常规”（单元格将显示2023）后再导入")
    assert "2024" in found[2].message


def test_dates_in_other_columns_stay_errors(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append([ZH.get(c, c) for c in COLS])
    ws.append([dt.datetime(2023, 9, 1) if c == "books" else row()[c] for c in COLS])
    p = tmp_path / "d.xlsx"
    wb.save(p)
    found = issues_of(p)
    assert [(i.row, i.column, i.message) for i in found] == [(2, "图书册数", "不是数字（“2023-09-01 00:00:00”）")]


def test_an_unreadable_year_is_one_error_per_row_not_a_duplicate(tmp_path):
    # the same school in two years, both years unreadable: one error each, no 学校标识码重复
    p = write_csv(tmp_path / "s.csv", [row(year="二〇二二"), row(year="二〇二三")])
    found = issues_of(p)
    assert [(i.row, i.column, i.message) for i in found] == [(2, "year", "不是数字（“二〇二二”）"),
                                                            (3, "year", "不是数字（“二〇二三”）")]


def test_a_classes_row_with_an_unreadable_year_is_not_also_unknown(tmp_path):
    schools = read_schools(write_csv(tmp_path / "s.csv", [row()]))
    c = write_csv(tmp_path / "c.csv", [dict(year="x", school_id="S1", stage="小学", grade=1, class_size=50)])
    found = issues_of(c, read_classes, schools)
    assert [(i.row, i.column, i.message) for i in found] == [(2, "year", "不是数字（“x”）")]


def test_a_counties_row_with_an_unreadable_year_is_not_a_duplicate(tmp_path):
    c = write_csv(tmp_path / "c.csv", [dict(year="x", county="甲县", satisfaction_rate=90),
                                       dict(year="y", county="甲县", satisfaction_rate=91)])
    found = issues_of(c, read_counties)
    assert [(i.row, i.column, i.message) for i in found] == [(2, "year", "不是数字（“x”）"), (3, "year", "不是数字（“y”）")]
