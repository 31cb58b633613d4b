"""Excel: the tables of ``evaluate`` and ``check``, and a report's workbook, written atomically.

:func:`write_tables` writes named DataFrames (a sheet each, or a CSV folder); :func:`write_findings`
the screening findings; :func:`write_workbook` a report's sheets of table models
(:class:`~junheng_lib.render.table.Table`, through :func:`write_table`: true numbers with number
formats, units in the headers, merged 学段, flagged cells filled, A4 print setup).

Text is always written as text: a school or county named ``=1+1`` or ``=HYPERLINK(...)`` is a name in
every workbook (no formula, link or number is guessed from a string), and in the CSV folder meant
for Excel a text cell starting with ``= + - @``, a tab or a carriage return gets a leading apostrophe
(the OWASP rule against formula injection). A table longer than an Excel sheet continues on further
sheets (``名称(2)``, ``名称(3)`` …), each with the header.
"""
from __future__ import annotations

import math
import numbers
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import xlsxwriter

from junheng_lib.analysis.screening import FINDING_COLUMNS, counts, display
from junheng_lib.render.blocks import Text
from junheng_lib.render.table import Table, is_missing, text_width
from junheng_lib.rules.codes import Severity, Status, word, words
from junheng_lib.util.fileio import atomic_dir, atomic_path

__all__ = ["write_tables", "write_findings", "write_workbook", "write_table", "Sheet", "xlsx_layout", "xlsx_formats",
           "setup_sheet", "excel_safe", "XLSX_MAX_ROWS", "XLSX_TEXT_WIDTH", "PROVENANCE_SHEET"]

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


