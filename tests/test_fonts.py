"""Names in charts: the bundled font covers GB18030's ideographs, installed CJK fonts take over glyph by
glyph beyond it, and a character no font has becomes 〓 — never a failed chart — and is reported."""
import io
import json
import warnings
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import pandas as pd
import pytest
from matplotlib import font_manager, ft2font

from junheng_lib.report import plots
from junheng_lib.rules.indicators import RULES
from junheng_lib.run import execute
from junheng_lib.run import runner as batch
from junheng_lib.util.paths import sample_dir

#: outside GB2312 (the bundled font of junheng ≤ 0.1): each killed its county's report
REAL_NAMES = ["埇桥区", "浉河区", "鄠邑区", "王堌堆小学"]
EXT_B = "王\U0002003E小学"          # 王𠀾小学: 𠀾 is CJK Extension B, beyond the bundled font
SUB = RULES["display"]["missing_glyph"]


@pytest.fixture
def bundled_only(monkeypatch):
    """As on a machine without any installed CJK font: bundled font, then DejaVu Sans."""
    monkeypatch.setattr(plots, "installed_cjk_families", lambda: (), raising=False)


def _render(fig) -> None:
    """Draw a figure with every warning an error (a missing glyph warns while drawing)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig.savefig(io.BytesIO(), format="png", dpi=40)
    plt.close(fig)


def _comp(names):
    """A compliance table (one 小学 row per name) as evaluate.compliance gives it."""
    q = [f"Y{k}" for k in range(1, 8)]
    return pd.DataFrame({"school_name": names, "stage": "小学", "min_ratio": 0.9,
                         **{c: [1.0] * len(names) for c in q}})


def _coef():
    rows = [dict(standard=s, stage=st, indicator=i, cv=0.3)
            for st in ("小学", "初中")
            for s, items in (("basic", [f"L{k}" for k in range(1, 9)] + ["composite"]),
                             ("quality", [f"Y{k}" for k in range(1, 8)]))
            for i in items]
    return pd.DataFrame(rows)


def test_bundled_font_covers_gb18030_ideographs():
    cmap = set(ft2font.FT2Font(plots.font_path()).get_charmap())
    # GB18030's ideographs: Ext-A U+3400–4DB5 (6,582) and URO U+4E00–9FEF (20,976); the code points added
    # in Unicode 13–14 (U+4DB6–4DBF, U+9FF0–9FFF) are in neither GB18030 nor Noto Sans CJK 2.004
    ext_a = set(range(0x3400, 0x4DB6))
    uro = set(range(0x4E00, 0x9FF0))
    assert not ext_a - cmap and not uro - cmap
    gbk = {ord(bytes([0xB0 + k // 94, 0xA1 + k % 94]).decode("gb18030")) for k in range(94 * 8)}  # rows 16–23
    assert gbk <= cmap
    assert {ord(c) for c in "".join(REAL_NAMES) + SUB + "，。、（）“”％㎡－−"} <= cmap
    assert 0x2003E not in cmap                 # Ext-B is left to installed fonts (tests below rely on it)
    assert 6_000_000 < Path(plots.font_path()).stat().st_size < 8_000_000


def test_font_family_is_a_fallback_list():
    plots.use_cjk_font()
    fam = matplotlib.rcParams["font.family"]
    assert fam[0] == plots.FONT_FAMILY and fam[-1] == "DejaVu Sans"
    assert fam[1:-1] == list(plots.installed_cjk_families())


def test_names_outside_gb2312_render_in_every_chart(bundled_only):
    """The bundled font alone draws them (no installed CJK font needed), with no warning."""
    assert plots.missing_glyphs("".join(REAL_NAMES)) == ""
    _render(plots.cv_chart(_coef(), title=f"{REAL_NAMES[0]}2024学年差异系数与标准"))
    _render(plots.compliance_heatmap(_comp(REAL_NAMES), "小学"))
    trend = pd.DataFrame({"year": [2023, 2024], "stage": "小学", "indicator": "composite", "cv": [0.4, 0.5],
                          "limit": 0.65})
    _render(plots.trend_chart(trend, title=f"{REAL_NAMES[1]}综合差异系数变化"))
    summary = pd.DataFrame({"county": REAL_NAMES[:3], "composite_小学": [0.3, 0.4, 0.5],
                            "composite_初中": [0.2, 0.3, 0.6]})
    fig = plots.rollup_chart(summary)
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == REAL_NAMES[:3]
    _render(fig)


def test_character_no_font_has_is_substituted_and_reported(bundled_only):
    assert plots.missing_glyphs(EXT_B) == "\U0002003E"
    assert plots.chart_text(EXT_B) == f"王{SUB}小学"
    fig = plots.compliance_heatmap(_comp(["王堌堆小学", EXT_B]), "小学")
    labels = {t.get_text() for t in fig.axes[0].get_yticklabels()}
    assert labels == {"王堌堆小学", f"王{SUB}小学"}
    _render(fig)                                        # no warning, no error
    _render(plots.cv_chart(_coef(), title=f"{EXT_B}差异系数"))
    note = plots.glyph_note(["埇桥区", "王堌堆小学", EXT_B, EXT_B])
    assert f"“{EXT_B}”" in note and SUB in note and "埇桥区" not in note and note.count(EXT_B) == 1
    assert plots.glyph_note(REAL_NAMES) == ""


def test_unsanitised_tofu_is_still_an_error_in_our_tests(bundled_only):
    """pyproject's filterwarnings: a label that bypasses chart_text fails the test suite."""
    plots.use_cjk_font()
    fig, ax = plt.subplots()
    ax.set_title(EXT_B)
    with pytest.raises(UserWarning, match="Glyph"):
        fig.savefig(io.BytesIO(), format="png")
    plt.close(fig)


