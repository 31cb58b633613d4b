"""Layout rules of the table model found by looking at rendered pages (issue 10): a wide table leaves a
portrait page, a list column is never a few characters wide, short texts never wrap in HTML, a
table's note never starts a page, the ledger says per-student beside total, the 说明 marks only the
choices that differ from the default."""
import re

import pandas as pd
import pytest

from junheng_lib.render import docx as word
from junheng_lib.render.blocks import Text
from junheng_lib.render.docx import LONG_TEXT_MIN, fit_widths, natural_width_cm
from junheng_lib.render.docx import table_docx as to_docx
from junheng_lib.render.html import table_html
from junheng_lib.render.table import Column, Table, text_width
from junheng_lib.render.xlsx import xlsx_layout
from junheng_lib.report.county import provenance_blocks
from junheng_lib.rules.options import Options

SIZE = 10.5
UNIT = SIZE * 0.0353 * 0.53          # cm per half-width character at 10.5 pt (as fit_widths counts)
PAD = 0.22


def _wide(rows=3):
    """The shape of the per-school 达标 table: a name, nine 4-digit numbers and a list of indicators."""
    d = {"name": ["东阳长岭镇中心小学"] * rows, "list": ["高于规定学历教师、骨干教师、体育艺术教师、教学及辅助用房"] * rows}
    cols = [Column("name", "学校")]
    for k in range(9):
        d[f"n{k}"] = [1234.0] * rows
        cols.append(Column(f"n{k}", f"指标{k}", "元", "int"))
    cols.append(Column("list", "未达标指标"))
    return Table("各校达标情况", pd.DataFrame(d), cols, landscape=True)


def test_natural_width_counts_numbers_whole_and_long_texts_at_their_minimum():
    t = _wide()
    # the name (18 units) and the list (more) are long texts: LONG_TEXT_MIN each; the numbers "1,234"
    # (5 units) under headers of 7 units ("指标0(元)" → min(7, 4) = 4): 5 units each
    expected = 2 * (LONG_TEXT_MIN * UNIT + PAD) + 9 * (5 * UNIT + PAD)
    assert natural_width_cm(t, SIZE) == pytest.approx(expected)


def test_a_list_column_keeps_its_minimum_when_the_table_fits():
    t = _wide()
    widths = fit_widths(t, word.LANDSCAPE_TEXT_WIDTH_CM, SIZE)
    assert sum(widths) == pytest.approx(word.LANDSCAPE_TEXT_WIDTH_CM)
    assert widths[-1] >= LONG_TEXT_MIN * UNIT + PAD - 1e-9        # never 3 characters a line
    assert all(w >= 5 * UNIT + PAD - 1e-9 for w in widths[1:-1])  # numbers never broken


def test_a_wide_body_table_becomes_a_landscape_annex_and_the_body_points_to_it():
    wide, narrow = _wide(), Table("小表", pd.DataFrame({"a": ["甲"]}), [Column("a", "项目")], landscape=True)

    class Report:
        def blocks(self, sec):
            return {"body": [Text("正文"), wide, narrow], "annex": [Text("附表正文")]}[sec.key]

    class Sec:
        def __init__(self, key, title):
            self.key, self.title = key, title

    plan = word.layout(Report(), [Sec("body", "一、正文"), Sec("annex", "附表：其他")], annexes=("annex",),
                       portrait_cm=word.TEXT_WIDTH_CM)
    assert [p[:2] for p in plan] == [("body", "一、正文"), ("deferred", "附表：各校达标情况"), ("annex", "附表：其他")]
    body = plan[0][2]
    assert body[2] is narrow and body[1].text == word.DEFERRED_TEXT.format(title="各校达标情况")
    assert plan[1][2] == [wide] and plan[1][3] is True


def test_html_short_texts_never_wrap_and_long_ones_keep_a_readable_width():
    t = Table("t", pd.DataFrame({"stage": ["小学", "初中"], "verdict": ["未达标", "达标"],
                                 "name": ["东阳第二十五小学", "东阳龙泉镇中心小学"], "n": [1.0, 2.0]}),
              [Column("stage", "学段"), Column("verdict", "结论"), Column("name", "学校"), Column("n", "数", kind="int")])
    html = table_html(t, css=False)
    cells = re.findall(r"<td([^>]*)>([^<]*)</td>", html)
    assert all(attr == ' class="nw"' for attr, txt in cells if txt in ("小学", "初中", "未达标", "达标"))
    # the names (16 and 18 units, 90th percentile 17) take at least min(17, 16) / 2 = 8 em
    heads = re.findall(r'<th scope="col"([^>]*)>([^<]*)</th>', html)
    assert dict((h, a) for a, h in heads)["学校"] == ' style="--jh-w:8em"'
    assert dict((h, a) for a, h in heads)["学段"] == ""
    assert text_width("东阳龙泉镇中心小学") == 18


