"""Reading the input tables: encodings, .xlsx, Chinese or English headers, declared validation.

Every problem in a file is collected (file, spreadsheet row, column, school, message in Chinese)
and raised together as one :class:`DataError`; nothing is guessed silently. Fully blank rows are
skipped; summary and note rows (合计/小计/总计, 注：…) below or inside a table are skipped with a
notice in ``df.attrs["notices"]``.

Examples
--------
>>> from junheng_lib.data.io import read_schools
>>> schools = read_schools("data/sample/schools.csv")          # doctest: +SKIP
>>> schools.attrs["source"]                                       # doctest: +SKIP
'data/sample/schools.csv'
"""
from __future__ import annotations

import codecs
import csv
import io as _io
import re
import warnings
import zipfile
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from junheng_lib.data.errors import CTRL_RE as _CTRL_RE
from junheng_lib.data.errors import DataError, DataIssue
from junheng_lib.data.errors import visible as _visible
from junheng_lib.data.schema import (
    CLASS_RULES,
    CLASSES,
    COUNTIES,
    COUNTY_RULES,
    SCHOOL_RULES,
    SCHOOLS,
    TYPE_STAGES,
    Column,
    RowRule,
)

__all__ = ["DataError", "DataIssue", "read_schools", "read_classes", "read_counties", "read_table", "validate"]

#: spreadsheet row number kept on every validated frame: a private name no input column can take
ROW = "_junheng_row"




# --------------------------------------------------------------------------- raw reading

#: what begins a summary or note row below or inside a table (a skipped row, with a notice)
_SKIP_WORDS = (r"合\s*计", r"小\s*计", r"总\s*计", r"注[:：]", r"说明[:：]?", "填表", "制表", "审核", "单位负责人")
_SKIP_RE = re.compile(r"^\s*(" + "|".join(_SKIP_WORDS) + ")")
#: their first characters (in a trimmed cell nothing comes before them)
_SKIP_FIRST = np.array(sorted({w[0] for w in _SKIP_WORDS}))


_UNIT_RE = re.compile(r"\((平方米|㎡|m2|m²|元|台|册|间|人|个|所|班)\)$")

#: invisible control characters, an error in any cell: C0 except tab/LF/CR, DEL and C1
#: line breaks and tabs: an error inside a name or code (they are fine in free-text columns)
_BREAK_RE = re.compile(r"[\t\n\r\u2028\u2029]")
_CTRL_NAMES = {0x00: "空字符", 0x09: "制表符", 0x0A: "换行符", 0x0B: "垂直制表符，常见于从 Word 复制的换行",
               0x0C: "换页符", 0x0D: "回车符", 0x7F: "删除符", 0x2028: "行分隔符", 0x2029: "段分隔符"}
#: signatures of binary files that are not tables
_BINARY_MAGIC = (b"\x89PNG", b"%PDF", b"\xd0\xcf\x11\xe0", b"\xff\xd8\xff", b"GIF8", b"\x1f\x8b", b"7z\xbc\xaf",
                 b"Rar!", b"MZ", b"\x7fELF")
_DELIM_NAMES = {",": "逗号", "\t": "制表符", ";": "分号"}


def _char_names(chars) -> str:
    return "、".join(f"U+{ord(c):04X}" + (f" {_CTRL_NAMES[ord(c)]}" if ord(c) in _CTRL_NAMES else "")
                    for c in sorted(set(chars)))


def _norm(h: object) -> str:
    """Header normalization: full-width brackets, spaces and line breaks removed, lower case, and a
    trailing unit such as (平方米)/(㎡)/(台) dropped (but not (万元), which changes the value)."""
    s = "" if h is None else str(h)
    s = s.replace("（", "(").replace("）", ")").replace("\u3000", "").replace("\n", "")
    s = re.sub(r"\s+", "", s).lower()
    return _UNIT_RE.sub("", s)


@dataclass
class _Sheet:
    """One sheet of an input file as strings (row i is spreadsheet row i + 1)."""

    name: str
    grid: pd.DataFrame
    fields: np.ndarray | None = None     # CSV: number of fields of each record (None: not known)
    delim: str = ","
    uncached: pd.DataFrame | None = None  # xlsx: formula cells without a cached value (bool, grid's shape)
    may_ctrl: bool = True                 # the sheet may hold control characters (checked per column)


def _read_bytes(path: Path) -> bytes:
    """The bytes of an input file; a missing, unreadable or empty file is a :class:`DataError`."""
    name = str(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise DataError([DataIssue(name, "文件不存在")]) from None
    except IsADirectoryError:
        raise DataError([DataIssue(name, "这是一个文件夹，不是表格文件")]) from None
    except OSError as e:
        raise DataError([DataIssue(name, f"无法读取文件（{e.strerror}）")]) from None
    if not data or data.isspace():
        raise DataError([DataIssue(name, "文件为空，没有任何内容")])
    return data


_XLSX_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def _read_xlsx(name: str, data: bytes) -> list[_Sheet]:
    import openpyxl

    def corrupt(e, sheet=None):
        where = f"工作表“{sheet}”已损坏，无法读取" if sheet else "无法作为 Excel(.xlsx) 文件打开，文件可能已损坏或不是表格"
        return DataError([DataIssue(name, f"{where}（{type(e).__name__}）；请在 Excel 中打开并另存为 .xlsx 后再导入"
                                    if sheet else f"{where}（{type(e).__name__}）")])

    def cell(v):  # whole-number floats as Excel shows them ("12", not "12.0"); other cells as text
        if v is None:
            return ""
        if isinstance(v, float):
            return str(int(v)) if v.is_integer() else repr(v)
        if isinstance(v, str):
            # Excel stores characters XML cannot hold as _xHHHH_ (ECMA-376 §22.9.2.19); openpyxl keeps the escape
            return _XLSX_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), v) if "_x" in v else v
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
        sheets.append(_Sheet(ws.title, grid.apply(lambda col: col.map(cell)) if len(grid) else grid,
                             uncached=none))
    wb.close()
    if _has_formulas(data):
        _mark_uncached(data, sheets)
    else:
        for s in sheets:
            s.uncached = None
    return sheets


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


