"""基本均衡's four conditions and the county's verdict (教督〔2012〕3号; working-records.md §1).

(1) every school in scope meets the 省定办学基本标准 (``basic_standard``); (2) 校际均衡: the
composite CVs within their limits (``inter_school``); (3) the county government's work score
(``government_work``) and (4) public satisfaction (``satisfaction``), the county items of ``[basic]
items_group``. Each is a :class:`~junheng_lib.rules.codes.Status` code; the verdict is pass only
when all four pass, fail when any fails, otherwise missing (the missing inputs named in ``note``).

Examples
--------
>>> import pandas as pd
>>> schools = pd.DataFrame({"passed": [True, False]})
>>> items = pd.DataFrame({"group": ["基本均衡认定条件"] * 2, "no": [1, 2], "status": ["pass", "pass"],
...                       "value": ["90.0分", "92.0%"]})
>>> t = basic_conditions(schools, True, True, items)
>>> t["status"].tolist(), verdict(t)
(['fail', 'pass', 'pass', 'pass'], 'fail')
"""
from __future__ import annotations

import pandas as pd

from junheng_lib.rules.codes import Status
from junheng_lib.rules.indicators import RULES

__all__ = ["basic_conditions", "verdict", "CONDITION_COLUMNS"]

#: columns of :func:`basic_conditions` (the table ``basic_conditions`` of ``evaluate``)
CONDITION_COLUMNS = ["condition", "name", "status", "value", "note"]


def basic_conditions(standard_schools: pd.DataFrame | None, standard_given: bool, inter_school: bool | None,
                     county_items: pd.DataFrame, composite: dict | None = None) -> pd.DataFrame:
    """The four conditions, in ``[basic_conditions] order`` (:data:`CONDITION_COLUMNS`).

    Parameters
    ----------
    standard_schools : DataFrame or None
        :func:`junheng_lib.analysis.standards.basic_standard_schools` of the county-year (``passed``).
    standard_given : bool
        Whether a standards file was given (without one condition 1 is missing).
    inter_school : bool or None
        The composite verdict of every evaluated stage (:attr:`Evaluation.basic_passed`).
    county_items : DataFrame
        The county items (:func:`junheng_lib.analysis.items.county_items`).
    composite : dict, optional
        Stage → 综合差异系数, shown as the value of 校际均衡 (``cv_decimals`` of the rule table).
    """
    bc = RULES["basic_conditions"]
    rows = []
    sch = standard_schools if standard_schools is not None else pd.DataFrame(columns=["passed"])
    if not standard_given:
        st, value, note = Status.MISSING, "", bc["no_standards"]
    elif sch.empty:
        st, value, note = Status.MISSING, "", bc["no_schools"]
    else:
        n_fail = int((~sch["passed"].astype(bool)).sum())
        st = Status.of(n_fail == 0)
        value, note = f"{len(sch) - n_fail}/{len(sch)}", ""
    rows.append({"condition": "basic_standard", "name": bc["basic_standard"], "status": st.value, "value": value,
                 "note": note})
    dec = int(RULES["display"]["cv_decimals"])
    cvs = "、".join(f"{st}{cv:.{dec}f}" for st, cv in (composite or {}).items() if cv == cv)
    rows.append({"condition": "inter_school", "name": bc["inter_school"], "status": Status.of(inter_school).value,
                 "value": cvs, "note": ""})
    grp = county_items[county_items["group"] == RULES["basic"]["items_group"]] if len(county_items) else county_items
    for code in ("government_work", "satisfaction"):
        it = grp[grp["no"] == bc["county_items"][code]] if len(grp) else grp
        status = str(it["status"].iloc[0]) if len(it) else Status.MISSING.value
        value = str(it["value"].iloc[0]) if len(it) else ""
        rows.append({"condition": code, "name": bc[code], "status": status, "value": value, "note": ""})
    out = pd.DataFrame(rows, columns=CONDITION_COLUMNS)
    order = {c: i for i, c in enumerate(bc["order"])}
    return out.sort_values("condition", key=lambda s: s.map(order)).reset_index(drop=True)


def verdict(conditions: pd.DataFrame) -> str:
    """The county's 基本均衡 verdict from its conditions: pass when all pass, fail when any fails,
    else missing."""
    s = conditions["status"].tolist()
    if Status.FAIL.value in s:
        return Status.FAIL.value
    return Status.PASS.value if s and all(x == Status.PASS.value for x in s) else Status.MISSING.value
