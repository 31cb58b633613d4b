"""What both readers share: the private row-number column :data:`ROW`, one sheet of an input
file as strings (:class:`_Sheet`), a file's bytes, and trimming an array of strings."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from junheng_lib.data.errors import DataError, DataIssue

#: spreadsheet row number kept on every validated frame: a private name no input column can take
ROW = "_junheng_row"


@dataclass
class _Sheet:
    """One sheet of an input file as strings (row i is spreadsheet row i + 1)."""

    name: str
    grid: pd.DataFrame
    fields: np.ndarray | None = None     # CSV: number of fields of each record (None: not known)
    delim: str = ","
    uncached: pd.DataFrame | None = None  # xlsx: formula cells without a cached value (bool, grid's shape)
    may_ctrl: bool = True                 # the sheet may hold control characters (checked per column)
    #: xlsx: the cells holding a date (Excel stores a date as a number shown in a date format), by
    #: (row, column) of ``grid``: (the date, the number Excel stores)
    dates: dict[tuple[int, int], tuple[datetime, float | None]] | None = None
    #: xlsx: the number formats of some cells of ``grid`` ({(row, column): format}), read again from the
    #: file when asked for (only the date cells whose meaning depends on it)
    formats: Callable[[set[tuple[int, int]]], dict[tuple[int, int], str]] | None = None


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


def _strip(v: np.ndarray) -> np.ndarray:
    """Each string of ``v`` trimmed (``str.strip``)."""
    return np.array([x.strip() for x in v], dtype=object) if len(v) else v
