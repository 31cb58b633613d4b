"""Reading a table: :func:`read_table` over a CSV (typed by pandas' C parser, or cell by cell) or a
workbook's sheets, building the raw frame of trimmed cells with its reading metadata."""
from __future__ import annotations

import io as _io
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from junheng_lib.data.cells import _date_needs_format, _date_year
from junheng_lib.data.csv import _Csv, _csv_sheet, _csv_source, _has_spaces, _parse_csv
from junheng_lib.data.errors import DataError, DataIssue
from junheng_lib.data.errors import visible as _visible
from junheng_lib.data.headers import _columns, _find_table, _header_map, _norm
from junheng_lib.data.rows import (
    _SKIP_RE,
    _control_issues,
    _raw_label,
    _skip_like,
    _width_issues,
)
from junheng_lib.data.schema import Column
from junheng_lib.data.sheet import ROW, _read_bytes, _Sheet, _strip
from junheng_lib.data.xlsx import _read_xlsx, _uncached_error, _year_only

#: rows of a sheet searched for the header (one more is read for a two-row header)
_HEADER_SEARCH = 20
#: read a CSV with typed columns (see :func:`_read_csv_typed`); False reads every cell as a string
_TYPED = True


def read_table(path, schema: tuple[Column, ...]) -> tuple[pd.DataFrame, list[DataIssue], list[str]]:
    """Read a file into a frame with English column names.

    Returns the frame (with the private column :data:`ROW`: the spreadsheet row number), structural
    issues (missing or doubled columns) and notices (skipped summary rows, the sheets read). The header
    row is the first of the first 20 rows in which at least three cells are known headers (title rows
    above it are skipped); in a workbook, the sheet whose header names the most required columns, with
    every other sheet of the same table (:func:`_read_sheets`).
    Row-level problems found while reading (a CSV row with the wrong number of fields, control
    characters) are in ``df.attrs["row_issues"]`` and reported by :func:`validate` with the others.

    Cells are strings, trimmed; in a CSV, a numeric column whose every cell pandas' C parser reads
    as a finite number (or blank) comes as float64 instead, and ``df.attrs["text"](column)`` gives
    its cells as written (for messages).
    """
    path = Path(path)
    name = str(path)
    data = _read_bytes(path)
    suffix = path.suffix.lower()
    if suffix == ".xls" or data.startswith(b"\xd0\xcf\x11\xe0"):
        raise DataError([DataIssue(name, "不支持旧版 .xls 格式，请在 Excel 中另存为 .xlsx 或 CSV(UTF-8)")])
    hmap = _header_map(schema)
    if suffix in (".xlsx", ".xlsm") or data[:2] == b"PK":
        return _read_sheets(path, _read_xlsx(name, data), schema, hmap)
    src = _csv_source(name, data, checked=not _TYPED) or _csv_source(name, data)
    if _TYPED:
        try:
            typed = _read_csv_typed(src, schema, hmap)
        except UnicodeDecodeError:  # not UTF-8 after all (src was not checked): GB18030, or an error
            src = _csv_source(name, data)
            typed = _read_csv_typed(src, schema, hmap)
        if typed is not None:
            return typed
    if not src.checked:
        src = _csv_source(name, data)
    return _read_sheets(path, [_csv_sheet(src)], schema, hmap)


