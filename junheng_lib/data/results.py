"""A year folder's published reports, as the roll-up reads them: manifests, ``index.json``, results.

Each county's report is one unit of files with a manifest ``<stem>.manifest.json`` (the name and
SHA-256 of every file, the county, year and the hash of the inputs they were made from), written by
the runner (:mod:`junheng_lib.run.outputs`). A unit is current (:func:`check_unit`) only when its
manifest names the current inputs, every listed file is there with the recorded content and no other
output file of the same stem lies beside it. ``index.json`` lists every county of the year with its
status; the roll-up finds the counties' results through it (:func:`current_results`), never by
re-deriving file names. These results are the roll-up's input data, hence this module's place.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

__all__ = ["MANIFEST_SUFFIX", "FAILED_SUFFIX", "RESULTS_SUFFIX", "INDEX", "STALE_DIR", "OUTPUT_SUFFIXES",
           "REQUIRED_SUFFIXES", "LEGACY_SUFFIXES", "FORMAT", "file_sha256", "read_manifest", "check_unit",
           "read_index", "current_results"]

MANIFEST_SUFFIX = ".manifest.json"
FAILED_SUFFIX = ".failed.ipynb"
RESULTS_SUFFIX = ".results.json"
#: every output file a report run can produce (longest first: ".results.json" before ".json")
OUTPUT_SUFFIXES = (RESULTS_SUFFIX, ".ipynb", ".html", ".docx", ".xlsx")
REQUIRED_SUFFIXES = (".ipynb", ".html")
#: files of earlier versions that belong to a unit (removed when it is replaced, moved when it is retired)
LEGACY_SUFFIXES = (".inputs.sha256",)
INDEX = "index.json"
#: where the previous outputs of a county whose re-run failed are moved (never read by the roll-up)
STALE_DIR = "过期报告"
FORMAT = 1


def file_sha256(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def read_manifest(folder: str | Path, stem: str) -> dict | None:
    """The manifest of a unit, or None when it is missing or unreadable."""
    try:
        m = json.loads((Path(folder) / f"{stem}{MANIFEST_SUFFIX}").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return m if isinstance(m, dict) and isinstance(m.get("files"), dict) else None


def check_unit(folder: str | Path, stem: str, inputs_sha256: str | None = None, county: str | None = None,
               year: int | None = None) -> str | None:
    """None when the unit ``stem`` in ``folder`` is complete and current; otherwise why not (English,
    for logs): no manifest, other inputs, a missing, changed or foreign file."""
    folder = Path(folder)
    m = read_manifest(folder, stem)
    if m is None:
        return "no manifest"
    if inputs_sha256 is not None and m.get("inputs_sha256") != inputs_sha256:
        return "other inputs"
    if (county is not None and m.get("county") != county) or (year is not None and m.get("year") != int(year)):
        return "other county or year"
    files = m["files"]
    for suffix in REQUIRED_SUFFIXES:
        if f"{stem}{suffix}" not in files:
            return f"no {suffix}"
    for name, digest in files.items():
        p = folder / name
        if Path(name).name != name or not p.is_file():
            return f"missing {name}"
        if file_sha256(p) != digest:
            return f"changed {name}"
    for suffix in OUTPUT_SUFFIXES:
        name = f"{stem}{suffix}"
        if name not in files and (folder / name).exists():
            return f"foreign {name}"
    return None


def read_index(folder: str | Path) -> dict | None:
    try:
        index = json.loads((Path(folder) / INDEX).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return index if isinstance(index, dict) and isinstance(index.get("counties"), list) else None


def current_results(folder: str | Path, year: int) -> dict[str, Path]:
    """County → its current ``.results.json`` in ``folder`` (for the roll-up).

    From ``index.json`` (a county counts only when its status is current and the results file still
    has the recorded content); without an index, from the manifests of the folder (complete units
    only, whatever inputs they were made from).
    """
    folder = Path(folder)
    index = read_index(folder)
    found: dict[str, Path] = {}
    if index is not None:
        if index.get("year") != int(year):
            return found
        for e in index["counties"]:
            name = e.get("results")
            if e.get("status") != "current" or not name or Path(name).name != name:
                continue
            p = folder / name
            if p.is_file() and file_sha256(p) == e.get("results_sha256"):
                found[e["county"]] = p
        return found
    for mf in sorted(folder.glob(f"*{MANIFEST_SUFFIX}")):
        stem = mf.name[: -len(MANIFEST_SUFFIX)]
        m = read_manifest(folder, stem)
        name = f"{stem}{RESULTS_SUFFIX}"
        if (m and m.get("kind") == "county" and m.get("year") == int(year) and name in m["files"]
                and check_unit(folder, stem) is None):
            found.setdefault(m["county"], folder / name)
    return found
