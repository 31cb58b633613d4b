"""Core benchmark: the national table, read and computed, against a naive pandas script.

    .venv/bin/python benchmarks/core.py [--counties 2850] [--years 1] [--seed 1] [--rounds 3] [--data DIR]
    .venv/bin/python benchmarks/core.py --kernel [--counties 2850] [--repeat 3]

Default: the whole process of ``junheng coefficients schools.csv -o out.csv`` (interpreter start,
imports, reading and validating the CSV, the 15 CVs of every county × stage, writing the result),
timed as a subprocess against ``benchmarks/naive_coefficients.py`` (a naive pandas script that reads
the same CSV with ``pd.read_csv``, filters to the scope, splits the resources of multi-stage schools
and computes the same 15 CVs with ``groupby``, without any validation), the two run alternately in
the same run. Wall time and peak memory (maximum resident set of each child, from ``wait4``); the
ratio is the median of the rounds' ratios. The two outputs must agree (mean and CV of every county
× stage × indicator to 1e-9): the naive script computes the same thing.
Targets (issue 9 §5, 2 cores): ratio ≤ 1.0, peak memory ≤ 2 GB.

``--kernel``: the computation alone in-process (school × stage split, 15 CVs, composites,
per-school compliance on a generated table), against a bare NumPy pass of the same work.
Targets: ≤ 2 s, ≤ 2 GB (tracemalloc), ≤ 5× NumPy.
"""
from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
NAIVE = HERE / "naive_coefficients.py"


# ----------------------------------------------------------------------------------------- whole process

def _junheng() -> list[str]:
    """The ``junheng`` command of this interpreter's environment (the module when not installed)."""
    exe = Path(sys.executable).parent / "junheng"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "junheng_lib.cli"]


#: the children import ``junheng_lib`` from this checkout
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(HERE.parent), os.environ.get("PYTHONPATH")]))}


def run(cmd: list[str]) -> tuple[float, float, float]:
    """Run ``cmd``; (wall seconds, peak resident memory in MiB, CPU seconds (user + system)) of that child."""
    with tempfile.TemporaryFile() as err:
        t = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, env=ENV)
        _, status, usage = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t
        p.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        text = err.read().decode("utf-8", errors="replace")
    if p.returncode:
        sys.exit(f"failed ({p.returncode}): {' '.join(cmd)}\n{text}")
    return wall, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime


def agree(ours: Path, naive: Path) -> tuple[int, float]:
    """Check that both outputs hold the same means and CVs; (rows compared, largest CV difference)."""
    keys = ["year", "county", "stage", "indicator"]
    a = pd.read_csv(ours)
    a = a[a["indicator"] != "composite"]
    b = pd.read_csv(naive)
    m = a.merge(b, on=keys, how="outer", suffixes=("", "_naive"), indicator=True)
    only = m[m["_merge"] != "both"]
    assert only.empty, f"rows in one output only:\n{only[keys + ['_merge']].head()}"
    diff = {}
    for col in ("mean", "cv"):
        x, y = m[col].to_numpy(float), m[f"{col}_naive"].to_numpy(float)
        same_nan = np.isnan(x) == np.isnan(y)
        close = np.abs(x - y) <= 1e-9 * np.maximum(1, np.abs(x))
        bad = ~(same_nan & (close | np.isnan(x)))
        assert not bad.any(), f"{col} differs:\n{m.loc[bad, keys + [col, col + '_naive']].head()}"
        diff[col] = float(np.nanmax(np.abs(x - y))) if len(x) else 0.0
    return len(m), diff["cv"]


