"""The runner's share of a report (issue 9 §4): while a kernel runs a notebook, the runner draws part of
its charts and evaluates the next county from the cached slice. The report is the one the kernel
alone would make — same evaluation, byte-identical charts, each drawn once — only sooner."""
import multiprocessing as mp
import os
import shutil
import threading
import time

import pytest

from junheng_lib import batch, data, datacache, evaluation
from junheng_lib.chartstore import ChartStore
from junheng_lib.data import load
from junheng_lib.options import Options
from junheng_lib.paths import sample_dir
from junheng_lib.reporting import Chart, CountyReport

OPTS = Options().to_dict()


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """The sample city with a counties table whose 西山区 is spelt 西山 (a name notice to carry)."""
    import pandas as pd
    d = tmp_path_factory.mktemp("data")
    for name in ("schools.csv", "classes.csv", "counties.csv"):
        shutil.copy(sample_dir() / name, d / name)
    k = pd.read_csv(d / "counties.csv", dtype=str, keep_default_na=False)
    k.loc[k["county"] == "西山区", "county"] = "西山"
    k.to_csv(d / "counties.csv", index=False)
    return d


@pytest.fixture
def evaluations(monkeypatch):
    """Counts evaluate_county calls (in any thread of this process)."""
    n = {"calls": 0}
    real = evaluation.evaluate_county

    def counted(*a, **k):
        n["calls"] += 1
        return real(*a, **k)
    monkeypatch.setattr(evaluation, "evaluate_county", counted)
    return n


def _cache(folder, tmp_path, counties):
    ds = load(folder)
    _, files = data.input_files(folder)
    c = datacache.DataCache(tmp_path / "cache", files)
    assert c.write(ds, counties)
    return ds, c


def _plain(ds, county, year=2024) -> CountyReport:
    """The report as a kernel makes it without the runner."""
    return CountyReport.from_dataset(ds, county, year, OPTS)


def test_the_runners_evaluation_is_the_one_the_report_makes_and_the_kernel_evaluates_nothing(
        folder, tmp_path, monkeypatch, evaluations):
    counties = ["东湖区", "西山区", "白石县"]
    ds, cache = _cache(folder, tmp_path, counties)
    plain = {c: _plain(ds, c) for c in counties}
    cache.share()
    evaluations["calls"] = 0
    for c in counties:
        assert cache.write_evaluation(c, 2024, OPTS)
    assert evaluations["calls"] == len(counties)
    monkeypatch.setenv(datacache.ENV, str(cache.path))
    for c in counties:
        rep = CountyReport.build(str(folder), c, 2024, OPTS)
        assert rep.store is not None
        assert rep.results() == plain[c].results()
        assert rep.ev.notices == plain[c].ev.notices
        for name in ("compliance", "shortfall", "ledger", "coefficients"):
            assert getattr(rep.ev, name).equals(getattr(plain[c].ev, name)), name
    assert evaluations["calls"] == len(counties)           # the kernels evaluated nothing
    assert plain["西山区"].ev.notices                       # the name notice travels with the evaluation
    # other options: not that evaluation; the kernel evaluates (and leaves its own for the runner)
    other = Options(teaching_points="include").to_dict()
    rep = CountyReport.build(str(folder), "东湖区", 2024, other)
    assert evaluations["calls"] == len(counties) + 1
    assert rep.results() != plain["东湖区"].results()


def test_a_kernel_that_evaluates_leaves_its_evaluation_for_a_sharing_runner_only(
        folder, tmp_path, monkeypatch, evaluations):
    ds, cache = _cache(folder, tmp_path, ["东湖区", "南江区"])
    monkeypatch.setenv(datacache.ENV, str(cache.path))
    name = datacache.evaluation_file("东湖区", 2024, Options())
    rep = CountyReport.build(str(folder), "东湖区", 2024, OPTS)       # the runner does not share
    assert rep.store is None and not (cache.path / name).exists()
    cache.share()
    evaluations["calls"] = 0
    rep = CountyReport.build(str(folder), "东湖区", 2024, OPTS)
    assert rep.store is not None and (cache.path / name).exists() and evaluations["calls"] == 1
    opened = datacache.open_cache(data.input_files(folder)[1])
    assert opened.evaluation("东湖区", 2024, Options()).results() == rep.ev.results()
    # a runner waiting for a kernel's evaluation stops waiting when the notebook has ended
    stop = threading.Event()
    threading.Timer(0.3, stop.set).start()
    t = time.monotonic()
    assert cache.draw_charts("南江区", 2024, OPTS, stop) == 0 and 0.2 < time.monotonic() - t < 10
    # a finished report's evaluation and charts leave the cache
    rep.charts()[0].png()
    assert rep.store.folder.exists()
    cache.forget("东湖区", 2024, OPTS)
    assert not (cache.path / name).exists() and not rep.store.folder.exists()


