"""Word (.docx) reports from a template, to GB/T 9704 (党政机关公文格式) layout.

A report is written into a Word template: by default the one shipped with junheng
(``templates/report.docx``, built by ``tools/build_docx_template.py`` from :data:`STYLES` below),
or a bureau's own (its 红头, its styles) with ``junheng report --docx-template``. The template
carries the page geometry, the styles, the footer with the page number ("— N —", a PAGE field) and
the cover; its placeholders ``{{ title }}``, ``{{ issuer }}`` and ``{{ date }}`` are filled by docxtpl
(Jinja tags in a .docx). The report's body is appended after the template's content, paragraph by
paragraph in the template's styles (:data:`STYLES` names them): the faces are set once on the styles,
with East Asian attributes (Word and WPS use them for Chinese text), never on each run. A template
without one of these styles gets ours (a bureau's template needs only the styles it wants to change).
A template that never uses ``{{ title }}`` shows the title once, as the body's first paragraph (the
report's own title block, or one added). A template is tried once before a run
(:func:`check_template_renders`): one that cannot make a report stops the run before any work.

The writer is generic over a *report with an outline*: any object whose ``blocks(section)`` returns
the section's blocks — paragraphs (``Text``), tables (:class:`junheng_lib.render.table.Table`) and charts
(``Chart``) — written in the order of ``sections`` (the county report's :data:`~junheng_lib.report.outline.SECTIONS`,
the city roll-up's own outline). The sections named in ``annexes`` come after the 落款; an annex
whose tables are wide goes on landscape pages.

The body is built as WordprocessingML text and parsed once per block (a county's ≈ 8,000 table cells
are one string each table), which is where python-docx's object model spends its time.
"""
from __future__ import annotations

import datetime as _dt
import io as _io
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from xml.sax.saxutils import escape as _escape

import numpy as np
from docx.enum.style import WD_STYLE_TYPE
from docx.opc.pkgwriter import PackageWriter
from docx.oxml import parse_xml
from docx.shared import Cm
from docxtpl import DocxTemplate
from lxml import etree

from junheng_lib.render.blocks import Chart, Text, date_text
from junheng_lib.render.table import Column, Table, text_width
from junheng_lib.util.fileio import atomic_path

__all__ = ["StyleSpec", "STYLES", "STYLE_IDS", "DEFAULT_TEMPLATE", "ANNEXES", "TemplateError", "PLACEHOLDERS",
           "default_template", "check_template", "check_template_renders", "write_report_docx", "styles_xml", "font_table_xml",
           "date_text", "layout", "W_NS", "table_docx", "natural_width_cm", "fit_widths", "LONG_TEXT_MIN"]

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
#: the template shipped with junheng (package data)
DEFAULT_TEMPLATE = "report.docx"
#: sections that follow the 落款 (the annexes and the 说明), by outline key
ANNEXES = ("appendix", "ledger", "provenance")
#: a body table too wide for a portrait page becomes an annex of this title; the body says where it is
ANNEX_PREFIX = "附表："
DEFERRED_TEXT = "明细见附表“{title}”。"
#: Latin face of every style (the East Asian face is the style's own)
LATIN = "Times New Roman"
#: GB/T 9704 faces
TITLE_FACE, H1_FACE, H2_FACE, BODY_FACE, TABLE_FACE = "方正小标宋简体", "黑体", "楷体_GB2312", "仿宋_GB2312", "宋体"
#: what a machine without a face uses instead (the font table's alternative names, for Word and WPS)
FACE_FALLBACK = {"方正小标宋简体": "宋体", "仿宋_GB2312": "仿宋", "楷体_GB2312": "楷体", "黑体": "SimHei",
                 "宋体": "SimSun"}
#: text width of a portrait and a landscape A4 page with GB/T 9704 margins (cm)
TEXT_WIDTH_CM, LANDSCAPE_TEXT_WIDTH_CM = 15.6, 22.4
#: page geometry in twentieths of a point: A4, margins top 37 mm, bottom 35 mm, left 28 mm, right 26 mm
PAGE = {"w": 11906, "h": 16838, "top": 2098, "bottom": 1984, "left": 1588, "right": 1474,
        "header": 851, "footer": 992}


class TemplateError(ValueError):
    """A Word template that cannot be used (missing, unreadable, not a .docx); the message is Chinese."""


@dataclass(frozen=True)
class StyleSpec:
    """One paragraph style of the reports: what the shipped template defines, and what a template
    lacking the style gets.

    ``size`` in points; ``line`` a fixed line height in points (None: single spacing);
    ``indent_chars`` the first-line indent in characters; ``align`` left/center/right/both."""

    role: str
    name: str
    style_id: str
    face: str
    size: float
    based_on: str | None = "Normal"
    bold: bool = False
    line: float | None = None
    indent_chars: float = 0
    align: str = "left"
    keep_next: bool = False
    space_before: float = 0
    outline: int | None = None


#: points of the landscape annexes' table text (小五)
ANNEX_TABLE_PT = 9.0

