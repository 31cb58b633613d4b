"""Incremental runs (content hashes beside the outputs) and the optional dask.distributed engine."""
import pickle

import pandas as pd
import pytest

from junheng_lib import batch
from junheng_lib.paths import sample_dir


@pytest.fixture
def data(tmp_path):
    d = tmp_path / "data"
    d.mkdir()
    s = pd.read_csv(sample_dir() / "schools.csv", dtype=str)
    s[s["county"].isin(["东湖区", "南江区"])].to_csv(d / "schools.csv", index=False)
    return d


def _mtimes(folder):
    return {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}


def test_unchanged_inputs_are_not_rerun_and_one_county_change_reruns_it_and_rollup(data, tmp_path, monkeypatch):
    out = tmp_path / "out"
    assert batch.run_reports(data=str(data), out=str(out), progress=False) == 0
    y = out / "2024"
    assert (y / "东湖区.inputs.sha256").exists() and (y / "全市汇总.inputs.sha256").exists()
    calls = []
    real = batch.run_county
    monkeypatch.setattr(batch, "run_county", lambda t: calls.append(t.name) or real(t))
    assert batch.run_reports(data=str(data), out=str(out), progress=False) == 0
    assert calls == []                                   # nothing changed: nothing executed
    # a correction in one county's rows re-runs that county and the roll-up only
    s = pd.read_csv(data / "schools.csv", dtype=str)
    row = s.index[(s["county"] == "南江区") & (s["year"] == "2024")][0]
    s.loc[row, "books"] = str(int(s.loc[row, "books"]) + 1000)
    s.to_csv(data / "schools.csv", index=False)
    assert batch.run_reports(data=str(data), out=str(out), progress=False) == 0
    assert sorted(calls) == sorted(["南江区", "全市汇总"])
    calls.clear()
    assert batch.run_reports(data=str(data), out=str(out), progress=False, options=None, force=True) == 0
    assert sorted(calls) == sorted(["东湖区", "南江区", "全市汇总"])


def test_changed_options_change_the_hash(data):
    from junheng_lib.data import load
    from junheng_lib.options import Options
    ds = load(data)
    a = batch.input_hashes(ds, [2024], ["东湖区"], Options())
    b = batch.input_hashes(ds, [2024], ["东湖区"], Options(small_schools="exclude"))
    assert a[(2024, "东湖区")] != b[(2024, "东湖区")]
    assert a == batch.input_hashes(ds, [2024], ["东湖区"], Options())


def test_unit_of_work_is_picklable():
    t = batch.CountyTask(county="东湖区", year=2024, out_dir="x")
    assert pickle.loads(pickle.dumps(t)) == t
    assert pickle.loads(pickle.dumps(batch.run_county)) is batch.run_county


def test_dask_local_cluster(data, tmp_path):
    import dask.distributed  # noqa: F401 - installed with the test extra
    out = tmp_path / "out"
    code = batch.run_reports(data=str(data), out=str(out), workers=2, scheduler="dask", rollup=False,
                             progress=False)
    assert code == 0
    assert (out / "2024" / "东湖区.html").exists() and (out / "2024" / "南江区.html").exists()
