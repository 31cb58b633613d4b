"""Batch benchmark: what one report costs against the papermill floor, then the sample city's county
reports sequentially versus with --workers 2, where the time goes, and incremental re-runs.

    .venv/bin/python benchmarks/batch.py [--data DIR] [--year Y] [--county NAME] [--repeat N]
                                         [--baseline CHECKOUT] [--ratio-only]

1. Report cost (issue 9 §4, target ≤ 4×): whole-process wall time of a cold
   ``junheng report --workers 1 --county C --no-rollup --force`` (a fresh Python process: imports,
   reading the data, the kernel, the notebook, HTML, the swap) against a trivial one-cell notebook's
   ``papermill`` run, also a fresh process (``python -m papermill``: kernel start, one cell,
   shutdown), measured alternately in the same run; medians of ``--repeat`` runs. The report is
   measured as it runs now, with the runner's kernel started ahead switched off (what starting the
   first kernel while the data are read saves, same run), and
   with ``--baseline`` also from another checkout (e.g. ``git worktree add /tmp/base <commit>``).
2. Where a report's time goes (papermill's per-cell durations).
3. Parallel speed-up (target ≥ 1.8× with 2 workers on 2 cores) and incremental re-runs.
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
from collections import defaultdict
from pathlib import Path

import nbformat
import pandas as pd

from junheng_lib.data.dataset import load
from junheng_lib.rules.options import Options
from junheng_lib.run import runner as batch

ROOT = Path(__file__).resolve().parents[1]
#: a cold report run with this part of issue 9 switched off (pre-warmed kernels, data cache)
OFF = ("import sys; from junheng_lib import cli; from junheng_lib.run import execute; "
       "execute.NotebookExecutor.start_ahead = lambda self, template: None; sys.exit(cli.main())")


def _tasks(ds, year, out, data_dir):
    size = ds.schools[ds.schools["year"] == year].groupby("county").size()
    return [batch.CountyTask(c, year, str(out), data_dir, Options().to_dict())
            for c in sorted(size.index, key=lambda c: -size[c])]


def trivial_notebook(tmp: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("1 + 1")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    src = tmp / "trivial.ipynb"
    nbformat.write(nb, src)
    return src


def _timed(cmd: list[str], pythonpath: str | Path = ROOT) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system, the process and the kernels it waited for)."""
    import resource
    env = {**os.environ, "PYTHONPATH": str(pythonpath)}
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    r = subprocess.run(cmd, env=env, capture_output=True, text=True)
    dt = time.perf_counter() - t
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    if r.returncode != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{r.stderr[-3000:]}")
    return dt, (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)


def report_ratio(tmp: Path, data: str | None, county: str, repeat: int, baseline: str | None) -> dict:
    """Whole-process seconds (medians) of the trivial papermill run and of cold one-county reports."""
    triv = trivial_notebook(tmp)
    args = ["report", "--county", county, "--workers", "1", "--no-rollup", "--force", "--out", str(tmp / "r")]
    if data:
        args[1:1] = ["--data", str(Path(data).resolve())]
    runs = {"trivial notebook (python -m papermill)": [sys.executable, "-m", "papermill", str(triv),
                                                        str(tmp / "t.ipynb"), "--no-progress-bar", "-k", "python3"],
            "junheng report, no kernel started ahead": [sys.executable, "-c", OFF, *args],
            "junheng report": [sys.executable, "-m", "junheng_lib.cli", *args]}
    paths = {k: ROOT for k in runs}
    if baseline:
        runs["junheng report, baseline checkout"] = [sys.executable, "-m", "junheng_lib.cli", *args]
        paths["junheng report, baseline checkout"] = Path(baseline).resolve()
    times = defaultdict(list)
    for k, cmd in runs.items():  # warm the file system cache, font cache, .pyc files
        _timed(cmd, paths[k])
    for _ in range(repeat):
        for k, cmd in runs.items():
            times[k].append(_timed(cmd, paths[k]))
    return {k: (statistics.median(w for w, _ in v), statistics.median(c for _, c in v)) for k, v in times.items()}


def cell_breakdown(folder: Path) -> dict:
    """Mean seconds per report spent in each kind of cell (from papermill's per-cell durations)."""
    kinds = defaultdict(float)
    files = [p for p in folder.glob("*.ipynb") if not p.name.startswith("全市")]
    for p in files:
        nb = json.loads(p.read_text(encoding="utf-8"))
        for c in nb["cells"]:
            d = c.get("metadata", {}).get("papermill", {}).get("duration") or 0.0
            src = "".join(c.get("source", ""))
            kind = ("imports + evaluation (CountyReport.build)" if "CountyReport.build" in src else
                    "side files (json, docx, xlsx)" if "write_outputs" in src else
                    "charts" if "plots." in src else "tables and text")
            if c.get("cell_type") == "code":
                kinds[kind] += d
    return {k: v / max(1, len(files)) for k, v in sorted(kinds.items(), key=lambda kv: -kv[1])}


