"""Reading an .xlsx workbook: its sheets as strings (whole-number floats as Excel shows them, the
_xHHHH_ escapes undone), the cells holding a date (with their number format), and the formula cells
written without a cached result (an error)."""
from __future__ import annotations

import datetime as _dt
import io as _io
import re
import zipfile

import numpy as np
import pandas as pd

from junheng_lib.data.errors import DataError, DataIssue
from junheng_lib.data.sheet import _Sheet

_XLSX_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def _read_xlsx(name: str, data: bytes) -> list[_Sheet]:
    import openpyxl

    def corrupt(e, sheet=None):
        where = f"工作表“{sheet}”已损坏，无法读取" if sheet else "无法作为 Excel(.xlsx) 文件打开，文件可能已损坏或不是表格"
        return DataError([DataIssue(name, f"{where}（{type(e).__name__}）；请在 Excel 中打开并另存为 .xlsx 后再导入"
                                    if sheet else f"{where}（{type(e).__name__}）")])

    seen_date = False

    def cell(v):  # whole-number floats as Excel shows them ("12", not "12.0"); other cells as text
        nonlocal seen_date
        if v is None:
            return ""
        if isinstance(v, float):
            return str(int(v)) if v.is_integer() else repr(v)
        if isinstance(v, str):
            # Excel stores characters XML cannot hold as _xHHHH_ (ECMA-376 §22.9.2.19); openpyxl keeps the escape
            return _XLSX_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), v) if "_x" in v else v
        if isinstance(v, _dt.date):  # a number in a date format (openpyxl gives the date): see _dates
            seen_date = True
        return str(v)

    # openpyxl raises many kinds of exception on a damaged package or sheet (zip, XML, KeyError …): each is
    # a damaged input file, reported in Chinese
    try:
        wb = openpyxl.load_workbook(_io.BytesIO(data), read_only=True, data_only=True)
    except Exception as e:  # noqa: BLE001 - see above
        raise corrupt(e) from None
    sheets = []
    for ws in wb.worksheets:
        try:
            rows = list(ws.iter_rows(values_only=True))
        except Exception as e:  # noqa: BLE001
            raise corrupt(e, ws.title) from None
        grid = pd.DataFrame(rows, dtype=object)
        none = grid.isna() if len(grid) else None
        seen_date = False
        sheet = _Sheet(ws.title, grid.apply(lambda col: col.map(cell)) if len(grid) else grid, uncached=none)
        if seen_date:
            sheet.dates = _dates(grid, wb.epoch)
            sheet.formats = _formats_of(name, data, len(sheets), ws.title)
        sheets.append(sheet)
    wb.close()
    if _has_formulas(data):
        _mark_uncached(data, sheets)
    else:
        for s in sheets:
            s.uncached = None
    return sheets


#: what a number format shows besides literal text: quoted strings, [colour/locale] sections, escaped
#: characters, and the padding codes _x and *x
_FORMAT_LITERALS = re.compile(r'"[^"]*"|\[[^\]]*\]|\\.|_.|\*.')


def _year_only(fmt: str | None) -> bool:
    """Whether a date format shows the year alone ("yyyy", "yyyy年", "[$-804]yyyy\"年\"")."""
    codes = set(re.findall(r"[ymdhsbe]", _FORMAT_LITERALS.sub("", fmt or "").lower()))
    return bool(codes) and codes <= {"y", "e"}


def _dates(grid: pd.DataFrame, epoch) -> dict[tuple[int, int], tuple[_dt.datetime, float | None]]:
    """The date cells of a sheet read in ``grid`` (the values openpyxl gives): by (row, column), the
    date and the number Excel stores (the serial)."""
    from openpyxl.utils.datetime import to_excel

    values = grid.to_numpy(dtype=object)
    is_date = np.frompyfunc(lambda v: isinstance(v, _dt.date), 1, 1)(values).astype(bool)
    out = {}
    for r, c in zip(*np.nonzero(is_date)):
        v = values[r, c]
        try:
            serial = float(to_excel(v, epoch))
        except (TypeError, ValueError, OverflowError):  # pragma: no cover - a date openpyxl itself made
            serial = None
        out[(int(r), int(c))] = (v if isinstance(v, _dt.datetime) else _dt.datetime(v.year, v.month, v.day), serial)
    return out