def _frame(name: str, schema, cells: dict, rows: np.ndarray, cols: dict, header_idx: int, row_issues: list,
           reported: set, issues: list[DataIssue], others: list[str] | None = None, text=None, where=None,
           more: tuple = ()) -> pd.DataFrame:
    """The read table: ``cells`` {column: array (object strings or float64 numbers)} of the rows kept,
    their spreadsheet row numbers, and the reading metadata in ``attrs``; adds the structural issues
    (no data row, missing columns) to ``issues``. Several sheets read together: ``where`` (their
    names as messages cite them, the sheet of each row), ``more`` the other sheets' (name, header row)."""
    df = pd.DataFrame({k: pd.Series(v, dtype=v.dtype if v.dtype.kind == "f" else object, copy=False)
                       for k, v in cells.items()})
    df.insert(0, ROW, rows.astype(np.int64))
    df.attrs["name"] = name  # the file (and sheet, when the workbook has several) as messages cite it
    df.attrs["factors"] = {target: f for target, (_, f, _) in cols.items()}
    df.attrs["headers"] = {t: h for t, (_, _, h) in cols.items()}
    df.attrs["row_issues"] = row_issues
    df.attrs["reported"] = reported
    df.attrs["trimmed"] = True  # every string cell
    if text is not None:
        df.attrs["text"] = text
    if where is not None:
        df.attrs["where"] = where
    if df.empty and not row_issues:
        issues.append(DataIssue(name, "文件只有表头，没有数据行", row=header_idx + 1))
    missing = [c for c in schema if c.required and c.name not in cols]
    for at, idx in ((name, header_idx), *more):
        for c in missing:
            issues.append(DataIssue(at, f"缺少必需的列“{c.zh}”（{c.name}）", row=idx + 1, column=c.zh))
    if missing and others:
        issues.append(DataIssue(name, f"其他工作表（{'、'.join(f'“{s}”' for s in others)}）中也没有包含全部必需列的明细表"))
    return df


def _key(schema: tuple[Column, ...]) -> tuple[str, ...]:
    """The columns naming a row's school (or county) and year: what a detail sheet has, and what two
    sheets read together must agree on."""
    names = {c.name for c in schema}
    ident = next((n for n in ("school_id", "county") if n in names), None)
    return ("year", ident) if ident and "year" in names else ()


@dataclass
class _Part:
    """One detail sheet read (see :func:`_read_body`)."""

    name: str            # the file and sheet, as messages cite them
    sheet: str           # the sheet's name
    header_idx: int
    cols: dict
    extra: dict
    issues: list
    data: dict           # column → cells of the rows kept
    rows: np.ndarray     # their spreadsheet row numbers
    row_issues: list
    reported: set
    notices: list


def _read_sheets(path: Path, sheets: list[_Sheet], schema: tuple[Column, ...], hmap: dict):
    """:func:`read_table` over sheets of strings (workbooks, and CSV files read cell by cell).

    Every sheet holding the detail table (the header naming the most required columns, and each
    other sheet whose header has the row's school and year) is read: several such sheets (one per
    year, a county's sheet before the whole city's) are one table when their headers are the same
    (the same column names, in any order) — combined, with a notice; a row found on two sheets (the
    same school and year) is read once when the two are identical and an error otherwise. Headers
    that differ are refused (:class:`DataError` naming the sheets). Other sheets (a summary sheet)
    are passed over, with a notice."""
    name = str(path)
    found = _find_table(sheets, schema, hmap)
    if found is None:
        if not any(len(s.grid) and s.grid.apply(lambda col: col.astype(str).str.strip().ne("")).to_numpy().any()
                   for s in sheets):
            raise DataError([DataIssue(name, "文件为空，没有任何数据")])
        raise DataError([DataIssue(name, "找不到表头：前20行中没有可识别的列名（如“学校标识码”“学校名称”或 school_id）；"
                                         "该文件可能不是所需的表格")])
    k, _, _, _, cands = found
    key = _key(schema)
    best = next(c for c in cands if c[2] == k)
    has_key = not (set(key) & best[6])
    # (sheet index, header row, header cells, header rows) of the detail sheets, in sheet order
    details = sorted((c[2], c[3], c[4], c[5]) for c in cands
                     if c[2] == k or (has_key and key and not (set(key) & c[6])))
    detail_ks = {d[0] for d in details}
    several = sum(len(s.grid) > 0 for s in sheets) > 1
    notices: list[str] = []
    if several:
        zh = {c.name: c.zh for c in schema}
        read = "、".join(f"“{sheets[d[0]].name}”" for d in details)
        for c in sorted(cands, key=lambda c: c[2]):
            if c[2] not in detail_ks:
                lacks = "、".join(f"“{zh[m]}”" for m in sorted(c[6], key=list(zh).index)[:3])
                notices.append(f"{path}：工作表“{sheets[c[2]].name}”不是明细表（没有{lacks}等列），已读取工作表{read}")
    names = [f"{name}[{sheets[d[0]].name}]" if several else name for d in details]
    if len(details) > 1:
        _same_headers(sheets, details, names, k, schema, key)
    uncached: list[DataIssue] = []
    for (j, header_idx, _, _), at in zip(details, names):
        if sheets[j].uncached is not None:
            try:
                _uncached_error(at, sheets[j], header_idx)
            except DataError as e:
                uncached += e.issues
    if uncached:
        raise DataError(uncached)
    parts = [_read_body(at, sheets[j], header_idx, header, header_rows, schema, hmap)
             for (j, header_idx, header, header_rows), at in zip(details, names)]
    others = [s.name for i, s in enumerate(sheets) if i not in detail_ks] if len(sheets) > 1 else None
    issues = [i for p in parts for i in p.issues]
    first = parts[0]
    if len(parts) == 1:
        df = _frame(first.name, schema, first.data, first.rows, first.cols, first.header_idx, first.row_issues,
                    first.reported, issues, others)
        return df, issues, notices + first.notices
    data, rows, at, merged_notices = _combine(path, parts, key, issues)
    counts = "、".join(f"“{p.sheet}”{len(p.rows)}行" for p in parts)
    notices.append(f"{path}：工作表{'、'.join(f'“{p.sheet}”' for p in parts)}的表头相同，是同一张明细表，"
                   f"已合并读取（{counts}）")
    notices += [f"{path}：工作表“{p.sheet}”的表头与其他明细表相同，但没有数据行" for p in parts
                if not len(p.rows) and not p.row_issues]
    notices += merged_notices
    notices += [n for p in parts for n in p.notices]
    reported = {(i, r, c) for i, p in enumerate(parts) for r, c in p.reported}
    row_issues = [t for p in parts for t in p.row_issues]
    df = _frame(first.name, schema, data, rows, first.cols, first.header_idx, row_issues, reported, issues, others,
                where=([p.name for p in parts], at), more=tuple((p.name, p.header_idx) for p in parts[1:]))
    df.attrs["name"] = name
    return df, issues, notices