def whole_process(a) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="junheng-core-"))
    try:
        if a.data:
            csv = Path(a.data) / "schools.csv" if Path(a.data).is_dir() else Path(a.data)
        else:
            t = time.perf_counter()
            cmd = [*_junheng(), "sample", "--counties", str(a.counties), "--years", str(a.years),
                   "--seed", str(a.seed), "--out", str(tmp / "data")]
            done = subprocess.run(cmd, capture_output=True, text=True, env=ENV)
            if done.returncode:
                sys.exit(f"failed: {' '.join(cmd)}\n{done.stderr}")
            csv = tmp / "data" / "schools.csv"
            print(f"data: {' '.join(cmd[len(_junheng()):])} ({time.perf_counter() - t:.0f} s)")
        n = sum(1 for _ in open(csv, "rb")) - 1
        print(f"table: {csv} — {n:,} rows, {csv.stat().st_size / 2**20:.1f} MiB")
        ours_cmd = [*_junheng(), "coefficients", str(csv), "-o", str(tmp / "ours.csv")]
        naive_cmd = [sys.executable, str(NAIVE), str(csv), str(tmp / "naive.csv")]
        run(ours_cmd)  # warm the page cache (both read the same file)
        rows = []
        for r in range(a.rounds):
            pair = [("junheng", ours_cmd), ("naive", naive_cmd)]
            if r % 2:
                pair.reverse()
            got = {k: run(cmd) for k, cmd in pair}
            rows.append(got)
            print(f"round {r + 1}: junheng {got['junheng'][0]:.2f} s (CPU {got['junheng'][2]:.2f} s, "
                  f"{got['junheng'][1]:,.0f} MiB)   naive pandas {got['naive'][0]:.2f} s (CPU {got['naive'][2]:.2f} s, "
                  f"{got['naive'][1]:,.0f} MiB)   ratio {got['junheng'][0] / got['naive'][0]:.2f}")
        n_rows, cv_diff = agree(tmp / "ours.csv", tmp / "naive.csv")
        ours_t = [g["junheng"][0] for g in rows]
        naive_t = [g["naive"][0] for g in rows]
        ratio = statistics.median(g["junheng"][0] / g["naive"][0] for g in rows)
        peak = max(g["junheng"][1] for g in rows)
        print(f"same results: {n_rows:,} county × stage × indicator means and CVs agree "
              f"(largest CV difference {cv_diff:.1e})")
        print(f"junheng coefficients (whole process): median {statistics.median(ours_t):.2f} s, best {min(ours_t):.2f} s;"
              f" peak memory {peak:,.0f} MiB")
        print(f"naive pandas script:                  median {statistics.median(naive_t):.2f} s, best {min(naive_t):.2f} s;"
              f" peak memory {max(g['naive'][1] for g in rows):,.0f} MiB")
        cpu = statistics.median(g["junheng"][2] / g["naive"][2] for g in rows)
        print(f"ratio (median of rounds): {ratio:.2f}× wall time ({cpu:.2f}× CPU time; the naive script's "
              "pd.read_csv may read on several threads)")
        print(f"targets: ≤ 1.0× {'OK' if ratio <= 1.0 else 'MISSED'}; ≤ 2 GB {'OK' if peak <= 2048 else 'MISSED'}")
        print("reproduce:", "python benchmarks/core.py " + " ".join(sys.argv[1:]))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# ----------------------------------------------------------------------------------------- computation alone

def numpy_pass(a: dict, ncounty: int) -> np.ndarray:
    """Bare NumPy: split the five resources, compute the 15 values per school × stage, the
    student-weighted mean and CV per county × stage with bincount moments, and the per-school
    compliance verdict. Scope: 公办 县属, not special schools; teaching points out of 基本均衡,
    and out of 优质均衡 under 50 students."""
    from junheng_lib.rules.indicators import INDICATORS
    t = a["type"]
    w_j = np.where(t == 2, 1.1, np.where(t == 3, 1.0, np.where(t == 4, 1.1, 0.0)))
    w_p = np.isin(t, [0, 2, 4, 5]).astype(float)
    w_p[t == 1] = 0.0
    w_j[t == 1] = 1.0
    w_s = np.where(t == 3, 1.2, np.where(t == 4, 1.32, 0.0))
    den = w_p * a["P"] + w_j * a["J"] + w_s * a["S"]
    den = np.where(den > 0, den, 1.0)
    totals = {"teaching_area": a["teach"] - a["indoor"], "sports_area": a["indoor"] + a["outdoor"],
              "equipment_value": a["equip"], "computers": a["comp"], "books": a["books"],
              "multimedia_rooms": a["mm"]}
    out = []
    for stage, P, wst in ((0, a["P"], w_p), (1, a["J"], w_j)):
        share = wst * P / den
        x = []
        for code, row in INDICATORS.iterrows():
            num = totals.get(row["numerator"])
            if num is None:
                num = a[f"{row['numerator']}_{stage}"]
            elif row["split"]:
                num = num * share
            x.append(row["scale"] * num / np.where(P > 0, P, 1.0))
        x = np.column_stack(x)
        cvs = []
        for std, keep in (("L", a["scope"] & (P > 0) & (t != 5)),
                          ("Y", a["scope"] & (P > 0) & ((t != 5) | (P >= 50)))):
            cols = [i for i, c in enumerate(INDICATORS.index) if c.startswith(std)]
            g, Pk, xk = a["county"][keep], P[keep], x[keep][:, cols]
            s0 = np.bincount(g, weights=Pk, minlength=ncounty)
            s1 = np.stack([np.bincount(g, weights=Pk * xk[:, j], minlength=ncounty) for j in range(len(cols))], 1)
            s2 = np.stack([np.bincount(g, weights=Pk * xk[:, j] ** 2, minlength=ncounty) for j in range(len(cols))], 1)
            mean = s1 / s0[:, None]
            cvs.append(np.sqrt(np.maximum(s2 / s0[:, None] - mean ** 2, 0)) / mean)
        out.append(np.concatenate(cvs, axis=1))
        # per-school compliance on the quality values: ≥ 6 standards met, the rest ≥ 85 %
        qi = [i for i, c in enumerate(INDICATORS.index) if c.startswith("Y")]
        stdv = INDICATORS["std_primary" if stage == 0 else "std_junior"].to_numpy(float)[qi]
        ratio = x[:, qi] / stdv
        met = ratio >= 1
        _ = (met.sum(axis=1) >= 6) & (np.where(met, np.inf, ratio).min(axis=1) >= 0.85)
    return np.concatenate(out)