def main(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument("--data", default=None)
    p.add_argument("--year", type=int, default=None)
    p.add_argument("--county", default=None, help="the county of the cold report (default: the largest)")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--baseline", default=None, help="another checkout to time the same cold report with")
    p.add_argument("--ratio-only", action="store_true", help="only the report cost ratio")
    a = p.parse_args(argv)
    ds = load(a.data)
    year = a.year or max(ds.years)
    data_dir = str(Path(a.data).resolve()) if a.data else ""
    tmp = Path(tempfile.mkdtemp(prefix="jh-bench-"))
    try:
        county = a.county or _tasks(ds, year, tmp, data_dir)[0].county
        r = report_ratio(tmp, a.data, county, a.repeat, a.baseline)
        floor, floor_cpu = r["trivial notebook (python -m papermill)"]
        print(f"report cost, whole process, cold, median of {a.repeat} (same run, alternating): {county} {year}")
        print(f"  {'':<42} {'wall':>7}   {'ratio':>5}  {'CPU':>6}")
        for k, (w, c) in r.items():
            print(f"  {k:<42} {w:6.2f}s  {w / floor:5.1f}×  {c:5.2f}s")
        print(f"  target ≤ 4× (wall): {'OK' if r['junheng report'][0] / floor <= 4 else 'MISSED'}; CPU "
              f"{r['junheng report'][1] / floor_cpu:.1f}× the trivial notebook's")
        if a.ratio_only:
            return
        seq_dir, one_dir, par_dir = tmp / "seq", tmp / "one", tmp / "par"
        tasks = _tasks(ds, year, seq_dir, data_dir)
        t = time.perf_counter()
        res1 = [batch.run_county(task) for task in tasks]          # one sequential papermill loop
        t_seq = time.perf_counter() - t
        t = time.perf_counter()
        res2 = batch.run_tasks(_tasks(ds, year, one_dir, data_dir), workers=1, progress=False)
        t_one = time.perf_counter() - t
        t = time.perf_counter()
        res3 = batch.run_tasks(_tasks(ds, year, par_dir, data_dir), workers=2, progress=False)
        t_par = time.perf_counter() - t
        assert all(r.ok for r in res1 + res2 + res3), [r.error for r in res1 + res2 + res3 if not r.ok]
        n = len(tasks)
        print(f"{n} county reports ({year}), same run (the notebooks read the data folder: no runner cache here):")
        print(f"  sequential papermill loop:          {t_seq:6.1f} s  ({t_seq / n:.2f} s per report)")
        print(f"  --workers 1 (next kernel pre-warmed): {t_one:4.1f} s  ({t_one / n:.2f} s per report)")
        print(f"  --workers 2:                        {t_par:6.1f} s  → speed-up {t_seq / t_par:.2f}× over the loop "
              f"(target ≥ 1.8×: {'OK' if t_seq / t_par >= 1.8 else 'MISSED'}), {t_one / t_par:.2f}× over --workers 1")
        print("  where the time of a report's cells goes (mean seconds per report):")
        for k, v in cell_breakdown(seq_dir).items():
            print(f"    {k:<45} {v:5.2f}")
        # incremental: full run, unchanged re-run, one county's row corrected
        data = tmp / "data"
        shutil.copytree(Path(ds.folder), data)
        inc = tmp / "inc"
        runs = []
        for step in ("first run", "nothing changed", "one county's row corrected"):
            if step.startswith("one"):
                s = pd.read_csv(data / "schools.csv", dtype=str)
                i = s.index[(s["county"] == ds.counties_list[0]) & (s["year"] == str(year))][0]
                s.loc[i, "books"] = str(int(s.loc[i, "books"]) + 500)
                s.to_csv(data / "schools.csv", index=False)
            t = time.perf_counter()
            batch.run_reports(data=str(data), years=[year], out=str(inc), workers=2, progress=False)
            runs.append((step, time.perf_counter() - t))
        print("incremental (junheng report --workers 2, county reports + roll-up):")
        for step, sec in runs:
            print(f"  {step:<28} {sec:6.1f} s")
    finally:
        print("reproduce: .venv/bin/python benchmarks/batch.py " + " ".join(sys.argv[1:]))
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
