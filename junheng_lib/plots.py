"""Charts (matplotlib/seaborn) with Chinese labels from the bundled OFL font.

Every function returns the Figure; nothing here saves files or computes indicators.
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
from collections.abc import Iterable
from importlib import resources

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib import font_manager, ft2font

from .indicators import BASIC, INDICATORS, QUALITY, RULES, STAGES, codes

__all__ = ["FONT_FAMILY", "font_path", "use_cjk_font", "installed_cjk_families", "missing_glyphs", "chart_text",
           "glyph_note", "cv_chart", "compliance_heatmap", "class_band_chart", "urban_rural_chart", "trend_chart",
           "rollup_chart", "indicator_legend"]

FONT_FAMILY = "Junheng Sans SC"
LATIN_FAMILY = "DejaVu Sans"              # matplotlib's own font: U+2212 and Latin beyond the bundled set
SUBSTITUTE = RULES["display"]["missing_glyph"]
_PROBE = ord("中")                        # a font that draws this is a CJK font
_STAGE_COLORS = {"小学": "#3b75af", "初中": "#e1812c"}


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


def cv_chart(coef: pd.DataFrame, *, title: str | None = None):
    """差异系数 against their limits, 基本均衡 (left) and 优质均衡 (right), both stages.

    Parameters
    ----------
    coef : DataFrame
        Output of :func:`junheng_lib.evaluate.coefficients` for one county and year.

    Returns
    -------
    matplotlib.figure.Figure
    """
    use_cjk_font()
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.4), gridspec_kw={"width_ratios": [9, 7]})
    panels = [(BASIC, [*codes(BASIC), "composite"], "基本均衡：单项与综合差异系数"),
              (QUALITY, codes(QUALITY), "优质均衡：各项差异系数")]
    width = 0.38
    for ax, (standard, items, head) in zip(axes, panels):
        x = np.arange(len(items))
        for k, stage in enumerate(STAGES):
            sub = coef[(coef["standard"] == standard) & (coef["stage"] == stage)].set_index("indicator")
            vals = sub["cv"].reindex(items).to_numpy(float)
            ax.bar(x + (k - 0.5) * width, np.nan_to_num(vals), width, label=stage, color=_STAGE_COLORS[stage])
            limit = RULES["basic"]["composite_limit"][stage] if standard == BASIC else RULES["quality"]["cv_limit"][stage]
            span = (len(items) - 1.5, len(items) - 0.5) if standard == BASIC else (-0.5, len(items) - 0.5)
            ax.hlines(limit, *span, colors=_STAGE_COLORS[stage], linestyles="--", linewidth=1.2, zorder=3)
            ax.annotate(f"{stage}标准 {limit:.2f}", (span[1], limit), xytext=(2, 0), textcoords="offset points",
                        va="center", fontsize=8, color=_STAGE_COLORS[stage])
        ax.set_xticks(x, [("综合" if c == "composite" else c) for c in items])
        ax.set_title(head, fontsize=11)
        ax.set_ylabel("差异系数")
        ax.spines[["top", "right"]].set_visible(False)
        ax.legend(frameon=False, fontsize=9, loc="upper left")
        ax.set_xlim(-0.6, len(items) - 0.4 + (0.9 if standard == BASIC else 0.9))
    if title:
        fig.suptitle(chart_text(title), fontsize=12)
    fig.tight_layout()
    return fig


def indicator_legend(standard: str) -> str:
    """"L1 生均教学及辅助用房面积；L2 …" — the key printed under charts that use codes."""
    t = INDICATORS[INDICATORS["standard"] == standard]
    return "；".join(f"{c} {n}" for c, n in zip(t.index, t["name"]))


def compliance_heatmap(comp: pd.DataFrame, stage: str, *, max_rows: int = 60):
    """School × indicator heatmap of value ÷ standard (1 = the standard), one stage.

    Schools are sorted by their lowest ratio (weakest on top); at most ``max_rows`` are drawn.
    """
    from .indicators import standard_value
    use_cjk_font()
    c = comp[comp["stage"] == stage].sort_values("min_ratio").head(max_rows)
    q = codes(QUALITY)
    ratio = pd.DataFrame({k: c[k].to_numpy(float) / standard_value(k, stage) for k in q},
                         index=c["school_name"].map(chart_text).to_numpy())
    h = max(2.5, 0.28 * len(ratio) + 1.2)
    fig, ax = plt.subplots(figsize=(8.5, h))
    if ratio.empty:
        ax.text(0.5, 0.5, f"{stage}无参与计算的学校", ha="center", va="center")
        ax.axis("off")
        return fig
    vals = ratio.to_numpy(float)
    im = ax.imshow(np.clip(vals, 0.4, 1.6), cmap="RdYlGn", vmin=0.4, vmax=1.6, aspect="auto")
    for (i, j), v in np.ndenumerate(vals):
        ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=7,
                color="white" if v < 0.6 or v > 1.45 else "black")
    ax.set_xticks(np.arange(len(q)), q)
    ax.set_yticks(np.arange(len(ratio)), ratio.index)
    ax.tick_params(length=0)
    for side in ax.spines.values():
        side.set_visible(False)
    fig.colorbar(im, ax=ax, shrink=0.6, label="实际值 ÷ 标准值")
    ax.set_title(f"{stage}各校优质均衡指标达成度（1.00 = 达到标准）", fontsize=11)
    ax.set_xlabel("")
    ax.tick_params(axis="y", labelsize=8)
    fig.tight_layout()
    return fig


def class_band_chart(bands: pd.DataFrame):
    """Stacked bars of class-size bands per stage (share of classes)."""
    use_cjk_font()
    labels = RULES["class_size"]["band_labels"]
    colors = ["#4c9a5b", "#e9c46a", "#f4a261", "#c0392b"]
    fig, ax = plt.subplots(figsize=(7, 2.6))
    if bands.empty:
        ax.text(0.5, 0.5, "未提供班级表", ha="center", va="center")
        ax.axis("off")
        return fig
    b = bands.set_index("stage")
    left = np.zeros(len(b))
    for lab, col in zip(labels, colors):
        share = (b[lab] / b["classes"]).to_numpy(float)
        ax.barh(b.index, share, left=left, color=col, label=lab)
        for y, (l_, s) in enumerate(zip(left, share)):
            if s >= 0.06:
                ax.text(l_ + s / 2, y, f"{s:.0%}", ha="center", va="center", fontsize=8, color="white")
        left += share
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.legend(ncol=4, frameon=False, fontsize=8, loc="lower center", bbox_to_anchor=(0.5, 1.0))
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return fig


def urban_rural_chart(gap: pd.DataFrame):
    """乡村 and 镇区 values as a share of 城区 for each quality indicator, per stage."""
    use_cjk_font()
    stages = [s for s in STAGES if s in set(gap["stage"])]
    fig, axes = plt.subplots(1, max(1, len(stages)), figsize=(10, 3.2), sharey=True, squeeze=False)
    for ax, stage in zip(axes[0], stages):
        g = gap[gap["stage"] == stage].set_index("indicator")
        x = np.arange(len(g))
        for k, (col, name, color) in enumerate((("mean_镇区", "镇区", "#e1812c"), ("mean_乡村", "乡村", "#3a923a"))):
            ax.bar(x + (k - 0.5) * 0.38, (g[col] / g["mean_城区"]).to_numpy(float), 0.38, label=f"{name} ÷ 城区",
                   color=color)
        ax.axhline(1.0, color="#555", linewidth=1, linestyle="--")
        ax.set_xticks(x, g.index)
        ax.set_title(f"{stage}：镇区、乡村学校相当于城区的比例", fontsize=10)
        ax.spines[["top", "right"]].set_visible(False)
        ax.legend(frameon=False, fontsize=8)
    fig.tight_layout()
    return fig


def trend_chart(trend: pd.DataFrame, *, indicators=("composite",), title: str | None = None):
    """CVs over the years with their limit lines (default: the 综合差异系数 of both stages)."""
    use_cjk_font()
    fig, ax = plt.subplots(figsize=(7, 3.2))
    t = trend[trend["indicator"].isin(list(indicators))]
    for (stage, ind), g in t.groupby(["stage", "indicator"], sort=False):
        g = g.sort_values("year")
        name = "综合差异系数" if ind == "composite" else ind
        ax.plot(g["year"], g["cv"], marker="o", color=_STAGE_COLORS.get(stage), label=f"{stage}{name}")
        lim = g["limit"].dropna()
        if len(lim):
            ax.axhline(lim.iloc[-1], color=_STAGE_COLORS.get(stage), linestyle="--", linewidth=1)
            ax.annotate(f"{stage}标准 {lim.iloc[-1]:.2f}", (g["year"].iloc[-1], lim.iloc[-1]), xytext=(4, 2),
                        textcoords="offset points", fontsize=8, color=_STAGE_COLORS.get(stage))
    years = sorted(t["year"].unique())
    ax.set_xticks(years, [f"{y}学年" for y in years])
    ax.set_ylabel("差异系数")
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(frameon=False, fontsize=8)
    if title:
        ax.set_title(chart_text(title), fontsize=11)
    fig.tight_layout()
    return fig


def rollup_chart(summary: pd.DataFrame):
    """All counties' 综合差异系数 (both stages) against the limits, sorted by the 小学 value."""
    use_cjk_font()
    s = summary.sort_values("composite_小学")
    fig, ax = plt.subplots(figsize=(10, 3.6))
    x = np.arange(len(s))
    for k, stage in enumerate(STAGES):
        ax.bar(x + (k - 0.5) * 0.38, s[f"composite_{stage}"].to_numpy(float), 0.38, label=stage,
               color=_STAGE_COLORS[stage])
        lim = RULES["basic"]["composite_limit"][stage]
        ax.axhline(lim, color=_STAGE_COLORS[stage], linestyle="--", linewidth=1.1)
        ax.annotate(f"{stage}标准 {lim:.2f}", (len(s) - 0.4, lim), xytext=(4, 0), textcoords="offset points",
                    fontsize=8, color=_STAGE_COLORS[stage], va="center")
    ax.set_xlim(-0.6, len(s) + 0.6)
    ax.set_xticks(x, s["county"].map(chart_text).to_list())
    ax.set_ylabel("综合差异系数")
    ax.set_title("各县(区)基本均衡综合差异系数", fontsize=11)
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(frameon=False, fontsize=9)
    fig.tight_layout()
    return fig