def _code_words(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with its code columns (``status``, ``severity``) as the codes' words."""
    cols = [c for c in ("status", "severity") if c in df.columns]
    if not cols or df.empty:
        return df
    return df.assign(**{c: words(df[c]) for c in cols})


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
                failed = Status.FAIL.word
                crit = failed if col in ("status", "结论") else ("TRUE" if col == "over" else "FALSE")
                ws.conditional_format(1, j, hi - lo, j, {"type": "cell", "criteria": "==",
                                                         "value": f'"{crit}"' if crit == failed else crit,
                                                         "format": fail})
    return names


def write_tables(tables: dict[str, pd.DataFrame], out: str | Path, titles: dict[str, str] | None = None,
                 notify=None) -> list[Path]:
    """Write named tables: one .xlsx (a sheet each, named by ``titles``) when ``out`` ends in .xlsx,
    otherwise a folder with ``<name>.csv`` files (UTF-8 with BOM, for Excel users; text cells that
    Excel would take for formulas are neutralized, see :func:`excel_safe`). Either is written
    atomically: all of it or, on failure, nothing.

    Status and severity codes (columns ``status``, ``severity``) are written as their words
    (:mod:`junheng_lib.rules.codes`). In the workbook, cells reading 未达标/False in
    ``passed``/``status`` columns are highlighted; a
    table longer than :data:`XLSX_MAX_ROWS` continues on sheets ``名称(2)`` …, and ``notify`` (a
    callable taking a message) is told so.
    """
    out = Path(out)
    titles = titles or {}
    tables = {name: _code_words(df) for name, df in tables.items()}
    if out.suffix.lower() == ".xlsx":
        # constant memory: rows go to disk as they are written (national tables have millions), into
        # working files of a private folder that is removed whatever happens
        with atomic_path(out) as tmp, tempfile.TemporaryDirectory(prefix=".xlsx-", dir=tmp.parent) as work:
            book = _workbook(tmp, constant_memory=True, tmpdir=work)
            try:
                fail = book.add_format(_FAIL)
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
_SEVERITY_FILL = {Severity.ERROR: {"bg_color": "#F8CBAD", "font_color": "#9C0006"},
                  Severity.WARNING: {"bg_color": "#FFEB9C", "font_color": "#9C5700"}}


def _findings_csv(findings: pd.DataFrame) -> pd.DataFrame:
    """The findings as the CSV for Excel shows them: :func:`excel_safe` on the text as found (before
    :func:`~junheng_lib.analysis.screening.display` writes the numbers as text, so that a number
    is never taken for a formula), then the display."""
    return display(excel_safe(findings[FINDING_COLUMNS]))[FINDING_COLUMNS]


def write_findings(findings: pd.DataFrame, out: str | Path) -> Path:
    """Write screening findings (:func:`junheng_lib.analysis.screening.screen`) atomically.

    ``.xlsx``: a formatted workbook — sheet 数据筛查 (Chinese headers, severity coloured, filter,
    frozen header; every text cell written as a string, never a formula) and sheet 汇总 (counts by
    severity and rule). Otherwise CSV in UTF-8 with BOM (for Excel), columns
    :data:`~junheng_lib.analysis.screening.FINDING_COLUMNS`, its text cells that Excel would take
    for formulas neutralized as in the CSV folder of :func:`write_tables` (:func:`excel_safe`; the
    numbers of ``value``/``previous`` are numbers, never prefixed).
    """
    out = Path(out)
    if out.suffix.lower() != ".xlsx":
        with atomic_path(out) as tmp:
            _findings_csv(findings).to_csv(tmp, index=False, encoding="utf-8-sig", lineterminator="\n")
        return out
    with atomic_path(out) as tmp:
        book = _workbook(tmp)
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
                    ws.write_string(i, j, str(word(v)) if c == "severity" else str(v),
                                    sev_fmt.get(v, top) if c == "severity" else (wrap if c == "message" else top))
        for j, w in enumerate((7, 10, 13, 24, 22, 18, 8, 12, 12, 90)):
            ws.set_column(j, j, w)
        ws.freeze_panes(1, 0)
        ws.autofilter(0, 0, max(len(f), 1), len(FINDING_COLUMNS) - 1)
        ws2 = book.add_worksheet("汇总")
        c = counts(findings)
        ws2.write_row(0, 0, ["严重程度", "规则", "规则说明", "条数"], head)
        for i, r in enumerate(c.itertuples(index=False), start=1):
            ws2.write_string(i, 0, word(r.severity), sev_fmt.get(r.severity, top))
            ws2.write_string(i, 1, r.rule)
            ws2.write_string(i, 2, r.label)
            ws2.write_number(i, 3, int(r.count))
        ws2.write_string(len(c) + 1, 2, "合计", head)
        ws2.write_number(len(c) + 1, 3, len(findings), head)
        ws2.set_column(0, 1, 16)
        ws2.set_column(2, 2, 40)
        book.close()
    return out


# ---------------------------------------------------------------------------------------------- table models
_FAIL = {"bg_color": "#F8CBAD", "font_color": "#9C0006"}
#: Excel: the width (character units) long texts wrap within; points per line of text and padding
XLSX_TEXT_WIDTH = 50
_XLSX_LINE = 15.5
_XLSX_PAD = 4
_CJK_UNITS = 2.0       # a CJK character in Excel character units (WPS and Excel on Chinese Windows: ≈ 2; LibreOffice ≈ 1.6)


def _lines(text: str, width: float) -> int:
    """Lines a text takes in a column of ``width`` character units, wrapped as LibreOffice does for
    CJK text (at any character; a Latin or digit run is kept whole when it fits on a line)."""
    avail = max(width - 1, 1)
    lines, used = 1, 0.0
    for token in re.findall(r"[A-Za-z0-9.,%+\-]+|.", str(text)):
        w = sum(_CJK_UNITS if ord(ch) > 0x2E7F else 1 for ch in token)
        if used + w > avail and used > 0:
            lines, used = lines + 1, 0.0
        used += w
        while used > avail:        # a token longer than the line
            lines, used = lines + 1, used - avail
    return lines


def xlsx_layout(table: Table) -> tuple[list[float], int, list[int], list[bool]]:
    """Excel layout: column widths (character units), the header row's lines, each data row's
    lines and which columns wrap their text.

    A column is as wide as its widest cell; a header wider than its column's data wraps over up
    to two lines rather than widening the column (a fit-to-width page prints larger); long texts
    (names, problems) wrap within :data:`XLSX_TEXT_WIDTH`. Row heights follow the lines, so a
    wrapped header or text never runs over the row below (LibreOffice and WPS do not grow rows
    by themselves).

    >>> from junheng_lib.render.table import Column
    >>> t = Table("", pd.DataFrame({"n": [25.0], "s": ["短"]}), [Column("n", "差异系数达标另需", "人", "int"),
    ...                                                            Column("s", "说明")])
    >>> w, head, rows, wrap = xlsx_layout(t)
    >>> w, head, rows, wrap
    ([12, 6], 2, [1], [False, False])
    """
    rows = table.text_rows()
    heads = table.headers
    widths, wrap = [], []
    for j, c in enumerate(table.columns):
        data = max([text_width(r[j]) for r in rows] + [c.room])
        long = not c.numeric and c.key != table.merge and data > XLSX_TEXT_WIDTH
        body = XLSX_TEXT_WIDTH if long else data
        head = text_width(heads[j])
        w = max(body, math.ceil(head / 2) if head > body else head, 4) + 2
        widths.append(min(w, 60))
        wrap.append(long)
    head_lines = max([_lines(h, w) for h, w in zip(heads, widths)] or [1])
    row_lines = [max([_lines(r[j], widths[j]) for j in range(len(r)) if wrap[j]] or [1]) for r in rows]
    return widths, head_lines, row_lines, wrap


def write_table(book, ws, table: Table, row: int = 0, *, number: int | None = None, formats: dict | None = None
                ) -> tuple[int, int]:
    """Write the table into an xlsxwriter worksheet from ``row``; returns (next free row, header row).

    Numbers are written as numbers with the column's number format; text always as text
    (never a formula); flagged cells filled; the merge column merged.
    """
    f = formats if formats is not None else xlsx_formats(book)
    cap = f"表{number}　{table.title}" if number else table.title
    ws.write_string(row, 0, cap, f["title"])
    row += 1
    head_row = row
    for j, h in enumerate(table.headers):
        ws.write_string(row, j, h, f["head"])
    widths, head_lines, row_lines, wrap = xlsx_layout(table)
    ws.set_row(row, _XLSX_LINE * head_lines + _XLSX_PAD)
    row += 1
    spans = table.spans()
    merge = len(table.data) <= 40   # long sheets keep 学段 on every row (sorting and filtering work)
    for i in range(len(table.data)):
        if row_lines[i] > 1:
            ws.set_row(row, _XLSX_LINE * row_lines[i] + _XLSX_PAD)
        for j, c in enumerate(table.columns):
            v = table.values(c.key)[i]
            bad = table.flagged(i, c.key)
            if c.key == table.merge and merge:
                if spans[i] == 0:
                    continue
                txt = c.text(v)
                if spans[i] > 1:
                    ws.merge_range(row, j, row + spans[i] - 1, j, txt, f["group"])
                else:
                    ws.write_string(row, j, txt, f["group"])
                continue
            if c.numeric and not is_missing(v):
                key = (c.excel_format(table.cell_decimals(i, c.key)), bad)
                if key not in f["num"]:
                    f["num"][key] = book.add_format({"num_format": key[0], "border": 1, "valign": "vcenter",
                                                     **(_FAIL if bad else {})})
                ws.write_number(row, j, float(v), f["num"][key])
            else:
                style = f["fail"] if bad else (f["missing"] if c.numeric else f["wrap" if wrap[j] else "text"])
                ws.write_string(row, j, c.text(v), style)
        row += 1
    # a sheet holding several tables keeps each column as wide as the widest of them needs
    seen = getattr(ws, "_jh_widths", {})
    for j, w in enumerate(widths):
        seen[j] = max(w, seen.get(j, 0))
        ws.set_column(j, j, seen[j])
    ws._jh_widths = seen
    if table.note:
        ws.write_string(row, 0, table.note, f["note"])
        row += 1
    return row + 1, head_row



def xlsx_formats(book) -> dict:
    """The cell formats every workbook of junheng shares (created once per workbook)."""
    base = {"border": 1, "valign": "vcenter"}
    return {
        "title": book.add_format({"bold": True, "font_size": 12}),
        "head": book.add_format({**base, "bold": True, "bg_color": "#DDEBF7", "text_wrap": True, "align": "center"}),
        "group": book.add_format({**base, "bold": True, "align": "center"}),
        "text": book.add_format(base),
        "wrap": book.add_format({**base, "text_wrap": True}),
        "missing": book.add_format({**base, "align": "right"}),
        "fail": book.add_format({**base, **_FAIL}),
        "note": book.add_format({"italic": True, "font_color": "#595959"}),
        "wrap_top": book.add_format({"text_wrap": True, "valign": "top"}),
        "num": {},
    }


def setup_sheet(ws, *, landscape: bool = True, header_row: int | None = None) -> None:
    """A4 print setup: orientation, fit to the page width, repeated header row, frozen header."""
    ws.set_paper(9)
    if landscape:
        ws.set_landscape()
    else:
        ws.set_portrait()
    ws.fit_to_pages(1, 0)
    ws.center_horizontally()
    ws.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.6)
    if header_row is not None:
        ws.repeat_rows(header_row)
        ws.freeze_panes(header_row + 1, 0)


