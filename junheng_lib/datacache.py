"""The runner's cache of the validated input tables: a report run reads and validates the data folder
once, and each report notebook reads only its county's slice.

A cache is a folder holding ``manifest.json`` and pickles, made by :class:`DataCache` in the runner
(:func:`junheng_lib.batch.run_reports`) and found by the report kernels through the environment
variable :data:`ENV`. One pickle per county holds that county's schools rows (all years), the
classes rows of its schools, its counties rows and the counties rows whose name is no county of the
schools table (what the name notices compare); one optional pickle holds the whole data (for the
roll-up). :func:`junheng_lib.data.load_county` and :func:`junheng_lib.data.load` use it through
:func:`open_cache`, and only when it was made from exactly the inputs being read:

* the same table files, named as :func:`junheng_lib.data.load` names them;
* the same SHA-256 over their bytes — computed again by the reader, so a file changed since the run
  started, or the cache of another folder, is never used;
* the same library code (what reads and validates).

Otherwise — no cache, a foreign or stale one, an unreadable file — the folder is read as without a
cache.

Running reports one at a time, the runner also evaluates the next county from its slice while the
current report runs (:meth:`DataCache.write_evaluation`), and — when it shares the work
(:meth:`DataCache.share`) — draws part of each report's charts while the kernel runs it
(:meth:`DataCache.draw_charts`, :mod:`junheng_lib.chartstore`). The first report's evaluation is
made in a forked process while its kernel starts (:meth:`DataCache.evaluate_aside`); a kernel that
had to evaluate its county itself leaves its evaluation for the runner (:meth:`_Opened.publish`).
The report's one evaluation and its charts are made by the same code on the same slice, by
whichever process gets to them first.

The runner binds the hash to the bytes it validated (the files' size, times and inode are
the same before and after its read, or no cache is written). A cache belongs to one run: the runner
removes it at the end, and the next run removes the cache of a run that died
(:func:`junheng_lib.batch.clean_leftovers`); its folder is private to the user (``0700``).
"""
from __future__ import annotations

import hashlib
import json
import os
import pickle
import shutil
from pathlib import Path
from typing import Iterable, Iterator

__all__ = ["ENV", "DataCache", "open_cache", "library_hash", "county_slices", "evaluation_file"]

#: environment variable naming the cache folder of the current run (set in the report kernels)
ENV = "JUNHENG_DATA_CACHE"
FORMAT = 1
MANIFEST = "manifest.json"
#: the marker of a run whose runner draws charts with its kernels (see DataCache.share)
SHARE = "share"
#: suffix of the marker of an evaluation being made for a kernel (see DataCache.evaluate_aside)
PENDING = ".pending"
#: seconds a kernel waits at most for an evaluation being made for it before making its own
EVALUATION_WAIT = 300.0
WHOLE = "whole.pkl"


def library_hash() -> str:
    """SHA-256 over the library's Python code and rule table (everything that reads and validates)."""
    lib = Path(__file__).resolve().parent
    h = hashlib.sha256()
    for f in sorted(lib.rglob("*.py")) + [lib / "rules.toml"]:
        h.update(f.relative_to(lib).as_posix().encode())
        h.update(f.read_bytes())
    return h.hexdigest()


def _names(files: dict) -> dict[str, str]:
    return {k: str(p) for k, p in sorted(files.items())}


def _signature(files: dict) -> dict | None:
    """What changes when a file is written, replaced or touched (None: a file is gone)."""
    try:
        return {k: [(st := os.stat(p)).st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns]
                for k, p in files.items()}
    except OSError:
        return None


def evaluation_file(county: str, year: int, options) -> str:
    """Name of the cache file of a county-year's evaluation under ``options`` (an Options)."""
    key = json.dumps([county, int(year), options.to_dict()], ensure_ascii=False, sort_keys=True)
    return f"e{hashlib.sha256(key.encode()).hexdigest()[:32]}.pkl"


def _dump(folder: Path, name: str, obj) -> None:
    """Pickle ``obj`` as ``folder/name``, never half-written (a temporary name, then renamed)."""
    tmp = folder / f".{name}.{os.getpid()}.tmp"
    with open(tmp, "wb") as fh:
        pickle.dump(obj, fh, protocol=pickle.HIGHEST_PROTOCOL)
    tmp.replace(folder / name)


