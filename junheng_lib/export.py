"""Writing tables: CSV folders and .xlsx workbooks (failing cells highlighted), atomically.

Text is always written as text: a school or county named ``=1+1`` or ``=HYPERLINK(...)`` is a name in
every workbook (no formula, link or number is guessed from a string), and in the CSV folder meant
for Excel a text cell starting with ``= + - @``, a tab or a carriage return gets a leading apostrophe
(the OWASP rule against formula injection). A table longer than an Excel sheet continues on further
sheets (``名称(2)``, ``名称(3)`` …), each with the header.
"""
from __future__ import annotations

import math
import numbers
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from .fileio import atomic_dir, atomic_path

__all__ = ["write_tables", "write_county_xlsx", "write_county_docx", "write_report_docx", "excel_safe",
           "atomic_path", "XLSX_MAX_ROWS"]

_FAIL_FILL = {"bg_color": "#F8CBAD", "font_color": "#9C0006"}
_HEAD = {"bold": True, "border": 1, "align": "center", "valign": "top"}
#: rows per worksheet, the header included: the limit of the .xlsx format (Excel 2007 and later)
XLSX_MAX_ROWS = 1_048_576
#: rows converted to Python values at a time when writing a sheet
_CHUNK = 65_536
#: every workbook: strings stay strings (no formulas, hyperlinks or numbers made from text)
_TEXT_AS_TEXT = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False,
                 "nan_inf_to_errors": True}
#: first characters that make a spreadsheet read a CSV cell as a formula (OWASP: CSV injection)
_FORMULA_START = r"[=+\-@\t\r]"


def _workbook(path: Path, **options):
    import xlsxwriter
    return xlsxwriter.Workbook(str(path), {**_TEXT_AS_TEXT, **options})


def _sheet_name(name: str, used: set, suffix: str = "") -> str:
    """A valid, unique (Excel compares case-insensitively) sheet name of at most 31 characters."""
    base = "".join(ch for ch in str(name) if ch not in "[]:*?/\\").strip("'") or "表"
    out, k = base[:31 - len(suffix)] + suffix, 1
    while out.lower() in used:
        k += 1
        tail = f"_{k}{suffix}"
        out = base[:31 - len(tail)] + tail
    used.add(out.lower())
    return out


def _cells(s: pd.Series) -> list:
    """A column as Python values for xlsxwriter: numbers, bools and str as they are, missing → blank."""
    vals = s.astype(object).where(s.notna(), None).tolist()
    if s.dtype == object:  # numpy scalars inside object columns (np.bool_ would be written as 1.0)
        vals = [v.item() if hasattr(v, "item") and not isinstance(v, (str, bytes)) else v for v in vals]
    return vals


