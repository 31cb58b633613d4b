"""Reading the input tables: encodings, .xlsx, Chinese or English headers, declared validation.

Every problem in a file is collected (file, spreadsheet row, column, school, message in Chinese)
and raised together as one :class:`DataError`; nothing is guessed silently. Fully blank rows are
skipped; summary and note rows (合计/小计/总计, 注：…) below or inside a table are skipped with a
notice in ``df.attrs["notices"]``.

Examples
--------
>>> from junheng_lib.io import read_schools
>>> schools = read_schools("data/sample/schools.csv")          # doctest: +SKIP
>>> schools.attrs["source"]                                       # doctest: +SKIP
'data/sample/schools.csv'
"""
from __future__ import annotations

import csv
import io as _io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .schema import (CLASS_RULES, CLASSES, COUNTIES, COUNTY_RULES, SCHOOL_RULES, SCHOOLS, TYPE_STAGES, Column,
                     RowRule)

__all__ = ["DataError", "DataIssue", "read_schools", "read_classes", "read_counties", "read_table", "validate"]

ROW = "source_row"  # spreadsheet row number kept on every validated frame


@dataclass(frozen=True)
class DataIssue:
    """One problem found in an input file."""

    file: str
    message: str
    row: int | None = None
    column: str | None = None
    school: str | None = None

    def __str__(self) -> str:
        parts = [self.file]
        if self.row is not None:
            parts.append(f"第{self.row}行")
        if self.column:
            parts.append(f"列“{self.column}”")
        if self.school:
            parts.append(f"学校 {self.school}")
        return "，".join(parts) + "：" + self.message


class DataError(ValueError):
    """Raised with every problem of an input file at once."""

    def __init__(self, issues: list[DataIssue]):
        self.issues = list(issues)
        super().__init__(self.report())

    def report(self) -> str:
        n = len(self.issues)
        head = f"数据有误，共{n}处：" if n > 1 else "数据有误："
        return head + "\n" + "\n".join(f"  {i}" for i in self.issues)


# --------------------------------------------------------------------------- raw reading

_SKIP_RE = re.compile(r"^\s*(合\s*计|小\s*计|总\s*计|注[:：]|说明[:：]?|填表|制表|审核|单位负责人)")


_UNIT_RE = re.compile(r"\((平方米|㎡|m2|m²|元|台|册|间|人|个|所|班)\)$")


def _norm(h: object) -> str:
    """Header normalization: full-width brackets, spaces and line breaks removed, lower case, and a
    trailing unit such as (平方米)/(㎡)/(台) dropped (but not (万元), which changes the value)."""
    s = "" if h is None else str(h)
    s = s.replace("（", "(").replace("）", ")").replace("\u3000", "").replace("\n", "")
    s = re.sub(r"\s+", "", s).lower()
    return _UNIT_RE.sub("", s)