def _same_headers(sheets: list[_Sheet], details: list, names: list[str], k: int, schema, key) -> None:
    """Refuse detail sheets whose headers differ from the main one's (sheet ``k``): their columns
    cannot be put together unambiguously (a column on one sheet only, another unit)."""
    def sig(header) -> tuple[Counter, dict]:
        cells = [str(h).strip() for h in header if str(h).strip()]
        shown: dict[str, str] = {}
        for h in cells:
            shown.setdefault(_norm(h), h)
        return Counter(_norm(h) for h in cells), shown

    def listed(c: Counter, shown: dict) -> str:
        names_ = list(dict.fromkeys(c.elements()))
        text = "、".join(f"“{shown[n]}”" for n in names_[:5])
        return text + (f"等{len(names_)}列" if len(names_) > 5 else "列")

    zh = {c.name: c.zh for c in schema}
    keys = "".join(f"“{zh[c]}”" for c in key)
    ref = next(d for d in details if d[0] == k)
    ref_sig, ref_shown = sig(ref[2])
    ref_name = sheets[k].name
    issues = []
    for (j, header_idx, header, _), at in zip(details, names):
        if j == k:
            continue
        s, shown = sig(header)
        if s == ref_sig:
            continue
        diff = []
        if ref_sig - s:
            diff.append(f"本工作表没有{listed(ref_sig - s, ref_shown)}")
        if s - ref_sig:
            diff.append(f"工作表“{ref_name}”没有{listed(s - ref_sig, shown)}")
        issues.append(DataIssue(at, f"与工作表“{ref_name}”都是明细表（都有{keys}列），但表头不同（{'；'.join(diff)}）："
                                    "无法合并读取；请把各工作表的列改为一致，或把不属于本表的工作表移出此文件",
                                row=header_idx + 1))
    if issues:
        raise DataError(issues)


