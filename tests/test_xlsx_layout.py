"""Excel layout of the table model: rows as tall as their wrapped lines (LibreOffice and WPS do not grow
rows by themselves, so a wrapped header or text would run over the row below)."""
import openpyxl
import pandas as pd
import pytest
import xlsxwriter

from junheng_lib.render.table import Column, Table
from junheng_lib.render.xlsx import XLSX_TEXT_WIDTH, write_table


def _chars(stored: float) -> int:
    """The width in characters that was set: xlsxwriter stores it with Excel's cell padding added
    (12 characters are written as 12.7109375), so the set width is the stored one's whole part."""
    return int(stored)


def _pt(points: float):
    """A row height as stored: Excel keeps whole pixels (0.75 pt), so 35 pt is written as 35.25."""
    return pytest.approx(points, abs=0.375)


def test_header_and_long_text_rows_fit_their_lines(tmp_path):
    long_text = "补" * 60                       # 60 CJK characters = 120 width units
    t = Table("示例", pd.DataFrame({"n": [25.0, 3.0], "s": [long_text, "短"]}),
              [Column("n", "差异系数达标另需", "人", "int"), Column("s", "说明")])
    path = tmp_path / "t.xlsx"
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet("表")
    _, head = write_table(book, ws, t, 0)
    book.close()
    ws = openpyxl.load_workbook(path)["表"]
    # header "差异系数达标另需(人)" (20 units) over data "25" (2): the column is 20 / 2 + 2 = 12 wide and the
    # header takes two lines of 11 units ("差异系数达" | "标另需(人)"): 2 × 15.5 + 4 points
    assert _chars(ws.column_dimensions["A"].width) == 12
    assert ws.row_dimensions[head + 1].height == _pt(2 * 15.5 + 4)
    # the long text wraps within XLSX_TEXT_WIDTH + 2 (52 units, 51 usable: 25 characters a line) → 3 lines
    assert XLSX_TEXT_WIDTH == 50
    assert _chars(ws.column_dimensions["B"].width) == 52
    assert ws.row_dimensions[head + 2].height == _pt(3 * 15.5 + 4)
    assert ws.cell(head + 2, 2).alignment.wrap_text
    assert ws.row_dimensions[head + 3].height is None      # a one-line row keeps the default height
    assert ws.cell(head + 2, 1).value == 25 and ws.cell(head + 2, 1).number_format == "#,##0"


def test_a_sheet_of_two_tables_keeps_the_wider_column(tmp_path):
    a = Table("甲", pd.DataFrame({"s": ["一二三四五六七八九十"]}), [Column("s", "名称")])   # 20 units
    b = Table("乙", pd.DataFrame({"s": ["一"]}), [Column("s", "名称")])
    path = tmp_path / "t.xlsx"
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet("表")
    row, _ = write_table(book, ws, a, 0)
    write_table(book, ws, b, row)
    book.close()
    assert _chars(openpyxl.load_workbook(path)["表"].column_dimensions["A"].width) == 22