#: the styles a report uses, by role (Word's built-in names where Word has the style)
STYLES: tuple[StyleSpec, ...] = (
    StyleSpec("body", "Normal", "Normal", BODY_FACE, 16, None, line=28, indent_chars=2, align="both"),
    StyleSpec("title", "Title", "Title", TITLE_FACE, 22, align="center", space_before=0),
    StyleSpec("h1", "heading 1", "Heading1", H1_FACE, 16, line=28, indent_chars=2, keep_next=True, outline=0),
    StyleSpec("h2", "heading 2", "Heading2", H2_FACE, 16, line=28, indent_chars=2, keep_next=True, outline=1),
    StyleSpec("caption", "caption", "Caption", H1_FACE, 11.5, align="center", space_before=6),
    StyleSpec("figure", "图片", "JhFigure", BODY_FACE, 16, align="center", keep_next=True),
    StyleSpec("signature", "落款", "JhSignature", BODY_FACE, 16, line=28, align="right"),
    # table text: fixed lines (≈ 1.3 × the size, Word's single spacing of 宋体), so that rows are as
    # high on a machine whose fallback face has taller lines
    StyleSpec("cell", "表格文字", "JhTableText", TABLE_FACE, 10.5, line=13.5),
    StyleSpec("number", "表格数字", "JhTableNumber", TABLE_FACE, 10.5, "JhTableText", line=13.5, align="right"),
    StyleSpec("center", "表格居中", "JhTableCenter", TABLE_FACE, 10.5, "JhTableText", line=13.5, align="center"),
    StyleSpec("header", "表格表头", "JhTableHeader", H1_FACE, 10.5, "JhTableText", bold=True, line=13.5,
              align="center"),
    StyleSpec("note", "表注", "JhTableNote", TABLE_FACE, 9.5, "JhTableText", line=12.5),
    # the landscape annexes' long tables (per-school values, 整改台账): 小五 (9 pt), so that a row holds
    # more of its text and the annex takes fewer pages
    StyleSpec("annex_cell", "附表文字", "JhAnnexText", TABLE_FACE, ANNEX_TABLE_PT, line=11.5),
    StyleSpec("annex_number", "附表数字", "JhAnnexNumber", TABLE_FACE, ANNEX_TABLE_PT, "JhAnnexText", line=11.5,
              align="right"),
    StyleSpec("annex_center", "附表居中", "JhAnnexCenter", TABLE_FACE, ANNEX_TABLE_PT, "JhAnnexText", line=11.5,
              align="center"),
    StyleSpec("annex_header", "附表表头", "JhAnnexHeader", H1_FACE, ANNEX_TABLE_PT, "JhAnnexText", bold=True,
              line=11.5, align="center"),
)
#: the table roles a landscape annex takes from its own styles
ANNEX_ROLES = ("cell", "number", "center", "header")
#: the shipped template's style ids by role
STYLE_IDS = {s.role: s.style_id for s in STYLES}


def _half_points(pt: float) -> int:
    return int(round(pt * 2))


def style_xml(spec: StyleSpec, style_id: str | None = None, based_on: str | None = None) -> str:
    """``<w:style>`` of a spec (the faces with East Asian attributes)."""
    sid = style_id or spec.style_id
    based = based_on if based_on is not None else spec.based_on
    ppr = []
    if spec.keep_next:
        ppr.append("<w:keepNext/>")
    line = (f'w:line="{int(spec.line * 20)}" w:lineRule="exact"' if spec.line else 'w:line="240" w:lineRule="auto"')
    ppr.append(f'<w:spacing w:before="{int(spec.space_before * 20)}" w:after="0" {line}/>')
    if spec.indent_chars:
        ppr.append(f'<w:ind w:firstLineChars="{int(spec.indent_chars * 100)}" '
                   f'w:firstLine="{int(spec.indent_chars * spec.size * 20)}"/>')
    else:
        ppr.append('<w:ind w:firstLineChars="0" w:firstLine="0" w:left="0" w:right="0"/>')
    ppr.append(f'<w:jc w:val="{spec.align}"/>')
    if spec.outline is not None:
        ppr.append(f'<w:outlineLvl w:val="{spec.outline}"/>')
    rpr = (f'<w:rFonts w:ascii="{LATIN}" w:hAnsi="{LATIN}" w:eastAsia="{spec.face}" w:cs="{LATIN}"/>'
           + ("<w:b/><w:bCs/>" if spec.bold else '<w:b w:val="0"/><w:bCs w:val="0"/>')
           + '<w:color w:val="000000"/>'
           + f'<w:sz w:val="{_half_points(spec.size)}"/><w:szCs w:val="{_half_points(spec.size)}"/>')
    default = ' w:default="1"' if sid == "Normal" else ""
    return (f'<w:style w:type="paragraph"{default} w:styleId="{sid}"><w:name w:val="{spec.name}"/>'
            + (f'<w:basedOn w:val="{based}"/>' if based else "")
            + ('<w:next w:val="Normal"/>' if spec.role in ("h1", "h2", "title") else "")
            + '<w:qFormat/>' + f'<w:pPr>{"".join(ppr)}</w:pPr><w:rPr>{rpr}</w:rPr></w:style>')


