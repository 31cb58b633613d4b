"""整改台账 — the rectification ledger: one row per failing item, with what closes it.

Built from one :class:`~junheng_lib.evaluation.Evaluation` (nothing is recomputed): per school,
every 优质均衡 standard not met (value, standard, the shortfall to 100 %, the least-cost plan's
addition that makes the school pass, the estimated cost at the rule table's unit costs), schools
over the size limit, classes over the standard size, music/art rooms missing; per county, CVs over
their limit (with the least addition and cost that brings each quality CV to its limit) and the
county items and 经费 growths not met. The bureau fills in 完成时限 and 责任人.

Columns (:data:`LEDGER_COLUMNS`): ``year, county, level`` (学校 / 全县), ``responsible`` (责任单位),
``school_id, school_name, stage, item`` (code), ``problem`` (问题), ``current, standard, gap``
(差额, in ``unit``), ``plan`` (least-cost plan's addition, same unit), ``cost`` (元, of the gap),
``plan_cost`` (元, of the plan), ``measure``
(整改措施), ``deadline`` and ``person`` (empty).
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from junheng_lib.analysis.plans import cv_plan, default_costs
from junheng_lib.rules.codes import Status
from junheng_lib.rules.indicators import INDICATORS, QUALITY, RULES, label

__all__ = ["ledger", "LEDGER_COLUMNS"]

LEDGER_COLUMNS = ["year", "county", "level", "responsible", "school_id", "school_name", "stage", "item", "problem",
                  "current", "standard", "gap", "unit", "plan", "cost", "plan_cost", "measure", "deadline", "person"]


def _measure(key: str) -> str:
    return RULES["ledger"]["measure"].get(key, RULES["ledger"]["item_measure"])


def ledger(ev, costs: dict | None = None) -> pd.DataFrame:
    """The rectification ledger of an evaluation (see the module docstring for the columns).

    ``costs`` overrides the unit costs of the rule table (元 per unit of each resource), as in the
    evaluation's compliance plan.
    """
    costs = {**default_costs(), **(costs or {})}
    L = RULES["ledger"]
    rows = []
    # ---- schools: 优质均衡 standards not met, with the least-cost plan beside the 100 % shortfall
    sf = ev.shortfall
    if not sf.empty:
        miss = sf[~sf["met"].astype(bool)].copy()
        plan = ev.compliance_plan.set_index(["school_id", "stage", "indicator"])["addition"] \
            if not ev.compliance_plan.empty else pd.Series(dtype=float)
        key = pd.MultiIndex.from_frame(miss[["school_id", "stage", "indicator"]])
        miss["plan"] = plan.reindex(key).fillna(0.0).to_numpy()
        res = miss["indicator"].map(INDICATORS["numerator"])
        unit_cost = res.map(costs).astype(float)
        for r, uc, rs in zip(miss.itertuples(), unit_cost, res):
            rows.append({"year": r.year, "county": r.county, "level": "学校",
                         "responsible": L["school_unit"].format(school=r.school_name), "school_id": r.school_id,
                         "school_name": r.school_name, "stage": r.stage, "item": r.indicator,
                         "problem": f"{label(r.indicator)}未达到标准（为标准的{math.floor(r.ratio * 1000) / 10:g}%）",
                         "current": r.value, "standard": r.standard, "gap": r.shortfall, "unit": r.unit,
                         "plan": r.plan, "cost": r.shortfall * uc, "plan_cost": r.plan * uc,
                         "measure": _measure(rs)})
    # ---- schools below the province's 办学基本标准 (condition 1 of 基本均衡), with the items they miss
    bss = getattr(ev, "basic_standard_schools", None)
    if bss is not None and len(bss):
        items = ev.basic_standard
        std = ev.standard
        for r in bss[~bss["passed"].astype(bool)].itertuples():
            miss = items[(items["school_id"] == r.school_id) & (items["stage"] == r.stage) & ~items["met"].astype(bool)]
            what = "、".join(f"{m.label}（{m.item}）" for m in miss.itertuples())
            rows.append({"year": r.year, "county": r.county, "level": "学校",
                         "responsible": L["school_bureau_unit"].format(county=r.county, school=r.school_name),
                         "school_id": r.school_id, "school_name": r.school_name, "stage": r.stage,
                         "item": "basic_standard", "problem": f"未达到{std.name}：{what}未达标",
                         "current": r.met, "standard": std.min_met or r.items, "unit": "项",
                         "measure": _measure("basic_standard")})
    # ---- schools over the size limit
    for r in ev.school_size[ev.school_size["over"]].itertuples():
        rows.append({"year": r.year, "county": r.county, "level": "学校", "responsible": L["school_bureau_unit"].format(county=r.county, school=r.school_name),
                     "school_id": r.school_id, "school_name": r.school_name, "stage": "", "item": "school_size",
                     "problem": f"学校规模超过{r.limit:,.0f}人", "current": r.students, "standard": r.limit,
                     "gap": r.students - r.limit, "unit": "人", "measure": _measure("school_size")})
    # ---- classes over the standard size (classes missing to bring every class to it)
    cs = ev.class_shortfall
    for r in cs[cs["class_shortfall"] > 0].itertuples():
        rows.append({"year": r.year, "county": r.county, "level": "学校", "responsible": L["school_bureau_unit"].format(county=r.county, school=r.school_name),
                     "school_id": r.school_id, "school_name": r.school_name, "stage": r.stage, "item": "class_size",
                     "problem": f"班额超过{r.standard_size:.0f}人（平均{r.avg_size:.1f}人）", "current": r.classes,
                     "standard": r.classes_needed, "gap": r.class_shortfall, "unit": "班",
                     "measure": _measure("class_size")})
    # ---- music and art rooms
    sr = ev.special_rooms
    for r in sr[sr["passed"].eq(False)].itertuples():
        short = max(r.rooms_needed - r.music_rooms, 0) + max(r.rooms_needed - r.art_rooms, 0)
        rows.append({"year": r.year, "county": r.county, "level": "学校", "responsible": L["school_bureau_unit"].format(county=r.county, school=r.school_name),
                     "school_id": r.school_id, "school_name": r.school_name, "stage": "", "item": "rooms",
                     "problem": "音乐、美术专用教室数量或面积不足", "current": r.music_rooms + r.art_rooms,
                     "standard": 2 * r.rooms_needed, "gap": short if short else np.nan, "unit": "间",
                     "measure": _measure("rooms")})
    # ---- county: CVs over their limit
    coef = ev.coefficients
    bad = coef[coef["passed"].eq(False)]
    for r in bad.itertuples():
        is_comp = r.indicator == "composite"
        name = RULES["basic"]["composite_name"] if is_comp else f"{label(r.indicator)}差异系数"
        row = {"year": r.year, "county": r.county, "level": "全县", "responsible": L["county_unit"].format(county=r.county),
               "school_id": "", "school_name": "", "stage": r.stage, "item": r.indicator,
               "problem": f"{r.stage}{name}超过{r.limit:.2f}", "current": r.cv, "standard": r.limit,
               "gap": r.cv - r.limit, "unit": "差异系数", "measure": _measure("composite" if is_comp else "cv")}
        if r.standard == QUALITY:
            try:
                p = cv_plan(ev.values, county=r.county, stage=r.stage, indicator=r.indicator, year=r.year)
                res = INDICATORS.loc[r.indicator, "numerator"]
                row.update(plan=float(p["addition"].sum()), plan_cost=float(p["addition"].sum()) * costs[res],
                           measure=f"{_measure('cv')}：共需增加{INDICATORS.loc[r.indicator, 'resource']}"
                                   f"{float(p['addition'].sum()):,.0f}{p['unit'].iloc[0]}")
            except ValueError:
                pass
        rows.append(row)
    # ---- county items and 经费 growths not met
    for r in ev.county_items[ev.county_items["status"] == Status.FAIL].itertuples():
        gov = r.group in ("政府保障程度", RULES["basic"]["items_group"])   # the government's items, by group name
        unit = (L["government_unit"] if gov else L["county_unit"]).format(county=r.county)
        rows.append({"year": r.year, "county": r.county, "level": "全县", "responsible": unit, "school_id": "",
                     "school_name": "", "stage": "", "item": f"{r.group}{r.no}", "problem": f"{r.group}第{r.no}项：{r.item}",
                     "current": r.value, "standard": r.standard, "measure": RULES["ledger"]["item_measure"]})
    for r in ev.three_growths[ev.three_growths["status"] == Status.FAIL].itertuples():
        rows.append({"year": r.year, "county": r.county, "level": "全县", "responsible": L["government_unit"].format(county=r.county),
                     "school_id": "", "school_name": "", "stage": "", "item": f"growth{r.no}",
                     "problem": f"经费“三个增长”：{r.item}", "current": r.value, "standard": r.standard,
                     "measure": _measure("growth")})
    out = pd.DataFrame(rows, columns=LEDGER_COLUMNS)
    out["deadline"] = ""
    out["person"] = ""
    return out
