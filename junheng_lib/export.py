"""Writing tables: CSV folders and .xlsx workbooks (failing cells highlighted), atomically."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pandas as pd

__all__ = ["write_tables", "atomic_path"]

_FAIL_FILL = {"bg_color": "#F8CBAD", "font_color": "#9C0006"}


class atomic_path:
    """Context manager yielding a temporary path beside ``path``; moved into place on success."""

    def __init__(self, path: str | Path):
        self.path = Path(path)

    def __enter__(self) -> Path:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.", suffix=".tmp")
        os.close(fd)
        self.tmp = Path(tmp)
        return self.tmp

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            os.replace(self.tmp, self.path)
        else:
            self.tmp.unlink(missing_ok=True)
        return False


def _sheet_name(name: str, used: set) -> str:
    base = "".join(ch for ch in name if ch not in "[]:*?/\\")[:31] or "表"
    out, k = base, 1
    while out in used:
        k += 1
        out = f"{base[:28]}_{k}"
    used.add(out)
    return out


def write_tables(tables: dict[str, pd.DataFrame], out: str | Path, titles: dict[str, str] | None = None
                 ) -> list[Path]:
    """Write named tables: one .xlsx (a sheet each, named by ``titles``) when ``out`` ends in .xlsx,
    otherwise a folder with ``<name>.csv`` files (UTF-8 with BOM, for Excel users).

    In the workbook, cells reading 未达标/False in ``passed``/``status`` columns are highlighted.
    """
    out = Path(out)
    titles = titles or {}
    if out.suffix.lower() == ".xlsx":
        with atomic_path(out) as tmp:
            with pd.ExcelWriter(tmp, engine="xlsxwriter") as xw:
                fail = xw.book.add_format(_FAIL_FILL)
                used: set = set()
                for name, df in tables.items():
                    sheet = _sheet_name(titles.get(name, name), used)
                    df.to_excel(xw, sheet_name=sheet, index=False)
                    ws = xw.sheets[sheet]
                    ws.freeze_panes(1, 0)
                    for j, col in enumerate(df.columns):
                        width = max(len(str(col)), *(len(str(v)) for v in df[col].head(50))) if len(df) else len(str(col))
                        ws.set_column(j, j, min(max(8, width + 2), 40))
                        if col in ("passed", "status", "结论", "over") and len(df):
                            crit = "未达标" if col in ("status", "结论") else ("TRUE" if col == "over" else "FALSE")
                            ws.conditional_format(1, j, len(df), j, {"type": "cell", "criteria": "==",
                                                                     "value": f'"{crit}"' if crit == "未达标" else crit,
                                                                     "format": fail})
        return [out]
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, df in tables.items():
        p = out / f"{name}.csv"
        with atomic_path(p) as tmp:
            df.to_csv(tmp, index=False, encoding="utf-8-sig", lineterminator="\n")
        paths.append(p)
    return paths
