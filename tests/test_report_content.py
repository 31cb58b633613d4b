"""Report content that a bureau analyst reads: no self-contradiction between sections."""
from __future__ import annotations

import pytest

from junheng_lib.report import narrative as nv
from junheng_lib.report.county import CountyReport


@pytest.fixture(scope="module")
def baishi():
    return CountyReport.build(None, "白石县")


def test_data_quality_lists_every_value_the_narrative_calls_out(baishi):
    """十、数据质量 names each school × indicator that 数据待核实 names, and never says nothing needs verifying."""
    far = nv.outliers(baishi.ev.contributions)
    assert len(far) > 0  # the sample has schools at several times the county mean
    dq = "".join(t.text for t in baishi.data_quality_text())
    problems = baishi.problems()
    flagged = "".join(problems.loc[problems["problem"].str.startswith("数据待核实"), "problem"])
    assert "未发现需要核实" not in dq
    for x in far.itertuples():
        phrase = f"{x.stage}{x.school_name}的{nv.name(x.indicator)}"
        assert phrase in flagged
        assert phrase in dq