def _decode(name: str, data: bytes) -> tuple[str, bytes]:
    """The first characters of a CSV's text (:data:`_HEAD_CHARS`), and the whole text as UTF-8 bytes
    without a BOM (the file's own bytes when it is UTF-8). Every byte is checked: an invalid or mixed
    encoding is an error."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode 文本" is UTF-16
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise DataError([DataIssue(name, "文件标记为 UTF-16 编码，但内容不是有效的 UTF-16，请另存为 CSV(UTF-8)")]) from None
        return text[:_HEAD_CHARS], text.encode("utf-8")
    bom = data.startswith(codecs.BOM_UTF8)
    try:
        data.decode("utf-8-sig")  # every byte checked; the text itself is parsed from the bytes
        raw = data[3:] if bom else data
        # a UTF-8 character has at most 4 bytes: the head's characters are whole
        return raw[:4 * _HEAD_CHARS].decode("utf-8", errors="ignore")[:_HEAD_CHARS], raw
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        if bom or len(_CJK_RE.findall(data[:e.start].decode("utf-8", errors="ignore"))) >= 8:
            lead = "文件开头有 UTF-8 编码标记(BOM)" if bom else "文件前面部分是 UTF-8 编码"
            raise DataError([DataIssue(name, f"编码混用：{lead}，但从这一行起含有不是 UTF-8 的字节（可能是 GBK 编码）；"
                                             "请把整个文件另存为同一种编码（CSV UTF-8 或 GBK）后再导入", row=line)]) from None
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise DataError([DataIssue(name, "无法识别文件编码（应为 UTF-8 或 GBK/GB18030），从这一行起含有无效的字节",
                                   row=line)]) from None
    return text[:_HEAD_CHARS], text.encode("utf-8")


_CJK_RE = re.compile("[\u4e00-\u9fff]")
#: characters of a CSV's head looked at before reading it (its kind, its delimiter)
_HEAD_CHARS = 8192
#: every byte except the control characters of :data:`_CTRL_RE` below U+0080 (UTF-8: single bytes)
_NOT_C0 = bytes(i for i in range(256) if not _CTRL_RE.match(chr(i)) or i >= 0x80)
#: U+0080–U+009F in UTF-8
_C1_UTF8 = re.compile(rb"\xc2[\x80-\x9f]")
#: the whitespace ``str.strip`` removes, except tab, CR, LF and the control characters (looked for apart),
#: as UTF-8 patterns by first byte (a first byte absent from a file is a quick answer)
_SPACES = " \xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
_SPACES_UTF8 = {lead: re.compile(b"|".join(re.escape(c.encode()) for c in _SPACES if c.encode()[:1] == lead))
                for lead in {c.encode()[:1] for c in _SPACES}}


def _has_spaces(raw: bytes) -> bool:
    """Whether UTF-8 text holds whitespace that trimming a cell removes (besides tab, CR, LF, controls)."""
    return any(lead in raw and pattern.search(raw) is not None for lead, pattern in _SPACES_UTF8.items())


@dataclass
class _Csv:
    """A CSV file: its text as UTF-8 bytes (no BOM) and delimiter; its records are found from the bytes
    (vectorized) when asked for."""

    name: str
    raw: bytes
    delim: str
    checked: bool = True  # every byte checked as UTF-8 (otherwise only the head's: see _csv_source)

    @cached_property
    def records(self) -> tuple[np.ndarray | None, np.ndarray | None, bool]:
        """Where each record begins, its number of fields, and whether a quoted cell holds a line break
        (:func:`_records`)."""
        return _records(self.raw, self.delim)

    @cached_property
    def marks(self) -> bytes:
        """The bytes that structure the text or must not be in it, in order, all others left out: LF,
        CR, quotes, the delimiter and the control characters below U+0080 (one pass over the bytes)."""
        keep = {10, 13, 34, ord(self.delim)} | {i for i in range(0x80) if _CTRL_RE.match(chr(i))}
        return self.raw.translate(None, bytes(i for i in range(256) if i not in keep))

    @cached_property
    def uniform(self) -> int | None:
        """The number of fields of every record, when a count of the bytes shows it at once: no quotes,
        records ending at LF or CRLF, and as many delimiters as that number of fields in every record
        allows — none can have fewer unless another has more, which the parser refuses (the first
        record of what it parses must have it: :meth:`first_fields`). None otherwise."""
        raw, marks = self.raw, self.marks
        if b'"' in marks or (b"\r" in marks and raw.count(b"\r") != raw.count(b"\r\n")):
            return None
        total = marks.count(self.delim.encode())
        n = self.n_records
        return total // n + 1 if total % n == 0 else None

    @cached_property
    def n_records(self) -> int:
        """The number of records (LF or CRLF ends; see :attr:`uniform`)."""
        return self.marks.count(b"\n") + (0 if self.raw.endswith(b"\n") else 1)

    def starts(self, k: int) -> list[int]:
        """Where the first ``k`` records begin (LF or CRLF ends; see :attr:`uniform`)."""
        out, pos = [0], 0
        while len(out) < k:
            pos = self.raw.find(b"\n", pos) + 1
            if pos == 0 or pos >= len(self.raw):
                break
            out.append(pos)
        return out

    def first_fields(self, start: int) -> int:
        """The number of fields of the record beginning at ``start`` (no quotes)."""
        end = self.raw.find(b"\n", start)
        return self.raw.count(self.delim.encode(), start, end if end >= 0 else len(self.raw)) + 1

    @cached_property
    def ctrl(self) -> bool:
        """A control character somewhere (C0 except tab/LF/CR, DEL, C1)."""
        raw = self.raw
        return bool(self.marks.translate(None, _NOT_C0)) or (b"\xc2" in raw and _C1_UTF8.search(raw) is not None)

    @cached_property
    def tabs(self) -> bool:
        """A cell may hold a tab (or U+2028/U+2029, which are line breaks too)."""
        tab = b"\t" in self.raw if self.delim != "\t" else b'"' in self.raw  # tab-separated: only a quoted cell
        return tab or (b"\xe2" in self.raw and _SEPARATORS_UTF8.search(self.raw) is not None)


#: U+2028 and U+2029 in UTF-8
_SEPARATORS_UTF8 = re.compile(b"\xe2\x80[\xa8\xa9]")


def _csv_source(name: str, data: bytes, checked: bool = True) -> _Csv | None:
    """The CSV file ``data``. ``checked=False`` takes the file as UTF-8 when its first characters are
    (None otherwise), leaving the check of the rest to the parser, which decodes every cell that is not
    a number strictly: a UnicodeDecodeError then means reading it again with ``checked=True``, whose
    :func:`_decode` says what is wrong (or finds GB18030)."""
    if data.startswith(_BINARY_MAGIC):
        raise DataError([DataIssue(name, "不是文本表格（含二进制内容），请提供 CSV 或 .xlsx 文件")])
    if checked:
        head, raw = _decode(name, data)
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None
    else:
        raw = data[3:] if data.startswith(codecs.BOM_UTF8) else data
        try:  # the head's characters, strictly (a character cut at the end waits for its other bytes)
            head = codecs.getincrementaldecoder("utf-8")().decode(raw[:4 * _HEAD_CHARS])[:_HEAD_CHARS]
        except UnicodeDecodeError:
            return None
    sample = head[:4096]
    # a text table with a few stray control characters is read (they are reported at their cells);
    # a file made mostly of them is not a text table
    if len(_CTRL_RE.findall(sample)) + sample.count("\ufffd") > 0.1 * len(sample):
        if not checked:
            return None  # the encoding is checked first
        raise DataError([DataIssue(name, "不是文本表格，请提供 CSV 或 .xlsx 文件")])
    try:
        delim = csv.Sniffer().sniff(head, delimiters=",\t;").delimiter
    except csv.Error:
        delim = ","
    return _Csv(name, raw, delim, checked)


def _csv_sheet(src: _Csv) -> _Sheet:
    """The CSV as one sheet of strings (every cell a Python string, blank → '')."""
    name, delim = src.name, src.delim
    text = src.raw.decode("utf-8")
    fields = src.records[1]
    width = int(fields.max()) if fields is not None and len(fields) else (
        max(line.count(delim) for line in text.splitlines()) + 1 if text.strip() else 1)
    try:
        grid = pd.read_csv(_io.BytesIO(src.raw), sep=delim, header=None, names=range(width), dtype=str,
                           keep_default_na=False, na_filter=False, skip_blank_lines=False, engine="c",
                           encoding="utf-8")
    except (pd.errors.ParserError, ValueError) as e:
        raise DataError([DataIssue(name, f"无法解析为 CSV 表格（{e}）")]) from None
    if fields is None or len(fields) != len(grid):
        fields = _record_fields_csv(text, delim, len(grid))
    return _Sheet("", grid, fields=fields, delim=delim, may_ctrl=src.ctrl or ('"' in text) or src.tabs)


def _parse_csv(raw: bytes, delim: str, width: int, numeric=(), usecols=None) -> pd.DataFrame:
    """pandas' C parser over UTF-8 bytes: columns 0 … width-1 (or ``usecols``), every cell a Python
    string ('' when blank, object columns), except the columns ``numeric``, whose numbers the parser
    converts itself (blank → NaN; a column holding any cell that is not a number stays strings)."""
    numeric = [j for j in numeric if usecols is None or j in usecols]
    with warnings.catch_warnings():
        # the parser converts in blocks of rows: a column with numbers in some blocks and text in others
        # comes mixed (and is read again as strings), which is no matter for a warning
        warnings.simplefilter("ignore", pd.errors.DtypeWarning)
        try:
            return pd.read_csv(_io.BytesIO(raw), sep=delim, header=None, names=range(width), usecols=usecols,
                               dtype={j: object for j in range(width) if j not in numeric},
                               na_values={j: [""] for j in numeric}, keep_default_na=False,
                               na_filter=bool(numeric), skip_blank_lines=False, engine="c", encoding="utf-8",
                               low_memory=True)
        except pd.errors.ParserError:
            if usecols is None:
                raise
    # pandas refuses ``usecols`` when no row has as many fields as the header (which may end in blank cells)
    return _parse_csv(raw, delim, width, numeric)[list(usecols)]


def _records(raw: bytes, delim: str) -> tuple[np.ndarray | None, np.ndarray | None, bool]:
    """Where each CSV record begins, its number of fields, and whether a quoted cell holds a line break
    — vectorized over the bytes (UTF-8 never uses the bytes of , ; tab " CR LF inside a multi-byte
    character). Quoted fields (RFC 4180) may hold delimiters and line breaks; (None, None, False) when
    quotes are used otherwise (the csv module decides then)."""
    b = np.frombuffer(raw, dtype=np.uint8)
    n = len(b)
    if n == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), False
    d = ord(delim)
    # a record ends at LF, CRLF or a lone CR (as the csv module and pandas read them)
    end = b == 10
    if b"\r" in raw:
        end |= b == 13
        end[:-1] &= ~((b[:-1] == 13) & (b[1:] == 10))
    nl = np.flatnonzero(end)
    dl = np.flatnonzero(b == d)
    breaks = False
    quoted = None
    if b'"' in raw:
        q = np.flatnonzero(b == 34)
        if len(q) % 2:
            return None, None, False
        seps = [d, 10, 13, 34]
        opening, closing = q[0::2], q[1::2]
        before = np.where(opening > 0, b[np.maximum(opening - 1, 0)], 10)
        after = np.where(closing < n - 1, b[np.minimum(closing + 1, n - 1)], 10)
        if not (np.isin(before, seps).all() and np.isin(after, seps).all()):
            return None, None, False
        # a byte is inside quotes when an odd number of quotes precede it
        inside = np.searchsorted(q, nl) % 2 == 1
        breaks = bool(inside.any())
        nl = nl[~inside]
        # the delimiters inside each quoted cell do not separate fields
        quoted = opening, np.searchsorted(dl, closing) - np.searchsorted(dl, opening)
    n_records = len(nl) + (0 if len(nl) and nl[-1] == n - 1 else 1)
    starts = np.concatenate(([0], nl + 1))[:n_records]
    fields = np.diff(np.searchsorted(dl, np.append(starts, n))) + 1
    if quoted is not None:
        fields -= np.bincount(np.searchsorted(nl, quoted[0]), weights=quoted[1],
                              minlength=n_records)[:n_records].astype(np.int64)
    return starts, fields, breaks


def _record_fields_csv(text: str, delim: str, n: int) -> np.ndarray | None:
    """Field counts from the csv module (files whose quoting the vectorized count cannot follow)."""
    counts = [len(r) or 1 for r in csv.reader(_io.StringIO(text, newline=""), delimiter=delim)]
    return np.asarray(counts, dtype=np.int64) if len(counts) == n else None


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


def _header(grid: pd.DataFrame, idx: int, hmap: dict) -> tuple[list, int]:
    """The header of a table whose header row is ``idx``: (cells, number of header rows)."""
    header = grid.iloc[idx].tolist()
    # a two-row header (merged parent cells over 小学/初中 …): combine "parent(sub)" when that names more
    # known columns than the first row alone
    if idx + 1 < len(grid):
        sub = [str(x).strip() for x in grid.iloc[idx + 1].tolist()]
        parents, last = [], ""
        for h in header:
            last = str(h).strip() or last
            parents.append(last)
        combined = [f"{p}({x})" if x else (str(h).strip()) for p, x, h in zip(parents, sub, header)]
        known = sum(_norm(h) in hmap for h in header)
        if sum(_norm(h) in hmap for h in combined) > known and any(x in ("小学", "初中", "高中") for x in sub):
            return combined, 2
    return header, 1


def _find_table(sheets: list[_Sheet], schema: tuple[Column, ...], hmap: dict):
    """The sheet holding the table and its header: the sheet whose header names the most required
    columns (the first such sheet on a tie), so a summary sheet before the detail sheet is passed over.
    Returns (sheet index, header row, header cells, header rows, candidates) or None."""
    required = {c.name for c in schema if c.required}
    cands = []
    for k, sh in enumerate(sheets):
        g = sh.grid
        if len(g) == 0:
            continue
        head = g.head(20).apply(lambda col: col.map(lambda c: _norm(c) in hmap)).sum(axis=1)
        hits = np.flatnonzero(head.to_numpy() >= min(3, len(schema)))
        if not len(hits):
            continue
        idx = int(hits[0])
        header, rows = _header(g, idx, hmap)
        found = {hmap[_norm(h)][0] for h in header if _norm(h) in hmap}
        cands.append((len(required & found), -k, k, idx, header, rows, required - found))
    if not cands:
        return None
    best = max(cands)
    return best[2], best[3], best[4], best[5], cands


#: rows of a sheet searched for the header (one more is read for a two-row header)
_HEADER_SEARCH = 20
#: read a CSV with typed columns (see :func:`_read_csv_typed`); False reads every cell as a string
_TYPED = True


def read_table(path, schema: tuple[Column, ...]) -> tuple[pd.DataFrame, list[DataIssue], list[str]]:
    """Read a file into a frame with English column names.

    Returns the frame (with the private column :data:`ROW`: the spreadsheet row number), structural
    issues (missing or doubled columns) and notices (skipped summary rows, the sheet read). The header
    row is the first of the first 20 rows in which at least three cells are known headers (title rows
    above it are skipped); in a workbook, the sheet whose header names the most required columns.
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


