"""Data screening (数据筛查): what in a data folder looks wrong, for a person to verify.

Like the provincial screening of the 教育事业统计, :func:`screen` checks the validated tables of a
data folder and returns one tidy row per finding — it never stops at the first finding and never
changes the data. Four families of rules, every threshold in ``[screening]`` of the rule table:

* year over year, per school (same 学校标识码 in consecutive years): jumps and drops of resources,
  teachers and students; a value falling to 0; unit slips — a ratio near ×10 / ×100 (a digit too
  many or too few) and ×10 000 / ÷10 000 on the equipment value (万元 typed into the 元 column). When
  the next year returns to last year's level, the finding says so and the reversal is not reported
  again;
* plausibility within a year: students per teacher, backbone/PE-art/degree/title counts against
  teachers, rooms against classes, per-student areas and equipment far outside the county's own
  distribution (median and MAD of the logarithm within county × stage × year), class sizes;
* across tables and years: the classes table against the students and classes of the schools table
  (per school × stage), schools that appear or disappear, an id whose name, type or county changed.
* the counties table (``[screening.counties]``), per county between consecutive years, with the
  same year-over-year rules (拨款 and 收入 in 万元, 生均经费 and 工资 in 元, rates in percentage points),
  and 教育财政拨款 against 财政经常性收入 within a year; a growth of a 经费 column beyond its
  ``max_growth`` is always a finding, since 经费"三个增长" prints it.

Year over year compares consecutive years only: :func:`skipped_rules` says, per county-year and
table, which rules could not run and why (no previous year in the data, a gap between years, a
county absent last year).

The findings table has the columns :data:`FINDING_COLUMNS`: ``column`` is the Chinese header of the
cell to verify, ``value`` that cell as reported (``previous``: last year's), ``rule`` a stable code
of ``[screening.rules]``, ``severity`` 错误/警告/提示, ``message`` what looks wrong and what to verify.

Examples
--------
>>> from junheng_lib.data.dataset import load
>>> from junheng_lib.analysis import screening
>>> f = screening.screen(load())                         # doctest: +SKIP
>>> screening.summary(f, "白石县", 2024).text()          # doctest: +SKIP
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from junheng_lib.analysis.stages import school_stages
from junheng_lib.data.schema import CLASSES, COUNTIES, SCHOOLS, STAGE_SUFFIX
from junheng_lib.rules.codes import word, words
from junheng_lib.rules.indicators import INDICATORS, RULES, STAGES

__all__ = ["FINDING_COLUMNS", "screen", "screen_tables", "screen_counties", "skipped_rules", "skipped_notes",
           "SKIPPED_COLUMNS", "YOY_RULES", "summary", "Summary", "describe", "display"]

#: columns of the findings table, in order
FINDING_COLUMNS = ["year", "county", "school_id", "school_name", "column", "rule", "severity", "value",
                   "previous", "message"]

_CFG = RULES["screening"]
_SEVERITIES: list[str] = list(_CFG["severities"])
_ZH = {c.name: c.zh for c in SCHOOLS}
_ZH_CLASSES = {c.name: c.zh for c in CLASSES}
_ZH_COUNTIES = {c.name: c.zh for c in COUNTIES}
#: sort order of the columns: the schools table's, then the counties table's
_COL_ORDER = {c.name: i for i, c in enumerate(SCHOOLS)}
_COL_ORDER.update({c.name: len(SCHOOLS) + i for i, c in enumerate(COUNTIES) if c.name not in _COL_ORDER})
_UNITS: dict[str, str] = dict(_CFG["units"])
_CCFG = _CFG["counties"]
_COUNTY_UNITS: dict[str, str] = dict(_CCFG["units"])
#: headers of the counties columns screened (the findings of the counties table)
_COUNTY_HEADERS = {_ZH_COUNTIES[c] for c in _COUNTY_UNITS}
_KEYS = ["year", "county", "school_id", "school_name"]
_ATYPICAL = list(_CFG["atypical_types"])
_POW_TEXT = {1: ("10倍", "十分之一"), 2: ("100倍", "百分之一"), 3: ("1000倍", "千分之一"), 4: ("1万倍", "万分之一")}


# ---------------------------------------------------------------------------------------------- helpers
def _label(col: str) -> str:
    """Chinese name of a schools column as messages print it (the 元 of the header is said by the value)."""
    return _ZH[col].removesuffix("(元)")


def _county_label(col: str) -> str:
    """Chinese name of a counties column as messages print it (the unit of the header is said by the value)."""
    return re.sub(r"\([^()]*\)$", "", _ZH_COUNTIES[col])


def _num(x, decimals: int = 2) -> pd.Series:
    """Numbers as a report prints them: thousands separators, whole numbers without decimals."""
    v = x.astype("float64") if isinstance(x, pd.Series) else pd.Series(x, dtype="float64")
    return v.map(lambda a: "" if not np.isfinite(a) else f"{a:,.0f}" if abs(a - round(a)) < 1e-9
                 else f"{a:,.{decimals}f}".rstrip("0").rstrip("."))


def _fixed(x: pd.Series, decimals: int) -> pd.Series:
    return x.astype("float64").map(lambda a: f"{a:.{decimals}f}")


def _findings(df: pd.DataFrame, rule, column, value, previous, message, severity=None) -> pd.DataFrame:
    """Rows of the findings table from a frame carrying year, county, school_id, school_name.

    ``rule`` and the other fields are scalars or Series (aligned with ``df``); the severity defaults
    to the rule's in the rule table (``rule`` must then be a scalar)."""
    n = len(df)
    sev = _CFG["rules"][rule]["severity"] if severity is None else severity

    def col(x):
        return x.to_numpy(dtype=object) if isinstance(x, pd.Series) else np.full(n, x, dtype=object)

    out = pd.DataFrame({
        "year": df["year"].to_numpy(dtype="int64"), "county": col(df["county"]),
        "school_id": col(df["school_id"]) if "school_id" in df else np.full(n, "", dtype=object),
        "school_name": col(df["school_name"]) if "school_name" in df else np.full(n, "", dtype=object),
        "column": col(column), "rule": col(rule), "severity": col(sev), "value": col(value),
        "previous": col(previous), "message": col(message)})
    return out


