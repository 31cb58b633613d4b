"""Loading a data folder (schools + optional classes and counties tables) in one call.

:func:`load` reads and validates a data folder; :func:`load_county` gives what one county report
reads: the folder, or — in a report run — the county's slice of the validated tables that the runner
wrote for it (:meth:`Dataset.write_slice`), named by the notebook's ``data_slice`` parameter. Nothing
else decides which: a notebook opened by hand with a data folder reads that folder.
"""
from __future__ import annotations

import hashlib
import os
import pickle
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np
import pandas as pd

from junheng_lib.data.io import (
    DataError,
    DataIssue,
    read_classes,
    read_counties,
    read_schools,
)
from junheng_lib.data.records import read_groups, read_projects
from junheng_lib.rules.codes import Notice
from junheng_lib.util.paths import sample_dir

__all__ = ["Dataset", "load", "load_county", "load_files", "input_files", "files_sha256", "find_table", "check_request",
           "county_rows", "county_name_mismatches", "county_name_notices", "county_row_gap", "county_row_notice",
           "SLICE_FORMAT", "read_slice_parts"]

#: version of the slice files written by :meth:`Dataset.write_slice`
SLICE_FORMAT = 1

_NAMES = {"schools": ("schools", "学校", "学校表"), "classes": ("classes", "班级", "班级表"),
          "counties": ("counties", "县区", "县区表"),
          # the bureau's working records (working-records.md §5–§6), optional
          "projects": ("projects", "项目", "项目表"), "groups": ("groups", "特殊群体", "特殊群体表")}
_SUFFIXES = (".csv", ".xlsx")
#: spreadsheet and text formats a table may be saved in that are not read: a table file in one of
#: them is refused by name (never passed over as if it were not there)
_OTHER_SUFFIXES = (".xls", ".xlsm", ".xlsb", ".et", ".ods", ".numbers", ".tsv", ".txt")
_TITLES = {"schools": "学校表", "classes": "班级表", "counties": "县区表", "projects": "项目表", "groups": "特殊群体表"}


