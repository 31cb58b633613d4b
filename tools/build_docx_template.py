"""Build junheng's default Word template, ``junheng_lib/render/templates/report.docx``, reproducibly.

The template is written part by part (no Word, no python-docx default template: the result is a
few kilobytes that a bureau can open, restyle and save as its own). It carries:

* the page geometry of GB/T 9704: A4, margins top 37 mm, bottom 35 mm, left 28 mm, right 26 mm;
* the styles of :data:`junheng_lib.render.docx.STYLES` (body 3号 仿宋, title 2号 小标宋, 一级标题 黑体,
  二级标题 楷体, captions, table text, table header …), faces named with East Asian attributes, and
  a font table giving each face's alternative name and the GB2312 character set (for machines
  without the face);
* a cover section — ``{{ title }}``, ``{{ issuer }}``, ``{{ date }}`` (docxtpl placeholders) — without
  a page number;
* the body's section: footer "— N —" (a PAGE field, 4号 宋体, centred), numbering from 1.

The report's body is appended after the template's content (:func:`junheng_lib.render.docx.write_report_docx`).
Same input, same bytes: fixed zip timestamps and document dates. Run from the repository root::

    python tools/build_docx_template.py [OUT.docx]
"""
from __future__ import annotations

import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from junheng_lib.render.docx import PAGE, W_NS, font_table_xml, styles_xml  # noqa: E402

R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
DOC_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
CT = "application/vnd.openxmlformats-officedocument.wordprocessingml"
XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
#: the date of every part (zip entries and document properties): the bytes do not depend on the day
FIXED = (2024, 1, 1, 0, 0, 0)
#: the page number's face and size: 4号 (14 pt) 宋体
NUMBER_RPR = ('<w:rPr><w:rFonts w:ascii="宋体" w:hAnsi="宋体" w:eastAsia="宋体" w:cs="宋体"/>'
              '<w:sz w:val="28"/><w:szCs w:val="28"/></w:rPr>')


def content_types() -> str:
    parts = {"/word/document.xml": f"{CT}.document.main+xml", "/word/styles.xml": f"{CT}.styles+xml",
             "/word/settings.xml": f"{CT}.settings+xml", "/word/fontTable.xml": f"{CT}.fontTable+xml",
             "/word/footer1.xml": f"{CT}.footer+xml",
             "/docProps/core.xml": "application/vnd.openxmlformats-package.core-properties+xml",
             "/docProps/app.xml": "application/vnd.openxmlformats-officedocument.extended-properties+xml"}
    return (XML_HEAD + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Default Extension="png" ContentType="image/png"/>'
            + "".join(f'<Override PartName="{k}" ContentType="{v}"/>' for k, v in parts.items()) + "</Types>")


def rels(items: list[tuple[str, str, str]]) -> str:
    return (XML_HEAD + f'<Relationships xmlns="{PKG_REL}">'
            + "".join(f'<Relationship Id="{i}" Type="{t}" Target="{target}"/>' for i, t, target in items)
            + "</Relationships>")


def page(footer: bool) -> str:
    """Section properties: A4 portrait, the 公文 margins; the body's with the page-number footer."""
    ref = '<w:footerReference w:type="default" r:id="rIdFooter"/>' if footer else ""
    num = '<w:pgNumType w:fmt="decimal" w:start="1"/>' if footer else ""
    return (f'<w:sectPr>{ref}<w:pgSz w:w="{PAGE["w"]}" w:h="{PAGE["h"]}"/>'
            f'<w:pgMar w:top="{PAGE["top"]}" w:right="{PAGE["right"]}" w:bottom="{PAGE["bottom"]}" '
            f'w:left="{PAGE["left"]}" w:header="{PAGE["header"]}" w:footer="{PAGE["footer"]}" w:gutter="0"/>'
            f'{num}<w:cols w:space="425"/></w:sectPr>')


