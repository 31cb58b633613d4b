"""Converting cells to typed values: numbers (dashes for none, full-width digits, thousands
separators, percentages, school years), enumerations, 是/否 booleans and text, with the failures."""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from junheng_lib.data.headers import _norm, _norm_series
from junheng_lib.data.schema import TYPE_STAGES, Column
from junheng_lib.data.sheet import ROW, _strip

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


def _date_needs_format(d, serial: float | None) -> bool:
    """Whether :func:`_date_year` of this date depends on its cell's number format."""
    return _typed_year(d, serial) or not (d.month >= 9 or (d.month, d.day) == (1, 1))


def _typed_year(d, serial: float | None) -> bool:
    """A whole number that looks like a year (2023) typed into a date-formatted cell (day 2023: 1905)."""
    return serial is not None and float(serial).is_integer() and 1949 <= serial <= 2200 and d.year < 1949


def _date_year(d, year_only: bool, serial: float | None) -> tuple[int | None, str | None]:
    """The 学年 of a year cell holding a date (an .xlsx date cell: the date, whether its format shows
    the year alone, the number Excel stores), or (None, why not) when it cannot be told.

    The 学年 is the year Excel shows: a cell formatted to show the year alone, a date on 1 January (a
    year stored as a date) or from 1 September on (the school year that began that year: the same
    number). A date from 2 January to 31 August lies in the school year begun the year before, so it
    may mean either year: an error. A whole number that looks like a year (2023) typed into a
    date-formatted cell is shown as a date of 1905: an error saying so.
    """
    y = d.year
    if _typed_year(d, serial):
        shown = str(y) if year_only else f"{d:%Y-%m-%d}"
        return None, (f"单元格设成了日期格式：输入的{int(serial)}被 Excel 当作日期，显示为“{shown}”；"
                      f"请把该列的单元格格式改为“常规”（单元格将显示{int(serial)}）后再导入")
    if year_only or d.month >= 9 or (d.month, d.day) == (1, 1):
        return y, None
    return None, (f"是日期（{d:%Y-%m-%d}），无法判断学年：按日历年是{y}年，按学年（9月开学）是{y - 1}学年；"
                  f"请填写学年的起始年份（如 {y - 1} 表示 {y - 1}–{y} 学年）")


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
