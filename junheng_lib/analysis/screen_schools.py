"""Screening of the schools table (and its classes table): year over year per school, plausibility
within a year, and the cross-table checks; :func:`screen_tables` also takes the counties table's
findings from :mod:`junheng_lib.analysis.screen_counties` and sorts them all.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from junheng_lib.analysis.screen_base import (
    ATYPICAL,
    CFG,
    COL_ORDER,
    FINDING_COLUMNS,
    KEYS,
    SEVERITIES,
    UNITS,
    ZH,
    ZH_CLASSES,
    empty_findings,
    findings,
    fixed_text,
    judge_yoy,
    num_text,
    school_label,
    students_total,
    yoy_params,
)
from junheng_lib.analysis.screen_counties import screen_counties
from junheng_lib.analysis.screen_projects import screen_projects
from junheng_lib.analysis.stages import school_stages
from junheng_lib.data.schema import STAGE_SUFFIX
from junheng_lib.rules.indicators import INDICATORS, STAGES

# ---------------------------------------------------------------------------------------------- year over year
#: the students a column needs for "falls to zero" to be a finding: teachers of a stage need the
#: stage's students; students columns need none (a stage may close); resources need the school's
_ACTIVE = {f"teachers_{STAGE_SUFFIX[st]}": f"students_{STAGE_SUFFIX[st]}" for st in STAGES}

def _yoy(s: pd.DataFrame) -> pd.DataFrame:
    """Jumps, drops, falls to zero and unit slips of each school's values between consecutive years."""
    params = yoy_params(CFG["yoy"])
    params = params[params["col"].isin([c for c in params["col"] if c in s and s[c].notna().any()])]
    cols = params["col"].tolist()
    base = s[KEYS + cols].copy()
    base["_total"] = students_total(s)
    for tcol, scol in _ACTIVE.items():
        base[f"_act_{tcol}"] = s[scol]
    long = base.melt(id_vars=KEYS + ["_total"] + [f"_act_{t}" for t in _ACTIVE], value_vars=cols,
                     var_name="col", value_name="cur")
    act = long["_total"].to_numpy(float)
    for tcol in _ACTIVE:
        act = np.where(long["col"] == tcol, long[f"_act_{tcol}"].to_numpy(float), act)
    long["active"] = np.where(long["col"].str.startswith("students_"), 1.0, act) > 0
    long = long[["year", "county", "school_id", "school_name", "col", "cur", "active"]]
    return judge_yoy(long, params, "school_id", school_label, ZH, UNITS, school=True, decimals=2)


# ---------------------------------------------------------------------------------------------- within a year
def _student_teacher(s: pd.DataFrame) -> list[pd.DataFrame]:
    cfg = CFG["student_teacher"]
    out = []
    for st in STAGES:
        suf = STAGE_SUFFIX[st]
        stu, tea = s[f"students_{suf}"].astype(float), s[f"teachers_{suf}"].astype(float)
        ok = (stu >= cfg["min_students"]) & (tea > 0)
        r = stu / tea.where(tea > 0)
        err = ok & (r < cfg["error_below"])
        low = ok & (r < cfg["warn_below"]) & ~err & ~s["school_type"].isin(ATYPICAL)
        high = ok & (r > cfg["warn_above"][st])
        bad = err | low | high
        if not bad.any():
            continue
        d = s[bad]
        rr, e, lo = r[bad], err[bad], low[bad]
        head = (st + "生师比为 " + fixed_text(rr, 1) + "(在校生 " + num_text(stu[bad]) + " 人，专任教师 "
                + num_text(tea[bad]) + " 人)")
        msg = np.where(e, head + "，专任教师数接近或多于在校生数，疑似填错列或重复填报，请核实专任教师数与在校生数",
                       np.where(lo, head + f"，低于合理下限 {cfg['warn_below']:g}，请核实专任教师数与在校生数",
                                head + f"，高于合理上限 {cfg['warn_above'][st]:g}，请核实专任教师数与在校生数"))
        sev = np.where(e, SEVERITIES[0], CFG["rules"]["student_teacher"]["severity"])
        f = findings(d, "student_teacher", ZH[f"teachers_{suf}"], tea[bad], "", msg, severity=sev)
        f["_col"] = f"teachers_{suf}"
        out.append(f)
    return out