def test_dollar_signs_and_invisible_characters_in_names(bundled_only):
    assert plots.chart_text("A$1$小学") == "A\\$1\\$小学"          # shown as typed, not as mathtext
    assert plots.chart_text("葛\U000E0100家小学") == "葛家小学"      # ideographic variation selector
    _render(plots.compliance_heatmap(_comp(["A$1$小学", "葛\U000E0100家小学"]), "小学"))


def test_runner_kernels_do_not_turn_a_missing_glyph_into_an_error():
    """Kernels get execute.KERNEL_ENV: a chart label that still lacks a glyph warns, never fails the report."""
    import os
    import subprocess
    import sys
    code = ("import io, matplotlib; matplotlib.use('agg'); import matplotlib.pyplot as plt\n"
            "fig, ax = plt.subplots(); ax.set_title('\\U00020000'); fig.savefig(io.BytesIO(), format='png')")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONWARNINGS"} | execute.KERNEL_ENV | {"MPLBACKEND": "agg"}
    run = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr


def _ext_b_font(path: Path, family: str) -> Path:
    """A tiny TrueType font drawing 中 and 𠀾 (a square each), registered under ``family``."""
    from fontTools.fontBuilder import FontBuilder
    from fontTools.pens.ttGlyphPen import TTGlyphPen

    def square():
        pen = TTGlyphPen(None)
        pen.moveTo((100, 0)), pen.lineTo((100, 800)), pen.lineTo((900, 800)), pen.lineTo((900, 0))
        pen.closePath()
        return pen.glyph()
    fb = FontBuilder(1000, isTTF=True)
    fb.setupGlyphOrder([".notdef", "zhong", "extb"])
    fb.setupCharacterMap({0x4E2D: "zhong", 0x2003E: "extb"})
    fb.setupGlyf({g: square() for g in (".notdef", "zhong", "extb")})
    fb.setupHorizontalMetrics({g: (1000, 100) for g in (".notdef", "zhong", "extb")})
    fb.setupHorizontalHeader(ascent=880, descent=-120)
    fb.setupNameTable({"familyName": family, "styleName": "Regular"})
    fb.setupOS2()
    fb.setupPost()
    fb.save(str(path))
    return path


def test_installed_cjk_font_takes_over_beyond_the_bundled_font(tmp_path, monkeypatch):
    """A CJK font installed on the machine (even after matplotlib cached its font list) is found and
    draws what the bundled font lacks: no substitute, no warning."""
    family = "Junheng Test ExtB"
    font = _ext_b_font(tmp_path / "extb.ttf", family)
    manager = font_manager.fontManager
    latin = [e for e in manager.ttflist if e.name in ("DejaVu Sans", plots.FONT_FAMILY)]
    monkeypatch.setattr(manager, "ttflist", latin)             # a machine without CJK fonts, then …
    monkeypatch.setattr(font_manager, "findSystemFonts", lambda *a, **k: [str(font)])  # … one is installed
    plots.installed_cjk_families.cache_clear()
    try:
        assert plots.installed_cjk_families() == (family,)
        plots.use_cjk_font()
        assert matplotlib.rcParams["font.family"] == [plots.FONT_FAMILY, family, "DejaVu Sans"]
        assert plots.missing_glyphs(EXT_B) == "" and plots.chart_text(EXT_B) == EXT_B
        _render(plots.compliance_heatmap(_comp([EXT_B]), "小学"))
    finally:
        monkeypatch.undo()
        plots.installed_cjk_families.cache_clear()
        manager._findfont_cached.cache_clear()
        plots.use_cjk_font()


