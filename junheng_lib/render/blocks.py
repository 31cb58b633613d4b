"""The blocks a report is made of, as every renderer reads them: paragraphs and charts.

A report (:mod:`junheng_lib.report`) builds its sections from an evaluation as a list of blocks —
:class:`Text`, :class:`Chart` and :class:`~junheng_lib.render.table.Table` — and each renderer
(notebook, HTML, Word, Excel) only lays them out. A chart is drawn once, by whichever renderer asks
first (:meth:`Chart.png`), and every output shows the same image.
"""
from __future__ import annotations

import datetime as _dt
import io as _io
from dataclasses import dataclass, field
from typing import Callable

__all__ = ["Text", "Chart", "CHART_DPI", "png_of", "date_text"]

#: dots per inch of every chart image
CHART_DPI = 150


@dataclass(frozen=True)
class Text:
    """A paragraph of a report (plain text; ``bold`` for problem headings; ``heading`` 1 for the
    report's title)."""

    text: str
    bold: bool = False
    heading: int = 0


@dataclass
class Chart:
    """A chart of a report: ``draw()`` returns the matplotlib figure; :meth:`png` draws it once
    and keeps the image, which every output (notebook, Word) shows."""

    title: str
    draw: Callable = field(repr=False)
    _png: bytes | None = field(default=None, repr=False)

    def render(self) -> bytes:
        """Draw the figure and return its PNG (at the one resolution every output uses)."""
        return png_of(self.draw(), CHART_DPI)

    def png(self) -> bytes:
        if self._png is None:
            self._png = self.render()
        return self._png


def png_of(fig, dpi: int = CHART_DPI) -> bytes:
    """A matplotlib figure as PNG bytes (the figure is closed)."""
    import matplotlib.pyplot as plt  # matplotlib only where a chart is drawn (the CLI never draws)
    buf = _io.BytesIO()
    # zlib level 1: a tenth faster to encode than the default and, on these flat-coloured charts, no
    # larger (measured on 白石县's heatmaps: 582 KiB against 620 KiB)
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight", pil_kwargs={"compress_level": 1})
    plt.close(fig)
    return buf.getvalue()


def date_text(day: _dt.date) -> str:
    """A 公文 date.

    >>> date_text(_dt.date(2025, 3, 5))
    '2025年3月5日'
    """
    return f"{day.year}年{day.month}月{day.day}日"
