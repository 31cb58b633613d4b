"""The working records in ``results.json`` and the city roll-up (working-records.md §5–§7).

:func:`records_results` gives a county's ``results["records"]``: its ``projects_summary`` and
``groups_summary`` rows (None when the table was not given or has no row for the year) and the counts of
``ledger_status`` by status (None without last year's ledger). :func:`city_projects` sums the projects
by county with the city's total (shares recomputed from the sums, never averaged);
:func:`city_groups` lists the groups by county, ranked by aid coverage (lowest first) then open
控辍保学 cases (most first), with the city's total.
"""
from __future__ import annotations

import math
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from junheng_lib.analysis.groups import GROUP_SUMMARY_COLUMNS
from junheng_lib.analysis.projects import PROJECT_SUMMARY_COLUMNS
from junheng_lib.rules.codes import LedgerStatus
from junheng_lib.rules.indicators import RULES

__all__ = ["records_results", "city_projects", "city_groups", "TOTAL"]

TOTAL = "全市合计"
_PROJECT_SUMS = ["projects", "not_started", "building", "started", "completed", "planned_10k_yuan",
                 "invested_10k_yuan", "invested_central", "invested_province", "invested_city", "invested_county",
                 "planned_area_m2", "completed_area_m2", "schools"]
_GROUP_SUMS = ["eligible", "aided", "aid_10k_yuan", "left_behind", "migrant", "migrant_public", "disabled",
               "disabled_enrolled", "dropout_suspected", "dropout", "returned", "closed", "open_cases", "students"]


def _plain(v):
    if isinstance(v, (np.bool_, bool)):
        return bool(v)
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        return None if math.isnan(v) else float(v)
    return None if v is None or v is pd.NA else v


def records_results(projects: pd.DataFrame, groups: pd.DataFrame, status: pd.DataFrame, given: dict) -> dict:
    """A county's ``results["records"]`` (see the module docstring)."""
    def row(df, cols):
        if df is None or df.empty:
            return None
        r = df.iloc[0]
        return {c: _plain(r[c]) for c in cols if c not in ("year", "county")}
    return {"projects": row(projects, PROJECT_SUMMARY_COLUMNS) if given.get("projects") else None,
            "groups": row(groups, GROUP_SUMMARY_COLUMNS) if given.get("groups") else None,
            "ledger_status": ({s.value: int((status["status"] == s).sum()) for s in LedgerStatus}
                              if given.get("prior_ledger") else None)}


def _rows(results: Mapping[str, dict], order: Sequence[str], key: str) -> list[dict]:
    out = []
    for c in order:
        rec = ((results.get(c) or {}).get("records") or {}).get(key)
        if rec is not None:
            out.append({"county": c, **rec})
    return out


def city_projects(results: Mapping[str, dict], order: Sequence[str]) -> pd.DataFrame:
    """Per county with a projects table (in ``order``), and :data:`TOTAL`: the sums and the shares
    (开工率, 竣工率, 资金到位率) of the sums. Empty without any county's projects."""
    rows = _rows(results, order, "projects")
    cols = ["county", *_PROJECT_SUMS, "started_share", "completed_share", "invested_share"]
    if not rows:
        return pd.DataFrame(columns=cols)
    d = pd.DataFrame(rows)
    for c in _PROJECT_SUMS:
        d[c] = pd.to_numeric(d.get(c), errors="coerce")
    total = {"county": TOTAL, **{c: d[c].sum(min_count=1) for c in _PROJECT_SUMS}}
    d = pd.concat([d, pd.DataFrame([total])], ignore_index=True)
    d["started_share"] = d["started"] / d["projects"].where(d["projects"] > 0)
    d["completed_share"] = d["completed"] / d["projects"].where(d["projects"] > 0)
    d["invested_share"] = d["invested_10k_yuan"] / d["planned_10k_yuan"].where(d["planned_10k_yuan"] > 0)
    return d[cols]


def city_groups(results: Mapping[str, dict], order: Sequence[str]) -> pd.DataFrame:
    """Per county with a groups table, ranked by aid coverage (lowest first, unknown last) then open
    cases (most first), with ``rank`` and the :data:`TOTAL` row (rates of the sums)."""
    rows = _rows(results, order, "groups")
    cols = ["rank", "county", *_GROUP_SUMS, "aid_coverage", "return_rate", "aid_covered"]
    if not rows:
        return pd.DataFrame(columns=cols)
    d = pd.DataFrame(rows)
    for c in _GROUP_SUMS + ["aid_coverage", "return_rate"]:
        d[c] = pd.to_numeric(d.get(c), errors="coerce")
    d = d.sort_values(["aid_coverage", "open_cases"], ascending=[True, False], na_position="last", kind="stable")
    d.insert(0, "rank", range(1, len(d) + 1))
    total = {"county": TOTAL, **{c: d[c].sum(min_count=1) for c in _GROUP_SUMS}}
    t = pd.DataFrame([total])
    t["aid_coverage"] = t["aided"] / t["eligible"].where(t["eligible"] > 0)
    t["return_rate"] = t["returned"] / t["dropout"].where(t["dropout"] > 0)
    d = pd.concat([d, t], ignore_index=True)
    d["aid_covered"] = [None if pd.isna(v) else bool(v >= float(RULES["records"]["coverage_full"]) - 1e-12) for v in d["aid_coverage"]]
    return d.reindex(columns=cols)