def excel_safe(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with every text cell (and column name) that Excel would read as a formula — one
    starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return — prefixed with an
    apostrophe. Numbers stay numbers (a negative number is not text).

    >>> excel_safe(pd.DataFrame({"name": ["=1+1", "一小", "-1+2"], "v": [-1.5, 2.0, 3.0]})).to_dict("list")
    {'name': ["'=1+1", '一小', "'-1+2"], 'v': [-1.5, 2.0, 3.0]}
    """
    out = df.copy()
    for c in df.columns:
        s = df[c]
        if pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
            continue
        try:
            m = s.str.match(_FORMULA_START).fillna(False).astype(bool)
        except AttributeError:  # no text in the column
            continue
        if m.any():
            out[c] = s.mask(m, "'" + s.where(m, ""))
    cols = pd.Index(df.columns).astype(str)
    out.columns = cols.where(~cols.str.match(_FORMULA_START), "'" + cols)
    return out


def _write_sheets(book, title: str, df: pd.DataFrame, used: set, head, fail) -> list[str]:
    """Write ``df`` on one sheet, or on as many as Excel's row limit needs; return the sheet names."""
    per = XLSX_MAX_ROWS - 1
    parts = max(1, math.ceil(len(df) / per))
    header = [str(c) for c in df.columns]
    first = [_cells(df[c].iloc[:50]) for c in df.columns]
    widths = [min(max(8, max([len(h), *(len(str(v)) for v in col)]) + 2), 40) for h, col in zip(header, first)]
    names = []
    for k in range(parts):
        lo, hi = k * per, min(len(df), (k + 1) * per)
        ws = book.add_worksheet(_sheet_name(title, used, f"({k + 1})" if k else ""))
        names.append(ws.name)
        for j, w in enumerate(widths):
            ws.set_column(j, j, w)
        ws.freeze_panes(1, 0)
        for j, h in enumerate(header):
            ws.write_string(0, j, h, head)
        i = 1
        for a in range(lo, hi, _CHUNK):  # Python values of a chunk of rows at a time (bounded memory)
            part = df.iloc[a:min(a + _CHUNK, hi)]
            for r in zip(*(_cells(part[c]) for c in df.columns)):
                if ws.write_row(i, 0, r) == -1:  # xlsxwriter skips a cell out of the sheet's range silently
                    raise RuntimeError(f"row {i} does not fit sheet {ws.name!r}")
                i += 1
        for j, col in enumerate(header):
            if col in ("passed", "status", "结论", "over") and hi > lo:
                crit = "未达标" if col in ("status", "结论") else ("TRUE" if col == "over" else "FALSE")
                ws.conditional_format(1, j, hi - lo, j, {"type": "cell", "criteria": "==",
                                                         "value": f'"{crit}"' if crit == "未达标" else crit,
                                                         "format": fail})
    return names


def write_tables(tables: dict[str, pd.DataFrame], out: str | Path, titles: dict[str, str] | None = None,
                 notify=None) -> list[Path]:
    """Write named tables: one .xlsx (a sheet each, named by ``titles``) when ``out`` ends in .xlsx,
    otherwise a folder with ``<name>.csv`` files (UTF-8 with BOM, for Excel users; text cells that
    Excel would take for formulas are neutralized, see :func:`excel_safe`). Either is written
    atomically: all of it or, on failure, nothing.

    In the workbook, cells reading 未达标/False in ``passed``/``status`` columns are highlighted; a
    table longer than :data:`XLSX_MAX_ROWS` continues on sheets ``名称(2)`` …, and ``notify`` (a
    callable taking a message) is told so.
    """
    out = Path(out)
    titles = titles or {}
    if out.suffix.lower() == ".xlsx":
        # constant memory: rows go to disk as they are written (national tables have millions), into
        # working files of a private folder that is removed whatever happens
        with atomic_path(out) as tmp, tempfile.TemporaryDirectory(prefix=".xlsx-", dir=tmp.parent) as work:
            book = _workbook(tmp, constant_memory=True, tmpdir=work)
            try:
                fail = book.add_format(_FAIL_FILL)
                head = book.add_format(_HEAD)
                used: set = set()
                for name, df in tables.items():
                    title = titles.get(name, name)
                    if len(df) > XLSX_MAX_ROWS - 1 and notify is not None:
                        parts = math.ceil(len(df) / (XLSX_MAX_ROWS - 1))
                        notify(f"提示：表“{title}”共{len(df):,}行，超过 Excel 每个工作表{XLSX_MAX_ROWS - 1:,}行的上限，"
                               f"分{parts}个工作表写出（{title}、{title}(2) …）；数据量大时建议输出为 CSV 文件夹（-o 给出文件夹）")
                    _write_sheets(book, title, df, used, head, fail)
                book.close()
            except BaseException:
                for ws in book.worksheets():  # the sheets' open working files
                    fh = getattr(ws, "row_data_fh", None)
                    if fh is not None:
                        fh.close()
                raise
        return [out]
    paths = []
    with atomic_dir(out) as tmp:
        for name, df in tables.items():
            excel_safe(df).to_csv(tmp / f"{name}.csv", index=False, encoding="utf-8-sig", lineterminator="\n")
            paths.append(out / f"{name}.csv")
    return paths


# ---------------------------------------------------------------------------------------------- screening findings
#: Chinese headers of the findings workbook (same columns and order as the CSV)
FINDING_HEADERS = {"year": "学年", "county": "县(区)", "school_id": "学校标识码", "school_name": "学校名称",
                   "column": "数据项", "rule": "规则", "severity": "严重程度", "value": "本年数值",
                   "previous": "上年数值", "message": "说明"}
_SEVERITY_FILL = {"错误": {"bg_color": "#F8CBAD", "font_color": "#9C0006"},
                  "警告": {"bg_color": "#FFEB9C", "font_color": "#9C5700"}}


def write_findings(findings: pd.DataFrame, out: str | Path) -> Path:
    """Write screening findings (:func:`junheng_lib.screening.screen`) atomically.

    ``.xlsx``: a formatted workbook — sheet 数据筛查 (Chinese headers, severity coloured, filter,
    frozen header; every text cell written as a string, never a formula) and sheet 汇总 (counts by
    severity and rule). Otherwise CSV in UTF-8 with BOM (for Excel), columns
    :data:`~junheng_lib.screening.FINDING_COLUMNS`.
    """
    from .screening import FINDING_COLUMNS, counts, display
    out = Path(out)
    if out.suffix.lower() != ".xlsx":
        with atomic_path(out) as tmp:
            display(findings)[FINDING_COLUMNS].to_csv(tmp, index=False, encoding="utf-8-sig", lineterminator="\n")
        return out
    import xlsxwriter
    with atomic_path(out) as tmp:
        book = xlsxwriter.Workbook(str(tmp), {"strings_to_formulas": False, "strings_to_numbers": False,
                                              "strings_to_urls": False})
        head = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True,
                                "valign": "vcenter"})
        wrap = book.add_format({"text_wrap": True, "valign": "top"})
        sev_fmt = {s: book.add_format(f) for s, f in _SEVERITY_FILL.items()}
        num = book.add_format({"num_format": "#,##0.####", "valign": "top"})
        top = book.add_format({"valign": "top"})
        ws = book.add_worksheet("数据筛查")
        ws.write_row(0, 0, [FINDING_HEADERS[c] for c in FINDING_COLUMNS], head)
        f = findings[FINDING_COLUMNS]
        for i, r in enumerate(f.itertuples(index=False), start=1):
            for j, (c, v) in enumerate(zip(FINDING_COLUMNS, r)):
                if v is None or (isinstance(v, float) and v != v) or (isinstance(v, str) and v == ""):
                    continue
                if c == "year" or (c in ("value", "previous") and isinstance(v, numbers.Real) and not isinstance(v, bool)):
                    ws.write_number(i, j, float(v), top if c == "year" else num)
                else:
                    ws.write_string(i, j, str(v), sev_fmt.get(v, top) if c == "severity" else
                                    (wrap if c == "message" else top))
        for j, w in enumerate((7, 10, 13, 24, 22, 18, 8, 12, 12, 90)):
            ws.set_column(j, j, w)
        ws.freeze_panes(1, 0)
        ws.autofilter(0, 0, max(len(f), 1), len(FINDING_COLUMNS) - 1)
        ws2 = book.add_worksheet("汇总")
        c = counts(findings)
        ws2.write_row(0, 0, ["严重程度", "规则", "规则说明", "条数"], head)
        for i, r in enumerate(c.itertuples(index=False), start=1):
            ws2.write_string(i, 0, r.severity, sev_fmt.get(r.severity, top))
            ws2.write_string(i, 1, r.rule)
            ws2.write_string(i, 2, r.label)
            ws2.write_number(i, 3, int(r.count))
        ws2.write_string(len(c) + 1, 2, "合计", head)
        ws2.write_number(len(c) + 1, 3, len(findings), head)
        ws2.set_column(0, 1, 16)
        ws2.set_column(2, 2, 40)
        book.close()
    return out


