"""Money over years (working-records.md §4): 三个增长 per year pair and "连续三年", 两个只增不减,
the appropriation gap, and the rates of the counties table the bureaus report with them.

From the counties table over every year it holds, per county × year whose previous year is there
(a year pair):

* 三个增长 (:func:`junheng_lib.analysis.items.three_growths`, one status per growth) and ``growths``,
  all three met;
* ``consecutive``: the three growths met in each of the last ``[finance] consecutive_pairs`` (3)
  consecutive year pairs ending this year — "连续三年实现三个增长" (未提供 without those pairs);
* 两个只增不减: general-budget education spending in total (教育财政拨款) and per pupil (小学 and 初中
  生均一般公共预算教育事业费) not lower than the year before (``total_kept``, ``per_pupil_kept``;
  ``two_kept`` both);
* ``gap_10k_yuan``: where the appropriation grew less than recurrent revenue, last year's
  appropriation × (1 + revenue growth) − this year's (万元): what would have kept the growth; 0
  where it grew at least as fast, NaN where unknown.

Statuses are :class:`~junheng_lib.rules.codes.Status` codes; a year without its previous year is
``missing``.

Examples
--------
Appropriation 10 000 → 10 500 万元 (+5 %) while revenue grew 8 %: gap = 10 000 × 1.08 − 10 500 = 300 万元.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from junheng_lib.analysis.items import three_growths
from junheng_lib.rules.codes import Status
from junheng_lib.rules.indicators import RULES, at_least

__all__ = ["finance_years", "county_rates", "FINANCE_COLUMNS", "RATE_COLUMNS", "RATE_ITEMS"]

FINANCE_COLUMNS = ["year", "county", "edu_appropriation", "recurrent_revenue", "appropriation_growth",
                   "revenue_growth", "growth_1", "growth_2", "growth_3", "growths", "consecutive", "total_kept",
                   "per_pupil_kept", "two_kept", "gap_10k_yuan"]
RATE_COLUMNS = ["year", "county", "item", "column", "value", "unit"]
#: the counties table's rates reported with the county items (控辍保学, 入学): column → 中文名
RATE_ITEMS = {"dropout_rate_primary": "小学辍学率", "dropout_rate_junior": "初中辍学率",
              "retention_rate_9yr": "九年义务教育巩固率", "enrollment_rate": "入学率"}

_PASS, _FAIL, _MISSING = Status.PASS.value, Status.FAIL.value, Status.MISSING.value


def _all(statuses: list[pd.Series]) -> np.ndarray:
    """pass when every one passes, fail when any fails, else missing."""
    s = np.column_stack([x.to_numpy(object) for x in statuses])
    return np.where((s == _FAIL).any(axis=1), _FAIL, np.where((s == _PASS).all(axis=1), _PASS, _MISSING)).astype(object)


def finance_years(counties: pd.DataFrame | None, *, county=None, year=None) -> pd.DataFrame:
    """One row per county × year of the counties table (:data:`FINANCE_COLUMNS`, growths as fractions)."""
    if counties is None or counties.empty:
        return pd.DataFrame(columns=FINANCE_COLUMNS)
    c = counties if county is None else counties[counties["county"].isin([county] if isinstance(county, str)
                                                                         else county)]
    c = c.sort_values(["county", "year"]).reset_index(drop=True)

    def col(name):
        return c[name].astype(float) if name in c else pd.Series(np.nan, index=c.index)

    prev = c.groupby("county").shift(1)
    consecutive = ((c["year"] - c.groupby("county")["year"].shift(1)) == 1).to_numpy()

    def before(name):
        return (prev[name].astype(float) if name in prev else pd.Series(np.nan, index=c.index)).where(consecutive)

    out = c[["year", "county"]].copy()
    app, rev = col("edu_appropriation"), col("recurrent_revenue")
    out["edu_appropriation"], out["recurrent_revenue"] = app, rev
    out["appropriation_growth"] = app / before("edu_appropriation") - 1
    out["revenue_growth"] = rev / before("recurrent_revenue") - 1
    tg = three_growths(c).set_index(["year", "county", "no"])["status"]
    for no in (1, 2, 3):
        out[f"growth_{no}"] = tg.reindex(pd.MultiIndex.from_arrays([c["year"], c["county"], [no] * len(c)])).fillna(
            _MISSING).to_numpy(object)
    out["growths"] = _all([out["growth_1"], out["growth_2"], out["growth_3"]])
    n = int(RULES["finance"]["consecutive_pairs"])
    runs = []
    for k in range(n):   # the pair ending k years before this one, if the years are consecutive
        g = out.groupby("county")["growths"].shift(k)
        y = out.groupby("county")["year"].shift(k)
        runs.append(pd.Series(np.where(y == out["year"] - k, g, _MISSING), index=out.index))
    out["consecutive"] = _all(runs)

    def kept(name):
        cur, b = col(name), before(name)
        known = cur.notna() & b.notna()
        return pd.Series(np.where(~known, _MISSING, np.where(at_least(cur, b), _PASS, _FAIL)), index=c.index)

    out["total_kept"] = kept("edu_appropriation")
    out["per_pupil_kept"] = _all([kept("per_student_spending_primary"), kept("per_student_spending_junior")])
    out["two_kept"] = _all([out["total_kept"], out["per_pupil_kept"]])
    ga, gr = out["appropriation_growth"], out["revenue_growth"]
    gap = before("edu_appropriation") * (1 + gr) - app
    out["gap_10k_yuan"] = np.where(ga.isna() | gr.isna(), np.nan, np.where(ga < gr, gap, 0.0))
    if year is not None:
        out = out[out["year"] == int(year)]
    return out[FINANCE_COLUMNS].sort_values(["year", "county"], kind="stable").reset_index(drop=True)


def county_rates(counties: pd.DataFrame | None, *, county=None, year=None) -> pd.DataFrame:
    """The counties table's 辍学率, 九年巩固率 and 入学率 as rows (:data:`RATE_COLUMNS`; ``value`` in %,
    NaN where the county did not give it)."""
    if counties is None or counties.empty:
        return pd.DataFrame(columns=RATE_COLUMNS)
    c = counties
    if county is not None:
        c = c[c["county"].isin([county] if isinstance(county, str) else county)]
    if year is not None:
        c = c[c["year"] == int(year)]
    parts = [pd.DataFrame({"year": c["year"].to_numpy(), "county": c["county"].to_numpy(), "item": label,
                           "column": name, "value": (c[name].astype(float) if name in c
                                                     else pd.Series(np.nan, index=c.index)).to_numpy(),
                           "unit": "%"})
             for name, label in RATE_ITEMS.items()]
    return pd.concat(parts, ignore_index=True).sort_values(["year", "county"], kind="stable").reset_index(
        drop=True)[RATE_COLUMNS]