def _combine(path: Path, parts: list[_Part], key: tuple[str, ...], issues: list[DataIssue]):
    """The rows of detail sheets with the same header as one table: (cells by column, spreadsheet row
    numbers, the sheet of each row, notices). The rows of a school (or county) and year found on
    several sheets are read once when every sheet has the same rows for it; otherwise each later
    sheet's rows are an error (added to ``issues``) naming the row of the first sheet."""
    first = parts[0]
    data: dict[str, np.ndarray] = {}
    for col in first.data:
        if col in first.cols:
            data[col] = np.concatenate([p.data[col] for p in parts])
        else:  # another named column: the same name (as normalised) on each sheet
            n = [h for h in first.data if h not in first.cols and _norm(h) == _norm(col)].index(col)
            data[col] = np.concatenate([p.data[[h for h in p.data if h not in p.cols and _norm(h) == _norm(col)][n]]
                                        for p in parts])
    rows = np.concatenate([p.rows for p in parts])
    at = np.concatenate([np.full(len(p.rows), i, dtype=np.int64) for i, p in enumerate(parts)])
    if not key or not all(c in data for c in key):
        return data, rows, at, []
    y, ident = data[key[0]].astype(object), data[key[1]].astype(object)
    ok = np.flatnonzero((y != "") & (ident != ""))
    kdf = pd.DataFrame({"y": y[ok], "id": ident[ok], "s": at[ok]}, index=ok)
    n_sheets = kdf.groupby(["y", "id"], sort=False)["s"].nunique()
    shared = n_sheets[n_sheets > 1].index
    if not len(shared):
        return data, rows, at, []
    unit = "学校" if key[1] == "school_id" else "县(区)"
    order = list(data)
    shown = {c: first.cols[c][2] if c in first.cols else c for c in order}
    drop = np.zeros(len(rows), dtype=bool)
    merged: Counter = Counter()
    conflicts: list[tuple[int, int, DataIssue]] = []

    def label(i: int) -> str | None:
        if "school_id" not in data:
            return None
        return _visible(" ".join(str(data[c][i]) for c in ("school_id", "school_name") if c in data).strip()) or None

    sel = kdf[pd.MultiIndex.from_frame(kdf[["y", "id"]]).isin(shared)]
    for (yv, iv), g in sel.groupby(["y", "id"], sort=False):
        by_sheet = {int(s): g.index[g["s"].to_numpy() == s].to_numpy() for s in sorted(set(g["s"]))}
        s0, *later = by_sheet
        ref = sorted(tuple(data[c][i] for c in order) for i in by_sheet[s0])
        for s in later:
            pos = by_sheet[s]
            if sorted(tuple(data[c][i] for c in order) for i in pos) == ref:
                drop[pos] = True
                merged[(s, s0)] += len(pos)
                continue
            i = int(pos[0])
            if len(pos) == 1 and len(by_sheet[s0]) == 1:
                i0 = int(by_sheet[s0][0])
                diff = [c for c in order if data[c][i] != data[c][i0]]
                text = "；".join(f"列“{shown[c]}”：本表“{_visible(str(data[c][i]))}”，“{parts[s0].sheet}”表"
                                f"“{_visible(str(data[c][i0]))}”" for c in diff[:3]) + (
                    f"；共{len(diff)}列不同" if len(diff) > 3 else "")
                msg = (f"与工作表“{parts[s0].sheet}”第{int(rows[i0])}行同为{_visible(str(yv))}学年的{unit}"
                       f"“{_visible(str(iv))}”，但数据不同（{text}）：无法判断哪一处正确，请核对后只保留一处")
                column = shown[diff[0]]
            else:
                msg = (f"{_visible(str(yv))}学年{unit}“{_visible(str(iv))}”的行在工作表“{parts[s0].sheet}”"
                       f"（{len(by_sheet[s0])}行）和本工作表（{len(pos)}行）中都有，但内容不同："
                       "无法判断哪一处正确，请核对后只保留一处")
                column = None
            conflicts.append((s, int(rows[i]), DataIssue(parts[s].name, msg, row=int(rows[i]), column=column,
                                                         school=label(i))))
    issues += [c for *_, c in sorted(conflicts, key=lambda t: t[:2])]
    notices = [f"{path}：工作表“{parts[s].sheet}”中有{n}行与工作表“{parts[s0].sheet}”中同一学年、同一{unit}的行"
               f"完全相同，只读取一次" for (s, s0), n in sorted(merged.items())]
    if drop.any():
        keep = ~drop
        data = {c: v[keep] for c, v in data.items()}
        rows, at = rows[keep], at[keep]
    return data, rows, at, notices