def styles_xml() -> str:
    """``word/styles.xml`` of the shipped template: document defaults (the body face) and :data:`STYLES`."""
    body = next(s for s in STYLES if s.role == "body")
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:styles xmlns:w="{W_NS}">'
            '<w:docDefaults><w:rPrDefault><w:rPr>'
            f'<w:rFonts w:ascii="{LATIN}" w:hAnsi="{LATIN}" w:eastAsia="{body.face}" w:cs="{LATIN}"/>'
            f'<w:sz w:val="{_half_points(body.size)}"/><w:szCs w:val="{_half_points(body.size)}"/>'
            '<w:lang w:val="en-US" w:eastAsia="zh-CN" w:bidi="ar-SA"/></w:rPr></w:rPrDefault>'
            '<w:pPrDefault><w:pPr><w:widowControl/><w:jc w:val="both"/></w:pPr></w:pPrDefault></w:docDefaults>'
            + "".join(style_xml(s) for s in STYLES)
            + '<w:style w:type="character" w:default="1" w:styleId="DefaultParagraphFont">'
              '<w:name w:val="Default Paragraph Font"/><w:uiPriority w:val="1"/><w:semiHidden/></w:style>'
              '<w:style w:type="table" w:default="1" w:styleId="TableNormal"><w:name w:val="Normal Table"/>'
              '<w:semiHidden/><w:tblPr><w:tblInd w:w="0" w:type="dxa"/><w:tblCellMar>'
              '<w:top w:w="0" w:type="dxa"/><w:left w:w="108" w:type="dxa"/><w:bottom w:w="0" w:type="dxa"/>'
              '<w:right w:w="108" w:type="dxa"/></w:tblCellMar></w:tblPr></w:style>'
            + "</w:styles>")


def font_table_xml() -> str:
    """``word/fontTable.xml``: every face with its alternative name and the GB2312 character set, so
    that a machine without it substitutes a Chinese face of the same kind."""
    fonts = [f'<w:font w:name="{LATIN}"><w:panose1 w:val="02020603050405020304"/><w:charset w:val="00"/>'
             '<w:family w:val="roman"/><w:pitch w:val="variable"/></w:font>']
    family = {"黑体": "modern", "宋体": "roman"}
    for face, alt in FACE_FALLBACK.items():
        fonts.append(f'<w:font w:name="{face}"><w:altName w:val="{alt}"/><w:charset w:val="86"/>'
                     f'<w:family w:val="{family.get(face, "modern")}"/><w:pitch w:val="fixed"/></w:font>')
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:fonts xmlns:w="{W_NS}">'
            + "".join(fonts) + "</w:fonts>")


# ---------------------------------------------------------------------------------------------- template
def default_template() -> Path:
    """Path of the template shipped with junheng."""
    return Path(str(resources.files(__package__).joinpath("templates", DEFAULT_TEMPLATE)))


def check_template(path: str | Path) -> Path:
    """The template's absolute path, once it is known to be a readable Word document; otherwise a
    :class:`TemplateError` with a Chinese message (before any work starts). A Word template file
    (.dotx), a macro-enabled document (.docm) and a document whose text part is not well-formed XML
    are refused here; :func:`check_template_renders` also fills it in once."""
    import zipfile
    p = Path(path).expanduser()
    shown = p.name or str(path)
    if not p.exists():
        raise TemplateError(f"Word 模板“{shown}”不存在")
    if p.is_dir():
        raise TemplateError(f"Word 模板“{shown}”是一个文件夹，应为 .docx 文件")
    try:
        with zipfile.ZipFile(p) as z:
            names = set(z.namelist())
            if "word/document.xml" not in names or "[Content_Types].xml" not in names:
                raise TemplateError(f"Word 模板“{shown}”不是 Word 文档(.docx)")
            _check_content_type(shown, z.read("[Content_Types].xml"))
            _check_xml(shown, "word/document.xml", z.read("word/document.xml"))
    except PermissionError:
        raise TemplateError(f"Word 模板“{shown}”无法读取：没有读取权限") from None
    except (zipfile.BadZipFile, EOFError, zipfile.LargeZipFile, NotImplementedError, RuntimeError):
        raise TemplateError(f"Word 模板“{shown}”不是 Word 文档(.docx)，或文件已损坏"
                            + ("；旧版 .doc 文件请在 Word 或 WPS 中另存为 .docx" if p.suffix.lower() == ".doc" else "")
                            ) from None
    except OSError as e:
        raise TemplateError(f"Word 模板“{shown}”无法读取：{e.strerror or e}") from None
    return p.resolve()


#: content type of the main part of a Word document (.docx), the only kind python-docx opens
_DOCUMENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
_CT_NS = "{http://schemas.openxmlformats.org/package/2006/content-types}"
_SAVE_AS = "请在 Word 或 WPS 中打开它，另存为“Word 文档(.docx)”后再使用"


def _check_content_type(shown: str, content_types: bytes) -> None:
    """Refuse a package whose main part is not a Word document's: a template (.dotx, .dotm) or a
    macro-enabled document (.docm) has the same parts under another content type."""
    try:
        root = etree.fromstring(content_types, parser=_SAFE_XML)
    except etree.XMLSyntaxError:
        raise TemplateError(f"Word 模板“{shown}”已损坏（[Content_Types].xml 无法读取）；请在 Word 或 WPS 中打开后"
                            "重新保存为 .docx") from None
    kind = next((el.get("ContentType", "") for el in root.iter(f"{_CT_NS}Override")
                 if el.get("PartName", "").lower() == "/word/document.xml"), None)
    if kind is None:
        kind = next((el.get("ContentType", "") for el in root.iter(f"{_CT_NS}Default")
                     if el.get("Extension", "").lower() == "xml"), "")
    if kind == _DOCUMENT_TYPE:
        return
    low = kind.lower()
    if "template" in low:
        what = " Word 模板文件(.dotx/.dotm)，不是 Word 文档"
    elif "macroenabled" in low:
        what = "启用宏的 Word 文档(.docm)"
    else:
        what = "不是 Word 文档(.docx)"
        raise TemplateError(f"Word 模板“{shown}”{what}（内容类型：{kind or '未注明'}）；{_SAVE_AS}")
    raise TemplateError(f"Word 模板“{shown}”是{what}；{_SAVE_AS}")


