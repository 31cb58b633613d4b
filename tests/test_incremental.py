"""Incremental runs (manifests beside the outputs) and the optional dask.distributed engine."""
import pickle

import pytest
from conftest import small_city

from junheng_lib.run import outputs
from junheng_lib.run import runner as batch
from junheng_lib.run.hashing import input_hashes


@pytest.fixture
def data(tmp_path):
    return small_city(tmp_path / "data", {"东湖区": 100, "南江区": 200})


def test_unchanged_inputs_are_not_rerun_and_one_county_change_reruns_it_and_rollup(data, tmp_path, fake_notebooks):
    out = tmp_path / "out"
    assert batch.run_reports(data=str(data), out=str(out), progress=False, execute=fake_notebooks.execute) == 0
    y = out / "2024"
    assert (y / "东湖区.manifest.json").exists() and (y / "全市汇总.manifest.json").exists()
    fake_notebooks.calls.clear()
    assert batch.run_reports(data=str(data), out=str(out), progress=False, execute=fake_notebooks.execute) == 0
    assert fake_notebooks.calls == []                    # nothing changed: nothing executed
    # a correction in one county's rows re-runs that county and the roll-up only
    small_city(data, {"东湖区": 100, "南江区": 210})
    assert batch.run_reports(data=str(data), out=str(out), progress=False, execute=fake_notebooks.execute) == 0
    assert sorted(c for _, c in fake_notebooks.calls) == sorted(["南江区", "全市汇总"])
    fake_notebooks.calls.clear()
    assert batch.run_reports(data=str(data), out=str(out), progress=False, options=None, force=True, execute=fake_notebooks.execute) == 0
    assert sorted(c for _, c in fake_notebooks.calls) == sorted(["东湖区", "南江区", "全市汇总"])


def test_changed_options_change_the_hash(data):
    from junheng_lib.data.dataset import load
    from junheng_lib.rules.options import Options
    ds = load(data)
    a = input_hashes(ds, [2024], ["东湖区"], Options())
    b = input_hashes(ds, [2024], ["东湖区"], Options(small_schools="exclude"))
    assert a[(2024, "东湖区")] != b[(2024, "东湖区")]
    assert a == input_hashes(ds, [2024], ["东湖区"], Options())


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
    assert outputs.check_unit(out / "2024", "东湖区") is None and (out / "2024" / "南江区.html").exists()


def _half(x: int) -> int:
    if x == 2:
        raise ValueError("二号任务失败")
    return x // 2


def test_dask_a_failed_future_is_that_task_s_failure_and_the_others_go_on():
    import dask.distributed  # noqa: F401 - installed with the test extra

    from junheng_lib.run.distributed import run_on_dask

    got = sorted(run_on_dask(_half, [4, 2, 6], workers=1, on_error=lambda t, e: ("failed", t, str(e))), key=str)
    assert got == sorted([2, ("failed", 2, "二号任务失败"), 3], key=str)
    with pytest.raises(ValueError):
        list(run_on_dask(_half, [2], workers=1))
