"""Status and severity codes: what tables, ``results.json`` and messages carry, with their words.

A county item, a growth condition or a school's verdict is :class:`Status` ``pass``, ``fail`` or
``missing`` (an input not given: never counted as met); a screening finding is :class:`Severity`
``error``, ``warning`` or ``info``. The members are strings (``Status.FAIL == "fail"``), so tables
stay plain data; what a reader sees is the member's :attr:`~Code.word`, from ``[codes]`` of the rule
table — the only place the words 达标/未达标/未提供 and 错误/警告/提示 are defined.

Examples
--------
>>> Status.FAIL.word, Severity.WARNING.word
('未达标', '警告')
>>> Status.of(True), Status.of(None)
(<Status.PASS: 'pass'>, <Status.MISSING: 'missing'>)
>>> sorted([Severity.INFO, Severity.ERROR], key=Severity.rank)
[<Severity.ERROR: 'error'>, <Severity.INFO: 'info'>]
>>> words(["fail", "x", Status.PASS])
['未达标', 'x', '达标']
>>> Notice("county_year_missing", {"county": "甲县", "year": 2024}).text
'县区表中没有县(区)“甲县”2024学年的行，政府保障程度、教育质量、社会认可度和经费“三个增长”各项显示为未提供'
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from junheng_lib.rules.table import RULES

__all__ = ["Code", "Status", "Severity", "LedgerStatus", "Notice", "words", "word"]

_WORDS = RULES["codes"]


class Code(StrEnum):
    """A code whose reader-facing word comes from ``[codes]`` of the rule table."""

    @property
    def word(self) -> str:
        return _WORDS[type(self).__name__.lower()][self.value]   # [codes.status], [codes.severity]


class Status(Code):
    """达标 / 未达标 / 未提供."""

    PASS = "pass"
    FAIL = "fail"
    MISSING = "missing"

    @classmethod
    def of(cls, passed: bool | None) -> "Status":
        """The status of a verdict (True, False, or None for unknown)."""
        return cls.MISSING if passed is None else cls.PASS if passed else cls.FAIL


class Severity(Code):
    """错误 / 警告 / 提示, most serious first."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    def rank(self) -> int:
        """0 for the most serious."""
        return list(Severity).index(self)


class LedgerStatus(Code):
    """An item of last year's 整改台账 this year: 已整改 / 整改中 / 逾期 / 新增 (working-records.md §7)."""

    FIXED = "fixed"
    ONGOING = "ongoing"
    OVERDUE = "overdue"
    NEW = "new"


_BY_VALUE = {m.value: m for cls in (Status, Severity, LedgerStatus) for m in cls}


def word(value) -> object:
    """The word of a code (a member, or its value as a string); anything else unchanged."""
    m = _BY_VALUE.get(value) if isinstance(value, str) else None
    return m.word if m is not None else value


def words(values) -> list:
    """:func:`word` of each value."""
    return [word(v) for v in values]


@dataclass(frozen=True)
class Notice:
    """What the inputs leave out, as data: a ``code`` of ``[notice]`` in the rule table and the
    parameters of its template. The evaluation carries notices; the reports render them
    (:attr:`text`)."""

    code: str
    params: dict = field(default_factory=dict, hash=False)

    @property
    def text(self) -> str:
        t = RULES["notice"]
        out = t[self.code].format(items=t["county_items"], **self.params)
        similar = self.params.get("similar")
        if similar:
            out += t["county_row_similar"].format(similar="、".join(f"“{x}”" for x in similar))
        return out
