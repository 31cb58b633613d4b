"""The county report: one :class:`~junheng_lib.evaluation.Evaluation`, rendered section by section.

:class:`CountyReport` turns the evaluation into the blocks a report shows — paragraphs
(:mod:`junheng_lib.report.narrative`), tables (:class:`junheng_lib.render.table.Table`, formats from the rule
table) and charts (:mod:`junheng_lib.report.plots`). It formats; it never computes an indicator or decides
a verdict. The order of sections and blocks is declared once, in :mod:`junheng_lib.report.outline`, and
both the notebook (:meth:`CountyReport.show`) and the Word writer follow it.

This module holds the report itself — construction, the outline, the title, notices and 总体结论,
一、基本情况, the 说明 and the side files (results, Word, Excel); the blocks of the other sections
come from two mixins: :class:`~junheng_lib.report.county_resources.ResourceBlocks` (基本均衡 to 城乡差距)
and :class:`~junheng_lib.report.county_monitoring.MonitoringBlocks` (县级指标 to 整改台账), with the
helpers they share in :mod:`junheng_lib.report.county_shared`.

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

from junheng_lib.data.dataset import Dataset, load_county, read_slice_parts
from junheng_lib.data.standards import read_standard
from junheng_lib.evaluation import Evaluation, evaluate_report
from junheng_lib.render.blocks import Text, date_text
from junheng_lib.render.docx import write_report_docx
from junheng_lib.render.table import Column, Table
from junheng_lib.render.xlsx import PROVENANCE_SHEET, Sheet, write_workbook
from junheng_lib.report.balance_text import conditions_sentence
from junheng_lib.report.base import Report
from junheng_lib.report.county_balance import BalanceBlocks
from junheng_lib.report.county_monitoring import MonitoringBlocks
from junheng_lib.report.county_records import RecordsBlocks
from junheng_lib.report.county_resources import ResourceBlocks
from junheng_lib.report.county_shared import _STAGE, _reasons
from junheng_lib.report.narrative import (
    SCHOOLS_OF,
    TEACHING_POINT_TEXT,
    conclusion,
    option_choices,
    options_text,
    overview_text,
    problems,
)
from junheng_lib.report.outline import SECTIONS
from junheng_lib.report.plots import glyph_note
from junheng_lib.rules.indicators import RULES
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


@dataclass
class CountyReport(ResourceBlocks, MonitoringBlocks, BalanceBlocks, RecordsBlocks, Report):
    """A county report: the evaluation and where its data came from (the blocks of 二 to 六 from
    :class:`ResourceBlocks`, of 七 to the annexes from :class:`MonitoringBlocks`).

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
              options: Options | dict | None = None, data_slice: str | Path | None = None,
              standards: str | Path | None = None) -> "CountyReport":
        """Load the data folder (or the runner's validated slice of it), check the county and year
        exist, evaluate once. ``year`` None or 0 means the latest year of the data; ``standards`` the
        province's 办学基本标准 file (:func:`junheng_lib.data.standards.read_standard`), if any.

        A slice the runner wrote may carry the county's evaluation, computed with every county of
        the run at once (:func:`junheng_lib.evaluation.evaluate_counties`, equal to
        :func:`~junheng_lib.evaluation.evaluate_report`'s): it is used when it is this county's, year's,
        options' and standard's; otherwise the report evaluates its slice itself."""
        standard = read_standard(standards) if standards else None
        if not data_slice:
            return cls.from_dataset(load_county(data_dir, county, year, None), county, year, options, standard)
        ds, handed = read_slice_parts(data_slice)
        opts = options if isinstance(options, Options) else Options.from_dict(options)
        ev = handed.get("evaluation")
        want = int(year) if year else (max(ds.years) if len(ds.schools) else None)
        if (isinstance(ev, Evaluation) and ev.county == county and ev.year == want and ev.options == opts
                and ev.standard == standard):
            return cls(ev, ds.only_county(county))
        return cls.from_dataset(ds, county, year, opts, standard)

    @classmethod
    def from_dataset(cls, ds: Dataset, county: str, year: int | None = None,
                     options: Options | dict | None = None, standard=None) -> "CountyReport":
        """As :meth:`build`, from already loaded data.

        Raises
        ------
        DataError
            When the year or the county is not in the data, or the county has no schools in that
            year (the message names the years it has).
        """
        opts = options if isinstance(options, Options) else Options.from_dict(options)
        return cls(evaluate_report(ds, county, year, opts, standard), ds.only_county(county))

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
            float(plan["cost"].sum()) if len(plan) else None, grade=self.ev.readiness(),
            conditions=conditions_sentence(self.ev.basic_conditions, self.ev.basic_verdict))]

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
        out += [n.text for n in self.ev.notices]   # the evaluation's notices (records) in words
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
        out_types = "、".join(t for t, v in RULES["school_types"].items() if not v["in_scope"])
        tp = TEACHING_POINT_TEXT[self.options.teaching_points]
        scope = (f"{'、'.join(RULES['scope']['ownership'])}、{'、'.join(RULES['scope']['affiliation'])}的义务教育学校"
                 f"（不含{out_types}；教学点{tp}）")
        head = f"{self.county}{self.year}学年没有纳入评估范围的学校"
        notes = set(cur.loc[cur["scope_note"] != "", "scope_note"])
        whole = all(x.endswith("不参与计算") for x in notes)   # each school out of both standards
        body = (f"：全县{n}所学校中，{why}" + ("，均不参与计算" if whole else "") if why
                else f"：全县{n}所学校均无义务教育在校生") if n else "：数据中没有该县(区)本学年的学校"
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
                        ("各校指标值", self.appendix_table()), ("整改台账", self.ledger_table(keys=True)),
                        ("上年整改台账落实", self.ledger_years_table()),
                        ("项目与投入", self.projects_table()), ("资助与控辍保学", self.groups_table()),
                        ("在校生预测", self.outlook_table()), ("各校在校生预测", self.outlook_school_table()),
                        ("数据筛查", self.findings_table()),
                        # working-records.md §1–§4 (issue 17)
                        ("基本均衡条件", self.conditions_table()), ("办学基本标准", self.basic_standard_table()),
                        ("教职工编制", self.staff_posts_table()), ("经费逐年", self.finance_table())):
            if isinstance(t, (Table, Text)):   # a Text says why there is no table (e.g. nothing to rectify)
                sheets.append(Sheet(name, [t]))
        return sheets + [prov]

    def write_results(self, folder: str | Path) -> Path:
        """Write :meth:`results` as ``<county>.results.json`` (UTF-8, Chinese readable)."""
        path = Path(folder) / f"{safe_name(self.county)}.results.json"
        return atomic_write_text(path, json.dumps(self.results(), ensure_ascii=False, indent=2,
                                                  default=_json_default))


def _json_default(o):
    if isinstance(o, (np.integer,)):
        return int(o)
    if isinstance(o, (np.floating,)):
        return float(o)
    if isinstance(o, (np.bool_,)):
        return bool(o)
    raise TypeError(type(o))
