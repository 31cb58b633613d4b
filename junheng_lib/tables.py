"""One table model for every output: HTML, Word and Excel render the same table alike.

A :class:`Table` holds raw values (a DataFrame at full precision) and :class:`Column` specs
(label, unit, kind, decimals — from the rule table's display settings where they concern an
indicator). Each renderer only formats:

* every row, always (never truncated), no index artifacts;
* integers as integers with thousands separators, decimals per column (per indicator), CVs with
  the rule table's ``cv_decimals``, percentages as %; units in the headers;
* missing values as "—" (or the column's own missing text, e.g. 未提供);
* the grouping column (学段) merged over consecutive equal values;
* cells flagged by the evaluation (``flags``: a boolean frame of the same shape, e.g. values
  below standard) highlighted — renderers never decide a verdict themselves.

Excel receives true numbers with number formats; HTML and Word receive the formatted text.

Examples
--------
>>> import pandas as pd
>>> from junheng_lib.tables import Column, Table
>>> t = Table("示例", pd.DataFrame({"stage": ["小学", "小学"], "n": [1234.0, None]}),
...           [Column("stage", "学段"), Column("n", "缺额", unit="人", kind="int")], merge="stage")
>>> t.text_rows()
[['小学', '1,234'], ['小学', '—']]
>>> t.columns[1].header
'缺额(人)'
"""
from __future__ import annotations

import html as _html
import math
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .indicators import INDICATORS, RULES

__all__ = ["Column", "Table", "indicator_column", "cv_column", "text_width", "fit_widths", "xlsx_formats", "setup_sheet",
           "to_docx", "natural_width_cm", "VERDICT", "TABLE_CSS"]

#: text of a verdict (True / False / unknown)
VERDICT = {True: "达标", False: "未达标", None: "—"}
_NUMERIC = {"int", "float", "cv", "pct"}


def _missing(v) -> bool:
    if v is None or v is pd.NA or v is pd.NaT:
        return True
    if isinstance(v, (float, np.floating)):
        return math.isnan(v)
    return isinstance(v, str) and v == ""


@dataclass(frozen=True)
class Column:
    """One column of a :class:`Table`.

    Parameters
    ----------
    key : str
        Column of the table's data.
    label : str
        中文 header (without unit).
    unit : str
        Shown in the header as ``label(unit)``.
    kind : {"text", "int", "float", "cv", "pct", "verdict"}
        ``int`` counts (thousands separators, never ".0"), ``float`` with ``decimals``, ``cv`` a
        差异系数 (the rule table's ``cv_decimals``), ``pct`` a share 0–1 shown as %, ``verdict``
        True/False/None shown as 达标/未达标/—.
    decimals : int
        Decimals of ``float`` and ``pct``.
    missing : str
        Text of a missing value.
    room : int
        Width kept in every cell, in half-width characters (a CJK character counts 2), for what a
        bureau writes in by hand or types later (完成时限, 责任人): the column is at least that wide
        in Word, Excel and HTML.
    """

    key: str
    label: str
    unit: str = ""
    kind: str = "text"
    decimals: int = 0
    missing: str = "—"
    room: int = 0

    @property
    def header(self) -> str:
        return f"{self.label}({self.unit})" if self.unit else self.label

    @property
    def numeric(self) -> bool:
        return self.kind in _NUMERIC

    def text(self, v, decimals: int | None = None) -> str:
        """The displayed text of one value (``decimals`` overrides the column's for one cell)."""
        if self.kind == "verdict":
            return VERDICT.get(None if _missing(v) else bool(v), self.missing)
        if _missing(v):
            return self.missing
        if self.kind == "int":
            return f"{float(v):,.0f}"
        if self.kind == "float":
            return f"{float(v):,.{self.decimals if decimals is None else decimals}f}"
        if self.kind == "cv":
            return f"{float(v):.{int(RULES['display']['cv_decimals'])}f}"
        if self.kind == "pct":
            return f"{float(v) * 100:.{self.decimals}f}%"
        return str(v)

    def excel_format(self, decimals: int | None = None) -> str | None:
        """Excel number format of the column (None for text); ``decimals`` overrides for one cell."""
        if self.kind == "int":
            return "#,##0"
        if self.kind == "float":
            d = self.decimals if decimals is None else decimals
            return "#,##0" + ("." + "0" * d if d else "")
        if self.kind == "cv":
            return "0." + "0" * int(RULES["display"]["cv_decimals"])
        if self.kind == "pct":
            return "0" + ("." + "0" * self.decimals if self.decimals else "") + "%"
        return None


