"""Assembling one county-year report: the computed tables in the layouts the bureaus publish.

A thin layer between the core (:mod:`evaluate`) and the notebooks: it formats (one rounding step,
from the rule table's decimals) and collects results; it never recomputes an indicator.

Examples
--------
>>> from junheng_lib.reporting import CountyReport
>>> rep = CountyReport.build(None, "东湖区", 2024)          # doctest: +SKIP
>>> rep.basic_table()                                       # doctest: +SKIP
"""
from __future__ import annotations

import datetime as _dt
import functools
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from . import __version__
from .data import Dataset, check_request, county_row_notice, load
from .evaluate import cv_contributions, staffing
from .evaluation import evaluate_county
from .indicators import BASIC, INDICATORS, QUALITY, RULES, STAGE_ORDER, STAGES, codes, label, standard_value
from .names import safe_name  # file stems of the side files (unique and bounded)
from .narrative import SCHOOLS_OF, fmt_cv
from .options import Options
from .schema import LOCATIONS, STAGE_SUFFIX

__all__ = ["CountyReport", "fmt_cv", "fmt_value", "md", "safe_name", "END_OF_REPORT", "end_of_report",
           "trim_after_end"]


def md(text: str, heading: int = 0):
    """Generated text as a Markdown display object, HTML-escaped (names such as ``<script>`` are shown,
    never run)."""
    import html

    from IPython.display import Markdown
    body = html.escape(str(text), quote=False).replace("*", "\\*").replace("_", "\\_")
    return Markdown(("#" * heading + " " if heading else "") + body)


#: output metadata that marks the end of a short report (cells after it are not part of the document)
END_OF_REPORT = "junheng-end-of-report"


class _EndOfReport:
    """A closing sentence whose display output carries :data:`END_OF_REPORT`."""

    def __init__(self, text: str):
        self.text = text

    def _repr_markdown_(self):
        return md(self.text).data, {END_OF_REPORT: True}

    def __repr__(self) -> str:
        return self.text


def end_of_report(text: str) -> _EndOfReport:
    """Display this as the last line of a short report: :func:`trim_after_end` drops every cell after it."""
    return _EndOfReport(text)


def trim_after_end(nb):
    """The notebook without the cells after the one whose output marks the end of a short report
    (unchanged when no output does). Used when the executed notebook becomes HTML."""
    for k, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if any(isinstance(m, dict) and m.get(END_OF_REPORT) for m in out.get("metadata", {}).values()):
                nb.cells = nb.cells[:k + 1]
                return nb
    return nb


def fmt_value(x: float, code: str) -> str:
    """An indicator value with the indicator's display decimals."""
    if x is None or (isinstance(x, float) and np.isnan(x)):
        return "—"
    return f"{x:,.{int(INDICATORS.loc[code, 'decimals'])}f}"


def _indexed(n: int):
    """Display tables: the first ``n`` columns become the index (no 0, 1, 2 … row numbers)."""
    def deco(fn):
        import functools

        @functools.wraps(fn)
        def wrapper(*a, **k):
            df = fn(*a, **k)
            return df.set_index(list(df.columns[:n])) if isinstance(df, pd.DataFrame) and len(df.columns) > n \
                else df
        return wrapper
    return deco


def _yes(b) -> str:
    return "—" if b is None or (isinstance(b, float) and np.isnan(b)) else ("达标" if bool(b) else "未达标")


