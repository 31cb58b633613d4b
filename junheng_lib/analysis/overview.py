"""基本情况: schools, students, classes and teachers per stage (with last year's), and schools by type
and 城乡 — every school of the table, whatever its scope."""
from __future__ import annotations

import pandas as pd

from junheng_lib.data.schema import LOCATIONS, STAGE_SUFFIX
from junheng_lib.rules.indicators import RULES, STAGES

__all__ = ["overview", "school_mix"]


def overview(schools: pd.DataFrame, year: int) -> pd.DataFrame:
    """基本情况 per stage (all schools of the table, every ownership): ``stage, schools`` (with
    students in the stage, teaching points included), ``students, classes, teachers`` and the same
    of the year before (``*_prev``, NaN without it)."""
    rows = []
    for y in (year, year - 1):
        cur = schools[schools["year"] == y]
        for st in STAGES:
            suf = STAGE_SUFFIX[st]
            if cur.empty:
                rows.append({"year": y, "stage": st})
                continue
            rows.append({"year": y, "stage": st, "schools": int((cur[f"students_{suf}"] > 0).sum()),
                         "students": float(cur[f"students_{suf}"].sum()),
                         "classes": float(cur[f"classes_{suf}"].fillna(0).sum()),
                         "teachers": float(cur[f"teachers_{suf}"].sum())})
    df = pd.DataFrame(rows, columns=["year", "stage", "schools", "students", "classes", "teachers"])
    now = df[df["year"] == year].drop(columns="year").set_index("stage")
    prev = df[df["year"] == year - 1].drop(columns="year").set_index("stage").add_suffix("_prev")
    return now.join(prev).reset_index()


def school_mix(schools: pd.DataFrame, year: int) -> pd.DataFrame:
    """Schools by type (rows, in the rule table's order) and 城乡 (columns), with 合计 row and column."""
    cur = schools[schools["year"] == year]
    tab = pd.crosstab(cur["school_type"], cur["location"].fillna("未填"), margins=True, margins_name="合计")
    order = [t for t in RULES["school_types"] if t in tab.index] + ["合计"]
    cols = [c for c in (*LOCATIONS, "未填") if c in tab.columns] + ["合计"]
    tab = tab.reindex(index=order, columns=cols).fillna(0).astype(int)
    tab.index.name, tab.columns.name = "school_type", None
    return tab
