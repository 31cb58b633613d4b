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

import pandas as pd

from .fileio import atomic_dir, atomic_path

__all__ = ["write_tables", "write_county_xlsx", "write_county_docx", "excel_safe", "atomic_path",
           "XLSX_MAX_ROWS"]

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
    """The tables a bureau submits, one workbook: 差异系数表 (published layout), 学校达标情况 and
    学校指标差额, with failing cells highlighted (CVs over their limit, values below standard,
    non-zero shortfalls)."""
    from .indicators import QUALITY, codes, standard_value
    path = Path(path)
    with atomic_path(path) as tmp:
        book = _workbook(tmp)
        bad = book.add_format(_FAIL_FILL)
        head = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True,
                                "valign": "vcenter"})
        # 1. 差异系数表: basic, quality (published layout)
        ws = book.add_worksheet("差异系数表")
        row = 0
        for title, table, std in (("基本均衡", rep.basic_table(), "basic"), ("优质均衡", rep.quality_table(), QUALITY)):
            ws.write_string(row, 0, f"{rep.county}{rep.year}学年{title}差异系数表", book.add_format({"bold": True}))
            row += 1
            if table.empty:  # no school in scope: say so instead of an empty table
                ws.write_string(row, 0, rep.scope_text())
                row += 2
                continue
            ws.write_row(row, 0, ["学段", "项目", *table.columns], head)
            row += 1
            coef = rep.coef.set_index(["stage", "indicator"])
            for (stage, item), vals in table.iterrows():
                ws.write(row, 0, stage)
                ws.write(row, 1, item)
                for j, (col, v) in enumerate(zip(table.columns, vals)):
                    code = "composite" if col == "综合差异系数" else col.split(" ")[0]
                    fmt = None
                    if item == "差异系数" and (stage, code) in coef.index:
                        fmt = bad if coef.loc[(stage, code), "passed"] is False else None
                    ws.write(row, 2 + j, v, fmt)
                row += 1
            row += 1
        ws.set_column(0, 1, 12)
        ws.set_column(2, 12, 16)
        # 2. 学校达标情况: Y values below standard highlighted
        comp = rep.comp
        ws = book.add_worksheet("学校达标情况")
        cols = ["学段", "学校标识码", "学校名称", *codes(QUALITY), "达标项数", "未达标指标", "结论"]
        ws.write_row(0, 0, cols, head)
        for i, r in enumerate(comp.itertuples(index=False), start=1):
            ws.write_row(i, 0, [r.stage, r.school_id, r.school_name])
            for j, code in enumerate(codes(QUALITY)):
                v = float(getattr(r, code))
                ws.write_number(i, 3 + j, round(v, 4), bad if v < standard_value(code, r.stage) else None)
            ws.write_number(i, 10, int(r.met))
            ws.write(i, 11, r.unmet or "—")
            ws.write(i, 12, "达标" if r.passed else "未达标", None if r.passed else bad)
        ws.set_column(0, 1, 12)
        ws.set_column(2, 2, 24)
        ws.freeze_panes(1, 3)
        # 3. 学校指标差额
        sf = rep.tables["shortfall"]
        ws = book.add_worksheet("学校指标差额")
        cols = ["学段", "学校标识码", "学校名称", "指标", "资源", "单位", "实际值", "标准值", "差额(达到标准)", "差额(达到85%)"]
        ws.write_row(0, 0, cols, head)
        for i, r in enumerate(sf.itertuples(index=False), start=1):
            ws.write_row(i, 0, [r.stage, r.school_id, r.school_name, r.indicator, r.resource, r.unit])
            ws.write_number(i, 6, round(float(r.value), 4))
            ws.write_number(i, 7, float(r.standard))
            ws.write_number(i, 8, round(float(r.shortfall), 2), bad if r.shortfall > 0 else None)
            ws.write_number(i, 9, round(float(r.shortfall_85), 2), bad if r.shortfall_85 > 0 else None)
        ws.set_column(0, 1, 12)
        ws.set_column(2, 2, 24)
        ws.set_column(3, 9, 14)
        ws.freeze_panes(1, 3)
        book.close()
    return path


# ---------------------------------------------------------------------------------------------- docx
_BODY_FONT, _HEAD_FONT, _LATIN = "宋体", "黑体", "Times New Roman"


def _set_fonts(rpr, east_asia: str) -> None:
    """Latin and East Asian fonts on a run's or style's ``w:rPr`` (python-docx sets only the Latin one)."""
    from docx.oxml.ns import qn
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(rfonts)
    rfonts.set(qn("w:eastAsia"), east_asia)
    rfonts.set(qn("w:ascii"), _LATIN)
    rfonts.set(qn("w:hAnsi"), _LATIN)


def _east_asian(run, font: str) -> None:
    run.font.name = _LATIN
    _set_fonts(run._element.get_or_add_rPr(), font)


def _style_fonts(doc) -> None:
    from docx.shared import Pt
    for name, font in (("Normal", _BODY_FONT), ("Title", _HEAD_FONT), ("Heading 1", _HEAD_FONT),
                       ("Heading 2", _HEAD_FONT), ("Table Grid", _BODY_FONT)):
        try:
            st = doc.styles[name]
        except KeyError:
            continue
        st.font.name = _LATIN
        _set_fonts(st.element.get_or_add_rPr(), font)
    doc.styles["Normal"].font.size = Pt(11)


