"""The city (or province) roll-up: every county side by side, from the county reports' side files.

:class:`CityReport` reads ``<county>.results.json`` written by each county report run (or, when
none are given, computes the same results with the library), and the CV trends from the data.
A county of the year without a current result (no side file, or one for another year or other
options) is listed as 未生成 and the roll-up goes on; a county without a school in scope is listed
as such, never ranked.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .data import Dataset, check_request, load
from .evaluate import coefficients, values_table
from .indicators import QUALITY, STAGE_ORDER, STAGES, codes, label
from .narrative import amount, fmt_cv, warning_reason
from .options import Options
from .outputs import current_results
from .reporting import CountyReport
from .trends import cv_trend

__all__ = ["CityReport", "NOT_GENERATED", "NO_SCOPE"]

#: status of a county without a current result, and of a county without a school in scope
NOT_GENERATED, NO_SCOPE = "未生成", "无纳入评估范围的学校"


def _indexed(n: int):
    """Display tables: the first ``n`` columns become the index (no 0, 1, 2 … row numbers)."""
    import functools

    def deco(fn):
        @functools.wraps(fn)
        def wrapper(*a, **k):
            df = fn(*a, **k)
            return df.set_index(list(df.columns[:n])) if isinstance(df, pd.DataFrame) and len(df.columns) > n \
                else df
        return wrapper
    return deco


@dataclass
class CityReport:
    year: int
    data: Dataset
    results: dict = field(repr=False)         # county → results dict
    missing: list = field(default_factory=list)           # counties of the year without a current result
    trend: pd.DataFrame = field(default=None, repr=False)
    counties: list = field(default_factory=list)          # every county of the year, in data order
    absent: list = field(default_factory=list)            # notices: counties of other years absent this year

    @classmethod
    def build(cls, data_dir: str | Path | None, year: int | None = None, results_dir: str | Path | None = None,
              options: Options | dict | None = None) -> "CityReport":
        opts = options if isinstance(options, Options) else Options.from_dict(options)
        ds = load(data_dir)
        year = int(year) if year else max(ds.years)
        absent = check_request(ds.schools, [year])
        counties = [c for c in ds.counties_list if c in set(ds.schools.loc[ds.schools["year"] == year, "county"])]
        results, missing = {}, []
        found = current_results(results_dir, year) if results_dir else None  # through index.json / manifests
        for c in counties:
            if found is None:
                results[c] = CountyReport.from_dataset(ds, c, year, opts).results()
                continue
            r = _read_result(found[c]) if c in found else None
            if r is not None and r.get("year") == year and Options.from_dict(r.get("options")) == opts:
                results[c] = r
            else:  # none, unreadable, or from another year or other options: not a current result
                missing.append(c)
        trend = cv_trend(coefficients(values_table(ds.schools, opts)))
        return cls(year, ds, results, missing, trend, counties, absent)

    def notices(self) -> list[str]:
        """What the roll-up leaves out, by name: counties without a current result, counties of
        other years absent this year, and county names the schools and counties tables do not share."""
        out = []
        if self.missing:
            out.append(f"提示：{'、'.join(self.missing)}没有本学年的当前结果（县级报告未生成或生成失败），"
                       f"汇总表中标为“{NOT_GENERATED}”")
        return out + list(self.absent) + self.data.name_notices()

    @property
    def city(self) -> str:
        s = self.data.schools
        name = s["city"].dropna().iloc[0] if "city" in s and s["city"].notna().any() else "全市"
        return str(name)

    @property
    def title(self) -> str:
        return f"{self.city}{self.year}学年县域义务教育均衡发展监测汇总报告"

    def summary(self) -> pd.DataFrame:
        """One row per county of the year: composites, verdicts, quality CVs over limit, schools
        passing, warnings; ``status`` '' when judged, else 未生成 or 无纳入评估范围的学校 (no rank);
        ``missing_小学/初中`` says why a stage is not judged (无初中学校 …)."""
        rows = []
        for c in self.counties or list(self.results):
            r = self.results.get(c)
            status = NOT_GENERATED if r is None else ("" if r.get("in_scope", True) and r["stages"] else NO_SCOPE)
            r = r or {"stages": {}}
            row = {"county": c, "status": status}
            for st in STAGES:
                s = r["stages"].get(st)
                row[f"composite_{st}"] = s["composite"]["cv"] if s else np.nan
                row[f"basic_{st}"] = s["composite"]["passed"] if s else None
                row[f"quality_over_{st}"] = sum(1 for v in s["quality"].values() if v["passed"] is False) if s else 0
                row[f"schools_{st}"] = s["schools"] if s else 0
                row[f"schools_passed_{st}"] = s["schools_passed"] if s else 0
                row[f"missing_{st}"] = (status or r.get("stages_missing", {}).get(st, "")) if not s else ""
            row["basic_passed"] = r.get("basic_passed") if not status else None
            row["quality_passed"] = r.get("quality_passed") if not status else None
            row["items_failed"] = len(r.get("items_failed", []))
            row["items_missing"] = int(r.get("items", {}).get("未提供", 0))
            row["warnings"] = len(r.get("warnings", []))
            row["newly_failed"] = sum(1 for w in r.get("warnings", []) if w.get("kind") == "newly_failed")
            rows.append(row)
        cols = ["county", "status", *[f"{k}_{st}" for st in STAGES for k in
                                      ("composite", "basic", "quality_over", "schools", "schools_passed", "missing")],
                "basic_passed", "quality_passed", "items_failed", "items_missing", "warnings", "newly_failed"]
        df = pd.DataFrame(rows, columns=cols)
        judged = df["status"] == ""
        score = df[["composite_小学", "composite_初中"]].astype(float).mean(axis=1).where(judged)
        df["rank"] = score.rank(method="min").astype("Int64")
        return df.sort_values("rank", na_position="last", kind="stable").reset_index(drop=True)

    @_indexed(2)
    def summary_table(self) -> pd.DataFrame:
        """The side-by-side table for display (Chinese headings)."""
        s = self.summary()
        yes = (lambda b: "—" if b is None or (isinstance(b, float) and np.isnan(b)) else ("达标" if b else "未达标"))
        judged = s["status"] == ""
        out = pd.DataFrame({"排名": _unless(s["rank"], ~judged, "—"), "县(区)": s["county"]})
        for st in STAGES:
            gone = s[f"missing_{st}"] != ""  # 未生成, no school in scope, 无初中学校 …: said in the cells
            out[f"{st}综合差异系数"] = s[f"composite_{st}"].map(fmt_cv).where(~gone, s[f"missing_{st}"])
            out[f"{st}基本均衡"] = s[f"basic_{st}"].map(yes).where(~gone, "—")
            out[f"{st}优质超标项"] = _unless(s[f"quality_over_{st}"], gone, "—")
            out[f"{st}达标学校"] = pd.Series([f"{a}/{b}" for a, b in zip(s[f"schools_passed_{st}"], s[f"schools_{st}"])],
                                         dtype=object).where(~gone, "—")
        out["县级指标未达标"] = _unless(s["items_failed"], ~judged, "—")
        out["预警项"] = _unless(s["warnings"], ~judged, "—")
        return out

    @_indexed(1)
    def readiness(self) -> pd.DataFrame:
        """Readiness for 优质均衡: what each county still lacks (CVs, schools, county items)."""
        s = self.summary()
        rows = []
        for r in s.itertuples():
            if r.status:
                rows.append({"县(区)": r.county, "状态": r.status,
                             "主要差距": "县级报告未生成或生成失败，本学年没有当前结果" if r.status == NOT_GENERATED
                             else "全部学校均不在评估范围内，未作评估"})
                continue
            gaps = []
            over = sum(getattr(r, f"quality_over_{st}") for st in STAGES)
            if over:
                gaps.append(f"{over}项差异系数超标")
            bad = sum(getattr(r, f"schools_{st}") - getattr(r, f"schools_passed_{st}") for st in STAGES)
            if bad:
                gaps.append(f"{bad}所学校未达标")
            if r.items_failed:
                gaps.append(f"{r.items_failed}项县级指标未达标")
            if r.items_missing:
                gaps.append(f"{r.items_missing}项缺少数据")
            if not r.basic_passed:
                status = "基本均衡未达标"
            elif not gaps:
                status = "已具备优质均衡条件"
            elif over == 0 and bad <= 5:
                status = "接近优质均衡"
            else:
                status = "尚有差距"
            rows.append({"县(区)": r.county, "状态": status, "主要差距": "；".join(gaps) or "—"})
        order = {"已具备优质均衡条件": 0, "接近优质均衡": 1, "尚有差距": 2, "基本均衡未达标": 3, NO_SCOPE: 4, NOT_GENERATED: 5}
        return pd.DataFrame(rows, columns=["县(区)", "状态", "主要差距"]).sort_values(
            "状态", key=lambda x: x.map(order), kind="stable").reset_index(drop=True)

    @_indexed(2)
    def at_risk(self) -> pd.DataFrame:
        """Counties with warnings this year: newly failing or near-limit composite / quality CVs."""
        rows = []
        for c, r in self.results.items():
            for w in r.get("warnings", []):
                # slipping risk: a CV with a limit that newly fails or sits near its limit
                if w["indicator"].startswith("L") or w.get("kind") not in ("newly_failed", "rising_near", "near_limit"):
                    continue
                rows.append({"县(区)": c, "学段": w["stage"],
                             "指标": "综合差异系数" if w["indicator"] == "composite" else label(w["indicator"]),
                             "差异系数": fmt_cv(w["cv"]), "预警": warning_reason(w["kind"])})
        return pd.DataFrame(rows, columns=["县(区)", "学段", "指标", "差异系数", "预警"])

    def shortfall(self) -> pd.DataFrame:
        """The city's total shortfall per stage and indicator (sum of the counties')."""
        rows = []
        for c, r in self.results.items():
            for st, s in r["stages"].items():
                for code, v in s.get("shortfall", {}).items():
                    rows.append({"stage": st, "indicator": code, "resource": v["resource"], "unit": v["unit"],
                                 "amount": v["amount"], "schools": v["schools"], "county": c})
        df = pd.DataFrame(rows)
        if df.empty:
            return df
        g = df.groupby(["stage", "indicator", "resource", "unit"], sort=False).agg(
            amount=("amount", "sum"), schools=("schools", "sum"),
            counties=("amount", lambda x: int((x > 0).sum()))).reset_index()
        order = {**STAGE_ORDER, **{c: i for i, c in enumerate(codes(QUALITY))}}
        return g.sort_values(["stage", "indicator"], key=lambda x: x.map(order)).reset_index(drop=True)

    @_indexed(2)
    def shortfall_table(self) -> pd.DataFrame:
        g = self.shortfall()
        if g.empty:
            return g
        return pd.DataFrame({"学段": g["stage"], "指标": g["indicator"], "资源": g["resource"],
                             "全市差额": [amount(a, u) for a, u in zip(g["amount"], g["unit"])],
                             "涉及学校": g["schools"], "涉及县(区)": g["counties"]})

    def ledger_summary(self):
        """整改台账 summed by county (from each county's results): items at schools and county level,
        the estimated cost of bringing every school to 100 % of the standards and of the least-cost
        plan that makes every school pass."""
        from .tables import Column, Table
        rows = []
        for c in self.counties or list(self.results):
            r = self.results.get(c)
            led = (r or {}).get("ledger")
            rows.append({"county": c, **(led or {}), "status": "" if led else NOT_GENERATED})
        d = pd.DataFrame(rows, columns=["county", "items", "school_items", "county_items", "cost", "plan_cost",
                                        "status"])
        tot = d[d["status"] == ""][["items", "school_items", "county_items", "cost", "plan_cost"]].sum()
        d = pd.concat([d, pd.DataFrame([{"county": "合计", **tot.to_dict(), "status": ""}])], ignore_index=True)
        return Table("整改台账汇总", d, [
            Column("county", "县(区)"), Column("items", "整改项目", "项", "int", missing=NOT_GENERATED),
            Column("school_items", "学校层面", "项", "int"), Column("county_items", "县级层面", "项", "int"),
            Column("cost", "各校达到标准估算投入", "元", "int"), Column("plan_cost", "最低成本达标方案投入", "元", "int")],
            note="估算投入按规则表中的单价；明细见各县报告的整改台账。")

    def trend_table(self) -> pd.DataFrame:
        """综合差异系数 per county and year (rows county × stage, columns years)."""
        t = self.trend[self.trend["indicator"] == "composite"]
        if t.empty:
            return pd.DataFrame(index=pd.MultiIndex.from_tuples([], names=["县(区)", "学段"]))
        w = t.pivot_table(index=["county", "stage"], columns="year", values="cv", sort=False).map(fmt_cv)
        w.columns = [f"{y}学年" for y in w.columns]
        w.index.names = ["县(区)", "学段"]
        return w

    def narrative(self) -> str:
        s = self.summary()
        n = len(s)
        judged = s[s["status"] == ""]
        no_scope = s.loc[s["status"] == NO_SCOPE, "county"].tolist()
        if judged.empty:
            text = f"{self.year}学年全市{n}个县(区)均没有可汇总的评估结果"
        else:
            basic = int(judged["basic_passed"].eq(True).sum())
            ready = self.readiness()
            n_ready = int((ready["状态"] == "已具备优质均衡条件").sum())
            fail = judged.loc[~judged["basic_passed"].eq(True), "county"].tolist()
            text = f"{self.year}学年全市{n}个县(区)中，{basic}个达到基本均衡标准"
            text += f"，{'、'.join(fail)}未达到" if fail else ("，全部达标" if basic == n else "")
            text += f"；{n_ready}个已具备优质均衡条件" if n_ready else "；尚无县(区)全面达到优质均衡资源配置要求"
            risk = self.at_risk().reset_index()
            if len(risk):
                text += f"；{risk['县(区)'].nunique()}个县(区)出现差异系数预警（{'、'.join(dict.fromkeys(risk['县(区)']))}）"
        if no_scope:
            text += f"；{'、'.join(no_scope)}没有纳入评估范围的学校，未作评估"
        if self.missing:
            text += f"；{'、'.join(self.missing)}的县级报告未生成，未纳入汇总"
        return text + "。" + self.chart_note()

    def chart_note(self) -> str:
        """County names the roll-up chart shows with a substitute mark ("" when all can be drawn)."""
        from .plots import glyph_note
        return glyph_note(list(self.results))

    def write_outputs(self, folder: str | Path) -> list[Path]:
        from .export import write_tables
        folder = Path(folder)
        tables = {"汇总": self.summary_table().reset_index(), "优质均衡准备情况": self.readiness().reset_index(),
                  "预警": self.at_risk().reset_index(), "全市差额": self.shortfall_table().reset_index(),
                  "综合差异系数趋势": self.trend_table().reset_index()}
        return write_tables(tables, folder / "全市汇总.xlsx")

    @_indexed(2)
    def projected_risk(self) -> pd.DataFrame:
        """预计出现风险的县(区): each county's projected warnings (its results' ``outlook``), by year.

        One row per warning — 学年, 县(区), 学段, 指标 (the indicator that slips, or 学位 / 大班额 /
        学校规模 / 优质均衡学校达标) and 预警 (the sentence "预计YYYY年…", rendered from the warning's
        data) — earliest year first, then the counties in data order. Counties without a current
        result or without a projection (no classes table …) have no row.
        """
        from .indicators import RULES
        from .projection import warning_texts
        order = {c: i for i, c in enumerate(self.counties or list(self.results))}
        rows = []
        for c, r in self.results.items():
            for w in (r.get("outlook") or {}).get("warnings", []):
                rows.append({**w, "county": c})
        cols = ["学年", "县(区)", "学段", "指标", "预警"]
        if not rows:
            return pd.DataFrame(columns=cols)
        w = pd.DataFrame(rows)
        w = w.assign(_c=w["county"].map(order), _s=w["stage"].map(STAGE_ORDER),
                     _k=w["kind"].map(list(RULES["outlook"]["warning"]).index))
        w = w.sort_values(["year", "_c", "_s", "_k"], kind="stable").reset_index(drop=True)
        items = RULES["outlook"]["item"]
        item = [(RULES["basic"]["composite_name"] if i == "composite" else label(i)) if k == "cv_over" else items[k]
                for k, i in zip(w["kind"], w["indicator"])]
        return pd.DataFrame({"学年": [f"{int(y)}学年" for y in w["year"]], "县(区)": w["county"], "学段": w["stage"],
                             "指标": item, "预警": warning_texts(w)}, columns=cols)


def _unless(values: pd.Series, mask: pd.Series, text: str) -> pd.Series:
    """``values`` with ``text`` where ``mask`` holds (its own dtype when nothing is replaced)."""
    if not mask.any():
        return values.astype(int) if str(values.dtype) == "Int64" else values
    return values.astype(object).where(~mask, text)


def _read_result(path: Path) -> dict | None:
    """A county's results side file, or None when it is missing or unreadable (then: 未生成)."""
    try:
        r = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return r if isinstance(r, dict) and isinstance(r.get("stages"), dict) else None
