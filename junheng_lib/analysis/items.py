"""County-level items: 政府保障程度 (15), 教育质量 (9), 社会认可度, 基本均衡's government score and
satisfaction, teacher rotation, and 经费"三个增长" across consecutive years.

Every item is driven by the ``[[county_item]]`` rows of the rule table. A missing input is never a
pass: its status is ``missing`` (未提供).

Examples
--------
>>> import pandas as pd
>>> c = pd.DataFrame({"year": [2023], "county": ["甲县"], "satisfaction_rate": [86.0]})
>>> t = county_items(c, group="社会认可度")
>>> t[["item", "value", "status"]].values.tolist()
[['社会认可度达到85%以上', '86.0%', 'pass']]
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from junheng_lib.analysis.size import class_size_summary, school_size, special_rooms
from junheng_lib.rules.codes import Status
from junheng_lib.rules.indicators import RULES, at_least

__all__ = ["county_items", "three_growths", "ITEM_COLUMNS"]

ITEM_COLUMNS = ["year", "county", "group", "no", "item", "value", "standard", "status", "note"]


def _status(ok: pd.Series, known: pd.Series) -> np.ndarray:
    """The :class:`~junheng_lib.rules.codes.Status` code of each item: missing input, met, not met."""
    return np.where(~known.to_numpy(bool), Status.MISSING.value,
                    np.where(ok.fillna(False).to_numpy(bool), Status.PASS.value, Status.FAIL.value)).astype(object)


def _fmt(x, unit="") -> pd.Series:
    return pd.Series([("" if pd.isna(v) else (f"{v:,.1f}{unit}" if isinstance(v, (float, np.floating))
                                                 else f"{v}{unit}")) for v in x], dtype=object)


def _computed(kind: str, counties: pd.DataFrame, schools, classes) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Items 3–5 of 政府保障 from the school and class tables: (ok, known, value text)."""
    key = pd.MultiIndex.from_frame(counties[["year", "county"]])
    if schools is None:
        empty = pd.Series([np.nan] * len(counties))
        return empty, pd.Series(False, index=empty.index), pd.Series([""] * len(counties))
    if kind == "school_size":
        s = school_size(schools)
        g = s.groupby(["year", "county"])["over"].agg(["sum", "size"])
        g = g.reindex(key)
        ok = g["sum"] == 0
        txt = [("" if pd.isna(n) else f"超规模学校{int(o)}所/{int(n)}所") for o, n in zip(g["sum"], g["size"])]
        return ok.reset_index(drop=True), g["size"].notna().reset_index(drop=True), pd.Series(txt)
    if kind == "rooms":
        r = special_rooms(schools)
        r = r.assign(fail=r["passed"].eq(False), known=r["passed"].notna())
        g = r.groupby(["year", "county"]).agg(fail=("fail", "sum"), known=("known", "all"), n=("fail", "size"))
        g = g.reindex(key)
        txt = [("" if pd.isna(n) else f"不达标学校{int(f)}所/{int(n)}所") for f, n in zip(g["fail"], g["n"])]
        return (g["fail"] == 0).reset_index(drop=True), g["known"].fillna(False).astype(bool).reset_index(
            drop=True), pd.Series(txt)
    # class_size: every class within the standard size (needs the classes table)
    if classes is None or classes.empty:
        empty = pd.Series([np.nan] * len(counties))
        return empty, pd.Series(False, index=empty.index), pd.Series(["无班级表"] * len(counties))
    # only school-stages whose classes add up to the schools table count; with any left out, a county
    # without an oversize class among the rest cannot be declared 达标
    g = class_size_summary(classes, schools).set_index(["year", "county"]).reindex(key)
    txt = [("" if pd.isna(n) else f"超标准班额{int(o)}个/{int(n)}个班"
            + (f"；{int(u)}个学校学段的班级表与学校表不一致，未计入" if u else ""))
           for o, n, u in zip(g["over_standard"], g["classes"], g["unreconciled"])]
    known = g["classes"].notna() & ((g["over_standard"] > 0) | (g["unreconciled"] == 0))
    return (g["over_standard"] == 0).reset_index(drop=True), known.reset_index(drop=True), pd.Series(txt)


