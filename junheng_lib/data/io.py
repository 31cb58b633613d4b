"""Reading the input tables: encodings, .xlsx, Chinese or English headers, declared validation.

Every problem in a file is collected (file, spreadsheet row, column, school, message in Chinese)
and raised together as one :class:`DataError`; nothing is guessed silently. Fully blank rows are
skipped; summary and note rows (合计/小计/总计, 注：…) below or inside a table are skipped with a
notice in ``df.attrs["notices"]``.

This module is the public face of the readers; the work is done in :mod:`~junheng_lib.data.read`
(:func:`read_table` over :mod:`~junheng_lib.data.csv` and :mod:`~junheng_lib.data.xlsx`, with
:mod:`~junheng_lib.data.headers` and :mod:`~junheng_lib.data.rows`) and
:mod:`~junheng_lib.data.validate` (:func:`validate`, over :mod:`~junheng_lib.data.cells`).

Examples
--------
>>> from junheng_lib.data.io import read_schools
>>> schools = read_schools("data/sample/schools.csv")          # doctest: +SKIP
>>> schools.attrs["source"]                                       # doctest: +SKIP
'data/sample/schools.csv'
"""
from __future__ import annotations

import pandas as pd

from junheng_lib.data.errors import DataError, DataIssue
from junheng_lib.data.read import read_table
from junheng_lib.data.schema import (
    CLASS_RULES,
    CLASSES,
    COUNTIES,
    COUNTY_RULES,
    SCHOOL_RULES,
    SCHOOLS,
    RowRule,
)
from junheng_lib.data.sheet import ROW
from junheng_lib.data.validate import validate

__all__ = ["ROW", "DataError", "DataIssue", "read_classes", "read_counties", "read_schools", "read_table", "validate"]


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
        # a row whose year or id could not be read is reported for that cell alone
        rules = rules + (RowRule("school_id", "学校标识码在学校表中不存在(同一学年)", lambda d: ~pd.MultiIndex.from_arrays(
            [d["year"].astype("Int64").astype(str), d["school_id"].astype(str)]).isin(known)
            & d["year"].notna().to_numpy() & d["school_id"].notna().to_numpy()),)
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
