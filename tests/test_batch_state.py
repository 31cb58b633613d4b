"""Batch state (issue 8 §4): a county's outputs are one unit with a manifest; never stale, never overwritten.

Most tests replace notebook execution by the ``fake_notebooks`` stand-in (conftest): the runner's own
logic — staging, swapping, manifests, the index, file names — runs for real. Two tests execute the
real notebooks: a kill -9 of a parallel run, and the roll-up after a failed county.
"""
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from conftest import small_city

from junheng_lib.data.io import DataError
from junheng_lib.run import outputs
from junheng_lib.run import runner as batch
from junheng_lib.run.cleanup import LEGACY_AGE, _host_tag, clean_leftovers
from junheng_lib.run.execute import NotebookExecutor
from junheng_lib.run.tasks import COUNTY
from junheng_lib.util import names
from junheng_lib.util.names import MAX_STEM_BYTES, file_stems, safe_name

ROOT = Path(batch.__file__).resolve().parents[2]


def _run(data, out, fake=None, **kw):
    """The runner on ``data``; with ``fake`` (the fake_notebooks fixture) its stand-in runs the notebooks."""
    kw.setdefault("progress", False)
    if fake is not None:
        kw["execute"] = fake.execute
    return batch.run_reports(data=str(data), out=str(out), **kw)


def _record(path) -> dict:
    """What the stand-in wrote into a side file: the county and its pupils."""
    r = json.loads(Path(path).read_text(encoding="utf-8"))
    return {k: r[k] for k in ("county", "students")} if "county" in r else r


def _status(year_dir) -> dict:
    return {e["county"]: e["status"] for e in json.loads((year_dir / outputs.INDEX).read_text("utf-8"))["counties"]}


def _county_runs(fake) -> list:
    return sorted(c for t, c in fake.calls if t == COUNTY)


# ---------------------------------------------------------------- a failed re-run is never current
def test_failed_rerun_sets_the_old_outputs_aside_and_the_rollup_does_not_read_them(tmp_path, fake_notebooks):
    from junheng_lib.report.city import CityReport

    data = small_city(tmp_path / "data", {"甲县": 100, "乙县": 200})
    out, y = tmp_path / "out", tmp_path / "out" / "2024"
    assert _run(data, out, fake_notebooks) == 0
    assert _record(y / "甲县.docx") == {"county": "甲县", "students": 200}  # two schools of 100
    small_city(data, {"甲县": 150, "乙县": 200})  # 甲县's data are corrected …
    fake_notebooks.fail.add("甲县")                 # … and its re-run fails
    assert _run(data, out, fake_notebooks) == 1
    assert sorted(p.name for p in y.glob("甲县*")) == ["甲县.failed.ipynb"]  # nothing of it presented as current
    stale = y / outputs.STALE_DIR
    assert _record(stale / "甲县.docx")["students"] == 200                    # set aside, clearly named
    assert _status(y) == {"甲县": "failed", "乙县": "current"}
    assert list(_record(y / "全市汇总.xlsx")) == ["乙县"]                     # the roll-up re-ran without it
    city = CityReport.build(str(data), 2024, results_dir=y)                   # the library's roll-up, too
    assert city.missing == ["甲县"] and list(city.results) == ["乙县"]
    fake_notebooks.fail.clear()                                               # once it succeeds …
    assert _run(data, out, fake_notebooks) == 0
    assert _record(y / "甲县.docx")["students"] == 300 and not stale.exists()
    assert not (y / "甲县.failed.ipynb").exists() and _status(y) == {"甲县": "current", "乙县": "current"}
    assert sorted(_record(y / "全市汇总.xlsx")) == ["乙县", "甲县"]


def test_a_forced_rerun_that_fails_on_unchanged_inputs_keeps_the_current_report(tmp_path, fake_notebooks):
    data = small_city(tmp_path / "data", {"甲县": 100, "乙县": 200})
    out, y = tmp_path / "out", tmp_path / "out" / "2024"
    assert _run(data, out, fake_notebooks, rollup=False) == 0
    fake_notebooks.fail.add("甲县")  # e.g. a kernel that did not start on a busy machine
    assert _run(data, out, fake_notebooks, rollup=False, force=True) == 1
    assert outputs.check_unit(y, "甲县") is None and _status(y)["甲县"] == "current"
    assert (y / "甲县.failed.ipynb").exists() and not (y / outputs.STALE_DIR).exists()


# ---------------------------------------------------------------- the up-to-date check covers every file
def _delete_docx(y):
    (y / "甲县.docx").unlink()


