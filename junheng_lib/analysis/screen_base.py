"""The common ground of data screening: the findings table, its labels and the year-over-year judge.

:mod:`junheng_lib.analysis.screen_schools` and :mod:`junheng_lib.analysis.screen_counties` build
findings with :func:`findings`; both tables' year-over-year rules go through :func:`judge_yoy`.
What the rules are is told in :mod:`junheng_lib.analysis.screening`.
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from junheng_lib.data.schema import CLASSES, COUNTIES, SCHOOLS
from junheng_lib.rules.indicators import RULES

#: columns of the findings table, in order
FINDING_COLUMNS = ["year", "county", "school_id", "school_name", "column", "rule", "severity", "value",
                   "previous", "message"]

CFG = RULES["screening"]
SEVERITIES: list[str] = list(CFG["severities"])
ZH = {c.name: c.zh for c in SCHOOLS}
ZH_CLASSES = {c.name: c.zh for c in CLASSES}
ZH_COUNTIES = {c.name: c.zh for c in COUNTIES}
#: sort order of the columns: the schools table's, then the counties table's
COL_ORDER = {c.name: i for i, c in enumerate(SCHOOLS)}
COL_ORDER.update({c.name: len(SCHOOLS) + i for i, c in enumerate(COUNTIES) if c.name not in COL_ORDER})
UNITS: dict[str, str] = dict(CFG["units"])
CCFG = CFG["counties"]
COUNTY_UNITS: dict[str, str] = dict(CCFG["units"])
#: headers of the counties columns screened (the findings of the counties table)
COUNTY_HEADERS = {ZH_COUNTIES[c] for c in COUNTY_UNITS}
KEYS = ["year", "county", "school_id", "school_name"]
ATYPICAL = list(CFG["atypical_types"])
POW_TEXT = {1: ("10倍", "十分之一"), 2: ("100倍", "百分之一"), 3: ("1000倍", "千分之一"), 4: ("1万倍", "万分之一")}


# ---------------------------------------------------------------------------------------------- helpers
def school_label(col: str) -> str:
    """Chinese name of a schools column as messages print it (the 元 of the header is said by the value)."""
    return ZH[col].removesuffix("(元)")


def county_label(col: str) -> str:
    """Chinese name of a counties column as messages print it (the unit of the header is said by the value)."""
    return re.sub(r"\([^()]*\)$", "", ZH_COUNTIES[col])


def num_text(x, decimals: int = 2) -> pd.Series:
    """Numbers as a report prints them: thousands separators, whole numbers without decimals."""
    v = x.astype("float64") if isinstance(x, pd.Series) else pd.Series(x, dtype="float64")
    return v.map(lambda a: "" if not np.isfinite(a) else f"{a:,.0f}" if abs(a - round(a)) < 1e-9
                 else f"{a:,.{decimals}f}".rstrip("0").rstrip("."))


def fixed_text(x: pd.Series, decimals: int) -> pd.Series:
    return x.astype("float64").map(lambda a: f"{a:.{decimals}f}")


def findings(df: pd.DataFrame, rule, column, value, previous, message, severity=None) -> pd.DataFrame:
    """Rows of the findings table from a frame carrying year, county, school_id, school_name.

    ``rule`` and the other fields are scalars or Series (aligned with ``df``); the severity defaults
    to the rule's in the rule table (``rule`` must then be a scalar)."""
    n = len(df)
    sev = CFG["rules"][rule]["severity"] if severity is None else severity

    def col(x):
        return x.to_numpy(dtype=object) if isinstance(x, pd.Series) else np.full(n, x, dtype=object)

    out = pd.DataFrame({
        "year": df["year"].to_numpy(dtype="int64"), "county": col(df["county"]),
        "school_id": col(df["school_id"]) if "school_id" in df else np.full(n, "", dtype=object),
        "school_name": col(df["school_name"]) if "school_name" in df else np.full(n, "", dtype=object),
        "column": col(column), "rule": col(rule), "severity": col(sev), "value": col(value),
        "previous": col(previous), "message": col(message)})
    return out


def empty_findings() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="int64" if c == "year" else object) for c in FINDING_COLUMNS})


def students_total(s: pd.DataFrame) -> pd.Series:
    return s["students_primary"] + s["students_junior"] + s["students_senior"]