# ---------------------------------------------------------------------------------------------- county xlsx
def write_county_xlsx(rep, path: str | Path) -> Path:
    """The tables a bureau submits, one workbook from the report's table models: 差异系数表 (both
    published layouts), 学校达标情况, 学校指标差额 and 各校指标值 — true numbers with number formats,
    units in the headers, merged 学段, failing cells filled from the evaluation's verdicts, frozen
    headers and A4 print setup (landscape, fit to width, header rows repeated)."""
    from .indicators import INDICATORS
    from .reporting import per_unit
    from .tables import Column, Table, setup_sheet, xlsx_formats
    path = Path(path)
    with atomic_path(path) as tmp:
        book = _workbook(tmp)
        f = xlsx_formats(book)
        ws = book.add_worksheet("差异系数表")
        if not rep.in_scope:  # no school in scope: say so instead of empty tables
            ws.write_string(0, 0, rep.scope_text(), f["text"])
            ws.set_column(0, 0, 100)
        else:
            row, first = 0, None
            for n, t in enumerate((rep.basic_table(), rep.quality_table()), start=1):
                row, head = t.to_xlsx(book, ws, row, number=n, formats=f)
                first = head if first is None else first
            setup_sheet(ws, landscape=True)
            sf = _stage_sorted(rep.ev.shortfall).reset_index(drop=True).copy()
            # a row's numbers at its indicator's decimals (values) and its resource's (差额: whole people,
            # rooms and 元; ㎡ to 0.1, as in the ledger)
            whole = sf["unit"].isin(["人", "间", "台", "册", "元"])
            gap_dec = np.where(whole, 0, 1)
            val_dec = sf["indicator"].map(INDICATORS["decimals"]).astype(int).to_numpy()
            dec = pd.DataFrame({"value": val_dec, "standard": val_dec, "shortfall": gap_dec, "shortfall_85": gap_dec})
            sf["per_unit"] = sf["indicator"].map(per_unit)
            detail = Table("学校指标差额", sf, [
                Column("stage", "学段"), Column("school_id", "学校标识码"), Column("school_name", "学校"),
                Column("indicator_name", "指标"), Column("per_unit", "指标单位"),
                Column("value", "实际值", kind="float", decimals=2), Column("standard", "标准值", kind="float", decimals=2),
                Column("resource", "资源"), Column("unit", "差额单位"),
                Column("shortfall", "差额(达到标准)", kind="float", decimals=2),
                Column("shortfall_85", "差额(达到85%)", kind="float", decimals=2)], merge="stage",
                flags=pd.DataFrame({"shortfall": (sf["shortfall"] > 0).to_numpy(),
                                    "shortfall_85": (sf["shortfall_85"] > 0).to_numpy()}), decimals=dec)
            detail.data["indicator_name"] = detail.data["indicator"].map(_label)
            for name, t in (("学校达标情况", rep.compliance_table()), ("学校指标差额", detail),
                            ("各校指标值", rep.appendix_table()), ("整改台账", rep.ledger_table()),
                            ("在校生预测", rep.outlook_table()), ("各校在校生预测", rep.outlook_school_table()),
                            ("数据筛查", rep.findings_table())):
                if not isinstance(t, Table):
                    continue
                ws = book.add_worksheet(name)
                _, head = t.to_xlsx(book, ws, 0, formats=f)
                setup_sheet(ws, landscape=True, header_row=head)
        write_provenance_sheet(book, rep.provenance(), f)
        book.close()
    return path


