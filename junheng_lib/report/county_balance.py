"""The county report's blocks of the bureau's working records (working-records.md §1–§4): 基本均衡's
four conditions and the schools below the 省定办学基本标准 (in 二、基本均衡), staff posts on the 编制
basis (in 五、师资配置), money over years and the counties table's rates (in 七).

:class:`BalanceBlocks` is a mixin of :class:`junheng_lib.report.county.CountyReport`: its methods read
the report's ``ev``; they format, never compute an indicator or decide a verdict.
"""
from __future__ import annotations

import pandas as pd

from junheng_lib.render.blocks import Text
from junheng_lib.render.table import Column, Table
from junheng_lib.report.balance_text import (
    conditions_sentence,
    finance_text,
    rates_text,
    ratio_text,
    staff_text,
    standard_text,
)
from junheng_lib.report.county_shared import _STAGE
from junheng_lib.rules.codes import Status

__all__ = ["BalanceBlocks"]


class BalanceBlocks:
    """Blocks of §1–§4 of the working records (a mixin of ``CountyReport``)."""

    # ------------------------------------------------------------------ 二、基本均衡: four conditions
    def conditions_text(self) -> Text:
        return Text(conditions_sentence(self.ev.basic_conditions, self.ev.basic_verdict) + "。")

    def conditions_table(self) -> Table:
        c = self.ev.basic_conditions
        return Table("基本均衡认定条件", c, [Column("name", "条件"), Column("value", "实际"),
                                              Column("status", "结论", kind="status"), Column("note", "说明", missing="")],
                     flags=pd.DataFrame({"status": c["status"].eq(Status.FAIL)}))

    def basic_standard_text(self) -> Text:
        return Text(standard_text(self.ev.standard, self.ev.basic_standard_schools, self.ev.basic_standard))

    def basic_standard_table(self) -> Table | None:
        """The school × stages below the 办学基本标准, with the items they miss (value against standard)."""
        sch = self.ev.basic_standard_schools
        if sch is None or sch.empty or sch["passed"].astype(bool).all():
            return None
        bad = sch[~sch["passed"].astype(bool)]
        it = self.ev.basic_standard
        miss = it[~it["met"].astype(bool)]
        text = {}
        for (sid, st), g in miss.groupby(["school_id", "stage"], sort=False):
            text[(sid, st)] = "；".join(
                f"{r.label}{'—' if pd.isna(r.value) else f'{r.value:,.2f}'}（标准{r.standard:g}）" for r in g.itertuples())
        d = bad.assign(detail=[text.get((s, t), "") for s, t in zip(bad["school_id"], bad["stage"])],
                       count=[f"{m}/{n}" for m, n in zip(bad["met"], bad["items"])])
        return Table("未达到省定办学基本标准的学校", d,
                     [_STAGE, Column("school_name", "学校"), Column("count", "达标项数/项数"),
                      Column("detail", "未达标项目（实际值与标准）")], merge="stage", landscape=True)

    # ------------------------------------------------------------------ 五、师资配置: 编制
    def staff_posts_text(self) -> Text | None:
        t = staff_text(self.ev.staff_posts_county)
        return Text(t) if t else None

    def staff_posts_table(self) -> Table | None:
        c = self.ev.staff_posts_county
        if c.empty:
            return None
        d = c.assign(ratio=c["students_per_staff"].map(ratio_text),
                     std=c["staffing_standard"].map(lambda v: f"1:{v:g}"))
        return Table("教职工编制（按编制标准）", d,
                     [_STAGE, Column("basis", "口径"), Column("students", "在校生", "人", "int"),
                      Column("staff", "教职工", "人", "int"), Column("ratio", "师生比"), Column("std", "编制标准"),
                      Column("posts_needed", "按标准需编制", "个", "int"), Column("staff_short", "缺编", "人", "int"),
                      Column("staff_over", "超编", "人", "int"), Column("posts", "核定编制", "个", "int"),
                      Column("small_schools", "小规模学校", "所", "int"),
                      Column("small_schools_short", "班师比不足", "所", "int")],
                     note="编制按全部公办县属学校（含教学点）测算，学校范围与上表（基本均衡计算范围）不同；缺编、超编为各校"
                          "按编制标准测算后相加（一校超编不抵另一校缺编）；口径为“专任教师”时未提供教职工数，不是编制口径。"
                          "核定编制为全县各校之和（不分学段）。")

    # ------------------------------------------------------------------ 七、经费 over years, rates
    def finance_text(self) -> Text:
        return Text(finance_text(self.ev.finance_years, self.year))

    def finance_table(self) -> Table | None:
        f = self.ev.finance_years
        if f.empty:
            return None
        return Table("教育经费逐年情况", f,
                     [Column("year", "年度"), Column("edu_appropriation", "教育财政拨款", "万元", "float", 2),
                      Column("appropriation_growth", "拨款增长", kind="pct", decimals=1),
                      Column("revenue_growth", "经常性收入增长", kind="pct", decimals=1),
                      Column("growths", "三个增长", kind="status"),
                      Column("consecutive", "连续三年", kind="status"),
                      Column("two_kept", "两个只增不减", kind="status"),
                      Column("gap_10k_yuan", "拨款缺口", "万元", "float", 2)],
                     flags=pd.DataFrame({"growths": f["growths"].eq(Status.FAIL),
                                         "two_kept": f["two_kept"].eq(Status.FAIL)}))

    def rates_text(self) -> Text:
        return Text(rates_text(self.ev.county_rates))