def indicator_column(code: str, key: str | None = None, *, label: str | None = None) -> Column:
    """A column of an indicator's values: its short 中文名, unit and display decimals."""
    row = INDICATORS.loc[code]
    return Column(key or code, label or str(row["short"]), str(row["unit"]), "float", int(row["decimals"]))


def cv_column(key: str, label: str = "差异系数") -> Column:
    return Column(key, label, kind="cv")


_WIDE = re.compile("[\u2e80-\U0010ffff]")


def text_width(s: str) -> int:
    """Display width of a text: CJK and full-width characters (from U+2E80) count 2, others 1.

    >>> text_width("小学 12.5")
    9
    """
    s = str(s)
    return len(s) + len(_WIDE.findall(s))


@dataclass
class Table:
    """A report table: raw values, column specs and presentation hints.

    Parameters
    ----------
    title : str
        Caption (the renderers number it: 表N …).
    data : DataFrame
        Raw values; only the columns named by ``columns`` are shown, in that order.
    columns : list of Column
    merge : str, optional
        Key of the column whose consecutive equal values are merged (学段).
    flags : DataFrame, optional
        Booleans (same index as ``data``, columns a subset of the keys): True cells are highlighted
        (a failing value, a CV over its limit) — computed by the evaluation, never here.
    decimals : DataFrame, optional
        Per-cell decimals of ``float`` columns (same index as ``data``; NaN = the column's): the
        published layouts mix 平均值 rows (the indicator's decimals) and 差异系数 rows (3).
    note : str
        A line under the table (scope, source).
    landscape : bool
        Wide tables (per-school annexes) go on landscape pages in Word and Excel.
    """

    title: str
    data: pd.DataFrame
    columns: list[Column]
    merge: str | None = None
    flags: pd.DataFrame | None = None
    decimals: pd.DataFrame | None = None
    note: str = ""
    landscape: bool = False
    name: str = ""
    _cache: dict = field(default_factory=dict, repr=False)

    def __post_init__(self):
        self.data = self.data.reset_index(drop=True)
        if self.flags is not None:
            self.flags = self.flags.reset_index(drop=True)
        if self.decimals is not None:
            self.decimals = self.decimals.reset_index(drop=True)

    def __len__(self) -> int:
        return len(self.data)

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]

    def values(self, key: str) -> list:
        """A column's raw values as a list (None for a column the data lacks); built once."""
        cache = self._cache.setdefault("values", {})
        if key not in cache:
            cache[key] = self.data[key].tolist() if key in self.data else [None] * len(self.data)
        return cache[key]

    def _decimals_of(self, key: str) -> list:
        cache = self._cache.setdefault("decimals", {})
        if key not in cache:
            d = self.decimals
            cache[key] = ([None if pd.isna(x) else int(x) for x in d[key].tolist()]
                          if d is not None and key in d.columns else [None] * len(self.data))
        return cache[key]

    def _flags_of(self, key: str) -> list:
        cache = self._cache.setdefault("flags", {})
        if key not in cache:
            f = self.flags
            cache[key] = ([bool(x) for x in f[key].tolist()] if f is not None and key in f.columns
                          else [False] * len(self.data))
        return cache[key]

    def text_rows(self) -> list[list[str]]:
        """Every row as displayed text."""
        if "text" not in self._cache:
            cols = [(c, self.values(c.key), self._decimals_of(c.key)) for c in self.columns]
            self._cache["text"] = [[c.text(vals[i], dec[i]) for c, vals, dec in cols]
                                   for i in range(len(self.data))]
        return self._cache["text"]

    def cell_decimals(self, i: int, key: str) -> int | None:
        return self._decimals_of(key)[i]

    def flagged(self, i: int, key: str) -> bool:
        return self._flags_of(key)[i]

    def spans(self, most: int | None = None) -> list[int]:
        """Row span of the merge column at each row (0 where the cell is merged into the one above);
        a group longer than ``most`` rows is not merged (its value is shown on every row).

        >>> t = Table("", pd.DataFrame({"s": ["小学"] * 5 + ["初中"] * 2}), [Column("s", "学段")], merge="s")
        >>> t.spans(), t.spans(2)
        ([5, 0, 0, 0, 0, 2, 0], [1, 1, 1, 1, 1, 2, 0])
        """
        n = len(self.data)
        if not self.merge or self.merge not in self.data or n == 0:
            return [1] * n
        v = self.data[self.merge].astype(str).tolist()
        out = [0] * n
        i = 0
        while i < n:
            j = i
            while j + 1 < n and v[j + 1] == v[i]:
                j += 1
            if most is not None and j - i + 1 > most:
                out[i:j + 1] = [1] * (j - i + 1)
                i = j + 1
                continue
            out[i] = j - i + 1
            i = j + 1
        return out

    def widths(self) -> list[int]:
        """Display width of each column (longest header line or cell, CJK counted double)."""
        rows = self.text_rows()
        return [max([text_width(c.header)] + [text_width(r[j]) for r in rows]) for j, c in enumerate(self.columns)]

    def xlsx_layout(self) -> tuple[list[float], int, list[int], list[bool]]:
        """Excel layout: column widths (character units), the header row's lines, each data row's
        lines and which columns wrap their text.

        A column is as wide as its widest cell; a header wider than its column's data wraps over up
        to two lines rather than widening the column (a fit-to-width page prints larger); long texts
        (names, problems) wrap within :data:`XLSX_TEXT_WIDTH`. Row heights follow the lines, so a
        wrapped header or text never runs over the row below (LibreOffice and WPS do not grow rows
        by themselves).

        >>> t = Table("", pd.DataFrame({"n": [25.0], "s": ["短"]}), [Column("n", "差异系数达标另需", "人", "int"),
        ...                                                            Column("s", "说明")])
        >>> w, head, rows, wrap = t.xlsx_layout()
        >>> w, head, rows, wrap
        ([12, 6], 2, [1], [False, False])
        """
        rows = self.text_rows()
        heads = self.headers
        widths, wrap = [], []
        for j, c in enumerate(self.columns):
            data = max([text_width(r[j]) for r in rows] + [c.room])
            long = not c.numeric and c.key != self.merge and data > XLSX_TEXT_WIDTH
            body = XLSX_TEXT_WIDTH if long else data
            head = text_width(heads[j])
            w = max(body, math.ceil(head / 2) if head > body else head, 4) + 2
            widths.append(min(w, 60))
            wrap.append(long)
        head_lines = max([_lines(h, w) for h, w in zip(heads, widths)] or [1])
        row_lines = [max([_lines(r[j], widths[j]) for j in range(len(r)) if wrap[j]] or [1]) for r in rows]
        return widths, head_lines, row_lines, wrap

    # ------------------------------------------------------------------ HTML
    def to_html(self, number: int | None = None, *, css: bool = True) -> str:
        """An HTML ``<table>`` with a caption; numbers right-aligned, every row (with the style
        rules of :data:`TABLE_CSS` unless ``css`` is False)."""
        cap = f"表{number}　{self.title}" if number else self.title
        out = [TABLE_CSS if css else "", '<div class="jh-wide">' if self.landscape else "",
               f'<table class="jh-table"><caption>{_html.escape(cap)}</caption><thead><tr>']
        rows = self.text_rows()
        # texts keep a readable line: a short text (学段, 结论, a level) never wraps, a longer one
        # (a school's name, a list) is at least as wide as most of its cells up to 8 characters
        tw = [0 if c.numeric else max(int(np.percentile([text_width(r[j]) for r in rows] or [0], 90)), c.room)
              for j, c in enumerate(self.columns)]
        short = [not c.numeric and 0 < w <= HTML_NOWRAP for c, w in zip(self.columns, tw)]
        heads = [f' style="--jh-w:{min(w, HTML_TEXT_MIN) / 2:g}em"' if w > HTML_NOWRAP or c.room else ""
                 for c, w in zip(self.columns, tw)]
        out += [f'<th scope="col"{a}>{_html.escape(h)}</th>' for h, a in zip(self.headers, heads)]
        out.append("</tr></thead><tbody>")
        spans = self.spans(HTML_MAX_SPAN)
        for i, row in enumerate(rows):
            out.append("<tr>")
            for j, (c, txt) in enumerate(zip(self.columns, row)):
                if c.key == self.merge:
                    if spans[i] == 0:
                        continue
                    rs = f' rowspan="{spans[i]}"' if spans[i] > 1 else ""
                    out.append(f'<th scope="row" class="grp"{rs}>{_html.escape(txt)}</th>')
                    continue
                cls = ["num"] if c.numeric else ["nw"] if short[j] else []
                if self.flagged(i, c.key):
                    cls.append("fail")
                attr = f' class="{" ".join(cls)}"' if cls else ""
                out.append(f"<td{attr}>{_html.escape(txt)}</td>")
            out.append("</tr>")
        out.append("</tbody></table>")
        if self.note:
            out.append(f'<p class="jh-note">{_html.escape(self.note)}</p>')
        if self.landscape:
            out.append("</div>")
        return "".join(out)

    def _repr_html_(self) -> str:
        return self.to_html()

    def __repr__(self) -> str:
        """The table as text, as displayed (caption, headers with units, every row; numbers
        right-aligned): what a console and a notebook's plain-text output show.

        >>> import pandas as pd
        >>> print(Table("示例", pd.DataFrame({"s": ["小学"], "n": [1234.0]}), [Column("s", "学段"), Column("n", "人数", kind="int")]))
        示例
        学段   人数
        小学  1,234
        """
        rows = [self.headers] + self.text_rows()
        widths = [max(text_width(r[j]) for r in rows) for j in range(len(self.columns))]

        def cell(txt: str, j: int) -> str:
            pad = " " * (widths[j] - text_width(txt))
            return pad + txt if self.columns[j].numeric else txt + pad

        lines = [self.title] if self.title else []
        lines += ["  ".join(cell(t, j) for j, t in enumerate(r)).rstrip() for r in rows]
        if self.note:
            lines.append(self.note)
        return "\n".join(lines)

    # ------------------------------------------------------------------ Excel
    def to_xlsx(self, book, ws, row: int = 0, *, number: int | None = None, formats: dict | None = None
                ) -> tuple[int, int]:
        """Write the table into an xlsxwriter worksheet from ``row``; returns (next free row, header row).

        Numbers are written as numbers with the column's number format; text always as text
        (never a formula); flagged cells filled; the merge column merged.
        """
        f = formats if formats is not None else xlsx_formats(book)
        cap = f"表{number}　{self.title}" if number else self.title
        ws.write_string(row, 0, cap, f["title"])
        row += 1
        head_row = row
        for j, h in enumerate(self.headers):
            ws.write_string(row, j, h, f["head"])
        widths, head_lines, row_lines, wrap = self.xlsx_layout()
        ws.set_row(row, _XLSX_LINE * head_lines + _XLSX_PAD)
        row += 1
        spans = self.spans()
        merge = len(self.data) <= 40   # long sheets keep 学段 on every row (sorting and filtering work)
        for i in range(len(self.data)):
            if row_lines[i] > 1:
                ws.set_row(row, _XLSX_LINE * row_lines[i] + _XLSX_PAD)
            for j, c in enumerate(self.columns):
                v = self.values(c.key)[i]
                bad = self.flagged(i, c.key)
                if c.key == self.merge and merge:
                    if spans[i] == 0:
                        continue
                    txt = c.text(v)
                    if spans[i] > 1:
                        ws.merge_range(row, j, row + spans[i] - 1, j, txt, f["group"])
                    else:
                        ws.write_string(row, j, txt, f["group"])
                    continue
                if c.numeric and not _missing(v):
                    key = (c.excel_format(self.cell_decimals(i, c.key)), bad)
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
        if self.note:
            ws.write_string(row, 0, self.note, f["note"])
            row += 1
        return row + 1, head_row


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

