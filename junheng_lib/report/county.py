"""The county report: one :class:`~junheng_lib.evaluation.Evaluation`, rendered section by section.

:class:`CountyReport` turns the evaluation into the blocks a report shows — paragraphs
(:mod:`junheng_lib.report.narrative`), tables (:class:`junheng_lib.render.table.Table`, formats from the rule
table) and charts (:mod:`junheng_lib.report.plots`). It formats; it never computes an indicator or decides
a verdict. The order of sections and blocks is declared once, in :mod:`junheng_lib.report.outline`, and
both the notebook (:meth:`CountyReport.show`) and the Word writer follow it.

Examples
--------
>>> from junheng_lib.report.county import CountyReport
>>> rep = CountyReport.build(None, "东湖区", 2024)          # doctest: +SKIP
>>> rep.show("basic")                                       # doctest: +SKIP
"""
from __future__ import annotations

import datetime as _dt
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from junheng_lib.analysis.projection import warning_texts
from junheng_lib.analysis.screening import display, summary
from junheng_lib.analysis.trends import resource_warnings
from junheng_lib.data.dataset import Dataset, load_county
from junheng_lib.evaluation import Evaluation, evaluate_report
from junheng_lib.render.blocks import Chart, Text, date_text
from junheng_lib.render.docx import write_report_docx
from junheng_lib.render.table import Column, Table, cv_column, indicator_column
from junheng_lib.render.xlsx import PROVENANCE_SHEET, Sheet, write_workbook
from junheng_lib.report import plots
from junheng_lib.report.base import Report
from junheng_lib.report.narrative import (
    SCHOOLS_OF,
    TEACHING_POINT_TEXT,
    basic_detail,
    basic_summary,
    conclusion,
    fmt_cv,
    gap_text,
    group_name,
    group_reason,
    growth_text,
    items_text,
    option_choices,
    options_text,
    overview_text,
    problems,
    quality_scope_note,
    quality_summary,
    rule_text,
    shortfall_text,
    size_text,
    staffing_scope_note,
    staffing_text,
    trend_text,
)
from junheng_lib.report.outline import SECTIONS
from junheng_lib.report.plots import glyph_note
from junheng_lib.rules.codes import Status
from junheng_lib.rules.indicators import (
    BASIC,
    INDICATORS,
    QUALITY,
    RULES,
    STAGE_ORDER,
    STAGES,
    codes,
    decimals,
    fmt_value,
    label,
    per_unit,
    standard_value,
)
from junheng_lib.rules.options import Options
from junheng_lib.util.fileio import atomic_write_text
from junheng_lib.util.names import safe_name
from junheng_lib.util.version import __version__

__all__ = ["CountyReport", "provenance_blocks"]


def provenance_blocks(data, options, *, lead: str) -> list:
    """The 说明 of a report: a sentence, then a two-column table of the input files (names only), their
    content hash, each calculation choice (a choice other than the default marked as such), the date
    and the program's version."""
    opts = options or Options()
    files = "、".join(p.name for p in data.files.values()) or "样例数据"
    choices = option_choices(opts)
    rows = [("数据文件", files),
            ("数据校验值", f"{data.fingerprint()[:16]}（数据文件内容的 SHA-256 前16位，用于核对所用数据是否同一份）")]
    rows += [(name, text + ("" if is_default else "（非默认设置）")) for name, text, is_default in choices]
    rows += [("生成日期", date_text(_dt.date.today())), ("生成程序", f"junheng {__version__}")]
    note = ("各项计算口径均为默认设置（见 rules.toml [open_points]）。" if all(c[2] for c in choices)
            else "标“非默认设置”的口径与默认设置不同，与其他报告比较时请注意。")
    return [Text(lead), Table("数据与计算口径", pd.DataFrame(rows, columns=["item", "value"]),
                              [Column("item", "项目"), Column("value", "内容")], note=note)]


_STAGE = Column("stage", "学段")


def _stage_sorted(df: pd.DataFrame, *more: str) -> pd.DataFrame:
    if df.empty:
        return df
    return df.sort_values(["stage", *more], key=lambda s: s.map(STAGE_ORDER) if s.name == "stage" else s,
                          kind="stable")


