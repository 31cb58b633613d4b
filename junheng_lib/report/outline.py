"""The county report's outline, declared once: sections, and the blocks each shows, in order.

Each block names a method of :class:`junheng_lib.report.county.CountyReport` that returns a
paragraph (``Text``), a table (:class:`junheng_lib.render.table.Table`), a chart (``Chart``), a list of
them, or None (nothing to show). The notebook displays a section with ``rep.show(key)``; the Word
writer walks the same list — so a new section is one entry here (plus its method and its test).
Sections marked ``short`` make up the short report of a county without a school in scope.
"""
from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Section", "SECTIONS", "section"]


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    blocks: tuple[str, ...]
    level: int = 2
    short: bool = False


SECTIONS: tuple[Section, ...] = (
    Section("title", "", ("title_block",), short=True),
    Section("header", "", ("header",), short=True),
    Section("conclusion", "总体结论", ("conclusion",)),
    Section("overview", "一、基本情况",
            ("overview_text", "overview_table", "school_mix_table", "scope_table", "end_text"), short=True),
    Section("basic", "二、基本均衡（四项条件与8项指标）",
            ("conditions_text", "conditions_table", "basic_standard_text", "basic_standard_table",
             "basic_rule", "basic_table", "basic_text", "cv_chart", "contribution_table")),
    Section("quality", "三、优质均衡（资源配置7项指标）",
            ("quality_rule", "quality_table", "verdict_table", "quality_text", "heatmaps", "compliance_table",
             "shortfall_text", "shortfall_table")),
    Section("size", "四、规模与班额",
            ("size_text", "bands_table", "band_chart", "reconciliation_table", "oversize_table", "rooms_rule",
             "rooms_table")),
    Section("staffing", "五、师资配置", ("staffing_text", "staffing_table", "staff_posts_text", "staff_posts_table")),
    Section("gap", "六、城乡差距", ("gap_text", "gap_table", "gap_chart")),
    Section("items", "七、政府保障程度、教育质量、社会认可度与经费“三个增长”",
            ("items_text", "items_table", "growth_table", "finance_text", "finance_table", "rates_text")),
    Section("trend", "八、差异系数趋势与预警",
            ("warning_rule", "trend_text", "trend_table", "trend_chart", "warning_table")),
    Section("outlook", "九、预警与展望（在校生预测）",
            ("outlook_text", "outlook_table", "outlook_chart", "outlook_warning_table", "outlook_cv_table")),
    Section("data_quality", "十、数据质量",
            ("data_quality_text", "data_quality_rule_table", "data_quality_school_table",
             "data_quality_findings_table")),
    Section("records", "十一、项目建设、学生资助与控辍保学",
            ("projects_text", "projects_table", "groups_text", "groups_table")),
    Section("problems", "十二、存在问题与下一步建议", ("problem_texts",)),
    Section("appendix", "附表：各校指标值", ("appendix_table",)),
    Section("ledger", "附表：整改台账", ("ledger_table",)),
    Section("ledger_years", "附表：上年整改台账落实情况", ("ledger_years_text", "ledger_years_table")),
    Section("provenance", "说明", ("provenance",), short=True),
)


def section(key: str) -> Section:
    """The section of that key."""
    for s in SECTIONS:
        if s.key == key:
            return s
    raise KeyError(key)


# ---------------------------------------------------------------------------------------------- city roll-up
#: The city roll-up's outline: blocks are methods of :class:`junheng_lib.report.city.CityReport`
#: (``city.show(key)`` in notebooks/city_rollup.ipynb; the Word writer walks the same list).
CITY_SECTIONS: tuple[Section, ...] = (
    Section("title", "", ("title_block",)),
    Section("header", "", ("headline",)),
    Section("overview", "一、基本情况", ("totals_text", "totals_table")),
    Section("ranking", "二、各县(区)对比与排名", ("groups_table", "ranking_rule", "summary_table", "cv_chart", "grid_chart")),
    Section("readiness", "三、优质均衡准备情况", ("grade_table", "readiness_table", "gap_texts")),
    Section("risk", "四、差异系数预警", ("risk_rule", "warning_table")),
    Section("shortfall", "五、全市差额与整改投入", ("shortfall_text", "shortfall_table", "ledger_summary")),
    Section("trend", "六、综合差异系数趋势", ("trend_table",)),
    Section("outlook", "七、预计出现风险的县(区)", ("projected_risk_table",)),
    Section("records", "八、项目建设、学生资助与控辍保学",
            ("records_text", "records_projects_table", "records_groups_table")),
    Section("problems", "九、存在问题与建议", ("problem_texts",)),
    Section("provenance", "说明", ("provenance",)),
)


def city_section(key: str) -> Section:
    """The roll-up's section of that key."""
    for s in CITY_SECTIONS:
        if s.key == key:
            return s
    raise KeyError(key)

__all__ += ["CITY_SECTIONS", "city_section"]