#: HTML: a 学段 group of more rows is not merged but shown on every row (a printed page breaks only
#: between spans: one cell over 41 schools pushes the group to a page of its own, its header left behind)
HTML_MAX_SPAN = 12
#: HTML: texts up to this width (half-width characters; CJK counts 2) never wrap, and a longer text
#: column is at least as wide as most of its cells, up to HTML_TEXT_MIN
HTML_NOWRAP, HTML_TEXT_MIN = 8, 16

#: style of the report tables in HTML (overrides JupyterLab's right-aligned cells; prints on A4)
TABLE_CSS = """<style>
table.jh-table{border-collapse:collapse;margin:0.4em 0 0.2em;font-size:0.92em;page-break-inside:auto}
table.jh-table caption{caption-side:top;font-weight:bold;padding:0.3em 0;text-align:center}
.jp-RenderedHTMLCommon table.jh-table td,.jp-RenderedHTMLCommon table.jh-table th,
table.jh-table td,table.jh-table th{border:1px solid #9a9a9a;padding:2px 6px;text-align:left;vertical-align:middle}
.jp-RenderedHTMLCommon table.jh-table thead th,table.jh-table thead th{background:#ddebf7;text-align:center;min-width:var(--jh-w,2em)}
.jp-RenderedHTMLCommon table.jh-table td.num,table.jh-table td.num{text-align:right;white-space:nowrap;
font-variant-numeric:tabular-nums}
.jp-RenderedHTMLCommon table.jh-table th.grp,table.jh-table th.grp{text-align:center;white-space:nowrap;background:#f7f7f7}
table.jh-table td.nw{white-space:nowrap}
table.jh-table td.fail{background:#f8cbad;color:#9c0006}
table.jh-table tr{page-break-inside:avoid}
.jp-OutputArea-child:has(.jp-RenderedImage){break-after:avoid-page;page-break-after:avoid}
.jp-RenderedImage img{break-inside:avoid}
table.jh-table thead{display:table-header-group}
@page{size:A4;margin:18mm 16mm 18mm 16mm;@bottom-center{content:"— " counter(page) " —";font-size:10pt}}
@media print{img{max-width:100%;max-height:125mm;object-fit:contain}h2{break-after:avoid}
table.jh-table{font-size:7.5pt;line-height:1.2;margin:0.2em 0}
table.jh-table caption{padding:0.1em 0}
.jp-RenderedHTMLCommon table.jh-table td,.jp-RenderedHTMLCommon table.jh-table th,
table.jh-table td,table.jh-table th{padding:0 3px}
div.jh-wide table.jh-table{font-size:6.5pt}
div.jh-wide table.jh-table thead th{min-width:calc(var(--jh-w,4em) / 2)}
.jp-OutputArea-output{padding-top:0;padding-bottom:0;overflow:visible}
.jp-RenderedHTMLCommon p,.jp-RenderedMarkdown p{margin-top:0.25em;margin-bottom:0.25em}}
p.jh-note{font-size:0.85em;color:#595959;margin:0.1em 0 0.8em}
</style>"""


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