def _replace_docx(y):  # e.g. a killed run's Word file
    (y / "甲县.docx").write_text(json.dumps({"county": "甲县", "students": 999}), encoding="utf-8")


def _interrupted_swap(y):  # files in place, manifest not yet written
    (y / "甲县.manifest.json").unlink()


def _hash_file_only(y):  # the outputs of an earlier version: a hash file, no manifest
    (y / "甲县.inputs.sha256").write_text(json.loads((y / "甲县.manifest.json").read_text("utf-8"))["inputs_sha256"])
    (y / "甲县.manifest.json").unlink()


@pytest.mark.parametrize("damage", [_delete_docx, _replace_docx, _interrupted_swap, _hash_file_only])
def test_a_missing_changed_or_unrecorded_output_means_run_again(tmp_path, fake_notebooks, damage):
    data = small_city(tmp_path / "data", {"甲县": 100, "乙县": 200})
    out, y = tmp_path / "out", tmp_path / "out" / "2024"
    assert _run(data, out, fake_notebooks) == 0
    fake_notebooks.calls.clear()
    assert _run(data, out, fake_notebooks) == 0 and fake_notebooks.calls == []   # intact: nothing runs
    damage(y)
    assert _run(data, out, fake_notebooks) == 0
    assert fake_notebooks.calls == [("county_report.ipynb", "甲县")]  # that county only (its results are unchanged)
    assert _record(y / "甲县.docx")["students"] == 200
    assert outputs.check_unit(y, "甲县") is None and not (y / "甲县.inputs.sha256").exists()


def test_an_output_file_the_manifest_does_not_list_is_foreign(tmp_path):
    y = tmp_path
    stage = tmp_path / ".stage"
    stage.mkdir()
    for n in ("甲县.ipynb", "甲县.html"):
        (stage / n).write_text(n, encoding="utf-8")
    outputs.commit_unit(y, "甲县", stage, ["甲县.ipynb", "甲县.html"], {"county": "甲县", "year": 2024,
                                                                      "inputs_sha256": "h"})
    assert outputs.check_unit(y, "甲县", "h", "甲县", 2024) is None
    assert outputs.check_unit(y, "甲县", "other") == "other inputs"
    (y / "甲县.docx").write_text("from somewhere else", encoding="utf-8")
    assert outputs.check_unit(y, "甲县", "h") == "foreign 甲县.docx"


# ---------------------------------------------------------------- kill -9 in the middle of a parallel run
def _alive(procs):
    import psutil
    alive = []
    for p in procs:
        with contextlib.suppress(psutil.Error):
            if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                alive.append(p)
    return alive


