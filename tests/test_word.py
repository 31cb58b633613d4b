"""The Word report: junheng's template (GB/T 9704 geometry, styles, PAGE footer, cover), a bureau's
own template (its 红头 and styles kept, missing styles added), the generic writer over an outline,
and --docx-template / --issuer from the command line to the notebook."""
import datetime as dt
import zipfile

import docx
import pandas as pd
import pytest
from docx.enum.section import WD_ORIENT
from docx.oxml.ns import qn
from docx.shared import Mm

from junheng_lib.cli import main
from junheng_lib.data.dataset import load
from junheng_lib.render import docx as word
from junheng_lib.render import docx_styles, docx_template
from junheng_lib.render.blocks import Chart, Text
from junheng_lib.render.docx import natural_width_cm
from junheng_lib.render.table import Column, Table
from junheng_lib.report import outline
from junheng_lib.report.county import CountyReport
from junheng_lib.rules.options import Options
from junheng_lib.run import hashing, tasks
from junheng_lib.run import runner as batch

CJK_FACES = {"方正小标宋简体", "黑体", "楷体_GB2312", "仿宋_GB2312", "宋体"}
DAY = dt.date(2025, 3, 5)


def east_asian_face(doc, paragraph, run) -> str | None:
    """The East Asian face a run is drawn in: its own rFonts, else its paragraph style's, up the
    basedOn chain, else the document defaults (a theme font counts as none: it is not a GB/T face)."""
    def face(rpr):
        rf = None if rpr is None else rpr.find(qn("w:rFonts"))
        if rf is None:
            return None
        if rf.get(qn("w:eastAsiaTheme")):
            return "theme"
        return rf.get(qn("w:eastAsia"))
    got = face(run._element.rPr)
    style = paragraph.style
    while got is None and style is not None:
        got = face(style.element.rPr)
        style = style.base_style
    if got is None:
        got = face(doc.styles.element.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}"))
    return got


def all_paragraphs(doc):
    yield from doc.paragraphs
    for t in doc.tables:
        for row in t.rows:
            for cell in row.cells:
                yield from cell.paragraphs


@pytest.fixture(scope="module")
def county():
    return CountyReport.build(None, "东湖区", 2024)


@pytest.fixture(scope="module")
def written(county, tmp_path_factory):
    path = tmp_path_factory.mktemp("word") / "东湖区.docx"
    word.write_report_docx(county, county.sections(), path, title=county.title, issuer="某市东湖区教育局", today=DAY)
    return path, docx.Document(str(path))


