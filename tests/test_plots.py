"""Charts: the compliance heatmap's three bands and names, every school drawn, limit lines whose labels
nothing covers, the roll-up in the order it is given, and no warning from any chart."""
import io
import re
import subprocess
import sys
import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from junheng_lib.analysis import coefficients as evaluate
from junheng_lib.data.dataset import load
from junheng_lib.report import plots
from junheng_lib.rules.indicators import RULES

Q = [f"Y{k}" for k in range(1, 8)]
#: the 小学 standards of Y1–Y7 (rules.toml std_primary), and the short names the charts print
STD_PRIMARY = [4.2, 1.0, 0.9, 4.5, 7.5, 2000, 2.3]
SHORT = ["高于规定学历教师", "骨干教师", "体育艺术教师", "教学及辅助用房", "体育运动场馆", "教学仪器设备", "网络多媒体教室"]
RED, AMBER, GREEN = 0, 1, 2
LIMIT_LABEL = re.compile(r"(小学|初中)标准 \d\.\d\d")

#: no warning may reach a notebook: building a chart warns nothing either
pytestmark = pytest.mark.filterwarnings("error")


def _render(fig) -> None:
    """Draw the figure with every warning an error."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig.savefig(io.BytesIO(), format="png", dpi=60)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _comp(names, ratios=None, stage="小学"):
    """Compliance rows of ``stage``: each school at ``ratios`` × the 小学 standards (default: all met)."""
    ratios = np.ones((len(names), 7)) if ratios is None else np.asarray(ratios, float)
    vals = ratios * np.array(STD_PRIMARY)
    return pd.DataFrame({"school_name": names, "stage": stage, "min_ratio": ratios.min(axis=1),
                         **{c: vals[:, k] for k, c in enumerate(Q)}})


def _mesh_bands(fig) -> np.ndarray:
    """The band of each drawn cell, rows top to bottom (NaN where no value)."""
    mesh = fig.axes[0].collections[0]
    return np.ma.filled(mesh.get_array().astype(float), np.nan).reshape(-1, 7)


@pytest.fixture(scope="module")
def sample():
    ds = load(None)
    return ds, max(ds.years)


def test_rule_numbers_the_band_tests_rely_on():
    assert RULES["quality"]["floor_share"] == 0.85 and RULES["display"]["tolerance"] == 1e-9


def test_three_bands_at_the_rule_boundaries():
    """84.9% red, 85% amber, 99.9% amber, 100% green; within the verdict's tolerance (1e-9 relative)
    a value just under 85% or 100% is in the upper band, just beyond it in the lower one."""
    ratios = [0.849, 0.85, 0.999, 1.0, 0.85 * (1 - 1e-10), 1.0 * (1 - 1e-10), 1.0 * (1 - 1e-8)]
    comp = _comp(["甲小学"], [ratios])
    want = [RED, AMBER, AMBER, GREEN, AMBER, GREEN, AMBER]
    assert plots.compliance_bands(comp, "小学").loc[0].tolist() == want
    red_by_tolerance = _comp(["乙小学"], [[0.85 * (1 - 1e-8)] + [1] * 6])
    assert plots.compliance_bands(red_by_tolerance, "小学").loc[0, "Y1"] == RED
    fig = plots.compliance_heatmap(comp, "小学")
    assert _mesh_bands(fig)[0].tolist() == want
    # the colours are three distinct categories (no continuous scale): red, amber, green
    mesh = fig.axes[0].collections[0]
    colours = [to_hex(mesh.cmap(mesh.norm(b))) for b in (RED, AMBER, GREEN)]
    assert len(set(colours)) == 3
    assert to_hex(mesh.cmap(mesh.norm(0.0))) == to_hex(mesh.cmap(mesh.norm(0.4)))     # one colour per band
    _render(fig)


def test_band_legend_names_the_rule_numbers():
    fig = plots.compliance_heatmap(_comp(["甲小学"], [[0.5, 0.9, 1, 1, 1, 1, np.nan]]), "小学")
    labels = [t.get_text() for lg in fig.legends for t in lg.get_texts()]
    assert labels == ["低于标准的85%", "达到标准的85%、未达标准", "达到或超过标准", "无数据"]
    assert np.isnan(_mesh_bands(fig)[0, 6])
    _render(fig)


def test_bands_agree_with_the_verdict_on_the_sample(sample):
    """The chart colours, the evaluation decides; both use the same rule and tolerance, so a school
    passes exactly when at least 6 cells are green and none is red."""
    ds, year = sample
    comp = evaluate.compliance(evaluate.values_table(ds.schools), year=year)
    for stage in ("小学", "初中"):
        c = comp[comp["stage"] == stage]
        bands = plots.compliance_bands(c, stage)
        green = (bands == GREEN).sum(axis=1)
        assert (green == c["met"]).all()
        assert ((green >= 6) & ~(bands == RED).any(axis=1)).equals(c["passed"].astype(bool))


def test_heatmap_names_indicators_not_codes():
    fig = plots.compliance_heatmap(_comp(["甲小学", "乙小学"]), "小学")
    ax = fig.axes[0]
    top = [t.label2.get_text() for t in ax.xaxis.get_major_ticks()]
    assert top == SHORT
    assert not any(t.get_text().startswith("Y") for t in ax.get_xticklabels())
    _render(fig)


def test_every_school_is_drawn_for_90_schools():
    names = [f"第{k}小学" for k in range(90)]
    rng = np.random.default_rng(7)
    comp = _comp(names, rng.uniform(0.3, 1.6, size=(90, 7)))
    fig = plots.compliance_heatmap(comp, "小学")
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert sorted(labels) == sorted(names) and len(labels) == 90
    assert _mesh_bands(fig).shape == (90, 7)
    # weakest (lowest value ÷ standard) on top
    lowest = comp.set_index("school_name")[Q].div(STD_PRIMARY).min(axis=1)
    assert labels == lowest.sort_values(kind="stable").index.tolist()
    _render(fig)
    pages = plots.compliance_heatmap_pages(comp, "小学")
    assert len(pages) == 3                                      # 90 rows, at most 39 a page: 30 + 30 + 30
    drawn = [t.get_text() for f in pages for t in f.axes[0].get_yticklabels()]
    assert drawn == labels
    for k, f in enumerate(pages, start=1):
        assert f.get_size_inches()[1] <= plots.PAGE_HEIGHT
        assert f.get_suptitle().endswith(f"（{k}/3）")
        _render(f)


def test_heatmap_is_printed_at_a4_text_width():
    fig = plots.compliance_heatmap(_comp(["甲小学"]), "小学")
    assert fig.get_size_inches()[0] == pytest.approx((210 - 28 - 26) / 25.4)


def test_a_stage_without_schools_says_so():
    fig = plots.compliance_heatmap(_comp(["甲小学"]), "初中")
    assert "初中无参与计算的学校" in [t.get_text() for ax in fig.axes for t in ax.texts]
    _render(fig)


# ---------------------------------------------------------------------------------------------
# Limit lines: across the bars, labels where nothing covers them

def _limit_parts(fig):
    """Per axes: bars, limit lines and limit labels with their drawn extents (pixels)."""
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    out = []
    for ax in fig.axes:
        labels = [t.get_window_extent(r) for t in ax.texts if LIMIT_LABEL.fullmatch(t.get_text())]
        bars = [p.get_window_extent(r) for p in ax.patches if isinstance(p, Rectangle) and p.get_height() > 0]
        lines = [ln.get_window_extent(r) for ln in ax.lines if isinstance(ln, Line2D) and ln.get_linestyle() != "-"]
        out.append((ax, labels, bars, lines))
    return out


def _assert_labels_clear(fig, n_labels):
    found = 0
    fig_box = fig.bbox
    for ax, labels, bars, lines in _limit_parts(fig):
        found += len(labels)
        for lab in labels:
            assert not any(lab.overlaps(b) for b in bars), "a limit label lies over a bar"
            for ln in lines:                            # never struck through: the label starts after the line
                assert lab.x0 > ln.x1 or not (lab.y0 <= ln.y0 <= lab.y1)
            assert fig_box.x0 <= lab.x0 and lab.x1 <= fig_box.x1, "a limit label is cut at the figure's edge"
        for a, b in zip(labels, labels[1:]):
            assert not a.overlaps(b), "two limit labels overlap"
    assert found == n_labels


def test_cv_chart_limit_labels_are_clear():
    rows = [dict(standard=s, stage=st, indicator=i, cv=cv)
            for st, cv in (("小学", 0.9), ("初中", 0.7))
            for s, items in (("basic", [f"L{k}" for k in range(1, 9)] + ["composite"]), ("quality", Q))
            for i in items]
    fig = plots.cv_chart(pd.DataFrame(rows), title="甲县差异系数与标准")
    _assert_labels_clear(fig, 4)        # composite 0.65 / 0.55, quality 0.50 / 0.45 (close: spread apart)
    texts = {t.get_text() for ax in fig.axes for t in ax.texts}
    assert {"小学标准 0.65", "初中标准 0.55", "小学标准 0.50", "初中标准 0.45"} <= texts
    assert [t.get_text() for t in fig.axes[1].get_xticklabels()] == SHORT
    _render(fig)


def test_cv_chart_of_a_county_without_junior_schools_has_no_junior_limit_or_legend():
    rows = [dict(standard=s, stage="小学", indicator=i, cv=0.3)
            for s, items in (("basic", [f"L{k}" for k in range(1, 9)] + ["composite"]), ("quality", Q)) for i in items]
    fig = plots.cv_chart(pd.DataFrame(rows))
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == ["小学"]
    assert [t.get_text() for ax in fig.axes for t in ax.texts] == ["小学标准 0.65", "小学标准 0.50"]
    _render(fig)


def test_rollup_chart_limit_labels_are_clear_with_the_last_bars_over_the_limits():
    summary = pd.DataFrame({"county": ["甲县", "乙县", "丙县", "丁县"], "composite_小学": [0.2, 0.3, 0.5, 0.9],
                            "composite_初中": [0.25, 0.35, 0.6, 0.95], "status": ""})
    fig = plots.rollup_chart(summary)
    _assert_labels_clear(fig, 2)
    _render(fig)


def test_trend_chart_limit_labels_are_clear():
    trend = pd.DataFrame({"year": [2023, 2024] * 2, "stage": ["小学"] * 2 + ["初中"] * 2, "indicator": "composite",
                          "cv": [0.5, 0.7, 0.4, 0.6], "limit": [0.65] * 2 + [0.55] * 2})
    fig = plots.trend_chart(trend, title="甲县综合差异系数变化")
    _assert_labels_clear(fig, 2)
    _render(fig)


def test_labels_that_would_touch_are_spread_symmetrically():
    assert plots._spread([10.0, 12.0], 10.0) == [6.0, 16.0]
    assert plots._spread([0.0, 50.0], 10.0) == [0.0, 50.0]
    assert plots._spread([0.0, 0.0, 0.0], 10.0) == [-10.0, 0.0, 10.0]


# ---------------------------------------------------------------------------------------------
# Roll-up: one ranking, given by the caller

def test_rollup_chart_keeps_the_given_order():
    """Neither alphabetical nor by a stage's value: exactly the rows as passed (the caller's ranking)."""
    summary = pd.DataFrame({"county": ["丙县", "甲县", "丁县", "乙县"], "composite_小学": [0.5, 0.2, 0.6, 0.1],
                            "composite_初中": [0.1, 0.6, 0.2, 0.5], "status": ""})
    fig = plots.rollup_chart(summary)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["丙县", "甲县", "丁县", "乙县"]
    primary = sorted((p for p in ax.patches if to_hex(p.get_facecolor()) == "#3b75af"), key=lambda p: p.get_x())
    assert [round(p.get_height(), 6) for p in primary] == [0.5, 0.2, 0.6, 0.1]
    _render(fig)


def test_rollup_chart_keeps_a_county_without_result_in_its_place():
    summary = pd.DataFrame({"county": ["甲县", "乙县", "丙县"], "composite_小学": [0.2, np.nan, 0.4],
                            "composite_初中": [0.3, np.nan, 0.5], "status": ["", "未生成", ""]})
    fig = plots.rollup_chart(summary)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["甲县", "乙县", "丙县"]
    assert "未生成" in [t.get_text() for t in ax.texts]
    _render(fig)


def _coef_grid(counties, cv):
    return pd.DataFrame([dict(year=2024, county=c, stage=st, standard="quality" if i != "composite" else "basic",
                              indicator=i, cv=cv, passed=cv <= 0.45)
                         for c in counties for st in ("小学", "初中") for i in ["composite", *Q]])


def test_rollup_grid_keeps_order_and_reads_the_verdict():
    coef = _coef_grid(["甲县", "乙县", "丙县"], 0.3)
    # 0.5 × (1 + 1e-10) is within the 小学 limit 0.50 by the rule's tolerance: the table says passed
    hit = (coef["county"] == "乙县") & (coef["stage"] == "小学") & (coef["indicator"] == "Y2")
    coef.loc[hit, ["cv", "passed"]] = [0.5 * (1 + 1e-10), True]
    over = (coef["county"] == "丙县") & (coef["stage"] == "初中") & (coef["indicator"] == "Y3")
    coef.loc[over, ["cv", "passed"]] = [0.46, False]
    fig = plots.rollup_grid(coef, ["丙县", "甲县", "乙县"])
    left, right = fig.axes[0], fig.axes[1]
    assert [t.get_text() for t in left.get_yticklabels()] == ["丙县", "甲县", "乙县"]
    assert [t.get_text() for t in left.get_xticklabels()] == ["综合差异系数", *SHORT]
    cells_l = np.ma.filled(left.collections[0].get_array().astype(float), np.nan).reshape(3, 8)
    cells_r = np.ma.filled(right.collections[0].get_array().astype(float), np.nan).reshape(3, 8)
    assert cells_l[2, 2] == 1.0                         # 乙县 小学 骨干教师: within its limit (as the table says)
    assert cells_r[0, 3] == 0.0 and np.nansum(cells_r == 0.0) == 1     # 丙县 初中 体育艺术教师 alone over
    assert "0.500" in [t.get_text() for t in left.texts]
    _render(fig)


def test_rollup_grid_keeps_a_county_without_cvs_and_needs_a_year_among_several():
    coef = _coef_grid(["甲县"], 0.3)
    fig = plots.rollup_grid(coef, ["甲县", "乙县"])
    cells = np.ma.filled(fig.axes[0].collections[0].get_array().astype(float), np.nan)
    assert cells.size == 16 and np.isnan(cells[8:]).all()
    assert "无数据" in [t.get_text() for lg in fig.legends for t in lg.get_texts()]
    _render(fig)
    two = pd.concat([coef, coef.assign(year=2023)])
    with pytest.raises(ValueError, match="多个学年"):
        plots.rollup_grid(two, ["甲县"])
    _render(plots.rollup_grid(two, ["甲县"], year=2023))


# ---------------------------------------------------------------------------------------------
# Distribution of the school values against the standard

def test_distribution_chart_draws_every_school_per_indicator_with_the_lines():
    ratios = np.array([[0.5, 0.86, 1.0, 2.5, 1, 1, 1], [1.2, 0.2, 0.849, 1, 1, 1, 1], [1.0, 1.0, 1.0, 1, 1, 1, 1]])
    fig = plots.distribution_chart(_comp(["甲", "乙", "丙"], ratios), "小学")
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == SHORT
    dots = np.concatenate([c.get_offsets() for c in ax.collections])
    assert len(dots) == 3 * 7
    # 250% is drawn as ▸ in the margin right of the 200% tick (the cap), inside the axes' range
    assert dots[:, 0].max() == pytest.approx(2.0 * 1.05) and ax.get_xlim()[1] > 2.0 * 1.05
    assert ax.get_xticks()[-1] == pytest.approx(2.0)
    assert sorted(dots[:, 0])[-2] <= 2.0                   # every other school at its own value
    assert {round(ln.get_xdata()[0], 6) for ln in ax.lines if ln.get_xdata()[0] == ln.get_xdata()[1]} >= {0.85, 1.0}
    texts = [t.get_text() for t in ax.texts]
    assert "标准值" in texts and "标准的85%" in texts
    again = plots.distribution_chart(_comp(["甲", "乙", "丙"], ratios), "小学")
    assert np.array_equal(dots, np.concatenate([c.get_offsets() for c in again.axes[0].collections]))  # no randomness
    _render(fig)


def test_distribution_chart_only_takes_indicators_with_a_standard():
    with pytest.raises(ValueError, match="L1"):
        plots.distribution_chart(_comp(["甲"]), "小学", indicators=["Y1", "L1"])
    fig = plots.distribution_chart(_comp(["甲"]), "小学", indicators=["Y4", "Y1"])
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == [SHORT[3], SHORT[0]]
    _render(fig)


# ---------------------------------------------------------------------------------------------
# Every chart on real data, with every warning an error

def test_every_chart_renders_the_sample_without_a_warning(sample, tmp_path):
    from junheng_lib.analysis.gap import urban_rural_gap
    from junheng_lib.analysis.size import class_bands
    from junheng_lib.analysis.trends import cv_trend
    ds, year = sample
    county = "白石县"
    values = evaluate.values_table(ds.schools)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        coef = evaluate.coefficients(values, county=county, year=year)
        comp = evaluate.compliance(values, county=county, year=year)
        figs = [plots.cv_chart(coef, title=f"{county}{year}学年差异系数与标准")]
        for stage in ("小学", "初中"):
            figs += [plots.compliance_heatmap(comp, stage), plots.distribution_chart(comp, stage),
                     *plots.compliance_heatmap_pages(comp, stage)]
        figs.append(plots.urban_rural_chart(urban_rural_gap(values, county=county, year=year)))
        figs.append(plots.class_band_chart(class_bands(ds.classes, ds.schools, county=county, year=year)))
        all_coef = evaluate.coefficients(values, year=year)
        trend = cv_trend(evaluate.coefficients(values, county=county))
        figs.append(plots.trend_chart(trend, title=f"{county}综合差异系数变化"))
        wide = all_coef[all_coef["indicator"] == "composite"].pivot(index="county", columns="stage", values="cv")
        summary = pd.DataFrame({"county": wide.index, "composite_小学": wide["小学"].to_numpy(),
                                "composite_初中": wide["初中"].to_numpy(), "status": ""})
        figs += [plots.rollup_chart(summary), plots.rollup_grid(all_coef, list(wide.index))]
        for k, fig in enumerate(figs):
            fig.savefig(tmp_path / f"{k}.png", dpi=60, bbox_inches="tight")
    assert all((tmp_path / f"{k}.png").stat().st_size > 5_000 for k in range(len(figs)))


def test_county_charts_do_not_import_seaborn():
    """seaborn imports scipy.stats (0.3–0.5 s), a cost every county report's kernel would pay: the
    county charts are matplotlib only; the roll-up grid imports seaborn when it is drawn."""
    code = """