def _read_grid(path: Path) -> list[tuple[str, pd.DataFrame]]:
    """All cells of the file as strings (blank → ''), per sheet: [(sheet name, frame)]; row i of a
    frame is spreadsheet row i + 1. A CSV is one unnamed sheet."""
    name = str(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise DataError([DataIssue(name, "文件不存在")]) from None
    except OSError as e:
        raise DataError([DataIssue(name, f"无法读取文件（{e.strerror}）")]) from None
    if not data.strip():
        raise DataError([DataIssue(name, "文件为空，没有任何内容")])
    suffix = path.suffix.lower()
    if suffix == ".xls":
        raise DataError([DataIssue(name, "不支持旧版 .xls 格式，请在 Excel 中另存为 .xlsx 或 CSV(UTF-8)")])
    if suffix in (".xlsx", ".xlsm") or data[:2] == b"PK":
        return _read_xlsx(name, data)
    return [("", _read_csv(name, data))]


def _read_xlsx(name: str, data: bytes) -> list[tuple[str, pd.DataFrame]]:
    import openpyxl

    try:
        wb = openpyxl.load_workbook(_io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as e:
        raise DataError([DataIssue(name, f"无法作为 Excel(.xlsx) 文件打开，文件可能已损坏或不是表格（{type(e).__name__}）")]) from None
    def cell(v):  # whole-number floats as Excel shows them ("12", not "12.0"); other cells as text
        if v is None:
            return ""
        if isinstance(v, float):
            return str(int(v)) if v.is_integer() else repr(v)
        return str(v)

    sheets = []
    for ws in wb.worksheets:
        grid = pd.DataFrame(list(ws.iter_rows(values_only=True)), dtype=object)
        sheets.append((ws.title, grid.apply(lambda col: col.map(cell)) if len(grid) else grid))
    wb.close()
    return sheets


def _read_csv(name: str, data: bytes) -> pd.DataFrame:
    if b"\x00" in data[:4096]:
        raise DataError([DataIssue(name, "不是文本表格（含二进制内容），请提供 CSV 或 .xlsx 文件")])
    for enc in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes almost everything
        raise DataError([DataIssue(name, "无法识别文件编码（应为 UTF-8 或 GBK/GB18030）")])
    if sum(ch in "\ufffd" or (ord(ch) < 32 and ch not in "\r\n\t") for ch in text[:4096]) > 8:
        raise DataError([DataIssue(name, "不是文本表格，请提供 CSV 或 .xlsx 文件")])
    try:
        delim = csv.Sniffer().sniff(text[:8192], delimiters=",\t;").delimiter
    except csv.Error:
        delim = ","
    width = max(line.count(delim) for line in text.splitlines()) + 1 if text.strip() else 1
    try:
        return pd.read_csv(_io.StringIO(text), sep=delim, header=None, names=range(width), dtype=str,
                           keep_default_na=False, na_filter=False, skip_blank_lines=False, engine="c")
    except (pd.errors.ParserError, ValueError) as e:
        raise DataError([DataIssue(name, f"无法解析为 CSV 表格（{e}）")]) from None


def _norm_series(s: pd.Series) -> pd.Series:
    """:func:`_norm` on a whole column (vectorized string operations)."""
    s = s.astype("string").str.replace("（", "(").str.replace("）", ")")
    s = s.str.replace(r"[\s\u3000]+", "", regex=True).str.lower()
    return s.str.replace(_UNIT_RE.pattern, "", regex=True)


def _header_map(schema: tuple[Column, ...]) -> dict[str, tuple[str, float]]:
    out: dict[str, tuple[str, float]] = {}
    for c in schema:
        for h in c.headers():
            out[_norm(h)] = (c.name, 1.0)
        for h, f in c.scaled_headers.items():
            out[_norm(h)] = (c.name, f)
    return out


def read_table(path, schema: tuple[Column, ...]) -> tuple[pd.DataFrame, list[DataIssue], list[str]]:
    """Read a file into a frame of strings with English column names.

    Returns the frame (with column ``source_row``: the spreadsheet row number), structural issues
    (missing or doubled columns) and notices (skipped summary rows). The header row is the first
    of the first 20 rows in which at least three cells are known headers (title rows above it are
    skipped).
    """
    path = Path(path)
    name = str(path)
    sheets = _read_grid(path)
    hmap = _header_map(schema)
    grid, hits = None, []
    for k, (sheet, g) in enumerate(sheets):  # the first sheet that holds the table (cover sheets are common)
        if len(g) == 0:
            continue
        head = g.head(20).apply(lambda col: col.map(lambda c: _norm(c) in hmap)).sum(axis=1)
        hits = np.flatnonzero(head.to_numpy() >= min(3, len(schema)))
        if len(hits):
            grid = g
            if k > 0:
                name = f"{name}[{sheet}]"
            break
    if grid is None:
        if not any(len(g) and g.apply(lambda col: col.astype(str).str.strip().ne("")).to_numpy().any()
                   for _, g in sheets):
            raise DataError([DataIssue(name, "文件为空，没有任何数据")])
        raise DataError([DataIssue(name, "找不到表头：前20行中没有可识别的列名（如“学校标识码”“学校名称”或 school_id）；"
                                         "该文件可能不是所需的表格")])
    header_idx = int(hits[0])
    header = grid.iloc[header_idx].tolist()
    header_rows = 1
    # a two-row header (merged parent cells over 小学/初中 …): combine "parent(sub)" when that names more
    # known columns than the first row alone
    if header_idx + 1 < len(grid):
        sub = [str(x).strip() for x in grid.iloc[header_idx + 1].tolist()]
        parents, last = [], ""
        for h in header:
            last = str(h).strip() or last
            parents.append(last)
        combined = [f"{p}({x})" if x else (str(h).strip()) for p, x, h in zip(parents, sub, header)]
        known = sum(_norm(h) in hmap for h in header)
        if sum(_norm(h) in hmap for h in combined) > known and any(x in ("小学", "初中", "高中") for x in sub):
            header, header_rows = combined, 2
    issues: list[DataIssue] = []
    cols: dict[str, tuple[int, float, str]] = {}
    extra: dict[str, int] = {}
    for j, h in enumerate(header):
        key = _norm(h)
        if key in hmap:
            target, factor = hmap[key]
            if target in cols:
                issues.append(DataIssue(name, f"列“{h}”与列“{cols[target][2]}”表示同一数据，只能保留一列",
                                        row=header_idx + 1, column=h))
                continue
            cols[target] = (j, factor, h)
        elif str(h).strip():
            extra[str(h).strip()] = j
    body = grid.iloc[header_idx + header_rows:]
    if len(body):
        body = body.apply(lambda col: col.astype(str).str.strip())
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
    notices = [f"{name}，第{r}行：汇总/说明行（“{f[:20]}”）不是学校数据，已跳过"
               for r, f in zip(rownums[summary], first[summary])]
    keep = keep & ~summary
    body = body[keep]
    data = {target: body[j].to_numpy(dtype=object) for target, (j, _, _) in cols.items()}
    factors = {target: f for target, (_, f, _) in cols.items()}
    for h, j in extra.items():
        if h not in data:
            data[h] = body[j].to_numpy(dtype=object)
    df = pd.DataFrame(data, dtype=object)
    df.insert(0, ROW, rownums[keep].astype(np.int64))
    df.attrs["name"] = name  # the file (and sheet, when not the first) as messages cite it
    df.attrs["factors"] = factors
    df.attrs["headers"] = {t: h for t, (_, _, h) in cols.items()}
    if df.empty:
        issues.append(DataIssue(name, "文件只有表头，没有数据行", row=header_idx + 1))
    missing = [c for c in schema if c.required and c.name not in cols]
    for c in missing:
        issues.append(DataIssue(name, f"缺少必需的列“{c.zh}”（{c.name}）", row=header_idx + 1, column=c.zh))
    return df, issues, notices


# --------------------------------------------------------------------------- validation

_DASHES = ["-", "—", "–", "－", "/", "——"]
_TRUE = {"是", "true", "1", "yes", "y", "t", "√"}
_FALSE = {"否", "false", "0", "no", "n", "f", ""}


def _school_label(df: pd.DataFrame) -> pd.Series:
    sid = df["school_id"].astype("string") if "school_id" in df else pd.Series("", index=df.index, dtype="string")
    sname = df["school_name"].astype("string") if "school_name" in df else pd.Series("", index=df.index, dtype="string")
    return (sid.fillna("") + " " + sname.fillna("")).str.strip()


def _coerce(df: pd.DataFrame, schema: tuple[Column, ...], name: str) -> tuple[pd.DataFrame, list[tuple]]:
    """Coerce columns to their kinds; return the frame and (column, mask, message) failures."""
    out = pd.DataFrame({ROW: df[ROW]}, index=df.index)
    fails: list[tuple] = []
    for c in schema:
        if c.name not in df:
            if c.kind in ("int", "num", "pct"):
                out[c.name] = pd.Series(c.default if c.default is not None else np.nan, index=df.index, dtype="float64")
            else:
                out[c.name] = pd.Series(c.default, index=df.index, dtype="object")
            continue
        raw = df[c.name].astype("string").str.strip()
        if c.kind in ("int", "num", "pct"):
            # statistical forms print "—", "-" or "/" for "none": read as a blank cell
            raw = raw.mask(raw.isin(_DASHES), "")
        if c.name == "year":
            # "2023", "2023学年", "2023-2024学年", "2023/24" → 2023 (the start year)
            raw = raw.str.replace(r"^(\d{4})\s*(?:学年|年|[-—–/~～]\s*\d{2,4}\s*(?:学年)?)$", r"\1", regex=True)
        blank = raw.isna() | (raw == "")
        if c.kind in ("int", "num"):
            cleaned = raw.str.replace(r"[,，\s]", "", regex=True)
            num = pd.to_numeric(cleaned.where(~blank), errors="coerce").astype("float64")
            bad_num = ~blank & num.isna()
            fails.append((c.name, bad_num, "不是数字（“{value}”）"))
            ok = ~blank & ~bad_num
            if c.min is not None:
                fails.append((c.name, ok & (num < c.min),
                              "不能为负数（“{value}”）" if c.min == 0 else f"应不小于{c.min:g}（“{{value}}”）"))
            if c.kind == "int":
                fails.append((c.name, ok & (num >= (c.min or 0)) & (num != np.floor(num)), "应为整数（“{value}”）"))
            factor = df.attrs.get("factors", {}).get(c.name, 1.0)
            num = num * factor
            if c.default is not None:
                num = num.where(~blank, float(c.default))
            elif c.stage is not None and "school_type" in out:
                lacks = out["school_type"].isin(_type_lacking(c.stage))
                num = num.where(~(blank & lacks), 0.0)
                if c.required:
                    fails.append((c.name, blank & ~lacks, "不能为空"))
            elif c.required:
                fails.append((c.name, blank, "不能为空"))
            out[c.name] = num
        elif c.kind == "pct":
            # one rule for percentages: "95%" and 95 are percent; a bare number ≤ 1 is a fraction
            # (0.95 → 95%) except for columns where small percentages are normal (辍学率)
            has_pct = raw.str.endswith("%").fillna(False) | raw.str.endswith("％").fillna(False)
            cleaned = raw.str.replace(r"[%％,\s]", "", regex=True)
            num = pd.to_numeric(cleaned.where(~blank), errors="coerce").astype("float64")
            bad_num = ~blank & num.isna()
            fails.append((c.name, bad_num, "不是百分比数值（“{value}”）"))
            if c.fraction_ok:
                num = num.where(has_pct | (num > 1), num * 100)
            hi = np.inf if c.over_100 else 100.0
            fails.append((c.name, ~blank & ~bad_num & ((num < 0) | (num > hi)),
                          "百分比应在0–100%之间（“{value}”）"))
            out[c.name] = num
        elif c.kind == "enum":
            mapping = {_norm(v): v for v in c.values} | {_norm(k): v for k, v in c.aliases.items()}
            val = _norm_series(raw).map(mapping)
            bad = ~blank & val.isna()
            allowed = "、".join(c.values)
            fails.append((c.name, bad, f"取值“{{value}}”无效，应为：{allowed}"))
            if c.default is not None:
                val = val.where(~blank, c.default)
            elif c.required:
                fails.append((c.name, blank, "不能为空"))
            out[c.name] = val.astype(object).where(val.notna(), None)
        elif c.kind == "bool":
            low = raw.str.lower()
            val = pd.Series(np.where(low.isin(list(_TRUE)), True, np.where(low.isin(list(_FALSE - {""})), False, None)),
                            index=df.index, dtype=object)
            val[blank] = None
            fails.append((c.name, ~blank & ~low.isin(list(_TRUE | _FALSE)), "应为“是”或“否”（“{value}”）"))
            out[c.name] = val
        else:  # text
            if c.required:
                fails.append((c.name, blank, "不能为空"))
            out[c.name] = raw.where(~blank, None).astype(object)
    # extra columns kept as read
    for col in df.columns:
        if col not in out:
            out[col] = df[col]
    int_cols = [c.name for c in schema if c.kind == "int" and c.name in out]
    return out, fails, int_cols


_LACK_CACHE: dict[str, frozenset] = {}


def _type_lacking(stage: str) -> frozenset:
    if stage not in _LACK_CACHE:
        _LACK_CACHE[stage] = frozenset(t for t, s in TYPE_STAGES.items() if stage not in s)
    return _LACK_CACHE[stage]


def validate(df: pd.DataFrame, schema: tuple[Column, ...], rules: tuple[RowRule, ...], name: str,
             issues: list[DataIssue] | None = None) -> pd.DataFrame:
    """Coerce ``df`` (strings, English names, ``source_row``) to ``schema`` and check ``rules``.

    Raises :class:`DataError` with every failure (structural ``issues`` included); returns the
    typed frame otherwise. Whole-number columns come back as ``Int64`` when complete, float
    otherwise.
    """
    issues = list(issues or [])
    out, fails, int_cols = _coerce(df, schema, name)
    headers = df.attrs.get("headers", {})
    zh = {c.name: c.zh for c in schema}
    label = _school_label(out) if "school_id" in out else None
    found: list[tuple[int, int, DataIssue]] = []
    order = {c.name: i for i, c in enumerate(schema)}

    def add(col, mask, msg):
        mask = pd.Series(mask, index=out.index).fillna(False).astype(bool)
        if not mask.any():
            return
        idx = np.flatnonzero(mask.to_numpy())
        for i in idx:
            value = df[col].iloc[i] if col in df else ""
            found.append((int(out[ROW].iloc[i]), order.get(col, 999), DataIssue(
                name, msg.format(value=value), row=int(out[ROW].iloc[i]),
                column=headers.get(col, zh.get(col, col)),
                school=(label.iloc[i] or None) if label is not None else None)))

    for col, mask, msg in fails:
        add(col, mask, msg)
    # cells that failed coercion are NaN, so the cross-column rules below do not fire on them
    needed_ok = not issues  # structural problems: skip cross-column rules that need the columns
    if needed_ok:
        for rule in rules:
            try:
                mask = rule.bad(out)
            except KeyError:
                continue
            add(rule.column, mask, rule.message)
    found.sort(key=lambda t: (t[0], t[1]))
    issues.extend(i for _, _, i in found)
    if issues:
        raise DataError(issues)
    for c in int_cols:
        if out[c].notna().all():
            out[c] = out[c].astype("int64")
    if "year" in out:
        out["year"] = out["year"].astype("int64")
    return out


def read_schools(path) -> pd.DataFrame:
    """Read and validate a schools table (data-contract.md: ``schools``).

    Parameters
    ----------
    path : str or Path
        CSV (UTF-8, UTF-8 with BOM, GBK/GB18030) or .xlsx; English or Chinese headers.

    Returns
    -------
    DataFrame
        One row per school per year, English column names of the contract, numbers as floats
        or ints (万元 equipment already in 元), defaults filled (ownership 公办, affiliation 县属,
        indoor sports area 0), extra columns kept as text, plus ``source_row``.
        ``attrs["source"]`` is the path and ``attrs["notices"]`` the skipped summary rows.

    Raises
    ------
    DataError
        Listing every problem (row, column, school) at once.
    """
    df, issues, notices = read_table(path, SCHOOLS)
    out = validate(df, SCHOOLS, SCHOOL_RULES, df.attrs.get("name", str(path)), issues)
    out.attrs = {"source": str(path), "notices": notices}
    return out


def read_classes(path, schools: pd.DataFrame | None = None) -> pd.DataFrame:
    """Read and validate a classes table; with ``schools``, every (year, school_id) must exist there."""
    df, issues, notices = read_table(path, CLASSES)
    rules = CLASS_RULES
    if schools is not None:
        known = pd.MultiIndex.from_frame(schools[["year", "school_id"]].astype({"year": "int64"}).astype(str))
        rules = rules + (RowRule("school_id", "学校标识码在学校表中不存在(同一学年)", lambda d: ~pd.MultiIndex.from_arrays(
            [d["year"].astype("Int64").astype(str), d["school_id"].astype(str)]).isin(known)),)
    out = validate(df, CLASSES, rules, df.attrs.get("name", str(path)), issues)
    out.attrs = {"source": str(path), "notices": notices}
    return out


def read_counties(path) -> pd.DataFrame:
    """Read and validate a counties table (finance, rotation, quality items, satisfaction).

    Percentages follow one rule: ``95``, ``"95%"`` and ``0.95`` all mean 95 % (a bare number ≤ 1
    is a fraction), except 辍学率, which is always in percent; outside 0–100 % is an error (巩固率
    and 入学率 may exceed 100 %). Booleans accept 是/否, true/false, 1/0. Missing values stay
    missing (reported as 未提供, never as passing).
    """
    df, issues, notices = read_table(path, COUNTIES)
    out = validate(df, COUNTIES, COUNTY_RULES, df.attrs.get("name", str(path)), issues)
    out.attrs = {"source": str(path), "notices": notices}
    return out