def county_items(counties: pd.DataFrame | None, schools: pd.DataFrame | None = None,
                 classes: pd.DataFrame | None = None, *, year=None, county=None, group: str | None = None
                 ) -> pd.DataFrame:
    """Every county item with value, standard and 达标/未达标/未提供.

    Parameters
    ----------
    counties : DataFrame or None
        The counties table (:func:`junheng_lib.data.io.read_counties`). Without it, only items 3–5 of
        政府保障 (from schools/classes) can be judged; every other item is 未提供.
    schools, classes : DataFrame, optional
    year, county, group : optional filters (group: 政府保障程度, 教育质量, 社会认可度, 基本均衡认定条件).

    Returns
    -------
    DataFrame
        ``year, county, group, no, item, value, standard, status, note`` — ``value`` as display
        text, ``status`` a :class:`~junheng_lib.rules.codes.Status` code (pass / fail / missing).
    """
    if counties is None or counties.empty:
        if schools is None:
            return pd.DataFrame(columns=ITEM_COLUMNS)
        counties = schools[["year", "county"]].drop_duplicates().reset_index(drop=True)
    c = counties.copy()
    if year is not None:
        c = c[c["year"] == int(year)]
    if county is not None:
        c = c[c["county"].isin([county] if isinstance(county, str) else county)]
    c = c.reset_index(drop=True)
    parts = []
    for spec in RULES["county_item"]:
        if group is not None and spec["group"] != group:
            continue
        kind, col, unit = spec["kind"], spec["column"], spec.get("unit", "")
        get = (lambda name: c[name] if name in c else pd.Series(np.nan, index=c.index, dtype=float))
        note = pd.Series([""] * len(c), dtype=object)
        if kind == "bool":
            v = get(col).astype(object)
            known = v.notna()
            ok = v.eq(True)
            value = pd.Series(np.where(~known, "", np.where(ok, "是", "否")), dtype=object)
            standard = "是"
            ev = get(f"{col}_evidence")
            note = ev.astype(object).where(ev.notna(), "").astype(str)
        elif kind == "min":
            v = get(col).astype(float)
            known, ok = v.notna(), at_least(v, spec["standard"])
            value, standard = _fmt(v, unit), f"≥{spec['standard']:g}{unit}"
        elif kind == "min2":
            a, b = get(col).astype(float), get(spec["other"]).astype(float)
            known = a.notna() & b.notna()
            ok = at_least(a, spec["standard"]) & at_least(b, spec["other_standard"])
            value = pd.Series([("" if pd.isna(x) or pd.isna(y) else f"城区{x:.1f}%，镇区{y:.1f}%") for x, y in zip(a, b)],
                              dtype=object)
            standard = f"城区≥{spec['standard']:g}%，镇区≥{spec['other_standard']:g}%"
        elif kind == "ge_column":
            a, b = get(col).astype(float), get(spec["other"]).astype(float)
            known, ok = a.notna() & b.notna(), a >= b
            value = pd.Series([("" if pd.isna(x) or pd.isna(y) else f"{x:,.0f}（公务员{y:,.0f}）") for x, y in zip(a, b)],
                              dtype=object)
            standard = "不低于当地公务员"
        elif kind == "rotation":
            elig, ex, bb = (get(n).astype(float) for n in
                            ("exchange_eligible_teachers", "exchanged_teachers", "exchanged_backbone_teachers"))
            share = 100 * ex / elig.where(elig > 0)
            bshare = 100 * bb / ex.where(ex > 0)
            rot = RULES["rotation"]
            known = share.notna() & bshare.notna()
            ok = at_least(share, rot["teachers_share"]) & at_least(bshare, rot["backbone_share"])
            value = pd.Series([("" if pd.isna(x) or pd.isna(y) else f"交流{x:.1f}%，骨干占{y:.1f}%")
                               for x, y in zip(share, bshare)], dtype=object)
            standard = f"交流≥{rot['teachers_share']:g}%，骨干≥{rot['backbone_share']:g}%"
        elif kind == "monitoring":
            lvl, gap = get(col).astype(object), get(spec["other"]).astype(float)
            known = lvl.notna() & gap.notna()
            ok = lvl.eq(True) & (gap < spec["standard"])
            value = pd.Series([("" if pd.isna(g) or lv is None or (isinstance(lv, float) and np.isnan(lv)) else
                                f"{'达到' if lv else '未达到'}Ⅲ级，差异率{g:.3f}") for lv, g in zip(lvl, gap)], dtype=object)
            standard = f"Ⅲ级以上，差异率<{spec['standard']:g}"
        elif kind == "computed":
            ok, known, value = _computed(col, c, schools, classes)
            standard = "全部学校达到"
        else:  # pragma: no cover - the rule table is checked by tests
            raise ValueError(f"unknown county item kind {kind!r}")
        part = pd.DataFrame({"year": c["year"].to_numpy(), "county": c["county"].to_numpy(), "group": spec["group"],
                             "no": spec["no"], "item": spec["name"], "value": np.asarray(value, dtype=object),
                             "standard": standard, "status": _status(pd.Series(np.asarray(ok, dtype=object)),
                                                                       pd.Series(np.asarray(known, dtype=bool))),
                             "note": np.asarray(note, dtype=object)})
        parts.append(part)
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=ITEM_COLUMNS)
    return out[ITEM_COLUMNS]