import sys, pandas as pd
from junheng_lib.report import plots
comp = pd.DataFrame({"school_name": ["甲"], "stage": "小学", **{f"Y{k}": [1.0] for k in range(1, 8)}})
plots.compliance_heatmap(comp, "小学"); plots.distribution_chart(comp, "小学")
assert "seaborn" not in sys.modules
"""
    subprocess.run([sys.executable, "-c", code], check=True)


def test_degenerate_inputs_draw_without_a_warning():
    """One county, none with a result, no county at all, one year, an empty CV table, a stage without
    schools: each chart still draws (an empty legend used to warn)."""
    one = _comp(["甲小学"])
    nan = float("nan")
    figs = [plots.rollup_chart(pd.DataFrame({"county": ["甲县"], "composite_小学": [0.3], "composite_初中": [nan]})),
            plots.rollup_chart(pd.DataFrame({"county": ["甲县", "乙县"], "composite_小学": [nan, nan],
                                             "composite_初中": [nan, nan], "status": ["未生成", "未生成"]})),
            plots.rollup_chart(pd.DataFrame({"county": [], "composite_小学": [], "composite_初中": []})),
            plots.trend_chart(pd.DataFrame({"year": [2024], "stage": ["小学"], "indicator": ["composite"],
                                            "cv": [0.4], "limit": [0.65]})),
            plots.cv_chart(pd.DataFrame(columns=["standard", "stage", "indicator", "cv"])),
            plots.distribution_chart(one, "初中"), *plots.compliance_heatmap_pages(one, "初中"),
            plots.rollup_grid(pd.DataFrame(columns=["county", "stage", "indicator", "cv", "passed"]), ["甲县"])]
    for fig in figs:
        _render(fig)
