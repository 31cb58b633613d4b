"""explore.ipynb's what-if: a school chosen by name, resources added by named arguments."""
import pytest
from conftest import compliant, write_csv

from junheng_lib import read_schools
from junheng_lib.analysis.whatif import find_school, what_if_school

pytestmark = pytest.mark.fast


@pytest.fixture
def two_schools(tmp_path):
    # two 小学 of 100 pupils, 450 ㎡ 教学及辅助用房 each: Y4 = 4.5 ㎡/生 at both, CV 0
    return read_schools(write_csv(tmp_path / "schools.csv", [compliant(school_id="A", school_name="城关小学"),
                                                             compliant(school_id="B", school_name="东关小学")]))


def test_adding_area_to_one_school_moves_the_cv_as_derived_by_hand(two_schools):
    out = what_if_school(two_schools, county="甲县", year=2023, school="东关小学", add={"Y4": 100})
    y4 = out[(out["stage"] == "小学") & (out["indicator"] == "Y4")].iloc[0]
    # after: 4.5 and 5.5 ㎡/生, equal weights → mean 5.0, weighted SD 0.5, CV 0.5 / 5.0 = 0.1
    assert y4["cv_before"] == pytest.approx(0.0)
    assert y4["cv_after"] == pytest.approx(0.1)
    assert bool(y4["passed_before"]) and bool(y4["passed_after"])  # 0.1 ≤ 小学 limit 0.50
    y6 = out[(out["stage"] == "小学") & (out["indicator"] == "Y6")].iloc[0]
    assert y6["cv_before"] == y6["cv_after"] == pytest.approx(0.0)  # nothing else moves


def test_an_unknown_school_is_named_with_close_names(two_schools):
    with pytest.raises(ValueError) as e:
        what_if_school(two_schools, county="甲县", year=2023, school="城关小", add={"Y4": 100})
    assert str(e.value) == "甲县没有名为“城关小”的学校。是否要找：城关小学、东关小学？"  # ratios 6/7, 4/7


def test_a_school_is_found_by_its_id_too(two_schools):
    assert find_school(two_schools, "B", county="甲县") == "B"


def test_explore_headings_do_not_clash_with_the_report_numbering():
    import re

    import nbformat

    from junheng_lib.util.paths import notebook
    nb = nbformat.read(notebook("explore.ipynb"), as_version=4)
    headings = [ln for c in nb.cells if c.cell_type == "markdown" for ln in c.source.splitlines() if ln.startswith("#")]
    assert headings and not [h for h in headings if re.match(r"#+\s*([一二三四五六七八九十]+、|\d+\.)", h)]
    assert any("what_if_school(" in c.source for c in nb.cells if c.cell_type == "code")
