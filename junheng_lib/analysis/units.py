"""The roll-ups of a data set by administrative level: which counties each one covers, and its name.

A county's city and province are the schools table's ``city`` and ``province`` columns (the most
frequent value of the county's rows of the year), or else the first 4 and 2 digits of its 6-digit
``county_code`` (the 区划代码 of the city is those 4 digits and ``00``, of the province the 2 digits
and ``0000``, which then name the unit). :func:`rollup_units`:

* no city information, or a single city: one roll-up of every county, ``全市汇总`` (a city
  bureau's run; its title names the city when the data do);
* several cities: one roll-up per city, ``<市名>汇总``, covering that city's counties only;
* a province column or code with several cities: one roll-up per province, ``<省名>汇总``, ranking
  its cities and counties; and when the data span provinces, a national one, ``全国汇总``.

``wanted`` (the counties asked for, ``junheng report --county``) limits the roll-ups to the cities of
those counties (no province or national roll-up then: those would be mostly 未生成).

Examples
--------
>>> import pandas as pd
>>> s = pd.DataFrame({"year": 2024, "county": ["甲县", "乙县", "丙县"], "city": ["一市", "一市", "二市"],
...                   "province": "某省"})
>>> [(u.level, u.name, u.counties) for u in rollup_units(s, 2024)]
[('city', '一市', ('甲县', '乙县')), ('city', '二市', ('丙县',)), ('province', '某省', ('甲县', '乙县', '丙县'))]
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from junheng_lib.rules.indicators import RULES

__all__ = ["Unit", "rollup_units", "find_unit", "county_units", "DEFAULT_STEM", "LEVELS"]

_CFG = RULES["rollup"]["units"]
#: the roll-up of data without several cities (today's city roll-up)
DEFAULT_STEM = str(_CFG["default_stem"])
#: the levels of a roll-up, smallest first ("" is the single roll-up of all counties)
LEVELS = ("", "city", "province", "nation")


@dataclass(frozen=True)
class Unit:
    """One roll-up: its ``level`` (:data:`LEVELS`), ``name`` (市名, 省名, 全国; "" for the default),
    the file ``stem`` of its outputs and the ``counties`` it covers, in data order."""

    level: str
    name: str
    counties: tuple[str, ...]

    @property
    def stem(self) -> str:
        return DEFAULT_STEM if self.level == "" else f"{self.name}{_CFG['suffix']}"


def _code_part(codes: pd.Series, digits: int) -> pd.Series:
    c = codes.astype("string").str.strip()
    ok = c.str.fullmatch(r"\d{6}").fillna(False)
    return c.str[:digits].where(ok) + "0" * (6 - digits)


def county_units(schools: pd.DataFrame, year: int | None = None) -> pd.DataFrame:
    """One row per county of ``year`` (default: every year) in data order: ``county, city,
    province`` (NA where the data do not say). A name column wins over the code."""
    s = schools if year is None else schools[schools["year"] == int(year)]
    cols = {"county": s["county"].astype(str)}
    for level, digits in (("city", 4), ("province", 2)):
        v = s[level].astype("string").str.strip().replace("", pd.NA) if level in s else pd.Series(pd.NA, index=s.index,
                                                                                                  dtype="string")
        if "county_code" in s:
            v = v.fillna(_code_part(s["county_code"], digits))
        cols[level] = v
    d = pd.DataFrame(cols)
    order = list(dict.fromkeys(d["county"]))
    out = pd.DataFrame({"county": order})
    for level in ("city", "province"):
        top = (d.dropna(subset=[level]).groupby(["county", level], sort=False).size().rename("n").reset_index()
               .sort_values(["county", "n"], ascending=[True, False], kind="stable").drop_duplicates("county"))
        out[level] = out["county"].map(top.set_index("county")[level]).astype("string")
    return out


def rollup_units(schools: pd.DataFrame, year: int | None = None, wanted: Sequence[str] | None = None) -> list[Unit]:
    """The roll-ups of the counties of ``year`` (see the module's rules), smallest level first,
    each level in data order. A city name that two provinces share is prefixed with its province's."""
    cu = county_units(schools, year)
    pairs = cu[["province", "city"]].astype(object).where(cu[["province", "city"]].notna(), None)
    cu["key"] = list(zip(pairs["province"], pairs["city"]))
    if cu["city"].isna().any() or cu["key"].nunique() <= 1:
        return [Unit("", "", tuple(cu["county"]))]
    shared = cu.groupby("city")["province"].nunique(dropna=False)
    def city_name(key) -> str:
        p, c = key
        return f"{p}{c}" if shared.get(c, 1) > 1 and p is not None else str(c)
    keys = list(dict.fromkeys(cu["key"]))
    if wanted is not None:
        asked = set(wanted)
        keys = [k for k in keys if cu.loc[cu["key"] == k, "county"].isin(asked).any()]
    units = [Unit("city", city_name(k), tuple(cu.loc[cu["key"] == k, "county"])) for k in keys]
    if wanted is None and cu["province"].notna().all():
        provinces = list(dict.fromkeys(cu["province"]))
        units += [Unit("province", str(p), tuple(cu.loc[cu["province"] == p, "county"])) for p in provinces]
        if len(provinces) > 1:
            units.append(Unit("nation", str(_CFG["nation"]), tuple(cu["county"])))
    return units


def find_unit(schools: pd.DataFrame, year: int | None, stem: str) -> Unit | None:
    """The roll-up of ``year`` whose file stem is ``stem`` — among :func:`rollup_units`, or, when the
    data are already one unit's (the runner hands a city's roll-up its city's rows), that unit:
    the city, province or nation all the counties share. None when no unit has that stem."""
    for u in rollup_units(schools, year):
        if u.stem == stem:
            return u
    cu = county_units(schools, year)
    every = tuple(cu["county"])
    for level in ("city", "province"):
        names = cu[level].dropna().unique()
        if len(names) == 1 and cu[level].notna().all():
            prov = cu["province"].dropna().unique()
            for name in (str(names[0]), *(f"{p}{names[0]}" for p in prov if level == "city")):
                if Unit(level, name, every).stem == stem:
                    return Unit(level, name, every)
    nation = Unit("nation", str(_CFG["nation"]), every)
    if nation.stem == stem and cu["province"].notna().all():
        return nation
    return None
