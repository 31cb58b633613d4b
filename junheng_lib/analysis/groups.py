"""Special groups and 控辍保学 (working-records.md §6): the ``groups`` table per county and year.

:func:`groups_summary` — one row per year × county, columns :data:`GROUP_SUMMARY_COLUMNS`:

``rows`` (rows of the groups table: 1 for a county total, the schools otherwise), the counts summed
(``registered_poor, low_income, extreme_poor, eligible, aided, aid_10k_yuan, left_behind, migrant,
migrant_public, disabled, disabled_enrolled, dropout_suspected, dropout, returned, closed``; blank when
no row gives the count: 未提供, never 0), and

* ``aid_coverage`` = aided ÷ eligible (NaN without eligible pupils), ``aid_covered`` (True at or above
  ``[records] coverage_full``; None when unknown) — below it the report says 未全覆盖;
* ``return_rate`` = 劝返复学 ÷ 辍学 (NaN without dropouts), ``open_cases`` = max(0, 辍学 − 劝返复学 − 销号)
  (销号 not given counts 0; NaN without 辍学 or 劝返复学);
* ``students`` (compulsory students of the schools table, the county-year), ``left_behind_share`` and
  ``migrant_share`` (of those students), ``migrant_public_share`` (随迁子女 in public schools ÷ 随迁子女),
  ``disabled_enrolled_share`` (enrolled ÷ 残疾儿童少年);
* the rates the counties table holds, reported beside them: ``dropout_rate_primary``,
  ``dropout_rate_junior``, ``retention_rate_9yr``, ``enrollment_rate``, ``disabled_enrollment_rate``
  (in %, as the counties table holds them; NaN without it).

>>> g = pd.DataFrame({"year": [2024, 2024], "county": ["甲县", "甲县"], "school_id": ["S1", "S2"],
...     "eligible": [120.0, 80.0], "aided": [120.0, 70.0], "dropout": [6.0, 4.0], "returned": [5.0, 2.0],
...     "closed": [1.0, None]})
>>> r = groups_summary(g).iloc[0]
>>> float(r["aid_coverage"]), bool(r["aid_covered"]), float(r["return_rate"]), float(r["open_cases"])
(0.95, False, 0.7, 2.0)
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from junheng_lib.data.records import GROUP_COUNTS
from junheng_lib.rules.indicators import RULES

__all__ = ["groups_summary", "GROUP_SUMMARY_COLUMNS", "COUNTY_RATES"]

_COUNTS = [n for n, _ in GROUP_COUNTS] + ["aid_10k_yuan"]
#: rates of the counties table reported with the groups
COUNTY_RATES = ["dropout_rate_primary", "dropout_rate_junior", "retention_rate_9yr", "enrollment_rate",
                "disabled_enrollment_rate"]
GROUP_SUMMARY_COLUMNS = ["year", "county", "rows", *_COUNTS, "aid_coverage", "aid_covered", "return_rate",
                         "open_cases", "students", "left_behind_share", "migrant_share", "migrant_public_share",
                         "disabled_enrolled_share", *COUNTY_RATES]


def _ratio(a: pd.Series, b: pd.Series) -> pd.Series:
    return (a / b.where(b > 0)).astype("float64")


def groups_summary(groups: pd.DataFrame | None, schools: pd.DataFrame | None = None,
                   counties: pd.DataFrame | None = None, year: int | None = None, county: str | None = None
                   ) -> pd.DataFrame:
    """Per year × county: aid coverage, 控辍保学 cases and rates, 留守/随迁/残疾 counts and shares (see
    the module docstring). Empty (with the columns) without a groups table or rows."""
    if groups is None:
        return pd.DataFrame(columns=GROUP_SUMMARY_COLUMNS)
    g = groups
    if year is not None:
        g = g[g["year"] == int(year)]
    if county is not None:
        g = g[g["county"] == county]
    if g.empty:
        return pd.DataFrame(columns=GROUP_SUMMARY_COLUMNS)
    cols = [c for c in _COUNTS if c in g]
    grp = g.groupby(["year", "county"], sort=False)
    out = grp[cols].sum(min_count=1).astype("float64")
    out.insert(0, "rows", grp.size())
    out = out.reset_index()
    for c in _COUNTS:
        if c not in out:
            out[c] = np.nan
    out["aid_coverage"] = _ratio(out["aided"], out["eligible"])
    full = float(RULES["records"]["coverage_full"])
    out["aid_covered"] = [None if np.isnan(v) else bool(v >= full - 1e-12) for v in out["aid_coverage"]]
    out["return_rate"] = _ratio(out["returned"], out["dropout"])
    left = out["dropout"] - out["returned"] - out["closed"].fillna(0.0)
    out["open_cases"] = left.clip(lower=0.0)
    if schools is not None:
        s = schools[["year", "county"]].assign(
            students=schools.get("students_primary", 0) + schools.get("students_junior", 0))
        st = s.groupby(["year", "county"])["students"].sum()
        out["students"] = [float(st.get((y, c), np.nan)) for y, c in zip(out["year"], out["county"])]
    else:
        out["students"] = np.nan
    out["left_behind_share"] = _ratio(out["left_behind"], out["students"])
    out["migrant_share"] = _ratio(out["migrant"], out["students"])
    out["migrant_public_share"] = _ratio(out["migrant_public"], out["migrant"])
    out["disabled_enrolled_share"] = _ratio(out["disabled_enrolled"], out["disabled"])
    for c in COUNTY_RATES:
        out[c] = np.nan
    if counties is not None and len(counties):
        k = counties.set_index(["year", "county"])
        for c in COUNTY_RATES:
            if c in k:
                out[c] = [float(k[c].get((y, n), np.nan)) if (y, n) in k.index else np.nan
                          for y, n in zip(out["year"], out["county"])]
    return out[GROUP_SUMMARY_COLUMNS].sort_values(["year", "county"]).reset_index(drop=True)