def _empty() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="int64" if c == "year" else object) for c in FINDING_COLUMNS})


def _students_total(s: pd.DataFrame) -> pd.Series:
    return s["students_primary"] + s["students_junior"] + s["students_senior"]


# ---------------------------------------------------------------------------------------------- year over year
#: the students a column needs for "falls to zero" to be a finding: teachers of a stage need the
#: stage's students; students columns need none (a stage may close); resources need the school's
_ACTIVE = {f"teachers_{STAGE_SUFFIX[st]}": f"students_{STAGE_SUFFIX[st]}" for st in STAGES}


def _yoy_params(groups) -> pd.DataFrame:
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


def _yoy(s: pd.DataFrame) -> pd.DataFrame:
    """Jumps, drops, falls to zero and unit slips of each school's values between consecutive years."""
    params = _yoy_params(_CFG["yoy"])
    params = params[params["col"].isin([c for c in params["col"] if c in s and s[c].notna().any()])]
    cols = params["col"].tolist()
    base = s[_KEYS + cols].copy()
    base["_total"] = _students_total(s)
    for tcol, scol in _ACTIVE.items():
        base[f"_act_{tcol}"] = s[scol]
    long = base.melt(id_vars=_KEYS + ["_total"] + [f"_act_{t}" for t in _ACTIVE], value_vars=cols,
                     var_name="col", value_name="cur")
    act = long["_total"].to_numpy(float)
    for tcol in _ACTIVE:
        act = np.where(long["col"] == tcol, long[f"_act_{tcol}"].to_numpy(float), act)
    long["active"] = np.where(long["col"].str.startswith("students_"), 1.0, act) > 0
    long = long[["year", "county", "school_id", "school_name", "col", "cur", "active"]]
    return _judge_yoy(long, params, "school_id", _label, _ZH, _UNITS, school=True, decimals=2)


def _county_yoy(c: pd.DataFrame) -> pd.DataFrame:
    """The same rules on the counties table, per county (``[[screening.counties.yoy]]``)."""
    params = _yoy_params(_CCFG["yoy"])
    params = params[params["col"].isin([x for x in params["col"] if x in c and c[x].notna().any()])]
    if params.empty:
        return _empty()
    cols = params["col"].tolist()
    long = c[["year", "county"] + cols].melt(id_vars=["year", "county"], value_vars=cols, var_name="col",
                                              value_name="cur")
    long["cur"] = pd.to_numeric(long["cur"], errors="coerce")
    long["active"] = True
    return _judge_yoy(long, params, "county", _county_label, _ZH_COUNTIES, _COUNTY_UNITS, school=False, decimals=4)


