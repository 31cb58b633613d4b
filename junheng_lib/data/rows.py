"""Checks of the data rows while reading: summary and note rows (合计/注 …) skipped, CSV rows with
another number of fields than the header, control characters, and line breaks or tabs in names."""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from junheng_lib.data.errors import CTRL_RE as _CTRL_RE
from junheng_lib.data.errors import DataIssue
from junheng_lib.data.errors import visible as _visible
from junheng_lib.data.sheet import _Sheet

#: what begins a summary or note row below or inside a table (a skipped row, with a notice)
_SKIP_WORDS = (r"合\s*计", r"小\s*计", r"总\s*计", r"注[:：]", r"说明[:：]?", "填表", "制表", "审核", "单位负责人")
_SKIP_RE = re.compile(r"^\s*(" + "|".join(_SKIP_WORDS) + ")")
#: their first characters (in a trimmed cell nothing comes before them)
_SKIP_FIRST = np.array(sorted({w[0] for w in _SKIP_WORDS}))

#: line breaks and tabs: an error inside a name or code (they are fine in free-text columns)
_BREAK_RE = re.compile(r"[\t\n\r\u2028\u2029]")
_CTRL_NAMES = {0x00: "空字符", 0x09: "制表符", 0x0A: "换行符", 0x0B: "垂直制表符，常见于从 Word 复制的换行",
               0x0C: "换页符", 0x0D: "回车符", 0x7F: "删除符", 0x2028: "行分隔符", 0x2029: "段分隔符"}
_DELIM_NAMES = {",": "逗号", "\t": "制表符", ";": "分号"}


def _char_names(chars) -> str:
    return "、".join(f"U+{ord(c):04X}" + (f" {_CTRL_NAMES[ord(c)]}" if ord(c) in _CTRL_NAMES else "")
                    for c in sorted(set(chars)))


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