def _teacher_share(s: pd.DataFrame) -> list[pd.DataFrame]:
    out = []
    for rule in CFG["teacher_share"]:
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
            name = ZH[col]
            head = (name + "为 " + num_text(part[bad]) + " 人，占" + st + "专任教师 " + num_text(tea[bad]) + " 人的"
                    + (share[bad] * 100).round().astype("Int64").astype(str) + "%")
            msg = np.where(high[bad] & (part[bad] >= tea[bad]), head + "，即全部专任教师均计入，请核实是否误将全部教师计入",
                           np.where(high[bad], head + f"，达到{rule.get('high', 0) * 100:g}%以上，明显偏高，请核实是否误将多数教师计入",
                                    head + f"，低于{rule.get('low', 0) * 100:g}%，明显偏低，请核实是否漏填"))
            f = findings(d, "teacher_share", name, part[bad], "", msg)
            f["_col"] = col
            out.append(f)
    return out


def _rooms(s: pd.DataFrame) -> list[pd.DataFrame]:
    out = []
    # a stage without students needs no class count; a stage with students and none given is unknown
    classes = sum(s[f"classes_{STAGE_SUFFIX[st]}"].astype(float).where(s[f"students_{STAGE_SUFFIX[st]}"] > 0, 0.0)
                  for st in STAGES)
    judged = classes.notna() & (s["students_senior"] == 0) & (classes > 0)
    for rule in CFG["rooms"]:
        col = rule["column"]
        if col not in s:
            continue
        rooms = s[col].astype(float)
        bad = judged & rooms.notna() & (rooms > rule["per_class"] * classes + rule["slack"])
        if not bad.any():
            continue
        msg = (school_label(col) + " " + num_text(rooms[bad]) + " 间，而小学、初中班数合计 " + num_text(classes[bad])
               + " 个，教室数明显多于班数，请核实" + school_label(col) + "或班数")
        f = findings(s[bad], "rooms_classes", ZH[col], rooms[bad], "", msg)
        f["_col"] = col
        out.append(f)
    return out


def _per_student(s: pd.DataFrame, stages: pd.DataFrame | None = None) -> list[pd.DataFrame]:
    cfg = CFG["per_student"]
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
        lv = np.log(v.where((v > 0) & (st["students"] >= cfg["min_students"]) & ~st["school_type"].isin(ATYPICAL)))
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
        med_t = "本县同学段学校中位数 " + num_text(d["med"], max(dec, 1)) + " " + unit
        rel = np.where(factor >= 1, "，是" + med_t + "的 " + fixed_text(factor, 1) + " 倍",
                       "，仅为" + med_t + "的 " + (factor * 100).round().astype("Int64").astype(str) + "%")
        msg = np.where(d["v"] == 0,
                       name + "(" + d["stage"].astype(str) + ")为 0，而有在校生 " + num_text(d["students"])
                       + " 人，请核实" + school_label(col) + "是否漏填",
                       name + "(" + d["stage"].astype(str) + ")为 " + num_text(d["v"], max(dec, 1)) + " " + unit
                       + pd.Series(rel, index=d.index)
                       + "(稳健z值 " + fixed_text(d["z"], 1) + ")，远离本县分布，请核实" + school_label(col) + "或在校生数")
        d["msg"] = msg
        d["az"] = d["z"].abs().fillna(np.inf)
        # a multi-stage school: one finding per school and column (the stage farthest out)
        d = d.sort_values("az", ascending=False).drop_duplicates(["year", "school_id", "_col"])
        f = findings(d, "per_student_outlier", ZH[col], s.set_index(["year", "school_id"])[col]
                      .reindex(pd.MultiIndex.from_frame(d[["year", "school_id"]])).to_numpy(), "", d["msg"])
        f["_col"] = col
        out.append(f)
    return out


def _avg_class_size(s: pd.DataFrame) -> list[pd.DataFrame]:
    cfg = CFG["class_size"]
    out = []
    for st in STAGES:
        suf = STAGE_SUFFIX[st]
        stu, cls = s[f"students_{suf}"].astype(float), s[f"classes_{suf}"].astype(float)
        ok = cls.notna() & (stu > 0)
        avg = stu / cls.where(cls > 0)
        none = ok & (cls == 0)
        high = ok & (avg > cfg["avg_max"])
        low = ok & (avg < cfg["avg_min"]) & ~s["school_type"].isin(ATYPICAL)
        bad = none | high | low
        if not bad.any():
            continue
        head = st + "在校生 " + num_text(stu[bad]) + " 人，" + st + "班数 " + num_text(cls[bad]) + " 个"
        msg = np.where(none[bad], head + "，有在校生但班数为0，请核实班数",
                       head + "，平均班额 " + fixed_text(avg[bad].fillna(0), 1) + " 人，超出合理范围 "
                       + f"{cfg['avg_min']:g}–{cfg['avg_max']:g} 人，请核实在校生数或班数")
        f = findings(s[bad], "avg_class_size", ZH[f"classes_{suf}"], cls[bad], "", msg)
        f["_col"] = f"classes_{suf}"
        out.append(f)
    return out


