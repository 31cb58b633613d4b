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

Excel receives true numbers with number formats; HTML and Word receive the formatted text. The
renderers live beside this model, one module per format: :mod:`junheng_lib.render.html`
(:func:`~junheng_lib.render.html.table_html`), :mod:`junheng_lib.render.docx`
(:func:`~junheng_lib.render.docx.table_docx`) and :mod:`junheng_lib.render.xlsx`
(:func:`~junheng_lib.render.xlsx.write_table`).

Examples
--------
>>> import pandas as pd
>>> from junheng_lib.render.table import Column, Table
>>> t = Table("示例", pd.DataFrame({"stage": ["小学", "小学"], "n": [1234.0, None]}),
...           [Column("stage", "学段"), Column("n", "缺额", unit="人", kind="int")], merge="stage")
>>> t.text_rows()
[['小学', '1,234'], ['小学', '—']]
>>> t.columns[1].header
'缺额(人)'
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from junheng_lib.rules.codes import Status, word
from junheng_lib.rules.indicators import INDICATORS, RULES

__all__ = ["Column", "Table", "indicator_column", "cv_column", "text_width", "is_missing", "VERDICT"]

#: text of a verdict (True / False / unknown)
VERDICT = {True: Status.PASS.word, False: Status.FAIL.word, None: "—"}
_NUMERIC = {"int", "float", "cv", "pct"}
#: kinds whose values are codes (:mod:`junheng_lib.rules.codes`), shown as their words
_CODES = {"status", "severity"}


def is_missing(v) -> bool:
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
    kind : {"text", "int", "float", "cv", "pct", "verdict", "status", "severity"}
        ``int`` counts (thousands separators, never ".0"), ``float`` with ``decimals``, ``cv`` a
        差异系数 (the rule table's ``cv_decimals``), ``pct`` a share 0–1 shown as %, ``verdict``
        True/False/None shown as 达标/未达标/—, ``status`` and ``severity`` codes
        (:mod:`junheng_lib.rules.codes`) shown as their words.
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
            return VERDICT.get(None if is_missing(v) else bool(v), self.missing)
        if is_missing(v):
            return self.missing
        if self.kind in _CODES:
            return str(word(v))
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
