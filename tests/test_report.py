"""The county report: papermill run on the sample data, side file, HTML, fonts, golden in step."""
import json
import re
from pathlib import Path

import nbformat
import pytest

from junheng_lib.analysis import coefficients as evaluate
from junheng_lib.data.dataset import load
from junheng_lib.report import outline, plots
from junheng_lib.run import kernels, tasks
from junheng_lib.run import runner as batch
from junheng_lib.util.paths import notebook, sample_dir

ROOT = Path(__file__).resolve().parents[1]


def test_every_sample_character_is_in_the_bundled_font():
    from fontTools.ttLib import TTFont
    cmap = TTFont(plots.font_path())["cmap"].getBestCmap()
    text = "".join(p.read_text(encoding="utf-8") for p in sample_dir().glob("*.csv"))
    from junheng_lib.rules.indicators import INDICATORS
    text += "".join(INDICATORS["name"]) + "".join(INDICATORS["short"]) + "差异系数综合标准小学初中基本均衡优质"
    missing = sorted({ch for ch in text if ch.strip() and ord(ch) > 127 and ord(ch) not in cmap})
    assert not missing, f"characters missing from the bundled font: {''.join(missing)}"


def test_font_licence_ships_beside_font():
    font = Path(plots.font_path())
    licence = (font.parent / "OFL.txt").read_text(encoding="utf-8")
    assert "SIL OPEN FONT LICENSE Version 1.1" in licence and font.stat().st_size > 1_000_000


