"""The city roll-up's Word and Excel files, from its outline (:data:`junheng_lib.outline.CITY_SECTIONS`).

:func:`write_city_docx` lays the roll-up out as the county report is laid out (GB/T 9704: A4, 公文
margins and faces, page numbers "— N —", cover, 表N/图N captions, every chart, 落款) with the helpers
of :mod:`junheng_lib.export`; :func:`write_city_xlsx` writes each of its tables on a sheet through the
same table model (true numbers with number formats, units in the headers, frozen header rows, A4
print setup). Both are written atomically (all of the file or nothing). When the generic outline
writer of :mod:`junheng_lib.export` is there, :func:`write_city_docx` is a thin call to it.
"""
from __future__ import annotations

import datetime as _dt
from pathlib import Path

from .export import (_BODY_FONT, _SIZE, _figure, _heading, _landscape, _page_numbers, _page_setup, _para, _run,
                     _workbook, atomic_path)

__all__ = ["write_city_docx", "write_city_xlsx", "XLSX_SHEETS"]

#: the roll-up workbook: sheet name → block of CityReport (a Table, or nothing to write)
XLSX_SHEETS = {"汇总": "summary_table", "基本情况": "totals_table", "准备程度等级": "grade_table",
               "优质均衡准备情况": "readiness_table", "差异系数预警": "warning_table", "全市差额": "shortfall_table",
               "整改台账汇总": "ledger_summary", "综合差异系数趋势": "trend_table"}


def write_city_docx(rep, path: str | Path, today=None, issuer: str | None = None) -> Path:
    """The roll-up as Word (.docx): cover (title, issuing unit, date), the sections of the roll-up's
    outline with numbered tables and charts, the 落款 before the 说明; A4 portrait, landscape pages
    for a table marked ``landscape``."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK

    from .reporting import Chart, Text
    from .tables import Table, to_docx
    today = today or _dt.date.today()
    issuer = issuer or f"{rep.city}教育局"
    date = f"{today.year}年{today.month}月{today.day}日"
    doc = Document()
    _page_setup(doc)
    _page_numbers(doc.sections[0])
    doc.sections[0].different_first_page_header_footer = True   # no page number on the cover
    for _ in range(6):
        doc.add_paragraph()
    _heading(doc, rep.title, 0)
    for _ in range(8):
        doc.add_paragraph()
    for line in (issuer, date):
        p = doc.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _run(p, line, _BODY_FONT, _SIZE["body"])
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)

    def signature():
        doc.add_paragraph()
        for line in (issuer, date):
            p = doc.add_paragraph()
            p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            _run(p, line, _BODY_FONT, _SIZE["body"])

    n_table = n_chart = 0
    signed = False
    for sec in rep.sections():
        blocks = rep.blocks(sec)
        if not blocks:
            continue
        if sec.key == "provenance" and not signed:
            signature()
            signed = True
        landscape = any(isinstance(b, Table) and b.landscape for b in blocks)
        if landscape:
            _landscape(doc)
        if sec.title:
            _heading(doc, sec.title, 1)
        for b in blocks:
            if isinstance(b, Text) and b.heading:
                _heading(doc, b.text, 0)
            elif isinstance(b, Text):
                _para(doc, b.text, bold=b.bold)
            elif isinstance(b, Table):
                n_table += 1
                to_docx(b, doc, number=n_table, width_cm=22.4 if landscape else 15.6, size_pt=_SIZE["table"])
            elif isinstance(b, Chart):
                n_chart += 1
                _figure(doc, b.png(), n_chart, b.title)
    if not signed:
        signature()
    with atomic_path(Path(path)) as tmp:
        doc.save(str(tmp))
    return Path(path)


def write_city_xlsx(rep, path: str | Path) -> Path:
    """全市汇总.xlsx: one sheet per table of the roll-up (:data:`XLSX_SHEETS`), written through the
    table model — numbers as numbers with their formats, units in the headers, merged groups,
    flagged cells filled from the results' verdicts, frozen header row, A4 landscape fit to width
    with the header row repeated."""
    from .tables import Table, setup_sheet, xlsx_formats
    path = Path(path)
    with atomic_path(path) as tmp:
        book = _workbook(tmp)
        f = xlsx_formats(book)
        ws = book.add_worksheet("说明")
        ws.write_string(0, 0, rep.title, f["title"])
        wrap = book.add_format({"text_wrap": True, "valign": "top"})
        lines = [rep.narrative(), *rep.notices(), *(t.text for t in rep.provenance())]
        for i, line in enumerate(lines, start=2):
            ws.write_string(i, 0, line, wrap)
        ws.set_column(0, 0, 120)
        setup_sheet(ws, landscape=True)
        for name, block in XLSX_SHEETS.items():
            t = getattr(rep, block)()
            if not isinstance(t, Table):
                continue
            ws = book.add_worksheet(name)
            _, head = t.to_xlsx(book, ws, 0, formats=f)
            setup_sheet(ws, landscape=True, header_row=head)
        book.close()
    return path