def _formats_of(name: str, data: bytes, index: int, title: str):
    """The number formats of some cells of sheet ``index``, read from the file again when asked for
    (a second reading of the sheet, which only a few date cells need)."""
    def formats(at: set[tuple[int, int]]) -> dict[tuple[int, int], str]:
        import openpyxl
        want = {r for r, _ in at}
        out = {}
        try:
            wb = openpyxl.load_workbook(_io.BytesIO(data), read_only=True, data_only=True)
            for r, cells in enumerate(wb.worksheets[index].iter_rows()):
                if r in want:
                    out.update({(r, c): x.number_format for c, x in enumerate(cells) if (r, c) in at})
            wb.close()
        except Exception as e:  # noqa: BLE001 - read once already: as in _read_xlsx
            raise DataError([DataIssue(name, f"工作表“{title}”已损坏，无法读取（{type(e).__name__}）；"
                                             "请在 Excel 中打开并另存为 .xlsx 后再导入")]) from None
        return out
    return formats


def _has_formulas(data: bytes) -> bool:
    """Whether any worksheet of the package holds a formula cell (``<f>`` element)."""
    try:
        with zipfile.ZipFile(_io.BytesIO(data)) as z:
            return any(re.search(rb"<(?:\w+:)?f[ >/]", z.read(n)) for n in z.namelist()
                       if n.startswith("xl/worksheets/") and n.endswith(".xml"))
    except (zipfile.BadZipFile, OSError, KeyError, EOFError):  # pragma: no cover - opened fine just before
        return False


def _mark_uncached(data: bytes, sheets: list[_Sheet]) -> None:
    """Keep in ``uncached`` only the cells that hold a formula (no cached value was read for them)."""
    import openpyxl
    try:
        wb = openpyxl.load_workbook(_io.BytesIO(data), read_only=True, data_only=False)
        formulas = [pd.DataFrame(list(ws.iter_rows(values_only=True)), dtype=object) for ws in wb.worksheets]
        wb.close()
    except Exception:  # noqa: BLE001 - read once already; without the formulas, blank cells stay blank
        formulas = [None] * len(sheets)
    for f, s in zip(formulas, sheets):
        if f is None or s.uncached is None or not len(s.grid):
            s.uncached = None
            continue
        f = f.reindex_like(s.grid)
        is_formula = f.apply(lambda col: col.map(lambda v: (isinstance(v, str) and v.startswith("="))
                                                 or type(v).__name__ in ("ArrayFormula", "DataTableFormula")))
        mask = s.uncached & is_formula.fillna(False).astype(bool)
        s.uncached = mask if mask.to_numpy().any() else None



def _uncached_error(name: str, sheet: _Sheet, header_idx: int) -> None:
    """Formula cells without a cached result (files written by programs, never opened in Excel):
    their values are unknown, so nothing else of the sheet can be judged."""
    from openpyxl.utils import get_column_letter
    m = sheet.uncached.iloc[header_idx:].to_numpy()
    if not m.any():
        return
    r, c = np.nonzero(m)
    r = r + header_idx + 1
    shown = "、".join(f"{get_column_letter(int(cc) + 1)}{int(rr)}" for rr, cc in list(zip(r, c))[:5])
    rows = f"第{int(r.min())}行" if r.min() == r.max() else f"第{int(r.min())}–{int(r.max())}行"
    raise DataError([DataIssue(name, f"有{int(m.sum())}个单元格含公式但没有计算结果（{shown}{'等' if m.sum() > 5 else ''}，"
                                     f"{rows}）：请用 Excel 打开并保存后再导入")])
