"""The runner's cache of the validated tables (issue 9 §6): each report notebook reads its county's
slice, identical to what a direct read of the folder gives; a stale or foreign cache is never used."""
import json
import os
import shutil

import pandas as pd
import pytest

from junheng_lib import batch, data, datacache
from junheng_lib.data import check_request, county_row_notice, load, load_county
from junheng_lib.paths import sample_dir


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """The sample city, made harder: the counties table lists a near-miss name (西山 for 西山区) and a
    county of another city; 桃源县 has no 2024 schools; one school moved from 东湖区 to 南江区 in 2023
    (its classes belong to both counties' reports)."""
    d = tmp_path_factory.mktemp("data")
    for name in ("schools.csv", "classes.csv", "counties.csv"):
        shutil.copy(sample_dir() / name, d / name)
    s = pd.read_csv(d / "schools.csv", dtype=str, keep_default_na=False)
    s = s[~((s["county"] == "桃源县") & (s["year"] == "2024"))]
    moved = s.loc[(s["county"] == "东湖区") & (s["year"] == "2022"), "school_id"].iloc[3]
    nanjiang = s.loc[s["county"] == "南江区"].iloc[0]
    later = (s["school_id"] == moved) & (s["year"] != "2022")
    for col in ("county", "county_code"):
        s.loc[later, col] = nanjiang[col]
    s.to_csv(d / "schools.csv", index=False)
    c = pd.read_csv(d / "classes.csv", dtype=str, keep_default_na=False)
    c = c[c.set_index(["year", "school_id"]).index.isin(s.set_index(["year", "school_id"]).index)]
    c.to_csv(d / "classes.csv", index=False)
    k = pd.read_csv(d / "counties.csv", dtype=str, keep_default_na=False)
    k.loc[k["county"] == "西山区", "county"] = "西山"
    extra = k.iloc[[0]].copy()
    extra["county"] = "外市县"
    pd.concat([k, extra]).to_csv(d / "counties.csv", index=False)
    return d


@pytest.fixture
def reads(monkeypatch):
    """Counts the reads of a table file (a cache hit reads none)."""
    n = {"reads": 0}
    for name in ("read_schools", "read_classes", "read_counties"):
        real = getattr(data, name)

        def counted(*a, _real=real, **k):
            n["reads"] += 1
            return _real(*a, **k)
        monkeypatch.setattr(data, name, counted)
    return n


def _cache(folder, tmp_path, counties, whole=False):
    ds = load(folder)
    _, files = data.input_files(folder)
    c = datacache.DataCache(tmp_path / "cache", files)
    assert c.write(ds, counties, whole=whole)
    return ds, c


def _same(a: data.Dataset, b: data.Dataset) -> None:
    for x, y in [(a.schools, b.schools), (a.classes, b.classes), (a.counties, b.counties)]:
        pd.testing.assert_frame_equal(x, y)
        assert x.attrs == y.attrs


def test_a_county_slice_from_the_cache_is_what_a_direct_read_gives(folder, tmp_path, monkeypatch, reads):
    ds = load(folder)
    counties = ds.counties_list
    _, cache = _cache(folder, tmp_path, counties)
    monkeypatch.setenv(datacache.ENV, str(cache.path))
    reads["reads"] = 0
    for county in counties:
        years = sorted(set(ds.schools.loc[ds.schools["county"] == county, "year"]))
        for year in years + [None]:
            if year is None and max(ds.years) not in years:
                continue  # (below: a county without the latest year)
            sl = load_county(folder, county, year)
            assert check_request(sl.schools, [year or max(sl.years)], [county]) == []
            assert max(sl.years) == max(ds.years) or year is not None
            for y in ds.years:  # the name notice of the counties table, hint included
                assert county_row_notice(sl.schools, sl.counties, county, y) == \
                    county_row_notice(ds.schools, ds.counties, county, y)
            _same(sl.only_county(county), ds.only_county(county))
            assert (sl.folder, sl.files, sl.fingerprint()) == (ds.folder, ds.files, ds.fingerprint())
    assert reads["reads"] == 0                                    # all from the cache
    moved = ds.schools.loc[ds.schools["county"] == "南江区", "school_id"]
    assert len(set(load_county(folder, "东湖区", 2024).classes["school_id"]) & set(moved)) == 1
    assert "相近的名称“西山”" in county_row_notice(ds.schools, ds.counties, "西山区", 2024)


def test_without_a_slice_for_the_request_the_whole_data_are_read(folder, tmp_path, monkeypatch, reads):
    ds, cache = _cache(folder, tmp_path, ["东湖区", "桃源县"])
    monkeypatch.setenv(datacache.ENV, str(cache.path))
    reads["reads"] = 0
    # 桃源县 has no 2024 schools: year 0 means the data's latest year, and the message names its years
    whole = load_county(folder, "桃源县", None)
    assert reads["reads"] == 3 and len(whole.schools) == len(ds.schools)
    with pytest.raises(data.DataError, match="桃源县.*没有2024学年"):
        check_request(whole.schools, [max(whole.years)], ["桃源县"])
    load_county(folder, "西山区", 2024)                             # a county the cache has no slice of
    assert reads["reads"] == 6
    load_county(folder, "东湖区", 2024)
    assert reads["reads"] == 6


def test_the_whole_data_from_the_cache_equal_a_direct_read(folder, tmp_path, monkeypatch, reads):
    ds, cache = _cache(folder, tmp_path, [], whole=True)
    monkeypatch.setenv(datacache.ENV, str(cache.path))
    reads["reads"] = 0
    got = load(folder)
    _same(got, ds)
    assert reads["reads"] == 0 and got.name_notices() == ds.name_notices()
    assert load_county(folder, "桃源县", None).schools.shape == ds.schools.shape and reads["reads"] == 0