def _read_body(name: str, sheet: _Sheet, header_idx: int, header: list, header_rows: int,
               schema: tuple[Column, ...], hmap: dict) -> _Part:
    """The data rows of one sheet below its header: the cells of each column, trimmed, without the
    blank rows and the summary and note rows (skipped with a notice), and the problems found while
    reading (rows of another width, control characters, year cells holding a date)."""
    grid = sheet.grid
    notices: list[str] = []
    cols, extra, issues = _columns(name, header, header_idx, hmap)
    raw_body = grid.iloc[header_idx + header_rows:]
    body = raw_body.apply(lambda col: col.astype(str).str.strip()) if len(raw_body) else raw_body
    rownums = np.arange(header_idx + 1 + header_rows, header_idx + 1 + header_rows + len(body))
    cells = body.to_numpy(dtype=object)
    filled = cells != ""
    keep = filled.any(axis=1)
    # the first non-empty cell of each row (for 合计/注 rows)
    first = pd.Series(cells[np.arange(len(cells)), filled.argmax(axis=1)] if len(cells) else [], index=body.index,
                      dtype=object)
    no_id = (body[cols["school_id"][0]].str.match(r"^$|" + _SKIP_RE.pattern) if "school_id" in cols
             else pd.Series(True, index=body.index))
    summary = (first.str.match(_SKIP_RE) & no_id).to_numpy() & keep
    notices += [f"{name}，第{r}行：汇总/说明行（“{_visible(f[:20])}”）不是学校数据，已跳过"
                for r, f in zip(rownums[summary], first[summary])]
    keep = keep & ~summary
    label = _raw_label(body, cols)
    row_issues: list[tuple[int, int, DataIssue]] = []
    reported: set[tuple[int, str]] = set()
    # a CSV row whose number of fields differs from the header's has its cells in the wrong columns
    if sheet.fields is not None:
        shifted = _width_issues(name, sheet, header_idx, header_rows, keep, rownums, label, row_issues)
        keep = keep & ~shifted
    if sheet.may_ctrl:
        names = {j: (t, h) for t, (j, _, h) in cols.items()} | {j: (h, h) for h, j in extra.items()}
        _control_issues(name, schema, grid.iloc[header_idx], raw_body, body, keep, rownums, header_idx, names,
                        label, row_issues, reported)
    if sheet.dates and "year" in cols:
        _date_years(name, sheet, cols["year"], header_idx + header_rows, body, keep, rownums, label, row_issues,
                    reported, notices)
    body = body[keep]
    data = {target: body[j].to_numpy(dtype=object) for target, (j, _, _) in cols.items()}
    for h, j in extra.items():
        if h not in data:
            data[h] = body[j].to_numpy(dtype=object)
    return _Part(name, sheet.name, header_idx, cols, extra, issues, data, rownums[keep], row_issues, reported, notices)


