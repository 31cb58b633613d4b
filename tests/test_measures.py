"""The weighted CV and Theil kernels against values worked out on paper."""
import math

import numpy as np
import pytest

from junheng_lib.analysis.measures import (
    grouped_weighted_cv,
    weighted_cv,
    weighted_theil,
)


def test_weighted_cv_two_schools():
    # P = 100, 300; X = 4, 8 → X̄ = (400 + 2400)/400 = 7; S² = 0.25·9 + 0.75·1 = 3
    m, s, cv = weighted_cv(np.array([4.0, 8.0]), np.array([100.0, 300.0]))
    assert m == pytest.approx(7.0)
    assert s == pytest.approx(math.sqrt(3))
    assert cv == pytest.approx(math.sqrt(3) / 7)


def test_weighted_is_not_unweighted():
    # same values, equal weights: X̄ = 6, S = 2 (population form, no n−1)
    _, s, cv = weighted_cv(np.array([4.0, 8.0]), np.array([1.0, 1.0]))
    assert s == pytest.approx(2.0)
    assert cv == pytest.approx(2 / 6)


def test_single_school_cv_is_zero_and_zero_mean_undefined():
    assert weighted_cv(np.array([3.0]), np.array([50.0]))[2] == 0.0
    assert math.isnan(weighted_cv(np.array([0.0, 0.0]), np.array([50.0, 10.0]))[2])
    assert all(math.isnan(v) for v in weighted_cv(np.array([1.0]), np.array([0.0])))


def test_zero_weight_rows_do_not_count():
    m, _, cv = weighted_cv(np.array([4.0, np.nan, 8.0]), np.array([100.0, 0.0, 300.0]))
    assert m == pytest.approx(7.0) and cv == pytest.approx(math.sqrt(3) / 7)


def test_grouped_matches_groups():
    codes = np.array([0, 0, 1, 1, 1])
    x = np.array([[4.0], [8.0], [2.0], [4.0], [6.0]])
    w = np.array([100.0, 300.0, 1.0, 1.0, 2.0])
    mean, sd, cv = grouped_weighted_cv(codes, x, w, 2)
    assert mean[:, 0] == pytest.approx([7.0, 4.5])
    # group 1: X̄ = (2 + 4 + 12)/4 = 4.5; S² = (6.25 + 0.25 + 2·2.25)/4 = 2.75
    assert sd[:, 0] == pytest.approx([math.sqrt(3), math.sqrt(2.75)])
    assert cv[1, 0] == pytest.approx(math.sqrt(2.75) / 4.5)


def test_theil_textbook_between_within():
    r = weighted_theil(np.array([0, 0, 0, 10, 10, 10.0]), np.ones(6), np.array([0, 0, 0, 1, 1, 1]))
    assert r["theil"] == pytest.approx(math.log(2))
    assert r["between"] == pytest.approx(math.log(2))
    assert r["within"] == pytest.approx(0.0, abs=1e-12)


def test_theil_weighted_equals_replicated():
    # a school of 2 students counts as two schools of 1
    a = weighted_theil(np.array([1.0, 3.0]), np.array([2.0, 1.0]))
    b = weighted_theil(np.array([1.0, 1.0, 3.0]), np.ones(3))
    # T = Σ s ln(x/x̄): x̄ = 5/3, shares 1/5, 1/5, 3/5
    expect = 2 * 0.2 * math.log(0.6) + 0.6 * math.log(1.8)
    assert a["theil"] == pytest.approx(expect) and b["theil"] == pytest.approx(expect)


def test_grouped_theil_matches_one_group_at_a_time():
    from junheng_lib.analysis.measures import grouped_theil
    # group 0: the textbook case (between = ln 2, within 0); group 1: 1, 1, 3 unweighted by sub-group 0
    codes = np.array([0, 0, 0, 0, 0, 0, 1, 1, 1])
    sub = np.array([0, 0, 0, 1, 1, 1, 0, 0, 0])
    x = np.array([[0.0], [0], [0], [10], [10], [10], [1], [1], [3]])
    w = np.ones(9)
    theil, between = grouped_theil(codes, sub, x, w, 2)
    assert theil[0, 0] == pytest.approx(math.log(2)) and between[0, 0] == pytest.approx(math.log(2))
    expect = 2 * 0.2 * math.log(0.6) + 0.6 * math.log(1.8)
    assert theil[1, 0] == pytest.approx(expect) and between[1, 0] == pytest.approx(0.0, abs=1e-12)
