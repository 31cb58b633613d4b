"""Data screening (数据筛查): what in a data folder looks wrong, for a person to verify.

Like the provincial screening of the 教育事业统计, :func:`screen` checks the validated tables of a
data folder and returns one tidy row per finding — it never stops at the first finding and never
changes the data. Four families of rules, every threshold in ``[screening]`` of the rule table:

* year over year, per school (same 学校标识码 in consecutive years): jumps and drops of resources,
  teachers and students; a value falling to 0; unit slips — a ratio near ×10 / ×100 (a digit too
  many or too few) and ×10 000 / ÷10 000 on the equipment value (万元 typed into the 元 column). When
  the next year returns to last year's level, the finding says so and the reversal is not reported
  again;
* plausibility within a year: students per teacher, backbone/PE-art/degree/title counts against
  teachers, rooms against classes, per-student areas and equipment far outside the county's own
  distribution (median and MAD of the logarithm within county × stage × year), class sizes;
* across tables and years: the classes table against the students and classes of the schools table
  (per school × stage), schools that appear or disappear, an id whose name, type or county changed.
* the counties table (``[screening.counties]``), per county between consecutive years, with the
  same year-over-year rules (拨款 and 收入 in 万元, 生均经费 and 工资 in 元, rates in percentage points),
  and 教育财政拨款 against 财政经常性收入 within a year; a growth of a 经费 column beyond its
  ``max_growth`` is always a finding, since 经费"三个增长" prints it.

Year over year compares consecutive years only: :func:`skipped_rules` says, per county-year and
table, which rules could not run and why (no previous year in the data, a gap between years, a
county absent last year).

The findings table has the columns :data:`FINDING_COLUMNS`: ``column`` is the Chinese header of the
cell to verify, ``value`` that cell as reported (``previous``: last year's), ``rule`` a stable code
of ``[screening.rules]``, ``severity`` 错误/警告/提示, ``message`` what looks wrong and what to verify.

Examples
--------
>>> from junheng_lib.data.dataset import load
>>> from junheng_lib.analysis import screening
>>> f = screening.screen(load())                         # doctest: +SKIP
>>> screening.summary(f, "白石县", 2024).text()          # doctest: +SKIP
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from junheng_lib.analysis.screen_base import (
    CFG,
    COUNTY_HEADERS,
    FINDING_COLUMNS,
    SEVERITIES,
)
from junheng_lib.analysis.screen_counties import screen_counties
from junheng_lib.analysis.screen_schools import screen, screen_tables
from junheng_lib.rules.codes import word, words

__all__ = ["FINDING_COLUMNS", "screen", "screen_tables", "screen_counties", "skipped_rules", "skipped_notes",
           "SKIPPED_COLUMNS", "YOY_RULES", "summary", "Summary", "describe", "display"]


# ---------------------------------------------------------------------------------------------- rules not run
#: the rules that compare a year with the one before, per table
YOY_RULES = {"schools": ("unit_wan", "unit_slip", "to_zero", "jump", "drop", "school_gone", "school_new", "id_changed",
                         "name_changed", "type_changed", "county_changed", "county_missing", "county_new"),
             "counties": ("unit_wan", "unit_slip", "to_zero", "jump", "drop")}
#: of these, the rules that still run for a county absent from last year's schools table (a county_new finding)
_COUNTY_LEVEL = ("county_missing", "county_new")
_TABLE_ZH = {"schools": "学校表", "counties": "县区表"}
SKIPPED_COLUMNS = ["year", "county", "table", "reason", "previous", "rules", "message"]


def skipped_rules(schools: pd.DataFrame, counties: pd.DataFrame | None = None, *, year=None,
                  county=None) -> pd.DataFrame:
    """The year-over-year rules that could not run, and why, per county-year and table.

    Year over year compares a year only with the year before (the same school or county in
    consecutive school years); a county-year whose previous year is not in the table is not compared.

    Returns
    -------
    DataFrame
        Columns :data:`SKIPPED_COLUMNS`: ``table`` ``schools`` or ``counties``; ``reason`` ``only``
        (the table has this one year), ``first`` (the earliest of the table's years), ``gap`` (the
        table has no row of the year before, but an earlier year: ``previous`` is that year) or
        ``absent`` (the table has the year before, but not for this county); ``rules`` the rule codes not run (a tuple); ``message`` a Chinese
        sentence for a report. Only county-years present in the table; ``year`` and ``county`` (one
        or a list) select rows. Empty when every rule ran.
    """
    rows = []
    for table, df in (("schools", schools), ("counties", counties)):
        if df is None or df.empty:
            continue
        cy = df[["year", "county"]].drop_duplicates()
        have = set(cy.itertuples(index=False, name=None))
        years = sorted({int(y) for y in cy["year"]})
        for y, c in sorted((int(a), b) for a, b in have):
            if (y - 1, c) in have:
                continue
            earlier = [a for a in years if a < y]
            rules = YOY_RULES[table]
            tz = _TABLE_ZH[table]
            if y - 1 in years:
                reason, prev_y = "absent", y - 1
                if table == "schools":
                    rules = tuple(r for r in rules if r not in _COUNTY_LEVEL)
                    why = f"{y - 1}学年学校表中没有该县(区)的学校"
                else:
                    why = f"县区表中没有该县(区){y - 1}学年的行"
            elif earlier:
                reason, prev_y = "gap", earlier[-1]
                why = f"{tz}中没有{y - 1}学年的数据(上一个有数据的学年为{prev_y}学年)，跨年比较只在相邻学年之间进行"
            elif len(years) == 1:
                reason, prev_y = "only", None
                why = f"{tz}只有{y}学年的数据，跨年比较需要相邻两个学年"
            else:
                reason, prev_y = "first", None
                why = f"{y}学年是{tz}中最早的学年，没有上一学年可比"
            labels = "、".join(rule_label(r) for r in rules)
            msg = f"{c}{y}学年{tz}的跨年比较（{labels}）未进行：{why}。"
            rows.append({"year": y, "county": c, "table": table, "reason": reason, "previous": prev_y,
                         "rules": rules, "message": msg})
    out = pd.DataFrame(rows, columns=SKIPPED_COLUMNS)
    if year is not None:
        out = out[out["year"] == int(year)]
    if county is not None:
        out = out[out["county"].isin([county] if isinstance(county, str) else list(county))]
    out["year"] = out["year"].astype("int64")
    return out.reset_index(drop=True)


def skipped_notes(skipped: pd.DataFrame, *, first: bool = False) -> list[str]:
    """Chinese lines (提示) for :func:`skipped_rules`, one per year, table and reason (the counties
    named when not every county of the year is concerned). The earliest of several years of a table
    (reason ``first``: nothing before it to compare with, as always) is left out unless ``first``."""
    out = []
    if skipped.empty:
        return out
    order = skipped.assign(_t=skipped["table"].map(list(_TABLE_ZH).index))
    for (y, _, reason), g in order.groupby(["year", "_t", "reason"], sort=True):
        table = g["table"].iloc[0]
        tz = _TABLE_ZH[table]
        codes = "、".join(g["rules"].iloc[0])
        names = "、".join(dict.fromkeys(g["county"]))
        if reason == "only":
            out.append(f"提示：{tz}只有{y}学年的数据，未进行{tz}的跨年比较规则({codes})：需要相邻两个学年的数据")
        elif reason == "first":
            if first:
                out.append(f"提示：{y}学年是{tz}中最早的学年，没有上一学年可比，未进行{tz}的跨年比较规则({codes})")
        elif reason == "gap":
            prev_y = int(g["previous"].iloc[0])
            out.append(f"提示：{tz}中没有{y - 1}学年的数据，{y}学年未进行{tz}的跨年比较规则({codes})："
                       f"跨年比较只在相邻学年之间进行，{y}学年的上一个有数据的学年为{prev_y}学年")
        elif table == "schools":
            out.append(f"提示：{y - 1}学年学校表中没有{names}的学校，{y}学年未进行这些县(区)逐校的跨年比较规则({codes})")
        else:
            out.append(f"提示：县区表中没有{names}{y - 1}学年的行，{y}学年未进行这些县(区)县区表的跨年比较规则({codes})")
    return out


# ---------------------------------------------------------------------------------------------- summaries
def rule_label(rule: str) -> str:
    """中文名 of a rule code."""
    return str(CFG["rules"][rule]["label"])


def counts(findings: pd.DataFrame) -> pd.DataFrame:
    """Counts by severity and rule: columns ``severity, rule, label, count`` in severity then rule order."""
    if findings.empty:
        return pd.DataFrame(columns=["severity", "rule", "label", "count"])
    c = findings.groupby(["severity", "rule"]).size().rename("count").reset_index()
    c["label"] = c["rule"].map(rule_label)
    c["_s"] = pd.Categorical(c["severity"], categories=SEVERITIES, ordered=True).codes
    c["_r"] = pd.Categorical(c["rule"], categories=list(CFG["rules"]), ordered=True).codes
    return c.sort_values(["_s", "_r"])[["severity", "rule", "label", "count"]].reset_index(drop=True)


def describe(findings: pd.DataFrame) -> str:
    """A short Chinese summary: totals by severity, then one line per rule."""
    if findings.empty:
        return "数据筛查：未发现需要核实的问题"
    by_sev = findings["severity"].value_counts()
    n_schools = findings.loc[findings["school_id"].astype(str) != "", "school_id"].nunique()
    n_county = int(((findings["school_id"].astype(str) == "") & findings["column"].isin(COUNTY_HEADERS)).sum())
    head = (f"数据筛查：共{len(findings)}条（" + "，".join(f"{word(s)}{int(by_sev.get(s, 0))}" for s in SEVERITIES)
            + (f"），涉及{n_schools}所学校" if n_schools or not n_county else "）")
            + (f"，县区表{n_county}条" if n_county else ""))
    lines = [f"  {word(r.severity)}  {r.label}({r.rule})：{r.count}" for r in counts(findings).itertuples()]
    return "\n".join([head, *lines])


@dataclass
class Summary:
    """Screening results of one county-year, for the 数据质量 section of a county report.

    ``by_rule``: severity, rule, label, count. ``schools``: one row per school to verify — school_id,
    school_name, severity (the worst), findings, columns (the Chinese headers concerned, 、-joined),
    in severity then school order. ``county_table``: the findings of the counties table (no school).
    """

    county: str
    year: int
    by_rule: pd.DataFrame
    schools: pd.DataFrame
    total: int
    county_table: int = 0

    def text(self) -> str:
        """One Chinese sentence for the report."""
        if self.total == 0:
            return f"{self.county}{self.year}学年数据经筛查未发现需要核实的问题。"
        sev = self.by_rule.groupby("severity")["count"].sum()
        parts = "、".join(f"{word(s)}{int(sev[s])}条" for s in SEVERITIES if s in sev)
        who = ([f"{len(self.schools)}所学校"] if len(self.schools) or not self.county_table else []) + (
            [f"县区表数据{self.county_table}条"] if self.county_table else [])
        return (f"{self.county}{self.year}学年数据经筛查共发现{self.total}条需核实的情况（{parts}），"
                f"涉及{'和'.join(who)}，请在使用本报告结论前逐条核实。")


def summary(findings: pd.DataFrame, county: str, year: int) -> Summary:
    """Counts by rule and the schools to verify, for one county and year of a findings table."""
    f = findings[(findings["county"] == county) & (findings["year"] == int(year))]
    by_school = f[f["school_id"].astype(str) != ""].copy()
    by_school["_s"] = pd.Categorical(by_school["severity"], categories=SEVERITIES, ordered=True).codes
    schools = (by_school.groupby(["school_id", "school_name"], sort=False)
               .agg(_s=("_s", "min"), findings=("rule", "size"),
                    columns=("column", lambda c: "、".join(dict.fromkeys(c))))
               .reset_index().sort_values(["_s", "school_id"], kind="stable"))
    schools.insert(2, "severity", np.asarray(SEVERITIES, dtype=object)[schools["_s"].to_numpy()] if len(schools)
                   else pd.Series(dtype=object))
    schools = schools.drop(columns="_s").reset_index(drop=True)
    n_county = int(((f["school_id"].astype(str) == "") & f["column"].isin(COUNTY_HEADERS)).sum())
    return Summary(county, int(year), counts(f), schools, len(f), n_county)


def display(findings: pd.DataFrame) -> pd.DataFrame:
    """The findings as the ``check`` CSV shows them: ``severity`` in words (错误/警告/提示), and
    ``value``/``previous`` as text (whole numbers without decimals)."""
    out = findings.copy()
    out["severity"] = words(out["severity"])
    for c in ("value", "previous"):
        v = out[c]
        num = pd.to_numeric(v.where(v.map(lambda x: isinstance(x, (int, float, np.number)) and not isinstance(x, bool))),
                            errors="coerce")
        text = num.map(lambda a: "" if not np.isfinite(a) else (f"{a:.0f}" if float(a).is_integer()
                                                                  else f"{a:.4f}".rstrip("0").rstrip(".")))
        out[c] = np.where(num.notna(), text, v.fillna("").astype(str))
    return out
