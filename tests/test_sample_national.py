"""``junheng sample --counties N --provinces P``: a national-scale table with 省/市/区划代码.

What is checked, by hand as much as by code:
* the levels agree: a county_code's first 4 digits name one city (and a city has one such prefix), its
  first 2 one province (and back), a code one county; every school row carries all three;
* the requested counts hold (counties, provinces, years); county names are unique nationally and the
  counties table carries the same names;
* realistic shape at the national size: a province has 8–20 cities, a city 3–15 counties;
* without ``--provinces`` the output is byte-identical to the code before the option existed;
* the written folder reads back through ``junheng_lib.data.dataset.load`` without errors.
"""
from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pytest

from junheng_lib.cli import main
from junheng_lib.data.dataset import load
from junheng_lib.data.sample import random_profiles
from junheng_lib.util.paths import sample_dir

FILES = ("schools.csv", "classes.csv", "counties.csv")


def sample(out, *args) -> int:
    return main(["sample", *map(str, args), "--out", str(out)])


def sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def levels_agree(df: pd.DataFrame) -> None:
    """Each code prefix names exactly one place of its level, and each place has exactly one prefix."""
    code = df["county_code"].astype(str)
    assert code.str.fullmatch(r"[1-9]\d{5}").all()
    for width, col in ((6, "county"), (4, "city"), (2, "province")):
        prefix = code.str[:width]
        assert (df.groupby(prefix)[col].nunique() == 1).all(), f"a {width}-digit prefix with two {col} names"
        assert (prefix.groupby(df[col]).nunique() == 1).all(), f"a {col} under two {width}-digit prefixes"


# ------------------------------------------------------------------------------------ default unchanged
#: SHA-256 of ``junheng sample --counties 5 --years 2 --seed 3`` written by the code before --provinces
BEFORE_C5_Y2_S3 = {
    "schools.csv": "e4719c506c400e186c723e1fe1e76a8a90b56df3f60d5a9b3c43aae987e1cceb",
    "classes.csv": "b0f1e4a68cd4faadfcf36926f58a71ac3cfb2eef2cba6782cc390e3b23d6e950",
    "counties.csv": "5da57a23574df1748b1b3ce4232f74f45c18c06995ea18fcc4feaa27454a4a5b",
}


def test_random_counties_without_provinces_unchanged(tmp_path):
    assert sample(tmp_path / "d", "--counties", 5, "--years", 2, "--seed", 3) == 0
    assert {f: sha256(tmp_path / "d" / f) for f in FILES} == BEFORE_C5_Y2_S3


def test_default_sample_is_the_committed_sample_city(tmp_path):
    assert sample(tmp_path / "d") == 0
    for f in FILES:
        assert (tmp_path / "d" / f).read_bytes() == (sample_dir() / f).read_bytes(), f


def test_profiles_without_provinces_have_no_geography():
    p = random_profiles(30, np.random.default_rng(1))
    assert list(p.columns) == ["county", "county_code", "urban", "n_schools", "sigma", "trend", "wealth"]


# --------------------------------------------------------------------------------------- national table
@pytest.fixture(scope="module")
def national(tmp_path_factory):
    out = tmp_path_factory.mktemp("national") / "d"
    assert sample(out, "--counties", 240, "--provinces", 4, "--years", 2, "--first-year", 2023, "--seed", 7) == 0
    return out


def test_every_school_row_has_consistent_levels(national):
    s = pd.read_csv(national / "schools.csv", dtype=str, keep_default_na=False)
    for col in ("province", "city", "county", "county_code"):
        assert (s[col] != "").all(), col
    levels_agree(s)
    assert s["province"].str.endswith("省").all() and s["city"].str.endswith("市").all()
    assert s["county"].str[-1].isin(["县", "区"]).all()
    assert (s["school_id"].str[:6] == s["county_code"]).all()   # 学校标识码 = 区划代码 + 4 digits
    assert s["school_id"].str.fullmatch(r"\d{10}").all()
    assert not s.duplicated(["year", "school_id"]).any()
    # 区 have codes 02–19 (after the 01 of 市辖区), 县 21–99, as in the national code scheme
    part = s["county_code"].str[4:].astype(int)
    assert ((s["county"].str[-1] == "区") == (part < 20)).all()