@dataclass
class Dataset:
    """The input tables of one data folder, validated."""

    folder: Path
    schools: pd.DataFrame
    classes: pd.DataFrame | None = None
    counties: pd.DataFrame | None = None
    files: dict[str, Path] = field(default_factory=dict)
    #: :meth:`fingerprint`, once computed (a slice carries that of the whole input)
    sha256: str | None = field(default=None, repr=False)
    #: the working records (:mod:`junheng_lib.data.records`), optional
    projects: pd.DataFrame | None = field(default=None, repr=False)
    groups: pd.DataFrame | None = field(default=None, repr=False)
    #: last year's 整改台账 as the bureau filled it in (:func:`junheng_lib.analysis.ledger_years.read_ledger`:
    #: rows of one or more counties' workbooks, column ``county``), when given
    prior_ledger: pd.DataFrame | None = field(default=None, repr=False)

    def _records_of(self, county) -> dict:
        """The working-record tables restricted to one county, or a set of counties (all years)."""
        keep = {county} if isinstance(county, str) else set(county)
        out = {}
        for k in ("projects", "groups", "prior_ledger"):
            t = getattr(self, k)
            if t is not None:
                a = t.attrs
                t = t[t["county"].isin(keep)]
                t.attrs = dict(a)
            out[k] = t
        return out

    def fingerprint(self) -> str:
        """SHA-256 over the input files' bytes (recorded in every report); computed once."""
        if self.sha256 is None:
            self.sha256 = files_sha256(self.files)
        return self.sha256

    def only_county(self, county: str) -> "Dataset":
        """The same data restricted to one county (all years): what a county report needs."""
        s = self.schools[self.schools["county"] == county]
        s.attrs = dict(self.schools.attrs)
        cl = self.classes
        if cl is not None:
            cl = cl[cl["school_id"].isin(set(s["school_id"]))]
        co = self.counties[self.counties["county"] == county] if self.counties is not None else None
        return Dataset(self.folder, s, cl, co, self.files, self.sha256, **self._records_of(county))

    def only_counties(self, counties: Iterable[str]) -> "Dataset":
        """The same data restricted to some counties (all years): what a city's or province's
        roll-up reads. The counties rows kept are those of these counties."""
        keep = set(counties)
        s = self.schools[self.schools["county"].isin(keep)]
        s.attrs = dict(self.schools.attrs)
        cl = self.classes
        if cl is not None:
            cl = cl[cl["school_id"].isin(set(s["school_id"]))]
        co = self.counties[self.counties["county"].isin(keep)] if self.counties is not None else None
        return Dataset(self.folder, s, cl, co, self.files, self.sha256, **self._records_of(keep))

    def slices(self, counties: Iterable[str]) -> Iterator[tuple[str, "Dataset"]]:
        """Per county of ``counties`` in the data, what its report reads, one county at a time: its
        schools rows (all years), its schools' classes rows, its counties rows and the counties rows
        whose name is no county of the schools table (what the name notices compare). ``folder``,
        ``files`` and :meth:`fingerprint` are those of the whole input, so that on a slice
        ``check_request``, ``county_row_notice`` and ``only_county`` give what they give on the whole
        data. One pass over each table for all counties (:func:`county_rows`)."""
        sha = self.fingerprint()
        for c, (a, b, k) in county_rows(self, counties).items():
            sc = self.schools.iloc[a]
            sc.attrs = dict(self.schools.attrs)
            yield c, Dataset(self.folder, sc, None if b is None else self.classes.iloc[b],
                             None if k is None else self.counties.iloc[k], dict(self.files), sha, **self._records_of(c))

    def write_slice(self, path: str | Path, handed: dict | None = None) -> Path:
        """Write these tables to ``path`` (a pickle, never half-written), for one report notebook to
        read with :func:`load_county` (its ``data_slice`` parameter). The runner writes it in this
        run's private folder and removes it at the end. ``handed``: what the runner computed for the
        report besides the tables (its evaluation), read back by :func:`read_slice_parts`."""
        path = Path(path)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        with open(tmp, "wb") as fh:
            pickle.dump({"format": SLICE_FORMAT, "dataset": self, "handed": dict(handed or {})}, fh,
                        protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(path)
        return path

    @staticmethod
    def read_slice(path: str | Path) -> "Dataset":
        """The tables written by :meth:`write_slice`.

        Raises
        ------
        DataError
            When the file is missing or is not a slice of this version.
        """
        return read_slice_parts(path)[0]

    @property
    def years(self) -> list[int]:
        return sorted(int(y) for y in self.schools["year"].unique())

    def name_notices(self) -> list[str]:
        """Notices on county names that differ between the schools and counties tables
        (see :func:`county_name_notices`)."""
        return county_name_notices(self.schools, self.counties)

    @property
    def counties_list(self) -> list[str]:
        return list(dict.fromkeys(self.schools.sort_values(["county_code", "county"] if "county_code" in self.schools
                                                           else ["county"])["county"]))


def read_slice_parts(path: str | Path) -> tuple[Dataset, dict]:
    """The tables written by :meth:`Dataset.write_slice` and what the runner handed with them
    (``{}`` when nothing).

    Raises
    ------
    DataError
        When the file is missing or is not a slice of this version.
    """
    try:
        with open(path, "rb") as fh:
            got = pickle.load(fh)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError) as e:
        raise DataError([DataIssue(str(path), f"运行器交给本报告的数据文件无法读取（{type(e).__name__}）；"
                                              "请重新运行 junheng report，或清空 data_slice 参数直接读取数据文件夹")]) from None
    if not isinstance(got, dict) or got.get("format") != SLICE_FORMAT or not isinstance(got.get("dataset"), Dataset):
        raise DataError([DataIssue(str(path), "不是本版本 junheng 运行器写出的数据文件；请重新运行 junheng report")])
    return got["dataset"], dict(got.get("handed") or {})


