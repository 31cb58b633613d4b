"""A :class:`~junheng_lib.render.table.Table` as WordprocessingML: cells, merged cells, borders and
the column widths that fit the page."""
from __future__ import annotations

import numpy as np

from junheng_lib.render.docx_styles import para_xml, xml_text
from junheng_lib.render.table import Table, text_width

# ---------------------------------------------------------------------------------------------- tables
#: style ids of the table's paragraphs (those of junheng's Word template; see junheng_lib.render.docx.STYLES)
DOCX_STYLES = {"caption": "Caption", "cell": "JhTableText", "number": "JhTableNumber", "center": "JhTableCenter",
               "header": "JhTableHeader", "note": "JhTableNote"}
_TWIPS_PER_CM = 567
_BORDERS = "".join(f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
                   for side in ("top", "left", "bottom", "right", "insideH", "insideV"))


def table_docx(table: Table, *, number: int | None = None, width_cm: float = 15.6, size_pt: float = 10.5,
            styles: dict | None = None) -> str:
    """The table as WordprocessingML (``w:`` elements, the namespace declared by the caller): the
    caption 表N above, the table — header row repeated on every page, rows never split across pages,
    columns sized to their text within ``width_cm``, numbers right-aligned and never wrapped, the
    merge column merged, flagged cells shaded — and the note below.

    Faces, sizes and alignment come from the document's paragraph styles (``styles``: role → style
    id; ``size_pt`` is the table style's size, used to fit the columns), so a cell carries no run
    formatting: a county's thousands of cells are one string, parsed once.
    """
    ids = {**DOCX_STYLES, **(styles or {})}
    out = []
    cap = f"表{number}　{table.title}" if number else table.title
    out.append(para_xml(cap, ids["caption"], keep_next=True))
    widths = [max(1, round(x * _TWIPS_PER_CM)) for x in fit_widths(table, width_cm, size_pt)]
    out.append(f'<w:tbl><w:tblPr><w:tblW w:w="{sum(widths)}" w:type="dxa"/><w:jc w:val="center"/>'
               f'<w:tblBorders>{_BORDERS}</w:tblBorders><w:tblLayout w:type="fixed"/>'
               '<w:tblCellMar><w:left w:w="45" w:type="dxa"/><w:right w:w="45" w:type="dxa"/></w:tblCellMar>'
               '<w:tblLook w:val="0000" w:firstRow="0" w:lastRow="0" w:firstColumn="0" w:lastColumn="0" '
               'w:noHBand="1" w:noVBand="1"/></w:tblPr><w:tblGrid>')
    out += [f'<w:gridCol w:w="{w}"/>' for w in widths]
    out.append("</w:tblGrid>")

    def p(text: str, style: str, keep: bool = False) -> str:
        run = f'<w:r><w:t xml:space="preserve">{xml_text(text)}</w:t></w:r>' if text else ""
        kn = "<w:keepNext/>" if keep else ""
        return f'<w:p><w:pPr><w:pStyle w:val="{style}"/>{kn}</w:pPr>{run}</w:p>'

    tc = [f'<w:tc><w:tcPr><w:tcW w:w="{w}" w:type="dxa"/>' for w in widths]
    # header row: repeated on every page, shaded
    out.append("<w:tr><w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>")
    out += [f'{tc[j]}<w:shd w:val="clear" w:color="auto" w:fill="DDEBF7"/><w:vAlign w:val="center"/></w:tcPr>'
            f'{p(h, ids["header"])}</w:tc>' for j, h in enumerate(table.headers)]
    out.append("</w:tr>")
    spans = table.spans()
    flags = table.flags
    flag_cols = {} if flags is None else {c.key: flags[c.key].to_numpy(dtype=bool) for c in table.columns
                                          if c.key in flags.columns}
    kinds = [("merge" if c.key == table.merge else "number" if c.numeric else "cell") for c in table.columns]
    number_ = ids["number"]
    rows = table.text_rows()
    for i, row in enumerate(rows):
        out.append("<w:tr><w:trPr><w:cantSplit/></w:trPr>")
        keep = bool(table.note) and i == len(rows) - 1     # the note never starts a page on its own
        for j, (c, txt) in enumerate(zip(table.columns, row)):
            kind = kinds[j]
            shade = '<w:shd w:val="clear" w:color="auto" w:fill="F8CBAD"/>' if (
                c.key in flag_cols and flag_cols[c.key][i]) else ""
            if kind == "merge":
                if spans[i] == 0:
                    out.append(f'{tc[j]}<w:vMerge/>{shade}<w:vAlign w:val="center"/></w:tcPr><w:p/></w:tc>')
                    continue
                vm = '<w:vMerge w:val="restart"/>' if spans[i] > 1 else ""
                out.append(f'{tc[j]}{vm}{shade}<w:vAlign w:val="center"/></w:tcPr>{p(txt, ids["center"], keep)}</w:tc>')
            elif kind == "number":
                out.append(f'{tc[j]}{shade}<w:noWrap/></w:tcPr>{p(txt, number_, keep)}</w:tc>')
            else:
                out.append(f'{tc[j]}{shade}</w:tcPr>{p(txt, ids["cell"], keep)}</w:tc>')
        out.append("</w:tr>")
    out.append("</w:tbl>")
    if table.note:
        out.append(p(table.note, ids["note"]))
    return "".join(out)