def _columns(name: str, header: list, header_idx: int, hmap: dict) -> tuple[dict, dict, list[DataIssue]]:
    """Header cells → known columns {target: (position, factor, header)}, other named columns
    {header: position}, and doubled columns as issues."""
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
            if str(h).strip() == ROW:  # pragma: no cover - a private name no export uses
                issues.append(DataIssue(name, f"列名“{ROW}”为程序内部使用，请改名", row=header_idx + 1, column=ROW))
                continue
            extra[str(h).strip()] = j
    return cols, extra, issues


def _frame(name: str, schema, cells: dict, rows: np.ndarray, cols: dict, header_idx: int, row_issues: list,
           reported: set, issues: list[DataIssue], others: list[str] | None = None, text=None) -> pd.DataFrame:
    """The read table: ``cells`` {column: array (object strings or float64 numbers)} of the rows kept,
    their spreadsheet row numbers, and the reading metadata in ``attrs``; adds the structural issues
    (no data row, missing columns) to ``issues``."""
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
    if df.empty and not row_issues:
        issues.append(DataIssue(name, "文件只有表头，没有数据行", row=header_idx + 1))
    missing = [c for c in schema if c.required and c.name not in cols]
    for c in missing:
        issues.append(DataIssue(name, f"缺少必需的列“{c.zh}”（{c.name}）", row=header_idx + 1, column=c.zh))
    if missing and others:
        issues.append(DataIssue(name, f"其他工作表（{'、'.join(f'“{s}”' for s in others)}）中也没有包含全部必需列的明细表"))
    return df


