"""One evaluation per county-year: every table, verdict and warning, computed once.

:func:`evaluate_county` expands the schools into the values table once
(:func:`junheng_lib.analysis.coefficients.values_table`) and runs every analysis on it. The result, an
:class:`Evaluation`, is what the notebook, the Word and Excel writers, ``results.json`` and the city
roll-up read; none of them computes an indicator or decides a verdict.

Examples
--------
>>> from junheng_lib.data.dataset import load
>>> from junheng_lib.evaluation import evaluate_county
>>> ev = evaluate_county(load(), "白石县", 2024)          # doctest: +SKIP
>>> ev.basic_passed, sorted(ev.tables())[:3]               # doctest: +SKIP
(False, ['basic', 'class_bands', 'class_shortfall'])
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import wraps
from types import SimpleNamespace

import numpy as np
import pandas as pd

from junheng_lib.analysis.coefficients import (
    coefficients,
    compliance,
    staffing,
    values_table,
)
from junheng_lib.analysis.conditions import basic_conditions, verdict
from junheng_lib.analysis.contributions import contributions
from junheng_lib.analysis.finance import county_rates, finance_years
from junheng_lib.analysis.gap import urban_rural_gap
from junheng_lib.analysis.groups import groups_summary
from junheng_lib.analysis.items import county_items, three_growths
from junheng_lib.analysis.ledger import ledger
from junheng_lib.analysis.ledger_years import carry_typed, current_values, ledger_status
from junheng_lib.analysis.outlook import OUTLOOK_TABLES, outlook
from junheng_lib.analysis.overview import overview, school_mix
from junheng_lib.analysis.plans import compliance_plan, shortfall
from junheng_lib.analysis.projects import projects_by_kind, projects_summary
from junheng_lib.analysis.readiness import grade_of, metrics_of
from junheng_lib.analysis.records_city import records_results
from junheng_lib.analysis.screening import counts, screen_tables, skipped_rules
from junheng_lib.analysis.size import (
    class_bands,
    class_reconciliation,
    class_shortfall,
    school_size,
    special_rooms,
)
from junheng_lib.analysis.staffing import staff_posts, staff_posts_county
from junheng_lib.analysis.standards import basic_standard, basic_standard_schools
from junheng_lib.analysis.trends import cv_trend, warnings_table
from junheng_lib.data.dataset import Dataset, check_request, county_row_gap
from junheng_lib.data.schema import LOCATIONS
from junheng_lib.data.standards import BasicStandard
from junheng_lib.rules.codes import Status
from junheng_lib.rules.indicators import (
    BASIC,
    QUALITY,
    RULES,
    STAGE_ORDER,
    STAGES,
    codes,
)
from junheng_lib.rules.options import Options
from junheng_lib.util.frames import select

__all__ = ["Evaluation", "evaluate_county", "evaluate_counties", "evaluate_report", "TABLES",
           # computed here, defined in the analysis layer (imported from here by older code)
           "contributions", "overview", "school_mix"]


def _once(method):
    """A derived view of the evaluation, computed on first use and kept (as
    :func:`functools.cached_property` keeps one: the frozen fields never change, so neither does
    the view); every caller gets the same object, for reading only."""
    @wraps(method)
    def wrapper(self):
        memo = self.__dict__.setdefault("_memo", {})   # the instance's own cache, not a field
        if method.__name__ not in memo:
            memo[method.__name__] = method(self)
        return memo[method.__name__]
    return wrapper


#: name → 中文 title of every table of an evaluation (also the xlsx sheet and CSV names of ``evaluate``)
TABLES = {
    "basic": "基本均衡差异系数", "quality": "优质均衡差异系数", "compliance": "学校达标情况",
    "shortfall": "学校指标差额", "shortfall_totals": "全县指标差额", "compliance_plan": "学校达标补足方案",
    "class_bands": "班额分布", "class_shortfall": "班额与学位缺额", "class_reconciliation": "班级表与学校表核对",
    "school_size": "学校规模",
    "special_rooms": "音乐美术专用教室", "county_items": "政府保障教育质量社会认可", "three_growths": "经费三个增长",
    "gap": "城乡差距", "trend": "差异系数趋势", "warnings": "预警", "ledger": "整改台账",
    "findings": "数据筛查", "findings_summary": "数据筛查汇总", **OUTLOOK_TABLES,
    # the bureau's working records (working-records.md §5–§7)
    "projects_summary": "项目建设与资金投入", "projects_by_kind": "项目分类汇总", "groups_summary": "特殊群体与控辍保学",
    "ledger_status": "上年整改台账落实情况",
    # working-records.md §1–§4 (issue 17)
    "basic_conditions": "基本均衡四项条件", "basic_standard": "办学基本标准逐项", "basic_standard_schools": "办学基本标准学校",
    "staff_posts": "教职工编制", "staff_posts_county": "全县教职工编制", "finance_years": "经费逐年",
    "county_rates": "控辍保学与入学",
}


@dataclass(frozen=True)
class Evaluation:
    """Everything the evaluation of a county-year computes (tidy tables at full precision).

    Built complete by :func:`evaluate_county` and never changed afterwards (a frozen dataclass:
    assigning a field raises); every reader — notebook, Word, Excel, ``results.json``, the roll-up —
    reads the same tables, and must not modify them.

    Attributes
    ----------
    county : str or None
        None when every county of the year was evaluated together.
    year : int
    options : Options
    values : DataFrame
        The values table (school × stage, every year of the data given, for the trends).
    coefficients : DataFrame
        This year's coefficients (basic with the composite, then quality).
    compliance, shortfall, shortfall_totals, compliance_plan, class_bands, class_shortfall,
    class_reconciliation, school_size, special_rooms, county_items, three_growths, gap, trend, warnings : DataFrame
        As :data:`TABLES` names them.
    staffing : DataFrame
        :func:`junheng_lib.analysis.coefficients.staffing` for the whole county (``location`` 全县) and per 城乡.
    contributions : DataFrame
        :func:`contributions`: the schools behind the largest CVs.
    overview : DataFrame
        :func:`overview`: schools, students, classes and teachers per stage, with last year's.
    school_mix : DataFrame
        :func:`school_mix`: schools by type (rows) and 城乡 (columns), with totals.
    ledger : DataFrame
        :func:`junheng_lib.analysis.ledger.ledger`: the 整改台账, one row per failing item.
    findings, findings_summary : DataFrame
        The data screening of the county-year (:func:`junheng_lib.analysis.screening.screen_tables`, columns
        :data:`~junheng_lib.analysis.screening.FINDING_COLUMNS`; year-over-year rules against the year before
        when the data hold it) and its counts by severity and rule.
    screening_skipped : DataFrame
        The year-over-year screening rules that could not run for the county-year, and why
        (:func:`junheng_lib.analysis.screening.skipped_rules`: no previous year in a table).
    projection, projection_schools, projection_coefficients, projection_warnings, projection_check, projection_ratios : DataFrame
        The 预警与展望 (:func:`junheng_lib.analysis.outlook.outlook`): students by stage against capacity
        over the horizon, per school, the CVs of the projected years, the warnings as data and
        the hindcast; empty with ``outlook_note`` saying why when the classes table cannot carry
        a projection.
    outlook_note : str
    notices : list of str
        What the inputs leave out for this county-year (counties-table rows), said by the reports.
    """

    county: str | None
    year: int
    options: Options
    values: pd.DataFrame = field(repr=False)
    coefficients: pd.DataFrame = field(repr=False)
    compliance: pd.DataFrame = field(repr=False)
    shortfall: pd.DataFrame = field(repr=False)
    shortfall_totals: pd.DataFrame = field(repr=False)
    compliance_plan: pd.DataFrame = field(repr=False)
    class_bands: pd.DataFrame = field(repr=False)
    class_shortfall: pd.DataFrame = field(repr=False)
    class_reconciliation: pd.DataFrame = field(repr=False)
    school_size: pd.DataFrame = field(repr=False)
    special_rooms: pd.DataFrame = field(repr=False)
    county_items: pd.DataFrame = field(repr=False)
    three_growths: pd.DataFrame = field(repr=False)
    gap: pd.DataFrame = field(repr=False)
    trend: pd.DataFrame = field(repr=False)
    warnings: pd.DataFrame = field(repr=False)
    staffing: pd.DataFrame = field(repr=False)
    contributions: pd.DataFrame = field(repr=False)
    overview: pd.DataFrame = field(repr=False)
    school_mix: pd.DataFrame = field(repr=False)
    ledger: pd.DataFrame = field(default=None, repr=False)
    notices: tuple = ()
    findings: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    findings_summary: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    screening_skipped: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    projection: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    projection_schools: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    projection_coefficients: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    projection_warnings: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    projection_check: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    projection_ratios: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    outlook_note: str = ""
    #: working records (:mod:`junheng_lib.analysis.projects`, ``groups``, ``ledger_years``); ``records``
    #: says which inputs were given (``projects``, ``groups``, ``prior_ledger``: True/False)
    projects_summary: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    projects_by_kind: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    groups_summary: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    ledger_status: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    records: dict = field(default_factory=dict, repr=False)
    #: working-records.md §1–§4: the 办学基本标准 file (None: not given) and its checklist, staff posts,
    #: money over years and the counties table's rates (analysis.standards, staffing, finance)
    standard: BasicStandard | None = None
    basic_standard: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    basic_standard_schools: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    staff_posts: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    staff_posts_county: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    finance_years: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    county_rates: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)

    # ------------------------------------------------------------------ tables by name
    @property
    def basic(self) -> pd.DataFrame:
        c = self.coefficients
        return c[c["standard"] == BASIC].reset_index(drop=True)

    @property
    def quality(self) -> pd.DataFrame:
        c = self.coefficients
        return c[c["standard"] == QUALITY].reset_index(drop=True)

    def tables(self) -> dict[str, pd.DataFrame]:
        """Every table of :data:`TABLES`, by name (what ``junheng evaluate`` writes)."""
        return {name: getattr(self, name) for name in TABLES}

    # ------------------------------------------------------------------ scope
    @property
    @_once
    def current(self) -> pd.DataFrame:
        """This year's rows of the values table (each school's own rows; no merged view)."""
        v = self.values
        v = v[(v["year"] == self.year) & ~v["merged"]]
        return v if self.county is None else v[v["county"] == self.county]

    @_once
    def stage_scope(self) -> pd.DataFrame:
        """Per compulsory stage: schools teaching it this year and how many take part in the
        calculations (in 基本均衡's scope, with students). Index 小学/初中; ``schools``, ``in_scope``."""
        st = self.current.assign(stage=lambda d: d["stage"].astype(str))
        live = self.values[(self.values["year"] == self.year) & self.values["in_basic"] & (self.values["students"] > 0)]
        if self.county is not None:
            live = live[live["county"] == self.county]
        out = pd.DataFrame({"schools": st.groupby("stage").size(),
                            "in_scope": live.assign(stage=live["stage"].astype(str)).groupby("stage").size()})
        out = out.reindex(list(STAGES)).fillna(0).astype(int)
        out.index.name = "stage"
        return out

    @property
    def in_scope(self) -> bool:
        """True when at least one school of the county-year takes part in the calculations."""
        return bool((self.stage_scope()["in_scope"] > 0).any())

    def scope_notes(self) -> pd.DataFrame:
        """This year's school × stage rows left out of one or both standards, with the reason."""
        v = self.current
        return v.loc[v["scope_note"] != "", ["school_id", "school_name", "school_type", "ownership", "affiliation",
                                              "stage", "students", "scope_note"]].reset_index(drop=True)

    # ------------------------------------------------------------------ verdicts
    @_once
    def stage_verdicts(self) -> pd.DataFrame:
        """Per stage evaluated: the 基本均衡 composite and verdict, the 优质均衡 CVs over their limit
        or undefined, and the schools meeting the standards.

        Returns
        -------
        DataFrame
            Index ``stage``; ``composite``, ``composite_limit``, ``basic_passed`` (True/False/None),
            ``quality_limit``, ``quality_over`` and ``quality_undefined`` (lists of codes),
            ``quality_cvs_passed``, ``schools``, ``schools_passed``, ``quality_resources_passed``.
        """
        rows = []
        for st in STAGES:
            c = self.coefficients[self.coefficients["stage"] == st].set_index("indicator")
            if "composite" not in c.index:  # no school of the stage in 基本均衡's scope (e.g. only 教学点)
                continue
            comp = c.loc["composite"]
            q = c.loc[codes(QUALITY)]
            over = [i for i in q.index if q.loc[i, "passed"] is False]
            undefined = [i for i in q.index if q.loc[i, "passed"] is None]
            cm = self.compliance[self.compliance["stage"] == st]
            n, n_ok = len(cm), int(cm["passed"].sum())
            rows.append({"stage": st, "composite": comp["cv"], "composite_limit": comp["limit"],
                         "basic_passed": comp["passed"], "quality_limit": float(q["limit"].iloc[0]),
                         "quality_over": over, "quality_undefined": undefined,
                         "quality_cvs_passed": not over and not undefined, "schools": n, "schools_passed": n_ok,
                         "quality_resources_passed": bool(not over and not undefined and n and n_ok == n)})
        cols = ["stage", "composite", "composite_limit", "basic_passed", "quality_limit", "quality_over",
                "quality_undefined", "quality_cvs_passed", "schools", "schools_passed", "quality_resources_passed"]
        return pd.DataFrame(rows, columns=cols).set_index("stage")

    @property
    def basic_passed(self) -> bool | None:
        """基本均衡's inter-school balance: every evaluated stage's composite within its limit
        (None when nothing is evaluated or a composite is undefined)."""
        v = self.stage_verdicts()["basic_passed"].tolist()
        if not v or any(x is None for x in v):
            return None
        return all(bool(x) for x in v)

    @property
    @_once
    def basic_conditions(self) -> pd.DataFrame:
        """基本均衡's four conditions (:func:`junheng_lib.analysis.conditions.basic_conditions`):
        办学基本标准, 校际均衡 (:attr:`basic_passed`), the government's score, satisfaction; with
        ``year`` and ``county`` in front (every county of the year, one block each, when ``county``
        is None)."""
        if self.county is not None:
            sv = self.stage_verdicts()
            t = basic_conditions(self.basic_standard_schools, self.standard is not None, self.basic_passed,
                                 self.county_items, dict(zip(sv.index, sv["composite"])))
            return t.assign(year=self.year, county=self.county)[["year", "county", *t.columns]]
        parts = []
        comp = self.coefficients[self.coefficients["indicator"] == "composite"]
        for c in dict.fromkeys(self.current["county"]):
            cc = comp[comp["county"] == c]
            v = cc["passed"].tolist()
            inter = None if not v or any(x is None for x in v) else all(bool(x) for x in v)
            sch = self.basic_standard_schools
            t = basic_conditions(sch[sch["county"] == c] if len(sch) else sch, self.standard is not None, inter,
                                 self.county_items[self.county_items["county"] == c], dict(zip(cc["stage"], cc["cv"])))
            parts.append(t.assign(year=self.year, county=c)[["year", "county", *t.columns]])
        return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()

    @property
    def basic_verdict(self) -> str:
        """The county's 基本均衡 verdict, a Status code: pass only when all four conditions pass."""
        return verdict(self.basic_conditions)

    @property
    def quality_passed(self) -> bool | None:
        """优质均衡's resource part: every CV within its limit and every school meeting the rule."""
        v = self.stage_verdicts()["quality_resources_passed"].tolist()
        return all(v) if v else None

    @_once
    def quality_parts(self) -> pd.DataFrame:
        """The four parts of 优质均衡 and their state: 资源配置 (the resource verdict of every
        evaluated stage) and the county-item groups 政府保障程度, 教育质量, 社会认可度.

        State (``status``, a :class:`~junheng_lib.rules.codes.Status` code, in words by
        ``[narrative] part_status``): met when every item is met; not
        met when any item is not met; 待核实 when none fails but some item lacks the county's data
        (never counted as met).

        Returns
        -------
        DataFrame
            Index ``part`` (rule table order); ``status``, ``items``, ``passed``, ``failed``,
            ``missing`` (counts: stages evaluated for 资源配置, items for the others).
        """
        rows = []
        sv = self.stage_verdicts()
        ok = int(sv["quality_resources_passed"].sum()) if len(sv) else 0
        rows.append({"part": RULES["narrative"]["resource_part"], "items": len(sv), "passed": ok,
                     "failed": len(sv) - ok, "missing": 0 if len(sv) else 1})
        items = self.county_items
        for grp in dict.fromkeys(i["group"] for i in RULES["county_item"] if i["group"] != RULES["basic"]["items_group"]):
            g = items[items["group"] == grp]
            rows.append({"part": grp, "items": len(g), "passed": int((g["status"] == Status.PASS).sum()),
                         "failed": int((g["status"] == Status.FAIL).sum()),
                         "missing": int((g["status"] == Status.MISSING).sum()) if len(g) else 1})
        out = pd.DataFrame(rows).set_index("part")
        out.insert(0, "status", np.select([out["failed"] > 0, out["missing"] > 0],
                                          [Status.FAIL.value, Status.MISSING.value], default=Status.PASS.value))
        return out

    @_once
    def quality_scope(self) -> pd.DataFrame:
        """Per stage evaluated by either standard: the schools counted by 基本均衡 (``basic``) and by
        优质均衡 (``quality``), the teaching points in 优质均衡 (``tp_quality``) and those left out of it
        for having fewer pupils than the options' cut-off (``tp_small``). Index ``stage``."""
        sc = self.stage_scope()
        cur = self.current.assign(stage=lambda d: d["stage"].astype(str))
        tp = cur[(cur["school_type"] == "教学点") & (cur["students"] > 0)]
        n_q = self.compliance.groupby("stage").size()
        rows = {st: {"basic": int(sc.loc[st, "in_scope"]), "quality": int(n_q.get(st, 0)),
                     "tp_quality": int((tp["in_quality"] & (tp["stage"] == st)).sum()),
                     "tp_small": int((~tp["in_quality"] & (tp["stage"] == st)
                                      & (tp["students"] < self.options.teaching_point_cutoff)).sum())}
                for st in sc.index if sc.loc[st, "in_scope"] or n_q.get(st, 0)}
        out = pd.DataFrame.from_dict(rows, orient="index", columns=["basic", "quality", "tp_quality", "tp_small"])
        out.index.name = "stage"
        return out

    @property
    def outlook_horizon(self) -> int:
        """Projected years of the 预警与展望 (0 without a projection)."""
        cap = self.projection
        return int((~cap["observed"]).groupby(cap["stage"]).sum().max()) if len(cap) else 0

    @_once
    def outlook_stages(self) -> pd.DataFrame:
        """Per stage of the projection, what the 预警与展望 says of it: the base year's students and
        capacity (``base``, ``capacity``, ``base_surplus``), the last projected year's students
        (``last_year``, ``last``) and the change from the base (``change``, a fraction; NaN without
        base students), the first projected year short of places (``short_year``, ``short``: places
        missing; NA when none) and the schools over their own places then and at the end
        (``base_schools_over``, ``last_schools_over``). Index ``stage`` (published order)."""
        cap = self.projection
        cols = ["base", "capacity", "base_surplus", "last_year", "last", "change", "short_year", "short",
                "base_schools_over", "last_schools_over"]
        rows = {}
        for st in STAGES:
            c = cap[cap["stage"] == st].sort_values("year")
            if c.empty:
                continue
            b, last = c[c["observed"]].iloc[0], c.iloc[-1]
            short = c[~c["observed"] & (c["surplus"] < 0)]
            rows[st] = {"base": float(b["students"]), "capacity": float(b["capacity"]),
                        "base_surplus": float(b["surplus"]), "last_year": int(last["year"]),
                        "last": float(last["students"]),
                        "change": (last["students"] - b["students"]) / b["students"] if b["students"] > 0 else np.nan,
                        "short_year": int(short["year"].iloc[0]) if len(short) else pd.NA,
                        "short": float(-short["surplus"].iloc[0]) if len(short) else np.nan,
                        "base_schools_over": int(b["schools_over_capacity"]),
                        "last_schools_over": int(last["schools_over_capacity"])}
        out = pd.DataFrame.from_dict(rows, orient="index", columns=cols)
        out.index.name = "stage"
        return out

    # ------------------------------------------------------------------ the side file
    def results(self, *, input_sha256: str = "", version: str = "") -> dict:
        """Key results as plain JSON-ready data (read by tests and the city roll-up).

        Warnings travel as data (stage, indicator, cv, kind); every verdict comes from the
        evaluation, none is re-decided by a reader. Built once per evaluation (a copy is returned).
        """
        import copy
        r = copy.deepcopy(self._build_results())
        r["junheng_version"], r["input_sha256"] = version, input_sha256
        return r

    def readiness(self) -> str:
        """The county's readiness grade for 优质均衡 (:mod:`junheng_lib.analysis.readiness`), from its results —
        the grade the city roll-up gives it."""
        return grade_of(metrics_of(self.results()))

    @_once
    def _build_results(self) -> dict:
        coef = self.coefficients.astype(object).where(self.coefficients.notna(), None)
        sv = self.stage_verdicts()
        stages = {}
        for st in sv.index:
            c = coef[coef["stage"] == st]
            comp = c[c["indicator"] == "composite"].iloc[0]
            q = c[c["standard"] == QUALITY]
            cm = self.compliance[self.compliance["stage"] == st]
            stages[st] = {
                "basic": {r.indicator: {"mean": r.mean, "cv": r.cv} for r in c[c["standard"] == BASIC].itertuples()
                          if r.indicator != "composite"},
                "composite": {"cv": comp["cv"], "limit": comp["limit"], "passed": comp["passed"]},
                "quality": {r.indicator: {"mean": r.mean, "cv": r.cv, "limit": r.limit, "passed": r.passed}
                            for r in q.itertuples()},
                "quality_cvs_passed": bool(sv.loc[st, "quality_cvs_passed"]),
                "schools": int(sv.loc[st, "schools"]), "schools_passed": int(sv.loc[st, "schools_passed"]),
                "failing_schools": cm.loc[~cm["passed"], "school_name"].tolist(),
                "n_schools_in_cv": int(c["n_schools"].iloc[0]), "students": float(c["students"].iloc[0]),
                "shortfall": {r.indicator: {"resource": r.resource, "unit": r.unit, "amount": float(r.shortfall),
                                            "schools": int(r.schools_short)}
                              for r in self.shortfall_totals.itertuples() if r.stage == st},
            }
        sc = self.stage_scope()
        missing = {st: ("无学校" if sc.loc[st, "schools"] == 0 else "无参与计算的学校")
                   for st in sc.index if sc.loc[st, "in_scope"] == 0}
        items = self.county_items
        w = self.warnings.astype(object).where(self.warnings.notna(), None)
        return {"county": self.county, "year": self.year, "junheng_version": "",
                "options": self.options.to_dict(),
                "input_sha256": "", "in_scope": self.in_scope, "stages": stages,
                "stages_missing": missing,
                "basic_passed": self.basic_passed, "quality_passed": self.quality_passed,
                "inter_school_passed": self.basic_passed, "basic_verdict": self.basic_verdict,
                "basic_conditions": {r.condition: r.status for r in self.basic_conditions.itertuples()},
                "basic_standard": self._standard_results(), "staff_posts": self._staff_results(),
                "finance": self._finance_results(),
                "items": items["status"].value_counts().to_dict(),
                "items_failed": [f"{r.group}{r.no}" for r in items.itertuples() if r.status == Status.FAIL],
                "ledger": {"items": int(len(self.ledger)),
                           "school_items": int((self.ledger["level"] == "学校").sum()),
                           "county_items": int((self.ledger["level"] == "全县").sum()),
                           "cost": float(self.ledger.loc[self.ledger["level"] == "学校", "cost"].sum()),
                           "plan_cost": float(self.compliance_plan["cost"].sum()) if len(self.compliance_plan) else 0.0},
                "warnings": [{"stage": r.stage, "standard": r.standard, "indicator": r.indicator,
                              "resource": r.resource, "cv": r.cv,
                              "limit": r.limit, "change": r.change, "kind": r.kind} for r in w.itertuples()],
                "data_quality": self._data_quality_results(), "outlook": self._outlook_results(),
                "records": records_results(self.projects_summary, self.groups_summary, self.ledger_status,
                                           self.records)}

    def _standard_results(self) -> dict:
        """Condition 1 in results.json: the file used, school × stages checked and those below it."""
        sch = self.basic_standard_schools
        bad = sch[~sch["passed"].astype(bool)] if len(sch) else sch
        return {"name": self.standard.name if self.standard else None,
                "source": self.standard.source if self.standard else None,
                "checked": int(len(sch)), "passed": int(len(sch) - len(bad)),
                "failing": [{"school_id": str(r.school_id), "school_name": r.school_name, "stage": r.stage,
                             "unmet": r.unmet} for r in bad.itertuples()]}

    def _staff_results(self) -> dict:
        """Staff posts in results.json: per stage the basis, students per staff member, posts needed, short."""
        t = self.staff_posts_county
        return {r.stage: {"basis": r.basis, "students": float(r.students), "staff": float(r.staff),
                          "students_per_staff": None if pd.isna(r.students_per_staff) else float(r.students_per_staff),
                          "standard": float(r.staffing_standard), "posts_needed": float(r.posts_needed),
                          "staff_short": float(r.staff_short)} for r in t.itertuples()}

    def _finance_results(self) -> dict:
        """Money over years in results.json: this year's 三个增长, 连续三年, 两个只增不减 and the gap."""
        f = self.finance_years
        f = f[f["year"] == self.year] if len(f) else f
        if f.empty:
            return {}
        r = f.iloc[0]
        return {"growths": r["growths"], "consecutive": r["consecutive"], "two_kept": r["two_kept"],
                "gap_10k_yuan": None if pd.isna(r["gap_10k_yuan"]) else float(r["gap_10k_yuan"])}

    def _data_quality_results(self) -> dict:
        """The screening of the county-year in results.json: counts by severity and rule, schools to verify."""
        f = self.findings
        named = f.loc[f["school_id"].astype(str) != "", "school_id"] if len(f) else pd.Series(dtype=object)
        return {"findings": int(len(f)), "by_severity": {str(k): int(v) for k, v in f["severity"].value_counts().items()}
                if len(f) else {},
                "by_rule": {str(r.rule): int(r.count) for r in self.findings_summary.itertuples()},
                "schools": int(named.nunique()), "previous_year": bool((self.values["year"] == self.year - 1).any())}

    def _outlook_results(self) -> dict:
        """The 预警与展望 in results.json: students and capacity per stage and year, and the projected
        warnings as data (the roll-up's 预计出现风险的县(区))."""
        cap = self.projection
        stages = {}
        for st, c in cap.groupby("stage", sort=False):
            stages[st] = [{"year": int(r.year), "observed": bool(r.observed), "students": float(r.students),
                           "capacity": float(r.capacity)} for r in c.itertuples()]
        w = self.projection_warnings.astype(object).where(self.projection_warnings.notna(), None)
        warnings = [{k: (int(v) if k in ("year", "schools") and v is not None else v) for k, v in r.items()}
                    for r in w.drop(columns="county").to_dict("records")]
        return {"note": self.outlook_note, "base_year": self.year, "horizon": self.outlook_horizon,
                "stages": stages, "warnings": warnings}


def _staffing(values: pd.DataFrame, year: int, county) -> pd.DataFrame:
    a = staffing(values, year=year, county=county).assign(location="全县")
    b = staffing(values, year=year, county=county, by_location=True)
    t = pd.concat([a, b], ignore_index=True)
    rank = {**STAGE_ORDER, "全县": 0, **{loc: i + 1 for i, loc in enumerate(LOCATIONS)}}
    return t.sort_values(["county", "stage", "location"], key=lambda s: s.map(rank) if s.name != "county" else s,
                         kind="stable").reset_index(drop=True)


def _shortfall_totals(sf: pd.DataFrame) -> pd.DataFrame:
    if sf.empty:
        return sf
    return (sf.groupby(["year", "county", "stage", "indicator", "resource", "unit"], sort=False)
            .agg(schools_short=("shortfall", lambda x: int((x > 0).sum())), shortfall=("shortfall", "sum"),
                 shortfall_85=("shortfall_85", "sum")).reset_index())


def _classes_of(data: Dataset, schools: pd.DataFrame, county) -> pd.DataFrame | None:
    """The classes rows of ``schools`` (all of them when every county is evaluated together)."""
    cl = data.classes
    if cl is not None and county is not None:
        cl = cl[cl["school_id"].isin(set(schools["school_id"]))]
    return cl


def _shared_tables(data: Dataset, schools: pd.DataFrame, county, year: int, options: Options, costs) -> dict:
    """The tables of an evaluation that every county of ``schools`` gets from one group-wise pass
    (each row carries its ``county``): the values table, the coefficients of every year, compliance,
    shortfalls and plans, class and school size, the county items, 三个增长, the 城乡 gap, trends,
    staffing, the schools behind the CVs and the data screening. ``county`` None: every county of
    ``schools`` (the filters of the analyses that take one are not applied)."""
    values = values_table(schools, options)
    coef_all = coefficients(values)
    coef = coef_all[coef_all["year"] == year].reset_index(drop=True)
    sf = shortfall(values, year=year)
    trend = cv_trend(coef_all)
    cl = _classes_of(data, schools, county)
    # the report year's findings need the year before (year over year) and the year after (a value
    # back to last year's level marks this year's as the slip): no other year is screened
    near = [year - 1, year, year + 1]
    s3 = schools[schools["year"].isin(near)]
    s3.attrs = dict(schools.attrs)
    co = None if data.counties is None else select(data.counties, county=county)
    found = screen_tables(s3, cl[cl["year"].isin(near)] if cl is not None else None,
                          stages=values[values["year"].isin(near)],
                          counties=None if co is None else co[co["year"].isin(near)],
                          projects=None if getattr(data, "projects", None) is None
                          else select(data.projects, county=county))
    return dict(
        values=values, coefficients=coef, compliance=compliance(values, year=year),
        shortfall=sf, shortfall_totals=_shortfall_totals(sf), compliance_plan=compliance_plan(sf, costs),
        class_bands=class_bands(data.classes, schools, year=year, county=county),
        class_shortfall=class_shortfall(data.classes, values, year=year),
        class_reconciliation=class_reconciliation(data.classes, schools, year=year),
        school_size=school_size(schools, year=year), special_rooms=special_rooms(schools, year=year),
        county_items=county_items(data.counties, schools, data.classes, year=year, county=county),
        three_growths=three_growths(data.counties, year=year, county=county),
        gap=urban_rural_gap(values, year=year), trend=trend, warnings=warnings_table(trend, year),
        staffing=_staffing(values, year, None), contributions=contributions(values, coef),
        findings=found[found["year"] == year].reset_index(drop=True))


def _complete(data: Dataset, schools: pd.DataFrame, county, year: int, options: Options, costs,
              shared: dict, notices, standard: BasicStandard | None = None) -> Evaluation:
    """An :class:`Evaluation` from its shared tables and what is computed per county: 基本情况, the
    办学基本标准, staff posts and money over years, the ledger (it reads the tables above), the working
    records, the screening's counts and skipped rules, the outlook."""
    parts = dict(county=county, year=year, options=options, **shared,
                 overview=overview(schools, year), school_mix=school_mix(schools, year), notices=tuple(notices))
    parts.update(_working_records(data, schools, shared["values"], year, county, options, standard))
    # the ledger reads the tables above (duck-typed: the analysis layer knows no Evaluation)
    parts["ledger"] = ledger(SimpleNamespace(**parts), costs)
    parts.update(_records(data, schools, parts, year, county))
    cl = _classes_of(data, schools, county)
    co = None if data.counties is None else select(data.counties, county=county)
    tabs, note = outlook(cl, schools, shared["values"], year, county, options)
    parts.update(findings_summary=counts(parts["findings"]),
                 screening_skipped=skipped_rules(schools, co, year=year, county=county), outlook_note=note, **tabs)
    return Evaluation(**parts)


def evaluate_county(data: Dataset, county: str | None = None, year: int | None = None,
                    options: Options | None = None, costs: dict | None = None,
                    notices: tuple = (), standard: BasicStandard | None = None) -> Evaluation:
    """Every evaluation table for one county-year (or every county of the year when ``county`` is None).

    Parameters
    ----------
    data : Dataset
        The validated tables (:func:`junheng_lib.data.dataset.load`); classes and counties are optional —
        without them the tables that need them are empty and the county items say 未提供.
    county : str, optional
    year : int, optional
        Default: the latest year of the schools table.
    options : Options, optional
    costs : dict, optional
        Unit costs for the compliance plan (see :func:`junheng_lib.analysis.plans.default_costs`).
    notices : sequence of Notice, optional
        What the inputs leave out for this county-year (see :func:`evaluate_report`).
    standard : BasicStandard, optional
        The province's 办学基本标准 (:func:`junheng_lib.data.standards.read_standard`); without it
        condition 1 of 基本均衡 is 未提供.

    Returns
    -------
    Evaluation
        The schools are expanded into the values table exactly once (all years of ``data`` for the
        county, for the trends); every table is computed from it.
    """
    options = options or Options()
    s = select(data.schools, county=county)
    year = int(year) if year else int(data.schools["year"].max())
    shared = _shared_tables(data, s, county, year, options, costs)
    return _complete(data, s, county, year, options, costs, shared, notices, standard)


def _by_county(df: pd.DataFrame, counties: list[str]) -> dict[str, pd.DataFrame]:
    """Each county's rows of a table (in the table's order, index renumbered); one pass over it."""
    if "county" not in df.columns or df.empty:
        return {c: df.iloc[0:0].reset_index(drop=True) for c in counties}
    pos = df.groupby("county", sort=False).indices
    empty = df.iloc[0:0].reset_index(drop=True)
    out = {}
    for c in counties:
        rows = pos.get(c)
        if rows is None:
            out[c] = empty.copy()
        else:
            part = df.iloc[rows].reset_index(drop=True)
            part.attrs = dict(df.attrs)
            out[c] = part
    return out


def evaluate_counties(data: Dataset, counties=None, year: int | None = None, options: Options | None = None,
                      costs: dict | None = None, standard: BasicStandard | None = None) -> dict[str, Evaluation]:
    """The evaluations of many counties of one year, each equal to :func:`evaluate_report`'s for it.

    The analyses that work group-wise (the values table, every coefficient, compliance, shortfalls
    and plans, class and school size, the county items, 三个增长, the 城乡 gap, the trends, staffing,
    the schools behind the CVs and the data screening) run once over all the counties asked for, and
    each county's :class:`Evaluation` holds its rows of them; what is one county's own (基本情况,
    the ledger, the projection of the 预警与展望) runs per county on its slice of the data.

    Parameters
    ----------
    counties : sequence of str, optional
        Default: every county of the schools table with rows in ``year``.
    year : int, optional
        Default: the latest year of the data.

    Returns
    -------
    dict
        County → its Evaluation, in the order asked for.

    Raises
    ------
    DataError
        A year or county not in the data (as :func:`evaluate_report`).
    """
    options = options or Options()
    year = int(year) if year else max(data.years)
    if counties is None:
        here = set(data.schools.loc[data.schools["year"] == year, "county"])
        counties = [c for c in data.counties_list if c in here]
    counties = list(dict.fromkeys(counties))
    check_request(data.schools, [year], counties)
    whole = data
    data = data.only_counties(counties)    # the analyses below pass over these counties' rows only
    s = data.schools
    shared = _shared_tables(data, s, counties, year, options, costs)
    split = {name: _by_county(t, counties) for name, t in shared.items()}
    result = {}
    for c, sl in whole.slices(counties):   # the whole counties table: its name notices
        own = {name: parts[c] for name, parts in split.items()}
        note = county_row_gap(sl.schools, sl.counties, c, year)
        mine = sl.only_county(c)
        result[c] = _complete(mine, mine.schools, c, year, options, costs, own, [note] if note else [], standard)
    return {c: result[c] for c in counties}


def _records(data: Dataset, schools: pd.DataFrame, parts: dict, year: int, county) -> dict:
    """The working records of an evaluation: projects, groups, and last year's ledger carried over
    (what the bureau typed then fills this year's ledger's 完成时限 and 责任人 for items still open)."""
    prior = getattr(data, "prior_ledger", None)
    if prior is not None and county is not None:
        prior = prior[prior["county"] == county] if len(prior) else prior
    status = ledger_status(prior, parts["ledger"], current_values(SimpleNamespace(**parts)), year, schools)
    return {"projects_summary": projects_summary(getattr(data, "projects", None), year, county),
            "projects_by_kind": projects_by_kind(getattr(data, "projects", None), year, county),
            "groups_summary": groups_summary(getattr(data, "groups", None), schools, data.counties, year, county),
            "ledger_status": status, "ledger": carry_typed(parts["ledger"], status),
            "records": {k: getattr(data, k, None) is not None for k in ("projects", "groups", "prior_ledger")}}


def _working_records(data: Dataset, schools: pd.DataFrame, values: pd.DataFrame, year: int, county, options: Options,
                     standard: BasicStandard | None) -> dict:
    """working-records.md §1–§4 of an evaluation: the 办学基本标准 checklist, staff posts, money over
    the years of the counties table and its rates."""
    items = (basic_standard(values, standard, schools, options=options, year=year) if standard is not None
             else pd.DataFrame())
    posts = staff_posts(values, schools, options, year=year)
    co = None if data.counties is None else select(data.counties, county=county)
    return {"standard": standard, "basic_standard": items,
            "basic_standard_schools": basic_standard_schools(items, standard) if standard is not None else pd.DataFrame(),
            "staff_posts": posts, "staff_posts_county": staff_posts_county(posts),
            "finance_years": finance_years(co), "county_rates": county_rates(co, year=year)}


def evaluate_report(data: Dataset, county: str, year: int | None = None,
                    options: Options | None = None, standard: BasicStandard | None = None) -> Evaluation:
    """The one evaluation of a county report: the request checked (a year or county not in the
    data is a :class:`~junheng_lib.data.errors.DataError` naming the years it has), the county-name
    notice of the counties table, then :func:`evaluate_county` on the county's rows. The notebook
    (:meth:`junheng_lib.report.county.CountyReport.from_dataset`) calls this.

    ``year`` None or 0 means the latest year of the data.
    """
    options = options or Options()
    year = int(year) if year else max(data.years)
    check_request(data.schools, [year], [county])
    note = county_row_gap(data.schools, data.counties, county, year)  # on the whole counties table
    return evaluate_county(data.only_county(county), county, year, options, notices=[note] if note else [],
                           standard=standard)