# ---------------------------------------------------------------------------------------------- Word
#: style ids of the table's paragraphs (those of junheng's Word template; see junheng_lib.word.STYLES)
DOCX_STYLES = {"caption": "Caption", "cell": "JhTableText", "number": "JhTableNumber", "center": "JhTableCenter",
               "header": "JhTableHeader", "note": "JhTableNote"}
_TWIPS_PER_CM = 567
_BORDERS = "".join(f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
                   for side in ("top", "left", "bottom", "right", "insideH", "insideV"))


def to_docx(table: Table, *, number: int | None = None, width_cm: float = 15.6, size_pt: float = 10.5,
            styles: dict | None = None) -> str:
    """The table as WordprocessingML (``w:`` elements, the namespace declared by the caller): the
    caption 表N above, the table — header row repeated on every page, rows never split across pages,
    columns sized to their text within ``width_cm``, numbers right-aligned and never wrapped, the
    merge column merged, flagged cells shaded — and the note below.

    Faces, sizes and alignment come from the document's paragraph styles (``styles``: role → style
    id; ``size_pt`` is the table style's size, used to fit the columns), so a cell carries no run
    formatting: a county's thousands of cells are one string, parsed once.
    """
    from .word import para_xml, xml_text
    ids = {**DOCX_STYLES, **(styles or {})}
    out = []
    cap = f"表{number}　{table.title}" if number else table.title
    out.append(para_xml(cap, ids["caption"], keep_next=True))
    widths = [max(1, round(x * _TWIPS_PER_CM)) for x in fit_widths(table, width_cm, size_pt)]
    out.append(f'<w:tbl><w:tblPr><w:tblW w:w="{sum(widths)}" w:type="dxa"/><w:jc w:val="center"/>'
               f'<w:tblBorders>{_BORDERS}</w:tblBorders><w:tblLayout w:type="fixed"/>'
               '<w:tblCellMar><w:left w:w="45" w:type="dxa"/><w:right w:w="45" w:type="dxa"/></w:tblCellMar>'
               '<w:tblLook w:val="0000" w:firstRow="0" w:lastRow="0" w:firstColumn="0" w:lastColumn="0" '
               'w:noHBand="1" w:noVBand="1"/></w:tblPr><w:tblGrid>')
    out += [f'<w:gridCol w:w="{w}"/>' for w in widths]
    out.append("</w:tblGrid>")

    def p(text: str, style: str, keep: bool = False) -> str:
        run = f'<w:r><w:t xml:space="preserve">{xml_text(text)}</w:t></w:r>' if text else ""
        kn = "<w:keepNext/>" if keep else ""
        return f'<w:p><w:pPr><w:pStyle w:val="{style}"/>{kn}</w:pPr>{run}</w:p>'

    tc = [f'<w:tc><w:tcPr><w:tcW w:w="{w}" w:type="dxa"/>' for w in widths]
    # header row: repeated on every page, shaded
    out.append("<w:tr><w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>")
    out += [f'{tc[j]}<w:shd w:val="clear" w:color="auto" w:fill="DDEBF7"/><w:vAlign w:val="center"/></w:tcPr>'
            f'{p(h, ids["header"])}</w:tc>' for j, h in enumerate(table.headers)]
    out.append("</w:tr>")
    spans = table.spans()
    flags = table.flags
    flag_cols = {} if flags is None else {c.key: flags[c.key].to_numpy(dtype=bool) for c in table.columns
                                          if c.key in flags.columns}
    kinds = [("merge" if c.key == table.merge else "number" if c.numeric else "cell") for c in table.columns]
    number_ = ids["number"]
    rows = table.text_rows()
    for i, row in enumerate(rows):
        out.append("<w:tr><w:trPr><w:cantSplit/></w:trPr>")
        keep = bool(table.note) and i == len(rows) - 1     # the note never starts a page on its own
        for j, (c, txt) in enumerate(zip(table.columns, row)):
            kind = kinds[j]
            shade = '<w:shd w:val="clear" w:color="auto" w:fill="F8CBAD"/>' if (
                c.key in flag_cols and flag_cols[c.key][i]) else ""
            if kind == "merge":
                if spans[i] == 0:
                    out.append(f'{tc[j]}<w:vMerge/>{shade}<w:vAlign w:val="center"/></w:tcPr><w:p/></w:tc>')
                    continue
                vm = '<w:vMerge w:val="restart"/>' if spans[i] > 1 else ""
                out.append(f'{tc[j]}{vm}{shade}<w:vAlign w:val="center"/></w:tcPr>{p(txt, ids["center"], keep)}</w:tc>')
            elif kind == "number":
                out.append(f'{tc[j]}{shade}<w:noWrap/></w:tcPr>{p(txt, number_, keep)}</w:tc>')
            else:
                out.append(f'{tc[j]}{shade}</w:tcPr>{p(txt, ids["cell"], keep)}</w:tc>')
        out.append("</w:tr>")
    out.append("</w:tbl>")
    if table.note:
        out.append(p(table.note, ids["note"]))
    return "".join(out)