def _read_sheets(path: Path, sheets: list[_Sheet], schema: tuple[Column, ...], hmap: dict):
    """:func:`read_table` over sheets of strings (workbooks, and CSV files read cell by cell)."""
    name = str(path)
    found = _find_table(sheets, schema, hmap)
    if found is None:
        if not any(len(s.grid) and s.grid.apply(lambda col: col.astype(str).str.strip().ne("")).to_numpy().any()
                   for s in sheets):
            raise DataError([DataIssue(name, "文件为空，没有任何数据")])
        raise DataError([DataIssue(name, "找不到表头：前20行中没有可识别的列名（如“学校标识码”“学校名称”或 school_id）；"
                                         "该文件可能不是所需的表格")])
    k, header_idx, header, header_rows, cands = found
    sheet = sheets[k]
    grid = sheet.grid
    notices: list[str] = []
    if sum(len(s.grid) > 0 for s in sheets) > 1:
        name = f"{name}[{sheet.name}]"
        first = min(cands, key=lambda c: c[2])
        if first[2] != k:
            zh = {c.name: c.zh for c in schema}
            lacks = "、".join(f"“{zh[m]}”" for m in sorted(first[6], key=list(zh).index)[:3])
            notices.append(f"{path}：工作表“{sheets[first[2]].name}”不是明细表（没有{lacks}等列），"
                           f"已读取工作表“{sheet.name}”")
    if sheet.uncached is not None:
        _uncached_error(name, sheet, header_idx)
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
    body = body[keep]
    data = {target: body[j].to_numpy(dtype=object) for target, (j, _, _) in cols.items()}
    for h, j in extra.items():
        if h not in data:
            data[h] = body[j].to_numpy(dtype=object)
    others = [s.name for i, s in enumerate(sheets) if i != k] if len(sheets) > 1 else None
    df = _frame(name, schema, data, rownums[keep], cols, header_idx, row_issues, reported, issues, others)
    return df, issues, notices