def document() -> str:
    """The cover (placeholders filled by docxtpl), ending its own section; the body's section."""
    def line(text: str, style: str, before_pt: int, centre: bool = True) -> str:
        jc = '<w:jc w:val="center"/>' if centre else ""
        return (f'<w:p><w:pPr><w:pStyle w:val="{style}"/><w:spacing w:before="{before_pt * 20}"/>'
                f'<w:ind w:firstLineChars="0" w:firstLine="0"/>{jc}</w:pPr>'
                f'<w:r><w:t xml:space="preserve">{text}</w:t></w:r></w:p>')
    cover = (line("{{ title }}", "Title", 170)
             + line("{{ issuer }}", "Normal", 230)
             + line("{{ date }}", "Normal", 0)
             + f"<w:p><w:pPr>{page(footer=False)}</w:pPr></w:p>")
    return (XML_HEAD + f'<w:document xmlns:w="{W_NS}" xmlns:r="{R_NS}"><w:body>'
            + cover + page(footer=True) + "</w:body></w:document>")


def footer() -> str:
    """"— N —": a PAGE field between two dashes, centred."""
    def run(inner: str) -> str:
        return f"<w:r>{NUMBER_RPR}{inner}</w:r>"
    field = (run('<w:fldChar w:fldCharType="begin"/>') + run('<w:instrText xml:space="preserve"> PAGE </w:instrText>')
             + run('<w:fldChar w:fldCharType="separate"/>') + run("<w:t>1</w:t>")
             + run('<w:fldChar w:fldCharType="end"/>'))
    return (XML_HEAD + f'<w:ftr xmlns:w="{W_NS}" xmlns:r="{R_NS}"><w:p><w:pPr>'
            '<w:spacing w:before="0" w:after="0" w:line="240" w:lineRule="auto"/>'
            '<w:ind w:firstLineChars="0" w:firstLine="0"/><w:jc w:val="center"/></w:pPr>'
            + run('<w:t xml:space="preserve">— </w:t>') + field + run('<w:t xml:space="preserve"> —</w:t>')
            + "</w:p></w:ftr>")


def settings() -> str:
    return (XML_HEAD + f'<w:settings xmlns:w="{W_NS}"><w:zoom w:percent="100"/>'
            '<w:defaultTabStop w:val="420"/><w:characterSpacingControl w:val="compressPunctuation"/>'
            '<w:compat><w:compatSetting w:name="compatibilityMode" w:uri="http://schemas.microsoft.com/office/word" '
            'w:val="15"/></w:compat><w:themeFontLang w:val="en-US" w:eastAsia="zh-CN"/></w:settings>')


def core() -> str:
    stamp = "%04d-%02d-%02dT%02d:%02d:%02dZ" % FIXED
    return (XML_HEAD + '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            "<dc:title>县域义务教育均衡发展监测报告</dc:title><dc:creator>junheng</dc:creator>"
            "<cp:lastModifiedBy>junheng</cp:lastModifiedBy><cp:revision>1</cp:revision>"
            f'<dcterms:created xsi:type="dcterms:W3CDTF">{stamp}</dcterms:created>'
            f'<dcterms:modified xsi:type="dcterms:W3CDTF">{stamp}</dcterms:modified></cp:coreProperties>')


def app() -> str:
    return (XML_HEAD + '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
            "<Application>junheng</Application></Properties>")


def parts() -> dict[str, str]:
    return {
        "[Content_Types].xml": content_types(),
        "_rels/.rels": rels([("rId1", f"{DOC_REL}/officeDocument", "word/document.xml"),
                             ("rId2", f"{PKG_REL}/metadata/core-properties", "docProps/core.xml"),
                             ("rId3", f"{DOC_REL}/extended-properties", "docProps/app.xml")]),
        "docProps/core.xml": core(),
        "docProps/app.xml": app(),
        "word/document.xml": document(),
        "word/_rels/document.xml.rels": rels([("rIdStyles", f"{DOC_REL}/styles", "styles.xml"),
                                              ("rIdSettings", f"{DOC_REL}/settings", "settings.xml"),
                                              ("rIdFonts", f"{DOC_REL}/fontTable", "fontTable.xml"),
                                              ("rIdFooter", f"{DOC_REL}/footer", "footer1.xml")]),
        "word/styles.xml": styles_xml(),
        "word/settings.xml": settings(),
        "word/fontTable.xml": font_table_xml(),
        "word/footer1.xml": footer(),
    }


def build(out: Path) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in parts().items():
            info = zipfile.ZipInfo(name, FIXED)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, text.encode("utf-8"))
    tmp.replace(out)
    return out


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "junheng_lib" / "render" / "templates" / "report.docx"
    print(build(target))