def test_requested_counts_hold(national):
    s = pd.read_csv(national / "schools.csv", dtype={"county_code": str})
    c = pd.read_csv(national / "counties.csv")
    assert s["county"].nunique() == s["county_code"].nunique() == 240
    assert s["province"].nunique() == s["county_code"].str[:2].nunique() == 4
    assert sorted(s["year"].unique()) == [2023, 2024]
    # the counties table: one row per county and year, with the very names of the schools table
    assert len(c) == 240 * 2 and not c.duplicated(["year", "county"]).any()
    assert set(c["county"]) == set(s["county"])


def test_national_folder_loads_cleanly(national):
    ds = load(national)
    assert ds.years == [2023, 2024]
    assert len(ds.counties_list) == 240
    assert ds.name_notices() == []
    levels_agree(ds.schools.drop_duplicates("county"))
    assert ds.schools["county_code"].map(type).eq(str).all()   # read as text, leading digits kept


def test_national_shape_at_full_size():
    """The profiles of 2 850 counties in 31 provinces (the size of China), without writing the schools."""
    p = random_profiles(2850, np.random.default_rng(1), provinces=31)
    assert len(p) == 2850 and p["county"].is_unique and p["county_code"].is_unique
    assert p["province"].nunique() == 31
    levels_agree(p)
    cities_per_province = p.groupby("province")["city"].nunique()
    counties_per_city = p.groupby("city").size()
    assert cities_per_province.between(8, 20).all(), cities_per_province.describe()
    assert counties_per_city.between(3, 15).all(), counties_per_city.describe()
    assert p["province"].str.endswith("省").all() and p["city"].str.endswith("市").all()
    # fictional stems only: not the sample city's, not a real province's
    assert not set(p["province"].str[:-1]) & {"云川", "河北", "山东", "湖南", "四川", "云南"}
    assert not set(p["county"].str[:2]) & {"东湖", "白石", "永宁", "桃源"}


def test_same_seed_same_nation_and_profile_values_kept():
    a = random_profiles(300, np.random.default_rng(5), provinces=7)
    b = random_profiles(300, np.random.default_rng(5), provinces=7)
    pd.testing.assert_frame_equal(a, b)
    plain = random_profiles(300, np.random.default_rng(5))
    for col in ("n_schools", "sigma", "trend"):   # the geography is drawn after the profile values
        assert (a[col].to_numpy() == plain[col].to_numpy()).all()


@pytest.mark.parametrize("n, provinces", [(1, 1), (10, 1), (31, 31), (100, 10), (3000, 90)])
def test_small_and_odd_sizes(n, provinces):
    p = random_profiles(n, np.random.default_rng(0), provinces=provinces)
    assert len(p) == n and p["county"].is_unique and p["province"].nunique() == provinces
    levels_agree(p)


def test_small_national_folder_loads(tmp_path):
    assert sample(tmp_path / "d", "--counties", 3, "--provinces", 2, "--years", 1, "--seed", 0) == 0
    ds = load(tmp_path / "d")
    assert ds.schools["province"].nunique() == 2 and len(ds.counties_list) == 3


@pytest.mark.parametrize("args, message", [
    (["--provinces", 3], "--provinces 需要同时给出 --counties"),
    (["--counties", 5, "--provinces", 6], "县区数(5)少于省数(6)"),
    (["--counties", 500, "--provinces", 91], "省数最多为90"),
    (["--counties", 9604, "--provinces", 1], "6位区划代码所能容纳"),
])
def test_impossible_counts_refused_and_nothing_written(tmp_path, capsys, args, message):
    assert sample(tmp_path / "d", *args) != 0
    assert message in capsys.readouterr().err
    assert not (tmp_path / "d").exists()
