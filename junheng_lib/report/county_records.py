"""The county report's blocks on the bureau's working records (working-records.md §5–§7): 项目建设与资金
投入, 学生资助、特殊群体与控辍保学, and the annex 上年整改台账落实情况.

:class:`RecordsBlocks` is a mixin of :class:`junheng_lib.report.county.CountyReport`: it reads the
report's ``ev`` (``projects_summary``, ``projects_by_kind``, ``groups_summary``, ``ledger_status``,
``records``) and formats; a table not provided gives the section "未提供", never a guessed value.
"""
from __future__ import annotations

import pandas as pd

from junheng_lib.render.blocks import Text
from junheng_lib.render.table import Column, Table
from junheng_lib.report.records_text import (
    groups_texts,
    ledger_years_text,
    level_word,
    projects_text,
)
from junheng_lib.rules.codes import LedgerStatus
from junheng_lib.rules.indicators import RULES

__all__ = ["RecordsBlocks"]

_T = RULES["records"]["text"]


class RecordsBlocks:
    """Blocks of the working-records section and the ledger annex."""

    # ------------------------------------------------------------------ 项目建设与资金投入
    def projects_text(self) -> list:
        head = Text("（一）项目建设与资金投入", bold=True)
        if not self.ev.records.get("projects"):
            return [head, Text(_T["projects_missing"])]
        s = self.ev.projects_summary
        if s.empty:
            return [head, Text(f"项目表中没有本县(区){self.year}学年的项目。")]
        return [head, Text(projects_text(s.iloc[0], self.county))]

    def projects_table(self) -> Table | None:
        k = self.ev.projects_by_kind
        if not self.ev.records.get("projects") or k.empty:
            return None
        s = self.ev.projects_summary.assign(kind="合计")
        d = pd.concat([k, s[k.columns]], ignore_index=True)
        lv = level_word(self.county)
        return Table("项目建设与资金投入", d, [
            Column("kind", "项目类别"), Column("projects", "项目数", "个", "int"), Column("started", "已开工", "个", "int"),
            Column("completed", "已竣工", "个", "int"), Column("planned_10k_yuan", "规划投入", "万元", "float", 2),
            Column("invested_10k_yuan", "累计投入", "万元", "float", 2), Column("invested_central", "中央", "万元", "float", 2),
            Column("invested_province", "省级", "万元", "float", 2), Column("invested_city", "市级", "万元", "float", 2),
            Column("invested_county", lv, "万元", "float", 2), Column("invested_share", "资金到位率", kind="pct", decimals=1),
            Column("completed_area_m2", "竣工面积", "㎡", "int")], landscape=True,
            note="开工含在建和已竣工(完成)项目；资金为截至本学年的累计投入；资金到位率 = 累计投入 ÷ 规划投入。")

    # ------------------------------------------------------------------ 学生资助、特殊群体与控辍保学
    def groups_text(self) -> list:
        head = Text("（二）学生资助、特殊群体与控辍保学", bold=True)
        if not self.ev.records.get("groups"):
            return [head, Text(_T["groups_missing"])]
        g = self.ev.groups_summary
        if g.empty:
            return [head, Text(f"特殊群体表中没有本县(区){self.year}学年的数据。")]
        return [head, *(Text(t) for t in groups_texts(g.iloc[0], self.county))]

    def groups_table(self) -> Table | None:
        g = self.ev.groups_summary
        if not self.ev.records.get("groups") or g.empty:
            return None
        r = g.iloc[0]
        rows = [("家庭经济困难学生(应资助)", r["eligible"], "人"), ("受资助学生", r["aided"], "人"),
                ("资助覆盖率", r["aid_coverage"], "%"), ("资助金额", r["aid_10k_yuan"], "万元"),
                ("疑似辍学", r["dropout_suspected"], "人"), ("辍学", r["dropout"], "人"),
                ("劝返复学", r["returned"], "人"), ("劝返率", r["return_rate"], "%"), ("销号", r["closed"], "人"),
                ("未劝返(在案)", r["open_cases"], "人"), ("留守儿童", r["left_behind"], "人"),
                ("随迁子女", r["migrant"], "人"), ("其中在公办学校就读", r["migrant_public"], "人"),
                ("残疾儿童少年", r["disabled"], "人"), ("其中已入学", r["disabled_enrolled"], "人")]

        def text(v, unit):
            if pd.isna(v):
                return "未提供"
            return f"{float(v) * 100:.1f}%" if unit == "%" else (f"{float(v):,.2f}".rstrip("0").rstrip(".")
                                                                  if unit == "万元" else f"{float(v):,.0f}")
        d = pd.DataFrame({"item": [a for a, _, _ in rows], "unit": [u if u != "%" else "" for _, _, u in rows],
                          "value": [text(v, u) for _, v, u in rows]})
        return Table("学生资助、特殊群体与控辍保学", d, [Column("item", "项目"), Column("value", "数值"),
                                                 Column("unit", "单位", missing="")],
                     note="资助覆盖率 = 受资助学生 ÷ 应资助学生；劝返率 = 劝返复学 ÷ 辍学；未劝返 = 辍学 − 劝返复学 − 销号。")

    # ------------------------------------------------------------------ 附表：上年整改台账落实情况
    def ledger_years_text(self) -> list:
        if not self.ev.records.get("prior_ledger"):
            return [Text("未提供上年整改台账（junheng report --ledger 上年县(区)工作簿.xlsx），本附表从略；"
                         "本学年整改台账见上一附表，填写完成时限、责任人后，明年生成报告时即可逐项核对整改情况。")]
        st = self.ev.ledger_status
        if st.empty:
            return [Text("上年整改台账与本学年整改台账均无项目。")]
        return [Text(t) for t in ledger_years_text(st, int(st["prior_year"].iloc[0]))]

    def ledger_years_table(self) -> Table | None:
        st = self.ev.ledger_status
        if not self.ev.records.get("prior_ledger") or st.empty:
            return None
        d = st.assign(where=[n if n else "全县" for n in st["school_name"].fillna("")],
                      note=st["note"].fillna(""))
        flags = pd.DataFrame({"status": st["status"].eq(LedgerStatus.OVERDUE) | st["closed_by_hand"].astype(bool)})
        return Table("上年整改台账落实情况", d, [
            Column("status", "整改状态", kind="status"), Column("where", "学校"), Column("stage", "学段", missing=""),
            Column("problem", "问题"), Column("deadline", "完成时限", missing=""), Column("responsible", "责任人", missing=""),
            Column("progress", "整改情况(上年填写)", missing=""), Column("note", "说明", missing="")],
            flags=flags, landscape=True,
            note="已整改：本学年该项已达到标准；逾期：仍未达标且已过完成时限；整改中：仍未达标、未过完成时限；"
                 "新增：本学年新出现的问题。完成时限、责任人、整改情况为上年台账中填写的内容。")