def test_county_report_names_affected_names_at_its_top(tmp_path, bundled_only):
    from junheng_lib.report.county import CountyReport
    data = _county_folder(tmp_path)
    rep = CountyReport.build(str(data), "埇桥区", 2024)
    note = rep.notices()[-1]
    assert note.startswith("图表说明") and f"“{EXT_B}”" in note and "王堌堆小学" not in note
    assert "“埇桥区”" not in note



def test_city_rollup_names_counties_its_chart_cannot_draw(tmp_path, bundled_only):
    from junheng_lib.report.city import CityReport
    data = _county_folder(tmp_path, county=EXT_B[:2] + "区")        # 王𠀾区
    city = CityReport.build(str(data), 2024)
    assert city.narrative().endswith(plots.glyph_note([EXT_B[:2] + "区"]))
    assert "“王\U0002003E区”" in city.narrative()
    fig = plots.rollup_chart(city.summary())
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == [f"王{SUB}区"]
    _render(fig)


# ---------------------------------------------------------------------- the whole report (papermill)
RARE = "\U00020000家庄小学"    # 𠀀 (U+20000): in no Noto Sans CJK face either


def _county_folder(d: Path, county: str = "埇桥区") -> Path:
    """Sample county 东湖区 (all years) renamed 埇桥区, with three 小学 renamed to rare names."""
    s = pd.read_csv(sample_dir() / "schools.csv", dtype={"county_code": str, "school_id": str,
                                                          "central_school_id": str})
    s = s[s["county"] == "东湖区"].copy()
    s["county"] = county
    ids = s[(s["school_type"] == "小学") & (s["ownership"] == "公办") & (s["affiliation"] == "县属")
            & (s["year"] == 2024)]["school_id"].drop_duplicates().iloc[:3]
    for sid, name in zip(ids, ["王堌堆小学", EXT_B, RARE]):
        s.loc[s["school_id"] == sid, "school_name"] = name
    s.to_csv(d / "schools.csv", index=False)
    c = pd.read_csv(sample_dir() / "classes.csv", dtype={"school_id": str})
    c[c["school_id"].isin(set(s["school_id"]))].to_csv(d / "classes.csv", index=False)
    return d


def test_report_of_a_county_with_rare_names(tmp_path):
    import nbformat
    import openpyxl
    data = _county_folder(tmp_path)
    out = tmp_path / "out"
    res = batch.run_county(batch.CountyTask(county="埇桥区", year=2024, out_dir=str(out), data_dir=str(data)))
    assert res.ok, res.error
    html = (out / "埇桥区.html").read_text(encoding="utf-8")
    for name in ("埇桥区2024学年义务教育均衡发展监测报告", "王堌堆小学", EXT_B, RARE):
        assert name in html, name                       # tables and text keep the exact names
    nb = nbformat.read(out / "埇桥区.ipynb", as_version=4)
    for cell in nb.cells:
        for o in cell.get("outputs", []):
            assert o.get("output_type") != "error" and o.get("name") != "stderr", o
    # the note names exactly the names this machine's fonts cannot draw (RARE on every usual machine)
    affected = [n for n in ("王堌堆小学", EXT_B, RARE) if plots.missing_glyphs(n)]
    assert "王堌堆小学" not in affected
    for n in ("王堌堆小学", EXT_B, RARE):
        assert (f"“{n}”" in html) == (n in affected), n
    assert ("图表说明" in html) == bool(affected)
    names = {c.value for row in openpyxl.load_workbook(out / "埇桥区.xlsx")["学校达标情况"].iter_rows()
             for c in row}
    assert {"王堌堆小学", EXT_B, RARE} <= names
    import docx
    text = "\n".join(p.text for p in docx.Document(str(out / "埇桥区.docx")).paragraphs)
    assert "埇桥区2024学年" in text and all((f"“{n}”" in text) == (n in affected) for n in (EXT_B, RARE))
    assert json.loads((out / "埇桥区.results.json").read_text(encoding="utf-8"))["county"] == "埇桥区"