# ---------------------------------------------------------------------------------------------- classes table
def _class_sizes(s: pd.DataFrame, cl: pd.DataFrame) -> list[pd.DataFrame]:
    cfg = CFG["class_size"]
    info = s[KEYS + ["school_type"]]
    c = cl[["year", "school_id", "stage", "class_size"]].merge(info, on=["year", "school_id"])
    size = c["class_size"].astype(float)
    out = []
    for kind, mask in (("high", size > cfg["max"]),
                       ("low", (size < cfg["min"]) & ~c["school_type"].isin(ATYPICAL))):
        if not mask.any():
            continue
        g = (c[mask].groupby(KEYS + ["stage"], sort=False)["class_size"]
             .agg(n="size", ext="max" if kind == "high" else "min").reset_index())
        if kind == "high":
            msg = ("班级表中" + g["stage"] + "有 " + g["n"].astype(str) + " 个班班额超过 " + f"{cfg['max']:g}"
                   + " 人(最大 " + g["ext"].astype(str) + " 人)，请核实班额是否录入有误")
        else:
            msg = ("班级表中" + g["stage"] + "有 " + g["n"].astype(str) + " 个班班额不足 " + f"{cfg['min']:g}"
                   + " 人(最小 " + g["ext"].astype(str) + " 人)，请核实班额是否录入有误")
        f = findings(g, "class_size", ZH_CLASSES["class_size"], g["ext"], "", msg)
        f["_col"] = "~class_size"
        out.append(f)
    return out