def _options(options):
    """An Options from an Options or its dict (a task's)."""
    from .options import Options
    return options if isinstance(options, Options) else Options.from_dict(options)


def county_rows(ds, counties: Iterable[str], unmatched: bool = True) -> dict:
    """Per county of ``counties`` in the data, the positions of its rows in the schools, classes and
    counties tables (None for a table the data lack), as ``ds.only_county(county)`` selects them:
    its schools rows (all years), the classes rows of those schools, its counties rows — and, with
    ``unmatched``, the counties rows whose name is no county of the schools table (what the name
    notices compare). One pass over each table for all counties, not one per county."""
    import numpy as np
    import pandas as pd

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


def county_slices(ds, counties: Iterable[str], unmatched: bool = True) -> Iterator[tuple[str, tuple]]:
    """Per county of ``counties`` in the data, the (schools, classes, counties) frames its report
    reads (:func:`county_rows`), one county at a time: as ``ds.only_county(county)`` gives them —
    same rows, order, index, dtypes and attrs — but for the counties rows of ``unmatched``."""
    for c, (a, b, k) in county_rows(ds, counties, unmatched).items():
        sc = ds.schools.iloc[a]
        sc.attrs = dict(ds.schools.attrs)
        yield c, (sc, None if b is None else ds.classes.iloc[b], None if k is None else ds.counties.iloc[k])


