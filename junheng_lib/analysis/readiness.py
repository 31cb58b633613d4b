"""Readiness for 优质均衡: the one scale of grades (the rule table's ``[[readiness.grade]]``), used
by a county's 总体结论 and by the city roll-up alike.

A county's grade is the first grade whose conditions all hold for its metrics — ``basic_passed``,
``quality_passed`` (the evaluation's verdicts), ``cvs_over`` (优质均衡 CVs over their limit, both
stages), ``schools_passed_share`` (school × stage rows meeting the 优质均衡 school rule ÷ all),
``items_failed`` and ``items_missing`` (county items 未达标 / 未提供). :func:`metrics_of` reads them
from a county's results (``Evaluation.results()`` or its JSON side file), so the county report and
the roll-up grade from the same numbers. ``basic_passed`` is the composite verdict (校际均衡), and
False when the county's 基本均衡 verdict by its four conditions (``basic_verdict``) is 未达标: a county
with a school below the 省定办学基本标准 is not graded as having passed 基本均衡.
"""
from __future__ import annotations

import pandas as pd

from junheng_lib.rules.codes import Status
from junheng_lib.rules.indicators import RULES, at_least, within_limit

__all__ = ["GRADES", "grade_of", "grade_conditions", "grade_text", "metrics_of", "METRICS"]

#: readiness grades for 优质均衡, best first
GRADES: list[str] = [g["name"] for g in RULES["readiness"]["grade"]]
#: the metrics a grade's conditions read
METRICS = ("basic_passed", "quality_passed", "cvs_over", "schools_passed_share", "items_failed", "items_missing")


def metrics_of(results: dict) -> dict:
    """The grade's metrics from a county's results (the dict of ``Evaluation.results()``).

    >>> r = {"basic_passed": True, "quality_passed": False, "items": {"missing": 1}, "items_failed": ["A1"],
    ...      "stages": {"小学": {"quality": {"Y1": {"passed": False}, "Y2": {"passed": True}},
    ...                        "schools": 10, "schools_passed": 8}}}
    >>> metrics_of(r)["cvs_over"], metrics_of(r)["schools_passed_share"], metrics_of(r)["items_missing"]
    (1, 0.8, 1)
    """
    stages = results.get("stages", {}).values()
    schools = sum(s["schools"] for s in stages)
    passed = sum(s["schools_passed"] for s in stages)
    basic = False if results.get("basic_verdict") == Status.FAIL.value else results.get("basic_passed")
    return {"basic_passed": basic, "quality_passed": results.get("quality_passed"),
            "cvs_over": sum(1 for s in stages for v in s["quality"].values() if v["passed"] is False),
            "schools_passed_share": passed / schools if schools else float("nan"),
            "items_failed": len(results.get("items_failed", [])),
            "items_missing": int(results.get("items", {}).get(Status.MISSING, 0))}


def _condition_holds(key: str, bound, metrics: dict) -> bool:
    if key.startswith("max_"):
        v = metrics.get(key[4:])
        return v is not None and not pd.isna(v) and bool(within_limit(float(v), float(bound)))
    if key.startswith("min_"):
        v = metrics.get(key[4:])
        return v is not None and not pd.isna(v) and bool(at_least(float(v), float(bound)))
    v = metrics.get(key)
    return v is not None and not pd.isna(v) and bool(v) == bool(bound)


def grade_of(metrics: dict) -> str:
    """The readiness grade of a county: the first of the rule table's ``[[readiness.grade]]`` whose
    conditions all hold for ``metrics`` (``basic_passed``, ``quality_passed``, ``cvs_over``,
    ``schools_passed_share``, ``items_failed``, ``items_missing``). An unknown metric value (None)
    fails every condition on it.

    >>> grade_of({"basic_passed": False, "quality_passed": False})
    '基本均衡未达标'
    """
    for g in RULES["readiness"]["grade"]:
        if all(_condition_holds(k, v, metrics) for k, v in g.items() if k not in ("name", "text")):
            return g["name"]
    raise ValueError("规则表 [[readiness.grade]] 没有覆盖该县(区)的情况（最后一个等级应不带条件）")


def grade_conditions(grade: dict) -> str:
    """A grade's conditions in words, from the rule table (never restated by hand).

    >>> grade_conditions({"name": "x", "basic_passed": True, "max_cvs_over": 0, "min_schools_passed_share": 0.8})
    '基本均衡达标；优质均衡差异系数超标0项；优质均衡达标学校占比不低于80%'
    """
    metric = RULES["readiness"]["metric"]
    parts = []
    for k, v in grade.items():
        if k in ("name", "text"):
            continue
        op, name = (k[:4], k[4:]) if k[:4] in ("max_", "min_") else ("", k)
        m = metric[name]
        if m.get("kind") == "verdict":
            parts.append(f"{m['label']}{Status.of(bool(v)).word}")
            continue
        val = f"{float(v) * 100:g}%" if m.get("kind") == "pct" else f"{v:g}{m.get('unit', '')}"
        if op == "max_":
            parts.append(f"{m['label']}{val}" if float(v) == 0 else f"{m['label']}不超过{val}")
        else:
            parts.append(f"{m['label']}不低于{val}")
    return "；".join(parts) or "不属于以上各等级"



def grade_text(grade: str) -> str:
    """What a grade means for the county, in the words of the rule table (the 总体结论's sentence).

    >>> grade_text(GRADES[0])
    '可申请优质均衡督导评估认定'
    """
    for g in RULES["readiness"]["grade"]:
        if g["name"] == grade:
            return g["text"]
    raise KeyError(grade)