def find_table(folder: Path, kind: str) -> Path | None:
    """The file of a table in a folder (``schools.csv``, ``Schools.CSV``, ``学校.xlsx`` …), or None.

    Names and suffixes are matched in any case (``CLASSES.csv`` is the classes table).

    Raises
    ------
    DataError
        When the folder holds more than one file for the table (``schools.csv`` and ``SCHOOLS.xlsx``):
        which one is current cannot be told, so neither is read; and when a file of the table is in a
        format that is not read (``classes.xls``, ``学校.xlsm`` …), naming it.
    """
    stems = [s.lower() for s in _NAMES[kind]]
    try:
        entries = list(folder.iterdir())
    except OSError as e:
        raise DataError([DataIssue(str(folder), f"无法读取数据文件夹（{e.strerror or type(e).__name__}）")]) from None
    found, refused = [], []
    for p in entries:
        stem, suf = os.path.splitext(p.name.lower())
        if stem not in stems or not p.is_file():
            continue
        if suf in _SUFFIXES:
            found.append((stems.index(stem), _SUFFIXES.index(suf), p.name, p))
        elif suf in _OTHER_SUFFIXES:
            refused.append(p)
    found = [p for *_, p in sorted(found)]
    problems = [DataIssue(str(p), f"{_TITLES[kind]}文件的格式（{p.suffix}）不能读取，未使用：数据文件夹中的表格须为 "
                                  ".csv 或 .xlsx；请在 Excel 中另存为 .xlsx 或 CSV(UTF-8) 并移走此文件")
                for p in sorted(refused)]
    if len(found) > 1:
        names = "、".join(p.name for p in found)
        problems.append(DataIssue(str(folder), f"{_TITLES[kind]}有{len(found)}个文件：{names}；无法判断应使用哪一个，"
                                               "请只保留其中一个（其余移出数据文件夹或改名）"))
    if problems:
        raise DataError(problems)
    return found[0] if found else None


def files_sha256(files: dict[str, Path]) -> str:
    """SHA-256 over the files' names (their role: schools, classes, counties) and bytes."""
    h = hashlib.sha256()
    for key in sorted(files):
        h.update(key.encode())
        with open(files[key], "rb") as fh:
            while chunk := fh.read(1 << 20):
                h.update(chunk)
    return h.hexdigest()


def input_files(folder: str | Path | None = None) -> tuple[Path, dict[str, Path]]:
    """The folder and the table files that :func:`load` reads for ``folder`` (a data folder, a
    schools file alone, or None for the sample city), without reading them.

    Raises
    ------
    DataError
        When the folder or its schools table is missing.
    """
    folder = Path(folder) if folder else sample_dir()
    if folder.is_file():
        return folder.parent, {"schools": folder}
    if not folder.is_dir():
        raise DataError([DataIssue(str(folder), "数据文件夹或学校表文件不存在")])
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
    return folder, files


def load(folder: str | Path | None = None) -> Dataset:
    """Read and validate the tables of a data folder (default: the sample city), or a schools file alone.

    Raises
    ------
    DataError
        When the folder or its schools table is missing, or any table has errors.
    """
    where, files = input_files(folder)
    return _read(where, files)


def _read(folder: Path, files: dict[str, Path]) -> Dataset:
    schools = read_schools(files["schools"])
    classes = read_classes(files["classes"], schools) if "classes" in files else None
    counties = read_counties(files["counties"]) if "counties" in files else None
    return Dataset(folder, schools, classes, counties, files, **_read_records(files))


def _read_records(files: dict[str, Path]) -> dict:
    """The working-record tables of ``files`` (projects, groups), every error of both at once."""
    out, problems = {}, []
    for k, reader in (("projects", read_projects), ("groups", read_groups)):
        if k in files:
            try:
                out[k] = reader(files[k])
            except DataError as e:
                problems += e.issues
    if problems:
        raise DataError(problems)
    return out


def load_county(folder: str | Path | None, county: str, year: int | None = None,
                data_slice: str | Path | None = None) -> Dataset:
    """What a report on ``county`` reads: the slice the runner wrote for it (``data_slice``, see
    :meth:`Dataset.write_slice`), or else the data folder (:func:`load`). Either gives the report
    the same result; ``county`` and ``year`` are checked by the report (:func:`check_request`).

    Raises
    ------
    DataError
        As :func:`load`, or when ``data_slice`` cannot be read.
    """
    if data_slice:
        return Dataset.read_slice(data_slice)
    return load(folder)


