"""The city (or province) roll-up: every county side by side, from the county reports' side files.

:class:`CityReport` reads ``<county>.results.json`` written by each county report run (or, when
none are given, computes the same results with the library), and the CV trends from the data.
A county of the year without a current result (no side file, or one for another year or other
options) is listed as 未生成 and the roll-up goes on — its title then says it covers part of the
city; a county without a school in scope is listed as such, never ranked.

One ranking (:meth:`CityReport.summary`) orders the chart, the grid and every table: the readiness
grade for 优质均衡 (the rule table's ``[[rollup.grade]]``, best first), then the mean of the stages'
综合差异系数 (lower first). The report's outline is :data:`junheng_lib.report.outline.CITY_SECTIONS`; its
blocks are methods returning ``Text``/``Table``/``Chart`` like :class:`~junheng_lib.report.county.CountyReport`.

The numbers — the ranking, totals, sums, counts and orderings — are computed by
:mod:`junheng_lib.analysis.city` from the counties' results; this module reads the side files, calls
those functions (its frames such as :meth:`CityReport.summary` are theirs, with status codes in words)
and formats: blocks, sentences and the Word and Excel files.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from junheng_lib.analysis import city as rollup
from junheng_lib.analysis.coefficients import coefficients, values_table
from junheng_lib.analysis.outlook import warning_texts
from junheng_lib.analysis.overview import overview, school_mix
from junheng_lib.analysis.readiness import GRADES, grade_conditions, grade_of
from junheng_lib.analysis.trends import cv_trend
from junheng_lib.analysis.units import (
    DEFAULT_STEM,
    Unit,
    county_units,
    find_unit,
    rollup_units,
)
from junheng_lib.data.dataset import Dataset, check_request, load
from junheng_lib.data.errors import DataError, DataIssue
from junheng_lib.data.results import current_results
from junheng_lib.evaluation import evaluate_counties
from junheng_lib.render.blocks import Chart, Text
from junheng_lib.render.docx import write_report_docx
from junheng_lib.render.table import Column, Table, cv_column
from junheng_lib.render.xlsx import PROVENANCE_SHEET, Sheet, write_workbook
from junheng_lib.report import plots
from junheng_lib.report.base import Report
from junheng_lib.report.city_records import CityRecordsBlocks
from junheng_lib.report.county import CountyReport, provenance_blocks
from junheng_lib.report.narrative import amount, fmt_cv, rule_text, warning_reason
from junheng_lib.report.outline import CITY_SECTIONS
from junheng_lib.report.plots import glyph_note
from junheng_lib.rules.codes import Status
from junheng_lib.rules.indicators import INDICATORS, RULES, STAGES, label
from junheng_lib.rules.options import Options

__all__ = ["CityReport", "NOT_GENERATED", "NO_SCOPE", "GRADES", "grade_of", "grade_conditions", "RANKING_TEXT"]

#: the words of a county's status (:mod:`junheng_lib.analysis.city`'s codes): without a current result,
#: without a school in scope
NOT_GENERATED, NO_SCOPE = "未生成", "无纳入评估范围的学校"
STATUS_WORDS = {rollup.NOT_GENERATED: NOT_GENERATED, rollup.NO_SCOPE: NO_SCOPE}
#: the one ranking of the roll-up, in words
#: the workbook sheet listing the counties without a current result (when too many to name)
MISSING_SHEET = "未生成的县区"
RANKING_TEXT = ("排名先按优质均衡准备程度（等级见表“优质均衡准备程度等级”），同一等级内按小学、初中综合差异系数的"
                "平均值从低到高（只有一个学段的县(区)按该学段）；没有评估结果的县(区)列在最后，不排名。")
#: the roll-up workbook: sheet name → block of CityReport (a Table, or nothing to write)
XLSX_SHEETS = {"汇总": "summary_table", "基本情况": "totals_table", "准备程度等级": "grade_table",
               "优质均衡准备情况": "readiness_table", "差异系数预警": "warning_table", "全市差额": "shortfall_table",
               "整改台账汇总": "ledger_summary", "综合差异系数趋势": "trend_table",
               "预计出现风险的县区": "projected_risk_table", "各市或各省汇总": "groups_table",
               "项目与投入": "records_projects_table", "资助与控辍保学": "records_groups_table"}


# ---------------------------------------------------------------------------------------------- report
@dataclass
class CityReport(CityRecordsBlocks, Report):
    year: int
    data: Dataset
    results: dict = field(repr=False)         # county → results dict
    missing: list = field(default_factory=list)           # counties of the year without a current result
    trend: pd.DataFrame = field(default=None, repr=False)
    counties: list = field(default_factory=list)          # every county of the year, in data order
    absent: list = field(default_factory=list)            # notices: counties of other years absent this year
    options: Options | None = None
    unit: Unit = field(default_factory=lambda: Unit("", "", ()))  # which counties, at which level

    @classmethod
    def build(cls, data_dir: str | Path | None, year: int | None = None, results_dir: str | Path | None = None,
              options: Options | dict | None = None, data_slice: str | Path | None = None,
              stem: str = "") -> "CityReport":
        """The roll-up of ``year`` (default: the latest of the data): each county's current results
        from ``results_dir`` (through its ``index.json``), or computed here without one. ``data_slice``
        is the validated data the runner wrote for this notebook (else ``data_dir`` is read).
        ``stem``: the file stem of one of the data's roll-ups
        (:func:`junheng_lib.analysis.units.rollup_units`: ``<市名>汇总``, ``<省名>汇总``, ``全国汇总``);
        "" or ``全市汇总``: every county of the data together.

        Raises
        ------
        DataError
            When the year is not in the data, or ``stem`` names none of its roll-ups.
        """
        opts = options if isinstance(options, Options) else Options.from_dict(options)
        ds = Dataset.read_slice(data_slice) if data_slice else load(data_dir)
        year = int(year) if year else max(ds.years)
        absent = check_request(ds.schools, [year])
        unit = Unit("", "", ())
        if stem and stem != DEFAULT_STEM:
            found_unit = find_unit(ds.schools, year, stem)
            if found_unit is None:
                have = "、".join(u.stem for u in rollup_units(ds.schools, year)[:20])
                raise DataError([DataIssue(str(ds.files.get("schools", data_dir or "")),
                                           f"数据中没有汇总单位“{stem}”（可用：{have}）")])
            unit = found_unit
            ds = ds.only_counties(unit.counties)   # the roll-up costs in proportion to its own counties
            absent = []
        counties = [c for c in ds.counties_list if c in set(ds.schools.loc[ds.schools["year"] == year, "county"])]
        results, missing = {}, []
        found = current_results(results_dir, year) if results_dir else None  # through index.json / manifests
        # without the counties' results: evaluated here, all at once (each as its county report would)
        evs = evaluate_counties(ds, counties, year, opts) if found is None else {}
        for c in counties:
            if found is None:
                results[c] = CountyReport(evs[c], ds.only_county(c)).results()
                continue
            r = _read_result(found[c]) if c in found else None
            if rollup.is_current(r, year, opts):
                results[c] = r
            else:  # none, unreadable, or from another year or other options: not a current result
                missing.append(c)
        trend = cv_trend(coefficients(values_table(ds.schools, opts)))
        return cls(year, ds, results, missing, trend, counties, absent, options=opts, unit=unit)

    def notices(self) -> list[str]:
        """What the roll-up leaves out, by name: counties without a current result, counties of
        other years absent this year, and county names the schools and counties tables do not share."""
        out = []
        if self.missing:
            out.append(f"提示：{self.missing_text}没有本学年的当前结果（县级报告未生成或生成失败），"
                       f"汇总表中标为“{NOT_GENERATED}”")
        return out + list(self.absent) + self.data.name_notices()

    @property
    def missing_text(self) -> str:
        """The counties without a current result by name, or, beyond the rule table's ``listed``,
        their count and where the list is (the workbook's sheet)."""
        n = int(RULES["rollup"]["units"]["listed"])
        if len(self.missing) <= n:
            return "、".join(self.missing)
        return f"{len(self.missing)}个县(区)（名单见汇总工作簿“{MISSING_SHEET}”工作表）"

    @property
    def city(self) -> str:
        """The name of the area the roll-up covers: the city (or province, 全国) of its unit, or the
        data's single city, or 全市."""
        if self.unit.level:
            return self.unit.name
        s = self.data.schools
        name = s["city"].dropna().iloc[0] if "city" in s and s["city"].notna().any() else "全市"
        return str(name)

    @property
    def default_issuer(self) -> str:
        """The roll-up's issuing unit when none is given: the 教育局 of its city, the 教育厅 of its
        province, the 教育部 for the nation."""
        issuer = RULES["rollup"]["units"]["issuer"]
        return str(issuer.get(self.unit.level, issuer["city"])).format(name=self.city)

    @property
    def stem(self) -> str:
        """The file stem of the roll-up's outputs (全市汇总, <市名>汇总 …)."""
        return self.unit.stem

    @property
    def partial(self) -> bool:
        """True when some county of the year has no current result (the roll-up covers part of the city)."""
        return bool(self.missing)

    @property
    def coverage(self) -> str:
        """'部分县区：N/M' (counties with a current result / counties of the year), '' when all."""
        n_all = len(self.counties) if self.counties else len(self.results) + len(self.missing)
        return f"部分县区：{n_all - len(self.missing)}/{n_all}" if self.partial else ""

    @property
    def title(self) -> str:
        t = f"{self.city}{self.year}学年县域义务教育均衡发展监测汇总报告"
        return f"{t}（{self.coverage}）" if self.partial else t

    # ------------------------------------------------------------------ the one ranking
    def _ranking(self) -> pd.DataFrame:
        """:func:`junheng_lib.analysis.city.county_summary` of the roll-up (status codes), built once."""
        cache = self.__dict__.setdefault("_cache", {})
        if "summary" not in cache:
            cache["summary"] = rollup.county_summary(self.results, self.counties or list(self.results))
        return cache["summary"]

    def summary(self) -> pd.DataFrame:
        """One row per county of the year, **in the roll-up's ranking** (every table, the chart and
        the grid follow this order): composites, verdicts, quality CVs over limit, schools passing,
        the readiness ``grade``, ``risk`` (差异系数预警 of the county, as the warning table lists
        them); ``status`` '' when judged, else 未生成 or 无纳入评估范围的学校 (no rank, listed last);
        ``missing_小学/初中`` says why a stage is not judged (无学校 …).
        (:func:`junheng_lib.analysis.city.county_summary`, its status codes in words.)"""
        return _worded(self._ranking(), ["status", "grade", *[f"missing_{st}" for st in STAGES]])

    def order(self) -> list[str]:
        """The counties in the roll-up's ranking (the order of every table and chart)."""
        return self._ranking()["county"].tolist()

    # ------------------------------------------------------------------ data of the sections
    def warnings(self) -> pd.DataFrame:
        """The counties' 差异系数预警 (a 综合 or 优质均衡 CV newly failing its limit or near it, from
        each county's results), tidy — ``county, stage, indicator, cv, limit, kind`` — counties in
        the ranking's order (:func:`junheng_lib.analysis.city.risk_warnings`). The warning table lists
        these rows and the headline and summary table count them (``summary()["risk"]``)."""
        return rollup.risk_warnings(self.results, self.order())

    def at_risk(self) -> pd.DataFrame:
        """Counties with warnings this year (display frame; :meth:`warning_table` is the report's table)."""
        w = self.warnings()
        return pd.DataFrame({"县(区)": w["county"], "学段": w["stage"],
                             "指标": [_indicator_name(i) for i in w["indicator"]],
                             "差异系数": w["cv"].map(fmt_cv), "预警": w["kind"].map(warning_reason)}
                            ).set_index(["县(区)", "学段"])

    def totals(self) -> pd.DataFrame:
        """Schools, teaching points, students and teachers per county (ranking order) and the
        全市合计 row — every school of the data (all owners), as each county report's 基本情况
        (:func:`junheng_lib.analysis.city.city_totals` of the counties' 基本情况)."""
        cur = self.data.schools[self.data.schools["year"] == self.year]
        order = self.order()
        schools = {c: cur[cur["county"] == c] for c in order}
        return rollup.city_totals(order, {c: overview(s, self.year) for c, s in schools.items()},
                                  {c: school_mix(s, self.year) for c, s in schools.items()})

    def shortfall(self) -> pd.DataFrame:
        """The city's total shortfall per stage and indicator (sum of the counties';
        :func:`junheng_lib.analysis.city.city_shortfall`)."""
        return rollup.city_shortfall(self.results)

    def ledger_sums(self) -> pd.DataFrame:
        """整改台账 summed per county (ranking order), with the 全市合计 row of the counties with results
        (:func:`junheng_lib.analysis.city.ledger_sums`; ``status`` 未生成 for a county without one)."""
        return _worded(rollup.ledger_sums(self.results, self.order()), ["status"])

    # ------------------------------------------------------------------ outline and display
    def sections(self) -> list:
        return list(CITY_SECTIONS)

    # ------------------------------------------------------------------ blocks: title and headline
    def title_block(self) -> Text:
        return Text(self.title, heading=1)

    def _verdict_text(self) -> str:
        """基本均衡 by its four conditions: counties 达标 / 未达标 / 未提供 (the counties' own verdicts)."""
        s = self.summary()
        v = s.loc[s["status"] == "", "basic_verdict"]
        counts = [(st, v.eq(st.value).sum()) for st in Status]
        fail = s.loc[s["basic_verdict"].eq(Status.FAIL.value), "county"].tolist()
        return ("按基本均衡四项条件（办学基本标准、校际均衡、县级政府推进工作、公众满意度），"
                + "、".join(f"{st.word}{n}个" for st, n in counts if n)
                + (f"（未达标：{'、'.join(fail)}）" if fail else ""))

    def headline(self) -> list:
        return [Text(self.narrative())] + [Text(n, bold=True) for n in self.notices()]

    def narrative(self) -> str:
        """The 总体情况 paragraph: coverage, 基本均衡, readiness grades, warnings — every count from
        :meth:`summary` (the tables' rows); a partial roll-up says so first and speaks only of the
        counties it holds (:func:`junheng_lib.analysis.city.headline`)."""
        h = rollup.headline(self._ranking())
        m, no_scope = h["counties"], h["no_scope"]
        covered = m - len(self.missing)
        missing = "、".join(self.missing)
        if not covered:
            return (f"{self.year}学年全市{m}个县(区)均没有可汇总的评估结果：{missing}没有本学年的当前结果"
                    "（县级报告未生成或生成失败）。" + self.chart_note())
        parts = []
        if self.partial:
            parts.append(f"本次汇总只包括全市{m}个县(区)中的{covered}个，{missing}没有本学年的当前结果"
                         "（县级报告未生成或生成失败），未纳入汇总，以下结论不涉及这些县(区)")
            scope = f"已汇总的{covered}个县(区)"
        else:
            scope = f"全市{m}个县(区)"
        if h["judged"]:
            fail = h["inter_school_failed"]
            if not fail and not no_scope:
                parts.append(f"{self.year}学年{scope}均达到校际均衡标准（综合差异系数）")
            else:
                parts.append(f"{self.year}学年{scope}中，{h['inter_school_passed']}个达到校际均衡标准（综合差异系数）"
                             + (f"，{'、'.join(fail)}未达到" if fail else ""))
            parts.append(self._verdict_text())
            parts.append("按优质均衡准备程度，" + "、".join(f"{g}{n}个" for g, n in h["grades"].items()))
            risk = h["at_risk"]
            parts.append(f"{len(risk)}个县(区)出现差异系数预警（{'、'.join(risk)}）" if risk
                         else "没有县(区)出现差异系数预警")
        if no_scope:
            parts.append(f"{'、'.join(no_scope)}没有纳入评估范围的学校，未作评估")
        return "；".join(parts) + "。" + self.chart_note()

    # ------------------------------------------------------------------ 一、基本情况
    def totals_text(self) -> Text:
        t = self.totals()
        if t.empty:
            return Text(f"{self.year}学年数据中没有学校。")
        r = t.iloc[-1]
        text = (f"{self.year}学年，全市{len(t) - 1}个县(区)共有义务教育阶段学校{r['schools']:,.0f}所"
                + (f"、教学点{r['points']:,.0f}个" if r["points"] else ""))
        for st in STAGES:
            if r[f"stage_schools_{st}"]:
                text += f"；{st}在校生{r[f'students_{st}']:,.0f}人、专任教师{r[f'teachers_{st}']:,.0f}人"
        text += "（含民办和非县属学校，与各县报告“基本情况”口径相同；差异系数和达标情况只计纳入评估范围的学校）。"
        return Text(text)

    def totals_table(self) -> Table | None:
        t = self.totals()
        if t.empty:
            return None
        cols = [Column("county", "县(区)"), Column("schools", "学校", "所", "int"), Column("points", "教学点", "个", "int")]
        cols += [Column(f"students_{st}", f"{st}在校生", "人", "int") for st in STAGES]
        cols += [Column(f"teachers_{st}", f"{st}专任教师", "人", "int") for st in STAGES]
        return Table("全市义务教育基本情况", t, cols,
                     note="学校数不含教学点；一所九年一贯制学校的小学部、初中部分别计入小学、初中的在校生和专任教师。")

    # ------------------------------------------------------------------ 二、对比与排名
    def ranking_rule(self) -> Text:
        return Text(RANKING_TEXT)

    def summary_table(self) -> Table:
        """The side-by-side table in the ranking's order: 综合差异系数 and 基本均衡 per stage,
        优质均衡 CVs over their limit, warnings and the readiness grade."""
        s = self.summary()
        judged = s["status"] == ""
        d = s.copy()
        for k in ["risk", *[f"quality_over_{st}" for st in STAGES]]:
            d[k] = d[k].astype(float).where(judged)
        for st in STAGES:
            d[f"quality_over_{st}"] = d[f"quality_over_{st}"].where(s[f"missing_{st}"] == "")
        cols = [Column("rank", "排名", kind="int"), Column("county", "县(区)")]
        cols += [cv_column(f"composite_{st}", f"{st}综合差异系数") for st in STAGES]
        cols += [Column("inter_school_passed", "校际均衡", kind="verdict"),
                 Column("basic_verdict", "基本均衡(四项条件)", kind="status")]
        cols += [Column(f"quality_over_{st}", f"{st}优质均衡差异系数超标", "项", "int") for st in STAGES]
        cols += [Column("risk", "差异系数预警", "项", "int"), Column("grade", "优质均衡准备程度")]
        flags = pd.DataFrame({**{f"composite_{st}": s[f"basic_{st}"].eq(False) for st in STAGES},
                              "inter_school_passed": s["inter_school_passed"].eq(False),
                              "basic_verdict": s["basic_verdict"].eq(Status.FAIL.value),
                              **{f"quality_over_{st}": s[f"quality_over_{st}"] > 0 for st in STAGES}})
        return Table("各县(区)综合差异系数与排名", d, cols, flags=flags, note=self._dash_note(s))

    def _dash_note(self, s: pd.DataFrame) -> str:
        """Why a county's cells read "—": no current result, no school in scope, a stage without schools."""
        why = []
        for r in s.itertuples():
            if r.status:
                why.append(f"{r.county}{r.status}")
                continue
            why += [f"{r.county}{st}{getattr(r, f'missing_{st}')}" for st in STAGES if getattr(r, f"missing_{st}")]
        return f"“—”表示未作评估：{'；'.join(why)}。" if why else ""

    def cv_chart(self) -> Chart:
        return Chart("各县(区)基本均衡综合差异系数（按排名）", lambda: plots.rollup_chart(self.summary()))

    def grid_chart(self) -> Chart | None:
        coef = self._evaluated_trend()
        if coef.empty:
            return None
        return Chart("各县(区)差异系数与标准（按排名）", lambda: plots.rollup_grid(coef, self.order(), year=self.year))

    def _evaluated_trend(self) -> pd.DataFrame:
        """The CV trend of the counties with a current result only (a county without one shows no value)."""
        return rollup.evaluated_trend(self.trend, self.results)

    # ------------------------------------------------------------------ 三、优质均衡准备情况
    def grade_table(self) -> Table:
        g = pd.DataFrame({"grade": GRADES, "rule": [grade_conditions(x) for x in RULES["readiness"]["grade"]]})
        return Table("优质均衡准备程度等级", g, [Column("grade", "等级"), Column("rule", "条件")],
                     note="自上而下，符合的第一个等级即为该县(区)的等级；县级指标指政府保障程度、教育质量和社会认可度等县级评估项目。")

    def readiness(self) -> pd.DataFrame:
        """Readiness for 优质均衡 per county (ranking order): grade, the metrics it is judged on and
        the main gaps in words (``gaps``); counties without a result keep their status as grade
        (:func:`junheng_lib.analysis.city.readiness`)."""
        s = self._ranking()
        return _worded(rollup.readiness(s), ["grade"]).assign(gaps=[_gaps(r) for r in s.itertuples()])

    def readiness_table(self) -> Table:
        r = self.readiness()
        m = RULES["readiness"]["metric"]
        cols = [Column("rank", "排名", kind="int"), Column("county", "县(区)"), Column("grade", "准备程度"),
                Column("basic_passed", m["basic_passed"]["label"], kind="verdict"),
                Column("quality_passed", m["quality_passed"]["label"], kind="verdict"),
                Column("cvs_over", m["cvs_over"]["label"], "项", "int"),
                Column("schools_passed_share", m["schools_passed_share"]["label"], kind="pct", decimals=1),
                Column("items_failed", m["items_failed"]["label"], "项", "int"),
                Column("items_missing", m["items_missing"]["label"], "项", "int")]
        flags = pd.DataFrame({"basic_passed": r["basic_passed"].eq(False), "quality_passed": r["quality_passed"].eq(False)})
        return Table("各县(区)优质均衡准备情况", r, cols, flags=flags,
                     note="达标学校占比按小学、初中分别计数（九年一贯制学校的两个学段各计一次）。")

    def gap_texts(self) -> list:
        """主要差距 per county, in the ranking's order (one line each)."""
        return [Text(f"{r.county}（{r.grade}）：{r.gaps}。") for r in self.readiness().itertuples()]

    # ------------------------------------------------------------------ 四、差异系数预警
    def risk_rule(self) -> Text:
        return Text("预警条件：" + rule_text("risk"))

    def warning_table(self) -> Table | Text:
        w = self.warnings()
        if w.empty:
            return Text("本学年没有县(区)出现差异系数预警。")
        w = w.assign(name=[_indicator_name(i) for i in w["indicator"]], reason=w["kind"].map(warning_reason))
        return Table("差异系数预警", w, [Column("county", "县(区)"), Column("stage", "学段"), Column("name", "指标"),
                                       cv_column("cv"), cv_column("limit", "标准(不高于)"), Column("reason", "预警原因")],
                     merge="county", note=RULES["rollup"]["risk_scope_note"].format(
                         margin=f"{RULES['warning']['margin']:g}"))

    # ------------------------------------------------------------------ 五、全市差额与整改投入
    def shortfall_text(self) -> Text | None:
        led = self.ledger_sums().iloc[-1]
        g = self.shortfall()
        if g.empty and not led["items"]:
            return None
        scope = f"已汇总的{len(self.results)}个县(区)" if self.partial else "全市"
        text = (f"{scope}各校达到优质均衡各项标准，按各县台账合计共有整改项目{led['items']:,.0f}项；"
                f"各校全部达到100%标准估算需投入{amount(led['cost'], '元')}，"
                f"按最低成本达标方案（每校至少{RULES['quality']['min_met']}项达到标准、其余不低于标准的"
                f"{RULES['quality']['floor_share']:.0%}）估算需投入{amount(led['plan_cost'], '元')}。")
        return Text(text + "两者均按规则表中的单价估算，前者为全部补齐的投入，后者为使每所学校达标的最低投入。")

    def shortfall_table(self) -> Table | None:
        g = self.shortfall()
        if g.empty:
            return None
        g = g.assign(name=[_indicator_name(c) for c in g["indicator"]])
        dec = pd.DataFrame({"amount": [0] * len(g)})
        return Table("全市各校达到优质均衡标准的差额", g, [
            Column("stage", "学段"), Column("name", "指标"), Column("resource", "资源"), Column("unit", "单位"),
            Column("amount", "全市差额", kind="float"), Column("schools", "涉及学校", "所", "int"),
            Column("counties", "涉及县(区)", "个", "int")], merge="stage", decimals=dec,
            note="差额为各校达到标准(100%)所缺数量之和，学校按学段计。")

    def ledger_summary(self) -> Table:
        """整改台账 summed by county (from each county's results): items at schools and county level,
        the estimated cost of bringing every school to 100 % of the standards and of the least-cost
        plan that makes every school pass."""
        d = self.ledger_sums()
        return Table("整改台账汇总", d, [
            Column("county", "县(区)"), Column("items", "整改项目", "项", "int", missing=NOT_GENERATED),
            Column("school_items", "学校层面", "项", "int"), Column("county_items", "县级层面", "项", "int"),
            Column("cost", "各校达到标准估算投入", "元", "int"), Column("plan_cost", "最低成本达标方案投入", "元", "int")],
            note="估算投入按规则表中的单价；明细见各县报告的整改台账" + ("；全市合计只含已汇总的县(区)。" if self.partial else "。"))

    # ------------------------------------------------------------------ 六、趋势
    def trend_table(self) -> Table | None:
        """综合差异系数 per county (ranking order) and stage, one column per year
        (:func:`junheng_lib.analysis.city.composite_trend`)."""
        w = rollup.composite_trend(self._evaluated_trend(), self.order())
        if w is None:
            return None
        years = [c for c in w.columns if c not in ("county", "stage")]
        return Table("各县(区)综合差异系数变化", w, [Column("county", "县(区)"), Column("stage", "学段")] +
                     [cv_column(y, f"{y}学年") for y in years], merge="county",
                     note=f"{'、'.join(self.missing)}没有本学年的当前结果，未列入。" if self.partial else "")

    # ------------------------------------------------------------------ 七、问题与建议
    def problems(self) -> list[tuple[str, str]]:
        """The city's problems, most serious first, each with its suggestion (rule table texts):
        counties failing 基本均衡, the counties furthest from 优质均衡, the resources short in the
        most counties, the total cost, warnings, counties without a result (the counts and orderings
        from :mod:`junheng_lib.analysis.city`)."""
        adv = RULES["rollup"]["advice"]
        s = self._ranking()
        h = rollup.headline(s)
        out = []
        fail = rollup.basic_failing(s)
        if len(fail):
            # 校际均衡 (a composite over its limit) first; then the counties failing another condition
            over = [r for r in fail.itertuples() if any(getattr(r, f"basic_{st}") is False for st in STAGES)]
            if over:
                cvs = "；".join(f"{r.county}（" + "、".join(f"{st}综合差异系数{fmt_cv(getattr(r, f'composite_{st}'))}"
                                                        for st in STAGES if getattr(r, f"basic_{st}") is False) + "）"
                               for r in over)
                out.append((f"{len(over)}个县(区)未达到校际均衡标准：{cvs}，超过国家规定标准。",
                            adv["basic"].format(counties="、".join(r.county for r in over))))
            names = {r.county for r in over}
            others = [(c, self._failed_conditions(c)) for c in fail["county"] if c not in names]
            others = [(c, w) for c, w in others if w]
            if others:
                by: dict[tuple, list[str]] = {}
                for c, w in others:   # counties failing the same conditions named together
                    by.setdefault(tuple(w), []).append(c)
                what = "；".join(f"{'、'.join(cs)}（{'、'.join(w)}未达标）" for w, cs in by.items())
                out.append((f"{len(others)}个县(区)校际均衡达标，但未达到基本均衡的其他认定条件：{what}。",
                            adv["basic_conditions"].format(counties="、".join(c for c, _ in others))))
        far = rollup.furthest(s, int(RULES["rollup"]["furthest"]))
        if far:
            rd = self.readiness().set_index("county")
            text = "；".join(f"{c}（{rd.loc[c, 'gaps']}）" for c in far)
            out.append((f"按排名，距优质均衡差距最大的县(区)为{'、'.join(far)}：{text}。",
                        adv["furthest"].format(counties="、".join(far))))
        top = rollup.resource_shortage(self.results, self.shortfall(), int(RULES["rollup"]["top_resources"]))
        if len(top):
            what = "、".join(f"{r.resource}（{r.counties}个县(区)共{r.schools:,}校次不足，全市差额{amount(r.amount, r.unit)}）"
                            for r in top.itertuples())
            measures = "；".join(f"{r.resource}：" + RULES["ledger"]["measure"].get(
                str(INDICATORS.loc[r.indicator, "numerator"]), RULES["ledger"]["item_measure"])
                for r in top.itertuples())
            out.append((f"不足的县(区)最多的资源为{what}。", adv["resource"].format(measures=measures)))
        led = self.ledger_sums().iloc[-1]
        if led["items"]:
            out.append((f"各校达到优质均衡标准所需投入较大：各校全部达到100%标准估算需{amount(led['cost'], '元')}，"
                        f"按最低成本达标方案估算需{amount(led['plan_cost'], '元')}。", adv["budget"]))
        risk = h["at_risk"]
        if risk:
            out.append((f"{len(risk)}个县(区)出现差异系数预警，共{h['risk_items']}项（见差异系数预警表）。",
                        adv["warning"].format(counties="、".join(risk))))
        if self.missing:
            out.append((f"{self.missing_text}没有本学年的当前结果，{self.stem}未能覆盖这些县(区)。",
                        adv["missing"].format(counties=self.missing_text)))
        return out

    def _failed_conditions(self, county: str) -> list[str]:
        """The names of a county's 基本均衡 conditions that fail (its results' ``basic_conditions``),
        校际均衡 left out (said with the CVs)."""
        conds = (self.results.get(county) or {}).get("basic_conditions") or {}
        names = RULES["basic_conditions"]
        return [str(names[k]) for k in names["order"] if k != "inter_school" and conds.get(k) == Status.FAIL.value]

    def problem_texts(self) -> list:
        p = self.problems()
        if not p:
            return [Text("未发现需要全市统筹解决的问题。")]
        out = []
        for k, (problem, suggestion) in enumerate(p, start=1):
            out += [Text(f"（{k}）{problem}", bold=True), Text(f"建议：{suggestion.rstrip('。')}。")]
        return out

    # ------------------------------------------------------------------ 说明
    def provenance(self) -> list:
        return provenance_blocks(self.data, self.options, lead=(
            "各县(区)的评估结果取自本学年各县(区)报告的结果文件，与各县(区)报告的数字一致；所用数据与计算口径如下。"))

    def chart_note(self) -> str:
        """County names the roll-up chart shows with a substitute mark ("" when all can be drawn)."""
        return glyph_note(list(self.results))

    def write_outputs(self, folder: str | Path, issuer: str | None = None,
                      docx_template: str | Path | None = None) -> list[Path]:
        """The roll-up's side files: 全市汇总.xlsx and 全市汇总.docx (each written atomically); the Word
        file from ``docx_template`` (default: junheng's) with ``issuer`` (default: the city's 教育局)."""
        folder = Path(folder)
        return [write_workbook(folder / f"{self.stem}.xlsx", self.workbook()),
                self.write_docx(folder / f"{self.stem}.docx", issuer=issuer, template=docx_template)]

    def write_docx(self, path: str | Path, *, issuer: str | None = None, template: str | Path | None = None,
                   today=None) -> Path:
        """The roll-up as Word (.docx), laid out by the county report's writer and template: cover,
        the sections of the roll-up's outline with numbered tables and charts, the 落款 before the 说明."""
        return write_report_docx(self, self.sections(), path, title=self.title, issuer=issuer or self.default_issuer,
                                 today=today, template=template or None, annexes=("provenance",))

    def workbook(self) -> list[Sheet]:
        """全市汇总.xlsx: the 说明 sheet (title, 总体情况, notices), one sheet per table of the roll-up
        (:data:`XLSX_SHEETS`), then the data and calculation choices."""
        prov = self.provenance()
        intro = [Text(self.title, heading=1), Text(self.narrative()), *(Text(n) for n in self.notices()),
                 *(b for b in prov if isinstance(b, Text))]
        sheets = [Sheet("说明", intro)]
        for name, block in XLSX_SHEETS.items():
            t = getattr(self, block)()
            if isinstance(t, Table):
                sheets.append(Sheet(name, [t]))
        if len(self.missing) > int(RULES["rollup"]["units"]["listed"]):
            sheets.append(Sheet(MISSING_SHEET, [Table(f"没有本学年当前结果的县(区)（{len(self.missing)}个）",
                                                      pd.DataFrame({"县(区)": self.missing}), [Column("县(区)", "县(区)")])]))
        return sheets + [Sheet(PROVENANCE_SHEET, prov, landscape=False)]

    # ------------------------------------------------------------------ a province's cities, the nation's provinces
    def groups(self) -> pd.DataFrame:
        """A province's roll-up: its cities; the nation's: its provinces — each with its counties
        counted and ranked (:func:`junheng_lib.analysis.city.group_summary`); empty otherwise."""
        level = {"province": "city", "nation": "province"}.get(self.unit.level)
        if level is None:
            return pd.DataFrame(columns=rollup.GROUP_COLUMNS)
        cu = county_units(self.data.schools, self.year).set_index("county")[level]
        if level == "city" and cu.isna().any():
            return pd.DataFrame(columns=rollup.GROUP_COLUMNS)
        return rollup.group_summary(self._ranking(), {c: str(cu[c]) for c in self.counties if c in cu.index})

    def groups_table(self) -> Table | None:
        g = self.groups()
        if g.empty:
            return None
        what = "市" if self.unit.level == "province" else "省"
        df = g.assign(rank=g["rank"].astype(object).where(g["rank"].notna(), "—"))
        cols = [Column("rank", "排名"), Column("group", what), Column("counties", "县(区)数"),
                Column("judged", "已评估"), Column("basic_passed", "达到基本均衡"), Column("basic_failed", "未达到基本均衡"),
                Column("quality_passed", "达到优质均衡资源配置要求"),
                *[cv_column(f"composite_{st}", f"{st}综合差异系数(平均)") for st in STAGES],
                Column("best", "排名第一的县(区)"), Column("not_generated", "未生成")]
        return Table(f"各{what}汇总（按达到基本均衡的县(区)比例、综合差异系数平均值排名）", df, cols)


    def projected_risk(self) -> pd.DataFrame:
        """预计出现风险的县(区): each county's projected warnings (its results' ``outlook``), by year.

        One row per warning — 学年, 县(区), 学段, 指标 (the indicator that slips, or 学位 / 大班额 /
        学校规模 / 优质均衡学校达标) and 预警 (the sentence "预计YYYY年…", rendered from the warning's
        data) — earliest year first, then the counties in data order. Counties without a current
        result or without a projection (no classes table …) have no row
        (:func:`junheng_lib.analysis.city.projected_warnings`, in words).
        """
        w = rollup.projected_warnings(self.results, self.counties or list(self.results))
        cols = ["学年", "县(区)", "学段", "指标", "预警"]
        if w.empty:
            return pd.DataFrame(columns=cols)
        items = RULES["outlook"]["item"]
        item = [(RULES["basic"]["composite_name"] if i == "composite" else label(i)) if k == "cv_over" else items[k]
                for k, i in zip(w["kind"], w["indicator"])]
        return pd.DataFrame({"学年": [f"{int(y)}学年" for y in w["year"]], "县(区)": w["county"], "学段": w["stage"],
                             "指标": item, "预警": warning_texts(w)}, columns=cols)

    def projected_risk_table(self) -> Table | Text:
        """七、预计出现风险的县(区): :meth:`projected_risk` as a table (or the sentence that there is none)."""
        risk = self.projected_risk()
        if risk.empty:
            return Text(RULES["outlook"]["text"]["city_none"])
        return Table("预计出现风险的县(区)（在校生预测，资源保持本学年水平）", risk,
                     [Column(c, c) for c in risk.columns], merge="学年")


def _worded(df: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """``df`` (a copy) with the status codes of ``columns`` in words (:data:`STATUS_WORDS`)."""
    return df.assign(**{c: df[c].map(lambda v: STATUS_WORDS.get(v, v)) for c in columns})


def _gaps(r) -> str:
    """A county's 主要差距 in words, from its row of the roll-up's summary (status codes)."""
    if r.status:
        return ("县级报告未生成或生成失败，本学年没有当前结果" if r.status == rollup.NOT_GENERATED
                else "全部学校均不在评估范围内，未作评估")
    g = []
    if not r.basic_passed:
        g.append("基本均衡未达标")
    if r.cvs_over:
        g.append(f"{r.cvs_over}项优质均衡差异系数超标")
    bad = [f"{st}{getattr(r, f'schools_{st}') - getattr(r, f'schools_passed_{st}')}所"
           for st in STAGES if getattr(r, f"schools_{st}") - getattr(r, f"schools_passed_{st}")]
    if bad:
        g.append(f"{'、'.join(bad)}学校未达到优质均衡学校标准")
    if r.items_failed:
        g.append(f"{r.items_failed}项县级指标未达标")
    if r.items_missing:
        g.append(f"{r.items_missing}项县级指标缺少数据")
    return "；".join(g) or "无"


def _indicator_name(code: str) -> str:
    return RULES["basic"]["composite_name"] if code == "composite" else label(code)


def _read_result(path: Path) -> dict | None:
    """A county's results side file, or None when it is missing or unreadable (then: 未生成)."""
    try:
        r = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return r if isinstance(r, dict) and isinstance(r.get("stages"), dict) else None