def _date_years(name: str, sheet: _Sheet, col: tuple, begin: int, body: pd.DataFrame, keep: np.ndarray,
                rownums: np.ndarray, label, row_issues: list, reported: set, notices: list) -> None:
    """Year cells holding a date (.xlsx): read as the year Excel shows when that is the 学年 without
    doubt (:func:`_date_year`, a notice); otherwise one error for the cell (and no other for it)."""
    j, _, shown = col
    hits = sorted(r for (r, c) in sheet.dates if c == j and r >= begin and keep[r - begin])
    ask = {(r, j) for r in hits if _date_needs_format(*sheet.dates[(r, j)])}
    fmts = sheet.formats(ask) if ask and sheet.formats is not None else {}
    read: list[tuple[int, object, bool, int]] = []
    at, years = [], []
    for r in hits:
        d, serial = sheet.dates[(r, j)]
        year_only = _year_only(fmts.get((r, j)))
        y, why = _date_year(d, year_only, serial)
        i = r - begin
        row = int(rownums[i])
        if y is not None:
            at.append(i)
            years.append(str(y))
            read.append((row, d, year_only, y))
            continue
        reported.add((row, "year"))
        row_issues.append((row, "year", DataIssue(name, why, row=row, column=_visible(str(shown)), school=label(i))))
    if at:
        cells = body[j].to_numpy(dtype=object).copy()
        cells[at] = years
        body[j] = cells
    if read:
        row, d, year_only, y = read[0]
        example = f"显示为“{y}”" if year_only else f"“{d:%Y-%m-%d}”读作{y}"
        notices.append(f"{name}：列“{_visible(str(shown))}”有{len(read)}个单元格是日期格式，已按 Excel 显示的年份读作学年"
                       f"（如第{row}行：{example}）")