def load_files(schools: str | Path, classes: str | Path | None = None, counties: str | Path | None = None,
               projects: str | Path | None = None, groups: str | Path | None = None) -> Dataset:
    """A Dataset from explicit files (or, when ``schools`` is a folder, from that folder; ``projects``
    and ``groups`` given then replace the folder's)."""
    p = Path(schools)
    if p.is_dir():
        ds = load(p)
        more = {k: Path(v) for k, v in (("projects", projects), ("groups", groups)) if v}
        if more:
            recs = _read_records(more)
            ds = Dataset(ds.folder, ds.schools, ds.classes, ds.counties, {**ds.files, **more},
                         projects=recs.get("projects", ds.projects), groups=recs.get("groups", ds.groups))
        return ds
    s = read_schools(p)
    files = {"schools": p}
    cl = read_classes(classes, s) if classes else None
    co = read_counties(counties) if counties else None
    if classes:
        files["classes"] = Path(classes)
    if counties:
        files["counties"] = Path(counties)
    more = {k: Path(v) for k, v in (("projects", projects), ("groups", groups)) if v}
    files.update(more)
    return Dataset(p.parent, s, cl, co, files, **_read_records(more))


def _years_text(years) -> str:
    return "、".join(str(int(y)) for y in sorted(set(years)))


def check_request(schools: pd.DataFrame, years=None, counties=None) -> list[str]:
    """Check that what was asked for is in the data; return notices for what is left out.

    Parameters
    ----------
    schools : DataFrame
        A validated schools table.
    years : list of int, optional
        The school years asked for (None: no filter).
    counties : list of str, optional
        Counties asked for by name (None: every county of each year).

    Returns
    -------
    list of str
        Notices (Chinese): when no county was named, the counties of the data that have no
        schools in a requested year (present in other years), which are therefore left out.

    Raises
    ------
    DataError
        Every problem at once: a year not in the data, a county not in the data, and a county asked
        for by name that has no schools in a requested year (naming the years it does have).
    """
    src = schools.attrs.get("source", "学校表")
    all_years = set(int(y) for y in schools["year"].unique())
    years = [int(y) for y in (years or [])]
    # the years of each county (needed only when years or counties were asked for)
    by_county = (schools[["county", "year"]].drop_duplicates().groupby("county", sort=False)["year"].unique()
                 if years or counties else None)
    problems, notices = [], []
    for y in years:
        if y not in all_years:
            problems.append(DataIssue(src, f"数据中没有{y}学年（现有：{_years_text(all_years)}）"))
    for c in dict.fromkeys(counties or []):
        if c not in by_county.index:
            problems.append(DataIssue(src, f"数据中没有县(区)“{c}”"))
            continue
        has = set(int(y) for y in by_county[c])
        for y in years:
            if y in all_years and y not in has:
                problems.append(DataIssue(src, f"县(区)“{c}”没有{y}学年的学校数据（该县(区)只有{_years_text(has)}学年的数据）"))
    if problems:
        raise DataError(problems)
    if not counties:
        for y in years:
            for c, ys in by_county.items():
                if y not in set(int(v) for v in ys):
                    notices.append(f"提示：县(区)“{c}”没有{y}学年的学校数据（只有{_years_text(ys)}学年），"
                                   f"不生成其{y}学年的结果")
    return notices


def county_name_mismatches(schools: pd.DataFrame, counties: pd.DataFrame | None) -> tuple[list[str], list[str]]:
    """County names that do not match between the two tables (exact comparison, never guessed).

    Returns
    -------
    (list, list)
        Counties of the schools table without any row in the counties table, and names of the
        counties table that are no county of the schools table. Both empty without a counties table.
    """
    if counties is None or counties.empty:
        return [], []
    in_schools = list(dict.fromkeys(schools["county"]))
    in_counties = list(dict.fromkeys(counties["county"]))
    known = set(in_counties)
    have = set(in_schools)
    return [c for c in in_schools if c not in known], [c for c in in_counties if c not in have]


def _similar(name: str, others: list[str]) -> list[str]:
    """Names that contain, or are contained in, ``name`` (a hint for the user, never applied)."""
    return [o for o in others if o and name and (o in name or name in o)]


