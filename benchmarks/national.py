"""Issue 20's measures of a national run, each against a baseline measured in the same run.

    .venv/bin/python benchmarks/national.py [--national DIR] [--few 2] [--many 8] [--rounds 2]

``--national`` (default ``/tmp/junheng-national``) is generated when missing with
``junheng sample --counties 2850 --provinces 31 --years 2`` (≈ 210 000 schools a year). Every figure
is a whole process's wall time (``junheng report``, ``python -m papermill``), rounds alternating
between the measure and its baseline; the median is printed:

1. **marginal county report** with ``--workers 2 --no-rollup``: (T(many counties) − T(few)) ÷
   (many − few), against the trivial notebook (a parameters cell and one more, run by
   ``python -m papermill``) — target ≤ 1.3×; the projected national time is 2,850 × the marginal;
2. **national vs own city**: one county report with its city's roll-up (``--county A``) from the
   national folder against the same from a folder holding only A's city — target ≤ 1.5×;
3. **cold report**: one county report of the sample city (``--workers 1 --no-rollup``) against the
   trivial notebook — target ≤ 4×;
4. **a roll-up of 2,850 counties**: ``全国汇总`` (every section, its Word and Excel files; in
   process, without the kernel) from 2,850 counties' results — target < 60 s. The results are the
   real results of ``--sampled`` counties (evaluated once, all at once), each given to ~2850/N
   county names: the roll-up's cost depends on how many counties it holds, not on their values.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}
JH = [sys.executable, "-m", "junheng_lib.cli"]


def wall(cmd: list[str]) -> float:
    t = time.perf_counter()
    r = subprocess.run(cmd, env=ENV, capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)}\n{r.stderr[-3000:]}")
    return time.perf_counter() - t


def trivial_notebook(folder: Path) -> Path:
    import nbformat
    nb = nbformat.v4.new_notebook()
    p = nbformat.v4.new_code_cell('x = 1  # parameters')
    p.metadata["tags"] = ["parameters"]
    nb.cells = [p, nbformat.v4.new_code_cell("y = x + 1")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = folder / "trivial.ipynb"
    nbformat.write(nb, str(path))
    return path


def report(data: Path | None, counties: list[str], out: Path, *extra: str) -> list[str]:
    return [*JH, "report", *(["--data", str(data)] if data else []), *[x for c in counties for x in ("--county", c)],
            "--force", "--out", str(out), *extra]


def city_folder(national: Path, county: str, dest: Path) -> tuple[Path, str]:
    """The national folder's rows of ``county``'s city (schools, their classes, counties), as text."""
    dest.mkdir(parents=True, exist_ok=True)
    read = dict(dtype=str, keep_default_na=False, encoding="utf-8-sig")
    s = pd.read_csv(national / "schools.csv", **read)
    city = s.loc[s["county"] == county, "city"].iloc[0]
    s = s[s["city"] == city]
    s.to_csv(dest / "schools.csv", index=False)
    ids = set(s["school_id"])
    parts = [c[c["school_id"].isin(ids)] for c in pd.read_csv(national / "classes.csv", chunksize=1_000_000, **read)]
    pd.concat(parts).to_csv(dest / "classes.csv", index=False)
    k = pd.read_csv(national / "counties.csv", **read)
    k[k["county"].isin(set(s["county"]))].to_csv(dest / "counties.csv", index=False)
    return dest, city


def national_rollup(national: Path, sampled: int, out: Path) -> tuple[float, int]:
    """Seconds to build and write 全国汇总 from 2,850 counties' results (see the module's note)."""
    from junheng_lib.analysis.coefficients import coefficients, values_table
    from junheng_lib.analysis.trends import cv_trend
    from junheng_lib.analysis.units import rollup_units
    from junheng_lib.data.dataset import load
    from junheng_lib.evaluation import evaluate_counties
    from junheng_lib.render.blocks import Chart
    from junheng_lib.report.city import CityReport
    from junheng_lib.report.county import CountyReport
    from junheng_lib.rules.options import Options

    ds = load(national)
    year = max(ds.years)
    counties = [c for c in ds.counties_list if c in set(ds.schools.loc[ds.schools["year"] == year, "county"])]
    step = max(1, len(counties) // sampled)
    picked = counties[::step][:sampled]
    evs = evaluate_counties(ds, picked, year)
    texts = [json.dumps(CountyReport(evs[c], ds.only_county(c)).results(), ensure_ascii=False) for c in picked]
    unit = next(u for u in rollup_units(ds.schools, year) if u.level == "nation")
    t = time.perf_counter()
    results = {c: json.loads(texts[i % len(texts)]) for i, c in enumerate(counties)}   # the side files' parse
    trend = cv_trend(coefficients(values_table(ds.schools, Options())))
    r = CityReport(year, ds, results, [], trend, counties, [], options=Options(), unit=unit)
    for sec in r.sections():               # every block, charts drawn (as the notebook shows them)
        for b in r.blocks(sec):
            if isinstance(b, Chart):
                b.png()
    out.mkdir(parents=True, exist_ok=True)
    r.write_outputs(out)
    return time.perf_counter() - t, len(counties)


def main(argv=None) -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--national", default="/tmp/junheng-national")
    p.add_argument("--few", type=int, default=2)
    p.add_argument("--many", type=int, default=8)
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--sampled", type=int, default=30)
    p.add_argument("--skip-rollup", action="store_true")
    a = p.parse_args(argv)
    national = Path(a.national)
    if not (national / "schools.csv").exists():
        subprocess.run([*JH, "sample", "--counties", "2850", "--provinces", "31", "--years", "2", "--out", str(national)],
                       env=ENV, check=True)
    s = pd.read_csv(national / "schools.csv", usecols=["year", "county"], dtype=str)
    size = s[s["year"] == s["year"].max()].groupby("county").size().sort_values(kind="stable")
    mid = len(size) // 2
    counties = list(size.index[mid - a.many // 2: mid - a.many // 2 + a.many])
    n_all = len(size)
    tmp = Path(tempfile.mkdtemp(prefix="jh-bench-national-"))
    try:
        nb = trivial_notebook(tmp)
        trivial_cmd = [sys.executable, "-m", "papermill", "--no-progress-bar", str(nb), str(tmp / "trivial-out.ipynb")]
        folder, city = city_folder(national, counties[0], tmp / "city")
        wall(trivial_cmd)
        wall(report(None, ["白石县"], tmp / "warm", "--workers", "1", "--no-rollup"))   # warm caches, unmeasured
        m = {k: [] for k in ("trivial", "few", "many", "national", "city", "cold")}
        for _ in range(a.rounds):
            m["trivial"].append(wall(trivial_cmd))
            m["few"].append(wall(report(national, counties[:a.few], tmp / "o", "--workers", "2", "--no-rollup")))
            m["many"].append(wall(report(national, counties, tmp / "o", "--workers", "2", "--no-rollup")))
            m["national"].append(wall(report(national, counties[:1], tmp / "n")))
            m["city"].append(wall(report(folder, counties[:1], tmp / "c")))
            m["cold"].append(wall(report(None, ["白石县"], tmp / "s", "--workers", "1", "--no-rollup")))
            m["trivial"].append(wall(trivial_cmd))
        med = {k: statistics.median(v) for k, v in m.items()}
        marginal = (med["many"] - med["few"]) / (a.many - a.few)
        print(f"national folder: {n_all} counties; counties reported: {'、'.join(counties)}; rounds: {a.rounds}")
        print(f"trivial two-cell notebook (python -m papermill): {med['trivial']:.2f} s")
        print(f"1. {a.few} reports {med['few']:.1f} s, {a.many} reports {med['many']:.1f} s (--workers 2 --no-rollup): "
              f"marginal {marginal:.2f} s = {marginal / med['trivial']:.2f}× the trivial notebook (target ≤ 1.3); "
              f"projected national run {n_all * marginal / 60:.0f} min")
        print(f"2. one report with its city's roll-up: national folder {med['national']:.1f} s, {city}'s folder "
              f"{med['city']:.1f} s: {med['national'] / med['city']:.2f}× (target ≤ 1.5)")
        print(f"3. cold report of 白石县: {med['cold']:.1f} s = {med['cold'] / med['trivial']:.2f}× the trivial notebook "
              "(target ≤ 4)")
        if not a.skip_rollup:
            secs, n = national_rollup(national, a.sampled, tmp / "roll")
            print(f"4. 全国汇总 of {n} counties (sections, Word, Excel; in process): {secs:.1f} s (target < 60)")
    finally:
        print("reproduce: .venv/bin/python benchmarks/national.py " + " ".join(sys.argv[1:]))
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
