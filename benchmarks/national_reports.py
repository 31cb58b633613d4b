"""Report cost against the size of the data folder (issue 9 §6, target ≤ 1.5×): two county reports
from a national data folder versus the same two reports from a folder holding only those counties.

    .venv/bin/python benchmarks/national_reports.py [--national DIR] [--counties A B] [--before]

``--national`` (default ``/tmp/junheng-national``) is generated when missing with
``junheng sample --counties 2850 --years 2 --out DIR`` (≈ 210 000 schools a year, 9 million class
rows). The two counties default to two of median size. Each run is a whole process
``junheng report --data D --county A --county B --workers 1 --no-rollup --force``; printed per folder:

* the whole process;
* the runner's one read and validation of the folder (``data.load``: the same for 2 or 2,850
  reports — its speed is issue 9 §5's business);
* the two reports (``batch.run_county`` wall time: kernel, notebook, HTML, outputs swapped in).

The ratio of the reports is the target's measure: what each further report costs (each notebook
reads only its county's slice, written by the runner). ``--before`` is kept for the command line's
sake and measures the same run (there is no longer a cache to switch off).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
RUN = r"""
import json, sys, time
from junheng_lib.run import runner as batch
from junheng_lib import cli
marks = {"reports": []}
real_load, real_run = batch.load, batch.run_county
def load(*a, **k):
    t = time.perf_counter(); r = real_load(*a, **k); marks["read"] = time.perf_counter() - t; return r
def run_county(task, execute=None):
    r = real_run(task, execute); marks["reports"].append(r.seconds); return r
batch.load, batch.run_county = load, run_county
t = time.perf_counter()
rc = cli.main(sys.argv[2:])
marks["process"] = time.perf_counter() - t
print("JH-BENCH " + json.dumps(marks), file=sys.stderr)
sys.exit(rc)
"""


def _run(folder: Path, counties: list[str], out: Path, mode: str = "on") -> dict:
    import time
    cmd = [sys.executable, "-c", RUN, mode, "report", "--data", str(folder), *[x for c in counties for x in ("--county", c)],
           "--workers", "1", "--no-rollup", "--force", "--out", str(out)]
    t = time.perf_counter()
    r = subprocess.run(cmd, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True)
    wall = time.perf_counter() - t
    if r.returncode != 0:
        raise SystemExit(r.stderr[-3000:])
    line = next(x for x in r.stderr.splitlines() if x.startswith("JH-BENCH "))
    m = json.loads(line[len("JH-BENCH "):])
    m["wall"] = wall
    return m


def small_folder(national: Path, counties: list[str], dest: Path) -> Path:
    """The national folder's rows of ``counties`` (schools, their classes, counties), as text."""
    dest.mkdir(parents=True, exist_ok=True)
    read = dict(dtype=str, keep_default_na=False, encoding="utf-8-sig")
    s = pd.read_csv(national / "schools.csv", **read)
    s = s[s["county"].isin(counties)]
    s.to_csv(dest / "schools.csv", index=False)
    if (national / "classes.csv").exists():
        ids = set(s["school_id"])
        parts = [c[c["school_id"].isin(ids)] for c in pd.read_csv(national / "classes.csv", chunksize=1_000_000, **read)]
        pd.concat(parts).to_csv(dest / "classes.csv", index=False)
    if (national / "counties.csv").exists():
        k = pd.read_csv(national / "counties.csv", **read)
        k[k["county"].isin(counties)].to_csv(dest / "counties.csv", index=False)
    return dest


def main(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument("--national", default="/tmp/junheng-national")
    p.add_argument("--counties", nargs=2, default=None)
    p.add_argument("--before", action="store_true", help="also the national run without the data cache (slow)")
    a = p.parse_args(argv)
    national = Path(a.national)
    if not (national / "schools.csv").exists():
        subprocess.run([sys.executable, "-m", "junheng_lib.cli", "sample", "--counties", "2850", "--years", "2",
                        "--out", str(national)], env={**os.environ, "PYTHONPATH": str(ROOT)}, check=True)
    counties = a.counties
    if not counties:
        s = pd.read_csv(national / "schools.csv", usecols=["year", "county"], dtype=str)
        size = s[s["year"] == s["year"].max()].groupby("county").size().sort_values(kind="stable")
        mid = len(size) // 2
        counties = list(size.index[mid:mid + 2])
    tmp = Path(tempfile.mkdtemp(prefix="jh-bench-national-"))
    try:
        small = small_folder(national, counties, tmp / "small")
        runs = {"2 counties' folder": _run(small, counties, tmp / "o1"),
                "national folder": _run(national, counties, tmp / "o2")}
        if a.before:
            runs["national folder, no data cache (before)"] = _run(national, counties, tmp / "o3", "off")
        n = pd.read_csv(national / "schools.csv", usecols=["county"], dtype=str)["county"].nunique()
        print(f"2 county reports ({'、'.join(counties)}) from a folder of {n} counties versus a folder of 2:")
        print(f"  {'':<42} {'process':>8} {'read once':>10} {'2 reports':>10}")
        for k, m in runs.items():
            print(f"  {k:<42} {m['wall']:7.1f}s {m['read']:9.1f}s {sum(m['reports']):9.1f}s")
        ref, nat = runs["2 counties' folder"], runs["national folder"]
        ratio = sum(nat["reports"]) / sum(ref["reports"])
        print(f"  reports, national / 2 counties: {ratio:.2f}× (target ≤ 1.5×: {'OK' if ratio <= 1.5 else 'MISSED'}); "
              f"whole process {nat['wall'] / ref['wall']:.2f}×, of which the one read of the national folder "
              f"{nat['read']:.1f} s")
    finally:
        print("reproduce: .venv/bin/python benchmarks/national_reports.py " + " ".join(sys.argv[1:]))
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
