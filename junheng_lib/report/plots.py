"""Charts (matplotlib; seaborn for the roll-up grid) with Chinese labels from the bundled OFL font.

Every function returns the Figure; nothing here saves files or computes indicators or verdicts: a
chart colours values against the rule table's numbers (with its tolerance) and shows the verdicts
it is given. Figures are drawn at the width they are printed at (:data:`PAGE_WIDTH`, the text width
of an A4 page with GB/T 9704 margins); they are pyplot figures, which the caller closes. A limit is a
dashed line across the bars, labelled outside the plot area where no bar or line covers the label.

seaborn draws the roll-up's county × indicator grid (:func:`rollup_grid`: an annotated categorical
heatmap is what it does best). The county report's charts stay with matplotlib: importing seaborn
imports ``scipy.stats`` (0.3–0.5 s), which every county's kernel would pay for charts that need
nothing seaborn adds (a categorical grid without cell text, a box with its dots).

:func:`use_cjk_font` registers ``fonts/JunhengSansSC-Regular.otf`` (a renamed subset of Noto Sans
CJK SC, SIL OFL 1.1: every ideograph of GB18030's URO and Extension A) and falls back per glyph to
the installed CJK fonts, then DejaVu Sans. Names from the data go through :func:`chart_text`: a
character that no font can draw (say an Extension B ideograph on a machine without such a font)
is shown as the rule table's substitute mark (〓) instead of failing or drawing an empty box, and
:func:`glyph_note` tells the reader which names were affected. Tables and text keep the exact name.
"""
from __future__ import annotations

import functools
import os
import unicodedata
from collections.abc import Iterable, Sequence
from importlib import resources

import matplotlib
import matplotlib.pyplot as plt
import matplotlib.ticker
import numpy as np
import pandas as pd
from matplotlib import font_manager, ft2font, patheffects
from matplotlib.colors import BoundaryNorm, ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle

from junheng_lib.rules.indicators import (
    BASIC,
    INDICATORS,
    QUALITY,
    RULES,
    STAGES,
    at_least,
    codes,
    cv_limit,
    standard_value,
)

__all__ = ["FONT_FAMILY", "PAGE_WIDTH", "PAGE_HEIGHT", "font_path", "use_cjk_font", "warm_up",
           "installed_cjk_families", "missing_glyphs", "chart_text", "glyph_note", "cv_chart", "compliance_bands",
           "compliance_heatmap", "compliance_heatmap_pages", "compliance_heatmap_parts", "distribution_chart",
           "class_band_chart", "urban_rural_chart", "trend_chart", "rollup_chart", "rollup_grid"]

FONT_FAMILY = "Junheng Sans SC"
LATIN_FAMILY = "DejaVu Sans"              # matplotlib's own font: U+2212 and Latin beyond the bundled set
SUBSTITUTE = RULES["display"]["missing_glyph"]
_PROBE = ord("中")                        # a font that draws this is a CJK font


def font_path() -> str:
    """Path of the bundled CJK font file."""
    return str(resources.files(__package__).joinpath("fonts", "JunhengSansSC-Regular.otf"))


def _open(path, index: int = 0):
    """An FT2Font of one face (``face_index`` exists since matplotlib 3.10)."""
    return ft2font.FT2Font(str(path), face_index=index) if index else ft2font.FT2Font(str(path))


def _draws_chinese(path: str, index: int = 0) -> bool:
    try:
        return bool(_open(path, index).get_char_index(_PROBE))
    except Exception:  # noqa: BLE001 - a font file FreeType cannot read is simply not used
        return False


@functools.cache
def installed_cjk_families() -> tuple[str, ...]:
    """Families of the installed fonts that draw Chinese, one per font file, sorted by name
    (Simplified-Chinese faces of a collection preferred).

    Fonts installed after matplotlib built its font cache are registered too (matplotlib rescans
    only when it is upgraded). The bundled font and matplotlib's "Last Resort" font are not listed.
    """
    manager = font_manager.fontManager
    known = {os.path.realpath(e.fname) for e in manager.ttflist}
    for path in font_manager.findSystemFonts():
        if os.path.realpath(path) not in known and _draws_chinese(path):
            try:
                manager.addfont(path)
            except Exception:  # noqa: BLE001 - unreadable font file: not used
                pass
    bundled = os.path.realpath(font_path())
    per_file: dict[str, list[str]] = {}
    for e in manager.ttflist:
        if (e.name == FONT_FAMILY or e.name.startswith("Last Resort") or os.path.realpath(e.fname) == bundled
                or not _draws_chinese(e.fname, getattr(e, "index", 0))):
            continue
        per_file.setdefault(os.path.realpath(e.fname), []).append(e.name)
    simplified = ("SC", "GB", "CN", "Hans")
    chosen = {min(names, key=lambda n: (not any(t in n.split() for t in simplified), n))
              for names in per_file.values()}
    return tuple(sorted(chosen))


def warm_up() -> None:
    """Use the chart fonts and draw one throwaway label with them, so that the first real chart does
    not pay for loading the fonts (the runner does this while the kernel evaluates)."""
    import io as _io
    use_cjk_font()
    fig = _figure(1.0, 0.5)
    fig.text(0.5, 0.5, "中文 0.5", fontsize=_TICK_FONT)
    fig.savefig(_io.BytesIO(), format="png", dpi=50)
    plt.close(fig)