def _strip(v: np.ndarray) -> np.ndarray:
    """Each string of ``v`` trimmed (``str.strip``)."""
    return np.array([x.strip() for x in v], dtype=object) if len(v) else v


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


def _skip_like(v: np.ndarray) -> np.ndarray:
    """Whether each trimmed string of ``v`` begins a summary or note row (:data:`_SKIP_RE`); only the
    strings whose first character can begin one are matched."""
    out = np.zeros(len(v), dtype=bool)
    if len(v):
        may = np.flatnonzero(np.isin(v.astype("U1"), _SKIP_FIRST))
        match = _SKIP_RE.match
        out[may] = [match(x) is not None for x in v[may]]
    return out


def _raw_label(body: pd.DataFrame, cols: dict):
    """School label (id and name as read) of body row i, for messages raised while reading."""
    parts = [body[cols[c][0]] for c in ("school_id", "school_name") if c in cols]

    def label(i: int) -> str | None:
        return _visible(" ".join(str(p.iloc[i]) for p in parts).strip()) or None
    return label


def _width_issues(name, sheet: _Sheet, header_idx, header_rows, keep, rownums, label, row_issues) -> np.ndarray:
    """Mark the data rows of a CSV whose number of fields is not the header's (an error naming the row)."""
    w = sheet.fields
    hw = int(w[header_idx])
    bw = w[header_idx + header_rows:]
    rows = keep & (bw != hw)
    if rows.any():
        # a trailing delimiter on every data row but not on the header (or the reverse) is a consistent
        # export habit, not a shifted row: accepted when the extra cells are empty throughout
        widths = np.unique(bw[keep])
        if len(widths) == 1:
            w2 = int(widths[0])
            lo, hi = min(w2, hw), max(w2, hw)
            g = sheet.grid
            extra = (g.iloc[header_idx + header_rows:, lo:hi][keep] if w2 > hw else g.iloc[[header_idx], lo:hi])
            if not extra.astype(str).apply(lambda c: c.str.strip().ne("")).to_numpy().any():
                return np.zeros(len(keep), dtype=bool)
    dname = _DELIM_NAMES.get(sheet.delim, sheet.delim)
    for i in np.flatnonzero(rows):
        n = int(bw[i])
        what = "少" if n < hw else "多"
        row_issues.append((int(rownums[i]), None, DataIssue(
            name, f"该行有{n}个字段，表头行有{hw}个（{what}了{abs(hw - n)}个）：各列会错位，未读取该行；"
                  f"请补齐漏填的单元格或删去多余的{dname}（单元格内的{dname}须用英文双引号括起）",
            row=int(rownums[i]), school=label(i))))
    return rows


