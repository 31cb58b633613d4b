"""The county report's blocks on monitoring (sections 七 to the annexes of :mod:`junheng_lib.report.outline`):
县级指标 and 三个增长, 差异系数趋势 and 预警, 预警与展望 (the enrolment projection, with the per-school
table of the workbook), 数据质量 (with the findings sheet of the workbook), 问题与建议, the 附表 of
school values and the 整改台账.

:class:`MonitoringBlocks` is a mixin of :class:`junheng_lib.report.county.CountyReport`: its methods read
the report's ``ev`` (the :class:`~junheng_lib.evaluation.Evaluation`), ``data``, ``county``, ``year`` and
``problems()``; they format, never compute an indicator or decide a verdict.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from junheng_lib.analysis.ledger_years import LEDGER_TITLE, SHOWN_CODES
from junheng_lib.analysis.outlook import warning_texts
from junheng_lib.analysis.screening import display, summary
from junheng_lib.analysis.trends import resource_warnings
from junheng_lib.render.blocks import Chart, Text
from junheng_lib.render.table import Column, Table, cv_column, indicator_column
from junheng_lib.report import plots
from junheng_lib.report.county_shared import _STAGE, _stage_sorted
from junheng_lib.report.narrative import (
    fmt_cv,
    group_name,
    group_reason,
    growth_text,
    items_text,
    outlier_text,
    outliers,
    rule_text,
    school_rule,
    trend_text,
)
from junheng_lib.rules.codes import Status
from junheng_lib.rules.indicators import (
    BASIC,
    INDICATORS,
    QUALITY,
    RULES,
    STAGES,
    codes,
    fmt_value,
    label,
    per_unit,
)

__all__ = ["MonitoringBlocks"]


class MonitoringBlocks:
    """七、县级指标 … 附表、整改台账: one method per block of those sections (a mixin of ``CountyReport``)."""

    # ------------------------------------------------------------------ 七、县级指标
    def items_text(self) -> Text:
        return Text(items_text(self.ev.county_items) + growth_text(self.ev.three_growths))

    def items_table(self) -> Table:
        i = self.ev.county_items
        f = pd.DataFrame({"status": i["status"].eq(Status.FAIL)})
        groups = list(dict.fromkeys(i["group"]))   # the rule table's groups, in its order
        title = "、".join(groups[:-1]) + f"与{groups[-1]}" if len(groups) > 1 else "".join(groups) or "县级指标"
        return Table(title, i,
                     [Column("group", "类别"), Column("no", "序号", kind="int"), Column("item", "项目"),
                      Column("value", "实际"), Column("standard", "标准"), Column("status", "结论", kind="status")],
                     merge="group", flags=f, landscape=True)

    def growth_table(self) -> Table:
        g = self.ev.three_growths
        return Table("教育经费“三个增长”", g, [Column("no", "序号", kind="int"), Column("item", "项目"),
                                              Column("value", "实际"), Column("standard", "标准"),
                                              Column("status", "结论", kind="status")],
                     flags=pd.DataFrame({"status": g["status"].eq(Status.FAIL)}))

    # ------------------------------------------------------------------ 八、趋势与预警
    def warning_rule(self) -> Text:
        return Text(rule_text("warning"))

    def trend_text(self) -> Text:
        return Text(trend_text(self.ev.trend, self.year))

    def trend_table(self) -> Table:
        t = self.ev.trend
        t = t[(t["indicator"] == "composite") | (t["standard"] == QUALITY)]
        t = t.assign(item=t["indicator"].map(lambda c: RULES["basic"]["composite_name"] if c == "composite"
                                               else label(c)))
        wide = t.pivot_table(index=["stage", "indicator", "item"], columns="year", values="cv", aggfunc="first",
                             sort=False).reset_index()
        years = [c for c in wide.columns if isinstance(c, (int, np.integer))]
        lim = t.groupby(["stage", "indicator"], sort=False)["limit"].first()
        wide["limit"] = [f"≤{lim[(s, i)]:.2f}" for s, i in zip(wide["stage"], wide["indicator"])]
        wide = _stage_sorted(wide)
        wide.columns = [f"y{c}" if isinstance(c, (int, np.integer)) else c for c in wide.columns]
        return Table("差异系数变化", wide, [_STAGE, Column("item", "项目"),
                                            *[cv_column(f"y{y}", f"{y}学年") for y in years],
                                            Column("limit", "标准")], merge="stage")

    def trend_chart(self) -> Chart:
        return Chart("综合差异系数变化", lambda: plots.trend_chart(self.ev.trend, title=plots.chart_text(
            f"{self.county}综合差异系数变化")))

    def warning_table(self) -> Table | None:
        """One row per warned resource (a 基本均衡 and a 优质均衡 indicator of the same resource are
        one warning): each standard's CV and change side by side, as the trend text counts them."""
        w = self.ev.warnings
        if w.empty:
            return None
        g = resource_warnings(w)
        d = g.assign(item=[group_name(r) for _, r in g.iterrows()], reason=[group_reason(r) for _, r in g.iterrows()],
                     lim=g["limit"].map(lambda v: "—" if pd.isna(v) else f"≤{v:.2f}"))
        b, q = RULES["basic"]["name"], RULES["quality"]["name"]
        return Table("差异系数预警（按资源）", _stage_sorted(d),
                     [_STAGE, Column("item", "指标"), Column("basic_cv", f"{b}差异系数", kind="cv"),
                      Column("basic_change", "较上年", kind="float", decimals=3),
                      Column("quality_cv", f"{q}差异系数", kind="cv"),
                      Column("quality_change", "较上年", kind="float", decimals=3),
                      Column("lim", "标准"), Column("reason", "预警")], merge="stage",
                     note=f"同一资源的{b}指标与{q}指标计为一项预警；两者的计算范围（教学点）不同，差异系数可能略有差别。")

    # ------------------------------------------------------------------ 九、预警与展望
    def outlook_text(self) -> list:
        """What the projection is, students against capacity per stage, the hindcast, and which
        indicator slips first per stage (from the evaluation's warnings) — or why there is none."""
        ev = self.ev
        if ev.outlook_note:
            return [Text(ev.outlook_note)]
        t = RULES["outlook"]["text"]
        r = ev.projection_ratios
        used = r.loc[r["grade"] == 0, "years"]
        std = RULES["class_size"]["standard"]
        horizon = ev.outlook_horizon
        out = [Text(t["method"].format(year=self.year, horizon=horizon, pairs=RULES["outlook"]["pairs"],
                                       pairs_used=(used.iloc[0] if len(used) and used.iloc[0] else "—"),
                                       primary=std["小学"], junior=std["初中"]))]
        lines = []
        for st, s in ev.outlook_stages().iterrows():   # the evaluation's figures, in words
            change = "—" if pd.isna(s["change"]) else f"{s['change']:+.1%}"
            line = t["stage"].format(stage=st, year=self.year, base=s["base"], last=s["last_year"],
                                     value=s["last"], change=change, capacity=s["capacity"])
            if s["base_surplus"] < 0:
                line += t["short_now"].format(short=-s["base_surplus"])
            elif not pd.isna(s["short_year"]):
                line += t["short_from"].format(year=int(s["short_year"]), short=s["short"])
            else:
                line += t["fits"]
            if s["base_schools_over"] or s["last_schools_over"]:
                line += t["schools_over"].format(base_year=self.year, base=int(s["base_schools_over"]),
                                                 last=int(s["last_year"]), value=int(s["last_schools_over"]))
            lines.append(line)
        if lines:
            out.append(Text("；".join(lines) + "。"))
        chk = ev.projection_check
        if chk.empty:
            out.append(Text(t["no_check"]))
        else:
            chk = _stage_sorted(chk)
            parts = "；".join(t["check_part"].format(stage=k.stage, error=k.total_error_pct, mape=k.mape)
                             for k in chk.itertuples())
            y = int(chk["year"].iloc[0])
            out.append(Text(t["check"].format(prev=y - 1, year=y, parts=parts)))
        w = ev.projection_warnings
        cap = ev.projection
        if w.empty:
            out.append(Text(t["none"].format(horizon=horizon)))
        else:
            texts = pd.Series(warning_texts(w), index=w.index)    # earliest first
            firsts = [texts[w.index[w["stage"] == st][0]] if (w["stage"] == st).any()
                      else t["first_none"].format(stage=st, horizon=horizon)
                      for st in STAGES if (cap["stage"] == st).any()]
            out.append(Text(t["head"].format(firsts="；".join(firsts))))
        return out

    def outlook_table(self) -> Table | None:
        """Students by stage and year against the capacity of the present classes."""
        cap = self.ev.projection
        if cap.empty:
            return None
        d = _stage_sorted(cap.assign(year_text=[f"{y}学年" + ("" if o else "(预测)")
                                                for y, o in zip(cap["year"], cap["observed"])]), "year")
        cs = RULES["class_size"]
        return Table("在校生预测与学位", d, [
            _STAGE, Column("year_text", "学年"), Column("students", "在校生", "人", "int"),
            Column("capacity", "学位", "个", "int"), Column("surplus", "学位余缺", "个", "int"),
            Column("classes", "现有班数", "个", "int"), Column("classes_needed", "按标准班额所需班数", "个", "int"),
            Column("schools_over_capacity", "超出本校学位的学校", "所", "int"),
            Column("places_short", "超出本校学位的学生", "人", "int"),
            Column("large_class_schools", "平均班额达大班额的学校", "所", "int"),
            Column("over_size_schools", "超规模学校", "所", "int")], merge="stage",
            flags=pd.DataFrame({"surplus": (d["surplus"] < 0).to_numpy()}),
            note=(f"在校生为班级表各年级班额之和（预测年按年级递进法推算）；学位 = 本学年班级数 × 标准班额"
                  f"（小学{cs['standard']['小学']}人、初中{cs['standard']['初中']}人），学位余缺为负表示不足；"
                  f"大班额指平均班额{cs['large_from']}人及以上；预测年各校班级数和办学条件保持本学年水平。"))

    def outlook_chart(self) -> Chart | None:
        cap = self.ev.projection
        if cap.empty:
            return None
        return Chart("在校生预测与学位", lambda: plots.outlook_chart(cap, title=plots.chart_text(
            f"{self.county}在校生预测与学位")))

    def outlook_warning_table(self) -> Table | None:
        """The projected warnings, earliest first: year, stage, what, the sentence."""
        w = self.ev.projection_warnings
        if w.empty:
            return None
        items = RULES["outlook"]["item"]
        d = w.assign(year_text=w["year"].map(lambda y: f"{y}学年"), text=warning_texts(w),
                     item=[(RULES["basic"]["composite_name"] if i == "composite" else label(i))
                           if k == "cv_over" else items[k] for k, i in zip(w["kind"], w["indicator"])])
        return Table("预计出现的问题（资源保持本学年水平）", d, [
            Column("year_text", "学年"), _STAGE, Column("item", "项目"), Column("text", "预警")])

    def outlook_cv_table(self) -> Table | None:
        """综合差异系数 and the 优质均衡 CVs of the report year and the projected years."""
        t = self.ev.projection_coefficients
        if t.empty:
            return None
        t = t.assign(item=t["indicator"].map(lambda c: RULES["basic"]["composite_name"] if c == "composite"
                                             else label(c)))
        wide = t.pivot_table(index=["stage", "indicator", "item"], columns="year", values="cv", aggfunc="first",
                             sort=False).reset_index()
        over = t.assign(over=t["passed"].eq(False)).pivot_table(index=["stage", "indicator"], columns="year",
                                                                 values="over", aggfunc="first", sort=False)
        years = [c for c in wide.columns if isinstance(c, (int, np.integer))]
        lim = t.groupby(["stage", "indicator"], sort=False)["limit"].first()
        wide["limit"] = [f"≤{lim[(s, i)]:.2f}" for s, i in zip(wide["stage"], wide["indicator"])]
        wide = _stage_sorted(wide).reset_index(drop=True)
        key = pd.MultiIndex.from_frame(wide[["stage", "indicator"]])
        flags = pd.DataFrame({f"y{y}": over[y].reindex(key).fillna(False).astype(bool).to_numpy() for y in years})
        wide.columns = [f"y{c}" if isinstance(c, (int, np.integer)) else c for c in wide.columns]
        return Table("预计差异系数（资源保持本学年水平）", wide, [
            _STAGE, Column("item", "项目"),
            *[cv_column(f"y{y}", f"{y}学年" + ("" if y == self.year else "(预测)")) for y in years],
            Column("limit", "标准")], merge="stage", flags=flags)

    def outlook_school_table(self) -> Table | None:
        """Per school × stage × projected year (the county .xlsx)."""
        p = self.ev.projection_schools
        if p.empty:
            return None
        d = _stage_sorted(p, "year").assign(year_text=lambda x: x["year"].map(lambda y: f"{y}学年"),
                                            size_text=lambda x: np.where(x["over_size"].eq(True), "超规模", ""))
        return Table("各校在校生预测", d, [
            _STAGE, Column("year_text", "学年"), Column("school_name", "学校"),
            Column("students", "在校生", "人", "int"), Column("classes", "现有班数", "个", "int"),
            Column("classes_needed", "按标准班额所需班数", "个", "int"),
            Column("avg_class_size", "平均班额", "人", "float", 1), Column("large_class_risk", "班额", missing=""),
            Column("school_students", "学校义务教育在校生", "人", "int"), Column("size_limit", "规模上限", "人", "int"),
            Column("size_text", "规模")], merge="stage", landscape=True)

    # ------------------------------------------------------------------ 十、数据质量
    def _screening_summary(self):
        if "_dq" not in self.__dict__:
            self.__dict__["_dq"] = summary(self.ev.findings, self.county, self.year)
        return self.__dict__["_dq"]

    def data_quality_text(self) -> list:
        """What was screened, what could not be (no previous year, no classes table), and the count."""
        t = RULES["data_quality"]["text"]
        out = [Text(t["method"])]
        # the rules that could not run (no previous year in a table), as check says them
        skipped = self.ev.screening_skipped
        if len(skipped):
            out.append(Text("".join(skipped["message"]) + t["no_previous"]))
        if self.data.classes is None or self.data.classes.empty:
            out.append(Text(t["no_classes"]))
        sm = self._screening_summary()
        far = outliers(self.ev.contributions)
        if sm.total == 0 and len(far):
            out.append(Text(t["clean_but_outliers"].format(county=self.county, year=self.year)))
        else:
            out.append(Text(sm.text()))
        if len(far):
            out.append(Text(outlier_text(t["outliers"], far)))
        return out

    def data_quality_rule_table(self) -> Table | None:
        c = self.ev.findings_summary
        if c.empty:
            return None
        return Table("数据筛查结果（按规则）", c, [Column("severity", "级别", kind="severity"), Column("label", "规则"),
                                                 Column("count", "条数", "条", "int")], merge="severity")

    def data_quality_school_table(self) -> Table | None:
        s = self._screening_summary().schools
        if s.empty:
            return None
        return Table("需核实的学校", s, [
            Column("school_name", "学校"), Column("school_id", "学校标识码"), Column("severity", "最高级别", kind="severity"),
            Column("findings", "条数", "条", "int"), Column("columns", "需核实的项目")])

    def data_quality_findings_table(self) -> Table | None:
        f = self.ev.findings
        if f.empty:
            return None
        d = f.assign(who=lambda x: x["school_name"].where(x["school_name"].astype(str) != "", x["county"]))
        return Table("需核实的数据", d, [Column("who", "学校"), Column("column", "项目"), Column("severity", "级别", kind="severity"),
                                          Column("message", "说明")])

    def findings_table(self) -> Table | None:
        """Every screening finding of the county-year (the county .xlsx)."""
        f = self.ev.findings
        if f.empty:
            return None
        d = display(f)
        return Table("数据筛查", d, [Column("school_id", "学校标识码"), Column("school_name", "学校"),
                                     Column("column", "项目"), Column("rule", "规则代码"), Column("severity", "级别", kind="severity"),
                                     Column("value", "本学年值", missing=""), Column("previous", "上学年值", missing=""),
                                     Column("message", "说明")], landscape=True)

    # ------------------------------------------------------------------ 十一、问题与建议
    def problem_texts(self) -> list:
        probs = self.problems()
        if probs.empty:
            return [Text("未发现需要整改的问题。")]
        out = []
        for k, p in enumerate(probs.itertuples(), start=1):
            out += [Text(f"（{k}）{p.problem}", bold=True), Text(f"建议：{p.suggestion}")]
        return out

    # ------------------------------------------------------------------ 附表
    def appendix_table(self) -> Table:
        """附表: per-school values of L1–L8 and Y1–Y7 (every school × stage in 基本均衡's scope)."""
        v = self.ev.current
        v = _stage_sorted(v[v["in_basic"] & (v["students"] > 0)].assign(stage=lambda d: d["stage"].astype(str)))
        # a 优质均衡 indicator with the numerator and scale of a 基本均衡 one (Y4 = L1, Y5 = L2, Y6 = L3)
        # has the same value: shown once
        ind = INDICATORS
        same = {c for c in codes(QUALITY) if ((ind.loc[codes(BASIC), "numerator"] == ind.loc[c, "numerator"])
                                               & (ind.loc[codes(BASIC), "scale"] == ind.loc[c, "scale"])).any()}
        cols = [_STAGE, Column("school_name", "学校"), Column("school_type", "类型"), Column("location", "城乡"),
                Column("students", "在校生", "人", "int")] + [
            indicator_column(c, label=("每百生" if INDICATORS.loc[c, "scale"] == 100 else "") + str(INDICATORS.loc[c, "short"]))
            for c in INDICATORS.index if c not in same]
        return Table("各校指标值", v, cols, merge="stage", landscape=True,
                     note="优质均衡的生均教学及辅助用房面积、体育运动场馆面积和教学仪器设备值与基本均衡的同名指标相同，只列一次。")

    # ------------------------------------------------------------------ 整改台账
    def ledger_table(self, keys: bool = False) -> Table | None:
        """整改台账: one row per failing item (schools first), amounts in their units, the estimated cost
        at the rule table's unit costs, and the columns the bureau fills in (完成时限, 责任人).

        ``keys``: the workbook's sheet, which next year's ``--ledger`` reads back
        (:mod:`junheng_lib.analysis.ledger_years`): its title names the county and year, and it has
        the matching key (学校标识码, 学段, 项目代码) and the 整改情况 column the bureau fills in."""
        led = self.ev.ledger
        title = LEDGER_TITLE.format(county=self.county, year=self.year) if keys else "整改台账"
        if led is None or led.empty:
            return Text(f"{title}：未发现需要整改的项目。" if keys else "未发现需要整改的项目。")

        def fmt(v, item, level, unit, standard=False):
            if v is None or (isinstance(v, float) and np.isnan(v)) or v == "":
                return "—"
            if isinstance(v, str):
                return v
            if level == "全县" and (item in INDICATORS.index or item == "composite"):
                return f"≤{v:.2f}" if standard else fmt_cv(v)
            if item in INDICATORS.index:      # a per-student value, said so beside the total 差额
                return f"{fmt_value(v, item)}{per_unit(item)}"
            return f"{v:,.0f}{unit if unit != '差异系数' else ''}"
        d = led.assign(current_text=[fmt(v, i, lv, u) for v, i, lv, u in
                                     zip(led["current"], led["item"], led["level"], led["unit"].fillna(""))],
                       standard_text=[fmt(v, i, lv, u, True) for v, i, lv, u in
                                      zip(led["standard"], led["item"], led["level"], led["unit"].fillna(""))])
        dec = pd.DataFrame({"gap": [3 if u == "差异系数" else (1 if u == "㎡" else 0) for u in led["unit"]],
                            "plan": [1 if u == "㎡" else 0 for u in led["unit"]]})
        if keys:
            d = d.assign(progress="", stage=d["stage"].fillna(""), item=d["item"].replace(SHOWN_CODES))
        key_cols = [Column("school_id", "学校标识码"), Column("item", "项目代码")] if keys else []
        typed = [Column("progress", "整改情况", missing="", room=8)] if keys else []
        return Table(title, d, [*key_cols, Column("responsible", "责任单位"), _STAGE, Column("problem", "问题"),
                                      Column("current_text", "现状"), Column("standard_text", "标准"),
                                      Column("gap", "差额", kind="float"), Column("unit", "差额单位"),
                                      Column("plan", "达标方案补足", kind="float"),
                                      Column("cost", "达到标准投入", "元", "int"),
                                      Column("plan_cost", "达标方案投入", "元", "int"), Column("measure", "整改措施"),
                                      Column("deadline", "完成时限", missing="", room=10), Column("person", "责任人", missing="", room=8),
                                      *typed],
                     decimals=dec, landscape=True,
                     note=f"差额：达到标准(差异系数：降到标准)还差的数量；达标方案补足：使学校达到“{school_rule()}”"
                          "或使差异系数降到标准的最少投入；投入按单价估算，可按本地价格调整。完成时限、责任人由各单位填写。")