def use_cjk_font() -> None:
    """Register the bundled font and use it, with per-glyph fallback to the installed CJK fonts and
    then DejaVu Sans: ``rcParams["font.family"]`` is that list."""
    if FONT_FAMILY not in {f.name for f in font_manager.fontManager.ttflist}:
        font_manager.fontManager.addfont(font_path())
    matplotlib.rcParams["font.family"] = [FONT_FAMILY, *installed_cjk_families(), LATIN_FAMILY]
    matplotlib.rcParams["axes.unicode_minus"] = True


def _charmap(path) -> frozenset[int]:
    return frozenset(_open(path, getattr(path, "face_index", 0)).get_charmap())


@functools.cache
def _bundled_codepoints() -> frozenset[int]:
    return _charmap(font_path())


@functools.cache
def _fallback_codepoints(families: tuple[str, ...]) -> frozenset[int]:
    out: set[int] = set()
    for family in families:
        try:
            path = font_manager.findfont(font_manager.FontProperties(family=family), fallback_to_default=False)
        except ValueError:  # not installed: matplotlib skips it too
            continue
        out |= _charmap(path)
    return frozenset(out)


def _ignorable(ch: str) -> bool:
    """Invisible format characters and variation selectors: drawn as nothing when no font has them."""
    return unicodedata.category(ch) == "Cf" or "\ufe00" <= ch <= "\ufe0f" or "\U000e0100" <= ch <= "\U000e01ef"


def _undrawable(text: str) -> str:
    """The distinct characters of ``text`` that no chart font draws (line breaks aside)."""
    cps = _bundled_codepoints()
    rest = [ch for ch in dict.fromkeys(text) if ord(ch) not in cps and ch != "\n"]
    if not rest:
        return ""
    more = _fallback_codepoints((*installed_cjk_families(), LATIN_FAMILY))
    return "".join(ch for ch in rest if ord(ch) not in more)


def missing_glyphs(text: str) -> str:
    """The characters of ``text`` (in order, once each) that none of the chart fonts can draw and that
    :func:`chart_text` therefore replaces by the substitute mark.

    >>> missing_glyphs("埇桥区王堌堆小学")
    ''
    """
    return "".join(ch for ch in _undrawable(str(text)) if not _ignorable(ch))


def chart_text(text) -> str:
    """A name from the data as a chart label: a character no font can draw becomes the substitute
    mark (〓), an invisible format character or variation selector without a glyph is dropped, and
    ``$`` stays a dollar sign (never mathtext).

    >>> chart_text("鄠邑区$1$")
    '鄠邑区\\\\$1\\\\$'
    """
    s = str(text)
    bad = _undrawable(s)
    if bad:
        s = "".join(("" if _ignorable(ch) else SUBSTITUTE) if ch in bad else ch for ch in s)
    return s.replace("$", "\\$")


def glyph_note(names: Iterable[str]) -> str:
    """The sentence a report prints when some names cannot be drawn in its charts ("" when all can)."""
    bad = [str(n) for n in dict.fromkeys(names) if isinstance(n, str) and missing_glyphs(n)]
    if not bad:
        return ""
    return (f"图表说明：{'、'.join(f'“{n}”' for n in bad)}中有本机字体无法显示的字，图表中以“{SUBSTITUTE}”代替；"
            "表格和正文中为原名。")


# ----------------------------------------------------------------------------------------------
# Layout: every chart is drawn at the width it is printed at, so 8-pt labels stay 8 pt on paper.

#: text width of an A4 page with the GB/T 9704 margins (210 − 28 − 26 mm), in inches
PAGE_WIDTH = (210 - 28 - 26) / 25.4
#: height one chart may take on such a page (297 − 37 − 35 mm, less a caption line), in inches
PAGE_HEIGHT = (297 - 37 - 35 - 12) / 25.4
_ROW = 0.17                 # inches per school row of the heatmap (8-pt names)
_HEAT_HEAD = 1.15           # inches above the rows: title, rotated indicator names
_HEAT_FOOT = 0.56           # … below them: the band legend (and 0.95 more when the names are repeated)
_TICK_FONT = 8
_LABEL_PAD = 4              # points between the right edge of the axes and a limit label
_STAGE_COLORS = {"小学": "#3b75af", "初中": "#e1812c"}
#: the stage colours darkened: limit lines (they cross bars of the stage colour) and their 8-pt labels
_STAGE_DARK = {"小学": "#1c466f", "初中": "#8a4307"}
#: value ÷ standard bands: below the floor (85%), from the floor to the standard, at or above it
_BAND_COLORS = ("#c8453a", "#f2b541", "#4e9a5f")
_NO_DATA = "#d9d9d9"
_BAND_CMAP = ListedColormap(_BAND_COLORS)
_BAND_NORM = BoundaryNorm([-0.5, 0.5, 1.5, 2.5], 3)


def _figure(height: float, width: float = PAGE_WIDTH, **kw) -> Figure:
    """A pyplot figure (so that a notebook's inline backend displays it; the caller closes it)."""
    use_cjk_font()
    return plt.figure(figsize=(width, height), **kw)


def _short(code: str) -> str:
    """The chart name of an indicator (rule table's ``short``; the composite by its own name)."""
    return RULES["basic"]["composite_name"] if code == "composite" else str(INDICATORS.loc[code, "short"])


def _pct(share: float) -> str:
    return f"{share * 100:g}%"


