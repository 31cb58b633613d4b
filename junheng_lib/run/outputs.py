"""A report's outputs as one unit, and the index of a year folder (what the runner writes).

A report run writes all its files (``.ipynb``, ``.html``, ``.docx``, ``.xlsx``, ``.results.json``) into a
staging folder; :func:`commit_unit` then swaps them into the year folder together and writes the
manifest ``<stem>.manifest.json`` last: the name and SHA-256 of every file, the county, year and the
hash of the inputs they were made from. A unit is current (:func:`check_unit`) only when its manifest
names the current inputs, every listed file is there with the recorded content and no other output
file of the same stem lies beside it; anything else means "run again".

A county whose run fails has its previous unit moved to ``过期报告/`` (:func:`retire_unit`): its old
numbers are never presented as current. ``index.json`` (written by the runner before the roll-up)
lists every county of the year with its file stem and status — ``current``, ``failed``, ``outdated``
(outputs made from other inputs) or ``missing``; the roll-up finds the counties' results through it
(:func:`current_results`), never by re-deriving file names.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

from junheng_lib.data.results import (
    FAILED_SUFFIX,
    FORMAT,
    INDEX,
    LEGACY_SUFFIXES,
    MANIFEST_SUFFIX,
    OUTPUT_SUFFIXES,
    RESULTS_SUFFIX,
    STALE_DIR,
    check_unit,
    current_results,
    file_sha256,
    read_index,
    read_manifest,
)

__all__ = ["MANIFEST_SUFFIX", "FAILED_SUFFIX", "RESULTS_SUFFIX", "INDEX", "STALE_DIR", "OUTPUT_SUFFIXES",
           "file_sha256", "read_manifest", "check_unit", "commit_unit", "retire_unit", "write_index", "read_index",
           "current_results"]


def _write_json(path: Path, data: dict, tmp_dir: Path) -> None:
    """Write ``path`` through a temporary file in ``tmp_dir`` (a staging folder of the same file system)."""
    tmp = tmp_dir / f".{path.name}.tmp"
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, path)


def _unit_files(folder: Path, stem: str) -> list[str]:
    """Every file of ``stem`` in ``folder``: its outputs and its manifest (not the failed notebook)."""
    m = read_manifest(folder, stem) or {"files": {}}
    names = {n for n in m["files"] if Path(n).name == n}
    names |= {f"{stem}{s}" for s in (*OUTPUT_SUFFIXES, *LEGACY_SUFFIXES, MANIFEST_SUFFIX)}
    return sorted(n for n in names if (folder / n).is_file())


def commit_unit(folder: str | Path, stem: str, stage: str | Path, names: list[str], meta: dict) -> list[Path]:
    """Move the files ``names`` of ``stage`` into ``folder`` as the unit ``stem``, replacing its previous
    outputs, and write its manifest (``meta`` plus each file's SHA-256) last.

    Until the manifest is in place the unit is incomplete, so an interrupted swap means "run again".
    """
    folder, stage = Path(folder), Path(stage)
    files = {n: file_sha256(stage / n) for n in names}
    manifest = {"format": FORMAT, **meta, "stem": stem, "files": files}
    (folder / f"{stem}{MANIFEST_SUFFIX}").unlink(missing_ok=True)
    for old in _unit_files(folder, stem):
        if old not in files:
            (folder / old).unlink(missing_ok=True)
    out = []
    for n in names:
        os.replace(stage / n, folder / n)
        out.append(folder / n)
    _write_json(folder / f"{stem}{MANIFEST_SUFFIX}", manifest, stage)
    stale = folder / STALE_DIR
    if stale.is_dir():  # a current unit supersedes an older one set aside
        for old in _unit_files(stale, stem):
            (stale / old).unlink(missing_ok=True)
        _remove_if_empty(stale)
    return out


def retire_unit(folder: str | Path, stem: str) -> list[Path]:
    """Move the unit ``stem`` (outputs and manifest) into ``<folder>/过期报告/``; returns the moved files."""
    folder = Path(folder)
    names = _unit_files(folder, stem)
    if not names:
        return []
    stale = folder / STALE_DIR
    stale.mkdir(exist_ok=True)
    for old in _unit_files(stale, stem):
        (stale / old).unlink(missing_ok=True)
    moved = []
    for n in sorted(names, key=lambda n: n.endswith(MANIFEST_SUFFIX), reverse=True):  # manifest first
        os.replace(folder / n, stale / n)
        moved.append(stale / n)
    return moved


def _remove_if_empty(folder: Path) -> None:
    try:
        folder.rmdir()
    except OSError:
        pass


def write_index(folder: str | Path, year: int, entries: list[dict], stage: str | Path) -> dict:
    """Write ``index.json`` (through the staging folder ``stage``): every county of the year with
    ``county``, ``stem``, ``status`` and, when current, its results file and that file's SHA-256."""
    index = {"format": FORMAT, "year": int(year), "counties": entries}
    _write_json(Path(folder) / INDEX, index, Path(stage))
    return index