#: lxml parser for the template's parts: no entities resolved, no network
_SAFE_XML = etree.XMLParser(resolve_entities=False, no_network=True)


def _check_xml(shown: str, part: str, data: bytes) -> None:
    try:
        etree.fromstring(data, parser=_SAFE_XML)
    except etree.XMLSyntaxError as e:
        raise TemplateError(f"Word 模板“{shown}”已损坏：其中的 {part} 不是完整的 XML（{_first_line(e)}）；"
                            "请在 Word 或 WPS 中打开后重新保存为 .docx") from None


def _first_line(e: BaseException) -> str:
    text = str(getattr(e, "message", None) or e).strip()
    return (text.splitlines() or [type(e).__name__])[0][:200]


#: the placeholders a template may use, with what they are filled with
PLACEHOLDERS = {"title": "标题", "issuer": "发文单位", "date": "日期"}
_ALLOWED = "、".join(f"{{{{ {k} }}}}（{v}）" for k, v in PLACEHOLDERS.items())


def _jinja_message(name: str, e: BaseException) -> str:
    """A Jinja error of a template, in Chinese (the Jinja text in parentheses)."""
    import jinja2
    detail = _first_line(e)
    near = ""
    for line in getattr(e, "docx_context", None) or []:   # the paragraphs around the error (docxtpl)
        text = re.sub(r"\s+", " ", str(line)).strip()
        if "{" in text or "}" in text:
            near = text[:80]
            break
    where = f"（所在段落：“{near}”）" if near else ""
    jinja = f"（Jinja：{detail}）"
    if isinstance(e, jinja2.UndefinedError):
        m = re.search(r"'([^']+)' is undefined", detail)
        what = f"占位符“{{{{ {m.group(1)} }}}}”无法填写" if m else "占位符无法填写"
        return f"Word 模板“{name}”中的{what}{where}：模板中只能使用 {_ALLOWED}{jinja}"
    if isinstance(e, jinja2.TemplateAssertionError):
        m = re.search(r"No (filter|test) named '([^']+)'", detail)
        if m:
            kind = "过滤器" if m.group(1) == "filter" else "测试"
            return f"Word 模板“{name}”中的占位符有误：使用了不存在的{kind}“{m.group(2)}”{where}{jinja}"
    if isinstance(e, jinja2.TemplateSyntaxError):
        return (f"Word 模板“{name}”中的占位符有误：“{{{{ … }}}}”或“{{% … %}}”不完整、未闭合或写法不对{where}"
                f"；可用的占位符为 {_ALLOWED}{jinja}")
    return f"Word 模板“{name}”中的占位符有误{where}{jinja}"


def _render(template: Path, context: dict):
    """The template with its placeholders filled (docxtpl), as a python-docx Document, and whether it
    shows the title itself. A placeholder other than :data:`PLACEHOLDERS` is an error (never filled
    with nothing), and so is any Jinja error: a :class:`TemplateError` in Chinese."""
    import jinja2
    name = template.name
    tpl = DocxTemplate(str(template))
    try:
        tpl.init_docx()
    except Exception as e:  # noqa: BLE001 - python-docx refuses the package
        raise TemplateError(f"Word 模板“{name}”无法打开（{type(e).__name__}：{_first_line(e)}）；{_SAVE_AS}") from e
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    try:
        tpl.render(context, jinja_env=env, autoescape=True)
        used = tpl.get_undeclared_template_variables(jinja_env=jinja2.Environment())
    except jinja2.TemplateError as e:   # a Jinja error in a bureau's template: say what and where
        raise TemplateError(_jinja_message(name, e)) from e
    except Exception as e:  # noqa: BLE001 - e.g. the filled-in text is no longer valid WordprocessingML
        raise TemplateError(f"Word 模板“{name}”填入标题、发文单位和日期后不再是有效的 Word 文档"
                            f"（{type(e).__name__}：{_first_line(e)}）") from e
    return tpl.docx, "title" in used


class _Sample:
    """A report of a few blocks of every kind the writer lays out (a paragraph, a heading, a wide
    annex table on landscape pages, the 说明 on portrait pages again): what
    :func:`check_template_renders` writes to try a template."""

    @dataclass(frozen=True)
    class Section:
        key: str
        title: str

    def sections(self) -> list:
        S = self.Section
        return [S("title", ""), S("body", "一、正文"), S("appendix", "附表：样表"), S("provenance", "说明")]

    def blocks(self, section) -> list:
        import pandas as pd
        from_key = {
            "title": [Text("（标题）", heading=1)],
            "body": [Text("（正文）"), Text("（小标题）", bold=True)],
            "appendix": [Table("样表", pd.DataFrame({"name": ["（学校）"], "n": [1.0]}),
                               [Column("name", "名称"), Column("n", "数值", kind="int")], landscape=True)],
            "provenance": [Text("（说明）")],
        }
        return from_key[section.key]


