"""The Word report's page and styles to GB/T 9704: fonts, sizes, the page geometry, the style
definitions junheng's template carries and adds to a bureau's template that lacks them."""
from __future__ import annotations

import re
from dataclasses import dataclass
from xml.sax.saxutils import escape as _escape

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


# ---------------------------------------------------------------------------------------------- WordprocessingML text
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