# ---------------------------------------------------------------------------------------------- report workbooks
#: the last sheet of every report workbook: the data and calculation choices (the reports' 说明)
PROVENANCE_SHEET = "数据与计算口径"


@dataclass(frozen=True)
class Sheet:
    """One worksheet of a report's workbook: its blocks (tables and paragraphs) in order.

    ``numbered`` captions the tables 表1, 表2 …; a sheet holding one table repeats and freezes its
    header row; a sheet of paragraphs only is one wide wrapped column."""

    name: str
    blocks: list = field(default_factory=list)
    numbered: bool = False
    landscape: bool = True


def write_workbook(path: str | Path, sheets: list[Sheet]) -> Path:
    """A report's workbook, atomically (all of the file or nothing): each :class:`Sheet` in order,
    its tables through :func:`write_table` and its paragraphs as text (a heading in bold)."""
    path = Path(path)
    with atomic_path(path) as tmp:
        book = _workbook(tmp)
        f = xlsx_formats(book)
        for sheet in sheets:
            ws = book.add_worksheet(sheet.name)
            tables = [b for b in sheet.blocks if isinstance(b, Table)]
            row, head, n = 0, None, 0
            for b in sheet.blocks:
                if isinstance(b, Table):
                    n += 1
                    row, head = write_table(book, ws, b, row, number=n if sheet.numbered else None, formats=f)
                elif isinstance(b, Text):
                    style = f["title"] if b.heading else (f["wrap_top"] if not tables else None)
                    if style is None:
                        ws.write_string(row, 0, b.text)
                    else:
                        ws.write_string(row, 0, b.text, style)
                    row += 2 if b.heading or tables else 1
            if not tables:
                ws.set_column(0, 0, 120)
            setup_sheet(ws, landscape=sheet.landscape, header_row=head if len(tables) == 1 else None)
        book.close()
    return path