def test_kill_9_mid_run_leaves_no_process_no_mixed_report_and_no_leftovers(tmp_path, fake_notebooks):
    import psutil

    # more reports than workers: each worker also has its next kernel started ahead when it is killed
    data = small_city(tmp_path / "data", {"甲县": 100, "乙县": 200, "丙县": 300, "丁县": 400})
    out, y = tmp_path / "out", tmp_path / "out" / "2024"
    assert _run(data, out, fake_notebooks, rollup=False) == 0
    before = {p.name: p.read_bytes() for p in y.iterdir()}
    original = (data / "schools.csv").read_bytes()
    small_city(data, {"甲县": 170, "乙县": 230, "丙县": 330, "丁县": 430})
    runner = subprocess.Popen([sys.executable, "-m", "junheng_lib.cli", "report", "--data", str(data), "--out",
                               str(out), "--workers", "2", "--no-rollup"], env={**os.environ, "PYTHONPATH": str(ROOT)},
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    family = []
    try:
        deadline = time.monotonic() + 300
        while not list(y.glob(".run-*/*.docx")):  # a notebook has written its Word file, not yet swapped in
            assert runner.poll() is None and time.monotonic() < deadline, "the run ended before it could be killed"
            time.sleep(0.02)
        family = psutil.Process(runner.pid).children(recursive=True)  # pool workers and their kernels
        commands = []
        for p in family:
            with contextlib.suppress(psutil.Error):
                commands.append(" ".join(p.cmdline()))
        os.kill(runner.pid, signal.SIGKILL)
        runner.wait()
        assert len(family) >= 3 and any("ipykernel" in c for c in commands)  # kernels too
        _, alive = psutil.wait_procs(family, timeout=30)
        assert not _alive(alive), f"still running after the runner died: {[p.cmdline() for p in _alive(alive)]}"
    finally:
        for p in _alive(family):
            p.kill()
        if runner.poll() is None:
            runner.kill()
    pids = {runner.pid} | {p.pid for p in family}
    staged = list(y.glob(".run-*"))
    sockets = [p for p in Path(tempfile.gettempdir()).glob("jh-k-*") if p.name.split("-")[2] in map(str, pids)]
    # what the dead processes left behind: the half-written report always; their kernels' socket
    # folders when the workers died before removing them (a race: they are cleaned on SIGTERM; the
    # cleaning of a dead owner's socket folders is tested on its own below)
    assert staged
    (data / "schools.csv").write_bytes(original)    # the correction is reverted
    fake_notebooks.calls.clear()
    assert _run(data, out, fake_notebooks, rollup=False) == 0
    after = {p.name: p.read_bytes() for p in y.iterdir() if p.name != outputs.INDEX}
    assert after == {n: b for n, b in before.items() if n != outputs.INDEX}  # the first run's outputs, whole
    assert not any(p.exists() for p in staged + sockets)


# ---------------------------------------------------------------- names: unique and bounded
NAMES = ["云州/西山区", "云州_西山区", "西山区.", "西山区", "ABC", "abc", "全市汇总", "长" * 200]


def test_names_that_collide_when_made_file_safe_or_are_too_long_get_their_own_files(tmp_path, fake_notebooks):
    data = small_city(tmp_path / "data", {n: 100 + 10 * k for k, n in enumerate(NAMES)})
    out, y = tmp_path / "out", tmp_path / "out" / "2024"
    assert _run(data, out, fake_notebooks) == 0
    found = outputs.current_results(y, 2024)
    assert set(found) == set(NAMES)
    for k, n in enumerate(NAMES):
        assert _record(found[n]) == {"county": n, "students": 2 * (100 + 10 * k)}
    files = [p.name for p in y.iterdir()]
    assert len({f.casefold() for f in files}) == len(files)           # distinct even where case is ignored
    assert max(len(f.encode()) for f in files) <= 255
    assert sorted(_record(y / "全市汇总.xlsx")) == sorted(NAMES)       # the roll-up finds every county
    assert (y / "西山区.html").exists() and (y / "云州_西山区.html").exists()  # safe names are kept as they are


def test_safe_names_are_bounded_and_keep_harmless_names():
    assert safe_name("东湖区") == "东湖区"
    long = ["长" * 200, "a" * 300, "云州/" * 100, "长" * 199 + "短"]
    stems = [safe_name(n) for n in long]
    assert all(len(s.encode()) <= MAX_STEM_BYTES for s in stems) and len(set(stems)) == len(long)
    assert all("/" not in safe_name(n) and safe_name(n) not in ("", ".", "..") for n in ["/", "..", " . ", "\x00"])
    assert file_stems(["CON", "东湖区."], reserved=["全市汇总"])["CON"] != "CON"


def test_a_name_clash_that_cannot_be_resolved_is_refused_naming_both_counties(tmp_path, monkeypatch, fake_notebooks):
    monkeypatch.setattr(names, "name_tag", lambda name: "00000000")  # force the hashes to coincide
    data = small_city(tmp_path / "data", {"云州/西山区": 100, "云州:西山区": 100})
    with pytest.raises(DataError) as e:
        _run(data, tmp_path / "out", fake_notebooks)
    assert "云州/西山区" in e.value.report() and "云州:西山区" in e.value.report()
    assert fake_notebooks.calls == [] and not (tmp_path / "out").exists()


# ---------------------------------------------------------------- repeated county, failed notebook
def test_a_county_given_twice_runs_once(tmp_path, fake_notebooks):
    data = small_city(tmp_path / "data", {"甲县": 100, "乙县": 200})
    assert _run(data, tmp_path / "out", fake_notebooks, counties=["甲县", "甲县"], rollup=False) == 0
    assert fake_notebooks.calls == [("county_report.ipynb", "甲县")]


def test_the_failed_notebook_goes_away_once_the_county_succeeds(tmp_path, fake_notebooks):
    data = small_city(tmp_path / "data", {"甲县": 100})
    out, y = tmp_path / "out", tmp_path / "out" / "2024"
    assert _run(data, out, fake_notebooks, rollup=False) == 0
    original = (data / "schools.csv").read_bytes()
    small_city(data, {"甲县": 120})
    fake_notebooks.fail.add("甲县")
    assert _run(data, out, fake_notebooks, rollup=False) == 1 and (y / "甲县.failed.ipynb").exists()
    fake_notebooks.fail.clear()
    (data / "schools.csv").write_bytes(original)  # back to the data of the first, successful run
    assert _run(data, out, fake_notebooks, rollup=False) == 0
    assert not (y / "甲县.failed.ipynb").exists() and _record(y / "甲县.docx")["students"] == 200
    (y / "甲县.failed.ipynb").write_text("{}", encoding="utf-8")  # left by an earlier attempt
    fake_notebooks.calls.clear()
    assert _run(data, out, fake_notebooks, rollup=False) == 0
    assert fake_notebooks.calls == [] and not (y / "甲县.failed.ipynb").exists()


# ---------------------------------------------------------------- leftovers of dead runs
def _dead_pid() -> int:
    return int(subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                              text=True, check=True).stdout)