def three_growths(counties: pd.DataFrame | None, *, year=None, county=None) -> pd.DataFrame:
    """经费"三个增长" from consecutive years of the counties table.

    (1) growth of education appropriation > growth of recurrent fiscal revenue; (2) per-student
    education spending rises (小学 and 初中); (3) teacher pay and per-student public funds (小学
    and 初中) rise. The first year of a county, or a year whose previous year is missing, is 未提供.

    Returns ``year, county, no, item, value, standard, status``.
    """
    cols = ["year", "county", "no", "item", "value", "standard", "status"]
    if counties is None or counties.empty:
        return pd.DataFrame(columns=cols)
    c = counties.sort_values(["county", "year"]).reset_index(drop=True)
    prev = c.groupby("county").shift(1)
    consecutive = (c["year"] - c.groupby("county")["year"].shift(1)) == 1

    def g(col):
        cur = c[col].astype(float) if col in c else pd.Series(np.nan, index=c.index)
        before = prev[col].astype(float) if col in prev else pd.Series(np.nan, index=c.index)
        return (cur / before - 1).where(consecutive)

    app, rev = g("edu_appropriation"), g("recurrent_revenue")
    sp_p, sp_j = g("per_student_spending_primary"), g("per_student_spending_junior")
    pay, pf_p, pf_j = g("teacher_avg_pay"), g("per_student_public_funds_primary"), g("per_student_public_funds_junior")
    pct = (lambda s: s.map(lambda x: "" if pd.isna(x) else f"{x:+.1%}"))
    items = [
        (1, "教育财政拨款增长高于财政经常性收入增长", app.notna() & rev.notna(), app > rev,
         "拨款" + pct(app) + "，经常性收入" + pct(rev), "拨款增幅>收入增幅"),
        (2, "按在校学生人数平均的义务教育费用逐步增长", sp_p.notna() & sp_j.notna(), (sp_p > 0) & (sp_j > 0),
         "小学" + pct(sp_p) + "，初中" + pct(sp_j), "小学、初中均增长"),
        (3, "教职工工资和学生人均公用经费逐步增长", pay.notna() & pf_p.notna() & pf_j.notna(),
         (pay > 0) & (pf_p > 0) & (pf_j > 0), "工资" + pct(pay) + "，公用经费小学" + pct(pf_p) + "、初中" + pct(pf_j),
         "均增长"),
    ]
    parts = []
    for no, name, known, ok, value, std in items:
        parts.append(pd.DataFrame({"year": c["year"], "county": c["county"], "no": no, "item": name,
                                   "value": np.where(known, value, ""), "standard": std,
                                   "status": _status(ok, known)}))
    out = pd.concat(parts, ignore_index=True)
    if year is not None:
        out = out[out["year"] == int(year)]
    if county is not None:
        out = out[out["county"].isin([county] if isinstance(county, str) else county)]
    return out.sort_values(["year", "county", "no"]).reset_index(drop=True)[cols]