#: the narrowest a long text column (names, lists, 说明) is set, in half-width characters: 6 CJK
#: characters a line, so a list such as 未达标指标 never goes one or two characters a line
LONG_TEXT_MIN = 12


def natural_width_cm(table: Table, size_pt: float) -> float:
    """The width (cm) the table needs to show its numbers unbroken and its long texts at least
    :data:`LONG_TEXT_MIN` wide: a table wider than its page goes on a landscape page instead.

    >>> import pandas as pd
    >>> from junheng_lib.render.table import Column
    >>> t = Table("t", pd.DataFrame({"n": [1234567.0] * 12}), [Column("n", "数", kind="int")] * 12)
    >>> 15.6 < natural_width_cm(t, 10.5) < 24.6
    True
    """
    return sum(_base_widths(table, size_pt)[0])


def _base_widths(table: Table, size_pt: float):
    unit = size_pt * 0.0353 * 0.53      # cm per half-width character (a CJK character counts 2)
    pad = 0.22                           # cell margins (0.08 cm a side, see to_docx) and borders
    rows = table.text_rows()
    # texts: the width most rows need (90th percentile), so a few long cells wrap instead of widening;
    # a short text column (学段, 结论: every cell within LONG_TEXT_MIN) as wide as its widest cell
    cells = [[text_width(r[j]) for r in rows] or [0] for j in range(len(table.columns))]
    data_w = [max(max(w) if c.numeric or max(w) <= LONG_TEXT_MIN else int(np.percentile(w, 90)), c.room)
              for c, w in zip(table.columns, cells)]
    head_w = [text_width(h) for h in table.headers]
    long = [not (c.numeric or c.key == table.merge) and d > LONG_TEXT_MIN for c, d in zip(table.columns, data_w)]
    base = [(LONG_TEXT_MIN if lg else max(d, min(h, 4))) * unit + pad for d, h, lg in zip(data_w, head_w, long)]
    return base, unit, pad, data_w, head_w, long


def fit_widths(table: Table, total_cm: float, size_pt: float) -> list[float]:
    """Column widths (cm) that fit ``total_cm``.

    Numbers, the merge column and short texts get their natural width (never broken mid-number
    or one character a line); headers may wrap over several lines; long texts (names, 说明) take
    what is left, up to their natural width, then the headers get room to wrap less.
    """
    base, unit, pad, data_w, head_w, long = _base_widths(table, size_pt)
    total = sum(base)
    if total >= total_cm:               # wider than the page at its narrowest: scale (rare: use landscape)
        return [b * total_cm / total for b in base]
    widths, left = list(base), total_cm - total
    for stage in (lambda j: data_w[j] if long[j] else 0, lambda j: max(head_w[j], data_w[j])):
        want = [max(stage(j) * unit + pad - widths[j], 0) for j in range(len(widths))]
        w = sum(want)
        if w <= 0:
            continue
        give = min(left, w)
        widths = [x + give * y / w for x, y in zip(widths, want)]
        left -= give
        if left <= 1e-9:
            break
    return widths
