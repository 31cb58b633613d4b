"""Headers: normalising a header cell (:func:`_norm`), the known headers of a schema, finding the
sheet and header row of a table (one or two header rows) and mapping its cells to columns."""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from junheng_lib.data.errors import DataIssue
from junheng_lib.data.schema import Column
from junheng_lib.data.sheet import ROW, _Sheet

_UNIT_RE = re.compile(r"\((平方米|㎡|m2|m²|元|台|册|间|人|个|所|班)\)$")


def _norm(h: object) -> str:
    """Header normalization: full-width brackets, spaces and line breaks removed, lower case, and a
    trailing unit such as (平方米)/(㎡)/(台) dropped (but not (万元), which changes the value)."""
    s = "" if h is None else str(h)
    s = s.replace("（", "(").replace("）", ")").replace("\u3000", "").replace("\n", "")
    s = re.sub(r"\s+", "", s).lower()
    return _UNIT_RE.sub("", s)


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