def _legend(ax, **kw) -> None:
    """The axes' legend, when anything in it has a label (matplotlib warns on an empty one)."""
    if ax.get_legend_handles_labels()[0]:
        ax.legend(**kw)


# ----------------------------------------------------------------------------------------------
# Limit lines

def _limit_line(ax, y: float, text: str, color: str, *, xmin: float = 0.0):
    """A limit as a dashed line across the bars (axes fraction ``xmin`` to the right edge; a white
    halo keeps it visible over any bar) and its label just outside the right edge
    of the axes, where no bar or line can cover it. :func:`_finish` spreads labels that would touch."""
    ax.axhline(y, xmin=xmin, xmax=1, color=color, linestyle=(0, (6, 2)), linewidth=1.4, zorder=4,
               path_effects=[patheffects.withStroke(linewidth=2.5, foreground="white")])
    ann = ax.annotate(text, xy=(1, y), xycoords=ax.get_yaxis_transform(), xytext=(_LABEL_PAD, 0),
                      textcoords="offset points", ha="left", va="center", fontsize=_TICK_FONT,
                      color=color, annotation_clip=False)
    ann.set_gid("limit-label")
    return ann


def _spread(want: list[float], gap: float) -> list[float]:
    """Positions as close as possible to ``want`` (ascending) and at least ``gap`` apart: labels that
    would touch move apart symmetrically around their mean.

    >>> _spread([0.0, 5.0, 30.0], 10.0)
    [-2.5, 7.5, 30.0]
    """
    groups: list[list[float]] = []          # [first position, *wanted positions]
    for w in want:
        groups.append([w, w])
        while len(groups) > 1 and groups[-2][0] + gap * (len(groups[-2]) - 1) > groups[-1][0]:
            last = groups.pop()
            ws = groups[-1][1:] + last[1:]
            groups[-1] = [sum(ws) / len(ws) - gap * (len(ws) - 1) / 2, *ws]
    return [g[0] + gap * k for g in groups for k in range(len(g) - 1)]


def _finish(fig: Figure) -> Figure:
    """Lay the figure out, then move limit labels of one axes apart where they would overlap
    (positions in points, from the laid-out axes height) and lay it out again."""
    fig.tight_layout()
    moved = False
    for ax in fig.axes:
        labels = [t for t in ax.texts if t.get_gid() == "limit-label"]
        if len(labels) < 2:
            continue
        y0, y1 = ax.get_ylim()
        height = ax.get_window_extent().height * 72 / fig.dpi
        want = sorted(((t.xy[1] - y0) / (y1 - y0) * height, k) for k, t in enumerate(labels))
        gap = max(t.get_fontsize() for t in labels) * 1.3
        for (w, k), p in zip(want, _spread([w for w, _ in want], gap)):
            if p != w:
                labels[k].xyann = (_LABEL_PAD, p - w)
                moved = True
    if moved:
        fig.tight_layout()
    return fig


# ----------------------------------------------------------------------------------------------
# County charts

def cv_chart(coef: pd.DataFrame, *, title: str | None = None) -> Figure:
    """差异系数 against their limits: 基本均衡 (top: the eight CVs and the 综合差异系数 with its
    limit) and 优质均衡 (bottom: the seven CVs and their limit), both stages.

    Parameters
    ----------
    coef : DataFrame
        Output of :func:`junheng_lib.analysis.coefficients.coefficients` for one county and year
        (columns ``standard, stage, indicator, cv``).
    title : str, optional
        Printed above both panels (names go through :func:`chart_text`).

    Returns
    -------
    matplotlib.figure.Figure
        Indicators by their short names; each limit is a dashed line across its bars, labelled
        outside the plot area.
    """
    fig = _figure(6.6)
    axes = fig.subplots(2, 1)
    panels = [(BASIC, [*codes(BASIC), "composite"], "基本均衡：各项差异系数与综合差异系数"),
              (QUALITY, codes(QUALITY), "优质均衡：各项差异系数")]
    width = 0.38
    for ax, (standard, items, head) in zip(axes, panels):
        x = np.arange(len(items))
        top, drawn = 0.0, []
        for k, stage in enumerate(STAGES):
            sub = coef[(coef["standard"] == standard) & (coef["stage"] == stage)].set_index("indicator")
            vals = sub["cv"].reindex(items).to_numpy(float)
            ok = np.isfinite(vals)
            ax.bar(x[ok] + (k - 0.5) * width, vals[ok], width, label=stage if ok.any() else None,
                   color=_STAGE_COLORS[stage], zorder=2)
            if ok.any():
                top = max(top, float(vals[ok].max()))
                drawn.append(stage)
        ax.set_xlim(-0.6, len(items) - 0.4)
        limits = {stage: cv_limit(standard, stage) for stage in drawn}
        ax.set_ylim(0, max([top, *limits.values()]) * 1.1 or 1)
        # 基本均衡 sets a limit for the composite only: its line crosses the composite's bars alone
        xmin = (len(items) - 1.5 + 0.6) / (len(items) - 0.4 + 0.6) if standard == BASIC else 0.0
        for stage, lim in limits.items():
            _limit_line(ax, lim, f"{stage}标准 {lim:.2f}", _STAGE_DARK[stage], xmin=xmin)
        ax.set_xticks(x, [_short(c) for c in items], fontsize=_TICK_FONT, rotation=30, ha="right",
                      rotation_mode="anchor")
        ax.tick_params(axis="y", labelsize=_TICK_FONT)
        ax.set_title(head, fontsize=10, loc="left")
        ax.set_ylabel("差异系数", fontsize=9)
        ax.spines[["top", "right"]].set_visible(False)
    _legend(axes[0], frameon=False, fontsize=_TICK_FONT, ncol=2, loc="lower right", bbox_to_anchor=(1, 1.0),
                   borderaxespad=0.2)
    if title:
        fig.suptitle(chart_text(title), fontsize=11)
    return _finish(fig)