@pytest.fixture(scope="module")
def run_one(tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    task = batch.CountyTask(county="永宁县", year=2024, out_dir=str(out))
    return out, batch.run_county(task)


def test_papermill_report_and_side_file(run_one):
    out, res = run_one
    assert res.ok, res.error
    results = json.loads((out / "永宁县.results.json").read_text(encoding="utf-8"))
    assert results["county"] == "永宁县" and results["year"] == 2024
    ds = load(None)
    coef = evaluate.coefficients(evaluate.values_table(ds.schools), county="永宁县", year=2024).set_index(["stage", "indicator"])
    for stage in ("小学", "初中"):
        got = results["stages"][stage]
        assert got["composite"]["cv"] == pytest.approx(coef.loc[(stage, "composite"), "cv"], rel=1e-12)
        assert got["composite"]["passed"] == coef.loc[(stage, "composite"), "passed"]
        for code in ("Y1", "Y7"):
            assert got["quality"][code]["cv"] == pytest.approx(coef.loc[(stage, code), "cv"], rel=1e-12)
    comp = evaluate.compliance(evaluate.values_table(ds.schools), county="永宁县", year=2024)
    assert results["stages"]["小学"]["schools_passed"] == int(comp[comp["stage"] == "小学"]["passed"].sum())
    assert results["options"]["small_schools"] == "include"
    assert "永宁县" in (out / "永宁县.results.json").read_text(encoding="utf-8")  # Chinese readable, not \u escapes


def test_side_outputs_docx_and_xlsx(run_one):
    out, _ = run_one
    assert (out / "永宁县.docx").exists() and (out / "永宁县.xlsx").exists()


def test_docx_gives_every_chinese_run_an_east_asian_face(run_one):
    """The faces are set on the styles (East Asian attribute), not on each run: a run's face is its
    own, else its paragraph style's up the basedOn chain, else the document defaults."""
    import docx
    from docx.oxml.ns import qn
    out, _ = run_one
    d = docx.Document(str(out / "永宁县.docx"))

    def face(rpr):
        rf = None if rpr is None else rpr.find(qn("w:rFonts"))
        return None if rf is None else ("theme" if rf.get(qn("w:eastAsiaTheme")) else rf.get(qn("w:eastAsia")))

    paras = list(d.paragraphs) + [p for t in d.tables for row in t.rows for c in row.cells for p in c.paragraphs]
    cjk = [(p, r) for p in paras for r in p.runs if any("\u4e00" <= ch <= "\u9fff" for ch in r.text)]
    assert len(cjk) > 100
    for p, r in cjk:
        got, style = face(r._element.rPr), p.style
        while got is None and style is not None:
            got, style = face(style.element.rPr), style.base_style
        # GB/T 9704 faces: title 小标宋, headings 黑体/楷体, body 仿宋, tables 宋体
        assert got in ("方正小标宋简体", "黑体", "楷体_GB2312", "仿宋_GB2312", "宋体"), (r.text, p.style.name)
    normal = d.styles["Normal"].element.rPr.find(qn("w:rFonts"))
    assert normal.get(qn("w:eastAsia")) == "仿宋_GB2312"
    text = "\n".join(p.text for p in d.paragraphs)
    for heading in ("基本情况", "基本均衡", "优质均衡", "规模与班额", "师资配置", "城乡差距", "趋势与预警", "存在问题"):
        assert heading in text
    assert text.count("永宁县教育局") == 2          # cover and 落款: the issuer by default


def test_xlsx_highlights_failing_cells(run_one):
    import openpyxl
    out, _ = run_one
    wb = openpyxl.load_workbook(out / "永宁县.xlsx")
    assert wb.sheetnames == ["差异系数表", "学校达标情况", "学校指标差额", "各校指标值", "整改台账",
                             "项目与投入", "资助与控辍保学", "在校生预测", "各校在校生预测", "基本均衡条件", "教职工编制", "经费逐年", "数据与计算口径"]
    # 学校指标差额: each row at its indicator's decimals (教学仪器设备 in whole 元, areas to 0.01 ㎡ a
    # student), its 差额 at its resource's (whole 元 and people, ㎡ to 0.1), the units beside
    sf = wb["学校指标差额"]
    head = [c.value for c in sf[2]]
    col = {h: head.index(h) for h in ("指标", "指标单位", "实际值", "标准值", "差额单位", "差额(达到标准)")}
    seen = set()
    for r in sf.iter_rows(min_row=3):
        name = r[col["指标"]].value
        if not isinstance(r[col["实际值"]].value, float | int):
            continue
        fmt = (r[col["实际值"]].number_format, r[col["标准值"]].number_format, r[col["差额(达到标准)"]].number_format)
        if name == "生均教学仪器设备值":
            assert fmt == ("#,##0", "#,##0", "#,##0") and r[col["指标单位"]].value == "元/生"
            seen.add(name)
        elif name == "生均教学及辅助用房面积":
            assert fmt == ("#,##0.00", "#,##0.00", "#,##0.0") and r[col["差额单位"]].value == "㎡"
            seen.add(name)
    assert seen == {"生均教学仪器设备值", "生均教学及辅助用房面积"}
    ws = wb["学校达标情况"]
    header = [c.value for c in ws[2]]                      # row 1: the caption, row 2: the header
    j = header.index("结论") + 1
    for row in ws.iter_rows(min_row=3):
        cell = row[j - 1]
        red = cell.fill is not None and cell.fill.fgColor.rgb and cell.fill.fgColor.rgb.endswith("F8CBAD")
        assert bool(red) == (cell.value == "未达标")
    sheet = wb["差异系数表"]
    reds = [c.value for r in sheet.iter_rows() for c in r if c.fill.fgColor.rgb and str(c.fill.fgColor.rgb).endswith("F8CBAD")]
    ds = load(None)
    coef = evaluate.coefficients(evaluate.values_table(ds.schools), county="永宁县", year=2024)
    assert len(reds) == int(coef["passed"].eq(False).sum())


def test_notebook_has_no_stderr_no_errors(run_one):
    out, _ = run_one
    nb = nbformat.read(out / "永宁县.ipynb", as_version=4)
    for cell in nb.cells:
        for o in cell.get("outputs", []):
            assert o.get("output_type") != "error", o
            assert not (o.get("output_type") == "stream" and o.get("name") == "stderr"), o.get("text")
    pngs = [o for c in nb.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
    assert pngs, "the CV chart is missing"


def test_html_has_no_code_and_embeds_images(run_one):
    out, _ = run_one
    html = (out / "永宁县.html").read_text(encoding="utf-8")
    assert "CountyReport.build" not in html and "import " not in html
    assert "data:image/png;base64" in html
    assert "永宁县2024学年义务教育均衡发展监测报告" in html
    assert "综合差异系数" in html


def test_html_has_contents_list(run_one):
    """A 目录 after the title links every section heading, in order, 总体结论 first."""
    import re
    out, _ = run_one
    html = (out / "永宁县.html").read_text(encoding="utf-8")
    assert '<html lang="zh-CN"' in html
    nav = re.search(r'<nav class="jh-contents".*?</nav>', html, re.S).group(0)
    ids = re.findall(r'<h2 id="([^"]+)"', html)
    assert ids and re.findall(r'href="#([^"]+)"', nav) == ids
    assert html.index("</h1>") < html.index(nav) < html.index("<h2 id=")
    titles = re.findall(r'<a href="#[^"]+">([^<]+)</a>', nav)
    assert titles[:2] == ["总体结论", "一、基本情况"] and titles[-1] == "说明"


def test_conclusion_section_follows_the_header():
    from junheng_lib.report.outline import SECTIONS
    keys = [s.key for s in SECTIONS]
    assert keys.index("conclusion") == keys.index("header") + 1 == keys.index("overview") - 1
    cells = [c.source for c in nbformat.read(notebook(tasks.COUNTY), as_version=4).cells]
    assert cells.index('rep.show("conclusion")') == cells.index('rep.show("header")') + 1


def test_failed_county_keeps_notebook_and_does_not_write_outputs(tmp_path):
    res = batch.run_county(batch.CountyTask(county="不存在县", year=2024, out_dir=str(tmp_path)))
    assert not res.ok and "不存在县" in res.error
    assert (tmp_path / "不存在县.failed.ipynb").exists()
    assert not (tmp_path / "不存在县.html").exists() and not (tmp_path / "不存在县.ipynb").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def _cells(nb):
    return [(c.cell_type, c.source) for c in nb.cells if "injected-parameters" not in c.metadata.get("tags", [])]


@pytest.mark.parametrize("name", ["county_report.ipynb", "city_rollup.ipynb"])
def test_golden_notebook_is_the_template(name):
    template = nbformat.read(notebook(name), as_version=4)
    golden = nbformat.read(ROOT / "tests" / "golden" / name, as_version=4)
    assert _cells(golden) == _cells(template), "run tests/golden/make_golden.py after editing the notebook"


def test_notebooks_are_thin():
    for name in ("county_report.ipynb", "city_rollup.ipynb", "explore.ipynb"):
        nb = nbformat.read(notebook(name), as_version=4)
        src = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
        assert "def " not in src and "class " not in src, name
        text = "\n".join(c.source for c in nb.cells)
        for literal in ("0.65", "0.55", "0.50", "0.45", "0.05", "85%", "96㎡", "4.5", "2000"):
            assert literal not in text, f"{name}: rule value {literal} written in the notebook"
        tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
        assert len(tagged) == 1, name


def test_explore_notebook_runs(tmp_path):
    import papermill as pm
    out = tmp_path / "explore.ipynb"
    pm.execute_notebook(str(notebook("explore.ipynb")), str(out), parameters={"county": "白石县"},
                        kernel_name="python3", cwd=str(tmp_path), progress_bar=False,
                        kernel_manager_class=kernels.IPCKernelManager)
    nb = nbformat.read(out, as_version=4)
    errs = [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"
            or o.get("name") == "stderr"]
    assert not errs
    # what it shows is in Chinese and formatted: no column codes, no unformatted floats
    shown = "\n".join(v for c in nb.cells for o in c.get("outputs", []) for k, v in o.get("data", {}).items()
                      if k in ("text/html", "text/plain", "text/markdown"))
    for word in ("school_id", "school_name", "cv_前", "for_standard", "composite", "NaN", "None"):
        assert word not in shown, word
    assert not re.search(r"\d\.\d+e[+-]\d{2}", shown), "scientific notation"
    assert not re.search(r"\d\.\d{5,}", shown), "an unrounded value"


def test_notebook_parameters_match_runner():
    import papermill as pm

    from junheng_lib.rules.options import Options
    common = {"data_dir", "year", "output_dir", *Options().to_dict()}
    run = {"docx_template", "issuer", "data_slice"}   # what the runner may pass besides the options
    county_only = {"county", "standards"}            # the 办学基本标准 file: county reports only
    assert set(pm.inspect_notebook(str(notebook(tasks.COUNTY)))) == common | county_only | run
    assert tasks.notebook_parameters(tasks.COUNTY) == common | county_only | run
    assert set(pm.inspect_notebook(str(notebook(tasks.ROLLUP)))) == common | {"results_dir", "rollup"} | run
    # the literal defaults of the parameters cells are the rule table's open-point defaults
    import ast
    for name in (tasks.COUNTY, tasks.ROLLUP):
        params = pm.inspect_notebook(str(notebook(name)))
        for key, value in Options().to_dict().items():
            assert ast.literal_eval(params[key]["default"]) == value, (name, key)


@pytest.fixture(scope="module")
def yongning():
    from junheng_lib.report.county import CountyReport
    return CountyReport.build(None, "永宁县", 2024)


def test_report_prose_follows_the_narrative_rules(yongning):
    """On the sample county: names not codes, one warning per resource as the table counts them, the
    scope note beside the 师资配置 counts, the plan budget beside the shortfall."""
    import re

    from junheng_lib.report.county import Text
    from junheng_lib.report.narrative import amount
    rep = yongning
    texts = {s.key: [b.text for b in rep.blocks(s) if isinstance(b, Text)] for s in rep.sections()}
    prose = "\n".join(t for k, v in texts.items() if k != "provenance" for t in v)
    assert not re.search(r"(?<![A-Za-z])[LY][1-8](?![0-9])|composite|NaN|None", prose)
    assert texts["conclusion"][0].startswith("基本均衡：") and texts["conclusion"][1].startswith("优质均衡：4个方面中")
    # warnings: the text's count is the table's rows, fewer than the indicators warned when one
    # resource is warned in both standards
    n = int(re.search(r"共有(\d+)项预警", "".join(texts["trend"])).group(1))
    w = rep.ev.warnings
    pairs = w.groupby(["stage", "resource"]).size()
    assert n == len(rep.warning_table().data) == len(w) - int((pairs > 1).sum())
    # scope: 基本情况 counts every school; 师资配置 the public county-run schools without teaching
    # points and special-education schools — derived here from the schools table
    s = load(None).schools
    s = s[(s["county"] == "永宁县") & (s["year"] == 2024)]
    every = s["students_primary"].sum()
    inside = s.loc[(s["ownership"] == "公办") & (s["affiliation"] == "县属")
                   & ~s["school_type"].isin(["教学点", "特殊教育学校"]), "students_primary"].sum()
    note = next(t for t in texts["staffing"] if t.startswith("注："))
    assert f"小学在校生{inside:,.0f}人，比“基本情况”中全县小学在校生{every:,.0f}人少{every - inside:,.0f}人" in note
    # the shortfall is followed by the least-cost plan's budget, each named
    sf = next(t for t in texts["quality"] if t.startswith("按每校达到标准值测算"))
    plan = amount(float(rep.ev.compliance_plan["cost"].sum()), "元")
    assert "补足到标准值（100%）的数量之和" in sf and "最低成本达标方案" in sf and f"需投入{plan}" in sf


@pytest.mark.parametrize("name,var,sections", [("county_report.ipynb", "rep", outline.SECTIONS),
                                               ("city_rollup.ipynb", "city", outline.CITY_SECTIONS)])
def test_each_notebook_shows_each_section_once_in_outline_order(name, var, sections):
    """The title shown twice made the roll-up's HTML open with two titles around its contents list."""
    src = "\n".join(c.source for c in nbformat.read(notebook(name), as_version=4).cells if c.cell_type == "code")
    shown = re.findall(rf'{var}\.show\("([a-z_]+)"\)', src)
    assert shown == [s.key for s in sections]
