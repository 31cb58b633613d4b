"""The batch run: every county and the roll-up, failures isolated, names harmless, parallel workers."""
import json

import pandas as pd
import pytest

from junheng_lib.run import runner as batch
from junheng_lib.run.execute import NotebookExecutor
from junheng_lib.util.paths import notebook, sample_dir


@pytest.fixture(scope="module")
def two_counties(tmp_path_factory):
    """A small data folder: two sample counties, one renamed to something hostile."""
    d = tmp_path_factory.mktemp("data")
    s = pd.read_csv(sample_dir() / "schools.csv", dtype={"county_code": str, "school_id": str,
                                                          "central_school_id": str})
    s = s[s["county"].isin(["东湖区", "桃源县"])].copy()
    s.loc[s["county"] == "桃源县", "county"] = "<script>alert(1)</script>../x"
    s.loc[s["school_id"] == s.loc[s["county"] == "东湖区", "school_id"].iloc[5], "school_name"] = "<img src=x onerror=alert(1)>"
    s.to_csv(d / "schools.csv", index=False)
    c = pd.read_csv(sample_dir() / "classes.csv", dtype={"school_id": str})
    c[c["school_id"].isin(set(s["school_id"]))].to_csv(d / "classes.csv", index=False)
    return d


def _tree(folder):
    """Every path under ``folder`` (ignored files too) with its size and modification time."""
    return {str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns) for p in folder.rglob("*")}


def test_batch_run_with_rollup_and_hostile_names(two_counties, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a relative --out, as `python3 run.py report` gives it
    out = tmp_path / "out"
    templates = notebook("county_report.ipynb").parent
    before = _tree(templates)
    code = batch.run_reports(data=str(two_counties), out="out", workers=2, progress=False)
    assert code == 0
    assert _tree(templates) == before, "a report run leaves nothing under notebooks/"
    year_dir = out / "2024"
    files = sorted(p.name for p in year_dir.iterdir())
    assert "东湖区.html" in files and "全市汇总.html" in files and "全市汇总.xlsx" in files
    hostile = [f for f in files if f.startswith("_script")]
    assert hostile and all("/" not in f for f in hostile)
    assert all(p.resolve().parent == year_dir.resolve() for p in year_dir.iterdir())
    html = next(year_dir / f for f in hostile if f.endswith(".html")).read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    dh = (year_dir / "东湖区.html").read_text(encoding="utf-8")
    assert "<img src=x onerror" not in dh and "&lt;img src=x onerror" in dh
    rollup = (year_dir / "全市汇总.html").read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in rollup
    assert not [p for p in year_dir.rglob(".*")], "no temporary files left behind"


def test_one_county_failing_leaves_the_others(two_counties, tmp_path):
    real = NotebookExecutor()

    def flaky(task, tmp_nb, parameters):
        if task.county == "东湖区":
            raise RuntimeError("forced failure")
        return real(task, tmp_nb, parameters)

    out = tmp_path / "out"
    try:
        code = batch.run_reports(data=str(two_counties), out=str(out), workers=1, progress=False, rollup=False,
                                 execute=flaky)
    finally:
        real.close()
    assert code == 1
    year_dir = out / "2024"
    assert not (year_dir / "东湖区.html").exists() and not (year_dir / "东湖区.ipynb").exists()
    others = [p for p in year_dir.glob("*.html")]
    assert len(others) == 1 and others[0].stat().st_size > 100_000


def test_failed_notebook_is_kept_with_its_error(tmp_path):
    res = batch.run_county(batch.CountyTask(county="不存在县", year=2024, out_dir=str(tmp_path)))
    nb = json.loads((tmp_path / "不存在县.failed.ipynb").read_text(encoding="utf-8"))
    errors = [o for c in nb["cells"] for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert errors and "不存在县" in res.error


def test_kernel_start_failure_is_retried_once(tmp_path, monkeypatch):
    import papermill as pm
    calls = []
    real = pm.execute_notebook

    def flaky(*a, **k):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("Kernel died before replying to kernel_info")
        return real(*a, **k)

    monkeypatch.setattr(pm, "execute_notebook", flaky)
    res = batch.run_county(batch.CountyTask(county="东湖区", year=2024, out_dir=str(tmp_path)))
    assert res.ok and len(calls) == 2


def test_report_cli_rejects_unknown_county(tmp_path):
    import subprocess
    import sys
    r = subprocess.run([sys.executable, "-m", "junheng_lib.cli", "report", "--county", "无此县", "--out",
                        str(tmp_path)], capture_output=True, text=True)
    assert r.returncode == 2 and "无此县" in r.stderr and not any(tmp_path.iterdir())