#: the narrowest a long text column (names, lists, 说明) is set, in half-width characters: 6 CJK
#: characters a line, so a list such as 未达标指标 never goes one or two characters a line
LONG_TEXT_MIN = 12


def natural_width_cm(table: Table, size_pt: float) -> float:
    """The width (cm) the table needs to show its numbers unbroken and its long texts at least
    :data:`LONG_TEXT_MIN` wide: a table wider than its page goes on a landscape page instead.

    >>> t = Table("t", pd.DataFrame({"n": [1234567.0] * 12}), [Column("n", "数", kind="int")] * 12)
    >>> 15.6 < natural_width_cm(t, 10.5) < 24.6
    True
    """
    return sum(_base_widths(table, size_pt)[0])


def _base_widths(table: Table, size_pt: float):
    unit = size_pt * 0.0353 * 0.53      # cm per half-width character (a CJK character counts 2)
    pad = 0.22                           # cell margins (0.08 cm a side, see to_docx) and borders
    rows = table.text_rows()
    # texts: the width most rows need (90th percentile), so a few long cells wrap instead of widening;
    # a short text column (学段, 结论: every cell within LONG_TEXT_MIN) as wide as its widest cell
    cells = [[text_width(r[j]) for r in rows] or [0] for j in range(len(table.columns))]
    data_w = [max(max(w) if c.numeric or max(w) <= LONG_TEXT_MIN else int(np.percentile(w, 90)), c.room)
              for c, w in zip(table.columns, cells)]
    head_w = [text_width(h) for h in table.headers]
    long = [not (c.numeric or c.key == table.merge) and d > LONG_TEXT_MIN for c, d in zip(table.columns, data_w)]
    base = [(LONG_TEXT_MIN if lg else max(d, min(h, 4))) * unit + pad for d, h, lg in zip(data_w, head_w, long)]
    return base, unit, pad, data_w, head_w, long


def fit_widths(table: Table, total_cm: float, size_pt: float) -> list[float]:
    """Column widths (cm) that fit ``total_cm``.

    Numbers, the merge column and short texts get their natural width (never broken mid-number
    or one character a line); headers may wrap over several lines; long texts (names, 说明) take
    what is left, up to their natural width, then the headers get room to wrap less.
    """
    base, unit, pad, data_w, head_w, long = _base_widths(table, size_pt)
    total = sum(base)
    if total >= total_cm:               # wider than the page at its narrowest: scale (rare: use landscape)
        return [b * total_cm / total for b in base]
    widths, left = list(base), total_cm - total
    for stage in (lambda j: data_w[j] if long[j] else 0, lambda j: max(head_w[j], data_w[j])):
        want = [max(stage(j) * unit + pad - widths[j], 0) for j in range(len(widths))]
        w = sum(want)
        if w <= 0:
            continue
        give = min(left, w)
        widths = [x + give * y / w for x, y in zip(widths, want)]
        left -= give
        if left <= 1e-9:
            break
    return widths