# ---------------------------------------------------------------------------------------------- the template
def test_default_template_is_built_reproducibly(tmp_path):
    import importlib.util
    from pathlib import Path
    spec = importlib.util.spec_from_file_location("build", Path(__file__).parents[1] / "tools" / "build_docx_template.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    out = build.build(tmp_path / "t.docx")
    assert out.read_bytes() == word.default_template().read_bytes(), "run tools/build_docx_template.py"


def test_template_geometry_styles_and_footer():
    doc = docx.Document(str(word.default_template()))
    cover, body = doc.sections
    for sec in (cover, body):   # A4, margins top 37 mm, bottom 35 mm, left 28 mm, right 26 mm
        assert (sec.page_width, sec.page_height) == (Mm(210), Mm(297)) or (
            abs(sec.page_width - Mm(210)) < Mm(0.1) and abs(sec.page_height - Mm(297)) < Mm(0.1))
        for got, mm in ((sec.top_margin, 37), (sec.bottom_margin, 35), (sec.left_margin, 28), (sec.right_margin, 26)):
            assert abs(got - Mm(mm)) < Mm(0.1), (got, mm)
    styles = {s.name: s for s in doc.styles}
    faces = {"Normal": "仿宋_GB2312", "Title": "方正小标宋简体", "Heading 1": "黑体", "Heading 2": "楷体_GB2312",
             "Caption": "黑体", "表格文字": "宋体"}
    sizes = {"Normal": 16, "Title": 22, "Heading 1": 16, "Heading 2": 16}   # 3号 = 16 pt, 2号 = 22 pt
    for name, face in faces.items():
        rf = styles[name].element.rPr.find(qn("w:rFonts"))
        assert rf.get(qn("w:eastAsia")) == face and rf.get(qn("w:eastAsiaTheme")) is None, name
        if name in sizes:
            assert styles[name].font.size.pt == sizes[name]
    # fallbacks: each face has an alternative name and the GB2312 character set in the font table
    fonts = zipfile.ZipFile(word.default_template()).read("word/fontTable.xml").decode()
    for face, alt in docx_styles.FACE_FALLBACK.items():
        assert f'w:name="{face}"><w:altName w:val="{alt}"/><w:charset w:val="86"/>' in fonts
    # the body's footer: "— N —" with a PAGE field; the cover has none; the body counts from 1
    ftr = body.footer
    assert not body.footer.is_linked_to_previous and cover.footer.is_linked_to_previous
    xml = ftr._element.xml
    assert "<w:instrText" in xml and " PAGE " in xml and 'w:fldCharType="begin"' in xml
    assert ftr.paragraphs[0].text.startswith("— ") and ftr.paragraphs[0].text.endswith(" —")
    assert body._sectPr.find(qn("w:pgNumType")).get(qn("w:start")) == "1"
    text = "\n".join(p.text for p in doc.paragraphs)
    for tag in ("{{ title }}", "{{ issuer }}", "{{ date }}"):
        assert tag in text


# ---------------------------------------------------------------------------------------------- a county
def test_county_docx_cover_body_signature_and_annexes(county, written):
    path, doc = written
    paras = [p.text for p in doc.paragraphs]
    date = "2025年3月5日"
    assert paras[:3] == [county.title, "某市东湖区教育局", date]           # the cover, from the template
    assert doc.paragraphs[0].style.name == "Title"
    body_start = paras.index(county.title, 1)                               # the title again, on page 1
    titles = [s.title for s in county.sections() if s.title]
    assert [p for p in paras if p in titles] == titles                      # every section, in outline order
    for p in doc.paragraphs:
        if p.text in titles:
            assert p.style.name == "Heading 1"
    # the 落款 after the body, before the annexes
    sign = paras.index(date, body_start)
    assert paras[sign - 1] == "某市东湖区教育局" and sign < paras.index("附表：各校指标值")
    assert doc.paragraphs[sign].style.name == "落款"
    # pages: the cover section, the body (portrait, numbered from 1), the annexes (landscape, numbering
    # and footer continued), the 说明 (portrait again, the margins turned back)
    secs = doc.sections
    assert [s.orientation for s in secs] == [WD_ORIENT.PORTRAIT, WD_ORIENT.PORTRAIT, WD_ORIENT.LANDSCAPE,
                                             WD_ORIENT.PORTRAIT]
    wide, last = secs[2], secs[3]
    assert wide.page_width > wide.page_height and abs(wide.left_margin - Mm(37)) < Mm(0.1)
    assert last.page_width < last.page_height and abs(last.top_margin - Mm(37)) < Mm(0.1)
    assert abs(last.left_margin - Mm(28)) < Mm(0.1) and abs(last.right_margin - Mm(26)) < Mm(0.1)
    for sec in (wide, last):
        assert sec.footer.is_linked_to_previous and sec._sectPr.find(qn("w:pgNumType")) is None
    assert secs[1]._sectPr.find(qn("w:pgNumType")).get(qn("w:start")) == "1"
    assert paras.index("说明") > paras.index("附表：整改台账")
    # the per-school 达标 table is too wide for a portrait page: the body says where it is, and it is
    # the first annex, on landscape pages
    compliance = county.compliance_table()
    assert compliance.landscape and natural_width_cm(compliance, 10.5) > word.TEXT_WIDTH_CM
    pointer = word.DEFERRED_TEXT.format(title=compliance.title)
    assert body_start < paras.index(pointer) < sign < paras.index("附表：" + compliance.title) < paras.index("附表：各校指标值")


def test_county_docx_has_every_table_and_chart_numbered(county, written):
    _, doc = written
    blocks = [b for s in county.sections() for b in county.blocks(s)]
    # the document's order: a body table too wide for a portrait page moves to the annexes
    placed = [b for part in word.layout(county, county.sections()) for b in part[2]]
    tables = [b for b in placed if isinstance(b, Table)]
    charts = [b for b in placed if isinstance(b, Chart)]
    assert sorted(map(id, tables)) == sorted(id(b) for b in blocks if isinstance(b, Table))    # every table once
    assert len(doc.tables) == len(tables) and len(doc.inline_shapes) == len(charts) > 3
    caps = [p.text for p in doc.paragraphs if p.style.name == "Caption"]
    assert [c for c in caps if c.startswith("表")] == [f"表{k}　{t.title}" for k, t in enumerate(tables, 1)]
    assert [c for c in caps if c.startswith("图")] == [f"图{k}　{c.title}" for k, c in enumerate(charts, 1)]
    for t, model in zip(doc.tables, tables):
        rows = t._tbl.tr_lst
        assert rows[0].trPr.find(qn("w:tblHeader")) is not None                  # header repeated on each page
        assert all(r.trPr.find(qn("w:cantSplit")) is not None for r in rows)     # rows never split
        assert len(rows) == len(model) + 1                                       # every row
        assert [c.text for c in t.rows[0].cells] == model.headers
    # a table's cells: the displayed text, numbers right-aligned in their style
    t, model = doc.tables[0], tables[0]
    for i, row in enumerate(model.text_rows()):
        cells = t.rows[i + 1].cells
        for j, (col, txt) in enumerate(zip(model.columns, row)):
            if col.key == model.merge:
                continue
            assert cells[j].text == txt
            if col.numeric:
                assert cells[j].paragraphs[0].style.name == "表格数字"


def test_docx_every_chinese_run_has_a_gb_face(written):
    path, doc = written
    checked = 0
    for p in all_paragraphs(doc):
        for r in p.runs:
            if any("\u4e00" <= ch <= "\u9fff" for ch in r.text):
                assert east_asian_face(doc, p, r) in CJK_FACES, (r.text, p.style.name)
                checked += 1
    assert checked > 500
    # no run carries its own fonts: the faces are the styles' (one place to change them)
    xml = zipfile.ZipFile(path).read("word/document.xml").decode()
    assert "<w:rFonts" not in xml.split("<w:body>", 1)[1]


def test_docx_flagged_cells_are_shaded(county, written):
    _, doc = written
    tables = [b for part in word.layout(county, county.sections()) for b in part[2] if isinstance(b, Table)]
    for t, model in zip(doc.tables, tables):
        if model.flags is None or not model.flags.to_numpy().any():
            continue
        keys = [c.key for c in model.columns]
        for i in range(len(model)):
            for j, k in enumerate(keys):
                if k == model.merge:
                    continue
                shd = t.rows[i + 1].cells[j]._tc.tcPr.find(qn("w:shd"))
                assert (shd is not None and shd.get(qn("w:fill")) == "F8CBAD") == model.flagged(i, k)
        return
    pytest.fail("no table with a flagged cell")


def test_text_is_escaped_and_cleaned(tmp_path):
    class One:
        def blocks(self, sec):
            return [Text("A & B <c> \x07d"), Table("表<1>", pd.DataFrame({"n": ["x&y", "<z>"]}), [Column("n", "名")])]
    sec = outline.Section("one", "一、<测试>", ("x",))
    path = word.write_report_docx(One(), [sec], tmp_path / "x.docx", title="T&T", issuer="甲<乙>", today=DAY)
    doc = docx.Document(str(path))
    paras = [p.text for p in doc.paragraphs]
    assert paras[:3] == ["T&T", "甲<乙>", "2025年3月5日"] and "A & B <c> d" in paras and "一、<测试>" in paras
    assert [c.text for c in doc.tables[0].columns[0].cells] == ["名", "x&y", "<z>"]


# ---------------------------------------------------------------------------------------------- any outline
class CityLike:
    """A report with its own outline (as the city roll-up): sections of Text/Table/Chart blocks."""

    def __init__(self, png):
        self.png = png

    def blocks(self, sec):
        if sec.key == "summary":
            return [Text("全市8个县(区)中6个达标。"), Text("（一）问题", bold=True),
                    Table("各县(区)结论", pd.DataFrame({"stage": ["小学", "小学", "初中"], "c": ["甲", "乙", "甲"],
                                                     "n": [1234.0, 5.0, None]}),
                          [Column("stage", "学段"), Column("c", "县(区)"), Column("n", "学校数", "所", "int")],
                          merge="stage"),
                          Chart("排名", None, self.png)]
        if sec.key == "annex":
            return [Table("宽表", pd.DataFrame({"a": range(3)}), [Column("a", "序号", kind="int")], landscape=True)]
        return []


def test_generic_writer_takes_any_outline(tmp_path, county):
    png = next(b for s in county.sections() for b in county.blocks(s) if isinstance(b, Chart)).png()
    secs = [outline.Section("summary", "一、总体情况", ()), outline.Section("empty", "二、无内容", ()),
            outline.Section("annex", "附表：宽表", ())]
    path = word.write_report_docx(CityLike(png), secs, tmp_path / "全市汇总.docx", title="全市汇总报告",
                                  issuer="某市教育局", today=DAY, annexes=("annex",))
    doc = docx.Document(str(path))
    paras = [p.text for p in doc.paragraphs]
    assert "一、总体情况" in paras and "二、无内容" not in paras                 # a section without blocks is left out
    assert paras.index("某市教育局", 3) < paras.index("附表：宽表")             # 落款 before the annex
    assert [p.style.name for p in doc.paragraphs if p.text == "（一）问题"] == ["Heading 2"]
    assert len(doc.inline_shapes) == 1 and doc.sections[-1].orientation == WD_ORIENT.LANDSCAPE
    merged = doc.tables[0]
    assert [c.text for c in merged.columns[2].cells] == ["学校数(所)", "1,234", "5", "—"]
    assert merged.cell(1, 0)._tc.tcPr.find(qn("w:vMerge")).get(qn("w:val")) == "restart"
    assert merged.cell(2, 0)._tc is merged.cell(1, 0)._tc                        # 学段 merged over its rows


# ---------------------------------------------------------------------------------------------- a bureau's template
RED_HEAD = "某某县教育局文件"


def foreign_template(path, *, placeholders: str = "", with_heading: bool = False):
    """A minimal Word document as a bureau might have: a red 红头 line, its own Normal (宋体 14 pt),
    no other style of ours (optionally its own 'heading 1'), no footer."""
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    heading = ('<w:style w:type="paragraph" w:styleId="a1"><w:name w:val="heading 1"/><w:basedOn w:val="a"/>'
               '<w:rPr><w:rFonts w:eastAsia="方正黑体_GBK"/><w:sz w:val="32"/></w:rPr></w:style>') if with_heading else ""
    extra = f"<w:p><w:r><w:t>{placeholders}</w:t></w:r></w:p>" if placeholders else ""
    parts = {
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
        '<Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/></Types>',
        "_rels/.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>',
        "word/_rels/document.xml.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>',
        "word/styles.xml": f'<?xml version="1.0" encoding="UTF-8"?><w:styles xmlns:w="{w}">'
        '<w:style w:type="paragraph" w:default="1" w:styleId="a"><w:name w:val="Normal"/>'
        '<w:rPr><w:rFonts w:ascii="宋体" w:hAnsi="宋体" w:eastAsia="宋体"/><w:sz w:val="28"/></w:rPr></w:style>'
        f"{heading}</w:styles>",
        "word/document.xml": f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{w}"><w:body>'
        f'<w:p><w:pPr><w:jc w:val="center"/></w:pPr><w:r><w:rPr><w:color w:val="FF0000"/><w:sz w:val="72"/></w:rPr>'
        f"<w:t>{RED_HEAD}</w:t></w:r></w:p>{extra}"
        '<w:sectPr><w:pgSz w:w="11906" w:h="16838"/><w:pgMar w:top="2098" w:right="1474" w:bottom="1984" '
        'w:left="1588" w:header="851" w:footer="992" w:gutter="0"/></w:sectPr></w:body></w:document>',
    }
    with zipfile.ZipFile(path, "w") as z:
        for name, text in parts.items():
            z.writestr(name, text)
    return path


def test_foreign_template_keeps_its_head_and_styles_and_gets_ours(tmp_path, county):
    tpl = foreign_template(tmp_path / "红头.docx", with_heading=True)
    path = word.write_report_docx(county, county.sections(), tmp_path / "out.docx", title=county.title,
                                  issuer="某某县教育局", today=DAY, template=tpl)
    doc = docx.Document(str(path))
    paras = [p.text for p in doc.paragraphs]
    assert paras[0] == RED_HEAD and paras[1] == county.title   # its head first; no {{ title }}: the title follows
    styles = {s.name: s for s in doc.styles}
    # its own styles are kept as they are ...
    assert styles["Normal"].element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "宋体"
    assert styles["Normal"].font.size.pt == 14
    assert styles["Heading 1"].element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "方正黑体_GBK"
    # ... the missing ones are ours, and every Chinese run still has a Chinese face
    for name in ("Title", "Heading 2", "Caption", "表格文字", "表格数字", "表格表头", "落款", "图片"):
        assert name in styles, name
    for p in all_paragraphs(doc):
        for r in p.runs:
            if any("\u4e00" <= ch <= "\u9fff" for ch in r.text):
                assert east_asian_face(doc, p, r) in CJK_FACES | {"方正黑体_GBK"}, (r.text, p.style.name)
    assert len(doc.tables) > 10 and WD_ORIENT.LANDSCAPE in [s.orientation for s in doc.sections]


def test_foreign_template_placeholders_are_filled(tmp_path, county):
    tpl = foreign_template(tmp_path / "红头.docx", placeholders="{{ issuer }}（{{ date }}）{{ title }}")
    path = word.write_report_docx(county, county.sections()[:3], tmp_path / "out.docx", title="标题&",
                                  issuer="甲县教育局", today=DAY, template=tpl)
    paras = [p.text for p in docx.Document(str(path)).paragraphs]
    assert paras[:2] == [RED_HEAD, "甲县教育局（2025年3月5日）标题&"]


def test_template_errors_are_chinese(tmp_path):
    with pytest.raises(word.TemplateError, match="Word 模板“无.docx”不存在"):
        word.check_template(tmp_path / "无.docx")
    with pytest.raises(word.TemplateError, match="是一个文件夹"):
        word.check_template(tmp_path)
    (tmp_path / "旧.doc").write_bytes(b"\xd0\xcf\x11\xe0 not a zip")
    with pytest.raises(word.TemplateError, match="不是 Word 文档.*另存为 .docx"):
        word.check_template(tmp_path / "旧.doc")
    with zipfile.ZipFile(tmp_path / "x.docx", "w") as z:
        z.writestr("a.txt", "x")
    with pytest.raises(word.TemplateError, match="不是 Word 文档"):
        word.check_template(tmp_path / "x.docx")
    broken = foreign_template(tmp_path / "坏.docx", placeholders="{{ title ")
    with pytest.raises(word.TemplateError, match="占位符有误"):
        docx_template.render_template(broken, {"title": "t"})


# ---------------------------------------------------------------------------------------------- command line
def test_cli_rejects_a_missing_template_before_any_work(tmp_path, capsys):
    out = tmp_path / "reports"
    assert main(["report", "--out", str(out), "--docx-template", str(tmp_path / "无.docx")]) == 2
    err = capsys.readouterr().err
    assert "Word 模板“无.docx”不存在" in err and str(tmp_path) not in err
    assert not out.exists()


def test_cli_help_names_the_options(capsys):
    with pytest.raises(SystemExit):
        main(["report", "-h"])
    text = capsys.readouterr().out
    assert "--docx-template 模板.docx" in text and "--issuer 单位" in text and "发文单位" in text


def test_options_reach_the_notebook_and_the_hash(tmp_path):
    assert {"docx_template", "issuer"} <= tasks.notebook_parameters(tasks.COUNTY)
    seen = {}

    def fake(task, nb, params):
        seen.update(params)
        raise RuntimeError("stop")
    tpl = foreign_template(tmp_path / "t.docx")
    task = batch.CountyTask("东湖区", 2024, str(tmp_path / "o"), docx_template=str(tpl), issuer="某单位")
    assert not batch.run_county(task, fake).ok
    assert seen["docx_template"] == str(tpl) and seen["issuer"] == "某单位" and seen["county"] == "东湖区"
    seen.clear()
    batch.run_county(batch.CountyTask("东湖区", 2024, str(tmp_path / "o")), fake)
    assert "docx_template" not in seen and "issuer" not in seen          # the notebook's defaults
    ds = load(None)
    plain = hashing.input_hashes(ds, [2024], ["东湖区"], Options(), rollup=False)
    other = hashing.input_hashes(ds, [2024], ["东湖区"], Options(), rollup=False, extra={"issuer": "某单位"})
    assert plain != other                                                 # a new issuer: the report runs again


def test_landscape_annex_tables_are_in_small_five_and_body_tables_in_five(county, written):
    """The annexes' long tables (per-school values, 整改台账) are 小五 (9 pt) in their own styles, so that
    a row holds more of its text; the body's tables stay 五号 (10.5 pt)."""
    path, doc = written
    styles = {s.name: s for s in doc.styles}
    assert styles["附表文字"].font.size.pt == word.ANNEX_TABLE_PT == 9
    assert styles["表格文字"].font.size.pt == 10.5
    sizes = {}
    for t in doc.tables:
        cell_styles = {p.style.name for row in t.rows[1:3] for c in row.cells for p in c.paragraphs}
        head = {p.style.name for c in t.rows[0].cells for p in c.paragraphs}
        sizes.setdefault("annex" if cell_styles & {"附表文字", "附表数字", "附表居中"} else "body", []).append(
            (cell_styles, head))
    # 达标情况, 项目建设与资金投入 (12 columns), 各校指标值, 整改台账
    assert len(sizes["annex"]) == 4 and len(sizes["body"]) > 10
    for cells, head in sizes["annex"]:
        assert cells <= {"附表文字", "附表数字", "附表居中"} and head == {"附表表头"}
    for cells, head in sizes["body"]:
        assert not cells & {"附表文字", "附表数字", "附表居中"} and head == {"表格表头"}


def test_python_docx_red_head_template_keeps_the_gb_form(tmp_path, county):
    """A 红头 made with python-docx (Word's stock styles: blue headings, 11 pt body, no footer)
    carrying {{ title }}: the title once, junheng's faces and sizes for the stock styles, page numbers."""
    d = docx.Document()
    head = d.add_paragraph()
    run = head.add_run(RED_HEAD)
    run.font.size = docx.shared.Pt(36)
    d.add_paragraph("{{ title }}")
    tpl = tmp_path / "红头.docx"
    d.save(str(tpl))
    path = word.write_report_docx(county, county.sections(), tmp_path / "out.docx", title=county.title,
                                  issuer="某某县教育局", today=DAY, template=tpl)
    doc = docx.Document(str(path))
    paras = [p.text for p in doc.paragraphs]
    assert paras[0] == RED_HEAD and paras.count(county.title) == 1
    styles = {s.name: s for s in doc.styles}
    for name, face, pt in (("Normal", "仿宋_GB2312", 16), ("Heading 1", "黑体", 16), ("Heading 2", "楷体_GB2312", 16),
                           ("Title", "方正小标宋简体", 22), ("Caption", "黑体", 11.5)):
        rf = styles[name].element.rPr.find(qn("w:rFonts"))
        assert rf.get(qn("w:eastAsia")) == face, name
        assert styles[name].font.size.pt == pt, name
        assert styles[name].font.color.rgb in (None, docx.shared.RGBColor(0, 0, 0)), name
    assert any(" PAGE " in s.footer._element.xml for s in doc.sections if not s.footer.is_linked_to_previous)
