"""Batch benchmark: the sample city's county reports sequentially versus with --workers 2, in one run,
plus the per-report floor (kernel start), where the rest of the time goes, and incremental re-runs.

    .venv/bin/python benchmarks/batch.py [--data DIR] [--year Y]

Target: ≥ 1.8× with 2 workers on a 2-core machine.
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import nbformat
import pandas as pd
import papermill as pm

from junheng_lib import batch
from junheng_lib.data import load
from junheng_lib.options import Options


def _tasks(ds, year, out, data_dir):
    size = ds.schools[ds.schools["year"] == year].groupby("county").size()
    return [batch.CountyTask(c, year, str(out), data_dir, Options().to_dict())
            for c in sorted(size.index, key=lambda c: -size[c])]


def kernel_floor(tmp: Path, n: int = 3) -> float:
    """Seconds to execute a one-cell notebook through the same runner (kernel start + shutdown)."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("1 + 1")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    src = tmp / "trivial.ipynb"
    nbformat.write(nb, src)
    times = []
    for _ in range(n):
        t = time.perf_counter()
        pm.execute_notebook(str(src), str(tmp / "trivial.out.ipynb"), kernel_name="python3", progress_bar=False,
                            kernel_manager_class=batch.IPCKernelManager)
        times.append(time.perf_counter() - t)
    return min(times)


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
    a = p.parse_args(argv)
    ds = load(a.data)
    year = a.year or max(ds.years)
    data_dir = str(Path(a.data).resolve()) if a.data else ""
    tmp = Path(tempfile.mkdtemp(prefix="jh-bench-"))
    try:
        floor = kernel_floor(tmp)
        seq_dir, par_dir = tmp / "seq", tmp / "par"
        tasks = _tasks(ds, year, seq_dir, data_dir)
        t = time.perf_counter()
        res1 = [batch.run_county(task) for task in tasks]          # one sequential papermill loop
        t_seq = time.perf_counter() - t
        t = time.perf_counter()
        res2 = batch.run_tasks(_tasks(ds, year, par_dir, data_dir), workers=2, progress=False)
        t_par = time.perf_counter() - t
        assert all(r.ok for r in res1 + res2), [r.error for r in res1 + res2 if not r.ok]
        n = len(tasks)
        print(f"{n} county reports ({year}), same run:")
        print(f"  sequential papermill loop: {t_seq:6.1f} s  ({t_seq / n:.2f} s per report)")
        print(f"  --workers 2:               {t_par:6.1f} s  → speed-up {t_seq / t_par:.2f}× "
              f"(target ≥ 1.8×: {'OK' if t_seq / t_par >= 1.8 else 'MISSED'})")
        print(f"  per-report floor (kernel start + one trivial cell + shutdown): {floor:.2f} s")
        print("  where the rest goes (mean seconds per report, executed cells):")
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
        print("reproduce: python benchmarks/batch.py " + " ".join(sys.argv[1:]))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
