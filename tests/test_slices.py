"""A county's data slice (what the runner hands a notebook by path) gives the report the result the
whole data folder gives; nothing else decides what a report reads."""
import pickle

import pandas as pd
import pytest

from junheng_lib.data.dataset import Dataset, load, load_county
from junheng_lib.data.errors import DataError
from junheng_lib.evaluation import evaluate_report


@pytest.fixture(scope="module")
def ds():
    return load(None)


def test_a_slice_holds_what_only_county_selects_and_the_whole_fingerprint(ds):
    slices = dict(ds.slices(["白石县", "东湖区"]))
    assert list(slices) == ["白石县", "东湖区"]
    for county, part in slices.items():
        ref = ds.only_county(county)
        pd.testing.assert_frame_equal(part.schools, ref.schools)
        pd.testing.assert_frame_equal(part.classes, ref.classes)
        assert part.schools.attrs == ds.schools.attrs
        assert part.fingerprint() == ds.fingerprint() and part.files == ds.files
        # the counties rows: its own, and those naming no county of the schools table (the name notices)
        assert set(part.counties["county"]) <= {county} | (set(ds.counties["county"]) - set(ds.schools["county"]))


def test_the_evaluation_from_a_slice_file_equals_the_one_from_the_folder(ds, tmp_path):
    _, part = next(ds.slices(["永宁县"]))
    path = part.write_slice(tmp_path / "永宁县.data.pkl")
    a = evaluate_report(load_county(None, "永宁县", 2024, data_slice=path), "永宁县", 2024)
    b = evaluate_report(ds, "永宁县", 2024)
    for name, table in a.tables().items():
        pd.testing.assert_frame_equal(table, b.tables()[name], check_like=False, obj=name)
    assert a.results() == b.results()


def test_a_missing_or_foreign_slice_file_is_a_chinese_error(tmp_path):
    with pytest.raises(DataError, match="无法读取"):
        Dataset.read_slice(tmp_path / "none.pkl")
    (tmp_path / "x.pkl").write_bytes(pickle.dumps({"format": 0}))
    with pytest.raises(DataError, match="不是本版本"):
        Dataset.read_slice(tmp_path / "x.pkl")


def test_without_a_slice_the_folder_is_read(ds):
    got = load_county(None, "白石县", 2024)
    pd.testing.assert_frame_equal(got.schools, ds.schools)