def check_template_renders(path: str | Path) -> Path:
    """Check a Word template as a run will use it, before any work: readable (:func:`check_template`),
    its placeholders filled in, a short report of every kind of block written with it and read back.
    Returns its absolute path; a template that cannot make a report raises :class:`TemplateError`
    (Chinese, naming the template by its file name), so that no county fails later at its Word step."""
    p = check_template(path)
    sample = _Sample()
    try:
        doc, xml = _build(sample, sample.sections(), title="（标题）", issuer="（发文单位）",
                          date=date_text(_dt.date.today()), template=p, annexes=("appendix", "provenance"))
        buf = _io.BytesIO()
        _save(doc, buf, xml)
        import docx as _python_docx
        _python_docx.Document(_io.BytesIO(buf.getvalue()))
    except TemplateError:
        raise
    except Exception as e:  # noqa: BLE001 - anything else the writer meets in this template
        raise TemplateError(f"Word 模板“{p.name}”无法用于生成 Word 报告（{type(e).__name__}：{_first_line(e)}）；"
                            "请在 Word 或 WPS 中打开后重新保存为 .docx，或改用内置模板") from e
    return p


# ---------------------------------------------------------------------------------------------- body
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_text(text: str) -> str:
    """Text for a ``<w:t>``: XML-escaped, without the characters XML 1.0 forbids."""
    return _escape(_ILLEGAL.sub("", str(text)))


def para_xml(text: str, style: str, *, keep_next: bool = False, page_break_before: bool = False) -> str:
    """A paragraph of one run in a paragraph style (its faces and sizes come from the style)."""
    ppr = f'<w:pStyle w:val="{style}"/>' + ("<w:keepNext/>" if keep_next else "") + (
        "<w:pageBreakBefore/>" if page_break_before else "")
    run = f'<w:r><w:t xml:space="preserve">{xml_text(text)}</w:t></w:r>' if text else ""
    return f"<w:p><w:pPr>{ppr}</w:pPr>{run}</w:p>"


class _Styles:
    """Style ids of the roles in one document: the template's styles found by name, the missing
    ones added from :data:`STYLES`."""

    def __init__(self, doc):
        styles = doc.styles
        by_name = {}
        for st in styles:
            if st.type == WD_STYLE_TYPE.PARAGRAPH and st.name is not None:
                by_name.setdefault(st.name.lower(), st.style_id)
        taken = {st.style_id for st in styles}
        self.ids: dict[str, str] = {}
        self.added: list[str] = []
        for spec in STYLES:
            sid = by_name.get(spec.name.lower())
            if sid is None:
                sid = spec.style_id
                while sid in taken:        # a foreign style with our id under another name
                    sid += "J"
                based = spec.based_on
                based = self.ids.get(next((s.role for s in STYLES if s.style_id == based), ""), based)
                if based and based not in taken:
                    based = None
                styles.element.append(parse_xml(style_xml(spec, sid, based or "").replace(
                    "<w:style ", f'<w:style xmlns:w="{W_NS}" ', 1)))
                taken.add(sid)
                self.added.append(spec.name)
            self.ids[spec.role] = sid

    def __getitem__(self, role: str) -> str:
        return self.ids[role]


class _Body:
    """The report's body as WordprocessingML text, put in before the document's final section
    properties in one parse at the end (:meth:`finish`): moving parsed elements into python-docx's
    tree costs time quadratic in their number (seconds for one county's tables)."""

    def __init__(self, doc):
        self.doc = doc
        self.parts: list[str] = []

    def add(self, xml: str) -> None:
        self.parts.append(xml)

    def final_sectpr(self):
        body = self.doc.element.body
        final = body.find(f"{{{W_NS}}}sectPr")
        if final is None:
            final = parse_xml(f'<w:sectPr xmlns:w="{W_NS}"/>')
            body.append(final)
        return final

    def finish(self) -> bytes:
        """The document part's XML: the template's body, the report's, the final section
        properties (written as it is, never parsed and serialized again)."""
        final = self.final_sectpr()
        marker = etree.Comment("junheng-body")
        final.addprevious(marker)
        xml = etree.tostring(self.doc.part.element, encoding="unicode")
        marker.getparent().remove(marker)
        head, tail = xml.split("<!--junheng-body-->", 1)
        self.parts, body = [], self.parts
        return (XML_DECLARATION + head + "".join(body) + tail).encode("utf-8")


#: zip members stored as they are (already compressed)
_STORED = (".png", ".jpg", ".jpeg", ".gif", ".emf", ".wmf")
XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


class _ZipWriter:
    """python-docx's package writer interface: XML deflated, pictures stored (compressing a PNG
    again takes time and saves nothing), the document part written from its text."""

    def __init__(self, path, document_part, document_xml: bytes):
        import zipfile
        self._zip = zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED)
        self._stored = zipfile.ZIP_STORED
        self._part, self._xml = document_part, document_xml

    def write(self, pack_uri, blob) -> None:
        name = pack_uri.membername
        kind = self._stored if name.lower().endswith(_STORED) else None
        self._zip.writestr(name, blob, compress_type=kind)

    def close(self) -> None:
        self._zip.close()


def _save(doc, path, document_xml: bytes) -> None:
    """Write the package (as ``Document.save`` does) with :class:`_ZipWriter`."""
    pkg = doc.part.package
    parts = list(pkg.iter_parts())
    for part in parts:
        part.before_marshal()
    w = _ZipWriter(path, doc.part, document_xml)
    try:
        PackageWriter._write_content_types_stream(w, parts)
        PackageWriter._write_pkg_rels(w, pkg.rels)
        for part in parts:
            w.write(part.partname, document_xml if part is doc.part else part.blob)
            if len(part.rels):
                w.write(part.partname.rels_uri, part.rels.xml)
    finally:
        w.close()


def _serialize(el) -> str:
    return etree.tostring(el, encoding="unicode")