@dataclass
class CountyReport:
    """Everything one county report shows, computed once."""

    county: str
    year: int
    options: Options
    data: Dataset
    tables: dict = field(repr=False)
    data_notes: list = field(default_factory=list)   # notices on the input tables for this county-year

    @classmethod
    def build(cls, data_dir: str | Path | None, county: str, year: int | None = None,
              options: Options | dict | None = None) -> "CountyReport":
        """Load the data folder, check the county and year exist, compute the tables.

        ``year`` None or 0 means the latest year of the data.
        """
        return cls.from_dataset(load(data_dir), county, year, options)

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
        year = int(year) if year else max(ds.years)
        check_request(ds.schools, [year], [county])
        notes = [n for n in [county_row_notice(ds.schools, ds.counties, county, year)] if n]
        ds = ds.only_county(county)
        return cls(county, year, opts, ds, evaluate_county(ds, county, year, opts), notes)

    @property
    def coef(self) -> pd.DataFrame:
        """This year's coefficients (basic with composite, then quality)."""
        return pd.concat([self.tables["basic"], self.tables["quality"]], ignore_index=True)

    @property
    def comp(self) -> pd.DataFrame:
        return self.tables["compliance"]

    @property
    def trend(self) -> pd.DataFrame:
        return self.tables["trend"]

    # ------------------------------------------------------------------ scope and what is missing
    @functools.cached_property
    def _stages_now(self) -> pd.DataFrame:
        """This county-year's school × stage rows with their scope flags (computed once)."""
        from .stages import school_stages
        s = self.data.schools
        return school_stages(s[(s["county"] == self.county) & (s["year"] == self.year)], self.options)

    def stage_scope(self) -> pd.DataFrame:
        """Per compulsory stage: schools teaching it this year, how many take part in the
        calculations (in 基本均衡's scope, with students), and what is missing in words.

        Returns
        -------
        DataFrame
            Index 小学/初中; ``schools``, ``in_scope``, ``note`` ('' when the stage is evaluated; else
            e.g. 无初中学校, or 初中学校均不参与计算（民办学校2所）).
        """
        st = self._stages_now
        st = st.assign(stage=st["stage"].astype(str), live=st["in_basic"] & (st["students"] > 0))
        g = st.groupby("stage")
        out = pd.DataFrame({"schools": g.size(), "in_scope": g["live"].sum()}).reindex(list(STAGES), fill_value=0)
        out = out.astype(int)
        notes = []
        for stage, r in out.iterrows():
            word = SCHOOLS_OF[stage]
            if r["schools"] == 0:
                notes.append(f"无{word}")
            elif r["in_scope"] == 0:
                why = _reasons(st[(st["stage"] == stage)])
                notes.append(f"{word}均不参与计算（{why}）" if why else f"{word}均无在校生")
            else:
                notes.append("")
        out["note"] = notes
        out.index.name = "stage"
        return out

    @property
    def in_scope(self) -> bool:
        """True when at least one school of the county-year takes part in the calculations."""
        return bool((self.stage_scope()["in_scope"] > 0).any())

    def scope_text(self) -> str:
        """Why nothing can be evaluated (the body of the short report of a county without a school
        in scope); '' when the county is evaluated."""
        if self.in_scope:
            return ""
        st = self._stages_now
        n = int(st["school_id"].nunique())
        why = _reasons(st.drop_duplicates("school_id"))
        scope = (f"{'、'.join(RULES['scope']['ownership'])}、{'、'.join(RULES['scope']['affiliation'])}的义务教育学校"
                 f"（不含{'、'.join(t for t, v in RULES['school_types'].items() if not v['in_scope'])}）")
        head = f"{self.county}{self.year}学年没有纳入评估范围的学校"
        body = (f"：全县{n}所学校中，{why}，均不参与计算" if why else f"：全县{n}所学校均无义务教育在校生") if n else \
            "：数据中没有该县(区)本学年的学校"
        return (f"{head}{body}。评估范围为{scope}，因此本报告不计算差异系数、学校达标情况和差额，"
                f"只列出基本情况和不参与计算的学校。")

    def end_of_report(self):
        """The closing line of the short report of a county without a school in scope (None otherwise)."""
        if self.in_scope:
            return None
        return end_of_report(f"{self.county}{self.year}学年没有纳入评估范围的学校，报告只包括以上内容。")

    def notices(self) -> list[str]:
        """What the report cannot show, said plainly: a county without a school in scope, a stage
        without schools (无初中学校) or without a school in scope, a stage with a single school
        (CV 0 by rule), and input tables that lack this county-year."""
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
        return out + list(self.data_notes)

    # ------------------------------------------------------------------ header
    @property
    def title(self) -> str:
        return f"{self.county}{self.year}学年义务教育均衡发展监测报告"

    def contributions(self, top: int = 5) -> dict:
        """Schools behind the largest CVs: the two largest basic CVs per stage, and every quality CV
        over its limit — {(stage, code): table}."""
        out = {}
        c = self.coef[self.coef["cv"] > 0]  # a CV of 0 (one school, all equal) has no school behind it
        picks = []
        for stage in STAGES:
            g = c[(c["stage"] == stage) & (c["standard"] == BASIC) & (c["indicator"] != "composite")]
            picks += [(stage, code) for code in g.sort_values("cv", ascending=False)["indicator"].head(1)]
            q = c[(c["stage"] == stage) & (c["standard"] == QUALITY) & c["passed"].eq(False)]
            q = q.assign(excess=q["cv"] - q["limit"]).sort_values("excess", ascending=False)
            picks += [(stage, code) for code in q["indicator"].head(3)]
        for stage, code in picks:
            out[(stage, code)] = cv_contributions(self.data.schools, self.options, county=self.county,
                                                  year=self.year, stage=stage, indicator=code, top=top)
        return out

    @_indexed(2)
    def contribution_table(self, contributions: dict | None = None) -> pd.DataFrame:
        """For display: the schools that contribute most to each listed CV."""
        contributions = contributions if contributions is not None else self.contributions()
        rows = []
        for (stage, code), t in contributions.items():
            if stage not in set(self.coef["stage"]):
                continue
            for r in t.head(3).itertuples():
                rows.append({"学段": stage, "指标": f"{code} {label(code)}", "学校": r.school_name,
                             "学校值": fmt_value(r.value, code), "全县平均": fmt_value(r.mean, code),
                             "偏离": "高于" if r.deviation >= 0 else "低于", "占离散程度": f"{r.share:.0%}"})
        return pd.DataFrame(rows)

    @_indexed(2)
    def staffing_table(self) -> pd.DataFrame:
        """师资配置 per stage and per 城乡, for display."""
        a = staffing(self.data.schools, self.options, year=self.year, county=self.county).assign(location="全县")
        b = staffing(self.data.schools, self.options, year=self.year, county=self.county, by_location=True)
        t = pd.concat([a, b], ignore_index=True)
        rank = {**STAGE_ORDER, "全县": 0, **{loc: i + 1 for i, loc in enumerate(LOCATIONS)}}
        t = t.sort_values(["stage", "location"], key=lambda s: s.map(rank))
        return pd.DataFrame({
            "学段": t["stage"], "范围": t["location"], "在校生": t["students"].map(lambda v: f"{v:,.0f}"),
            "专任教师": t["teachers"].map(lambda v: f"{v:,.0f}"),
            "生师比": t["students_per_teacher"].map(lambda v: f"{v:.1f}:1"),
            "编制标准": t["staffing_standard"].map(lambda v: f"{v:g}:1"),
            "高于规定学历占比": t["above_degree_share"].map(lambda v: f"{v:.1%}"),
            "中级及以上职称占比": t["mid_title_share"].map(lambda v: f"{v:.1%}"),
            "每百生骨干教师": t["backbone_per_100"].map(lambda v: f"{v:.2f}"),
            "每百生体艺教师": t["pe_art_per_100"].map(lambda v: f"{v:.2f}")}).reset_index(drop=True)

    @_indexed(2)
    def shortfall_table(self) -> pd.DataFrame:
        """全县差额 per stage and indicator, in raw units, for display."""
        t = self.tables["shortfall_totals"]
        if t.empty:
            return pd.DataFrame()
        from .narrative import amount
        return pd.DataFrame({"学段": t["stage"], "指标": t["indicator"], "资源": t["resource"],
                             "未达标学校数": t["schools_short"], "差额(达到标准)": [amount(v, u) for v, u in
                                                                           zip(t["shortfall"], t["unit"])],
                             "差额(达到85%)": [amount(v, u) for v, u in zip(t["shortfall_85"], t["unit"])]})

    def size_tables(self) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
        """(班额分布, 超规模学校, 音乐美术专用教室 by school failing) for display."""
        b = self.tables["class_bands"]
        labels = RULES["class_size"]["band_labels"]
        bands = pd.DataFrame({"学段": b["stage"], "班级数": b["classes"], **{lab: b[lab] for lab in labels},
                              "标准班额占比": b["standard_share"].map(lambda v: f"{v:.1%}"),
                              "最大班额": b["max_size"]}) if not b.empty else pd.DataFrame()
        cs = self.tables["class_shortfall"].groupby("stage", sort=False)[["class_shortfall", "place_shortfall"]].sum(
            min_count=1).reset_index()
        if not bands.empty:
            bands = bands.merge(cs.rename(columns={"stage": "学段", "class_shortfall": "缺额(班)",
                                                   "place_shortfall": "学位缺额(个)"}), on="学段", how="left")
        ss = self.tables["school_size"]
        over = ss[ss["over"]][["school_name", "school_type", "students", "limit"]].rename(columns={
            "school_name": "学校", "school_type": "办学类型", "students": "义务教育在校生", "limit": "规模上限"})
        r = self.tables["special_rooms"]
        rooms = pd.DataFrame({"学校": r["school_name"], "班级数": r["classes"], "应配(间)": r["rooms_needed"],
                              "音乐教室(间)": r["music_rooms"], "音乐间均(㎡)": r["music_area_per_room"].round(1),
                              "美术教室(间)": r["art_rooms"], "美术间均(㎡)": r["art_area_per_room"].round(1),
                              "结论": r["passed"].map({True: "达标", False: "未达标"}).fillna("未提供")})
        return bands, over.reset_index(drop=True), rooms[rooms["结论"] != "达标"].reset_index(drop=True)

    @_indexed(2)
    def gap_table(self) -> pd.DataFrame:
        g = self.tables["gap"]
        return pd.DataFrame({
            "学段": g["stage"], "指标": g["indicator"] + " " + g["indicator"].map(label),
            **{loc: [fmt_value(v, c) for v, c in zip(g[f"mean_{loc}"], g["indicator"])] for loc in ("城区", "镇区", "乡村")},
            "乡村/城区": g["rural_to_urban"].map(lambda v: "—" if pd.isna(v) else f"{v:.0%}"),
            "泰尔指数": g["theil"].map(lambda v: f"{v:.4f}"),
            "组间占比": g["between_share"].map(lambda v: "—" if pd.isna(v) else f"{v:.0%}")})

    @_indexed(2)
    def items_table(self) -> pd.DataFrame:
        i = self.tables["county_items"]
        return pd.DataFrame({"类别": i["group"], "序号": i["no"], "项目": i["item"], "实际": i["value"].replace("", "—"),
                             "标准": i["standard"], "结论": i["status"]})

    @_indexed(1)
    def growth_table(self) -> pd.DataFrame:
        g = self.tables["three_growths"]
        return pd.DataFrame({"序号": g["no"], "项目": g["item"], "实际": g["value"].replace("", "—"),
                             "标准": g["standard"], "结论": g["status"]})

    def trend_table(self) -> pd.DataFrame:
        """Composite and quality CVs per year (columns = years), with the limit."""
        t = self.trend[self.trend["indicator"] != "composite"].copy()
        t = pd.concat([self.trend[self.trend["indicator"] == "composite"], t[t["standard"] == QUALITY]])
        t["项目"] = t["indicator"].map(lambda c: "综合差异系数" if c == "composite" else c)
        wide = t.pivot_table(index=["stage", "项目"], columns="year", values="cv", aggfunc="first", sort=False)
        wide = wide.map(fmt_cv)
        wide.columns = [f"{y}学年" for y in wide.columns]
        lim = t.groupby(["stage", "项目"], sort=False)["limit"].first()
        wide["标准"] = lim.map(lambda v: f"≤{v:.2f}")
        wide.index.names = ["学段", "项目"]
        return wide.sort_index(level=0, key=lambda s: s.map(STAGE_ORDER) if s.name == "学段" else s,
                               sort_remaining=False)

    @_indexed(2)
    def warning_table(self) -> pd.DataFrame:
        w = self.tables["warnings"]
        return pd.DataFrame({"学段": w["stage"], "指标": w["indicator"].replace("composite", "综合差异系数"),
                             "差异系数": w["cv"].map(fmt_cv),
                             "较上年": w["change"].map(lambda v: "—" if pd.isna(v) else f"{v:+.3f}"),
                             "标准": w["limit"].map(lambda v: "—" if pd.isna(v) else f"≤{v:.2f}"),
                             "预警": w["warning"]})

    @_indexed(2)
    def school_appendix(self) -> pd.DataFrame:
        """附表: per-school values of L1–L8 and Y1–Y7 (every school × stage in scope)."""
        from .evaluate import indicator_values
        v = indicator_values(self.data.schools, self.options)
        v = v[(v["county"] == self.county) & (v["year"] == self.year) & v["in_basic"] & (v["students"] > 0)]
        out = pd.DataFrame({"学段": v["stage"].astype(str), "学校": v["school_name"], "类型": v["school_type"],
                            "城乡": v["location"], "在校生": v["students"].astype(int)})
        for code in INDICATORS.index:
            out[code] = [fmt_value(x, code) for x in v[code]]
        return out.reset_index(drop=True)

    def header_lines(self, today: _dt.date | None = None) -> list[str]:
        """Data source, generation date, package version and options (open points), and the names the
        charts cannot draw exactly (:meth:`chart_note`)."""
        today = today or _dt.date.today()
        src = ", ".join(f"{p.name}" for p in self.data.files.values())
        lines = [f"数据来源：{self.data.folder}（{src}；SHA-256 {self.data.fingerprint()[:12]}）",
                 f"生成日期：{today.isoformat()}；junheng {__version__}",
                 "计算口径：" + "；".join(self.options.describe())]
        return lines + [note] if (note := self.chart_note()) else lines

    def chart_note(self) -> str:
        """Which names (the county's, its schools') the charts show with a substitute mark because no
        font on this machine draws one of their characters; "" when every name can be drawn."""
        from .plots import glyph_note
        s = self.data.schools
        names = s.loc[(s["county"] == self.county) & (s["year"] == self.year), "school_name"].dropna().unique()
        return glyph_note([self.county, *names])

    # ------------------------------------------------------------------ 基本情况
    def overview(self) -> pd.DataFrame:
        """基本情况 per stage: schools, students, classes, teachers, and change from last year."""
        s = self.data.schools
        rows = []
        for y in (self.year - 1, self.year):
            cur = s[(s["county"] == self.county) & (s["year"] == y)]
            if cur.empty:
                continue
            for st in STAGES:
                suf = STAGE_SUFFIX[st]
                has = cur[f"students_{suf}"] > 0
                rows.append({"year": y, "学段": st, "学校数(含教学点)": int(has.sum()),
                             "在校生数": int(cur[f"students_{suf}"].sum()),
                             "班数": int(cur[f"classes_{suf}"].fillna(0).sum()),
                             "专任教师数": int(cur[f"teachers_{suf}"].sum())})
        df = pd.DataFrame(rows)
        now = df[df["year"] == self.year].drop(columns="year").set_index("学段")
        prev = df[df["year"] == self.year - 1].drop(columns="year").set_index("学段")
        out = now.astype(object).copy()
        if not prev.empty:
            out["在校生较上年"] = (now["在校生数"] - prev["在校生数"]).map(lambda d: f"{d:+,d}")
            out["专任教师较上年"] = (now["专任教师数"] - prev["专任教师数"]).map(lambda d: f"{d:+,d}")
        for c in ("在校生数", "班数", "专任教师数"):
            out[c] = now[c].map(lambda v: f"{v:,d}")
        return out

    def school_mix(self) -> pd.DataFrame:
        """Schools by type (rows) and 城乡 (columns), all schools of the county-year."""
        s = self.data.schools
        cur = s[(s["county"] == self.county) & (s["year"] == self.year)]
        tab = pd.crosstab(cur["school_type"], cur["location"].fillna("未填"), margins=True, margins_name="合计")
        order = [t for t in RULES["school_types"] if t in tab.index] + ["合计"]
        cols = [c for c in ("城区", "镇区", "乡村", "未填") if c in tab.columns] + ["合计"]
        tab = tab.reindex(index=order, columns=cols)
        tab.index.name, tab.columns.name = "办学类型", None
        return tab

    @_indexed(1)
    def scope_notes(self) -> pd.DataFrame:
        """Schools left out of the calculations and why (scope rules and options)."""
        from .stages import school_stages
        s = self.data.schools
        st = school_stages(s[(s["county"] == self.county) & (s["year"] == self.year)], self.options)
        out = st[st["scope_note"] != ""][["school_id", "school_name", "stage", "students", "scope_note"]]
        out = out.assign(stage=out["stage"].astype(str), students=out["students"].astype(int))
        return out.rename(columns={"school_id": "学校标识码", "school_name": "学校名称", "stage": "学段",
                                   "students": "在校生数", "scope_note": "说明"}).reset_index(drop=True)

    # ------------------------------------------------------------------ published tables
    def basic_table(self) -> pd.DataFrame:
        """基本均衡 in the published layout: rows 小学/初中 × 平均值/差异系数, columns L1…L8, 综合."""
        return self._published(BASIC, [*codes(BASIC), "composite"])

    def quality_table(self) -> pd.DataFrame:
        """优质均衡: rows 小学/初中 × 平均值/标准/差异系数, columns Y1…Y7."""
        return self._published(QUALITY, codes(QUALITY))

    def _published(self, standard: str, items: list[str]) -> pd.DataFrame:
        c = self.coef[self.coef["standard"] == standard]
        rows, index = [], []
        for st in STAGES:
            sub = c[c["stage"] == st].set_index("indicator")
            if sub.empty:
                continue
            rows.append([("" if i == "composite" else fmt_value(sub.loc[i, "mean"], i)) for i in items])
            index.append((st, "平均值"))
            if standard == QUALITY:
                rows.append([fmt_value(standard_value(i, st), i) for i in items])
                index.append((st, "标准值(每校)"))
            rows.append([fmt_cv(sub.loc[i, "cv"]) for i in items])
            index.append((st, "差异系数"))
        cols = [("综合差异系数" if i == "composite" else f"{i} {label(i)}") for i in items]
        return pd.DataFrame(rows, index=pd.MultiIndex.from_tuples(index, names=["学段", "项目"]), columns=cols)

    def verdicts(self) -> pd.DataFrame:
        """Per stage: composite vs limit (基本均衡), the quality CVs over their limit (优质均衡)."""
        rows = []
        notes = self.stage_scope()["note"]
        for st in STAGES:
            c = self.coef[self.coef["stage"] == st].set_index("indicator")
            if c.empty:
                rows.append({"学段": st, **{k: "—" for k in ("综合差异系数", "基本均衡标准")},
                             "基本均衡": notes[st] or "—", "优质均衡差异系数标准": "—", "超标指标": "—", "无法计算": "—",
                             "学校达标": "—", "优质均衡(资源配置)": notes[st] or "—"})
                continue
            comp = c.loc["composite"]
            q = c.loc[[i for i in codes(QUALITY) if i in c.index]]
            over = [i for i in q.index if q.loc[i, "passed"] is False]
            undefined = [i for i in q.index if q.loc[i, "passed"] is None]
            cm = self.comp[self.comp["stage"] == st]
            rows.append({"学段": st,
                         "综合差异系数": fmt_cv(comp["cv"]), "基本均衡标准": f"≤{comp['limit']:.2f}",
                         "基本均衡": _yes(comp["passed"]),
                         "优质均衡差异系数标准": f"≤{q['limit'].iloc[0]:.2f}" if len(q) else "—",
                         "超标指标": "、".join(over) or "无", "无法计算": "、".join(undefined) or "无",
                         "学校达标": f"{int(cm['passed'].sum())}/{len(cm)}",
                         "优质均衡(资源配置)": "达标" if (not over and not undefined and len(q) and len(cm)
                                                         and cm["passed"].all()) else "未达标"})
        return pd.DataFrame(rows).set_index("学段")

    @_indexed(2)
    def compliance_table(self) -> pd.DataFrame:
        """Per-school compliance for display: values, met count, verdict, unmet indicators."""
        c = self.comp.sort_values(["stage", "passed", "met", "school_id"], key=lambda s: s.map(
            STAGE_ORDER) if s.name == "stage" else s)
        out = pd.DataFrame({"学段": c["stage"], "学校": c["school_name"]})
        for code in codes(QUALITY):
            out[code] = [fmt_value(v, code) for v in c[code]]
        out["达标项数"] = c["met"].to_numpy()
        out["未达标指标"] = c["unmet"].replace("", "—").to_numpy()
        out["最低达成度"] = [f"{r:.0%}" for r in c["min_ratio"]]
        out["结论"] = np.where(c["passed"], "达标", "未达标")
        return out.reset_index(drop=True)

    # ------------------------------------------------------------------ side file
    def results(self) -> dict:
        """Key results as plain JSON-ready data (read by tests and the city roll-up).

        A county without a school in scope has ``in_scope`` False, no ``stages`` and
        ``basic_passed`` / ``quality_passed`` None (not judged); ``stages_missing`` names each stage
        not evaluated and why (无初中学校 …).
        """
        coef = self.coef.replace({np.nan: None})
        stages = {}
        for st in STAGES:
            c = coef[coef["stage"] == st]
            if c.empty:
                continue
            cm = self.comp[self.comp["stage"] == st]
            q = c[c["standard"] == QUALITY]
            stages[st] = {
                "basic": {r.indicator: {"mean": r.mean, "cv": r.cv} for r in c[c["standard"] == BASIC].itertuples()
                          if r.indicator != "composite"},
                "composite": {"cv": c.loc[c["indicator"] == "composite", "cv"].iloc[0],
                              "limit": c.loc[c["indicator"] == "composite", "limit"].iloc[0],
                              "passed": c.loc[c["indicator"] == "composite", "passed"].iloc[0]},
                "quality": {r.indicator: {"mean": r.mean, "cv": r.cv, "limit": r.limit, "passed": r.passed}
                            for r in q.itertuples()},
                "quality_cvs_passed": bool(len(q)) and bool(q["passed"].eq(True).all()),
                "schools": int(len(cm)), "schools_passed": int(cm["passed"].sum()),
                "failing_schools": cm.loc[~cm["passed"], "school_name"].tolist(),
                "n_schools_in_cv": int(c["n_schools"].iloc[0]), "students": float(c["students"].iloc[0]),
                "shortfall": {r.indicator: {"resource": r.resource, "unit": r.unit, "amount": float(r.shortfall),
                                            "schools": int(r.schools_short)}
                              for r in self.tables["shortfall_totals"].itertuples() if r.stage == st},
            }
        judged = bool(stages)
        sc = self.stage_scope()
        return {"county": self.county, "year": self.year, "junheng_version": __version__,
                "options": self.options.to_dict(), "options_text": self.options.describe(),
                "input_sha256": self.data.fingerprint(), "in_scope": self.in_scope, "stages": stages,
                "stages_missing": {st: n for st, n in sc["note"].items() if n}, "notices": self.notices(),
                "basic_passed": all(v["composite"]["passed"] is True for v in stages.values()) if judged else None,
                "items": self.tables["county_items"]["status"].value_counts().to_dict(),
                "items_failed": [f"{r.group}{r.no}" for r in self.tables["county_items"].itertuples()
                                 if r.status == "未达标"],
                "warnings": [{"stage": r.stage, "indicator": r.indicator, "cv": r.cv, "warning": r.warning}
                             for r in self.tables["warnings"].replace({np.nan: None}).itertuples()],
                "quality_passed": all(v["quality_cvs_passed"] and v["schools"] == v["schools_passed"]
                                      for v in stages.values()) if judged else None}

    def write_outputs(self, folder: str | Path) -> list[Path]:
        """Side files of a report run: ``<county>.results.json``, ``.docx`` and ``.xlsx``."""
        from .export import write_county_docx, write_county_xlsx
        folder = Path(folder)
        stem = safe_name(self.county)
        return [self.write_results(folder), write_county_docx(self, folder / f"{stem}.docx"),
                write_county_xlsx(self, folder / f"{stem}.xlsx")]

    def write_results(self, folder: str | Path) -> Path:
        """Write :meth:`results` as ``<county>.results.json`` (UTF-8, Chinese readable)."""
        from .fileio import atomic_write_text
        path = Path(folder) / f"{safe_name(self.county)}.results.json"
        return atomic_write_text(path, json.dumps(self.results(), ensure_ascii=False, indent=2,
                                                  default=_json_default))


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
