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
from dataclasses import dataclass
from pathlib import Path

from docx.enum.style import WD_STYLE_TYPE
from docx.opc.pkgwriter import PackageWriter
from docx.oxml import parse_xml
from docx.shared import Cm
from lxml import etree

from junheng_lib.render.blocks import Chart, Text, date_text
from junheng_lib.render.docx_styles import (
    ANNEX_PREFIX,
    ANNEX_ROLES,
    ANNEX_TABLE_PT,
    ANNEXES,
    DEFERRED_TEXT,
    LANDSCAPE_TEXT_WIDTH_CM,
    PAGE,
    STYLE_IDS,
    STYLES,
    TEXT_WIDTH_CM,
    W_NS,
    StyleSpec,
    font_table_xml,
    para_xml,
    style_xml,
    styles_xml,
)
from junheng_lib.render.docx_table import (
    LONG_TEXT_MIN,
    fit_widths,
    natural_width_cm,
    table_docx,
)
from junheng_lib.render.docx_template import (
    DEFAULT_TEMPLATE,
    PLACEHOLDERS,
    TemplateError,
    check_template,
    default_template,
    first_line,
    render_template,
)
from junheng_lib.render.table import Column, Table
from junheng_lib.util.fileio import atomic_path

__all__ = ["StyleSpec", "STYLES", "STYLE_IDS", "DEFAULT_TEMPLATE", "ANNEXES", "TemplateError", "PLACEHOLDERS",
           "default_template", "check_template", "check_template_renders", "write_report_docx", "styles_xml", "font_table_xml",
           "date_text", "layout", "W_NS", "table_docx", "natural_width_cm", "fit_widths", "LONG_TEXT_MIN"]


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
        raise TemplateError(f"Word 模板“{p.name}”无法用于生成 Word 报告（{type(e).__name__}：{first_line(e)}）；"
                            "请在 Word 或 WPS 中打开后重新保存为 .docx，或改用内置模板") from e
    return p


# ---------------------------------------------------------------------------------------------- body
class _Styles:
    """Style ids of the roles in one document: the template's styles found by name, the missing
    ones added from :data:`STYLES`."""

    def __init__(self, doc):
        styles = doc.styles
        by_name = {}
        for st in styles:
            if st.type == WD_STYLE_TYPE.PARAGRAPH and st.name is not None:
                by_name.setdefault(st.name.lower(), st.style_id)
        elements = {st.style_id: st.element for st in styles}
        taken = set(elements)
        self.ids: dict[str, str] = {}
        self.added: list[str] = []
        for spec in STYLES:
            sid = by_name.get(spec.name.lower())
            old = elements.get(sid)
            if old is not None and not _own_style(old):
                # Word's stock definition (blue Calibri headings, 11 pt body): junheng's, under its id
                based = old.find(f"{{{W_NS}}}basedOn")
                new = parse_xml(style_xml(spec, sid, based.get(f"{{{W_NS}}}val") if based is not None else "").replace(
                    "<w:style ", f'<w:style xmlns:w="{W_NS}" ', 1))
                old.addprevious(new)
                old.getparent().remove(old)
                self.added.append(spec.name)
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


def _own_style(el) -> bool:
    """Whether a template's style (its ``w:style`` element) is the bureau's own: it names an East
    Asian face (a Chinese bureau's style does; Word's and python-docx's stock styles name theme fonts
    or none)."""
    rf = el.find(f"{{{W_NS}}}rPr/{{{W_NS}}}rFonts")
    return rf is not None and bool(rf.get(f"{{{W_NS}}}eastAsia"))


def _footers(doc) -> None:
    """Page numbers "— N —" (a PAGE field, 4号 宋体) in the body's footer when the template's last
    section has none: a bureau's template without page numbers still numbers its pages."""
    sec = doc.sections[-1]
    for f in (sec.footer, sec.even_page_footer, sec.first_page_footer):
        if not f.is_linked_to_previous and " PAGE " in f._element.xml:
            return
    if any(" PAGE " in f.footer._element.xml for f in doc.sections[:-1] if not f.footer.is_linked_to_previous):
        return
    ftr = sec.footer
    ftr.is_linked_to_previous = False
    el = ftr._element
    for child in list(el):
        el.remove(child)
    el.append(parse_xml(PAGE_FOOTER_XML))


#: the footer's paragraph: "— N —", a PAGE field between two dashes, centred, 4号 宋体
_NUM = ('<w:rPr><w:rFonts w:ascii="宋体" w:hAnsi="宋体" w:eastAsia="宋体" w:cs="宋体"/>'
        '<w:sz w:val="28"/><w:szCs w:val="28"/></w:rPr>')
PAGE_FOOTER_XML = (f'<w:p xmlns:w="{W_NS}"><w:pPr><w:spacing w:before="0" w:after="0" w:line="240" w:lineRule="auto"/>'
                   '<w:ind w:firstLineChars="0" w:firstLine="0"/><w:jc w:val="center"/></w:pPr>'
                   f'<w:r>{_NUM}<w:t xml:space="preserve">— </w:t></w:r><w:r>{_NUM}<w:fldChar w:fldCharType="begin"/></w:r>'
                   f'<w:r>{_NUM}<w:instrText xml:space="preserve"> PAGE </w:instrText></w:r>'
                   f'<w:r>{_NUM}<w:fldChar w:fldCharType="separate"/></w:r><w:r>{_NUM}<w:t>1</w:t></w:r>'
                   f'<w:r>{_NUM}<w:fldChar w:fldCharType="end"/></w:r><w:r>{_NUM}<w:t xml:space="preserve"> —</w:t></w:r></w:p>')


def _title_in_body(doc, title: str) -> bool:
    """Whether the filled-in template shows the title on the body's own pages (after its last
    section break): then the report's title block is not written again."""
    body = doc.element.body
    paras = list(body.iter(f"{{{W_NS}}}p"))
    last_break = max((k for k, p in enumerate(paras) if p.find(f"{{{W_NS}}}pPr/{{{W_NS}}}sectPr") is not None),
                     default=-1)
    return any(title in "".join(t.text or "" for t in p.iter(f"{{{W_NS}}}t")) for p in paras[last_break + 1:])


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
    doc, shows_title = render_template(template, {"title": title, "issuer": issuer, "date": date})
    st = _Styles(doc)
    _footers(doc)
    title_shown = shows_title and _title_in_body(doc, title)
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
            if isinstance(b, Text) and b.heading and title_shown and b.text == title:
                continue              # the template shows the title on this page already: once
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