def _picture(doc, png: bytes, width_cm: float, style: str) -> str:
    """A centred picture paragraph (the chart's PNG, scaled to ``width_cm``)."""
    inline = doc.part.new_pic_inline(_io.BytesIO(png), Cm(width_cm), None)
    return f'<w:p><w:pPr><w:pStyle w:val="{style}"/></w:pPr><w:r><w:drawing>{_serialize(inline)}</w:drawing></w:r></w:p>'


def _landscape(body: _Body, landscape: bool = True) -> None:
    """End the current section (as it is) and continue on landscape A4 pages (portrait ones with
    ``landscape=False``): margins turned with the page, page numbers continued, header and footer
    those of the section before."""
    q = f"{{{W_NS}}}"
    final = body.final_sectpr()
    body.add(f"<w:p><w:pPr>{_serialize(final)}</w:pPr></w:p>")   # the section so far, as it was
    for tag in ("headerReference", "footerReference", "pgNumType", "titlePg", "type"):
        for el in final.findall(f"{q}{tag}"):
            final.remove(el)
    size = final.find(f"{q}pgSz")
    if size is None:
        size = final.makeelement(f"{q}pgSz", {})
        final.insert(0, size)
    w, h = int(size.get(f"{q}w", PAGE["w"])), int(size.get(f"{q}h", PAGE["h"]))
    size.set(f"{q}w", str(max(w, h) if landscape else min(w, h)))
    size.set(f"{q}h", str(min(w, h) if landscape else max(w, h)))
    if landscape:
        size.set(f"{q}orient", "landscape")
    elif f"{q}orient" in size.attrib:
        del size.attrib[f"{q}orient"]
    mar = final.find(f"{q}pgMar")
    if mar is not None and (w < h) == landscape:   # margins turned with the page: top → left … (and back)
        m = {k: mar.get(f"{q}{k}") for k in ("top", "right", "bottom", "left")}
        if all(v is not None for v in m.values()):
            if landscape:
                mar.set(f"{q}top", m["left"]); mar.set(f"{q}bottom", m["right"])
                mar.set(f"{q}left", m["top"]); mar.set(f"{q}right", m["bottom"])
            else:
                mar.set(f"{q}left", m["top"]); mar.set(f"{q}right", m["bottom"])
                mar.set(f"{q}top", m["left"]); mar.set(f"{q}bottom", m["right"])


def _text_width_cm(doc) -> tuple[float, float]:
    """Text width (cm) of the document's last section on portrait pages and on the same pages turned
    landscape (margins turned with the page)."""
    sec = doc.sections[-1]
    try:
        w, h = sec.page_width, sec.page_height
        if w > h:
            w, h = h, w
        portrait = (w - sec.left_margin - sec.right_margin) / 360000
        landscape = (h - sec.top_margin - sec.bottom_margin) / 360000
    except TypeError:  # a template without page size or margins
        return TEXT_WIDTH_CM, LANDSCAPE_TEXT_WIDTH_CM
    if portrait < 5 or landscape < 5:
        return TEXT_WIDTH_CM, LANDSCAPE_TEXT_WIDTH_CM
    return portrait, landscape


def layout(report, sections, *, annexes=ANNEXES, portrait_cm: float = TEXT_WIDTH_CM,
           table_size: float = 10.5) -> list[tuple[str, str, list, bool]]:
    """The document's parts in order: (key, heading, blocks, is an annex) for each section with
    blocks. A wide table of the body (``landscape`` and wider than a portrait page at its natural
    width: the per-school 达标 table, a dozen numbers and a list a school) leaves the body, which
    says where it is (:data:`DEFERRED_TEXT`), and becomes the first annex (``附表：…``, landscape)."""
    deferred: list = []
    plan = []
    for sec in sections:
        blocks = report.blocks(sec)
        if not blocks:
            continue
        annex = sec.key in annexes
        if not annex:
            kept = []
            for b in blocks:
                if isinstance(b, Table) and b.landscape and natural_width_cm(b, table_size) > portrait_cm:
                    deferred.append(b)
                    kept.append(Text(DEFERRED_TEXT.format(title=b.title)))
                else:
                    kept.append(b)
            blocks = kept
        plan.append((sec.key, sec.title, blocks, annex))
    if deferred:
        at = next((k for k, p in enumerate(plan) if p[3]), len(plan))
        plan[at:at] = [("deferred", f"{ANNEX_PREFIX}{t.title}", [t], True) for t in deferred]
    return plan


def write_report_docx(report, sections, path: str | Path, *, title: str, issuer: str,
                      today: _dt.date | None = None, template: str | Path | None = None,
                      annexes=ANNEXES, table_size: float = 10.5) -> Path:
    """Write a report with an outline as Word (.docx), atomically.

    Parameters
    ----------
    report
        Any object with ``blocks(section)`` returning the section's ``Text``, ``Table`` and ``Chart``
        blocks (the county report, the city roll-up).
    sections
        The sections to write, in order (each with ``key`` and ``title``).
    title, issuer
        The cover's title and issuing unit (also the 落款).
    today
        The date of the cover and the 落款 (default: today).
    template
        A Word template (default: :func:`default_template`); see the module's docstring.
    annexes
        Keys of the sections that come after the 落款 (landscape when their tables are wide).
    """
    tpl = check_template(template) if template else default_template()
    doc, xml = _build(report, sections, title=title, issuer=issuer, date=date_text(today or _dt.date.today()),
                      template=tpl, annexes=annexes, table_size=table_size)
    path = Path(path)
    with atomic_path(path) as tmp:
        _save(doc, str(tmp), xml)
    return path


