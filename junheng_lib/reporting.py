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
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from . import __version__
from .data import Dataset, load
from .evaluate import cv_contributions, staffing
from .evaluation import evaluate_county
from .indicators import BASIC, INDICATORS, QUALITY, RULES, STAGE_ORDER, STAGES, codes, label, standard_value
from .io import DataError, DataIssue
from .names import safe_name  # file stems of the side files (unique and bounded)
from .narrative import fmt_cv
from .options import Options
from .schema import LOCATIONS, STAGE_SUFFIX

__all__ = ["CountyReport", "fmt_cv", "fmt_value", "md", "safe_name"]


def md(text: str, heading: int = 0):
    """Generated text as a Markdown display object, HTML-escaped (names such as ``<script>`` are shown,
    never run)."""
    import html

    from IPython.display import Markdown
    body = html.escape(str(text), quote=False).replace("*", "\\*").replace("_", "\\_")
    return Markdown(("#" * heading + " " if heading else "") + body)


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
        """As :meth:`build`, from already loaded data."""
        opts = options if isinstance(options, Options) else Options.from_dict(options)
        year = int(year) if year else max(ds.years)
        problems = []
        if year not in ds.years:
            problems.append(DataIssue(str(ds.files["schools"]), f"数据中没有{year}学年"))
        if county not in set(ds.schools["county"]):
            problems.append(DataIssue(str(ds.files["schools"]), f"数据中没有县(区)“{county}”"))
        if problems:
            raise DataError(problems)
        ds = ds.only_county(county)
        return cls(county, year, opts, ds, evaluate_county(ds, county, year, opts))

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

    # ------------------------------------------------------------------ header
    @property
    def title(self) -> str:
        return f"{self.county}{self.year}学年义务教育均衡发展监测报告"

    def contributions(self, top: int = 5) -> dict:
        """Schools behind the largest CVs: the two largest basic CVs per stage, and every quality CV
        over its limit — {(stage, code): table}."""
        out = {}
        c = self.coef.dropna(subset=["cv"])
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
        """Data source, generation date, package version and options (open points)."""
        today = today or _dt.date.today()
        src = ", ".join(f"{p.name}" for p in self.data.files.values())
        return [f"数据来源：{self.data.folder}（{src}；SHA-256 {self.data.fingerprint()[:12]}）",
                f"生成日期：{today.isoformat()}；junheng {__version__}",
                "计算口径：" + "；".join(self.options.describe())]

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
        for st in STAGES:
            c = self.coef[self.coef["stage"] == st].set_index("indicator")
            if c.empty:
                continue
            comp = c.loc["composite"]
            q = c.loc[codes(QUALITY)]
            over = [i for i in q.index if q.loc[i, "passed"] is False]
            undefined = [i for i in q.index if q.loc[i, "passed"] is None]
            cm = self.comp[self.comp["stage"] == st]
            rows.append({"学段": st,
                         "综合差异系数": fmt_cv(comp["cv"]), "基本均衡标准": f"≤{comp['limit']:.2f}",
                         "基本均衡": _yes(comp["passed"]),
                         "优质均衡差异系数标准": f"≤{q['limit'].iloc[0]:.2f}",
                         "超标指标": "、".join(over) or "无", "无法计算": "、".join(undefined) or "无",
                         "学校达标": f"{int(cm['passed'].sum())}/{len(cm)}",
                         "优质均衡(资源配置)": "达标" if (not over and not undefined and len(cm) and cm["passed"].all())
                         else "未达标"})
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
        """Key results as plain JSON-ready data (read by tests and the city roll-up)."""
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
                "quality_cvs_passed": bool(q["passed"].eq(True).all()),
                "schools": int(len(cm)), "schools_passed": int(cm["passed"].sum()),
                "failing_schools": cm.loc[~cm["passed"], "school_name"].tolist(),
                "n_schools_in_cv": int(c["n_schools"].iloc[0]), "students": float(c["students"].iloc[0]),
                "shortfall": {r.indicator: {"resource": r.resource, "unit": r.unit, "amount": float(r.shortfall),
                                            "schools": int(r.schools_short)}
                              for r in self.tables["shortfall_totals"].itertuples() if r.stage == st},
            }
        return {"county": self.county, "year": self.year, "junheng_version": __version__,
                "options": self.options.to_dict(), "options_text": self.options.describe(),
                "input_sha256": self.data.fingerprint(), "stages": stages,
                "basic_passed": all(v["composite"]["passed"] is True for v in stages.values()),
                "items": self.tables["county_items"]["status"].value_counts().to_dict(),
                "items_failed": [f"{r.group}{r.no}" for r in self.tables["county_items"].itertuples()
                                 if r.status == "未达标"],
                "warnings": [{"stage": r.stage, "indicator": r.indicator, "cv": r.cv, "warning": r.warning}
                             for r in self.tables["warnings"].replace({np.nan: None}).itertuples()],
                "quality_passed": all(v["quality_cvs_passed"] and v["schools"] == v["schools_passed"]
                                      for v in stages.values())}

    def write_outputs(self, folder: str | Path) -> list[Path]:
        """Side files of a report run: ``<county>.results.json``, ``.docx`` and ``.xlsx``."""
        from .export import write_county_docx, write_county_xlsx
        folder = Path(folder)
        stem = safe_name(self.county)
        return [self.write_results(folder), write_county_docx(self, folder / f"{stem}.docx"),
                write_county_xlsx(self, folder / f"{stem}.xlsx")]

    def write_results(self, folder: str | Path) -> Path:
        """Write :meth:`results` as ``<county>.results.json`` (UTF-8, Chinese readable)."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{safe_name(self.county)}.results.json"
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.results(), ensure_ascii=False, indent=2, default=_json_default),
                       encoding="utf-8")
        tmp.replace(path)
        return path


def _json_default(o):
    if isinstance(o, (np.integer,)):
        return int(o)
    if isinstance(o, (np.floating,)):
        return float(o)
    if isinstance(o, (np.bool_,)):
        return bool(o)
    raise TypeError(type(o))
