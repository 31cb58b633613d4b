"""Core benchmark: all 15 CVs, the composites and per-school compliance for one national-scale year.

    .venv/bin/python benchmarks/core.py [--counties 2850] [--seed 1] [--repeat 3]

Targets on a 2-core machine: ≤ 2 s, ≤ 2 GB peak (the computation's own allocations, tracemalloc),
and within 5× of a bare NumPy pass (the same splitting, values and bincount weighted moments written
directly on arrays), measured in the same run.
"""
from __future__ import annotations

import argparse
import resource
import sys
import time
import tracemalloc

import numpy as np
import pandas as pd

from junheng_lib import evaluate, sample, stages
from junheng_lib.indicators import INDICATORS, RULES


def numpy_pass(a: dict, ncounty: int) -> np.ndarray:
    """Bare NumPy: split the five resources, compute the 15 values per school × stage, the
    student-weighted mean and CV per county × stage with bincount moments, and the per-school
    compliance verdict. Scope: 公办 县属, not
    special schools; quality additionally drops teaching points under 50 students."""
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
    inscope = a["scope"]
    out = []
    for stage, P, wst in ((0, a["P"], w_p), (1, a["J"], w_j)):
        share = wst * P / den
        keep = inscope & (P > 0)
        Pk = P[keep]
        x = []
        for code, row in INDICATORS.iterrows():
            num = totals.get(row["numerator"])
            if num is None:
                num = a[f"{row['numerator']}_{stage}"]
            elif row["split"]:
                num = num * share
            x.append(row["scale"] * num[keep] / Pk)
        x = np.column_stack(x)
        g = a["county"][keep]
        s0 = np.bincount(g, weights=Pk, minlength=ncounty)
        s1 = np.stack([np.bincount(g, weights=Pk * x[:, j], minlength=ncounty) for j in range(x.shape[1])], 1)
        s2 = np.stack([np.bincount(g, weights=Pk * x[:, j] ** 2, minlength=ncounty) for j in range(x.shape[1])], 1)
        mean = s1 / s0[:, None]
        out.append(np.sqrt(np.maximum(s2 / s0[:, None] - mean ** 2, 0)) / mean)
        # per-school compliance on the quality values: ≥ 6 standards met, the rest ≥ 85 %
        qi = [i for i, c in enumerate(INDICATORS.index) if c.startswith("Y")]
        stdv = INDICATORS["std_primary" if stage == 0 else "std_junior"].to_numpy(float)[qi]
        ratio = x[:, qi] / stdv
        met = ratio >= 1
        _ = (met.sum(axis=1) >= 6) & (np.where(met, np.inf, ratio).min(axis=1) >= 0.85)
    return np.concatenate(out)


def arrays(s: pd.DataFrame) -> dict:
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


def ours(s: pd.DataFrame):
    st = stages.school_stages(s)
    return evaluate.coefficients(st), evaluate.compliance(st)


def best_of(fn, repeat):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        res = fn()
        times.append(time.perf_counter() - t)
    return min(times), res


def main(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument("--counties", type=int, default=2850)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--repeat", type=int, default=3)
    a = p.parse_args(argv)
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
    print(f"junheng (school_stages + coefficients + compliance): {t_ours:.2f} s best of {a.repeat}  "
          f"→ {rows[0]:,} coefficient rows, {rows[1]:,} school × stage verdicts")
    print(f"bare NumPy pass (split + values + moments + verdicts):   {t_np:.3f} s  → ratio {t_ours / t_np:.1f}×")
    print(f"peak memory of the computation (tracemalloc): {peak / 2**20:,.0f} MiB; "
          f"process max RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MiB")
    print(f"targets: ≤ 2 s {'OK' if t_ours <= 2 else 'MISSED'}; ≤ 2 GB {'OK' if peak < 2 * 2**30 else 'MISSED'}; "
          f"≤ 5× NumPy {'OK' if t_ours / t_np <= 5 else 'MISSED'}")
    print("reproduce:", "python benchmarks/core.py " + " ".join(sys.argv[1:]))



if __name__ == "__main__":
    main()
