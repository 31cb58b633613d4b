"""HTML of the report tables: :func:`table_html` renders a :class:`~junheng_lib.render.table.Table`
(the notebook shows it; the HTML report is the executed notebook converted by
:mod:`junheng_lib.render.page`), with the style rules of :data:`TABLE_CSS` for screen and A4 print.
"""
from __future__ import annotations

import html as _html

import numpy as np

from junheng_lib.render.table import Table, text_width

__all__ = ["table_html", "TABLE_CSS", "HTML_MAX_SPAN"]

#: HTML: a 学段 group of more rows is not merged but shown on every row (a printed page breaks only
#: between spans: one cell over 41 schools pushes the group to a page of its own, its header left behind)
HTML_MAX_SPAN = 12
#: HTML: texts up to this width (half-width characters; CJK counts 2) never wrap, and a longer text
#: column is at least as wide as most of its cells, up to HTML_TEXT_MIN
HTML_NOWRAP, HTML_TEXT_MIN = 8, 16

#: style of the report tables in HTML (overrides JupyterLab's right-aligned cells; prints on A4)
TABLE_CSS = """<style>
table.jh-table{border-collapse:collapse;margin:0.4em 0 0.2em;font-size:0.92em;page-break-inside:auto}
table.jh-table caption{caption-side:top;font-weight:bold;padding:0.3em 0;text-align:center}
.jp-RenderedHTMLCommon table.jh-table td,.jp-RenderedHTMLCommon table.jh-table th,
table.jh-table td,table.jh-table th{border:1px solid #9a9a9a;padding:2px 6px;text-align:left;vertical-align:middle}
.jp-RenderedHTMLCommon table.jh-table thead th,table.jh-table thead th{background:#ddebf7;text-align:center;min-width:var(--jh-w,2em)}
.jp-RenderedHTMLCommon table.jh-table td.num,table.jh-table td.num{text-align:right;white-space:nowrap;
font-variant-numeric:tabular-nums}
.jp-RenderedHTMLCommon table.jh-table th.grp,table.jh-table th.grp{text-align:center;white-space:nowrap;background:#f7f7f7}
table.jh-table td.nw{white-space:nowrap}
table.jh-table td.fail{background:#f8cbad;color:#9c0006}
table.jh-table tr{page-break-inside:avoid}
.jp-OutputArea-child:has(.jp-RenderedImage){break-after:avoid-page;page-break-after:avoid}
.jp-RenderedImage img{break-inside:avoid}
table.jh-table thead{display:table-header-group}
@page{size:A4;margin:18mm 16mm 18mm 16mm;@bottom-center{content:"— " counter(page) " —";font-size:10pt}}
@media print{img{max-width:100%;max-height:125mm;object-fit:contain}h2{break-after:avoid}
table.jh-table{font-size:7.5pt;line-height:1.2;margin:0.2em 0}
table.jh-table caption{padding:0.1em 0}
.jp-RenderedHTMLCommon table.jh-table td,.jp-RenderedHTMLCommon table.jh-table th,
table.jh-table td,table.jh-table th{padding:0 3px}
div.jh-wide table.jh-table{font-size:6.5pt}
div.jh-wide table.jh-table thead th{min-width:calc(var(--jh-w,4em) / 2)}
.jp-OutputArea-output{padding-top:0;padding-bottom:0;overflow:visible}
.jp-RenderedHTMLCommon p,.jp-RenderedMarkdown p{margin-top:0.25em;margin-bottom:0.25em}}
p.jh-note{font-size:0.85em;color:#595959;margin:0.1em 0 0.8em}
</style>"""


# ------------------------------------------------------------------ HTML
def table_html(table: Table, number: int | None = None, *, css: bool = True) -> str:
    """An HTML ``<table>`` with a caption; numbers right-aligned, every row (with the style
    rules of :data:`TABLE_CSS` unless ``css`` is False)."""
    cap = f"表{number}　{table.title}" if number else table.title
    out = [TABLE_CSS if css else "", '<div class="jh-wide">' if table.landscape else "",
           f'<table class="jh-table"><caption>{_html.escape(cap)}</caption><thead><tr>']
    rows = table.text_rows()
    # texts keep a readable line: a short text (学段, 结论, a level) never wraps, a longer one
    # (a school's name, a list) is at least as wide as most of its cells up to 8 characters
    tw = [0 if c.numeric else max(int(np.percentile([text_width(r[j]) for r in rows] or [0], 90)), c.room)
          for j, c in enumerate(table.columns)]
    short = [not c.numeric and 0 < w <= HTML_NOWRAP for c, w in zip(table.columns, tw)]
    heads = [f' style="--jh-w:{min(w, HTML_TEXT_MIN) / 2:g}em"' if w > HTML_NOWRAP or c.room else ""
             for c, w in zip(table.columns, tw)]
    out += [f'<th scope="col"{a}>{_html.escape(h)}</th>' for h, a in zip(table.headers, heads)]
    out.append("</tr></thead><tbody>")
    spans = table.spans(HTML_MAX_SPAN)
    for i, row in enumerate(rows):
        out.append("<tr>")
        for j, (c, txt) in enumerate(zip(table.columns, row)):
            if c.key == table.merge:
                if spans[i] == 0:
                    continue
                rs = f' rowspan="{spans[i]}"' if spans[i] > 1 else ""
                out.append(f'<th scope="row" class="grp"{rs}>{_html.escape(txt)}</th>')
                continue
            cls = ["num"] if c.numeric else ["nw"] if short[j] else []
            if table.flagged(i, c.key):
                cls.append("fail")
            attr = f' class="{" ".join(cls)}"' if cls else ""
            out.append(f"<td{attr}>{_html.escape(txt)}</td>")
        out.append("</tr>")
    out.append("</tbody></table>")
    if table.note:
        out.append(f'<p class="jh-note">{_html.escape(table.note)}</p>')
    if table.landscape:
        out.append("</div>")
    return "".join(out)
