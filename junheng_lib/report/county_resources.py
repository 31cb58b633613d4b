"""The county report's blocks on resources (sections 二 to 六 of :mod:`junheng_lib.report.outline`):
基本均衡 (the published CV table, the chart, the schools behind the dispersion), 优质均衡 (its table,
the verdicts, the per-school compliance and heatmaps, the shortfall and the 学校指标差额 of the
workbook), 规模与班额 (class bands, reconciliation, oversize schools, music and art rooms), 师资配置
and 城乡差距.

:class:`ResourceBlocks` is a mixin of :class:`junheng_lib.report.county.CountyReport`: its methods read
the report's ``ev`` (the :class:`~junheng_lib.evaluation.Evaluation`), ``county``, ``year``, ``options``,
``coef``, ``comp`` and ``stage_scope()``; they format, never compute an indicator or decide a verdict.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from junheng_lib.render.blocks import Chart, Text
from junheng_lib.render.table import Column, Table, indicator_column
from junheng_lib.report import plots
from junheng_lib.report.county_shared import _STAGE, _stage_sorted
from junheng_lib.report.narrative import (
    TEACHING_POINT_TEXT,
    basic_detail,
    basic_summary,
    floor_text,
    gap_text,
    quality_scope_note,
    quality_summary,
    rule_text,
    school_rule,
    shortfall_text,
    size_text,
    staffing_scope_note,
    staffing_text,
)
from junheng_lib.rules.codes import Status
from junheng_lib.rules.indicators import (
    BASIC,
    INDICATORS,
    QUALITY,
    RULES,
    STAGES,
    codes,
    decimals,
    fmt_value,
    label,
    per_unit,
    standard_value,
)

__all__ = ["ResourceBlocks"]


class ResourceBlocks:
    """二、基本均衡 … 六、城乡差距: one method per block of those sections (a mixin of ``CountyReport``)."""

    # ------------------------------------------------------------------ 二、基本均衡
    def basic_rule(self) -> Text:
        return Text(rule_text("basic"))

    def _contrib_dict(self) -> dict:
        """{(stage, code): the schools behind that CV} for the narrative."""
        c = self.ev.contributions
        return {(st, code): g.reset_index(drop=True) for (st, code), g in c.groupby(["stage", "indicator"], sort=False)}

    def basic_text(self) -> Text:
        return Text(basic_summary(self.ev.basic) + basic_detail(self.ev.basic, self._contrib_dict()))

    def _published(self, standard: str, items: list[str], title: str, note: str = "") -> Table:
        """The published layout: rows 小学/初中 × 平均值/(标准值)/差异系数, columns the indicators;
        CVs over their limit flagged (from the evaluation's verdicts)."""
        c = self.coef[self.coef["standard"] == standard]
        cvd = int(RULES["display"]["cv_decimals"])
        ind_dec = {i: (cvd if i == "composite" else int(INDICATORS.loc[i, "decimals"])) for i in items}
        rows, flags, decs = [], [], []
        for st in STAGES:
            sub = c[c["stage"] == st].set_index("indicator")
            if sub.empty:
                continue
            rows.append({"stage": st, "item": "平均值", **{i: (np.nan if i == "composite" else sub.loc[i, "mean"])
                                                          for i in items}})
            flags.append({})
            decs.append(ind_dec)
            if standard == QUALITY:
                rows.append({"stage": st, "item": "标准值(每校)", **{i: standard_value(i, st) for i in items}})
                flags.append({})
                decs.append(ind_dec)
            rows.append({"stage": st, "item": "差异系数", **{i: sub.loc[i, "cv"] for i in items}})
            flags.append({i: sub.loc[i, "passed"] is False for i in items})
            decs.append({i: cvd for i in items})
        cols = [_STAGE, Column("item", "项目")] + [
            Column(i, RULES["basic"]["composite_name"], kind="float", decimals=cvd) if i == "composite"
            else indicator_column(i) for i in items]
        return Table(title, pd.DataFrame(rows, columns=["stage", "item", *items]), cols, merge="stage",
                     flags=pd.DataFrame(flags, columns=items).fillna(False).astype(bool),
                     decimals=pd.DataFrame(decs, columns=items), note=note)

    def basic_table(self) -> Table:
        """基本均衡 in the published layout: rows 小学/初中 × 平均值/差异系数, columns L1…L8, 综合."""
        return self._published(BASIC, [*codes(BASIC), "composite"], f"{self.county}{self.year}学年基本均衡差异系数表",
                               "差异系数为学生加权总体差异系数；综合差异系数为8项差异系数的算术平均。")

    def cv_chart(self) -> Chart:
        return Chart("各项差异系数与标准", lambda: plots.cv_chart(self.coef, title=plots.chart_text(
            f"{self.county}{self.year}学年差异系数与标准")))

    def contribution_table(self) -> Table | None:
        c = self.ev.contributions
        c = c[c["rank"] <= 3]
        if c.empty:
            return None
        # stage by stage (one merged 学段 cell each), numbers right-aligned at the indicator's decimals
        c = _stage_sorted(c).reset_index(drop=True)
        d = c.assign(indicator_name=c["indicator"].map(label), unit=c["indicator"].map(per_unit),
                     side=np.where(c["deviation"] >= 0, "高于", "低于"))
        dec = pd.DataFrame({k: [decimals(i) for i in c["indicator"]] for k in ("value", "mean")})
        return Table("离散程度主要来自的学校（各校对学生加权方差的贡献）", d,
                     [_STAGE, Column("indicator_name", "指标"), Column("school_name", "学校"),
                      Column("value", "学校值", kind="float"), Column("mean", "全县平均", kind="float"),
                      Column("unit", "单位"), Column("side", "偏离"),
                      Column("share", "占离散程度", kind="pct")], merge="stage", decimals=dec)

    # ------------------------------------------------------------------ 三、优质均衡
    def quality_rule(self) -> Text:
        return Text(rule_text("quality"))

    def quality_table(self) -> Table:
        return self._published(QUALITY, codes(QUALITY), f"{self.county}{self.year}学年优质均衡资源配置指标与差异系数")

    def verdict_table(self) -> Table:
        sv = self.ev.stage_verdicts()
        notes = self.stage_scope()["note"]
        rows = []
        for st in STAGES:
            if st not in sv.index:
                rows.append({"stage": st, "basic": notes[st] or "—", "quality": notes[st] or "—"})
                continue
            r = sv.loc[st]
            rows.append({"stage": st, "composite": r["composite"], "composite_limit": f"≤{r['composite_limit']:.2f}",
                         "basic": Status.of(r["basic_passed"]) if r["basic_passed"] is not None else "—",
                         "quality_limit": f"≤{r['quality_limit']:.2f}",
                         "over": "、".join(INDICATORS.loc[i, "short"] for i in r["quality_over"]) or "无",
                         "schools": f"{r['schools_passed']}/{r['schools']}",
                         "quality": Status.of(bool(r["quality_resources_passed"]))})
        d = pd.DataFrame(rows)
        f = pd.DataFrame({"basic": d["basic"].eq(Status.FAIL), "quality": d["quality"].eq(Status.FAIL)})
        return Table("达标情况", d, [_STAGE, Column("composite", "综合差异系数", kind="cv"),
                                     Column("composite_limit", "基本均衡标准"), Column("basic", "基本均衡", kind="status"),
                                     Column("quality_limit", "优质均衡差异系数标准"), Column("over", "超标指标"),
                                     Column("schools", "达标学校/学校数"), Column("quality", "优质均衡(资源配置)", kind="status")],
                     flags=f)

    def quality_text(self) -> list:
        out = [Text(quality_summary(self.ev.quality, self.ev.compliance))]
        note = quality_scope_note(self.ev.quality_scope(), TEACHING_POINT_TEXT[self.options.teaching_points],
                                  self.options.teaching_point_cutoff)
        return out + ([Text(note)] if note else [])

    def heatmaps(self) -> list:
        """Per stage: the schools × indicators grid in three bands (in page-sized parts, every school)
        and the distribution of the school values against the standard."""
        out = []
        for st in sorted(set(self.comp["stage"]), key=list(STAGES).index):
            pages = plots.compliance_heatmap_parts(self.comp, st)
            for k, draw in enumerate(pages, start=1):
                out.append(Chart(f"{st}各校优质均衡指标达成情况" + (f"（{k}/{len(pages)}）" if len(pages) > 1 else ""), draw))
            out.append(Chart(f"{st}各校优质均衡指标值与标准", (lambda st=st: plots.distribution_chart(self.comp, st))))
        return out

    def compliance_table(self) -> Table:
        """Per-school compliance: values, standards met, verdict; values below standard flagged."""
        c = _stage_sorted(self.comp, "passed", "met", "school_id")
        q = codes(QUALITY)
        sf = self.ev.shortfall
        met = sf.pivot_table(index=["school_id", "stage"], columns="indicator", values="met", aggfunc="first")
        key = pd.MultiIndex.from_frame(c[["school_id", "stage"]])
        f = pd.DataFrame({code: ~met.reindex(key)[code].fillna(True).astype(bool).to_numpy() for code in q})
        f["verdict"] = ~c["passed"].to_numpy()
        d = c.assign(verdict=c["passed"], unmet_names=c["unmet"].map(
            lambda u: "、".join(INDICATORS.loc[x, "short"] for x in u.split("、")) if u else "—"))
        cols = [_STAGE, Column("school_name", "学校")] + [indicator_column(x) for x in q] + [
            Column("met", "达标项数", kind="int"), Column("unmet_names", "未达标指标"),
            Column("min_ratio", "最低达成度", kind="pct"), Column("verdict", "结论", kind="verdict")]
        return Table("各校优质均衡资源配置达标情况", d, cols, merge="stage", flags=f, landscape=True)

    def shortfall_text(self) -> Text:
        """The shortfall to 100 % beside the least-cost compliance plan's budget (which is which said)."""
        plan, led = self.ev.compliance_plan, self.ev.ledger
        costs = None
        if len(plan):
            costs = pd.DataFrame({"plan_cost": plan.groupby("stage", sort=False)["cost"].sum()})
            if led is not None and len(led):
                full = led[led["level"] == "学校"].groupby("stage", sort=False)["cost"].sum()
                costs["cost"] = full.reindex(costs.index).fillna(0.0)
            costs = costs.reindex([s for s in STAGES if s in costs.index])
        return Text(shortfall_text(self.ev.shortfall_totals, costs))

    def shortfall_table(self) -> Table | None:
        t = self.ev.shortfall_totals
        if t.empty:
            return None
        plan = self.ev.compliance_plan
        cost = plan.groupby(["stage", "indicator"])["cost"].sum() if not plan.empty else pd.Series(dtype=float)
        d = t.assign(name=t["indicator"].map(label),
                     plan_cost=[cost.get((s, i), np.nan) for s, i in zip(t["stage"], t["indicator"])])
        return Table(f"全县指标差额（达到标准与达到{floor_text()}）", d,
                     [_STAGE, Column("name", "指标"), Column("resource", "资源"), Column("unit", "单位"),
                      Column("schools_short", "未达标学校", "所", "int"),
                      Column("shortfall", "差额(达到标准)", kind="float", decimals=0),
                      Column("shortfall_85", f"差额(达到{floor_text()})", kind="float", decimals=0),
                      Column("plan_cost", "最低成本达标方案投入", "元", "int")], merge="stage",
                     note=f"差额按每校达到标准值(或其{floor_text()})测算；最低成本达标方案使每校达到“{school_rule()}”，"
                          "投入按规则表中的单价估算。")

    # ------------------------------------------------------------------ 四、规模与班额
    def size_text(self) -> Text:
        return Text(size_text(self.ev.class_bands, self.ev.class_shortfall, self.ev.school_size))

    def bands_table(self) -> Table | None:
        b = self.ev.class_bands
        if b.empty:
            return None
        labels = RULES["class_size"]["band_labels"]
        cs = self.ev.class_shortfall.groupby("stage", sort=False)[["class_shortfall", "place_shortfall"]].sum(
            min_count=1)
        d = b.assign(class_shortfall=b["stage"].map(cs["class_shortfall"]),
                     place_shortfall=b["stage"].map(cs["place_shortfall"]))
        return Table("班额分布", d, [_STAGE, Column("classes", "班级数", "个", "int"),
                                     *[Column(lab, lab, "个", "int") for lab in labels],
                                     Column("standard_share", "标准班额占比", kind="pct", decimals=1),
                                     Column("max_size", "最大班额", "人", "int"),
                                     Column("class_shortfall", "缺额", "班", "int"),
                                     Column("place_shortfall", "学位缺额", "个", "int")])

    def reconciliation_table(self) -> Table | None:
        r = self.ev.class_reconciliation
        if r is None or r.empty:
            return None
        return Table("班级表与学校表不一致的学校（未计入班额分布和学位缺额）", r,
                     [Column("school_name", "学校"), _STAGE, Column("students", "学校表在校生", "人", "int"),
                      Column("classes", "学校表班数", "个", "int"), Column("table_students", "班级表班额合计", "人", "int"),
                      Column("table_classes", "班级表班数", "个", "int"), Column("note", "说明")],
                     note="两表描述同一统计时点，班额合计应等于在校生；请核实后更正。")

    def band_chart(self) -> Chart | None:
        if self.ev.class_bands.empty:
            return None
        return Chart("班额分布", lambda: plots.class_band_chart(self.ev.class_bands))

    def oversize_table(self) -> Table | None:
        ss = self.ev.school_size
        over = ss[ss["over"]]
        if over.empty:
            return None
        return Table("规模超标的学校", over, [Column("school_name", "学校"), Column("school_type", "办学类型"),
                                             Column("students", "义务教育在校生", "人", "int"),
                                             Column("limit", "规模上限", "人", "int")])

    def rooms_rule(self) -> Text:
        return Text(rule_text("rooms"))

    def rooms_table(self) -> Table | None:
        r = self.ev.special_rooms
        r = r[r["passed"].ne(True)]
        if r.empty:
            return Text("各校音乐、美术专用教室均达到要求。")
        return Table("音乐、美术专用教室未达到要求的学校", r,
                     [Column("school_name", "学校"), Column("classes", "班级数", "个", "int"),
                      Column("rooms_needed", "应配", "间", "int"), Column("music_rooms", "音乐教室", "间", "int"),
                      Column("music_area_per_room", "音乐教室间均面积", "㎡", "float", 1),
                      Column("art_rooms", "美术教室", "间", "int"),
                      Column("art_area_per_room", "美术教室间均面积", "㎡", "float", 1),
                      Column("passed", "结论", kind="verdict", missing=Status.MISSING.word)])

    # ------------------------------------------------------------------ 五、师资配置
    def staffing_text(self) -> list:
        s = self.ev.staffing
        out = [Text(staffing_text(s[s["location"] == "全县"]))]
        note = staffing_scope_note(self._basic_scope(s[s["location"] == "全县"]))
        return out + ([Text(note)] if note else [])

    def _basic_scope(self, staff: pd.DataFrame) -> pd.DataFrame:
        """Per stage: the students of 基本情况, those in 基本均衡's scope (师资配置's count) and the
        schools left out (category, schools, students) from the scope flags."""
        o = self.ev.overview.set_index("stage")
        cur = self.ev.current.assign(stage=lambda d: d["stage"].astype(str))
        out = cur[~cur["in_basic"] & (cur["students"] > 0)]
        # a teaching point merged into its central school is in scope through the merged row
        out = out[~((out["school_type"] == "教学点") & (self.options.teaching_points == "merge"))]
        rows = {}
        for r in staff.itertuples():
            ex = out[out["stage"] == r.stage]
            cat = np.where(ex["school_type"] == "教学点", "教学点",
                           ex["scope_note"].str.split("不参与计算").str[0])
            g = ex.assign(cat=cat).groupby("cat", sort=False)["students"].agg(["size", "sum"])
            rows[r.stage] = {"all_students": float(o.loc[r.stage, "students"]), "students": float(r.students),
                             "excluded": [(c, int(x["size"]), float(x["sum"])) for c, x in g.iterrows()]}
        return pd.DataFrame.from_dict(rows, orient="index", columns=["all_students", "students", "excluded"])

    def staffing_table(self) -> Table:
        s = self.ev.staffing.assign(ratio=lambda d: d["students_per_teacher"].map(lambda v: f"{v:.1f}:1"),
                                    std=lambda d: d["staffing_standard"].map(lambda v: f"{v:g}:1"))
        return Table("师资配置（全县及城乡）", s,
                     [_STAGE, Column("location", "范围"), Column("students", "在校生", "人", "int"),
                      Column("teachers", "专任教师", "人", "int"), Column("ratio", "生师比"), Column("std", "编制标准"),
                      Column("above_degree_share", "高于规定学历占比", kind="pct", decimals=1),
                      Column("mid_title_share", "中级及以上职称占比", kind="pct", decimals=1),
                      Column("backbone_per_100", "每百名学生骨干教师", "人", "float", 2),
                      Column("pe_art_per_100", "每百名学生体育艺术教师", "人", "float", 2)], merge="stage")

    # ------------------------------------------------------------------ 六、城乡差距
    def gap_text(self) -> Text:
        return Text(gap_text(self.ev.gap))

    def gap_table(self) -> Table | None:
        g = self.ev.gap
        if g.empty:
            return None
        d = g.assign(name=g["indicator"].map(label),
                     **{f"t_{loc}": [fmt_value(v, c) for v, c in zip(g[f"mean_{loc}"], g["indicator"])]
                        for loc in ("城区", "镇区", "乡村")})
        return Table("城乡学校指标值与泰尔指数分解", d,
                     [_STAGE, Column("name", "指标"), *[Column(f"t_{loc}", loc) for loc in ("城区", "镇区", "乡村")],
                      Column("rural_to_urban", "乡村/城区", kind="pct"),
                      Column("theil", "泰尔指数", kind="float", decimals=4),
                      Column("between_share", "城乡组间占比", kind="pct")], merge="stage")

    def gap_chart(self) -> Chart | None:
        if self.ev.gap.empty:
            return None
        return Chart("城乡学校指标值", lambda: plots.urban_rural_chart(self.ev.gap))

    # ------------------------------------------------------------------ 学校指标差额 (the county .xlsx)
    def shortfall_detail_table(self) -> Table:
        """学校指标差额 (the county .xlsx): every school × stage × indicator with its value, standard and
        the shortfall to 100 % and to 85 %, a row's numbers at its indicator's decimals (values) and its
        resource's (whole people, rooms and 元; ㎡ to 0.1, as in the ledger)."""
        sf = _stage_sorted(self.ev.shortfall).reset_index(drop=True)
        whole = sf["unit"].isin(["人", "间", "台", "册", "元"])
        gap_dec = np.where(whole, 0, 1)
        val_dec = sf["indicator"].map(INDICATORS["decimals"]).astype(int).to_numpy()
        dec = pd.DataFrame({"value": val_dec, "standard": val_dec, "shortfall": gap_dec, "shortfall_85": gap_dec})
        sf = sf.assign(per_unit=sf["indicator"].map(per_unit), indicator_name=sf["indicator"].map(label))
        return Table("学校指标差额", sf, [
            Column("stage", "学段"), Column("school_id", "学校标识码"), Column("school_name", "学校"),
            Column("indicator_name", "指标"), Column("per_unit", "指标单位"),
            Column("value", "实际值", kind="float", decimals=2), Column("standard", "标准值", kind="float", decimals=2),
            Column("resource", "资源"), Column("unit", "差额单位"),
            Column("shortfall", "差额(达到标准)", kind="float", decimals=2),
            Column("shortfall_85", f"差额(达到{floor_text()})", kind="float", decimals=2)], merge="stage",
            flags=pd.DataFrame({"shortfall": (sf["shortfall"] > 0).to_numpy(),
                                "shortfall_85": (sf["shortfall_85"] > 0).to_numpy()}), decimals=dec)