def test_a_kernel_waits_for_the_evaluation_made_aside_while_it_started(folder, tmp_path, monkeypatch, evaluations):
    ds, cache = _cache(folder, tmp_path, ["东湖区"])
    plain = _plain(ds, "东湖区")
    monkeypatch.setenv(datacache.ENV, str(cache.path))
    evaluations["calls"] = 0
    pid = cache.evaluate_aside("东湖区", 2024, OPTS)
    rep = CountyReport.build(str(folder), "东湖区", 2024, OPTS)
    assert os.waitpid(pid, 0)[1] == 0
    assert evaluations["calls"] == 0 and rep.ev.results() == plain.ev.results()   # made in the child
    # a child that cannot make it (no slice of that year) gives up: the kernel stops waiting, evaluates
    pid = cache.evaluate_aside("东湖区", 2019, OPTS)
    opened = datacache.open_cache(data.input_files(folder)[1])
    t = time.monotonic()
    assert opened.evaluation("东湖区", 2019, Options(), wait=60) is None and time.monotonic() - t < 30
    assert os.waitpid(pid, 0)[1] != 0


def _runner_share(cache_path, manifest, folder, files, county, out):
    """A forked stand-in for the runner process: its share of the county's charts (waiting for the
    kernel's evaluation when it has none)."""
    c = datacache.DataCache(cache_path, files)
    c._manifest, c._folder = manifest, folder
    stop = threading.Event()
    timer = threading.Timer(60, stop.set)
    timer.daemon = True
    timer.start()
    out.put(c.draw_charts(county, 2024, OPTS, stop))
    timer.cancel()


@pytest.mark.parametrize("evaluated_by", ["runner", "kernel"])
def test_charts_drawn_by_the_runner_and_the_kernel_at_once_are_the_reports_charts_each_drawn_once(
        folder, tmp_path, monkeypatch, evaluated_by):
    ds, cache = _cache(folder, tmp_path, ["白石县"])
    expected = [(c.key, c.title, c.png()) for c in _plain(ds, "白石县").charts()]
    cache.share()
    if evaluated_by == "runner":   # made ahead, while the previous report ran
        assert cache.write_evaluation("白石县", 2024, OPTS)
    monkeypatch.setenv(datacache.ENV, str(cache.path))
    ctx = mp.get_context("fork")
    q = ctx.Queue()
    runner = ctx.Process(target=_runner_share, args=(cache.path, cache._manifest, cache._folder, cache.files,
                                                     "白石县", q))
    runner.start()
    rep = CountyReport.build(str(folder), "白石县", 2024, OPTS)  # by the kernel: published for the runner
    drawn_here = []
    real = Chart.render
    monkeypatch.setattr(Chart, "render", lambda self: drawn_here.append(self.key) or real(self))
    got = [(c.key, c.title, c.png()) for c in rep.charts()]   # the kernel: in the report's order
    drawn_there = q.get(timeout=120)
    runner.join(60)
    assert got == expected                                      # byte-identical, same order and titles
    assert len(drawn_here) + drawn_there == len(expected)       # each chart drawn once
    claims = {p.stem: p.read_text() for p in rep.store.folder.glob("*.claim")}
    assert sorted(claims) == sorted(k for k, _, _ in expected)
    assert {k for k, pid in claims.items() if pid == str(os.getpid())} == set(drawn_here)


def test_charts_the_runner_drew_before_the_kernel_got_to_them_are_not_drawn_again(folder, tmp_path, monkeypatch):
    ds, cache = _cache(folder, tmp_path, ["清溪县"])
    cache.share()
    assert cache.write_evaluation("清溪县", 2024, OPTS)
    n = cache.draw_charts("清溪县", 2024, OPTS)
    monkeypatch.setenv(datacache.ENV, str(cache.path))
    rep = CountyReport.build(str(folder), "清溪县", 2024, OPTS)
    monkeypatch.setattr(Chart, "render", lambda self: pytest.fail(f"{self.key} drawn again"))
    assert n == len(rep.charts()) > 5 and all(c.png() for c in rep.charts())