def arrays(s: pd.DataFrame) -> dict:
    from junheng_lib.rules.indicators import RULES
    types = list(RULES["school_types"])
    f = lambda c: s[c].to_numpy(float)  # noqa: E731
    a = {"type": pd.Categorical(s["school_type"], categories=types).codes, "P": f("students_primary"),
         "J": f("students_junior"), "S": f("students_senior"), "teach": f("teaching_area_m2"),
         "indoor": f("indoor_sports_area_m2"), "outdoor": f("outdoor_sports_area_m2"),
         "equip": f("equipment_value_yuan"), "comp": f("computers"), "books": f("books"), "mm": f("multimedia_rooms"),
         "county": pd.factorize(s["county"])[0],
         "scope": ((s["ownership"] == "公办") & (s["affiliation"] == "县属")
                   & (s["school_type"] != "特殊教育学校")).to_numpy()}
    for k, suf in ((0, "primary"), (1, "junior")):
        for n in ("teachers", "above_degree", "mid_title", "backbone", "pe_art"):
            a[f"{n}_{k}"] = f(f"{n}_{suf}")
    return a


def best_of(fn, repeat):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        res = fn()
        times.append(time.perf_counter() - t)
    return min(times), res


def kernel(a) -> None:
    from junheng_lib.analysis import coefficients as evaluate
    from junheng_lib.data import sample
    from junheng_lib.rules.indicators import INDICATORS

    def ours(s):
        v = evaluate.values_table(s)
        return evaluate.coefficients(v), evaluate.compliance(v)

    t = time.perf_counter()
    s = sample.generate(sample.random_profiles(a.counties, np.random.default_rng(a.seed)), years=(2024,),
                        seed=a.seed)["schools"]
    print(f"data: {len(s):,} schools in {a.counties:,} counties (generated in {time.perf_counter() - t:.1f} s)")
    arr = arrays(s)
    ncounty = int(arr["county"].max()) + 1
    t_np, cv_np = best_of(lambda: numpy_pass(arr, ncounty), a.repeat)
    t_ours, (coef, comp) = best_of(lambda: ours(s), a.repeat)
    tracemalloc.start()
    ours(s)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    # the two agree (basic L5 of the first county, 小学) — the reference is a real computation
    first = s["county"].iloc[0]
    ref = cv_np[0, list(INDICATORS.index).index("L5")]
    got = coef[(coef["county"] == first) & (coef["stage"] == "小学") & (coef["indicator"] == "L5")]["cv"].iloc[0]
    assert abs(ref - got) < 1e-9 * max(1, abs(got)), (ref, got)
    rows = len(coef), len(comp)
    print(f"junheng (values table + coefficients + compliance): {t_ours:.2f} s best of {a.repeat}  "
          f"→ {rows[0]:,} coefficient rows, {rows[1]:,} school × stage verdicts")
    print(f"bare NumPy pass (split + values + moments + verdicts):   {t_np:.3f} s  → ratio {t_ours / t_np:.1f}×")
    print(f"peak memory of the computation (tracemalloc): {peak / 2**20:,.0f} MiB; "
          f"process max RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MiB")
    print(f"targets: ≤ 2 s {'OK' if t_ours <= 2 else 'MISSED'}; ≤ 2 GB {'OK' if peak < 2 * 2**30 else 'MISSED'}; "
          f"≤ 5× NumPy {'OK' if t_ours / t_np <= 5 else 'MISSED'}")
    print("reproduce:", "python benchmarks/core.py " + " ".join(sys.argv[1:]))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--counties", type=int, default=2850)
    p.add_argument("--years", type=int, default=1, help="school years of the generated table")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--rounds", type=int, default=3, help="alternating rounds of the two processes")
    p.add_argument("--data", help="a schools.csv (or a folder holding one) instead of generating a table")
    p.add_argument("--kernel", action="store_true", help="the computation alone, in-process, against NumPy")
    p.add_argument("--repeat", type=int, default=3, help="--kernel: best of this many runs")
    a = p.parse_args(argv)
    kernel(a) if a.kernel else whole_process(a)


if __name__ == "__main__":
    main()