def _ratio_bands(v: np.ndarray, std: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """value ÷ standard and its band (0 below ``floor_share``, 1 from it up to the standard, 2 at or
    above the standard, NaN without a value), with the rule table's tolerance exactly as the
    compliance verdict compares (``at_least(value, standard)``, ``at_least(ratio, floor_share)``)."""
    ratio = v / std
    band = np.where(at_least(v, std), 2.0, np.where(at_least(ratio, RULES["quality"]["floor_share"]), 1.0, 0.0))
    band[np.isnan(v)] = np.nan
    return ratio, band


def compliance_bands(comp: pd.DataFrame, stage: str) -> pd.DataFrame:
    """The band of each school's value ÷ standard, per quality indicator, as the charts colour it.

    Parameters
    ----------
    comp : DataFrame
        Rows of school × stage with the columns ``stage`` and ``Y1…Y7`` (as
        :func:`junheng_lib.analysis.coefficients.compliance` gives them).
    stage : str

    Returns
    -------
    DataFrame
        The stage's rows (same index), columns ``Y1…Y7``: 0 below ``floor_share`` (85%) of the
        standard, 1 from 85% up to the standard, 2 at or above it, NaN without a value. The bands
        colour a chart; the school's verdict stays the evaluation's.

    Examples
    --------
    A 小学 at 84.9%, 85%, 99.9% and 100% of the Y1–Y4 standards (4.2, 1.0, 0.9, 4.5):

    >>> import pandas as pd
    >>> comp = pd.DataFrame({"stage": ["小学"], "Y1": [4.2 * 0.849], "Y2": [1.0 * 0.85], "Y3": [0.9 * 0.999],
    ...                      "Y4": [4.5], "Y5": [7.5], "Y6": [2000], "Y7": [2.3]})
    >>> compliance_bands(comp, "小学").loc[0, ["Y1", "Y2", "Y3", "Y4"]].tolist()
    [0.0, 1.0, 1.0, 2.0]
    """
    q = codes(QUALITY)
    c = comp[comp["stage"] == stage]
    std = np.array([standard_value(k, stage) for k in q])
    _, band = _ratio_bands(c[q].to_numpy(float), std)
    return pd.DataFrame(band, index=c.index, columns=q)


def _band_handles(with_missing: bool) -> list[Patch]:
    floor = _pct(RULES["quality"]["floor_share"])
    labels = (f"低于标准的{floor}", f"达到标准的{floor}、未达标准", "达到或超过标准")
    handles = [Patch(facecolor=c, edgecolor="none", label=t) for c, t in zip(_BAND_COLORS, labels)]
    if with_missing:
        handles.append(Patch(facecolor=_NO_DATA, edgecolor="none", label="无数据"))
    return handles


def _heatmap_parts(comp: pd.DataFrame, stage: str) -> tuple[np.ndarray, list[str]]:
    """Bands and chart names of the stage's schools, weakest first (lowest value ÷ standard on top;
    ties keep the given order)."""
    q = codes(QUALITY)
    c = comp[comp["stage"] == stage]
    std = np.array([standard_value(k, stage) for k in q])
    ratio, band = _ratio_bands(c[q].to_numpy(float), std)
    order = np.argsort(pd.DataFrame(ratio).min(axis=1).to_numpy(), kind="stable")  # NaN-only rows last
    return band[order], [chart_text(n) for n in c["school_name"].to_numpy()[order]]


def _heatmap_figure(band: np.ndarray, names: list[str], title: str) -> Figure:
    q = codes(QUALITY)
    n = len(names)
    repeat = n > 40                       # names of the indicators again below a long grid
    fig = _figure(_HEAT_HEAD + max(n, 1) * _ROW + _HEAT_FOOT + (0.95 if repeat else 0), layout="constrained")
    fig.get_layout_engine().set(h_pad=0.04, w_pad=0.04)
    ax = fig.add_subplot()
    missing = bool(np.isnan(band).any())
    ax.set_facecolor(_NO_DATA)
    ax.pcolormesh(np.ma.masked_invalid(band), cmap=_BAND_CMAP, norm=_BAND_NORM, edgecolors="white",
                  linewidth=0.6)
    ax.set_xlim(0, len(q))
    ax.set_ylim(max(n, 1), 0)
    ax.set_yticks(np.arange(n) + 0.5, names, fontsize=_TICK_FONT)
    ax.set_xticks(np.arange(len(q)) + 0.5, [_short(k) for k in q])
    ax.tick_params(length=0, labeltop=True, labelbottom=repeat, labelsize=_TICK_FONT)
    for tick in ax.xaxis.get_major_ticks():
        tick.label2.set(rotation=30, ha="left", rotation_mode="anchor")
        tick.label1.set(rotation=30, ha="right", rotation_mode="anchor")
    for side in ax.spines.values():
        side.set_visible(False)
    fig.suptitle(title, fontsize=10)
    fig.legend(handles=_band_handles(missing), loc="outside lower center", ncol=4 if missing else 3,
               frameon=False, fontsize=_TICK_FONT, title="实际值 ÷ 标准值", title_fontsize=_TICK_FONT,
               handlelength=1.2, columnspacing=1.2)
    return fig


def _heatmap_title(stage: str) -> str:
    return f"{stage}各校优质均衡指标达成情况"


def compliance_heatmap(comp: pd.DataFrame, stage: str) -> Figure:
    """School × indicator grid of value ÷ standard in three bands, every school of the stage.

    Cells are coloured by :func:`compliance_bands` (below 85% of the standard, 85% up to it, at or
    above it; the numbers are the rule table's); the indicators carry their short names and the
    schools their names (:func:`chart_text`), weakest school (lowest value ÷ standard) on top.
    The chart colours values only; whether a school passes is the evaluation's verdict.

    Parameters
    ----------
    comp : DataFrame
        Output of :func:`junheng_lib.analysis.coefficients.compliance` (columns ``school_name, stage, Y1…Y7``).
    stage : str

    Returns
    -------
    matplotlib.figure.Figure
        One figure holding every school of the stage: it grows 0.17 in per school (beyond one page
        for more than 39 schools; :func:`compliance_heatmap_pages` splits it into page-sized figures).
    """
    band, names = _heatmap_parts(comp, stage)
    if not names:
        return _empty(f"{stage}无参与计算的学校")
    return _heatmap_figure(band, names, _heatmap_title(stage))


def compliance_heatmap_pages(comp: pd.DataFrame, stage: str, *, rows_per_page: int | None = None) -> list[Figure]:
    """:func:`compliance_heatmap` split into figures that each fit an A4 page (for Word and print).

    Every school is drawn, in the same order, across ``ceil(n / rows_per_page)`` figures of nearly
    equal length (default: as many rows as one page holds, 39); titles say which part it is (2/3).
    """
    return [draw() for draw in compliance_heatmap_parts(comp, stage, rows_per_page=rows_per_page)]


def compliance_heatmap_parts(comp: pd.DataFrame, stage: str, *, rows_per_page: int | None = None) -> list:
    """The pages of :func:`compliance_heatmap_pages`, not drawn yet: one function per page that
    draws its figure (a report draws each page once, wherever it is needed first)."""
    band, names = _heatmap_parts(comp, stage)
    if not names:
        return [lambda: _empty(f"{stage}无参与计算的学校")]
    per = rows_per_page or int((PAGE_HEIGHT - _HEAT_HEAD - _HEAT_FOOT) // _ROW)
    parts = -(-len(names) // per)
    bounds = np.linspace(0, len(names), parts + 1).round().astype(int)
    titles = [_heatmap_title(stage)] if parts == 1 else [f"{_heatmap_title(stage)}（{i}/{parts}）"
                                                          for i in range(1, parts + 1)]
    return [lambda a=a, b=b, t=t: _heatmap_figure(band[a:b], names[a:b], t)
            for t, a, b in zip(titles, bounds[:-1], bounds[1:])]


def _empty(text: str) -> Figure:
    fig = _figure(1.2)
    ax = fig.add_subplot()
    ax.text(0.5, 0.5, text, ha="center", va="center", fontsize=10)
    ax.axis("off")
    return fig


def distribution_chart(values: pd.DataFrame, stage: str, indicators: Sequence[str] | None = None, *,
                       cap: float = 2.0) -> Figure:
    """Schools' values against the standard: one row per quality indicator, each school a dot at
    its value ÷ standard (coloured by band), a box of the quartiles, lines at the standard (100%)
    and at the floor (85%).

    Parameters
    ----------
    values : DataFrame
        School × stage rows with ``stage`` and the indicators' columns (``Y1…Y7``), as
        :func:`junheng_lib.analysis.coefficients.compliance` gives them.
    stage : str
    indicators : sequence of str, optional
        Quality indicator codes, in the order drawn (default ``Y1…Y7``).
    cap : float
        Right end of the axis (value ÷ standard); a school beyond it is drawn at the edge as ▸.

    Returns
    -------
    matplotlib.figure.Figure
    """
    q = list(indicators) if indicators is not None else codes(QUALITY)
    wrong = [k for k in q if k not in codes(QUALITY)]
    if wrong:
        raise ValueError(f"只有优质均衡指标（{'、'.join(codes(QUALITY))}）有校际标准：{'、'.join(map(str, wrong))}")
    v = values[values["stage"] == stage]
    std = np.array([standard_value(k, stage) for k in q])
    ratio, band = _ratio_bands(v[q].to_numpy(float), std)
    floor = RULES["quality"]["floor_share"]
    fig = _figure(0.42 * len(q) + 1.9)
    ax = fig.add_subplot()
    if not len(v):
        ax.text(0.5, 0.5, f"{stage}无参与计算的学校", ha="center", va="center", transform=ax.transAxes)
    band_colors = np.array([*_BAND_COLORS, _NO_DATA])
    # the same spread of dots in every row, never random: a low-discrepancy sequence over the schools
    jitter = ((np.arange(len(v)) * 0.6180339887498949) % 1 - 0.5) * 0.5
    for j in range(len(q)):
        r, b = ratio[:, j], band[:, j]
        ok = np.isfinite(r)
        if ok.sum() >= 1:
            q1, med, q3 = np.percentile(r[ok], [25, 50, 75])
            iqr = q3 - q1
            inside = r[ok][(r[ok] >= q1 - 1.5 * iqr) & (r[ok] <= q3 + 1.5 * iqr)]
            lo, hi = min(inside.min(), q1), min(max(inside.max(), q3), cap)
            ax.add_patch(Rectangle((q1, j - 0.3), q3 - q1, 0.6, facecolor="#eeeeee", edgecolor="#555555",
                                   linewidth=0.8, zorder=1))
            ax.plot([med, med], [j - 0.3, j + 0.3], color="#333333", linewidth=1.4, zorder=2)
            ax.plot([lo, q1], [j, j], [q3, hi], [j, j], color="#555555", linewidth=0.8, zorder=1)
        beyond = ok & (r > cap)
        kind = np.where(np.isnan(b), 3, b).astype(int)
        # a school beyond the axis: a larger ▸ in the margin right of the last tick, never cut by the frame
        for mask, marker, x, size in ((ok & ~beyond, "o", np.minimum(r, cap), 12), (beyond, ">", np.full(len(r), cap * 1.05), 26)):
            ax.scatter(x[mask], j + jitter[mask], s=size, marker=marker, c=band_colors[kind[mask]],
                       edgecolors="white", linewidths=0.3, zorder=3, clip_on=False)
    for x, text, ha, dx in ((floor, f"标准的{_pct(floor)}", "right", -2), (1.0, "标准值", "left", 2)):
        ax.axvline(x, color="#333333", linestyle=(0, (4, 2)) if x < 1 else "-", linewidth=1, zorder=2.5)
        ax.annotate(text, xy=(x, 1), xycoords=ax.get_xaxis_transform(), xytext=(dx, 3), textcoords="offset points",
                    ha=ha, va="bottom", fontsize=_TICK_FONT, color="#333333", annotation_clip=False)
    ax.set_xlim(0, cap * 1.08)
    ax.set_xticks(np.arange(0, cap + 1e-9, 0.25))
    ax.set_ylim(len(q) - 0.5, -0.5)
    ax.set_yticks(np.arange(len(q)), [_short(k) for k in q], fontsize=_TICK_FONT)
    ax.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.tick_params(axis="x", labelsize=_TICK_FONT)
    ax.set_xlabel(f"实际值 ÷ 标准值（高于{_pct(cap)}的学校画在右端，以▸表示）", fontsize=_TICK_FONT)
    ax.set_title(f"{stage}各校优质均衡指标值与标准", fontsize=10, pad=16)
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(handles=_band_handles(bool(np.isnan(band).any())), loc="upper center", bbox_to_anchor=(0.5, -0.12),
              ncol=4, frameon=False, fontsize=_TICK_FONT, handlelength=1.2, columnspacing=1.2)
    return _finish(fig)


def class_band_chart(bands: pd.DataFrame) -> Figure:
    """Stacked bars of class-size bands per stage (share of classes)."""
    labels = RULES["class_size"]["band_labels"]
    colors = ["#4c9a5b", "#e9c46a", "#f4a261", "#c0392b"]
    fig = _figure(2.5)
    ax = fig.add_subplot()
    if bands.empty:
        ax.text(0.5, 0.5, "未提供班级表", ha="center", va="center")
        ax.axis("off")
        return fig
    b = bands.set_index("stage")
    left = np.zeros(len(b))
    for lab, col, ink in zip(labels, colors, ("white", "#333333", "#333333", "white")):
        share = (b[lab] / b["classes"]).to_numpy(float)
        ax.barh(b.index, share, left=left, color=col, label=lab)
        for y, (l_, s) in enumerate(zip(left, share)):
            if s >= 0.06:
                ax.text(l_ + s / 2, y, f"{s:.0%}", ha="center", va="center", fontsize=_TICK_FONT, color=ink)
        left += share
    ax.invert_yaxis()                                    # stages top to bottom in published order
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.tick_params(labelsize=_TICK_FONT)
    ax.legend(ncol=4, frameon=False, fontsize=_TICK_FONT, loc="lower center", bbox_to_anchor=(0.5, 1.0))
    ax.spines[["top", "right"]].set_visible(False)
    return _finish(fig)


def urban_rural_chart(gap: pd.DataFrame) -> Figure:
    """乡村 and 镇区 values as a share of 城区 for each quality indicator, one panel per stage."""
    stages = [s for s in STAGES if s in set(gap["stage"])]
    fig = _figure(3.0 * max(1, len(stages)) + 0.3)
    axes = fig.subplots(max(1, len(stages)), 1, squeeze=False)[:, 0]
    for ax, stage in zip(axes, stages):
        g = gap[gap["stage"] == stage].set_index("indicator")
        x = np.arange(len(g))
        for k, (col, name, color) in enumerate((("mean_镇区", "镇区", "#e1812c"), ("mean_乡村", "乡村", "#3a923a"))):
            ax.bar(x + (k - 0.5) * 0.38, (g[col] / g["mean_城区"]).to_numpy(float), 0.38, label=f"{name} ÷ 城区",
                   color=color, zorder=2)
        ax.set_xlim(-0.6, len(g) - 0.4)
        _limit_line(ax, 1.0, "与城区相同", "#333333")
        ax.set_xticks(x, [_short(c) for c in g.index], fontsize=_TICK_FONT, rotation=30, ha="right",
                      rotation_mode="anchor")
        ax.tick_params(axis="y", labelsize=_TICK_FONT)
        ax.set_title(f"{stage}：镇区、乡村学校相当于城区的比例", fontsize=10, loc="left")
        ax.spines[["top", "right"]].set_visible(False)
        _legend(ax, frameon=False, fontsize=_TICK_FONT, ncol=2, loc="lower right", bbox_to_anchor=(1, 1.0),
                  borderaxespad=0.2)
    return _finish(fig)


def trend_chart(trend: pd.DataFrame, *, indicators=("composite",), title: str | None = None) -> Figure:
    """CVs over the years with their limit lines (default: the 综合差异系数 of both stages)."""
    fig = _figure(3.0)
    ax = fig.add_subplot()
    t = trend[trend["indicator"].isin(list(indicators))]
    limits: dict[tuple[str, float], str] = {}
    for (stage, ind), g in t.groupby(["stage", "indicator"], sort=False):
        g = g.sort_values("year")
        ax.plot(g["year"], g["cv"], marker="o", color=_STAGE_COLORS.get(stage), label=f"{stage}{_short(ind)}",
                zorder=3)
        lim = g["limit"].dropna()
        if len(lim):
            limits[(stage, float(lim.iloc[-1]))] = stage
    for (stage, lim) in limits:
        _limit_line(ax, lim, f"{stage}标准 {lim:.2f}", _STAGE_DARK.get(stage, "#333333"))
    years = sorted(t["year"].unique())
    if years:
        ax.set_xlim(years[0] - 0.4, years[-1] + 0.4)
    ax.set_xticks(years, [f"{y}学年" for y in years])
    ax.tick_params(labelsize=_TICK_FONT)
    ax.set_ylabel("差异系数", fontsize=9)
    ax.spines[["top", "right"]].set_visible(False)
    _legend(ax, frameon=False, fontsize=_TICK_FONT, ncol=4, loc="lower left", bbox_to_anchor=(0, 1.0),
              borderaxespad=0.2)
    if title:
        fig.suptitle(chart_text(title), fontsize=10)
    return _finish(fig)


# ----------------------------------------------------------------------------------------------
# City roll-up

def rollup_chart(summary: pd.DataFrame) -> Figure:
    """All counties' 综合差异系数 (both stages) against the limits, in the order of ``summary``.

    The order is the caller's ranking (the one every roll-up table uses); it is never re-sorted
    here. A county without a value (status 未生成 …) keeps its place, with its status written in.
    """
    n = len(summary)
    width = max(PAGE_WIDTH, 0.24 * n + 1.4)           # A4 width up to 20 counties
    fig = _figure(3.4, width)
    ax = fig.add_subplot()
    x = np.arange(n)
    top = 0.0
    for k, stage in enumerate(STAGES):
        vals = summary[f"composite_{stage}"].to_numpy(float)
        ok = np.isfinite(vals)
        ax.bar(x[ok] + (k - 0.5) * 0.38, vals[ok], 0.38, label=stage if ok.any() else None,
               color=_STAGE_COLORS[stage], zorder=2)
        if ok.any():
            top = max(top, float(vals[ok].max()))
    limits = {stage: cv_limit(BASIC, stage) for stage in STAGES}
    ax.set_xlim(-0.6, n - 0.4)
    ax.set_ylim(0, max(top, *limits.values()) * 1.12)
    for stage, lim in limits.items():
        _limit_line(ax, lim, f"{stage}标准 {lim:.2f}", _STAGE_DARK[stage])
    none = ~np.isfinite(summary[[f"composite_{s}" for s in STAGES]].to_numpy(float)).any(axis=1)
    status = summary["status"] if "status" in summary else pd.Series("", index=summary.index)
    for i in np.flatnonzero(none):
        ax.text(i, 0.01, chart_text(status.iloc[i] or "无数据"), rotation=90, ha="center", va="bottom",
                fontsize=7, color="#666666", transform=ax.get_xaxis_transform())
    names = [chart_text(c) for c in summary["county"]]
    room = (width - 1.4) * 72 / max(n, 1)              # points per county along the axis
    longest = max((len(s) for s in names), default=0) * _TICK_FONT * 1.05
    rotation = 0 if longest <= room * 0.9 else (45 if n <= 20 else 90)
    ax.set_xticks(x, names, fontsize=_TICK_FONT, rotation=rotation,
                  ha="right" if rotation == 45 else "center", rotation_mode="anchor" if rotation == 45 else "default")
    ax.tick_params(axis="y", labelsize=_TICK_FONT)
    ax.set_ylabel("综合差异系数", fontsize=9)
    ax.set_title("各县(区)基本均衡综合差异系数", fontsize=10, loc="left")
    ax.spines[["top", "right"]].set_visible(False)
    _legend(ax, frameon=False, fontsize=_TICK_FONT, ncol=2, loc="lower right", bbox_to_anchor=(1, 1.0),
              borderaxespad=0.2)
    return _finish(fig)


def rollup_grid(coef: pd.DataFrame, order: Sequence[str], *, year: int | None = None) -> Figure:
    """County × indicator grid of one year's 差异系数: per stage the 综合差异系数 and the seven
    优质均衡 CVs, each cell its CV, coloured by the table's verdict (``passed``: within its limit
    or over it); counties in the order given (the roll-up's ranking), never re-sorted.

    Parameters
    ----------
    coef : DataFrame
        :func:`junheng_lib.analysis.coefficients.coefficients` of the counties (columns ``county, stage,
        indicator, cv, passed``; ``year`` too when it holds several years).
    order : sequence of str
        Counties, top to bottom. A county without CVs keeps its row, in grey.
    year : int, optional
        The year to draw; required when ``coef`` holds several.

    Returns
    -------
    matplotlib.figure.Figure

    Notes
    -----
    Drawn with seaborn's annotated heatmap (the text of each cell contrasts with its colour). The
    county report's charts are matplotlib only: importing seaborn imports ``scipy.stats``
    (0.3–0.5 s), which every county's kernel would pay; the roll-up pays it once.
    """
    import seaborn as sns

    if "year" in coef:
        years = sorted(coef["year"].unique())
        if year is None and len(years) > 1:
            raise ValueError(f"差异系数表含多个学年（{'、'.join(map(str, years))}），请指定学年")
        if year is not None:
            coef = coef[coef["year"] == year]
    order = list(order)
    items = ["composite", *codes(QUALITY)]
    # titles 0.7 in, indicator names turned upright 0.95 in, legend 0.35 in, 0.24 in a county
    fig = _figure(2.0 + 0.24 * max(len(order), 1))
    axes = fig.subplots(1, 2, sharey=True)
    decimals = RULES["display"]["cv_decimals"]
    cmap = ListedColormap(["#f2b8b1", "#cfe8d3"])        # over its limit, within it
    any_missing = False
    for ax, stage in zip(axes, STAGES):
        sub = coef[(coef["stage"] == stage) & coef["indicator"].isin(items)]
        cv = sub.pivot(index="county", columns="indicator", values="cv").reindex(index=order, columns=items)
        ok = (sub.pivot(index="county", columns="indicator", values="passed").reindex(index=order, columns=items)
              .astype(object))
        code = pd.DataFrame(np.where(ok.isna(), np.nan, np.where(ok == True, 1.0, 0.0)),  # noqa: E712
                            index=[chart_text(c) for c in order], columns=[_short(k) for k in items])
        any_missing |= bool(code.isna().to_numpy().any())
        sns.heatmap(code, ax=ax, cmap=cmap, vmin=-0.5, vmax=1.5, cbar=False, mask=code.isna(),
                    annot=cv.to_numpy(float), fmt=f".{decimals}f", annot_kws={"fontsize": 7},
                    linewidths=0.6, linecolor="white")
        ax.set_facecolor(_NO_DATA)
        composite, quality = cv_limit(BASIC, stage), cv_limit(QUALITY, stage)
        ax.set_title(f"{stage}（综合≤{composite:.2f}，单项≤{quality:.2f}）", fontsize=9)
        ax.set_xlabel("")
        ax.set_ylabel("")
        ax.tick_params(length=0, labelsize=_TICK_FONT)
        ax.tick_params(axis="x", labelrotation=90)
    handles = [Patch(facecolor=cmap(1), label="未超过限值"), Patch(facecolor=cmap(0), label="超过限值")]
    if any_missing:
        handles.append(Patch(facecolor=_NO_DATA, label="无数据"))
    fig.suptitle("各县(区)差异系数", fontsize=10)
    fig.legend(handles=handles, loc="lower center", ncol=len(handles), frameon=False, fontsize=_TICK_FONT,
               bbox_to_anchor=(0.5, 0.0))
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    return fig


# ----------------------------------------------------------------------------------------------
# 预警与展望

def outlook_chart(capacity: pd.DataFrame, *, title: str | None = None) -> Figure:
    """Students by stage over the years (the base year observed, then projected) against the
    capacity of the present classes at the standard class size: one panel per stage, bars for
    the students (projected years lighter), a dashed line for the capacity.

    ``capacity``: :func:`junheng_lib.analysis.outlook.capacity` of one county.
    """
    stages = [s for s in STAGES if s in set(capacity["stage"])]
    fig = _figure(2.8)
    for k, stage in enumerate(stages, start=1):
        ax = fig.add_subplot(1, len(stages), k)
        c = capacity[capacity["stage"] == stage].sort_values("year")
        x = np.arange(len(c))
        obs = c["observed"].to_numpy(bool)
        ax.bar(x, c["students"], width=0.6, color=np.where(obs, _STAGE_COLORS[stage], "#ffffff"),
               edgecolor=_STAGE_COLORS[stage], hatch=None, linewidth=1.2, zorder=2)
        for xi, v in zip(x, c["students"]):
            ax.annotate(f"{v:,.0f}", (xi, v), ha="center", va="bottom", fontsize=_TICK_FONT - 1,
                        xytext=(0, 2), textcoords="offset points")
        ax.plot(x, c["capacity"], linestyle="--", color=_STAGE_DARK[stage], marker="_", zorder=3,
                label="学位(现有班级×标准班额)")
        top = float(max(c["students"].max(), c["capacity"].max()))
        ax.set_ylim(0, top * 1.35 if top > 0 else 1)
        ax.set_xticks(x, [f"{y}" + ("" if o else "\n(预测)") for y, o in zip(c["year"], obs)])
        ax.tick_params(labelsize=_TICK_FONT)
        ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:,.0f}"))
        ax.set_title(f"{stage}在校生", fontsize=9)
        ax.spines[["top", "right"]].set_visible(False)
        _legend(ax, frameon=False, fontsize=_TICK_FONT - 1, loc="upper right")
    if title:
        fig.suptitle(chart_text(title), fontsize=10)
    return _finish(fig)