@dataclass
class CountyReport(Report):
    """A county report: the evaluation and where its data came from.

    Parameters
    ----------
    ev : Evaluation
        The one evaluation of the county-year; every block reads it.
    data : Dataset
        The county's validated tables (names of the input files and their content hash for the
        说明; school names for the chart note).
    """

    ev: Evaluation
    data: Dataset = field(repr=False)

    @classmethod
    def build(cls, data_dir: str | Path | None, county: str, year: int | None = None,
              options: Options | dict | None = None, data_slice: str | Path | None = None) -> "CountyReport":
        """Load the data folder (or the runner's validated slice of it), check the county and year
        exist, evaluate once. ``year`` None or 0 means the latest year of the data."""
        return cls.from_dataset(load_county(data_dir, county, year, data_slice), county, year, options)

    @classmethod
    def from_dataset(cls, ds: Dataset, county: str, year: int | None = None,
                     options: Options | dict | None = None) -> "CountyReport":
        """As :meth:`build`, from already loaded data.

        Raises
        ------
        DataError
            When the year or the county is not in the data, or the county has no schools in that
            year (the message names the years it has).
        """
        opts = options if isinstance(options, Options) else Options.from_dict(options)
        return cls(evaluate_report(ds, county, year, opts), ds.only_county(county))

    # ------------------------------------------------------------------ shortcuts
    @property
    def county(self) -> str:
        return self.ev.county

    @property
    def year(self) -> int:
        return self.ev.year

    @property
    def options(self) -> Options:
        return self.ev.options

    @property
    def tables(self) -> dict:
        """The evaluation's tables by name (read-only use)."""
        return self.ev.tables()

    @property
    def coef(self) -> pd.DataFrame:
        return self.ev.coefficients

    @property
    def comp(self) -> pd.DataFrame:
        return self.ev.compliance

    @property
    def in_scope(self) -> bool:
        return self.ev.in_scope

    @property
    def title(self) -> str:
        return f"{self.county}{self.year}学年义务教育均衡发展监测报告"

    # ------------------------------------------------------------------ outline
    def sections(self) -> list:
        """The outline's sections this report has (a county without a school in scope: the short report)."""
        return [s for s in SECTIONS if self.in_scope or s.short]

    # ------------------------------------------------------------------ header and notes
    def title_block(self) -> Text:
        return Text(self.title, heading=1)

    def header(self) -> list:
        """What the reader must know before the figures (the notices); the date and the data
        sources are on the cover and in the 说明 at the end."""
        return [Text(n, bold=True) for n in self.notices()]

    def conclusion(self) -> list:
        """总体结论: the 基本均衡 verdict, the four parts of 优质均衡, the main problems and the readiness
        (one paragraph each), read from the evaluation's verdicts."""
        items = self.ev.county_items
        plan = self.ev.compliance_plan
        return [Text(t) for t in conclusion(
            self.ev.stage_verdicts(), self.ev.quality_parts(), items[items["group"] == RULES["basic"]["items_group"]],
            self.problems(),
            float(plan["cost"].sum()) if len(plan) else None, grade=self.ev.readiness())]

    def problems(self) -> pd.DataFrame:
        """The ranked problems with suggestions (:func:`junheng_lib.report.narrative.problems`), found once:
        the 总体结论 and 九、问题与建议 read the same table."""
        if "_problems" not in self.__dict__:
            self.__dict__["_problems"] = problems(self.tables, self.county, self.ev.contributions)
        return self.__dict__["_problems"]

    def notices(self) -> list[str]:
        """What the report cannot show, said plainly: a county without a school in scope, a stage
        without schools (无初中学校) or without a school in scope, a stage with a single school
        (CV 0 by rule), input tables that lack this county-year, names the charts cannot draw."""
        out = []
        if not self.in_scope:
            out.append(self.scope_text())
        else:
            sc = self.stage_scope()
            missing = sc[sc["note"] != ""]
            present = [s for s in sc.index if s not in missing.index]
            for stage, r in missing.iterrows():
                out.append(f"{r['note']}：本报告的{stage}部分不适用，各项计算只含{'、'.join(present)}。")
            for stage in sc.index[sc["in_scope"] == 1]:
                out.append(f"{stage}只有1所学校参与计算，按规定各项差异系数均为0。")
        out += list(self.ev.notices)
        if note := self.chart_note():
            out.append(note)
        return out

    def chart_note(self) -> str:
        """Which names the charts show with a substitute mark (no font here draws one of their
        characters); "" when every name can be drawn."""
        return glyph_note([self.county, *self.ev.current["school_name"].dropna().unique()])

    def stage_scope(self) -> pd.DataFrame:
        """:meth:`Evaluation.stage_scope` with what is missing in words (``note``)."""
        sc = self.ev.stage_scope()
        notes = []
        cur = self.ev.current
        for stage, r in sc.iterrows():
            word = SCHOOLS_OF[stage]
            if r["schools"] == 0:
                notes.append(f"无{word}")
            elif r["in_scope"] == 0:
                why = _reasons(cur[cur["stage"].astype(str) == stage])
                notes.append(f"{word}均不参与计算（{why}）" if why else f"{word}均无在校生")
            else:
                notes.append("")
        return sc.assign(note=notes)

    def scope_text(self) -> str:
        """Why nothing can be evaluated (a county without a school in scope); '' when evaluated."""
        if self.in_scope:
            return ""
        cur = self.ev.current
        n = int(cur["school_id"].nunique())
        why = _reasons(cur.drop_duplicates("school_id"))
        scope = (f"{'、'.join(RULES['scope']['ownership'])}、{'、'.join(RULES['scope']['affiliation'])}的义务教育学校"
                 f"（不含{'、'.join(t for t, v in RULES['school_types'].items() if not v['in_scope'])}）")
        head = f"{self.county}{self.year}学年没有纳入评估范围的学校"
        body = (f"：全县{n}所学校中，{why}，均不参与计算" if why else f"：全县{n}所学校均无义务教育在校生") if n else \
            "：数据中没有该县(区)本学年的学校"
        return (f"{head}{body}。评估范围为{scope}，因此本报告不计算差异系数、学校达标情况和差额，"
                f"只列出基本情况和不参与计算的学校。")

    def provenance(self) -> list:
        """说明 at the end: input file names (never a path), content hash, options, date, version."""
        return provenance_blocks(self.data, self.options, lead=(
            "本报告的数字均由下列数据，按《县域义务教育均衡发展督导评估暂行办法》和《县域义务教育优质均衡"
            "发展督导评估办法》的计算规则计算。"))

    # ------------------------------------------------------------------ 一、基本情况
    def overview_text(self) -> Text:
        return Text(overview_text(self.county, self.year, self.ev.overview, self.ev.school_mix))

    def overview_table(self) -> Table:
        o = self.ev.overview
        cols = [_STAGE, Column("schools", "学校数(含教学点)", "所", "int"), Column("students", "在校生", "人", "int"),
                Column("classes", "班数", "个", "int"), Column("teachers", "专任教师", "人", "int")]
        d = o.copy()
        if o["students_prev"].notna().any():
            d["students_change"] = o["students"] - o["students_prev"]
            d["teachers_change"] = o["teachers"] - o["teachers_prev"]
            cols += [Column("students_change", "在校生较上年", "人", "int"),
                     Column("teachers_change", "专任教师较上年", "人", "int")]
        return Table("义务教育学校基本情况", d, cols)

    def school_mix_table(self) -> Table:
        m = self.ev.school_mix.reset_index()
        cols = [Column("school_type", "办学类型")] + [Column(c, c, "所", "int") for c in m.columns[1:]]
        return Table("学校类型与城乡分布（所）", m, cols,
                     note="含民办、非县属学校和教学点；各项计算的学校范围见“计算口径”和下表。")

    def scope_table(self) -> Table | None:
        n = self.ev.scope_notes()
        if n.empty:
            return None
        return Table("不参与计算（或只参与一项评估）的学校", n,
                     [Column("school_name", "学校"), _STAGE, Column("students", "在校生", "人", "int"),
                      Column("scope_note", "说明")], merge=None)

    def end_text(self):
        return None if self.in_scope else Text(f"{self.county}{self.year}学年没有纳入评估范围的学校，报告只包括以上内容。")

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
        note = quality_scope_note(self._quality_scope(), TEACHING_POINT_TEXT[self.options.teaching_points],
                                  self.options.teaching_point_cutoff)
        return out + ([Text(note)] if note else [])

    def _quality_scope(self) -> pd.DataFrame:
        """Per stage: schools counted by 基本均衡 and by 优质均衡, and the teaching points in and out of 优质均衡."""
        sc = self.ev.stage_scope()
        cur = self.ev.current.assign(stage=lambda d: d["stage"].astype(str))
        tp = cur[(cur["school_type"] == "教学点") & (cur["students"] > 0)]
        n_q = self.comp.groupby("stage").size()
        rows = {st: {"basic": int(sc.loc[st, "in_scope"]), "quality": int(n_q.get(st, 0)),
                     "tp_quality": int((tp["in_quality"] & (tp["stage"] == st)).sum()),
                     "tp_small": int((~tp["in_quality"] & (tp["stage"] == st)
                                      & (tp["students"] < self.options.teaching_point_cutoff)).sum())}
                for st in sc.index if sc.loc[st, "in_scope"] or n_q.get(st, 0)}
        return pd.DataFrame.from_dict(rows, orient="index",
                                      columns=["basic", "quality", "tp_quality", "tp_small"])

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
        return Table("全县指标差额（达到标准与达到85%）", d,
                     [_STAGE, Column("name", "指标"), Column("resource", "资源"), Column("unit", "单位"),
                      Column("schools_short", "未达标学校", "所", "int"),
                      Column("shortfall", "差额(达到标准)", kind="float", decimals=0),
                      Column("shortfall_85", "差额(达到85%)", kind="float", decimals=0),
                      Column("plan_cost", "最低成本达标方案投入", "元", "int")], merge="stage",
                     note="差额按每校达到标准值(或其85%)测算；最低成本达标方案使每校达到“至少6项达标、其余不低于85%”，"
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

    # ------------------------------------------------------------------ 九、问题与建议
    def problem_texts(self) -> list:
        probs = self.problems()
        if probs.empty:
            return [Text("未发现需要整改的问题。")]
        out = []
        for k, p in enumerate(probs.itertuples(), start=1):
            out += [Text(f"（{k}）{p.problem}", bold=True), Text(f"建议：{p.suggestion}")]
        return out

    # ------------------------------------------------------------------ 整改台账
    def ledger_table(self) -> Table | None:
        """整改台账: one row per failing item (schools first), amounts in their units, the estimated cost
        at the rule table's unit costs, and the columns the bureau fills in (完成时限, 责任人)."""
        led = self.ev.ledger
        if led is None or led.empty:
            return Text("未发现需要整改的项目。")

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
        return Table("整改台账", d, [Column("responsible", "责任单位"), _STAGE, Column("problem", "问题"),
                                      Column("current_text", "现状"), Column("standard_text", "标准"),
                                      Column("gap", "差额", kind="float"), Column("unit", "差额单位"),
                                      Column("plan", "达标方案补足", kind="float"),
                                      Column("cost", "达到标准投入", "元", "int"),
                                      Column("plan_cost", "达标方案投入", "元", "int"), Column("measure", "整改措施"),
                                      Column("deadline", "完成时限", missing="", room=10), Column("person", "责任人", missing="", room=8)],
                     decimals=dec, landscape=True,
                     note="差额：达到标准(差异系数：降到标准)还差的数量；达标方案补足：使学校达到“至少6项达标、其余不低于85%”"
                          "或使差异系数降到标准的最少投入；投入按单价估算，可按本地价格调整。完成时限、责任人由各单位填写。")

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

    # ------------------------------------------------------------------ side files
    def results(self) -> dict:
        """Key results as plain JSON-ready data (read by tests and the city roll-up)."""
        r = self.ev.results(input_sha256=self.data.fingerprint(), version=__version__)
        sc = self.stage_scope()
        r["stages_missing"] = {st: n for st, n in sc["note"].items() if n}
        r["notices"] = self.notices()
        r["options_text"] = options_text(self.options)
        return r

    def write_outputs(self, folder: str | Path, *, docx_template: str | Path | None = None,
                      issuer: str | None = None) -> list[Path]:
        """Side files of a report run: ``<county>.results.json``, ``.docx`` (in ``docx_template``,
        default junheng's; ``issuer`` on the cover and the 落款, default the county's 教育局) and ``.xlsx``."""
        folder = Path(folder)
        stem = safe_name(self.county)
        return [self.write_results(folder), self.write_docx(folder / f"{stem}.docx", issuer=issuer,
                                                            template=docx_template),
                write_workbook(folder / f"{stem}.xlsx", self.workbook())]

    def write_docx(self, path: str | Path, *, issuer: str | None = None, template: str | Path | None = None,
                   today=None) -> Path:
        """The county report as Word (.docx), the main deliverable: the outline's sections written into
        the Word template (default junheng's, GB/T 9704 layout; :mod:`junheng_lib.render.docx`) —
        cover, 表N/图N captions, every chart, the per-school annexes on landscape pages, and the 落款
        of ``issuer`` (default: the county's 教育局)."""
        return write_report_docx(self, self.sections(), path, title=self.title,
                                 issuer=issuer or f"{self.county}教育局", today=today, template=template or None)

    def workbook(self) -> list[Sheet]:
        """The tables a bureau submits, one sheet each (:func:`junheng_lib.render.xlsx.write_workbook`):
        差异系数表 (both published layouts), 学校达标情况, 学校指标差额, 各校指标值, 整改台账, the
        projection and the screening, then the 说明."""
        prov = Sheet(PROVENANCE_SHEET, self.provenance(), landscape=False)
        if not self.in_scope:  # no school in scope: say so instead of empty tables
            return [Sheet("差异系数表", [Text(self.scope_text())]), prov]
        sheets = [Sheet("差异系数表", [self.basic_table(), self.quality_table()], numbered=True)]
        for name, t in (("学校达标情况", self.compliance_table()), ("学校指标差额", self.shortfall_detail_table()),
                        ("各校指标值", self.appendix_table()), ("整改台账", self.ledger_table()),
                        ("在校生预测", self.outlook_table()), ("各校在校生预测", self.outlook_school_table()),
                        ("数据筛查", self.findings_table())):
            if isinstance(t, Table):
                sheets.append(Sheet(name, [t]))
        return sheets + [prov]

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
            Column("shortfall_85", "差额(达到85%)", kind="float", decimals=2)], merge="stage",
            flags=pd.DataFrame({"shortfall": (sf["shortfall"] > 0).to_numpy(),
                                "shortfall_85": (sf["shortfall_85"] > 0).to_numpy()}), decimals=dec)

    def write_results(self, folder: str | Path) -> Path:
        """Write :meth:`results` as ``<county>.results.json`` (UTF-8, Chinese readable)."""
        path = Path(folder) / f"{safe_name(self.county)}.results.json"
        return atomic_write_text(path, json.dumps(self.results(), ensure_ascii=False, indent=2,
                                                  default=_json_default))

    # ------------------------------------------------------------------ 九、预警与展望
    def outlook_text(self) -> list:
        """What the projection is, students against capacity per stage, the hindcast, and which
        indicator slips first per stage (from the evaluation's warnings) — or why there is none."""
        ev = self.ev
        if ev.outlook_note:
            return [Text(ev.outlook_note)]
        t = RULES["outlook"]["text"]
        cap = ev.projection
        r = ev.projection_ratios
        used = r.loc[r["grade"] == 0, "years"]
        std = RULES["class_size"]["standard"]
        out = [Text(t["method"].format(year=self.year, horizon=int((~cap["observed"]).groupby(cap["stage"]).sum().max()),
                                       pairs=RULES["outlook"]["pairs"],
                                       pairs_used=(used.iloc[0] if len(used) and used.iloc[0] else "—"),
                                       primary=std["小学"], junior=std["初中"]))]
        lines = []
        for st in STAGES:
            c = cap[cap["stage"] == st].sort_values("year")
            if c.empty:
                continue
            b, last = c[c["observed"]].iloc[0], c.iloc[-1]
            change = f"{(last['students'] - b['students']) / b['students']:+.1%}" if b["students"] > 0 else "—"
            s = t["stage"].format(stage=st, year=self.year, base=b["students"], last=int(last["year"]),
                                  value=last["students"], change=change, capacity=b["capacity"])
            short = c[~c["observed"] & (c["surplus"] < 0)]
            if b["surplus"] < 0:
                s += t["short_now"].format(short=-b["surplus"])
            elif len(short):
                s += t["short_from"].format(year=int(short["year"].iloc[0]), short=-short["surplus"].iloc[0])
            else:
                s += t["fits"]
            if b["schools_over_capacity"] or last["schools_over_capacity"]:
                s += t["schools_over"].format(base_year=self.year, base=int(b["schools_over_capacity"]),
                                              last=int(last["year"]), value=int(last["schools_over_capacity"]))
            lines.append(s)
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
        horizon = int((~cap["observed"]).groupby(cap["stage"]).sum().max())
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
        if self.year - 1 not in set(self.ev.values["year"]):
            out.append(Text(t["no_previous"].format(prev=self.year - 1)))
        if self.data.classes is None or self.data.classes.empty:
            out.append(Text(t["no_classes"]))
        out.append(Text(self._screening_summary().text()))
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


def _reasons(st: pd.DataFrame) -> str:
    """'民办学校3所、非县属学校1所' from the scope notes of school × stage rows out of scope."""
    notes = st.loc[st["scope_note"] != "", "scope_note"]
    counts = notes.value_counts(sort=False)
    return "、".join(f"{note.replace('不参与计算', '')}{n}所" for note, n in counts.items())


def _json_default(o):
    if isinstance(o, (np.integer,)):
        return int(o)
    if isinstance(o, (np.floating,)):
        return float(o)
    if isinstance(o, (np.bool_,)):
        return bool(o)
    raise TypeError(type(o))