def _classes_vs_schools(s: pd.DataFrame, cl: pd.DataFrame) -> list[pd.DataFrame]:
    """Σ class sizes and class rows per school × stage against the schools table's students and 班数."""
    cfg = CFG["classes"]
    agg = (cl.groupby(["year", "school_id", "stage"])["class_size"].agg(total="sum", n="size").reset_index())
    parts = []
    for st in STAGES:
        suf = STAGE_SUFFIX[st]
        parts.append(s[KEYS].assign(stage=st, students=s[f"students_{suf}"].astype(float),
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
        msg = (d["stage"] + "有在校生 " + num_text(d["students"]) + " 人，但班级表中没有该校" + d["stage"]
               + "的班级，请补充班级表或核实在校生数")
        f = findings(d, "classes_missing", d["_col"].map(ZH), d["students"], "", msg)
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
        rel = np.where(ratio >= 1, "为其 " + fixed_text(ratio, 2) + " 倍", "为其 " + (ratio * 100).round().astype(int).astype(str) + "%")
        msg = ("学校表" + d["stage"] + "在校生 " + num_text(d["students"]) + " 人，班级表 " + d["n"].astype(str)
               + " 个班班额合计 " + num_text(d["total"]) + " 人(学校表" + pd.Series(rel, index=d.index)
               + ")，请核实在校生数或班级表")
        sev = np.where(err, SEVERITIES[0], CFG["rules"]["classes_students"]["severity"])
        f = findings(d, "classes_students", d["_col"].map(ZH), d["students"], "", msg, severity=sev)
        f["_col"] = d["_col"].to_numpy()
        out.append(f)
    cnt = have[have["classes"].notna() & ((have["classes"] - have["n"]).abs() > cfg["count_tolerance"])]
    if len(cnt):
        msg = ("学校表" + cnt["stage"] + "班数 " + num_text(cnt["classes"]) + " 个，班级表中有 " + cnt["n"].astype(str)
               + " 个班，请核实班数或班级表")
        f = findings(cnt, "classes_count", cnt["_ccol"].map(ZH), cnt["classes"], "", msg)
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
    a = s[cols].assign(total=students_total(s).astype(float))
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
        f = findings(n, "county_missing", ZH["county"], n["county"], "", msg)
        out.append(f.assign(_col="county"))
    if len(new_c):
        n = cur.groupby(["year", "county"]).size().rename("n").reset_index().merge(new_c)
        msg = (n["year"].astype(str) + "学年有该县(区)学校 " + n["n"].astype(str) + " 所，" + (n["year"] - 1).astype(str)
               + "学年学校表中没有该县(区)，请核实上学年是否漏报或县(区)名称是否一致")
        f = findings(n, "county_new", ZH["county"], n["county"], "", msg)
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
        out.append(findings(ch, "id_changed", ZH["school_id"], ch["school_id"], ch["old_id"], msg).assign(_col="school_id"))
    gone = gone.merge(ch[["year", "old_id"]].rename(columns={"old_id": "school_id"}), how="left", indicator="_m2")
    gone = gone[gone["_m2"] == "left_only"]
    new = new.merge(ch[["year", "school_id"]], how="left", indicator="_m2")
    new = new[new["_m2"] == "left_only"]
    if len(gone):
        d = gone.assign(county=gone["county_prev"], school_name=gone["school_name_prev"])
        msg = ((d["year"] - 1).astype(str) + "学年有该校(" + d["school_type_prev"] + "，在校生 " + num_text(d["total_prev"])
               + " 人)，" + d["year"].astype(str) + "学年学校表中没有该校，请核实是否撤并、停办、漏报或标识码变更")
        out.append(findings(d, "school_gone", ZH["school_id"], "", d["school_id"], msg).assign(_col="school_id"))
    if len(new):
        msg = (new["year"].astype(str) + "学年新出现的学校(" + new["school_type"] + "，在校生 " + num_text(new["total"])
               + " 人)，" + (new["year"] - 1).astype(str) + "学年学校表中没有该标识码，请核实是否新设学校、上学年漏报或标识码变更")
        out.append(findings(new, "school_new", ZH["school_id"], new["school_id"], "", msg).assign(_col="school_id"))
    both = m[m["_merge"] == "both"]
    for field, rule in (("school_name", "name_changed"), ("school_type", "type_changed"), ("county", "county_changed")):
        d = both[both[field].astype(str) != both[f"{field}_prev"].astype(str)]
        if d.empty:
            continue
        name = {"school_name": "学校名称", "school_type": "办学类型", "county": "所属县(区)"}[field]
        msg = (name + "由“" + d[f"{field}_prev"].astype(str) + "”变为“" + d[field].astype(str)
               + "”(学校标识码未变)，请核实是否" + {"school_name": "更名", "school_type": "改制(如小学改为九年一贯制)",
                                                 "county": "区划调整"}[field] + "，或标识码填错")
        out.append(findings(d, rule, ZH[field], d[field], d[f"{field}_prev"], msg).assign(_col=field))
    return out

# ---------------------------------------------------------------------------------------------- entry points
def screen_tables(schools: pd.DataFrame, classes: pd.DataFrame | None = None,
                  county_order: list[str] | None = None, stages: pd.DataFrame | None = None,
                  counties: pd.DataFrame | None = None, projects: pd.DataFrame | None = None) -> pd.DataFrame:
    """Screen a validated schools table (and optionally its classes, counties and projects tables).

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
             screen_counties(counties), screen_projects(s, projects)]
    outliers = _per_student(s, stages)
    if classes is not None and len(classes):
        parts += _class_sizes(s, classes) + _classes_vs_schools(s, classes)
    parts = [p for p in parts if len(p)]
    out = pd.concat(parts, ignore_index=True) if parts else empty_findings().assign(_col=pd.Series(dtype=object))
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
        "sev": pd.Categorical(out["severity"], categories=SEVERITIES, ordered=True).codes,
        "county": pd.Categorical(out["county"], categories=order, ordered=True).codes,
        "school": out["school_id"].astype(str), "year": out["year"],
        "col": out["_col"].map(COL_ORDER).fillna(len(COL_ORDER)).to_numpy(),
        "rule": pd.Categorical(out["rule"], categories=list(CFG["rules"]), ordered=True).codes})
    idx = key.sort_values(["sev", "county", "school", "year", "col", "rule"], kind="stable").index
    out = out.loc[idx, FINDING_COLUMNS].reset_index(drop=True)
    out["year"] = out["year"].astype("int64")
    for c in FINDING_COLUMNS[1:]:
        out[c] = out[c].astype(object)   # one type whatever the tables' (text, or StringDtype)
    return out


def screen(ds) -> pd.DataFrame:
    """Screen a :class:`~junheng_lib.data.dataset.Dataset` (schools and, when present, classes and counties)."""
    return screen_tables(ds.schools, ds.classes, ds.counties_list, counties=ds.counties,
                         projects=getattr(ds, "projects", None))
