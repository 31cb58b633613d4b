"""A report's outputs as one unit, and the index of a year folder (what the runner writes).

A report run writes all its files (``.ipynb``, ``.html``, ``.docx``, ``.xlsx``, ``.results.json``) into a
staging folder; :func:`commit_unit` then swaps them into the year folder together and writes the
manifest ``<stem>.manifest.json`` last: the name and SHA-256 of every file, the county, year and the
hash of the inputs they were made from. A unit is current (:func:`check_unit`) only when its manifest
names the current inputs, every listed file is there with the recorded content and no other output
file of the same stem lies beside it; anything else means "run again".

The swap is recoverable: the county's entry in ``index.json`` stops saying "current" first, the old
manifest and then the old files are moved aside into the staging folder, the new files moved in and
the new manifest written last. When a step fails (a full disk, a refused rename, Ctrl-C) everything is
moved back as it was — the old unit whole, with its manifest — and the error names the file; a unit
caught half-way (the process killed) has no manifest and is run again.

A county whose run fails has its previous unit moved to ``过期报告/`` (:func:`retire_unit`): its old
numbers are never presented as current. ``index.json`` (written by the runner before the roll-up)
lists every county of the year with its file stem and status — ``current``, ``failed``, ``outdated``
(outputs made from other inputs) or ``missing``; the roll-up finds the counties' results through it
(:func:`current_results`), never by re-deriving file names.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

from junheng_lib.data.results import (
    FAILED_SUFFIX,
    FORMAT,
    INDEX,
    LEGACY_SUFFIXES,
    MANIFEST_SUFFIX,
    OUTPUT_SUFFIXES,
    REQUIRED_SUFFIXES,
    RESULTS_SUFFIX,
    STALE_DIR,
    check_unit,
    current_results,
    file_sha256,
    read_index,
    read_manifest,
)
from junheng_lib.run.cleanup import STAGE_PREFIX, owner_prefix
from junheng_lib.util.fileio import (
    OutputError,
    exit_code,
    os_error_in,
    output_error,
    reason,
)

__all__ = ["MANIFEST_SUFFIX", "FAILED_SUFFIX", "RESULTS_SUFFIX", "INDEX", "STALE_DIR", "OUTPUT_SUFFIXES",
           "REQUIRED_SUFFIXES", "file_sha256", "read_manifest", "check_unit", "commit_unit", "retire_unit", "write_index", "read_index",
           "current_results", "unit_stems", "set_aside", "invalidate_index"]


def _write_json(path: Path, data: dict, tmp_dir: Path) -> None:
    """Write ``path`` through a temporary file in ``tmp_dir`` (a staging folder of the same file system);
    a failure is an :class:`OutputError` naming ``path`` (the file as it was is kept)."""
    tmp = tmp_dir / f".{path.name}.tmp"
    try:
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(json.dumps(data, ensure_ascii=False, indent=1))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as e:
        try:
            tmp.unlink()
        except OSError:
            pass
        raise output_error(path, e, path.exists()) from None


def _unit_files(folder: Path, stem: str) -> list[str]:
    """Every file of ``stem`` in ``folder``: its outputs and its manifest (not the failed notebook)."""
    m = read_manifest(folder, stem) or {"files": {}}
    names = {n for n in m["files"] if Path(n).name == n}
    names |= {f"{stem}{s}" for s in (*OUTPUT_SUFFIXES, *LEGACY_SUFFIXES, MANIFEST_SUFFIX)}
    return sorted(n for n in names if (folder / n).is_file())


def unit_stems(folder: str | Path) -> list[str]:
    """The stems of the report units in ``folder``: those with a manifest, or the hash file of an
    earlier version (files of other names are never taken for a report's)."""
    folder = Path(folder)
    stems = set()
    for suffix in (MANIFEST_SUFFIX, *LEGACY_SUFFIXES):
        stems |= {p.name[: -len(suffix)] for p in folder.glob(f"*{suffix}") if p.is_file() and len(p.name) > len(suffix)}
    return sorted(stems)


def invalidate_index(folder: str | Path, stems, stage: str | Path | None = None) -> bool:
    """Let ``index.json`` of ``folder`` no longer call the units ``stems`` current (status
    ``outdated``, without their results): done before they are replaced or set aside, so that no
    reader of the index takes a unit caught half-way for a current one. Returns whether it was
    rewritten (only when it named one of them current)."""
    folder = Path(folder)
    stems = set(stems)
    try:
        text = (folder / INDEX).read_text(encoding="utf-8")
    except OSError:
        return False
    if not any(json.dumps(s, ensure_ascii=False) in text for s in stems):  # the usual case: not listed
        return False
    index = read_index(folder)
    if index is None:
        return False
    changed = False
    for e in index["counties"]:
        if isinstance(e, dict) and e.get("stem") in stems and e.get("status") == "current":
            e["status"] = "outdated"
            e.pop("results", None)
            e.pop("results_sha256", None)
            changed = True
    if changed:
        own = stage is None
        tmp_dir = Path(tempfile.mkdtemp(prefix=owner_prefix(STAGE_PREFIX), dir=folder)) if own else Path(stage)
        try:
            _write_json(folder / INDEX, index, tmp_dir)
        finally:
            if own:
                shutil.rmtree(tmp_dir, ignore_errors=True)
    return changed


def _move(src: Path, dst: Path, done: list) -> None:
    os.replace(src, dst)
    done.append((src, dst))


def _undo(done: list) -> bool:
    """Move back what :func:`_move` moved, last first; False when a move back failed."""
    ok = True
    for src, dst in reversed(done):
        try:
            os.replace(dst, src)
        except OSError:
            ok = False
    return ok


def commit_unit(folder: str | Path, stem: str, stage: str | Path, names: list[str], meta: dict) -> list[Path]:
    """Move the files ``names`` of ``stage`` into ``folder`` as the unit ``stem``, replacing its previous
    outputs, and write its manifest (``meta`` plus each file's SHA-256) last.

    Until the manifest is in place the unit is not current. On any failure the previous unit is put
    back as it was (manifest last) and an :class:`OutputError` naming the file is raised.
    """
    folder, stage = Path(folder), Path(stage)
    files = {n: file_sha256(stage / n) for n in names}
    manifest = {"format": FORMAT, **meta, "stem": stem, "files": files}
    mpath = folder / f"{stem}{MANIFEST_SUFFIX}"
    invalidate_index(folder, [stem], stage)
    old = sorted(_unit_files(folder, stem), key=lambda n: n != mpath.name)  # the manifest first
    aside = Path(tempfile.mkdtemp(prefix=".old-", dir=stage))
    done: list = []
    out = []
    target = mpath
    try:
        for n in old:
            target = folder / n
            _move(folder / n, aside / n, done)
        for n in names:
            target = folder / n
            _move(stage / n, folder / n, done)
            out.append(folder / n)
        target = mpath
        _write_json(mpath, manifest, stage)
    except BaseException as e:
        restored = _undo(done)
        err = os_error_in(e) if isinstance(e, Exception) else None
        if err is None:
            raise
        kept = "（上次生成的文件未受影响）" if restored and old else ("" if restored else "（上次生成的文件已不完整，不再作为当前结果）")
        raise OutputError(f"无法写入“{target}”：{reason(err)}。报告“{stem}”未能更新{kept}", exit_code(err)) from None
    shutil.rmtree(aside, ignore_errors=True)
    stale = folder / STALE_DIR
    try:
        if stale.is_dir():  # a current unit supersedes an older one set aside
            for n in _unit_files(stale, stem):
                (stale / n).unlink(missing_ok=True)
            _remove_if_empty(stale)
    except OSError:  # the new unit is in place: what was set aside stays so
        pass
    return out


def retire_unit(folder: str | Path, stem: str) -> list[Path]:
    """Move the unit ``stem`` (outputs and manifest) into ``<folder>/过期报告/``; returns the moved files.
    Its entry of ``index.json`` stops saying "current" first, and the manifest moves first."""
    folder = Path(folder)
    names = _unit_files(folder, stem)
    if not names:
        return []
    invalidate_index(folder, [stem])
    stale = folder / STALE_DIR
    stale.mkdir(exist_ok=True)
    for old in _unit_files(stale, stem):
        (stale / old).unlink(missing_ok=True)
    moved = []
    for n in sorted(names, key=lambda n: n.endswith(MANIFEST_SUFFIX), reverse=True):  # manifest first
        os.replace(folder / n, stale / n)
        moved.append(stale / n)
    return moved


def set_aside(folder: str | Path, stem: str) -> list[Path]:
    """:func:`retire_unit`, and the unit's failed notebook with it (a county no longer in the data)."""
    folder = Path(folder)
    moved = retire_unit(folder, stem)
    failed = folder / f"{stem}{FAILED_SUFFIX}"
    if failed.is_file():
        (folder / STALE_DIR).mkdir(exist_ok=True)
        os.replace(failed, folder / STALE_DIR / failed.name)
        moved.append(folder / STALE_DIR / failed.name)
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
