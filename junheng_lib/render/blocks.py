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

import numpy as np

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
    """A matplotlib figure as PNG bytes, cropped to its drawn content plus ``savefig.pad_inches``
    (what ``savefig(bbox_inches="tight")`` gives), the figure closed.

    The figure is drawn once: its tight box is read from that drawing and the pixels are cropped,
    where ``savefig(bbox_inches="tight")`` draws the whole figure twice (once to find the box). A
    figure whose content reaches beyond its own edge (never one of junheng's charts) is saved by
    matplotlib's way, which enlarges the canvas.
    """
    import matplotlib
    import matplotlib.pyplot as plt  # matplotlib only where a chart is drawn (the CLI never draws)
    from matplotlib import rcParams
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image

    buf = _io.BytesIO()
    try:
        fig.set_dpi(dpi)
        canvas = FigureCanvasAgg(fig)
        canvas.draw()
        content = fig.get_tightbbox(canvas.get_renderer())
        w, h = fig.get_size_inches()
        if content.x0 < 0 or content.y0 < 0 or content.x1 > w or content.y1 > h:
            fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight", pil_kwargs={"compress_level": 1})
            return buf.getvalue()
        box = content.padded(rcParams["savefig.pad_inches"])
        pixels = np.asarray(canvas.buffer_rgba())
        rows, cols = pixels.shape[:2]
        x0, x1 = int(box.x0 * dpi), int(np.ceil(box.x1 * dpi))
        y0, y1 = rows - int(np.ceil(box.y1 * dpi)), rows - int(box.y0 * dpi)
        image = pixels[max(y0, 0):min(y1, rows), max(x0, 0):min(x1, cols)]
        if x0 < 0 or y0 < 0 or x1 > cols or y1 > rows:   # the padding beyond the figure's edge: its face colour
            face = (np.asarray(matplotlib.colors.to_rgba(fig.get_facecolor())) * 255).round().astype(np.uint8)
            framed = np.empty((y1 - y0, x1 - x0, 4), np.uint8)
            framed[:] = face
            framed[max(-y0, 0):max(-y0, 0) + image.shape[0], max(-x0, 0):max(-x0, 0) + image.shape[1]] = image
            image = framed
        # zlib level 1: a tenth faster to encode than the default and, on these flat-coloured charts,
        # no larger (measured on 白石县's heatmaps: 582 KiB against 620 KiB)
        Image.fromarray(image).save(buf, format="png", compress_level=1, dpi=(dpi, dpi))
        return buf.getvalue()
    finally:
        plt.close(fig)


def date_text(day: _dt.date) -> str:
    """A 公文 date.

    >>> date_text(_dt.date(2025, 3, 5))
    '2025年3月5日'
    """
    return f"{day.year}年{day.month}月{day.day}日"