def test_a_tables_note_stays_with_its_last_row_in_word():
    t = Table("t", pd.DataFrame({"a": ["甲", "乙"]}), [Column("a", "项目")], note="注：说明。")
    xml = to_docx(t)
    rows = re.findall(r"<w:tr>.*?</w:tr>", xml)
    assert "<w:keepNext/>" in rows[-1] and "<w:keepNext/>" not in rows[1]
    plain = to_docx(Table("t", pd.DataFrame({"a": ["甲"]}), [Column("a", "项目")]))
    assert "<w:keepNext/>" not in re.findall(r"<w:tr>.*?</w:tr>", plain)[-1]


class _Data:
    def __init__(self):
        from pathlib import Path
        self.files = {"schools": Path("/某处/数据/schools.csv"), "classes": Path("/某处/数据/classes.csv")}

    def fingerprint(self):
        return "0123456789abcdef" * 4


def test_provenance_is_a_table_of_names_hash_choices_date_and_version():
    lead, table = provenance_blocks(_Data(), Options(), lead="本报告……")
    rows = dict(zip(table.data["item"], table.data["value"]))
    assert rows["数据文件"] == "schools.csv、classes.csv"                      # names, never the folder
    assert rows["数据校验值"].startswith("0123456789abcdef（")
    assert "非默认" not in "".join(table.data["value"]) and "均为默认设置" in table.note
    assert rows["生成程序"].startswith("junheng ") and re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日", rows["生成日期"])
    _, changed = provenance_blocks(_Data(), Options(teaching_points="merge", teaching_point_cutoff=30), lead="")
    marked = [v for v in changed.data["value"] if v.endswith("（非默认设置）")]
    assert len(marked) == 2 and "非默认设置" in changed.note
    assert all("/" not in v for v in changed.data["value"])


def test_a_short_text_column_is_as_wide_as_its_widest_cell_in_word():
    """基本均衡 of ten counties: nine 达标 and one 未达标 — the one never wraps to 未达/标."""
    t = Table("t", pd.DataFrame({"v": ["达标"] * 9 + ["未达标"], "s": ["说明" * 30] * 10}),
              [Column("v", "基本均衡"), Column("s", "说明")])
    widths = fit_widths(t, word.TEXT_WIDTH_CM, SIZE)
    assert widths[0] >= 6 * UNIT + PAD - 1e-9


def test_a_column_to_fill_in_keeps_room_to_write_in_every_renderer():
    """完成时限 and 责任人 of the 整改台账 are empty for the bureau to fill in: each keeps its room (10 and
    8 half-width characters) in Word, Excel and HTML however narrow the page."""
    d = pd.DataFrame({"problem": ["生均教学及辅助用房面积未达到标准（为标准的16.5%）"] * 4, "deadline": [""] * 4,
                      "person": [""] * 4})
    t = Table("整改台账", d, [Column("problem", "问题"), Column("deadline", "完成时限", missing="", room=10),
                            Column("person", "责任人", missing="", room=8)])
    w = fit_widths(t, 8.0, SIZE)
    assert w[1] >= 10 * UNIT + PAD - 1e-9 and w[2] >= 8 * UNIT + PAD - 1e-9
    assert sum(w) == pytest.approx(8.0)
    plain = Table("", d, [Column("problem", "问题"), Column("deadline", "完成时限", missing=""),
                          Column("person", "责任人", missing="")])
    assert fit_widths(plain, 8.0, SIZE)[1] < w[1]                         # without room: the header's width
    widths = xlsx_layout(t)[0]
    assert widths[1] >= 10 + 2 and widths[2] >= 8 + 2
    html = table_html(t, 1)
    assert '<th scope="col" style="--jh-w:5em">完成时限</th>' in html
    assert '<th scope="col" style="--jh-w:4em">责任人</th>' in html
