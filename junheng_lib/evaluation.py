"""One entry point for a county-year: every table of the evaluation, by name.

Examples
--------
>>> from junheng_lib.data import load
>>> from junheng_lib.evaluation import evaluate_county
>>> tables = evaluate_county(load(), "白石县", 2024)          # doctest: +SKIP
>>> sorted(tables)                                          # doctest: +SKIP
['basic', 'class_bands', 'class_shortfall', 'compliance', ...]
"""
from __future__ import annotations

import pandas as pd

from .county_items import county_items, three_growths
from .data import Dataset
from .evaluate import coefficients, compliance
from .gap import urban_rural_gap
from .indicators import BASIC, QUALITY
from .options import Options
from .plans import compliance_plan, shortfall
from .size import class_bands, class_reconciliation, class_shortfall, school_size, special_rooms
from .trends import cv_trend, warnings_table

__all__ = ["evaluate_county", "TABLES"]

#: name → 中文 title of every table :func:`evaluate_county` returns (also the xlsx sheet names)
TABLES = {
    "basic": "基本均衡差异系数", "quality": "优质均衡差异系数", "compliance": "学校达标情况",
    "shortfall": "学校指标差额", "shortfall_totals": "全县指标差额", "compliance_plan": "学校达标补足方案",
    "class_bands": "班额分布", "class_shortfall": "班额与学位缺额", "class_reconciliation": "班级表与学校表核对",
    "school_size": "学校规模",
    "special_rooms": "音乐美术专用教室", "county_items": "政府保障教育质量社会认可", "three_growths": "经费三个增长",
    "gap": "城乡差距", "trend": "差异系数趋势", "warnings": "预警",
}


def evaluate_county(data: Dataset, county: str | None = None, year: int | None = None,
                    options: Options | None = None, costs: dict | None = None) -> dict[str, pd.DataFrame]:
    """Every evaluation table for one county-year (or every county of the year when ``county`` is None).

    Parameters
    ----------
    data : Dataset
        The validated tables (:func:`junheng_lib.data.load`); classes and counties are optional —
        without them the tables that need them are empty and the county items say 未提供.
    county : str, optional
    year : int, optional
        Default: the latest year of the schools table.
    options : Options, optional
    costs : dict, optional
        Unit costs for the compliance plan (see :func:`junheng_lib.plans.default_costs`).

    Returns
    -------
    dict of DataFrame
        Keys of :data:`TABLES`, each a tidy table with a ``year`` and ``county`` column.
    """
    options = options or Options()
    s = data.schools
    year = int(year) if year else int(s["year"].max())
    coef_all = coefficients(s, options, county=county)
    coef = coef_all[coef_all["year"] == year].reset_index(drop=True)
    sf = shortfall(s, options, year=year, county=county)
    totals = (sf.groupby(["year", "county", "stage", "indicator", "resource", "unit"], sort=False)
              .agg(schools_short=("shortfall", lambda x: int((x > 0).sum())), shortfall=("shortfall", "sum"),
                   shortfall_85=("shortfall_85", "sum")).reset_index()) if not sf.empty else sf
    trend = cv_trend(coef=coef_all)
    return {
        "basic": coef[coef["standard"] == BASIC].reset_index(drop=True),
        "quality": coef[coef["standard"] == QUALITY].reset_index(drop=True),
        "compliance": compliance(s, options, year=year, county=county),
        "shortfall": sf,
        "shortfall_totals": totals,
        "compliance_plan": compliance_plan(s, options, costs, year=year, county=county),
        "class_bands": class_bands(data.classes, s, year=year, county=county),
        "class_shortfall": class_shortfall(data.classes, s, year=year, county=county, options=options),
        "class_reconciliation": class_reconciliation(data.classes, s, year=year, county=county),
        "school_size": school_size(s, year=year, county=county),
        "special_rooms": special_rooms(s, year=year, county=county),
        "county_items": county_items(data.counties, s, data.classes, year=year, county=county),
        "three_growths": three_growths(data.counties, year=year, county=county),
        "gap": urban_rural_gap(s, options, year=year, county=county),
        "trend": trend,
        "warnings": warnings_table(trend, year),
    }
