"""A report in a notebook: each section's heading, paragraphs, tables (表N) and charts (图N).

:func:`show` is the one display loop of the county report and the city roll-up alike: a report
(:class:`junheng_lib.report.base.Report`) gives the blocks of a section, and each block is shown
through its notebook view (``_repr_html_`` for tables, Markdown for text, PNG for charts). Tables
and charts are numbered in the order they are shown, as the Word file numbers them.
"""
from __future__ import annotations

import html

from IPython.display import Image, Markdown, display

from junheng_lib.render.blocks import Chart, Text
from junheng_lib.render.html import table_html
from junheng_lib.render.table import Table

__all__ = ["show", "show_block", "md", "TableView", "CHART_WIDTH"]

#: pixels a chart is shown wide in the notebook (and in the HTML report made from it)
CHART_WIDTH = 760


def md(text: str, heading: int = 0) -> Markdown:
    """Generated text as a Markdown display object, HTML-escaped (names such as ``<script>`` are shown,
    never run)."""
    body = html.escape(str(text), quote=False).replace("*", "\\*").replace("_", "\\_")
    return Markdown(("#" * heading + " " if heading else "") + body)


class TableView:
    """A table as the notebook shows it (``_repr_html_``): caption 表N, every row, flagged cells."""

    def __init__(self, table: Table, number: int | None = None):
        self.table, self.number = table, number

    def _repr_html_(self) -> str:
        return table_html(self.table, self.number)

    def __repr__(self) -> str:
        return repr(self.table)


def show_block(block, number: int | None = None) -> None:
    """Display one block as a report shows it (a table with its caption, a chart, a paragraph)."""
    if isinstance(block, Text):
        display(md(block.text, heading=block.heading))
    elif isinstance(block, Table):
        display(TableView(block, number))
    elif isinstance(block, Chart):
        display(Image(data=block.png(), format="png", width=CHART_WIDTH))
        display(md(f"图{number}　{block.title}" if number else block.title))
    else:
        display(block)


def show(report, key: str) -> None:
    """Display one section of ``report`` (nothing when the report has no such section, e.g. a
    county without a school in scope): its heading, then its blocks in order."""
    sec = report.section(key)
    if sec is None:
        return
    numbers = report.numbering
    if sec.title:
        display(md(sec.title, heading=sec.level))
    for b in report.blocks(sec):
        kind = "table" if isinstance(b, Table) else "chart" if isinstance(b, Chart) else None
        if kind:
            numbers[kind] += 1
        show_block(b, numbers[kind] if kind else None)
