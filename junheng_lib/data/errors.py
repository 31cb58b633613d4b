"""Error types of junheng, low in the import graph (standard library only).

A data problem is a :class:`DataIssue` (file, spreadsheet row, column, school, message in Chinese);
:class:`DataError` carries every issue of an input at once. Runners and the CLI catch it without
importing the reading stack.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["DataIssue", "DataError", "visible"]

#: invisible control characters: C0 except tab/LF/CR, DEL and C1
CTRL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def visible(s: str) -> str:
    """``s`` with control characters shown as [U+XXXX] (messages never print invisible bytes)."""
    return CTRL_RE.sub(lambda m: f"[U+{ord(m.group()):04X}]", s) if CTRL_RE.search(s) else s


@dataclass(frozen=True)
class DataIssue:
    """One problem found in an input file."""

    file: str
    message: str
    row: int | None = None
    column: str | None = None
    school: str | None = None

    def __str__(self) -> str:
        parts = [self.file]
        if self.row is not None:
            parts.append(f"第{self.row}行")
        if self.column:
            parts.append(f"列“{self.column}”")
        if self.school:
            parts.append(f"学校 {self.school}")
        return visible("，".join(parts) + "：" + self.message)


class DataError(ValueError):
    """Raised with every problem of an input file at once."""

    def __init__(self, issues: list[DataIssue]):
        self.issues = list(issues)
        super().__init__(self.report())

    def report(self) -> str:
        n = len(self.issues)
        head = f"数据有误，共{n}处：" if n > 1 else "数据有误："
        return head + "\n" + "\n".join(f"  {i}" for i in self.issues)
