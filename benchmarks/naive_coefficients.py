"""The reference of the national-read benchmark: a naive pandas script, no validation.

    python benchmarks/naive_coefficients.py schools.csv out.csv

What a careful analyst would write by hand with pandas: read the CSV, keep the schools in scope,
split the school-level resources between the stages of multi-stage schools by student weights,
compute the 15 per-student values of every school × stage, and the student-weighted mean and
population CV of each year × county × stage with ``groupby``. It writes one row per year × county
× stage × indicator (``year, county, stage, indicator, mean, cv``).

The rules are restated here on purpose, independently of ``junheng_lib`` (an independent
re-derivation is what makes the benchmark's agreement check mean something): scope 公办 + 县属,
not 特殊教育学校; 教学点 out of 基本均衡, and out of 优质均衡 under 50 students; split weights
九年一贯制 1 : 1.1, 完全中学 初中 : 高中 = 1 : 1.2, 十二年一贯制 1 : 1.1 : 1.32; teaching rooms net
of indoor sports rooms; every school-level resource split, teachers not.
"""
import sys

import pandas as pd

# stage weights of each school type (小学, 初中, 高中); 0 where the type lacks the stage
WEIGHTS = {"小学": (1, 0, 0), "教学点": (1, 0, 0), "初中": (0, 1, 0), "九年一贯制学校": (1, 1.1, 0),
           "完全中学": (0, 1, 1.2), "十二年一贯制学校": (1, 1.1, 1.32)}
BASIC = {"L1": ("teaching", 1), "L2": ("sports", 1), "L3": ("equipment_value_yuan", 1), "L4": ("computers", 100),
         "L5": ("books", 1), "L6": ("teachers", 1), "L7": ("above_degree", 1), "L8": ("mid_title", 1)}
QUALITY = {"Y1": ("above_degree", 100), "Y2": ("backbone", 100), "Y3": ("pe_art", 100), "Y4": ("teaching", 1),
           "Y5": ("sports", 1), "Y6": ("equipment_value_yuan", 1), "Y7": ("multimedia_rooms", 100)}
SPLIT = ["teaching", "sports", "equipment_value_yuan", "computers", "books", "multimedia_rooms"]
PER_STAGE = ["teachers", "above_degree", "mid_title", "backbone", "pe_art"]


def main(src, dst):
    s = pd.read_csv(src)
    s = s[(s["ownership"] == "公办") & (s["affiliation"] == "县属") & (s["school_type"] != "特殊教育学校")]
    s = s.assign(teaching=s["teaching_area_m2"] - s["indoor_sports_area_m2"],
                 sports=s["indoor_sports_area_m2"] + s["outdoor_sports_area_m2"])
    w = pd.DataFrame(s["school_type"].map(WEIGHTS).tolist(), index=s.index, columns=["p", "j", "s"])
    den = w["p"] * s["students_primary"] + w["j"] * s["students_junior"] + w["s"] * s["students_senior"]
    parts = []
    for stage, suf, wk in (("小学", "primary", "p"), ("初中", "junior", "j")):
        st = s[(w[wk] > 0) & (s[f"students_{suf}"] > 0)]
        share = (w[wk] * s[f"students_{suf}"] / den)[st.index]
        part = st[["year", "county", "school_type"]].assign(stage=stage, students=st[f"students_{suf}"])
        for c in SPLIT:
            part[c] = st[c] * share
        for c in PER_STAGE:
            part[c] = st[f"{c}_{suf}"]
        parts.append(part)
    st = pd.concat(parts)
    out = []
    for scope, table in ((st[st["school_type"] != "教学点"], BASIC),
                         (st[(st["school_type"] != "教学点") | (st["students"] >= 50)], QUALITY)):
        keys = ["year", "county", "stage"]
        for code, (num, scale) in table.items():
            x = scale * scope[num] / scope["students"]
            d = scope[keys].assign(p=scope["students"], px=scope["students"] * x)
            g = d.groupby(keys)
            mean = g["px"].transform("sum") / g["p"].transform("sum")
            d["pdev2"] = d["p"] * (x - mean) ** 2
            r = d.groupby(keys)[["p", "px", "pdev2"]].sum()
            r["mean"] = r["px"] / r["p"]
            r["cv"] = (r["pdev2"] / r["p"]) ** 0.5 / r["mean"]
            out.append(r[["mean", "cv"]].assign(indicator=code).reset_index())
    pd.concat(out)[["year", "county", "stage", "indicator", "mean", "cv"]].to_csv(dst, index=False)


if __name__ == "__main__":
    main(*sys.argv[1:3])