def _control_issues(name, schema, header_row, raw_body, body, keep, rownums, header_idx, names, label, row_issues,
                    reported) -> None:
    """Control characters anywhere in the header or a data row (before any trimming), and line breaks
    or tabs inside a name or code: one error per cell, naming row and column. Only a column whose text
    holds such a character is looked at cell by cell."""
    one_line = {c.name for c in schema if c.kind in ("text", "enum") and not c.multiline}
    for j in raw_body.columns:
        target, shown = names.get(j, (None, None))
        shown = shown if shown is not None else (str(header_row[j]).strip() or f"第{j + 1}列")
        head = str(header_row[j])
        raw = raw_body[j].astype(str)
        ctrl_in = bool(_CTRL_RE.search("".join(raw.tolist())))
        breaks_in = target in one_line and bool(_BREAK_RE.search("".join(body[j].tolist())))
        if _CTRL_RE.search(head):
            row_issues.append((header_idx + 1, "", DataIssue(
                name, f"列名含不可见的控制字符（{_char_names(_CTRL_RE.findall(head))}），请在原表中删除后再导入",
                row=header_idx + 1, column=_visible(head.strip()))))
        if not (ctrl_in or breaks_in):
            continue
        hit = np.zeros(len(raw), dtype=bool)
        if ctrl_in:
            hit |= raw.str.contains(_CTRL_RE.pattern, regex=True).to_numpy(dtype=bool)
        if breaks_in:
            hit |= body[j].str.contains(_BREAK_RE.pattern, regex=True).to_numpy(dtype=bool)
        for i in np.flatnonzero(hit & keep):
            v = raw.iloc[i]
            ctrl = _CTRL_RE.findall(v)
            if ctrl:
                msg = f"含不可见的控制字符（{_char_names(ctrl)}）"
            else:
                msg = f"含换行符或制表符（{_char_names(_BREAK_RE.findall(v.strip()))}），名称和代码应写在一行内"
            row = int(rownums[i])
            reported.add((row, target or shown))
            shown_v = _BREAK_RE.sub(lambda m: f"[U+{ord(m.group()):04X}]", _visible(v).strip())
            row_issues.append((row, target or shown, DataIssue(name, f"{msg}：“{shown_v}”，请在原表中删除后再导入",
                                                 row=row, column=_visible(shown), school=label(i))))


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


# --------------------------------------------------------------------------- validation

_DASHES = ["-", "—", "–", "－", "/", "——"]
_TRUE = {"是", "true", "1", "yes", "y", "t", "√"}
_FALSE = {"否", "false", "0", "no", "n", "f", ""}
#: full-width digits and signs (typed in a Chinese input method's full-width mode): the same number
_FULLWIDTH = str.maketrans("０１２３４５６７８９．，－＋％", "0123456789.,-+%")
#: thousands separators: only this pattern (1,234,567 / 1,234.5 / 1 234); any other comma is an error
_THOUSANDS = re.compile(r"[+-]?\d{1,3}(?:(?:,\d{3})+|(?:[ \u00a0\u2009\u202f]\d{3})+)(?:\.\d*)?")
_NONFINITE = re.compile(r"[+-]?(?:nan|inf|infinity)", re.IGNORECASE)


def _to_number(raw: pd.Series, blank: pd.Series, kind: str) -> tuple[pd.Series, list[tuple[pd.Series, str]]]:
    """Numbers of a column of trimmed strings, and (mask, message) failures.

    Plain cells are converted at once; only the cells that fail are looked at again: full-width
    digits are the same number, a thousands pattern loses its separators, a trailing % (``pct``) is
    dropped. A comma anywhere else (a decimal comma "23136,7"), an infinite value ("inf", "1e400")
    and "nan" typed as a value are errors; nothing is stripped silently.
    """
    num = pd.to_numeric(raw.where(~blank), errors="coerce").astype("float64")
    retry = ~blank & num.isna()
    bad_comma = pd.Series(False, index=raw.index)
    typed_nan = pd.Series(False, index=raw.index)
    if retry.any():
        s = raw[retry]
        if s.str.contains(r"[^\x00-\x7f]", regex=True).any():
            s = s.str.translate(_FULLWIDTH)
        if kind == "pct":
            s = s.str.replace(r"\s*%$", "", regex=True)
        thousands = s.str.fullmatch(_THOUSANDS.pattern).fillna(False).astype(bool)
        s = s.where(~thousands, s.str.replace(r"[, \u00a0\u2009\u202f]", "", regex=True))
        num.loc[s.index] = pd.to_numeric(s, errors="coerce").astype("float64")
        bad_comma.loc[s.index] = s.str.contains(",", regex=False).fillna(False).astype(bool)
        typed_nan.loc[s.index] = s.str.fullmatch(_NONFINITE.pattern, case=False).fillna(False).astype(bool)
    nonfinite = ~blank & (np.isinf(num) | typed_nan)
    bad = ~blank & num.isna() & ~nonfinite & ~bad_comma
    return num.where(np.isfinite(num)), [
        (bad_comma, "数字中的逗号不是千位分隔符（“{value}”）：小数请用小数点，千位分隔须每三位一个逗号，如 1,234,567"),
        (nonfinite, "不是有限的数值（“{value}”）"),
        (bad, "不是百分比数值（“{value}”）" if kind == "pct" else "不是数字（“{value}”）")]


