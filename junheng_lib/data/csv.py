"""Reading a CSV file: the encodings a bureau uses (UTF-8 with or without BOM, UTF-16, GBK/GB18030,
mixed encodings refused), the file as a :class:`_Csv` source (delimiter, records, control characters,
counted over the bytes) and parsing it with pandas' C parser or cell by cell."""
from __future__ import annotations

import codecs
import csv
import io as _io
import re
import warnings
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from junheng_lib.data.errors import CTRL_RE as _CTRL_RE
from junheng_lib.data.errors import DataError, DataIssue
from junheng_lib.data.sheet import _Sheet

#: signatures of binary files that are not tables
_BINARY_MAGIC = (b"\x89PNG", b"%PDF", b"\xd0\xcf\x11\xe0", b"\xff\xd8\xff", b"GIF8", b"\x1f\x8b", b"7z\xbc\xaf",
                 b"Rar!", b"MZ", b"\x7fELF")


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