def _read_csv_typed(src: _Csv, schema: tuple[Column, ...], hmap: dict):
    """:func:`read_table` for a CSV, with the numbers of numeric columns converted by pandas' C parser.

    The same result as reading every cell as a string (:func:`_read_sheets`), at the cost of one
    parse: a numeric column comes as float64 when the parser reads every cell as a finite number or
    blank; otherwise (a dash, a thousands separator, a unit, "inf" …) as the strings written, which
    :func:`validate` cleans cell by cell. Cells are trimmed only when the file holds whitespace a trim
    removes. Returns None when the file needs the cell-by-cell reading: control characters, quoting
    the vectorized record scan cannot follow, no header in the first rows, data rows of another width
    than the header (unless every row shares one width and the extra cells are blank).
    """
    if src.ctrl:
        return None
    name, raw, delim = src.name, src.raw, src.delim
    width = src.uniform
    if width is not None and src.first_fields(0) == width:  # every record has `width` fields
        n, starts, fields, breaks = src.n_records, src.starts(_HEADER_SEARCH + 2), None, False
    else:
        starts, fields, breaks = src.records
        if starts is None or not len(fields):
            return None
        n, width = len(fields), int(fields.max())
    head_end = int(starts[_HEADER_SEARCH + 1]) if n > _HEADER_SEARCH + 1 else len(raw)
    try:
        head = pd.read_csv(_io.BytesIO(raw[:head_end]), sep=delim, header=None, names=range(width), dtype=str,
                           keep_default_na=False, na_filter=False, skip_blank_lines=False, engine="c",
                           encoding="utf-8")
    except UnicodeDecodeError:
        raise  # the file is not UTF-8 after all (see read_table)
    except (pd.errors.ParserError, ValueError):
        return None
    if len(head) != min(n, _HEADER_SEARCH + 1):
        return None
    found = _find_table([_Sheet("", head, fields=fields, delim=delim)], schema, hmap)
    if found is None:
        return None
    _, header_idx, header, header_rows, _ = found
    begin = header_idx + header_rows
    m = n - begin
    if m <= 0:
        return None
    cols, extra, issues = _columns(name, header, header_idx, hmap)
    kinds = {c.name: c.kind for c in schema}
    numeric = {j for t, (j, _, _) in cols.items() if kinds[t] in ("int", "num", "pct")}
    body_raw = raw[int(starts[begin]):]
    if fields is None and src.first_fields(int(starts[begin])) != width:
        return None  # the parser would take the extra fields of its first record for an index
    try:
        parsed = _parse_csv(body_raw, delim, width, numeric)
    except UnicodeDecodeError:
        raise  # the file is not UTF-8 after all (see read_table)
    except (pd.errors.ParserError, ValueError):
        return None
    if len(parsed) != m:
        return None
    trim = breaks or src.tabs or _has_spaces(raw)
    numbers: dict[int, np.ndarray] = {}
    written: dict[int, np.ndarray] = {}  # strings as written
    again = []
    for j in range(width):
        v = parsed[j].to_numpy()
        if j in numeric:
            if v.dtype.kind in "iuf":
                v = v.astype(np.float64, copy=False)
                if not np.isinf(v).any():
                    numbers[j] = v
                    continue
            elif v.dtype == object and pd.api.types.infer_dtype(v, skipna=True) in ("string", "empty"):
                written[j] = np.where(pd.isna(v), "", v).astype(object)
                continue
            again.append(j)  # bool-like or non-finite numbers: their cells as written
        else:
            written[j] = v
    del parsed
    if again:
        more = _parse_csv(body_raw, delim, width, usecols=again)
        if len(more) != m:
            return None
        written.update({j: more[j].to_numpy(dtype=object) for j in again})
    strings = {j: _strip(v) for j, v in written.items()} if trim else written
    filled = {j: ~np.isnan(v) for j, v in numbers.items()} | {j: v != "" for j, v in strings.items()}
    keep = np.zeros(m, dtype=bool)
    for f in filled.values():
        keep |= f
    rownums = np.arange(begin + 1, n + 1)
    notices: list[str] = []
    # summary and note rows (合计/注 …): the first non-empty cell matches, and the school id is empty or matches
    sid = strings[cols["school_id"][0]] if "school_id" in cols else None
    no_id = np.ones(m, dtype=bool) if sid is None else (sid == "") | _skip_like(sid)
    cand = np.flatnonzero(keep & no_id)
    if len(cand):
        first = np.column_stack([filled[j][cand] for j in range(width)]).argmax(axis=1)
        hit = np.zeros(len(cand), dtype=bool)
        text = np.full(len(cand), "", dtype=object)
        for j in np.unique(first):
            if j in strings:
                sel = first == j
                text[sel] = strings[j][cand[sel]]
                hit[sel] = _skip_like(text[sel])
        notices += [f"{name}，第{rownums[i]}行：汇总/说明行（“{_visible(t[:20])}”）不是学校数据，已跳过"
                    for i, t in zip(cand[hit], text[hit])]
        keep[cand[hit]] = False
    # data rows of another width than the header's: read cell by cell (and reported), unless every data row
    # shares one width and the extra cells are blank (a delimiter at the end of every row)
    hw, bw = (width, width) if fields is None else (int(fields[header_idx]), fields[begin:])
    if (keep & (bw != hw)).any():
        widths = np.unique(bw[keep])
        if len(widths) != 1:
            return None
        w2 = int(widths[0])
        if w2 > hw and any(filled[j][keep].any() for j in range(hw, w2)):
            return None
        if w2 < hw and head.iloc[header_idx, w2:hw].str.strip().ne("").any():
            return None
    label_cols = {cols[c][0] for c in ("school_id", "school_name") if c in cols}
    label = _raw_label(pd.DataFrame({j: pd.Series(strings[j], dtype=object) for j in label_cols}), cols)
    row_issues: list[tuple[int, int, DataIssue]] = []
    reported: set[tuple[int, str]] = set()
    if breaks or src.tabs:  # line breaks and tabs in names and codes (control characters: cell by cell)
        names = {j: (t, h) for t, (j, _, h) in cols.items()} | {j: (h, h) for h, j in extra.items()}
        _control_issues(name, schema, head.iloc[header_idx],
                        pd.DataFrame({j: pd.Series(v, dtype=object) for j, v in written.items()}),
                        pd.DataFrame({j: pd.Series(v, dtype=object) for j, v in strings.items()}),
                        keep, rownums, header_idx, names, label, row_issues, reported)
    rows = slice(None) if keep.all() else keep
    data = {target: (numbers[j] if j in numbers else strings[j])[rows] for target, (j, _, _) in cols.items()}
    for h, j in extra.items():
        if h not in data:
            data[h] = strings[j][rows]

    def text_of(target: str) -> np.ndarray:
        """The trimmed cells of a column as written (a numeric column was read as numbers)."""
        j = cols[target][0]
        if j in strings:
            return strings[j][keep]
        return _strip(_parse_csv(body_raw, delim, width, usecols=[j])[j].to_numpy(dtype=object))[keep]

    df = _frame(name, schema, data, rownums[keep], cols, header_idx, row_issues, reported, issues, text=text_of)
    return df, issues, notices