#: the last sheet of every workbook: the data and calculation choices (the reports' 说明)
PROVENANCE_SHEET = "数据与计算口径"


def write_provenance_sheet(book, blocks, formats) -> None:
    """The report's 说明 (its sentence and the table of files, hash, choices, date and version) as
    the workbook's last sheet."""
    from .reporting import Text
    from .tables import Table, setup_sheet
    ws = book.add_worksheet(PROVENANCE_SHEET)
    row = 0
    for b in blocks:
        if isinstance(b, Table):
            row, head = b.to_xlsx(book, ws, row, formats=formats)
        elif isinstance(b, Text):
            ws.write_string(row, 0, b.text)
            row += 2
    setup_sheet(ws, landscape=False)


def _label(code: str) -> str:
    from .indicators import label
    return label(code)


def _stage_sorted(df: pd.DataFrame) -> pd.DataFrame:
    from .indicators import STAGE_ORDER
    return df.sort_values("stage", key=lambda s: s.map(STAGE_ORDER), kind="stable") if len(df) else df


# ---------------------------------------------------------------------------------------------- docx
def write_county_docx(rep, path: str | Path, today=None, issuer: str | None = None,
                      template: str | Path | None = None) -> Path:
    """The county report as Word (.docx), the main deliverable: the outline's sections
    (:mod:`junheng_lib.outline`) written into the Word template (default: junheng's, GB/T 9704
    layout; see :mod:`junheng_lib.word`) — cover, 表N/图N captions, every chart, tables with
    repeated header rows, the per-school annexes on landscape pages, and the 落款 of ``issuer``
    (default: the county's 教育局)."""
    from .word import write_report_docx
    return write_report_docx(rep, rep.sections(), path, title=rep.title, issuer=issuer or f"{rep.county}教育局",
                             today=today, template=template)


def write_report_docx(report, sections, path: str | Path, **kw) -> Path:
    """Any report with an outline as Word: see :func:`junheng_lib.word.write_report_docx`."""
    from .word import write_report_docx as write
    return write(report, sections, path, **kw)