def _build(report, sections, *, title: str, issuer: str, date: str, template: Path, annexes=ANNEXES,
           table_size: float = 10.5):
    """The document of a report (see :func:`write_report_docx`): the filled-in template and the XML
    of its document part. The title is shown once: by the template's ``{{ title }}``, else by the
    report's own title block (a heading of that text), else as the body's first paragraph."""
    doc, shows_title = _render(template, {"title": title, "issuer": issuer, "date": date})
    st = _Styles(doc)
    body = _Body(doc)
    portrait_cm, landscape_cm = _text_width_cm(doc)
    plan = layout(report, sections, annexes=annexes, portrait_cm=portrait_cm, table_size=table_size)
    has_title = any(isinstance(b, Text) and b.heading and b.text == title for _, _, blocks, _ in plan for b in blocks)
    if not shows_title and not has_title:
        body.add(para_xml(title, st["title"]))

    def signature():  # 落款: after the body, before the annexes
        body.add(para_xml("", st["body"]))
        for line in (issuer, date):
            body.add(para_xml(line, st["signature"]))

    n_table = n_chart = 0
    signed = landscape = False
    for key, sec_title, blocks, annex in plan:
        if annex and not signed:
            signature()
            signed = True
        wide = annex and any(isinstance(b, Table) and b.landscape for b in blocks)
        new_page = False
        if wide and not landscape:
            _landscape(body)
            landscape = True
        elif wide:
            new_page = True           # each wide annex starts on a page of its own
        elif landscape:               # the 说明 after the wide annexes: portrait pages again
            _landscape(body, False)
            landscape = False
        if sec_title:
            body.add(para_xml(sec_title, st["h1"], page_break_before=new_page))
        for b in blocks:
            if isinstance(b, Text) and b.heading:
                body.add(para_xml(b.text, st["title"]))
            elif isinstance(b, Text):
                body.add(para_xml(b.text, st["h2"] if b.bold else st["body"]))
            elif isinstance(b, Table):
                n_table += 1
                small = annex and landscape  # a landscape annex: 小五 in the annex styles
                ids = {**st.ids, **{r: st[f"annex_{r}"] for r in ANNEX_ROLES}} if small else st.ids
                body.add(table_docx(b, number=n_table, width_cm=landscape_cm if landscape else portrait_cm,
                                 size_pt=ANNEX_TABLE_PT if small else table_size, styles=ids))
            elif isinstance(b, Chart):
                n_chart += 1
                body.add(_picture(doc, b.png(), portrait_cm, st["figure"]))
                body.add(para_xml(f"图{n_chart}　{b.title}", st["caption"]))
    if not signed:
        signature()
    return doc, body.finish()


# ---------------------------------------------------------------------------------------------- tables
#: style ids of the table's paragraphs (those of junheng's Word template; see junheng_lib.render.docx.STYLES)
DOCX_STYLES = {"caption": "Caption", "cell": "JhTableText", "number": "JhTableNumber", "center": "JhTableCenter",
               "header": "JhTableHeader", "note": "JhTableNote"}
_TWIPS_PER_CM = 567
_BORDERS = "".join(f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
                   for side in ("top", "left", "bottom", "right", "insideH", "insideV"))


