"""One evaluation per county-year: the schools are expanded once, and every output reads it."""
import json

import pytest

from junheng_lib.analysis import coefficients as evaluate
from junheng_lib.data.dataset import load
from junheng_lib.evaluation import TABLES, Evaluation, evaluate_county
from junheng_lib.render.blocks import Chart, Text
from junheng_lib.render.html import table_html
from junheng_lib.render.table import Table
from junheng_lib.report import outline
from junheng_lib.report.county import CountyReport


@pytest.fixture
def expansions(monkeypatch):
    """Count calls of the one expansion (school rows → school × stage rows)."""
    calls = []
    real = evaluate.school_stages

    def counted(schools, options=None):
        calls.append(sorted(set(zip(schools["county"], schools["year"]))))
        return real(schools, options)
    monkeypatch.setattr(evaluate, "school_stages", counted)
    return calls


def test_a_whole_county_report_expands_the_schools_once(expansions, tmp_path):
    rep = CountyReport.build(None, "白石县", 2024)
    for sec in rep.sections():            # every block of every section, as the notebook shows them
        for b in rep.blocks(sec):
            if isinstance(b, Table):
                table_html(b)
    paths = rep.write_outputs(tmp_path)   # results.json, Word, Excel
    assert len(expansions) == 1           # once, for all the county's years (the trends need them)
    assert {c for c, _ in expansions[0]} == {"白石县"}
    assert [p.suffix for p in paths] == [".json", ".docx", ".xlsx"]
    r = json.loads(paths[0].read_text(encoding="utf-8"))
    assert r["basic_passed"] is False and r["basic_passed"] == rep.ev.basic_passed


def test_evaluation_is_typed_and_warnings_are_data():
    ev = evaluate_county(load(None), "永宁县", 2024)
    assert isinstance(ev, Evaluation) and set(ev.tables()) == set(TABLES)
    w = ev.warnings
    assert {"stage", "indicator", "cv", "limit", "change", "kind"} <= set(w.columns) and "warning" not in w
    assert set(w["kind"]) <= {"newly_failed", "rising_near", "near_limit", "rising"} and len(w)
    # the verdicts come from the coefficients, not from text
    sv = ev.stage_verdicts()
    c = ev.coefficients.set_index(["stage", "indicator"])
    for st in sv.index:
        assert sv.loc[st, "basic_passed"] == c.loc[(st, "composite"), "passed"]


def test_analyses_refuse_a_schools_table():
    schools = load(None).schools
    for fn in (evaluate.coefficients, evaluate.compliance):
        with pytest.raises(TypeError, match="values table"):
            fn(schools)


def test_outline_is_declared_once_and_every_block_exists():
    rep = CountyReport.build(None, "东湖区", 2024)
    keys = [s.key for s in outline.SECTIONS]
    assert len(keys) == len(set(keys))
    for sec in outline.SECTIONS:
        for name in sec.blocks:
            assert callable(getattr(rep, name)), name
        for b in rep.blocks(sec):
            assert isinstance(b, (Text, Table, Chart)), (sec.key, b)


def test_notebook_and_word_follow_the_same_outline(tmp_path):
    import docx
    import nbformat

    from junheng_lib.util.paths import notebook
    nb = nbformat.read(notebook("county_report.ipynb"), as_version=4)
    shown = [c.source.split('"')[1] for c in nb.cells if c.cell_type == "code" and 'rep.show("' in c.source]
    assert shown == [s.key for s in outline.SECTIONS]          # the notebook shows every section, in order
    rep = CountyReport.build(None, "东湖区", 2024)
    path = rep.write_outputs(tmp_path)[1]
    paras = [p.text for p in docx.Document(str(path)).paragraphs]
    titles = [s.title for s in rep.sections() if s.title]
    found = [t for t in titles if t in paras]
    assert found == titles                                       # every section title, in outline order
    assert [p for p in paras if p in titles] == titles
