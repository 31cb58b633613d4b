"""What the county report's block modules share: the 学段 column and the stage-first sort, and the
scope notes in words (who is out of scope and how many).

Imported by :mod:`junheng_lib.report.county` and its mixins (:mod:`junheng_lib.report.county_resources`,
:mod:`junheng_lib.report.county_monitoring`), never the other way round.
"""
from __future__ import annotations

import pandas as pd

from junheng_lib.render.table import Column
from junheng_lib.rules.indicators import STAGE_ORDER

__all__ = ["_STAGE", "_stage_sorted", "_reasons"]

_STAGE = Column("stage", "学段")


def _stage_sorted(df: pd.DataFrame, *more: str) -> pd.DataFrame:
    """``df`` sorted by 学段 (小学 first), then by ``more`` (stable)."""
    if df.empty:
        return df
    return df.sort_values(["stage", *more], key=lambda s: s.map(STAGE_ORDER) if s.name == "stage" else s,
                          kind="stable")


def _reasons(st: pd.DataFrame) -> str:
    """'民办学校3所、非县属学校1所' from the scope notes of school × stage rows out of scope."""
    notes = st.loc[st["scope_note"] != "", "scope_note"]
    counts = notes.value_counts(sort=False)
    # a note that names a kind of school ("民办学校不参与计算") reads as the kind and its count; a note
    # that says more (a 教学点 out of one standard, and why) as the count and the note
    return "、".join(f"{note.removesuffix('不参与计算')}{n}所" if note.endswith("学校不参与计算")
                    else f"{n}所{note.replace('；', '，')}" for note, n in counts.items())