def table_docx(table: Table, *, number: int | None = None, width_cm: float = 15.6, size_pt: float = 10.5,
            styles: dict | None = None) -> str:
    """The table as WordprocessingML (``w:`` elements, the namespace declared by the caller): the
    caption 表N above, the table — header row repeated on every page, rows never split across pages,
    columns sized to their text within ``width_cm``, numbers right-aligned and never wrapped, the
    merge column merged, flagged cells shaded — and the note below.

    Faces, sizes and alignment come from the document's paragraph styles (``styles``: role → style
    id; ``size_pt`` is the table style's size, used to fit the columns), so a cell carries no run
    formatting: a county's thousands of cells are one string, parsed once.
    """
    ids = {**DOCX_STYLES, **(styles or {})}
    out = []
    cap = f"表{number}　{table.title}" if number else table.title
    out.append(para_xml(cap, ids["caption"], keep_next=True))
    widths = [max(1, round(x * _TWIPS_PER_CM)) for x in fit_widths(table, width_cm, size_pt)]
    out.append(f'<w:tbl><w:tblPr><w:tblW w:w="{sum(widths)}" w:type="dxa"/><w:jc w:val="center"/>'
               f'<w:tblBorders>{_BORDERS}</w:tblBorders><w:tblLayout w:type="fixed"/>'
               '<w:tblCellMar><w:left w:w="45" w:type="dxa"/><w:right w:w="45" w:type="dxa"/></w:tblCellMar>'
               '<w:tblLook w:val="0000" w:firstRow="0" w:lastRow="0" w:firstColumn="0" w:lastColumn="0" '
               'w:noHBand="1" w:noVBand="1"/></w:tblPr><w:tblGrid>')
    out += [f'<w:gridCol w:w="{w}"/>' for w in widths]
    out.append("</w:tblGrid>")

    def p(text: str, style: str, keep: bool = False) -> str:
        run = f'<w:r><w:t xml:space="preserve">{xml_text(text)}</w:t></w:r>' if text else ""
        kn = "<w:keepNext/>" if keep else ""
        return f'<w:p><w:pPr><w:pStyle w:val="{style}"/>{kn}</w:pPr>{run}</w:p>'

    tc = [f'<w:tc><w:tcPr><w:tcW w:w="{w}" w:type="dxa"/>' for w in widths]
    # header row: repeated on every page, shaded
    out.append("<w:tr><w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>")
    out += [f'{tc[j]}<w:shd w:val="clear" w:color="auto" w:fill="DDEBF7"/><w:vAlign w:val="center"/></w:tcPr>'
            f'{p(h, ids["header"])}</w:tc>' for j, h in enumerate(table.headers)]
    out.append("</w:tr>")
    spans = table.spans()
    flags = table.flags
    flag_cols = {} if flags is None else {c.key: flags[c.key].to_numpy(dtype=bool) for c in table.columns
                                          if c.key in flags.columns}
    kinds = [("merge" if c.key == table.merge else "number" if c.numeric else "cell") for c in table.columns]
    number_ = ids["number"]
    rows = table.text_rows()
    for i, row in enumerate(rows):
        out.append("<w:tr><w:trPr><w:cantSplit/></w:trPr>")
        keep = bool(table.note) and i == len(rows) - 1     # the note never starts a page on its own
        for j, (c, txt) in enumerate(zip(table.columns, row)):
            kind = kinds[j]
            shade = '<w:shd w:val="clear" w:color="auto" w:fill="F8CBAD"/>' if (
                c.key in flag_cols and flag_cols[c.key][i]) else ""
            if kind == "merge":
                if spans[i] == 0:
                    out.append(f'{tc[j]}<w:vMerge/>{shade}<w:vAlign w:val="center"/></w:tcPr><w:p/></w:tc>')
                    continue
                vm = '<w:vMerge w:val="restart"/>' if spans[i] > 1 else ""
                out.append(f'{tc[j]}{vm}{shade}<w:vAlign w:val="center"/></w:tcPr>{p(txt, ids["center"], keep)}</w:tc>')
            elif kind == "number":
                out.append(f'{tc[j]}{shade}<w:noWrap/></w:tcPr>{p(txt, number_, keep)}</w:tc>')
            else:
                out.append(f'{tc[j]}{shade}</w:tcPr>{p(txt, ids["cell"], keep)}</w:tc>')
        out.append("</w:tr>")
    out.append("</w:tbl>")
    if table.note:
        out.append(p(table.note, ids["note"]))
    return "".join(out)


#: the narrowest a long text column (names, lists, 说明) is set, in half-width characters: 6 CJK
#: characters a line, so a list such as 未达标指标 never goes one or two characters a line
LONG_TEXT_MIN = 12


def natural_width_cm(table: Table, size_pt: float) -> float:
    """The width (cm) the table needs to show its numbers unbroken and its long texts at least
    :data:`LONG_TEXT_MIN` wide: a table wider than its page goes on a landscape page instead.

    >>> import pandas as pd
    >>> from junheng_lib.render.table import Column
    >>> t = Table("t", pd.DataFrame({"n": [1234567.0] * 12}), [Column("n", "数", kind="int")] * 12)
    >>> 15.6 < natural_width_cm(t, 10.5) < 24.6
    True
    """
    return sum(_base_widths(table, size_pt)[0])


def _base_widths(table: Table, size_pt: float):
    unit = size_pt * 0.0353 * 0.53      # cm per half-width character (a CJK character counts 2)
    pad = 0.22                           # cell margins (0.08 cm a side, see to_docx) and borders
    rows = table.text_rows()
    # texts: the width most rows need (90th percentile), so a few long cells wrap instead of widening;
    # a short text column (学段, 结论: every cell within LONG_TEXT_MIN) as wide as its widest cell
    cells = [[text_width(r[j]) for r in rows] or [0] for j in range(len(table.columns))]
    data_w = [max(max(w) if c.numeric or max(w) <= LONG_TEXT_MIN else int(np.percentile(w, 90)), c.room)
              for c, w in zip(table.columns, cells)]
    head_w = [text_width(h) for h in table.headers]
    long = [not (c.numeric or c.key == table.merge) and d > LONG_TEXT_MIN for c, d in zip(table.columns, data_w)]
    base = [(LONG_TEXT_MIN if lg else max(d, min(h, 4))) * unit + pad for d, h, lg in zip(data_w, head_w, long)]
    return base, unit, pad, data_w, head_w, long


def fit_widths(table: Table, total_cm: float, size_pt: float) -> list[float]:
    """Column widths (cm) that fit ``total_cm``.

    Numbers, the merge column and short texts get their natural width (never broken mid-number
    or one character a line); headers may wrap over several lines; long texts (names, 说明) take
    what is left, up to their natural width, then the headers get room to wrap less.
    """
    base, unit, pad, data_w, head_w, long = _base_widths(table, size_pt)
    total = sum(base)
    if total >= total_cm:               # wider than the page at its narrowest: scale (rare: use landscape)
        return [b * total_cm / total for b in base]
    widths, left = list(base), total_cm - total
    for stage in (lambda j: data_w[j] if long[j] else 0, lambda j: max(head_w[j], data_w[j])):
        want = [max(stage(j) * unit + pad - widths[j], 0) for j in range(len(widths))]
        w = sum(want)
        if w <= 0:
            continue
        give = min(left, w)
        widths = [x + give * y / w for x, y in zip(widths, want)]
        left -= give
        if left <= 1e-9:
            break
    return widths
