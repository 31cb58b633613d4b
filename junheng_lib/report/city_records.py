"""The city roll-up's blocks on the working records (working-records.md §5–§6): projects and money
summed by county, and the counties ranked by aid coverage and open 控辍保学 cases.

:class:`CityRecordsBlocks` is a mixin of :class:`junheng_lib.report.city.CityReport`; it reads the
counties' ``results["records"]`` through :mod:`junheng_lib.analysis.records_city` and formats.
"""
from __future__ import annotations

from junheng_lib.analysis.records_city import TOTAL, city_groups, city_projects
from junheng_lib.render.blocks import Text
from junheng_lib.render.table import Column, Table
from junheng_lib.report.records_text import money, pct

__all__ = ["CityRecordsBlocks"]


class CityRecordsBlocks:
    """Blocks of the roll-up's section 项目建设、学生资助与控辍保学."""

    def records_text(self) -> list:
        p = city_projects(self.results, self.order())
        g = city_groups(self.results, self.order())
        out = []
        if len(p):
            t = p[p["county"] == TOTAL].iloc[0]
            out.append(Text(f"{len(p) - 1}个县(区)填报了项目表：共实施项目{t['projects']:,.0f}个，开工率{pct(t['started_share'])}，"
                            f"竣工率{pct(t['completed_share'])}；规划投入资金{money(t['planned_10k_yuan'])}万元，累计投入"
                            f"{money(t['invested_10k_yuan'])}万元（中央{money(t['invested_central'])}万元、省级"
                            f"{money(t['invested_province'])}万元、市级{money(t['invested_city'])}万元、县级"
                            f"{money(t['invested_county'])}万元），资金到位率{pct(t['invested_share'])}。"))
        else:
            out.append(Text("各县(区)均未提供项目表。"))
        if len(g):
            c = g[g["county"] != TOTAL]
            short = c[c["aid_covered"].eq(False)]["county"].tolist()
            opened = c[c["open_cases"].fillna(0) > 0]["county"].tolist()
            out.append(Text(f"{len(c)}个县(区)填报了特殊群体表。"
                            + (f"学生资助未全覆盖的县(区)：{'、'.join(short)}。" if short else "各县(区)学生资助均已全覆盖。")
                            + (f"仍有辍学学生未劝返复学的县(区)：{'、'.join(opened)}。" if opened
                               else "各县(区)辍学学生均已劝返复学或销号。")))
        else:
            out.append(Text("各县(区)均未提供特殊群体表。"))
        return out

    def records_projects_table(self) -> Table | None:
        p = city_projects(self.results, self.order())
        if p.empty:
            return None
        return Table("各县(区)项目建设与资金投入", p, [
            Column("county", "县(区)"), Column("projects", "项目数", "个", "int"),
            Column("started_share", "开工率", kind="pct", decimals=1), Column("completed_share", "竣工率", kind="pct", decimals=1),
            Column("planned_10k_yuan", "规划投入", "万元", "float", 2), Column("invested_10k_yuan", "累计投入", "万元", "float", 2),
            Column("invested_central", "中央", "万元", "float", 2), Column("invested_province", "省级", "万元", "float", 2),
            Column("invested_city", "市级", "万元", "float", 2), Column("invested_county", "县级", "万元", "float", 2),
            Column("invested_share", "资金到位率", kind="pct", decimals=1), Column("completed_area_m2", "竣工面积", "㎡", "int")],
            landscape=True, note="只含填报了项目表的县(区)；全市合计的比率按合计数计算。")

    def records_groups_table(self) -> Table | None:
        g = city_groups(self.results, self.order())
        if g.empty:
            return None
        g = g.assign(covered=[("—" if v is None else ("全覆盖" if v else "未全覆盖")) for v in g["aid_covered"]])
        return Table("各县(区)学生资助与控辍保学（按资助覆盖率、未劝返人数排序）", g, [
            Column("rank", "排序", kind="int", missing=""), Column("county", "县(区)"),
            Column("eligible", "应资助", "人", "int"), Column("aided", "受资助", "人", "int"),
            Column("aid_coverage", "资助覆盖率", kind="pct", decimals=1), Column("covered", "覆盖情况"),
            Column("dropout", "辍学", "人", "int"), Column("returned", "劝返复学", "人", "int"),
            Column("return_rate", "劝返率", kind="pct", decimals=1), Column("open_cases", "未劝返", "人", "int"),
            Column("left_behind", "留守儿童", "人", "int"), Column("migrant", "随迁子女", "人", "int"),
            Column("disabled", "残疾儿童少年", "人", "int")], landscape=True,
            note="资助覆盖率低的县(区)排在前面，覆盖率相同时未劝返人数多的在前。")
