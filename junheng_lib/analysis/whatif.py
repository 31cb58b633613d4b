"""The what-if of one school: choose it by name, add resources, compare the county's CVs and verdicts.

``what_if_school(schools, county=…, year=…, school="…", add={"Y4": 500})`` is the call behind
explore.ipynb's 试算: the additions go through :func:`junheng_lib.analysis.plans.apply_additions`
(resources by indicator code or 中文名, in the stage's numerator units) and both tables are evaluated
the same way as the report. A school is found by its name or 学校标识码; an unknown one is a Chinese
``ValueError`` naming it and the close names of that county.
"""
from __future__ import annotations

import difflib

import pandas as pd

from junheng_lib.analysis.coefficients import coefficients, values_table
from junheng_lib.analysis.plans import apply_additions
from junheng_lib.rules.options import Options

__all__ = ["find_school", "what_if_school"]

#: how many close names an unknown school's message suggests
SUGGESTIONS = 3


def find_school(schools: pd.DataFrame, name: str, *, county: str) -> str:
    """The 学校标识码 of the county's school called ``name`` (its name or its 学校标识码).

    >>> s = pd.DataFrame({"county": ["甲县", "甲县"], "school_id": ["1", "2"], "school_name": ["城关小学", "东关中学"]})
    >>> find_school(s, "城关小学", county="甲县")
    '1'
    >>> find_school(s, "城关小", county="甲县")
    Traceback (most recent call last):
    ValueError: 甲县没有名为“城关小”的学校。是否要找：城关小学？
    """
    mine = schools.loc[schools["county"] == county, ["school_id", "school_name"]].drop_duplicates()
    text = str(name).strip()
    hit = mine[(mine["school_name"] == text) | (mine["school_id"].astype(str) == text)]
    if not hit.empty:
        return str(hit["school_id"].iloc[0])
    close = difflib.get_close_matches(text, list(dict.fromkeys(mine["school_name"])), n=SUGGESTIONS, cutoff=0.3)
    hint = f"是否要找：{'、'.join(close)}？" if close else f"该县共有{mine['school_name'].nunique()}所学校，请核对名称。"
    raise ValueError(f"{county}没有名为“{text}”的学校。{hint}")


def what_if_school(schools: pd.DataFrame, options: Options | None = None, *, county: str, year: int,
                   school: str, add: dict[str, float], stage: str | None = None) -> pd.DataFrame:
    """The county's CVs before and after adding ``add`` (resource or indicator → amount per stage)
    to ``school``'s ``stage`` (default: each of its stages): one row per stage × indicator with
    ``stage, indicator, cv_before, cv_after, passed_before, passed_after``."""
    options = options or Options()
    sid = find_school(schools, school, county=county)
    before_values = values_table(schools, options)
    mine = before_values[(before_values["school_id"] == sid) & (before_values["year"] == year)]
    stages = [stage] if stage else list(dict.fromkeys(mine["stage"]))
    additions = pd.DataFrame([{"year": year, "school_id": sid, "stage": st, "resource": r, "addition": float(v)}
                              for st in stages for r, v in add.items()])
    after_values = values_table(apply_additions(schools, additions, options), options)
    keep = ["stage", "indicator", "cv", "passed"]
    before = coefficients(before_values, county=county, year=year)[keep]
    after = coefficients(after_values, county=county, year=year)[keep]
    out = before.merge(after, on=["stage", "indicator"], suffixes=("_before", "_after"))
    return out[["stage", "indicator", "cv_before", "cv_after", "passed_before", "passed_after"]]