def _para(doc, text: str, font: str = _BODY_FONT, style: str | None = None, bold: bool = False):
    p = doc.add_paragraph(style=style)
    run = p.add_run(text)
    run.bold = bold
    _east_asian(run, font)
    return p


def _heading(doc, text: str, level: int):
    h = doc.add_heading(level=level)
    run = h.add_run(text)
    _east_asian(run, _HEAD_FONT)
    return h


def _table(doc, df: pd.DataFrame, max_rows: int = 200):
    from docx.shared import Pt
    if df is None or df.empty:
        _para(doc, "（无）")
        return None
    d = df if isinstance(df.index, pd.RangeIndex) else df.reset_index()
    d = d.head(max_rows)
    t = doc.add_table(rows=1, cols=len(d.columns))
    t.style = "Table Grid"
    for j, c in enumerate(d.columns):
        cell = t.rows[0].cells[j]
        run = cell.paragraphs[0].add_run(str(c))
        run.bold = True
        run.font.size = Pt(8)
        _east_asian(run, _HEAD_FONT)
    for r in d.itertuples(index=False):
        cells = t.add_row().cells
        for j, v in enumerate(r):
            run = cells[j].paragraphs[0].add_run("" if v is None or (isinstance(v, float) and v != v) else str(v))
            run.font.size = Pt(8)
            _east_asian(run, _BODY_FONT)
    # column widths in proportion to their longest text (long item names get room), 16 cm in all
    from docx.shared import Cm
    lengths = [min(max([len(str(c)), 4] + [len(str(v)) for v in d[c]]), 40) + 2 for c in d.columns]
    t.autofit = False
    for j, n in enumerate(lengths):
        width = Cm(16.0 * n / sum(lengths))
        t.columns[j].width = width          # the grid (LibreOffice, WPS)
        for cell in t.columns[j].cells:     # and each cell (Word)
            cell.width = width
    return t


def _figure(doc, fig, width_cm: float = 16.0) -> None:
    import io as _io

    import matplotlib.pyplot as plt
    from docx.shared import Cm
    buf = _io.BytesIO()
    fig.savefig(buf, format="png", dpi=150, bbox_inches="tight")
    plt.close(fig)
    buf.seek(0)
    doc.add_picture(buf, width=Cm(width_cm))


def write_county_docx(rep, path: str | Path, today=None) -> Path:
    """The narrative county report as Word (.docx): sections of reports.md with their paragraphs,
    key tables and charts. Chinese runs carry an East Asian font (宋体 body, 黑体 headings) on
    the styles and on every run, the Latin font being Times New Roman."""
    from docx import Document

    from . import narrative as nv
    from . import plots
    doc = Document()
    _style_fonts(doc)
    _heading(doc, rep.title, 0)
    for line in rep.header_lines(today):
        _para(doc, line)
    for line in rep.notices():
        _para(doc, line, bold=True)
    t = rep.tables
    _heading(doc, "一、基本情况", 1)
    _para(doc, nv.overview_text(rep.county, rep.year, rep.overview(), rep.school_mix()))
    _table(doc, rep.overview())
    if not rep.in_scope:  # a short report: who is out of scope and why, nothing to evaluate
        _para(doc, "不参与差异系数计算的学校：")
        _table(doc, rep.scope_notes())
        with atomic_path(path) as tmp:
            doc.save(str(tmp))
        return Path(path)
    _heading(doc, "二、基本均衡", 1)
    _para(doc, nv.basic_summary(t["basic"]) + nv.basic_detail(t["basic"], rep.contributions()))
    _table(doc, rep.basic_table())
    _figure(doc, plots.cv_chart(rep.coef, title=f"{rep.county}{rep.year}学年差异系数与标准"))
    _heading(doc, "三、优质均衡", 1)
    _para(doc, nv.quality_summary(t["quality"], t["compliance"]))
    _table(doc, rep.quality_table())
    _para(doc, nv.shortfall_text(t["shortfall_totals"]))
    _table(doc, rep.shortfall_table())
    _heading(doc, "四、规模与班额", 1)
    _para(doc, nv.size_text(t["class_bands"], t["class_shortfall"], t["school_size"]))
    bands, _, _ = rep.size_tables()
    _table(doc, bands)
    _heading(doc, "五、师资配置", 1)
    from .evaluate import staffing
    _para(doc, nv.staffing_text(staffing(rep.data.schools, rep.options, year=rep.year, county=rep.county)))
    _table(doc, rep.staffing_table())
    _heading(doc, "六、城乡差距", 1)
    _para(doc, nv.gap_text(t["gap"]))
    _table(doc, rep.gap_table())
    _heading(doc, "七、政府保障程度、教育质量、社会认可度与经费“三个增长”", 1)
    _para(doc, nv.items_text(t["county_items"]) + nv.growth_text(t["three_growths"]))
    _table(doc, rep.items_table())
    _heading(doc, "八、趋势与预警", 1)
    _para(doc, nv.trend_text(t["trend"], rep.year))
    _table(doc, rep.trend_table())
    _heading(doc, "九、存在问题与下一步建议", 1)
    probs = nv.problems(t, rep.county)
    if probs.empty:
        _para(doc, "未发现需要整改的问题。")
    for k, r in enumerate(probs.itertuples(), start=1):
        _para(doc, f"（{k}）{r.problem}", bold=True)
        _para(doc, f"建议：{r.suggestion}")
    with atomic_path(path) as tmp:
        doc.save(str(tmp))
    return Path(path)