def test_leftovers_of_dead_runs_are_removed_and_those_in_use_kept(tmp_path, fake_notebooks):
    data = small_city(tmp_path / "data", {"甲县": 100})
    out, y = tmp_path / "out", tmp_path / "out" / "2024"
    y.mkdir(parents=True)
    dead, live, host = _dead_pid(), os.getppid(), _host_tag()
    dead_stage, live_stage = y / f".run-{dead}-{host}-x1", y / f".run-{live}-{host}-x2"
    for d in (dead_stage, live_stage):
        d.mkdir()
        (d / "甲县.ipynb").write_text("{}", encoding="utf-8")
    dead_sock = Path(tempfile.mkdtemp(prefix=f"jh-k-{dead}-{host}-"))
    live_sock = Path(tempfile.mkdtemp(prefix=f"jh-k-{live}-{host}-"))
    try:
        assert _run(data, out, fake_notebooks, rollup=False) == 0
        assert not dead_stage.exists() and not dead_sock.exists()
        assert live_stage.exists() and live_sock.exists()
    finally:
        for d in (dead_sock, live_sock):
            if d.exists():
                os.rmdir(d)


@pytest.mark.skipif(not Path("/proc/net/unix").exists(), reason="Linux: bound sockets from /proc/net/unix")
def test_socket_folders_of_older_versions_are_removed_only_when_unused_and_old():
    tmp = Path(tempfile.gettempdir())
    old_unused, old_bound, recent = (Path(tempfile.mkdtemp(prefix="jh-k-", dir=tmp)) for _ in range(3))
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(old_bound / "k-1"))
    hour_ago = time.time() - 2 * LEGACY_AGE
    for d in (old_unused, old_bound):
        for p in (*d.iterdir(), d):
            os.utime(p, (hour_ago, hour_ago), follow_symlinks=False)
    try:
        removed = clean_leftovers([])
        assert old_unused in removed and not old_unused.exists()
        assert old_bound.exists() and recent.exists()
    finally:
        sock.close()
        for d in (old_bound, recent):
            for p in d.iterdir():
                p.unlink()
            d.rmdir()


# ---------------------------------------------------------------- the real notebooks
def test_real_reports_from_a_schools_file_and_a_rollup_without_the_failed_county(tmp_path, monkeypatch):
    import pandas as pd

    schools = small_city(tmp_path / "data", {"甲县": 100, "乙县": 200}) / "schools.csv"
    out, y = tmp_path / "out", tmp_path / "out" / "2024"
    assert _run(schools, out, workers=2) == 0  # --data may name the schools file itself
    for suffix in (".ipynb", ".html", ".docx", ".xlsx", ".results.json", ".manifest.json"):
        assert (y / f"甲县{suffix}").is_file()
    assert outputs.check_unit(y, "甲县") is None and outputs.check_unit(y, "全市汇总") is None
    assert json.loads((y / "甲县.results.json").read_text("utf-8"))["stages"]["小学"]["students"] == 200
    # caption row, the header, the counties, then the table's note (no county)
    summary = pd.read_excel(y / "全市汇总.xlsx", sheet_name="汇总", header=1).dropna(subset=["县(区)"])
    assert sorted(summary["县(区)"]) == ["乙县", "甲县"]
    small_city(schools.parent, {"甲县": 150, "乙县": 200})
    real = NotebookExecutor()

    def failing(task, nb, params):
        if task.county == "甲县":
            raise RuntimeError("forced failure")
        return real(task, nb, params)

    try:
        assert _run(schools, out, execute=failing) == 1
    finally:
        real.close()
    summary = pd.read_excel(y / "全市汇总.xlsx", sheet_name="汇总", header=1).dropna(subset=["县(区)"]).set_index("县(区)")
    assert list(summary.index) == ["乙县", "甲县"]                 # listed, not ranked, and said to be 未生成
    assert "未生成" in summary.loc["甲县"].astype(str).tolist() and "未生成" not in summary.loc["乙县"].astype(str).tolist()
    html = (y / "全市汇总.html").read_text("utf-8")
    assert "甲县没有本学年的当前结果" in html and "本次汇总只包括全市2个县(区)中的1个" in html
    assert "（部分县区：1/2）" in html
