"""Loading a data folder (schools + optional classes and counties tables) in one call."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .io import DataError, DataIssue, read_classes, read_counties, read_schools
from .paths import sample_dir

__all__ = ["Dataset", "load", "find_table"]

_NAMES = {"schools": ("schools", "学校", "学校表"), "classes": ("classes", "班级", "班级表"),
          "counties": ("counties", "县区", "县区表")}
_SUFFIXES = (".csv", ".xlsx")
_TITLES = {"schools": "学校表", "classes": "班级表", "counties": "县区表"}


@dataclass
class Dataset:
    """The input tables of one data folder, validated."""

    folder: Path
    schools: pd.DataFrame
    classes: pd.DataFrame | None = None
    counties: pd.DataFrame | None = None
    files: dict[str, Path] = field(default_factory=dict)

    def fingerprint(self) -> str:
        """SHA-256 over the input files' bytes (recorded in every report)."""
        h = hashlib.sha256()
        for key in sorted(self.files):
            h.update(key.encode())
            h.update(self.files[key].read_bytes())
        return h.hexdigest()

    def only_county(self, county: str) -> "Dataset":
        """The same data restricted to one county (all years): what a county report needs."""
        s = self.schools[self.schools["county"] == county]
        s.attrs = dict(self.schools.attrs)
        cl = self.classes
        if cl is not None:
            cl = cl[cl["school_id"].isin(set(s["school_id"]))]
        co = self.counties[self.counties["county"] == county] if self.counties is not None else None
        return Dataset(self.folder, s, cl, co, self.files)

    @property
    def years(self) -> list[int]:
        return sorted(int(y) for y in self.schools["year"].unique())

    @property
    def counties_list(self) -> list[str]:
        return list(dict.fromkeys(self.schools.sort_values(["county_code", "county"] if "county_code" in self.schools
                                                           else ["county"])["county"]))


def find_table(folder: Path, kind: str) -> Path | None:
    """The file of a table in a folder (``schools.csv``, ``学校.xlsx`` …), or None.

    Raises
    ------
    DataError
        When the folder holds more than one file for the table (``schools.csv`` and ``schools.xlsx``):
        which one is current cannot be told, so neither is read.
    """
    found = [p for stem in _NAMES[kind] for suf in _SUFFIXES if (p := folder / f"{stem}{suf}").is_file()]
    if len(found) > 1:
        names = "、".join(p.name for p in found)
        raise DataError([DataIssue(str(folder), f"{_TITLES[kind]}有{len(found)}个文件：{names}；无法判断应使用哪一个，"
                                                "请只保留其中一个（其余移出数据文件夹或改名）")])
    return found[0] if found else None


def load(folder: str | Path | None = None) -> Dataset:
    """Read and validate the tables of a data folder (default: the sample city).

    Raises
    ------
    DataError
        When the folder or its schools table is missing, or any table has errors.
    """
    folder = Path(folder) if folder else sample_dir()
    if not folder.is_dir():
        raise DataError([DataIssue(str(folder), "数据文件夹不存在")])
    files, problems = {}, []
    for k in _NAMES:  # every ambiguous table at once
        try:
            p = find_table(folder, k)
        except DataError as e:
            problems += e.issues
            continue
        if p is not None:
            files[k] = p
    if problems:
        raise DataError(problems)
    if "schools" not in files:
        raise DataError([DataIssue(str(folder), "数据文件夹中没有学校表（schools.csv / schools.xlsx / 学校.csv）")])
    schools = read_schools(files["schools"])
    classes = read_classes(files["classes"], schools) if "classes" in files else None
    counties = read_counties(files["counties"]) if "counties" in files else None
    return Dataset(folder, schools, classes, counties, files)


def load_files(schools: str | Path, classes: str | Path | None = None, counties: str | Path | None = None) -> Dataset:
    """A Dataset from explicit files (or, when ``schools`` is a folder, from that folder)."""
    p = Path(schools)
    if p.is_dir():
        return load(p)
    s = read_schools(p)
    files = {"schools": p}
    cl = read_classes(classes, s) if classes else None
    co = read_counties(counties) if counties else None
    if classes:
        files["classes"] = Path(classes)
    if counties:
        files["counties"] = Path(counties)
    return Dataset(p.parent, s, cl, co, files)