def _judge_yoy(long: pd.DataFrame, params: pd.DataFrame, unit_key: str, label_of, zh: dict, units: dict,
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
        return _empty()
    cur, prv, nx = m["cur"].to_numpy(float), m["prev"].to_numpy(float), m["next"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(prv > 0, cur / prv, np.nan)
        lg = np.log10(ratio)
        power = np.where(np.isfinite(lg), np.round(lg), 0.0)
        off = np.abs(lg - power)
        wan_pow = int(_CFG["wan_power"])
        wan_off = np.abs(np.abs(lg) - wan_pow)        # ÷10 000 has its own (wider) band
        back = np.abs(np.log(nx / prv)) <= np.log(float(_CFG["spike_band"]))
        bound = 1 + m["max_growth"].to_numpy(float)   # NaN: no bound for the group
        # a growth beyond the bound (or from 0) is always judged and reported
        over_up = ((prv > 0) & (ratio >= bound)) | ((prv == 0) & (cur > 0) & np.isfinite(bound))
        over = over_up | ((prv > 0) & (ratio <= 1 / bound))
    from_zero = (prv == 0) & (cur > 0) & over_up
    judged = (prv >= m["min_base"].to_numpy()) | over
    power = power.astype(int)
    slip_pow = [int(p) for p in _CFG["slip_powers"]]
    zero = judged & (cur == 0) & m["active"].to_numpy(bool) & (m["zero_severity"] != "").to_numpy()
    wan = (judged & (cur > 0) & (wan_off <= np.log10(float(_CFG["wan_band"]))) & m["wan"].to_numpy() & ~zero)
    power = np.where(wan, np.sign(power) * wan_pow, power)
    change = (np.abs(cur - prv) >= m["min_change"].to_numpy()) | over
    slip = (judged & (cur > 0) & (off <= np.log10(float(_CFG["slip_band"]))) & np.isin(np.abs(power), slip_pow)
            & ~zero & ~wan & (change | ~m["slip_min_change"].to_numpy(bool)))
    jump = judged & (((ratio >= m["jump"].to_numpy()) & change) | over_up) & ~slip & ~wan
    drop = judged & (ratio <= m["drop"].to_numpy()) & change & ~zero & ~slip & ~wan
    kind = np.select([zero, wan, slip, jump, drop], ["to_zero", "unit_wan", "unit_slip", "jump", "drop"], "")
    m["kind"], m["ratio"], m["power"], m["back"] = kind, ratio, power, back & np.isfinite(nx)
    m["over"], m["from_zero"] = over, from_zero
    m = m[m["kind"] != ""].reset_index(drop=True)
    if m.empty:
        return _empty()
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
    prev_t, cur_t = _num(m["prev"], decimals) + sep + unit, _num(m["cur"], decimals) + sep + unit
    p = m["power"].abs().map(lambda k: _POW_TEXT.get(k, ("", ""))).str
    up = m["power"] > 0
    times = np.where(up, "约为上年的" + p[0], "约为上年的" + p[1])
    points = (m["cur"] - m["prev"]).abs()
    ratio_t = np.where(pct, np.where(m["ratio"] >= 1, "增加 ", "减少 ") + _num(points, decimals) + " 个百分点",
                       np.where(m["ratio"] >= 1, "为上年的" + _fixed(m["ratio"], 1) + "倍",
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
    spike = np.where(m["back"], "；次年为 " + _num(m["next"], decimals) + sep + unit + "，与上年相近，本年数值最可能有误", "")
    sev = np.where(k == "to_zero", m["zero_severity"],
                   m["kind"].map(lambda r: _CFG["rules"][r]["severity"]))
    out = _findings(m, m["kind"], m["col"].map(zh), m["cur"], m["prev"],
                    pd.Series(what, index=m.index) + verify + spike, severity=pd.Series(sev, index=m.index))
    out["_col"] = m["col"].to_numpy()
    return out


def _county_ratio(c: pd.DataFrame) -> list[pd.DataFrame]:
    """Within a year: 教育财政拨款 against 财政经常性收入 (both 万元) — a ratio no county has means one
    of them was typed in 元 (unit_wan on the one that is too large)."""
    a, r = _CCFG["appropriation"], _CCFG["revenue"]
    if a not in c or r not in c:
        return []
    va, vr = pd.to_numeric(c[a], errors="coerce"), pd.to_numeric(c[r], errors="coerce")
    ok = (va > 0) & (vr > 0)
    q = va / vr.where(ok)
    out = []
    for big, small, v_big, v_small, bad in ((a, r, va, vr, ok & (q >= float(_CCFG["ratio_max"]))),
                                            (r, a, vr, va, ok & (q <= float(_CCFG["ratio_min"])))):
        if not bad.any():
            continue
        times = v_big[bad] / v_small[bad]
        ub, us = _COUNTY_UNITS.get(big, ""), _COUNTY_UNITS.get(small, "")
        msg = (_county_label(big) + " " + _num(v_big[bad], 4) + " " + ub + "为" + _county_label(small) + " "
               + _num(v_small[bad], 4) + " " + us + "的 " + _num(times.round()) + " 倍，两项单位疑似不一致"
               "(万元与元混填)，请核实两项的填报单位")
        f = _findings(c[bad], "unit_wan", _ZH_COUNTIES[big], v_big[bad], "", msg)
        f["_col"] = big
        out.append(f)
    return out


def screen_counties(counties: pd.DataFrame | None) -> pd.DataFrame:
    """The counties table's findings (year over year and 拨款 against 收入), unsorted, with ``_col``."""
    if counties is None or counties.empty:
        return _empty().assign(_col=pd.Series(dtype=object))
    c = counties.reset_index(drop=True)
    yoy = _county_yoy(c)
    within = _county_ratio(c)
    if within and len(yoy):
        # a slip of either column found year over year says more (which column, last year's value)
        pair = [_CCFG["appropriation"], _CCFG["revenue"]]
        seen = yoy.loc[yoy["rule"].isin(["unit_wan", "unit_slip", "to_zero"]) & yoy["_col"].isin(pair),
                       ["year", "county"]].drop_duplicates()
        within = [w[~w[["year", "county"]].merge(seen, how="left", indicator=True)["_merge"]
                    .eq("both").to_numpy()] for w in within]
    parts = [p for p in [yoy, *within] if len(p)]
    return pd.concat(parts, ignore_index=True) if parts else _empty().assign(_col=pd.Series(dtype=object))


# ---------------------------------------------------------------------------------------------- within a year
def _student_teacher(s: pd.DataFrame) -> list[pd.DataFrame]:
    cfg = _CFG["student_teacher"]
    out = []
    for st in STAGES:
        suf = STAGE_SUFFIX[st]
        stu, tea = s[f"students_{suf}"].astype(float), s[f"teachers_{suf}"].astype(float)
        ok = (stu >= cfg["min_students"]) & (tea > 0)
        r = stu / tea.where(tea > 0)
        err = ok & (r < cfg["error_below"])
        low = ok & (r < cfg["warn_below"]) & ~err & ~s["school_type"].isin(_ATYPICAL)
        high = ok & (r > cfg["warn_above"][st])
        bad = err | low | high
        if not bad.any():
            continue
        d = s[bad]
        rr, e, lo = r[bad], err[bad], low[bad]
        head = (st + "生师比为 " + _fixed(rr, 1) + "(在校生 " + _num(stu[bad]) + " 人，专任教师 "
                + _num(tea[bad]) + " 人)")
        msg = np.where(e, head + "，专任教师数接近或多于在校生数，疑似填错列或重复填报，请核实专任教师数与在校生数",
                       np.where(lo, head + f"，低于合理下限 {cfg['warn_below']:g}，请核实专任教师数与在校生数",
                                head + f"，高于合理上限 {cfg['warn_above'][st]:g}，请核实专任教师数与在校生数"))
        sev = np.where(e, _SEVERITIES[0], _CFG["rules"]["student_teacher"]["severity"])
        f = _findings(d, "student_teacher", _ZH[f"teachers_{suf}"], tea[bad], "", msg, severity=sev)
        f["_col"] = f"teachers_{suf}"
        out.append(f)
    return out


def _teacher_share(s: pd.DataFrame) -> list[pd.DataFrame]:
    out = []
    for rule in _CFG["teacher_share"]:
        for st in STAGES:
            suf = STAGE_SUFFIX[st]
            col = f"{rule['column']}_{suf}"
            tea, part = s[f"teachers_{suf}"].astype(float), s[col].astype(float)
            ok = tea >= rule["min_teachers"]
            share = part / tea.where(tea > 0)
            high = ok & (share >= rule["high"]) if "high" in rule else pd.Series(False, index=s.index)
            low = ok & (share < rule["low"]) if "low" in rule else pd.Series(False, index=s.index)
            bad = high | low
            if not bad.any():
                continue
            d = s[bad]
            name = _ZH[col]
            head = (name + "为 " + _num(part[bad]) + " 人，占" + st + "专任教师 " + _num(tea[bad]) + " 人的"
                    + (share[bad] * 100).round().astype("Int64").astype(str) + "%")
            msg = np.where(high[bad] & (part[bad] >= tea[bad]), head + "，即全部专任教师均计入，请核实是否误将全部教师计入",
                           np.where(high[bad], head + f"，达到{rule.get('high', 0) * 100:g}%以上，明显偏高，请核实是否误将多数教师计入",
                                    head + f"，低于{rule.get('low', 0) * 100:g}%，明显偏低，请核实是否漏填"))
            f = _findings(d, "teacher_share", name, part[bad], "", msg)
            f["_col"] = col
            out.append(f)
    return out


def _rooms(s: pd.DataFrame) -> list[pd.DataFrame]:
    out = []
    # a stage without students needs no class count; a stage with students and none given is unknown
    classes = sum(s[f"classes_{STAGE_SUFFIX[st]}"].astype(float).where(s[f"students_{STAGE_SUFFIX[st]}"] > 0, 0.0)
                  for st in STAGES)
    judged = classes.notna() & (s["students_senior"] == 0) & (classes > 0)
    for rule in _CFG["rooms"]:
        col = rule["column"]
        if col not in s:
            continue
        rooms = s[col].astype(float)
        bad = judged & rooms.notna() & (rooms > rule["per_class"] * classes + rule["slack"])
        if not bad.any():
            continue
        msg = (_label(col) + " " + _num(rooms[bad]) + " 间，而小学、初中班数合计 " + _num(classes[bad])
               + " 个，教室数明显多于班数，请核实" + _label(col) + "或班数")
        f = _findings(s[bad], "rooms_classes", _ZH[col], rooms[bad], "", msg)
        f["_col"] = col
        out.append(f)
    return out


def _per_student(s: pd.DataFrame, stages: pd.DataFrame | None = None) -> list[pd.DataFrame]:
    cfg = _CFG["per_student"]
    if stages is None:
        stages = school_stages(s)
    st = stages
    st = st[(st["students"] > 0) & ~st["merged"]]
    ind = INDICATORS[INDICATORS["standard"] == "basic"].reset_index().drop_duplicates("numerator").set_index("numerator")
    out = []
    group = ["year", "county", "stage"]
    for res in cfg["resources"]:
        col = cfg["columns"][res]
        scale = float(ind.loc[res, "scale"])
        v = scale * st[res].astype(float) / st["students"].astype(float)
        lv = np.log(v.where((v > 0) & (st["students"] >= cfg["min_students"]) & ~st["school_type"].isin(_ATYPICAL)))
        d = st[group].assign(lv=lv)
        med = d.groupby(group, observed=True)["lv"].transform("median")
        mad = (d["lv"] - med).abs().groupby([d[g] for g in group], observed=True).transform("median")
        n = d["lv"].notna().groupby([d[g] for g in group], observed=True).transform("sum")
        spread = np.maximum(1.4826 * mad, float(cfg["min_spread"]))    # 1.4826·MAD: the normal's σ
        z = (lv - med) / spread
        far = (z.abs() > cfg["z"]) & ((lv - med).abs() >= np.log(cfg["min_factor"])) & (n >= cfg["min_group"])
        zero = (v == 0)
        bad = (far.fillna(False) | zero).to_numpy()
        if not bad.any():
            continue
        d = st[bad].assign(v=v[bad], z=z[bad], med=np.exp(med[bad]), _col=col)
        name, unit = str(ind.loc[res, "name"]), str(ind.loc[res, "unit"])
        dec = int(ind.loc[res, "decimals"])
        factor = d["v"] / d["med"]
        med_t = "本县同学段学校中位数 " + _num(d["med"], max(dec, 1)) + " " + unit
        rel = np.where(factor >= 1, "，是" + med_t + "的 " + _fixed(factor, 1) + " 倍",
                       "，仅为" + med_t + "的 " + (factor * 100).round().astype("Int64").astype(str) + "%")
        msg = np.where(d["v"] == 0,
                       name + "(" + d["stage"].astype(str) + ")为 0，而有在校生 " + _num(d["students"])
                       + " 人，请核实" + _label(col) + "是否漏填",
                       name + "(" + d["stage"].astype(str) + ")为 " + _num(d["v"], max(dec, 1)) + " " + unit
                       + pd.Series(rel, index=d.index)
                       + "(稳健z值 " + _fixed(d["z"], 1) + ")，远离本县分布，请核实" + _label(col) + "或在校生数")
        d["msg"] = msg
        d["az"] = d["z"].abs().fillna(np.inf)
        # a multi-stage school: one finding per school and column (the stage farthest out)
        d = d.sort_values("az", ascending=False).drop_duplicates(["year", "school_id", "_col"])
        f = _findings(d, "per_student_outlier", _ZH[col], s.set_index(["year", "school_id"])[col]
                      .reindex(pd.MultiIndex.from_frame(d[["year", "school_id"]])).to_numpy(), "", d["msg"])
        f["_col"] = col
        out.append(f)
    return out


def _avg_class_size(s: pd.DataFrame) -> list[pd.DataFrame]:
    cfg = _CFG["class_size"]
    out = []
    for st in STAGES:
        suf = STAGE_SUFFIX[st]
        stu, cls = s[f"students_{suf}"].astype(float), s[f"classes_{suf}"].astype(float)
        ok = cls.notna() & (stu > 0)
        avg = stu / cls.where(cls > 0)
        none = ok & (cls == 0)
        high = ok & (avg > cfg["avg_max"])
        low = ok & (avg < cfg["avg_min"]) & ~s["school_type"].isin(_ATYPICAL)
        bad = none | high | low
        if not bad.any():
            continue
        head = st + "在校生 " + _num(stu[bad]) + " 人，" + st + "班数 " + _num(cls[bad]) + " 个"
        msg = np.where(none[bad], head + "，有在校生但班数为0，请核实班数",
                       head + "，平均班额 " + _fixed(avg[bad].fillna(0), 1) + " 人，超出合理范围 "
                       + f"{cfg['avg_min']:g}–{cfg['avg_max']:g} 人，请核实在校生数或班数")
        f = _findings(s[bad], "avg_class_size", _ZH[f"classes_{suf}"], cls[bad], "", msg)
        f["_col"] = f"classes_{suf}"
        out.append(f)
    return out


# ---------------------------------------------------------------------------------------------- classes table
def _class_sizes(s: pd.DataFrame, cl: pd.DataFrame) -> list[pd.DataFrame]:
    cfg = _CFG["class_size"]
    info = s[_KEYS + ["school_type"]]
    c = cl[["year", "school_id", "stage", "class_size"]].merge(info, on=["year", "school_id"])
    size = c["class_size"].astype(float)
    out = []
    for kind, mask in (("high", size > cfg["max"]),
                       ("low", (size < cfg["min"]) & ~c["school_type"].isin(_ATYPICAL))):
        if not mask.any():
            continue
        g = (c[mask].groupby(_KEYS + ["stage"], sort=False)["class_size"]
             .agg(n="size", ext="max" if kind == "high" else "min").reset_index())
        if kind == "high":
            msg = ("班级表中" + g["stage"] + "有 " + g["n"].astype(str) + " 个班班额超过 " + f"{cfg['max']:g}"
                   + " 人(最大 " + g["ext"].astype(str) + " 人)，请核实班额是否录入有误")
        else:
            msg = ("班级表中" + g["stage"] + "有 " + g["n"].astype(str) + " 个班班额不足 " + f"{cfg['min']:g}"
                   + " 人(最小 " + g["ext"].astype(str) + " 人)，请核实班额是否录入有误")
        f = _findings(g, "class_size", _ZH_CLASSES["class_size"], g["ext"], "", msg)
        f["_col"] = "~class_size"
        out.append(f)
    return out


def _classes_vs_schools(s: pd.DataFrame, cl: pd.DataFrame) -> list[pd.DataFrame]:
    """Σ class sizes and class rows per school × stage against the schools table's students and 班数."""
    cfg = _CFG["classes"]
    agg = (cl.groupby(["year", "school_id", "stage"])["class_size"].agg(total="sum", n="size").reset_index())
    parts = []
    for st in STAGES:
        suf = STAGE_SUFFIX[st]
        parts.append(s[_KEYS].assign(stage=st, students=s[f"students_{suf}"].astype(float),
                                     classes=s[f"classes_{suf}"].astype(float), _col=f"students_{suf}",
                                     _ccol=f"classes_{suf}"))
    long = pd.concat(parts, ignore_index=True)
    # only county-years the classes table covers (a county without any class row is not judged)
    covered = cl[["year", "school_id"]].drop_duplicates().merge(s[["year", "school_id", "county"]])[["year", "county"]]
    long = long.merge(covered.drop_duplicates(), on=["year", "county"])
    m = long.merge(agg, on=["year", "school_id", "stage"], how="left")
    m["total"] = m["total"].fillna(0.0)
    m["n"] = m["n"].fillna(0).astype(int)
    out = []
    missing = (m["students"] > 0) & (m["n"] == 0)
    if missing.any():
        d = m[missing]
        msg = (d["stage"] + "有在校生 " + _num(d["students"]) + " 人，但班级表中没有该校" + d["stage"]
               + "的班级，请补充班级表或核实在校生数")
        f = _findings(d, "classes_missing", d["_col"].map(_ZH), d["students"], "", msg)
        f["_col"] = d["_col"].to_numpy()
        out.append(f)
    have = m[m["n"] > 0]
    diff = (have["students"] - have["total"]).abs()
    tol = np.maximum(cfg["abs_tolerance"], cfg["rel_tolerance"] * np.maximum(have["students"], have["total"]))
    bad = diff > tol
    if bad.any():
        d = have[bad]
        with np.errstate(divide="ignore"):
            ratio = d["students"] / d["total"]
        err = (ratio >= cfg["error_ratio"]) | (ratio <= 1 / cfg["error_ratio"])
        rel = np.where(ratio >= 1, "为其 " + _fixed(ratio, 2) + " 倍", "为其 " + (ratio * 100).round().astype(int).astype(str) + "%")
        msg = ("学校表" + d["stage"] + "在校生 " + _num(d["students"]) + " 人，班级表 " + d["n"].astype(str)
               + " 个班班额合计 " + _num(d["total"]) + " 人(学校表" + pd.Series(rel, index=d.index)
               + ")，请核实在校生数或班级表")
        sev = np.where(err, _SEVERITIES[0], _CFG["rules"]["classes_students"]["severity"])
        f = _findings(d, "classes_students", d["_col"].map(_ZH), d["students"], "", msg, severity=sev)
        f["_col"] = d["_col"].to_numpy()
        out.append(f)
    cnt = have[have["classes"].notna() & ((have["classes"] - have["n"]).abs() > cfg["count_tolerance"])]
    if len(cnt):
        msg = ("学校表" + cnt["stage"] + "班数 " + _num(cnt["classes"]) + " 个，班级表中有 " + cnt["n"].astype(str)
               + " 个班，请核实班数或班级表")
        f = _findings(cnt, "classes_count", cnt["_ccol"].map(_ZH), cnt["classes"], "", msg)
        f["_col"] = cnt["_ccol"].to_numpy()
        out.append(f)
    return out


# ---------------------------------------------------------------------------------------------- identity
def _identity(s: pd.DataFrame) -> list[pd.DataFrame]:
    """Schools that appear or disappear between consecutive years, and ids whose name/type/county changed."""
    years = sorted(set(s["year"]))
    pairs = [y for y in years if y - 1 in set(years)]
    if not pairs:
        return []
    cols = ["year", "county", "school_id", "school_name", "school_type"]
    a = s[cols].assign(total=_students_total(s).astype(float))
    prev = a[a["year"].isin([y - 1 for y in pairs])].assign(year=lambda d: d["year"] + 1)
    cur = a[a["year"].isin(pairs)]
    m = prev.merge(cur, on=["year", "school_id"], how="outer", suffixes=("_prev", ""), indicator=True)
    out = []
    # counties present in one year and absent in the other: one finding for the county
    cy_prev = prev[["year", "county"]].drop_duplicates()
    cy_cur = cur[["year", "county"]].drop_duplicates()
    cc = cy_prev.merge(cy_cur, how="outer", indicator=True)
    gone_c = cc[cc["_merge"] == "left_only"][["year", "county"]]
    new_c = cc[cc["_merge"] == "right_only"][["year", "county"]]
    if len(gone_c):
        n = prev.groupby(["year", "county"]).size().rename("n").reset_index().merge(gone_c)
        msg = ((n["year"] - 1).astype(str) + "学年有该县(区)学校 " + n["n"].astype(str) + " 所，" + n["year"].astype(str)
               + "学年学校表中没有该县(区)的学校，请核实是否漏报")
        f = _findings(n, "county_missing", _ZH["county"], n["county"], "", msg)
        out.append(f.assign(_col="county"))
    if len(new_c):
        n = cur.groupby(["year", "county"]).size().rename("n").reset_index().merge(new_c)
        msg = (n["year"].astype(str) + "学年有该县(区)学校 " + n["n"].astype(str) + " 所，" + (n["year"] - 1).astype(str)
               + "学年学校表中没有该县(区)，请核实上学年是否漏报或县(区)名称是否一致")
        f = _findings(n, "county_new", _ZH["county"], n["county"], "", msg)
        out.append(f.assign(_col="county"))
    gone = m[m["_merge"] == "left_only"].merge(cy_cur.rename(columns={"county": "county_prev"}))
    new = m[m["_merge"] == "right_only"].merge(cy_prev)
    # the same county and name under another id: one finding (the id changed), not gone + new
    gk = gone[["year", "county_prev", "school_name_prev", "school_id"]].rename(
        columns={"county_prev": "county", "school_name_prev": "school_name", "school_id": "old_id"})
    nk = new[["year", "county", "school_name", "school_id"]]
    gk = gk.drop_duplicates(["year", "county", "school_name"], keep=False)
    nk = nk.drop_duplicates(["year", "county", "school_name"], keep=False)
    ch = nk.merge(gk, on=["year", "county", "school_name"])
    if len(ch):
        msg = ("学校“" + ch["school_name"] + "”上学年标识码为 " + ch["old_id"] + "，本学年为 " + ch["school_id"]
               + "，学校标识码应保持不变，请核实")
        out.append(_findings(ch, "id_changed", _ZH["school_id"], ch["school_id"], ch["old_id"], msg).assign(_col="school_id"))
    gone = gone.merge(ch[["year", "old_id"]].rename(columns={"old_id": "school_id"}), how="left", indicator="_m2")
    gone = gone[gone["_m2"] == "left_only"]
    new = new.merge(ch[["year", "school_id"]], how="left", indicator="_m2")
    new = new[new["_m2"] == "left_only"]
    if len(gone):
        d = gone.assign(county=gone["county_prev"], school_name=gone["school_name_prev"])
        msg = ((d["year"] - 1).astype(str) + "学年有该校(" + d["school_type_prev"] + "，在校生 " + _num(d["total_prev"])
               + " 人)，" + d["year"].astype(str) + "学年学校表中没有该校，请核实是否撤并、停办、漏报或标识码变更")
        out.append(_findings(d, "school_gone", _ZH["school_id"], "", d["school_id"], msg).assign(_col="school_id"))
    if len(new):
        msg = (new["year"].astype(str) + "学年新出现的学校(" + new["school_type"] + "，在校生 " + _num(new["total"])
               + " 人)，" + (new["year"] - 1).astype(str) + "学年学校表中没有该标识码，请核实是否新设学校、上学年漏报或标识码变更")
        out.append(_findings(new, "school_new", _ZH["school_id"], new["school_id"], "", msg).assign(_col="school_id"))
    both = m[m["_merge"] == "both"]
    for field, rule in (("school_name", "name_changed"), ("school_type", "type_changed"), ("county", "county_changed")):
        d = both[both[field].astype(str) != both[f"{field}_prev"].astype(str)]
        if d.empty:
            continue
        name = {"school_name": "学校名称", "school_type": "办学类型", "county": "所属县(区)"}[field]
        msg = (name + "由“" + d[f"{field}_prev"].astype(str) + "”变为“" + d[field].astype(str)
               + "”(学校标识码未变)，请核实是否" + {"school_name": "更名", "school_type": "改制(如小学改为九年一贯制)",
                                                 "county": "区划调整"}[field] + "，或标识码填错")
        out.append(_findings(d, rule, _ZH[field], d[field], d[f"{field}_prev"], msg).assign(_col=field))
    return out


# ---------------------------------------------------------------------------------------------- entry points
def screen_tables(schools: pd.DataFrame, classes: pd.DataFrame | None = None,
                  county_order: list[str] | None = None, stages: pd.DataFrame | None = None,
                  counties: pd.DataFrame | None = None) -> pd.DataFrame:
    """Screen a validated schools table (and optionally its classes and counties tables).

    ``stages``: the school × stage table of these schools when the caller has it already (an
    evaluation's values table, every year of the schools given); otherwise the schools are
    expanded here for the per-student rules. ``counties``: the counties table (rows of the
    counties and years to screen), screened year over year like the schools (``[screening.counties]``);
    its findings have no school and ``column`` the counties table's header.

    Returns
    -------
    DataFrame
        One row per finding, columns :data:`FINDING_COLUMNS`, sorted by severity (错误, 警告,
        提示), county (``county_order``, else as they first appear), school, year and column.
        ``value``/``previous`` hold numbers as reported (or text for names and types; empty when
        there is none). Empty (with these columns) when nothing was found.
    """
    s = schools.reset_index(drop=True)
    parts = [_yoy(s), *_student_teacher(s), *_teacher_share(s), *_rooms(s), *_avg_class_size(s), *_identity(s),
             screen_counties(counties)]
    outliers = _per_student(s, stages)
    if classes is not None and len(classes):
        parts += _class_sizes(s, classes) + _classes_vs_schools(s, classes)
    parts = [p for p in parts if len(p)]
    out = pd.concat(parts, ignore_index=True) if parts else _empty().assign(_col=pd.Series(dtype=object))
    if outliers:
        o = pd.concat(outliers, ignore_index=True)
        # a per-student outlier of a value already found year over year adds nothing
        seen = out.loc[out["rule"].isin(["to_zero", "unit_wan", "unit_slip", "jump", "drop"]), ["year", "school_id", "_col"]]
        hit = o[["year", "school_id", "_col"]].merge(seen.drop_duplicates(), how="left", indicator=True)["_merge"].eq("both")
        out = pd.concat([out, o[~hit.to_numpy()]], ignore_index=True)
    return _sort(out, county_order)


def _sort(out: pd.DataFrame, county_order: list[str] | None) -> pd.DataFrame:
    order = list(county_order or []) + [c for c in dict.fromkeys(out["county"]) if c not in (county_order or [])]
    key = pd.DataFrame({
        "sev": pd.Categorical(out["severity"], categories=_SEVERITIES, ordered=True).codes,
        "county": pd.Categorical(out["county"], categories=order, ordered=True).codes,
        "school": out["school_id"].astype(str), "year": out["year"],
        "col": out["_col"].map(_COL_ORDER).fillna(len(_COL_ORDER)).to_numpy(),
        "rule": pd.Categorical(out["rule"], categories=list(_CFG["rules"]), ordered=True).codes})
    idx = key.sort_values(["sev", "county", "school", "year", "col", "rule"], kind="stable").index
    out = out.loc[idx, FINDING_COLUMNS].reset_index(drop=True)
    out["year"] = out["year"].astype("int64")
    return out


def screen(ds) -> pd.DataFrame:
    """Screen a :class:`~junheng_lib.data.dataset.Dataset` (schools and, when present, classes and counties)."""
    return screen_tables(ds.schools, ds.classes, ds.counties_list, counties=ds.counties)


# ---------------------------------------------------------------------------------------------- rules not run
#: the rules that compare a year with the one before, per table
YOY_RULES = {"schools": ("unit_wan", "unit_slip", "to_zero", "jump", "drop", "school_gone", "school_new", "id_changed",
                         "name_changed", "type_changed", "county_changed", "county_missing", "county_new"),
             "counties": ("unit_wan", "unit_slip", "to_zero", "jump", "drop")}
#: of these, the rules that still run for a county absent from last year's schools table (a county_new finding)
_COUNTY_LEVEL = ("county_missing", "county_new")
_TABLE_ZH = {"schools": "学校表", "counties": "县区表"}
SKIPPED_COLUMNS = ["year", "county", "table", "reason", "previous", "rules", "message"]


def skipped_rules(schools: pd.DataFrame, counties: pd.DataFrame | None = None, *, year=None,
                  county=None) -> pd.DataFrame:
    """The year-over-year rules that could not run, and why, per county-year and table.

    Year over year compares a year only with the year before (the same school or county in
    consecutive school years); a county-year whose previous year is not in the table is not compared.

    Returns
    -------
    DataFrame
        Columns :data:`SKIPPED_COLUMNS`: ``table`` ``schools`` or ``counties``; ``reason`` ``only``
        (the table has this one year), ``first`` (the earliest of the table's years), ``gap`` (the
        table has no row of the year before, but an earlier year: ``previous`` is that year) or
        ``absent`` (the table has the year before, but not for this county); ``rules`` the rule codes not run (a tuple); ``message`` a Chinese
        sentence for a report. Only county-years present in the table; ``year`` and ``county`` (one
        or a list) select rows. Empty when every rule ran.
    """
    rows = []
    for table, df in (("schools", schools), ("counties", counties)):
        if df is None or df.empty:
            continue
        cy = df[["year", "county"]].drop_duplicates()
        have = set(cy.itertuples(index=False, name=None))
        years = sorted({int(y) for y in cy["year"]})
        for y, c in sorted((int(a), b) for a, b in have):
            if (y - 1, c) in have:
                continue
            earlier = [a for a in years if a < y]
            rules = YOY_RULES[table]
            tz = _TABLE_ZH[table]
            if y - 1 in years:
                reason, prev_y = "absent", y - 1
                if table == "schools":
                    rules = tuple(r for r in rules if r not in _COUNTY_LEVEL)
                    why = f"{y - 1}学年学校表中没有该县(区)的学校"
                else:
                    why = f"县区表中没有该县(区){y - 1}学年的行"
            elif earlier:
                reason, prev_y = "gap", earlier[-1]
                why = f"{tz}中没有{y - 1}学年的数据(上一个有数据的学年为{prev_y}学年)，跨年比较只在相邻学年之间进行"
            elif len(years) == 1:
                reason, prev_y = "only", None
                why = f"{tz}只有{y}学年的数据，跨年比较需要相邻两个学年"
            else:
                reason, prev_y = "first", None
                why = f"{y}学年是{tz}中最早的学年，没有上一学年可比"
            labels = "、".join(rule_label(r) for r in rules)
            msg = f"{c}{y}学年{tz}的跨年比较（{labels}）未进行：{why}。"
            rows.append({"year": y, "county": c, "table": table, "reason": reason, "previous": prev_y,
                         "rules": rules, "message": msg})
    out = pd.DataFrame(rows, columns=SKIPPED_COLUMNS)
    if year is not None:
        out = out[out["year"] == int(year)]
    if county is not None:
        out = out[out["county"].isin([county] if isinstance(county, str) else list(county))]
    out["year"] = out["year"].astype("int64")
    return out.reset_index(drop=True)


def skipped_notes(skipped: pd.DataFrame, *, first: bool = False) -> list[str]:
    """Chinese lines (提示) for :func:`skipped_rules`, one per year, table and reason (the counties
    named when not every county of the year is concerned). The earliest of several years of a table
    (reason ``first``: nothing before it to compare with, as always) is left out unless ``first``."""
    out = []
    if skipped.empty:
        return out
    order = skipped.assign(_t=skipped["table"].map(list(_TABLE_ZH).index))
    for (y, _, reason), g in order.groupby(["year", "_t", "reason"], sort=True):
        table = g["table"].iloc[0]
        tz = _TABLE_ZH[table]
        codes = "、".join(g["rules"].iloc[0])
        names = "、".join(dict.fromkeys(g["county"]))
        if reason == "only":
            out.append(f"提示：{tz}只有{y}学年的数据，未进行{tz}的跨年比较规则({codes})：需要相邻两个学年的数据")
        elif reason == "first":
            if first:
                out.append(f"提示：{y}学年是{tz}中最早的学年，没有上一学年可比，未进行{tz}的跨年比较规则({codes})")
        elif reason == "gap":
            prev_y = int(g["previous"].iloc[0])
            out.append(f"提示：{tz}中没有{y - 1}学年的数据，{y}学年未进行{tz}的跨年比较规则({codes})："
                       f"跨年比较只在相邻学年之间进行，{y}学年的上一个有数据的学年为{prev_y}学年")
        elif table == "schools":
            out.append(f"提示：{y - 1}学年学校表中没有{names}的学校，{y}学年未进行这些县(区)逐校的跨年比较规则({codes})")
        else:
            out.append(f"提示：县区表中没有{names}{y - 1}学年的行，{y}学年未进行这些县(区)县区表的跨年比较规则({codes})")
    return out


# ---------------------------------------------------------------------------------------------- summaries
def rule_label(rule: str) -> str:
    """中文名 of a rule code."""
    return str(_CFG["rules"][rule]["label"])


def counts(findings: pd.DataFrame) -> pd.DataFrame:
    """Counts by severity and rule: columns ``severity, rule, label, count`` in severity then rule order."""
    if findings.empty:
        return pd.DataFrame(columns=["severity", "rule", "label", "count"])
    c = findings.groupby(["severity", "rule"]).size().rename("count").reset_index()
    c["label"] = c["rule"].map(rule_label)
    c["_s"] = pd.Categorical(c["severity"], categories=_SEVERITIES, ordered=True).codes
    c["_r"] = pd.Categorical(c["rule"], categories=list(_CFG["rules"]), ordered=True).codes
    return c.sort_values(["_s", "_r"])[["severity", "rule", "label", "count"]].reset_index(drop=True)


def describe(findings: pd.DataFrame) -> str:
    """A short Chinese summary: totals by severity, then one line per rule."""
    if findings.empty:
        return "数据筛查：未发现需要核实的问题"
    by_sev = findings["severity"].value_counts()
    n_schools = findings.loc[findings["school_id"].astype(str) != "", "school_id"].nunique()
    n_county = int(((findings["school_id"].astype(str) == "") & findings["column"].isin(_COUNTY_HEADERS)).sum())
    head = (f"数据筛查：共{len(findings)}条（" + "，".join(f"{word(s)}{int(by_sev.get(s, 0))}" for s in _SEVERITIES)
            + (f"），涉及{n_schools}所学校" if n_schools or not n_county else "）")
            + (f"，县区表{n_county}条" if n_county else ""))
    lines = [f"  {word(r.severity)}  {r.label}({r.rule})：{r.count}" for r in counts(findings).itertuples()]
    return "\n".join([head, *lines])


@dataclass
class Summary:
    """Screening results of one county-year, for the 数据质量 section of a county report.

    ``by_rule``: severity, rule, label, count. ``schools``: one row per school to verify — school_id,
    school_name, severity (the worst), findings, columns (the Chinese headers concerned, 、-joined),
    in severity then school order. ``county_table``: the findings of the counties table (no school).
    """

    county: str
    year: int
    by_rule: pd.DataFrame
    schools: pd.DataFrame
    total: int
    county_table: int = 0

    def text(self) -> str:
        """One Chinese sentence for the report."""
        if self.total == 0:
            return f"{self.county}{self.year}学年数据经筛查未发现需要核实的问题。"
        sev = self.by_rule.groupby("severity")["count"].sum()
        parts = "、".join(f"{word(s)}{int(sev[s])}条" for s in _SEVERITIES if s in sev)
        who = ([f"{len(self.schools)}所学校"] if len(self.schools) or not self.county_table else []) + (
            [f"县区表数据{self.county_table}条"] if self.county_table else [])
        return (f"{self.county}{self.year}学年数据经筛查共发现{self.total}条需核实的情况（{parts}），"
                f"涉及{'和'.join(who)}，请在使用本报告结论前逐条核实。")


def summary(findings: pd.DataFrame, county: str, year: int) -> Summary:
    """Counts by rule and the schools to verify, for one county and year of a findings table."""
    f = findings[(findings["county"] == county) & (findings["year"] == int(year))]
    by_school = f[f["school_id"].astype(str) != ""].copy()
    by_school["_s"] = pd.Categorical(by_school["severity"], categories=_SEVERITIES, ordered=True).codes
    schools = (by_school.groupby(["school_id", "school_name"], sort=False)
               .agg(_s=("_s", "min"), findings=("rule", "size"),
                    columns=("column", lambda c: "、".join(dict.fromkeys(c))))
               .reset_index().sort_values(["_s", "school_id"], kind="stable"))
    schools.insert(2, "severity", np.asarray(_SEVERITIES, dtype=object)[schools["_s"].to_numpy()] if len(schools)
                   else pd.Series(dtype=object))
    schools = schools.drop(columns="_s").reset_index(drop=True)
    n_county = int(((f["school_id"].astype(str) == "") & f["column"].isin(_COUNTY_HEADERS)).sum())
    return Summary(county, int(year), counts(f), schools, len(f), n_county)


def display(findings: pd.DataFrame) -> pd.DataFrame:
    """The findings as the ``check`` CSV shows them: ``severity`` in words (错误/警告/提示), and
    ``value``/``previous`` as text (whole numbers without decimals)."""
    out = findings.copy()
    out["severity"] = words(out["severity"])
    for c in ("value", "previous"):
        v = out[c]
        num = pd.to_numeric(v.where(v.map(lambda x: isinstance(x, (int, float, np.number)) and not isinstance(x, bool))),
                            errors="coerce")
        text = num.map(lambda a: "" if not np.isfinite(a) else (f"{a:.0f}" if float(a).is_integer()
                                                                  else f"{a:.4f}".rstrip("0").rstrip(".")))
        out[c] = np.where(num.notna(), text, v.fillna("").astype(str))
    return out