def test_only_the_marked_blocks_return_charts(folder):
    """The runner builds only the blocks marked as drawing (the chart keys must be the kernel's)."""
    ds = load(folder)
    for county in ("白石县", "东湖区", "桃源县"):
        rep = _plain(ds, county)
        for sec in rep.sections():
            for name in sec.blocks:
                b = getattr(rep, name)()
                charts = [x for x in (b if isinstance(b, list) else [b]) if isinstance(x, Chart)]
                assert bool(charts) <= getattr(getattr(CountyReport, name), "draws", False), (county, name)
        fresh = _plain(ds, county)
        keys = [(c.key, c.title) for c in fresh.charts()]
        assert keys == [(c.key, c.title) for s in rep.sections() for c in rep.blocks(s) if isinstance(c, Chart)]


def test_a_chart_is_drawn_once_whoever_asks_first(tmp_path):
    store = ChartStore(tmp_path / "s")
    calls = []
    assert store.png("a", lambda: calls.append("a") or b"A") == b"A"
    assert store.png("a", lambda: calls.append("again") or b"X") == b"A"
    assert store.draw_unclaimed([("a", lambda: b"X"), ("b", lambda: calls.append("b") or b"B")]) == 1
    assert calls == ["a", "b"] and store.png("b", lambda: b"X") == b"B"


def test_a_chart_being_drawn_elsewhere_is_waited_for_and_drawn_here_when_given_up_or_late(tmp_path):
    store = ChartStore(tmp_path / "s")
    store.folder.mkdir()
    other = ChartStore(store.folder)
    assert other._claim("k")                                   # the other process is drawing it
    threading.Timer(0.3, other._put, ("k", b"K")).start()
    assert store.png("k", lambda: b"mine") == b"K"
    # a drawer that fails releases its claim: the waiting side draws it at once
    assert other._claim("f")
    threading.Timer(0.3, (store.folder / "f.claim").unlink).start()
    t = time.monotonic()
    assert store.png("f", lambda: b"F") == b"F" and time.monotonic() - t < 5
    # a claim that never delivers: drawn here after the wait
    assert other._claim("z")
    assert store.png("z", lambda: b"Z", wait=0.2) == b"Z"
    # the runner's side: a failing draw leaves the chart to the kernel
    assert store.draw_unclaimed([("e", lambda: 1 / 0)]) == 0 and not (store.folder / "e.claim").exists()
    assert store.png("e", lambda: b"E") == b"E"


def test_the_runner_shares_the_work_when_it_runs_the_reports_one_at_a_time(folder, tmp_path, monkeypatch,
                                                                              evaluations):
    """Through run_reports with a stand-in for the kernels (what a notebook does, in this process, with
    the kernel's environment): sequentially, each county is evaluated once and never by its kernel —
    the first in a forked process while the kernel starts, every next one by the runner while the
    previous report runs — every report draws through a chart store when the runner draws too, and
    the cache is gone at the end."""
    monkeypatch.setattr(batch, "PREWARM", False)
    seen = {}

    def execute(task, tmp_nb, params):
        import nbformat
        monkeypatch.setenv(datacache.ENV, batch.kernel_env(task)[datacache.ENV])
        if task.template == batch.COUNTY:
            rep = CountyReport.build(params["data_dir"], task.county, params["year"], OPTS)
            [c.png() for c in rep.charts()]
            seen[task.county] = rep.store is not None
        nbformat.write(nbformat.v4.new_notebook(), str(tmp_nb))

    monkeypatch.setattr(batch, "_execute", execute)
    three = ["东湖区", "南江区", "白石县"]
    for draw_here in (True, False):
        seen.clear()
        evaluations["calls"] = 0
        out = tmp_path / str(draw_here)
        assert batch.run_reports(data=str(folder), out=str(out), workers=1, progress=False, rollup=False,
                                 counties=three, draw_here=draw_here) == 0
        # in this process (the stand-in kernels included): only the 2nd and 3rd, made ahead by the runner
        assert evaluations["calls"] == 2
        assert seen == {c: draw_here for c in three}
        assert not [p for p in out.rglob(".*")], "the cache (evaluations, charts) is removed"
