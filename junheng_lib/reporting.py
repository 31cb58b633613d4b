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
from .evaluate import compliance, coefficients
from .indicators import BASIC, INDICATORS, QUALITY, RULES, STAGES, codes, label, standard_value
from .io import DataError, DataIssue
from .options import Options
from .schema import STAGE_SUFFIX

__all__ = ["CountyReport", "fmt_cv", "fmt_value"]


def fmt_cv(x: float) -> str:
    """A CV for display: 3 decimals (as provincial tables print them); '—' when undefined."""
    return "—" if x is None or (isinstance(x, float) and np.isnan(x)) else f"{x:.{RULES['display']['cv_decimals']}f}"


def fmt_value(x: float, code: str) -> str:
    """An indicator value with the indicator's display decimals."""
    if x is None or (isinstance(x, float) and np.isnan(x)):
        return "—"
    return f"{x:,.{int(INDICATORS.loc[code, 'decimals'])}f}"


def _yes(b) -> str:
    return "—" if b is None or (isinstance(b, float) and np.isnan(b)) else ("达标" if bool(b) else "未达标")


@dataclass
class CountyReport:
    """Everything one county report shows, computed once."""

    county: str
    year: int
    options: Options
    data: Dataset
    coef: pd.DataFrame = field(repr=False)
    coef_all_years: pd.DataFrame = field(repr=False)
    comp: pd.DataFrame = field(repr=False)

    @classmethod
    def build(cls, data_dir: str | Path | None, county: str, year: int | None = None,
              options: Options | dict | None = None) -> "CountyReport":
        """Load the data folder, check the county and year exist, compute the tables.

        ``year`` None or 0 means the latest year of the data.
        """
        opts = options if isinstance(options, Options) else Options.from_dict(options)
        ds = load(data_dir)
        year = int(year) if year else max(ds.years)
        problems = []
        if year not in ds.years:
            problems.append(DataIssue(str(ds.files["schools"]), f"数据中没有{year}学年"))
        if county not in set(ds.schools["county"]):
            problems.append(DataIssue(str(ds.files["schools"]), f"数据中没有县(区)“{county}”"))
        if problems:
            raise DataError(problems)
        all_years = coefficients(ds.schools, opts, county=county)
        return cls(county, year, opts, ds, all_years[all_years["year"] == year].reset_index(drop=True), all_years,
                   compliance(ds.schools, opts, year=year, county=county))

    # ------------------------------------------------------------------ header
    @property
    def title(self) -> str:
        return f"{self.county}{self.year}学年义务教育均衡发展监测报告"

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

    def compliance_table(self) -> pd.DataFrame:
        """Per-school compliance for display: values, met count, verdict, unmet indicators."""
        c = self.comp.sort_values(["stage", "passed", "met", "school_id"], key=lambda s: s.map(
            {"小学": 0, "初中": 1}) if s.name == "stage" else s)
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
            }
        return {"county": self.county, "year": self.year, "junheng_version": __version__,
                "options": self.options.to_dict(), "options_text": self.options.describe(),
                "input_sha256": self.data.fingerprint(), "stages": stages,
                "basic_passed": all(v["composite"]["passed"] is True for v in stages.values()),
                "quality_passed": all(v["quality_cvs_passed"] and v["schools"] == v["schools_passed"]
                                      for v in stages.values())}

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


def safe_name(name: str) -> str:
    """A county or school name as a single, harmless path component."""
    import re
    s = re.sub(r'[\\/:*?"<>|\x00-\x1f]', "_", str(name)).strip().strip(".")
    return s or "_"
