"""Charts (matplotlib/seaborn) with Chinese labels from the bundled OFL font.

Every function returns the Figure; nothing here saves files or computes indicators.
:func:`use_cjk_font` registers ``fonts/JunhengSansSC-Regular.otf`` (a renamed subset of Noto Sans
CJK SC, SIL OFL 1.1) and makes a missing glyph an error, so a chart can never show tofu boxes.
"""
from __future__ import annotations

import warnings
from importlib import resources

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib import font_manager

from .indicators import BASIC, INDICATORS, QUALITY, RULES, STAGES, codes

__all__ = ["FONT_FAMILY", "font_path", "use_cjk_font", "cv_chart"]

FONT_FAMILY = "Junheng Sans SC"
_STAGE_COLORS = {"小学": "#3b75af", "初中": "#e1812c"}


def font_path() -> str:
    """Path of the bundled CJK font file."""
    return str(resources.files(__package__).joinpath("fonts", "JunhengSansSC-Regular.otf"))


def use_cjk_font() -> None:
    """Register the bundled font and use it (with DejaVu Sans as per-glyph fallback)."""
    if FONT_FAMILY not in {f.name for f in font_manager.fontManager.ttflist}:
        font_manager.fontManager.addfont(font_path())
    matplotlib.rcParams["font.family"] = [FONT_FAMILY, "DejaVu Sans"]
    matplotlib.rcParams["axes.unicode_minus"] = True
    warnings.filterwarnings("error", message=r"Glyph .* missing from font", category=UserWarning)


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
        fig.suptitle(title, fontsize=12)
    fig.tight_layout()
    return fig


def indicator_legend(standard: str) -> str:
    """"L1 生均教学及辅助用房面积；L2 …" — the key printed under charts that use codes."""
    t = INDICATORS[INDICATORS["standard"] == standard]
    return "；".join(f"{c} {n}" for c, n in zip(t.index, t["name"]))