def _school_label(df: pd.DataFrame) -> pd.Series:
    sid = df["school_id"].astype("string") if "school_id" in df else pd.Series("", index=df.index, dtype="string")
    sname = df["school_name"].astype("string") if "school_name" in df else pd.Series("", index=df.index, dtype="string")
    return (sid.fillna("") + " " + sname.fillna("")).str.strip()


def _numbers(col: pd.Series, c: Column, trimmed: bool = False
             ) -> tuple[pd.Series, pd.Series, pd.Series, list[tuple[pd.Series, str]]]:
    """The numbers of a numeric column: (numbers, blank, written with %, failures (mask, message)).

    A float or integer column (read as numbers by pandas' C parser) is taken as it is, blank where
    NaN; a column of strings is trimmed (unless ``trimmed`` already) and converted, its failed cells
    cleaned one by one (:func:`_to_number`)."""
    if col.dtype.kind in "fiu":
        num = col.astype("float64")
        blank = num.isna()
        inf = pd.Series(np.isinf(num.to_numpy()), index=col.index)
        if inf.any():
            num = num.where(~inf)
        return num, blank, pd.Series(False, index=col.index), [(inf, "不是有限的数值（“{value}”）")]
    raw = col.astype("string")
    if not trimmed:
        raw = raw.str.strip()
    # statistical forms print "—", "-" or "/" for "none": read as a blank cell
    raw = raw.mask(raw.isin(_DASHES), "")
    if c.name == "year":
        # "2023", "2023学年", "2023-2024学年", "2023/24" → 2023 (the start year)
        raw = raw.str.replace(r"^(\d{4})\s*(?:学年|年|[-—–/~～]\s*\d{2,4}\s*(?:学年)?)$", r"\1", regex=True)
    blank = raw.isna() | (raw == "")
    has_pct = (raw.str.endswith("%").fillna(False) | raw.str.endswith("％").fillna(False)) if c.kind == "pct" else None
    num, fails = _to_number(raw, blank, c.kind)
    return num, blank, has_pct, fails


def _by_value(col: pd.Series, fn) -> dict[str, np.ndarray]:
    """``fn`` (Series of trimmed strings → {name: Series}) over a column of values from a short list
    (types, yes/no), computed once per distinct value when every cell is a string, cell by cell otherwise."""
    v = col.to_numpy(dtype=object)
    if len(v) and pd.api.types.infer_dtype(v, skipna=False) == "string":
        codes, uniq = pd.factorize(v)
        res = fn(pd.Series(uniq, dtype=object).astype("string").str.strip())
        return {k: r.to_numpy(dtype=object if r.dtype == object else None)[codes] for k, r in res.items()}
    res = fn(col.astype("string").str.strip())
    return {k: r.to_numpy(dtype=object if r.dtype == object else None) for k, r in res.items()}


def _coerce(df: pd.DataFrame, schema: tuple[Column, ...], name: str, factors: dict | None = None,
            trimmed: bool = False) -> tuple[pd.DataFrame, list[tuple]]:
    """Coerce columns to their kinds; return the frame and (column, mask, message) failures.
    ``trimmed``: the string cells are trimmed already (:func:`read_table`)."""
    out = {ROW: df[ROW]}
    fails: list[tuple] = []
    idx = df.index
    lacking: dict[str, pd.Series] = {}  # per stage: the school types without it

    def series(v, dtype=None) -> pd.Series:
        return pd.Series(v, index=idx, dtype=dtype)

    for c in schema:
        if c.name not in df:
            if c.kind in ("int", "num", "pct"):
                out[c.name] = pd.Series(c.default if c.default is not None else np.nan, index=idx, dtype="float64")
            else:
                out[c.name] = pd.Series(c.default, index=idx, dtype="object")
            continue
        if c.kind in ("int", "num"):
            num, blank, _, number_fails = _numbers(df[c.name], c, trimmed)
            fails += [(c.name, m, msg) for m, msg in number_fails]
            ok = ~blank & num.notna()
            if c.min is not None:
                fails.append((c.name, ok & (num < c.min),
                              "不能为负数（“{value}”）" if c.min == 0 else f"应不小于{c.min:g}（“{{value}}”）"))
            if c.kind == "int":
                fails.append((c.name, ok & (num >= (c.min or 0)) & (num != np.floor(num)), "应为整数（“{value}”）"))
            factor = (factors or {}).get(c.name, 1.0)
            if factor != 1.0:
                num = num * factor
            if c.default is not None:
                num = num.where(~blank, float(c.default))
            elif c.stage is not None and "school_type" in out:
                if c.stage not in lacking:
                    lacking[c.stage] = out["school_type"].isin(_type_lacking(c.stage))
                lacks = lacking[c.stage]
                num = num.where(~(blank & lacks), 0.0)
                if c.required:
                    fails.append((c.name, blank & ~lacks, "不能为空"))
            elif c.required:
                fails.append((c.name, blank, "不能为空"))
            out[c.name] = num
        elif c.kind == "pct":
            # one rule for percentages: "95%" and 95 are percent; a bare number ≤ 1 is a fraction
            # (0.95 → 95%) except for columns where small percentages are normal (辍学率)
            num, blank, has_pct, number_fails = _numbers(df[c.name], c, trimmed)
            fails += [(c.name, m, msg) for m, msg in number_fails]
            bad_num = ~blank & num.isna()
            if c.fraction_ok:
                num = num.where(has_pct | (num > 1), num * 100)
            hi = np.inf if c.over_100 else 100.0
            fails.append((c.name, ~blank & ~bad_num & ((num < 0) | (num > hi)),
                          "百分比应在0–100%之间（“{value}”）"))
            out[c.name] = num
        elif c.kind == "enum":
            mapping = {_norm(v): v for v in c.values} | {_norm(k): v for k, v in c.aliases.items()}

            def enum(raw, mapping=mapping, c=c):
                blank = raw.isna() | (raw == "")
                val = _norm_series(raw).map(mapping)
                bad = ~blank & val.isna()
                if c.default is not None:
                    val = val.where(~blank, c.default)
                return {"blank": blank.astype(bool), "bad": bad.astype(bool),
                        "val": val.astype(object).where(val.notna(), None)}
            r = _by_value(df[c.name], enum)
            allowed = "、".join(c.values)
            fails.append((c.name, series(r["bad"], bool), f"取值“{{value}}”无效，应为：{allowed}"))
            if c.default is None and c.required:
                fails.append((c.name, series(r["blank"], bool), "不能为空"))
            out[c.name] = series(r["val"], object)
        elif c.kind == "bool":
            def flag(raw):
                blank = raw.isna() | (raw == "")
                low = raw.str.lower()
                val = pd.Series(np.where(low.isin(list(_TRUE)), True,
                                         np.where(low.isin(list(_FALSE - {""})), False, None)),
                                index=raw.index, dtype=object)
                val[blank] = None
                return {"bad": (~blank & ~low.isin(list(_TRUE | _FALSE))).astype(bool), "val": val}
            r = _by_value(df[c.name], flag)
            fails.append((c.name, series(r["bad"], bool), "应为“是”或“否”（“{value}”）"))
            out[c.name] = series(r["val"], object)
        else:  # text
            v = df[c.name].to_numpy(dtype=object)
            if len(v) and pd.api.types.infer_dtype(v, skipna=False) == "string":
                val = v.copy() if trimmed else _strip(v)
                blank = val == ""
                val[blank] = pd.NA  # as the string dtype's missing value below
            else:
                raw = df[c.name].astype("string").str.strip()
                blank = (raw.isna() | (raw == "")).to_numpy(dtype=bool)
                val = raw.where(~blank, None).astype(object).to_numpy(dtype=object)
            if c.required:
                fails.append((c.name, series(blank, bool), "不能为空"))
            out[c.name] = series(val, object)
    # extra columns kept as read
    for col in df.columns:
        if col not in out:
            out[col] = df[col]
    int_cols = [c.name for c in schema if c.kind == "int" and c.name in out]
    return pd.DataFrame(out, index=idx), fails, int_cols