def county_row_gap(schools: pd.DataFrame, counties: pd.DataFrame | None, county: str,
                   year: int | None = None) -> Notice | None:
    """The notice (a record) for a county of the schools table that the counties table lacks, or None
    when it has it. With ``year``, a county whose rows cover other years only is named too. Without
    a counties table there is nothing to say here (the report says the table was not provided)."""
    if counties is None or counties.empty:
        return None
    if county not in set(counties["county"]):
        like = _similar(county, [c for c in dict.fromkeys(counties["county"]) if c not in set(schools["county"])])
        return Notice("county_row_missing", {"county": county, "similar": tuple(like)})
    if year is not None and not ((counties["county"] == county) & (counties["year"] == int(year))).any():
        return Notice("county_year_missing", {"county": county, "year": int(year)})
    return None


def county_row_notice(schools: pd.DataFrame, counties: pd.DataFrame | None, county: str,
                      year: int | None = None) -> str:
    """:func:`county_row_gap` in words ('' when the counties table has the county)."""
    n = county_row_gap(schools, counties, county, year)
    return n.text if n is not None else ""


def county_name_notices(schools: pd.DataFrame, counties: pd.DataFrame | None) -> list[str]:
    """Chinese notices naming every county the two tables do not share.

    A counties table often lists the whole province: its extra rows are not an error, and a
    county of the schools table without counties rows gets its report with those items 未提供.
    Names are compared exactly; a similar name is mentioned as a hint, never matched.

    Examples
    --------
    >>> s = pd.DataFrame({"county": ["东湖区"]}); c = pd.DataFrame({"county": ["东湖"]})
    >>> for text in county_name_notices(s, c):
    ...     print(text)
    提示：县区表中的“东湖”与学校表中的任何县(区)都不匹配，未使用（学校表中的县(区)：东湖区）
    提示：县区表中没有县(区)“东湖区”的行（名称须与学校表完全一致），政府保障程度、教育质量、社会认可度和经费“三个增长”各项显示为未提供；县区表中有相近的名称“东湖”，如为同一县(区)，请在两个表中使用相同的名称
    """
    no_row, unmatched = county_name_mismatches(schools, counties)
    out = []
    if unmatched:
        names = "、".join(f"“{c}”" for c in unmatched)
        listed = "、".join(dict.fromkeys(schools["county"]))
        out.append(f"提示：县区表中的{names}与学校表中的任何县(区)都不匹配，未使用（学校表中的县(区)：{listed}）")
    out += ["提示：" + county_row_notice(schools, counties, c) for c in no_row]
    return out


def county_rows(ds: Dataset, counties: Iterable[str], unmatched: bool = True) -> dict:
    """Per county of ``counties`` in the data, the positions of its rows in the schools, classes and
    counties tables (None for a table the data lack), as ``ds.only_county(county)`` selects them:
    its schools rows (all years), the classes rows of those schools, its counties rows — and, with
    ``unmatched``, the counties rows whose name is no county of the schools table. One pass over
    each table for all counties, not one per county."""
    s = ds.schools
    want = list(dict.fromkeys(counties))
    pos = np.flatnonzero(s["county"].isin(want).to_numpy())
    rows = {c: pos[i] for c, i in s.iloc[pos].groupby("county", sort=False).indices.items()}
    none = np.empty(0, dtype=np.int64)
    cl_rows: dict = {}
    if ds.classes is not None:
        pairs = s.iloc[pos][["school_id", "county"]].drop_duplicates()
        ids = ds.classes["school_id"]
        hit = np.flatnonzero(ids.isin(set(pairs["school_id"])).to_numpy())
        m = pd.DataFrame({"school_id": ids.to_numpy()[hit], "pos": hit}).merge(pairs, on="school_id")
        cl_rows = {c: np.sort(g.to_numpy()) for c, g in m.groupby("county", sort=False)["pos"]}
    co_rows: dict = {}
    if ds.counties is not None:
        names = ds.counties["county"]
        extra = np.flatnonzero((~names.isin(set(s["county"]))).to_numpy()) if unmatched else none
        own = dict(ds.counties.groupby("county", sort=False).indices.items())
        co_rows = {c: np.union1d(own.get(c, none), extra).astype(np.int64) for c in want}
    return {c: (rows[c], cl_rows.get(c, none) if ds.classes is not None else None,
                co_rows[c] if ds.counties is not None else None) for c in want if c in rows}