def yoy_params(groups) -> pd.DataFrame:
    """One row per column of the year-over-year groups (``[[screening.yoy]]`` or
    ``[[screening.counties.yoy]]``); an absent drop / zero_severity / max_growth turns that rule off."""
    rows = []
    for g in groups:
        for c in g["columns"]:
            rows.append({"col": c, "jump": float(g["jump"]), "drop": float(g.get("drop", np.nan)),
                         "min_base": float(g["min_base"]), "min_change": float(g["min_change"]),
                         "wan": bool(g.get("wan", False)), "zero_severity": str(g.get("zero_severity", "")),
                         "max_growth": float(g.get("max_growth", np.nan)),
                         "slip_min_change": bool(g.get("slip_min_change", False)),
                         "jump_hint": g["jump_hint"], "drop_hint": g.get("drop_hint", "")})
    return pd.DataFrame(rows)

def judge_yoy(long: pd.DataFrame, params: pd.DataFrame, unit_key: str, label_of, zh: dict, units: dict,
               school: bool, decimals: int) -> pd.DataFrame:
    """The year-over-year rules on a long table (year, county[, school_id, school_name], col, cur,
    active) of one unit (``unit_key``: a school or a county) per row: its value ``cur`` this year.
    ``decimals``: at most this many in the messages' numbers."""
    by = [unit_key, "col", "year"]
    prev = long[by + ["cur"]].assign(year=long["year"] + 1).rename(columns={"cur": "prev"})
    nxt = long[by + ["cur"]].assign(year=long["year"] - 1).rename(columns={"cur": "next"})
    m = long.merge(prev, on=by).merge(nxt, on=by, how="left").merge(params, on="col")
    m = m[m["cur"].notna() & m["prev"].notna()].reset_index(drop=True)
    if m.empty:
        return empty_findings()
    cur, prv, nx = m["cur"].to_numpy(float), m["prev"].to_numpy(float), m["next"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(prv > 0, cur / prv, np.nan)
        lg = np.log10(ratio)
        power = np.where(np.isfinite(lg), np.round(lg), 0.0)
        off = np.abs(lg - power)
        wan_pow = int(CFG["wan_power"])
        wan_off = np.abs(np.abs(lg) - wan_pow)        # ÷10 000 has its own (wider) band
        back = np.abs(np.log(nx / prv)) <= np.log(float(CFG["spike_band"]))
        bound = 1 + m["max_growth"].to_numpy(float)   # NaN: no bound for the group
        # a growth beyond the bound (or from 0) is always judged and reported
        over_up = ((prv > 0) & (ratio >= bound)) | ((prv == 0) & (cur > 0) & np.isfinite(bound))
        over = over_up | ((prv > 0) & (ratio <= 1 / bound))
    from_zero = (prv == 0) & (cur > 0) & over_up
    judged = (prv >= m["min_base"].to_numpy()) | over
    power = power.astype(int)
    slip_pow = [int(p) for p in CFG["slip_powers"]]
    zero = judged & (cur == 0) & m["active"].to_numpy(bool) & (m["zero_severity"] != "").to_numpy()
    wan = (judged & (cur > 0) & (wan_off <= np.log10(float(CFG["wan_band"]))) & m["wan"].to_numpy() & ~zero)
    power = np.where(wan, np.sign(power) * wan_pow, power)
    change = (np.abs(cur - prv) >= m["min_change"].to_numpy()) | over
    slip = (judged & (cur > 0) & (off <= np.log10(float(CFG["slip_band"]))) & np.isin(np.abs(power), slip_pow)
            & ~zero & ~wan & (change | ~m["slip_min_change"].to_numpy(bool)))
    jump = judged & (((ratio >= m["jump"].to_numpy()) & change) | over_up) & ~slip & ~wan
    drop = judged & (ratio <= m["drop"].to_numpy()) & change & ~zero & ~slip & ~wan
    kind = np.select([zero, wan, slip, jump, drop], ["to_zero", "unit_wan", "unit_slip", "jump", "drop"], "")
    m["kind"], m["ratio"], m["power"], m["back"] = kind, ratio, power, back & np.isfinite(nx)
    m["over"], m["from_zero"] = over, from_zero
    m = m[m["kind"] != ""].reset_index(drop=True)
    if m.empty:
        return empty_findings()
    # a value that returns to last year's level the year after: this year's value is the slip; the
    # return is not a second finding (unless it is a growth beyond the group's bound)
    spikes = m.loc[m["back"], by].assign(year=lambda d: d["year"] + 1)
    later = m[by].merge(spikes.drop_duplicates(), on=by, how="left", indicator=True)["_merge"].eq("both").to_numpy()
    keep = ~later | m["over"].to_numpy(bool)
    m["returned"] = later
    m = m[keep].reset_index(drop=True)
    unit = m["col"].map(units).fillna("")
    pct = (unit == "%").to_numpy()
    sep = pd.Series(np.where(pct | (unit == ""), "", " "), index=m.index)
    label = m["col"].map(label_of)
    prev_t, cur_t = num_text(m["prev"], decimals) + sep + unit, num_text(m["cur"], decimals) + sep + unit
    p = m["power"].abs().map(lambda k: POW_TEXT.get(k, ("", ""))).str
    up = m["power"] > 0
    times = np.where(up, "约为上年的" + p[0], "约为上年的" + p[1])
    points = (m["cur"] - m["prev"]).abs()
    ratio_t = np.where(pct, np.where(m["ratio"] >= 1, "增加 ", "减少 ") + num_text(points, decimals) + " 个百分点",
                       np.where(m["ratio"] >= 1, "为上年的" + fixed_text(m["ratio"], 1) + "倍",
                                "为上年的" + (m["ratio"] * 100).round().astype("Int64").astype(str) + "%"))
    ratio_t = np.where(m["from_zero"], "上年为 0，增幅无法计算", ratio_t)
    k = m["kind"].to_numpy()
    what = np.select(
        [k == "to_zero", k == "unit_wan", k == "unit_slip", k == "jump", k == "drop"],
        [label + "由 " + prev_t + "变为 0",
         label + "由 " + prev_t + "变为 " + cur_t + "(" + times + ")",
         label + "由 " + prev_t + "变为 " + cur_t + "(" + times + ")",
         label + "由 " + prev_t + "增至 " + cur_t + "(" + ratio_t + ")",
         label + "由 " + prev_t + "减至 " + cur_t + "(" + ratio_t + ")"], "")
    students_col = m["col"].str.startswith("students_").to_numpy() & school
    digits = m["power"].abs().map({1: "一位", 2: "两位"}).fillna("")
    # 万元 and 元 mixed: a column in 万元 grows ×10 000 when typed in 元; one in 元 shrinks ÷10 000
    # when typed in 万元
    big = unit.str.startswith("万").to_numpy()
    other = pd.Series(np.where(big, unit.str.removeprefix("万"), "万" + unit), index=m.index)
    this_year = up.to_numpy() == big
    verify = np.select(
        [m["returned"].to_numpy(bool),
         (k == "to_zero") & students_col, (k == "to_zero") & school, k == "to_zero",
         (k == "unit_wan") & this_year, k == "unit_wan",
         (k == "unit_slip") & ~up, k == "unit_slip",
         (k == "jump") & m["from_zero"].to_numpy(bool),
         k == "jump", k == "drop"],
        ["，与前年水平相近，上年数值最可能有误，请核实上年数值(据此计算的较上年增幅不可用)",
         "，请核实是否停止招生或撤并，或漏填",
         "，而学校仍有在校生，疑似漏填，请核实",
         "，疑似漏填，请核实",
         "，疑似按" + other + "填报，请核实",
         "，疑似上年按" + other + "填报，请核实两年的填报单位",
         "，疑似少输入" + digits + "数字或小数点错位(也可能是上年多输入)，请核实",
         "，疑似多输入" + digits + "数字或小数点错位(也可能是上年少输入)，请核实",
         "，请核实上年是否漏填，或" + m["jump_hint"],
         "，请核实" + m["jump_hint"], "，请核实" + m["drop_hint"]], "")
    spike = np.where(m["back"], "；次年为 " + num_text(m["next"], decimals) + sep + unit + "，与上年相近，本年数值最可能有误", "")
    sev = np.where(k == "to_zero", m["zero_severity"],
                   m["kind"].map(lambda r: CFG["rules"][r]["severity"]))
    out = findings(m, m["kind"], m["col"].map(zh), m["cur"], m["prev"],
                    pd.Series(what, index=m.index) + verify + spike, severity=pd.Series(sev, index=m.index))
    out["_col"] = m["col"].to_numpy()
    return out