_LACK_CACHE: dict[str, frozenset] = {}


def _type_lacking(stage: str) -> frozenset:
    if stage not in _LACK_CACHE:
        _LACK_CACHE[stage] = frozenset(t for t, s in TYPE_STAGES.items() if stage not in s)
    return _LACK_CACHE[stage]


def validate(df: pd.DataFrame, schema: tuple[Column, ...], rules: tuple[RowRule, ...], name: str,
             issues: list[DataIssue] | None = None) -> pd.DataFrame:
    """Coerce ``df`` (strings, English names, :data:`ROW`) to ``schema`` and check ``rules``.

    Raises :class:`DataError` with every failure (structural ``issues`` included); returns the
    typed frame otherwise. Whole-number columns come back as ``Int64`` when complete, float
    otherwise. A numeric column may come as numbers already (:func:`read_table` of a CSV); messages
    then quote its cells as written (``df.attrs["text"]``).
    """
    issues = list(issues or [])
    # the reading metadata, kept out of the frame's attrs (pandas deep-copies attrs on every operation)
    meta = df.attrs
    df = df.copy(deep=False)
    df.attrs = {}
    out, fails, int_cols = _coerce(df, schema, name, meta.get("factors"), meta.get("trimmed", False))
    headers = meta.get("headers", {})
    zh = {c.name: c.zh for c in schema}
    labels: list[pd.Series] = []
    written = meta.get("text")
    texts: dict[str, np.ndarray] = {}
    order = {c.name: i for i, c in enumerate(schema)}
    # problems found while reading (rows with the wrong number of fields, control characters)
    found: list[tuple[int, int, DataIssue]] = [(r, -1 if col is None else order.get(col, 999), i)
                                               for r, col, i in meta.get("row_issues", [])]
    reported = meta.get("reported", set())
    rows = out[ROW].to_numpy()

    def label(i: int) -> str | None:
        if "school_id" not in out:
            return None
        if not labels:
            labels.append(_school_label(out))
        return labels[0].iloc[i] or None

    def value(col: str, i: int):
        if col not in df:
            return ""
        if written is None or df[col].dtype == object:
            return df[col].iloc[i]
        if col not in texts:  # a column read as numbers: its cells as written
            texts[col] = written(col)
        return texts[col][i]

    def add(col, mask, msg):
        if isinstance(mask, pd.Series) and mask.dtype == bool and mask.index.equals(out.index):
            mask = mask.to_numpy()  # the common case, at once
        else:
            mask = pd.Series(mask, index=out.index).fillna(False).astype(bool).to_numpy()
        if not mask.any():
            return
        for i in np.flatnonzero(mask):
            row = int(rows[i])
            if (row, col) in reported:  # a cell already reported (control characters)
                continue
            found.append((row, order.get(col, 999), DataIssue(
                name, msg.format(value=value(col, i)) if "{value}" in msg else msg.format(value=""), row=row,
                column=headers.get(col, zh.get(col, col)), school=label(i))))

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
        indoor sports area 0), extra columns kept as text, plus the spreadsheet row number in the
        private column :data:`ROW`.
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
