"""The city roll-up's Word and Excel files, from its outline (:data:`junheng_lib.outline.CITY_SECTIONS`).

:func:`write_city_docx` lays the roll-up out as the county report is laid out (GB/T 9704: A4, 公文
margins and faces, page numbers "— N —", cover, 表N/图N captions, every chart, 落款) with the county's
writer and template (:mod:`junheng_lib.word`); :func:`write_city_xlsx` writes each of its tables on a
sheet through the same table model (true numbers with number formats, units in the headers, frozen
header rows, A4 print setup). Both are written atomically (all of the file or nothing).
"""
from __future__ import annotations

from pathlib import Path

from .export import _workbook, atomic_path

__all__ = ["write_city_docx", "write_city_xlsx", "XLSX_SHEETS"]

#: the roll-up workbook: sheet name → block of CityReport (a Table, or nothing to write)
XLSX_SHEETS = {"汇总": "summary_table", "基本情况": "totals_table", "准备程度等级": "grade_table",
               "优质均衡准备情况": "readiness_table", "差异系数预警": "warning_table", "全市差额": "shortfall_table",
               "整改台账汇总": "ledger_summary", "综合差异系数趋势": "trend_table",
               "预计出现风险的县区": "projected_risk_table"}


def write_city_docx(rep, path: str | Path, today=None, issuer: str | None = None,
                    template: str | Path | None = None) -> Path:
    """The roll-up as Word (.docx), laid out by the county report's writer
    (:func:`junheng_lib.word.write_report_docx`, the same template): cover (title, issuing unit, date),
    the sections of the roll-up's outline with numbered tables and charts, the 落款 before the 说明."""
    from .word import write_report_docx
    return write_report_docx(rep, rep.sections(), path, title=rep.title, issuer=issuer or f"{rep.city}教育局",
                             today=today, template=template, annexes=("provenance",))


def write_city_xlsx(rep, path: str | Path) -> Path:
    """全市汇总.xlsx: one sheet per table of the roll-up (:data:`XLSX_SHEETS`), written through the
    table model — numbers as numbers with their formats, units in the headers, merged groups,
    flagged cells filled from the results' verdicts, frozen header row, A4 landscape fit to width
    with the header row repeated."""
    from .export import write_provenance_sheet
    from .tables import Table, setup_sheet, xlsx_formats
    path = Path(path)
    with atomic_path(path) as tmp:
        book = _workbook(tmp)
        f = xlsx_formats(book)
        ws = book.add_worksheet("说明")
        ws.write_string(0, 0, rep.title, f["title"])
        wrap = book.add_format({"text_wrap": True, "valign": "top"})
        prov = rep.provenance()
        lines = [rep.narrative(), *rep.notices(), *(b.text for b in prov if not isinstance(b, Table))]
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
        write_provenance_sheet(book, prov, f)
        book.close()
    return path