class DataCache:
    """The runner's side of a cache: a folder name chosen up front (kernels started before the data
    are read get it in their environment), filled after the data are read and validated.

    Parameters
    ----------
    path : Path
        The cache folder (created by the first :meth:`write`; its parent is created if needed).
    files : dict
        The input files as :func:`junheng_lib.data.input_files` names them; their state is noted now,
        before they are read, so that a file changed during the read disables the cache.
    """

    def __init__(self, path: str | Path, files: dict):
        self.path = Path(path)
        self.files = dict(files)
        self._before = _signature(self.files)
        self._manifest: dict | None = None
        self.enabled = self._before is not None

    @property
    def env(self) -> dict[str, str]:
        return {ENV: str(self.path)}

    def write(self, ds, counties: Iterable[str] = (), whole: bool = False) -> bool:
        """Add the slices of ``counties`` (and with ``whole`` the whole data) that are not in the
        cache yet. Returns False, writing nothing, when the input files changed since the cache was
        set up (the kernels then read the folder themselves)."""
        if not self.enabled:
            return False
        try:
            return self._write(ds, counties, whole)
        except OSError:  # no room or no permission for the cache: the kernels read the folder themselves
            self.enabled = False
            self.remove()
            return False

    def _write(self, ds, counties: Iterable[str], whole: bool) -> bool:
        if self._manifest is None:
            sha = ds.fingerprint()
            if _signature(self.files) != self._before or _names(ds.files) != _names(self.files):
                self.enabled = False
                return False
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.mkdir(mode=0o700)
            self._folder = ds.folder
            self._manifest = {"format": FORMAT, "files": _names(self.files), "sha256": sha,
                              "code": library_hash(), "latest": max(ds.years), "counties": {}, "whole": None}
        m = self._manifest
        new = [c for c in dict.fromkeys(counties) if c not in m["counties"]]
        for c, frames in county_slices(ds, new):
            name = f"c{len(m['counties']):06d}.pkl"
            self._dump(name, frames)
            m["counties"][c] = {"file": name, "years": sorted(int(y) for y in frames[0]["year"].unique())}
        if whole and m["whole"] is None:
            self._dump(WHOLE, (ds.schools, ds.classes, ds.counties))
            m["whole"] = WHOLE
        tmp = self.path / f".{MANIFEST}.tmp"
        tmp.write_text(json.dumps(m, ensure_ascii=False), encoding="utf-8")
        tmp.replace(self.path / MANIFEST)
        return True

    def write_evaluation(self, county: str, year: int, options) -> bool:
        """Evaluate a county-year as its report notebook would and keep the result for it: the
        county's slice is read back from this cache (exactly what the kernel reads) and evaluated by
        :func:`junheng_lib.evaluation.evaluate_report`; the kernel then uses this evaluation instead
        of making its own (:meth:`_Opened.evaluation`). Runs in the runner while the previous report
        runs. False, writing nothing, when the cache holds no slice of the
        county or the evaluation fails (the notebook then evaluates, and reports the error, itself)."""
        if not self.enabled or self._manifest is None:
            return False
        opts = _options(options)
        name = evaluation_file(county, year, opts)
        try:
            opened, ds = self._slice(county, year)
            if ds is None:
                return False
            from .evaluation import evaluate_report
            ev = evaluate_report(ds, county, year, opts)
            ev.results()  # what every output reads, made here too
            self._dump(name, {"sha256": opened.sha256, "ev": ev})
        except Exception:  # noqa: BLE001 - the notebook evaluates itself and reports any error there
            return False
        finally:  # a kernel waiting for it stops waiting
            (self.path / f"{name}{PENDING}").unlink(missing_ok=True)
        return True

    def evaluate_aside(self, county: str, year: int, options) -> int | None:
        """Evaluate a county-year (:meth:`write_evaluation`) in a forked process of its own, so that
        it is made while the kernel starts — on the other core, not in this process's turn — and the
        kernel waits for it instead of making its own (:meth:`_Opened.evaluation`). Returns the
        process id to reap (:func:`os.waitpid`), or None where processes cannot be forked (nothing is
        then promised: the kernel evaluates)."""
        if not self.enabled or self._manifest is None or not hasattr(os, "fork"):
            return None
        name = evaluation_file(county, year, _options(options))
        try:
            (self.path / f"{name}{PENDING}").touch()
            pid = os.fork()
        except OSError:
            (self.path / f"{name}{PENDING}").unlink(missing_ok=True)
            return None
        if pid == 0:  # the child: evaluate, leave the result, end at once (no exit handlers)
            code = 1
            try:
                code = 0 if self.write_evaluation(county, year, options) else 1
            finally:
                os._exit(code)
        return pid

    def share(self) -> None:
        """Mark this run as one whose runner draws charts with its kernels (:meth:`draw_charts`): its
        kernels then draw through a chart store and leave the evaluation they made for the runner."""
        if self.enabled and self._manifest is not None:
            (self.path / SHARE).touch()

    def forget(self, county: str, year: int, options) -> None:
        """Remove a finished report's evaluation and charts from the cache (a long run keeps no more
        than the reports at hand)."""
        name = evaluation_file(county, year, _options(options))
        (self.path / name).unlink(missing_ok=True)
        shutil.rmtree(self.path / "charts" / Path(name).stem, ignore_errors=True)

    def draw_charts(self, county: str, year: int, options, stop=None) -> int:
        """Draw the runner's share of a county report's charts while its kernel runs it (see
        :mod:`junheng_lib.chartstore`): the report built exactly as the kernel builds it — from this
        cache's slice and the evaluation :meth:`write_evaluation` left — drawing from the last chart
        backwards whatever the kernel has not claimed. Without that evaluation yet, it waits for the
        kernel's (:meth:`_Opened.publish`) until ``stop`` (a :class:`threading.Event`: the notebook has
        ended) is set. Returns how many charts were drawn here."""
        if not self.enabled or self._manifest is None:
            return 0
        opts = _options(options)
        opened, ds = self._slice(county, year)
        if ds is None:
            return 0
        try:  # what drawing needs, made ready while the evaluation may still be in the making
            from . import reporting  # noqa: F401
            from .plots import warm_up
            warm_up()
        except Exception:  # noqa: BLE001 - the kernel draws every chart
            return 0
        # made by this process beforehand, or by the kernel (the first report): wait for it until the
        # notebook has ended (``stop``)
        while not (self.path / evaluation_file(county, year, opts)).exists():
            if stop is None or stop.wait(0.01):
                return 0
        ev = opened.evaluation(county, year, opts)
        if ev is None:
            return 0
        try:  # the report as the kernel has it: this evaluation, the county's slice, the run's chart store
            from .reporting import CountyReport
            return CountyReport(ev, ds.only_county(county), opened.chart_store(county, year, opts)).draw_charts()
        except Exception:  # noqa: BLE001 - the kernel draws them, and shows any error itself
            return 0

    def _slice(self, county: str, year: int):
        """This cache as a kernel opens it, and the county's slice from it (None without one)."""
        opened = _Opened(self.path, self._manifest, self._manifest["sha256"])
        return opened, opened.county(county, year, self._folder, self.files)

    def _dump(self, name: str, frames) -> None:
        _dump(self.path, name, frames)

    def remove(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


class _Opened:
    """A cache matched to the inputs being read (see :func:`open_cache`)."""

    def __init__(self, path: Path, manifest: dict, sha256: str):
        self.path, self.manifest, self.sha256 = path, manifest, sha256

    def _load(self, name: str):
        try:
            with open(self.path / name, "rb") as fh:
                return pickle.load(fh)
        except Exception:  # noqa: BLE001 - a damaged or vanished pickle: read the folder instead
            return None

    def county(self, county: str, year: int | None, folder: Path, files: dict):
        """The county's slice as a Dataset, or None when the cache has no slice for this request."""
        from .data import Dataset
        entry = self.manifest["counties"].get(county)
        if entry is None or (int(year) if year else self.manifest["latest"]) not in entry["years"]:
            return None
        frames = self._load(entry["file"])
        return None if frames is None else Dataset(folder, *frames, files=dict(files), sha256=self.sha256)

    def evaluation(self, county: str, year: int, options, wait: float | None = None):
        """The county-year's evaluation under ``options`` made from this cache's slice by the runner
        (:meth:`DataCache.write_evaluation`) or by a kernel (:meth:`publish`) — waited for while it
        is being made for this kernel (:meth:`DataCache.evaluate_aside`; at most ``wait`` seconds,
        default :data:`EVALUATION_WAIT`) — or None."""
        import time
        name = evaluation_file(county, year, options)
        deadline = time.monotonic() + (EVALUATION_WAIT if wait is None else wait)
        while (not (self.path / name).exists() and (self.path / f"{name}{PENDING}").exists()
               and time.monotonic() < deadline):
            time.sleep(0.005)
        got = self._load(name)
        if not isinstance(got, dict) or got.get("sha256") != self.sha256:
            return None
        ev = got.get("ev")
        ok = getattr(ev, "county", None) == county and getattr(ev, "year", None) == int(year) \
            and getattr(ev, "options", None) == options
        return ev if ok else None

    def shares(self) -> bool:
        """True when the runner draws charts with its kernels (:meth:`DataCache.share`)."""
        return (self.path / SHARE).exists()

    def publish(self, county: str, year: int, options, ev) -> None:
        """Leave a kernel's evaluation (made from this cache's slice) for the runner, which draws
        part of the report's charts from it; nothing when that cannot be written."""
        try:
            _dump(self.path, evaluation_file(county, year, options), {"sha256": self.sha256, "ev": ev})
        except Exception:  # noqa: BLE001 - the kernel then draws every chart itself
            pass

    def chart_store(self, county: str, year: int, options):
        """Where the charts of the county-year's report under ``options`` are drawn by its kernel
        and the runner together (:class:`junheng_lib.chartstore.ChartStore`)."""
        from .chartstore import ChartStore
        return ChartStore(self.path / "charts" / Path(evaluation_file(county, year, options)).stem)

    def whole(self, folder: Path, files: dict):
        """The whole data as a Dataset, or None when the cache does not hold it."""
        from .data import Dataset
        if not self.manifest.get("whole"):
            return None
        frames = self._load(self.manifest["whole"])
        return None if frames is None else Dataset(folder, *frames, files=dict(files), sha256=self.sha256)


def open_cache(files: dict) -> _Opened | None:
    """The cache named by :data:`ENV` when it was made from exactly ``files`` (names, SHA-256 of
    their bytes, library code); None otherwise."""
    where = os.environ.get(ENV)
    if not where:
        return None
    path = Path(where)
    try:
        m = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(m, dict) or m.get("format") != FORMAT or m.get("files") != _names(files):
        return None
    if m.get("code") != library_hash():
        return None
    from .data import files_sha256
    try:
        sha = files_sha256(files)
    except OSError:
        return None
    return _Opened(path, m, sha) if sha == m.get("sha256") else None