@pytest.mark.parametrize("damage", ["data changed", "same size, same time", "other folder", "other code",
                                    "damaged pickle", "no cache folder"])
def test_a_stale_or_foreign_cache_is_never_used(folder, tmp_path, monkeypatch, reads, damage):
    work = tmp_path / "data"
    shutil.copytree(folder, work)
    _, cache = _cache(work, tmp_path, ["东湖区"])
    monkeypatch.setenv(datacache.ENV, str(cache.path))
    schools = work / "schools.csv"
    target = work
    if damage == "data changed":  # a number corrected after the runner read the folder
        s = pd.read_csv(schools, dtype=str, keep_default_na=False)
        s.loc[(s["county"] == "东湖区") & (s["year"] == "2024"), "books"] = "123457"
        s.to_csv(schools, index=False)
    elif damage == "same size, same time":  # one digit changed in place, the file's time put back
        st = os.stat(schools)
        raw = bytearray(schools.read_bytes())
        i = raw.index(b"\n2024,") + 1
        raw[i:i + 4] = b"2023"  # 2024 → 2023 on one row: same size, other content
        schools.write_bytes(bytes(raw))
        os.utime(schools, ns=(st.st_atime_ns, st.st_mtime_ns))
    elif damage == "other folder":  # the same files elsewhere are other files
        target = tmp_path / "copy"
        shutil.copytree(work, target)
    elif damage == "other code":
        m = json.loads((cache.path / datacache.MANIFEST).read_text("utf-8"))
        m["code"] = "0" * 64
        (cache.path / datacache.MANIFEST).write_text(json.dumps(m), "utf-8")
    elif damage == "damaged pickle":
        for p in cache.path.glob("c*.pkl"):
            p.write_bytes(b"not a pickle")
    else:
        cache.remove()
    reads["reads"] = 0
    try:
        direct = data._read(*data.input_files(target))
    except data.DataError:  # the in-place edit may make a duplicate school of 2023: the folder's own error
        with pytest.raises(data.DataError):
            load_county(target, "东湖区", 2024)
        return
    reads["reads"] = 0
    got = load_county(target, "东湖区", 2024)
    assert reads["reads"] == 3                                    # read from the folder, not the cache
    _same(got, direct)
    if damage == "data changed":
        assert (got.only_county("东湖区").schools.query("year == 2024")["books"] == 123457).all()


def test_the_cache_is_not_written_when_a_file_changed_during_the_read(folder, tmp_path):
    work = tmp_path / "data"
    shutil.copytree(folder, work)
    _, files = data.input_files(work)
    cache = datacache.DataCache(tmp_path / "cache", files)
    ds = load(work)
    (work / "counties.csv").write_bytes((work / "counties.csv").read_bytes() + b"\n")  # while it was read
    assert not cache.write(ds, ["东湖区"]) and not cache.path.exists()


def test_the_runner_hands_every_notebook_its_slice_and_removes_the_cache(folder, tmp_path, monkeypatch, reads):
    """The runner's tasks, executed by a stand-in that does in this process what the notebooks do in
    their kernels (with the kernel's environment): every county's data and the roll-up's come from
    the run's cache, equal to a direct read; the cache is gone after the run."""
    monkeypatch.setattr(batch, "PREWARM", False)
    direct = load(folder)
    seen = []

    def execute(task, tmp_nb, params):
        import nbformat
        env = batch.kernel_env(task)
        monkeypatch.setenv(datacache.ENV, env[datacache.ENV])
        before = reads["reads"]
        if task.template == batch.ROLLUP:
            _same(load(params["data_dir"]), direct)
        else:
            got = load_county(params["data_dir"], task.county, params["year"])
            _same(got.only_county(task.county), direct.only_county(task.county))
        seen.append((task.county, reads["reads"] - before))
        nbformat.write(nbformat.v4.new_notebook(), str(tmp_nb))

    monkeypatch.setattr(batch, "_execute", execute)
    out = tmp_path / "out"
    assert batch.run_reports(data=str(folder), out=str(out), workers=1, progress=False,
                             counties=["东湖区", "南江区"]) == 0
    assert sorted(seen) == [("东湖区", 0), ("全市汇总", 0), ("南江区", 0)]
    assert not [p for p in out.rglob(".*")], "the cache folder and staging folders are removed"


def test_a_county_report_reads_its_slice_from_the_cache(folder, tmp_path, monkeypatch, reads):
    from junheng_lib.reporting import CountyReport
    _, cache = _cache(folder, tmp_path, ["东湖区"])
    monkeypatch.setenv(datacache.ENV, str(cache.path))
    reads["reads"] = 0
    rep = CountyReport.build(str(folder), "东湖区", 2024)
    assert reads["reads"] == 0 and rep.data.fingerprint() == load(folder).fingerprint()


def test_a_countys_input_hash_does_not_depend_on_the_counties_hashed_with_it(folder):
    """The runner hashes only the counties asked for (and those with outputs): each county's hash
    must be the one a run over every county gives, or reports would re-run for nothing."""
    from junheng_lib.options import Options
    ds = load(folder)
    every = batch.input_hashes(ds, [2023, 2024], ds.counties_list, Options())
    for c in ds.counties_list:
        alone = batch.input_hashes(ds, [2023, 2024], [c], Options(), rollup=False)
        assert alone == {(2023, c): every[(2023, c)], (2024, c): every[(2024, c)]}
    pair = batch.input_hashes(ds, [2024], ["南江区", "东湖区"], Options(), rollup=False)
    assert pair == {k: every[k] for k in [(2024, "南江区"), (2024, "东湖区")]}
    assert len(set(every.values())) == len(every)  # a different hash for every county-year
