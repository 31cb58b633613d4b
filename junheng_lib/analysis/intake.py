"""A county-supplied intake table (``--intake``: registered births, planned 一年级招生), read
like the main tables, that replaces the projection's intake ratio for the years it covers."""
from __future__ import annotations

import pandas as pd

from junheng_lib.data.errors import DataError, DataIssue
from junheng_lib.data.read import read_table
from junheng_lib.data.schema import Column, RowRule
from junheng_lib.data.validate import validate

#: the columns of a county-supplied intake table (``--intake``)
INTAKE: tuple[Column, ...] = (
    Column("county", "县(区)", kind="text", alt_headers=("县区", "县", "区县")),
    Column("year", "学年", kind="int", min=1949),
    Column("intake", "一年级招生数", kind="num", min=0, alt_headers=("招生数",)),
)
_INTAKE_RULES: tuple[RowRule, ...] = (
    RowRule("county", "同一县(区)同一学年有多行一年级招生数（只能有一行）",
            lambda d: d.duplicated(["county", "year"], keep=False) & d["county"].notna() & d["year"].notna()),
)

__all__ = ["INTAKE", "read_intake"]


def read_intake(path, counties=None) -> pd.DataFrame:
    """A county-supplied intake table: ``county, year, intake`` (中文表头 县(区), 学年, 一年级招生数).

    Read like the main tables (:func:`junheng_lib.data.read.read_table`): CSV in UTF-8 (with or
    without BOM) or GBK/GB18030, or .xlsx; a row with more or fewer fields than the header, a cell
    that is not a number, a corrupt or unreadable file are errors naming the file and the
    spreadsheet row. Every row must name a county, a school year and a non-negative number of new
    grade-1 pupils; one row per county and year; with ``counties`` (the counties of the data), a
    county not among them is an error too. Problems are reported all at once as a
    :class:`~junheng_lib.data.errors.DataError`; the skipped summary rows are ``attrs["notices"]``.
    """
    name = str(path)
    try:
        df, issues, notices = read_table(path, INTAKE)
    except DataError as e:
        raise DataError([_intake_issue(i) for i in e.issues]) from None
    rules = _INTAKE_RULES
    if counties is not None:
        known = sorted({str(c) for c in counties})
        listed = ("（数据中的县(区)：" + "、".join(known) + "）").replace("{", "{{").replace("}", "}}") \
            if len(known) <= 20 else ""
        rules = rules + (RowRule("county", "数据中没有县(区)“{value}”" + listed,
                                 lambda d: d["county"].notna() & ~d["county"].astype(str).isin(known)),)
    out = validate(df, INTAKE, rules, df.attrs.get("name", name), issues)
    res = pd.DataFrame({"county": out["county"].astype(str).to_numpy(), "year": out["year"].astype(int).to_numpy(),
                        "intake": out["intake"].astype(float).to_numpy()})
    res.attrs = {"source": name, "notices": [n.replace("不是学校数据", "不是招生数据") for n in notices]}
    return res


def _intake_issue(issue: DataIssue) -> DataIssue:
    """A reading problem of the intake file, in the intake's words (its columns, not the schools')."""
    if issue.message.startswith("找不到表头"):
        return DataIssue(issue.file, "找不到表头：前20行中没有同时含“县(区)”“学年”“一年级招生数”三列的行；"
                                     "该文件可能不是一年级招生数表", row=issue.row, column=issue.column)
    return DataIssue(issue.file, issue.message, row=issue.row, column=issue.column)


def intake_override(intake: pd.DataFrame | None) -> dict[tuple[str, int], float]:
    if intake is None or intake.empty:
        return {}
    return {(str(c), int(y)): float(v) for c, y, v in intake[["county", "year", "intake"]].itertuples(index=False)}
