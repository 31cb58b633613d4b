"""Content hashes: what a report was made from (inputs, options, code), to tell whether it is current.

:func:`input_hashes` gives each county-year the hash of everything its report reads — its rows of
the three tables (all years), the options, the Word template and issuer, and the code
(:func:`code_hash`) — and each year's roll-up the hash of all rows. A report whose manifest records
the same hash, with every file intact, is not made again (:mod:`junheng_lib.run.outputs`).
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd

from junheng_lib.data.dataset import county_rows
from junheng_lib.data.io import ROW
from junheng_lib.rules.options import Options
from junheng_lib.run.tasks import COUNTY, ROLLUP, ROLLUP_STEM
from junheng_lib.util.paths import notebook

__all__ = ["library_hash", "code_hash", "input_hashes"]


def library_hash() -> str:
    """SHA-256 over the library's Python code and rule table (everything that reads and validates)."""
    lib = Path(__file__).resolve().parents[1]
    h = hashlib.sha256()
    for f in sorted(lib.rglob("*.py")) + [lib / "rules" / "rules.toml"]:
        h.update(f.relative_to(lib).as_posix().encode())
        h.update(f.read_bytes())
    return h.hexdigest()


def code_hash() -> str:
    """SHA-256 over the library's code (sub-packages included) and rule table
    (:func:`library_hash`) and the report notebooks."""
    h = hashlib.sha256(library_hash().encode())
    for f in (notebook(COUNTY), notebook(ROLLUP)):
        h.update(f.name.encode())
        h.update(f.read_bytes())
    return h.hexdigest()


def _row_hashes(df, at=None):
    """A table's columns (without the row-number column) and one 64-bit hash per row (pandas) — of every row,
    or of the rows at the sorted positions ``at``. A row's hash depends on that row alone."""
    if at is not None:
        df = df.iloc[at]
    d = df.drop(columns=[ROW], errors="ignore")  # row numbers are positions, not content
    return ",".join(map(str, d.columns)).encode(), pd.util.hash_pandas_object(d, index=False).to_numpy()


def input_hashes(ds, years: list[int], counties: list[str], options: Options, rollup: bool = True,
                 extra: dict | None = None) -> dict:
    """Content hash per (year, county) of everything its report reads — that county's rows of the
    three tables (all years: the report shows trends), the options, ``extra`` (the Word template's
    content hash and the issuer) and the code — and, with
    ``rollup``, per year for the roll-up (all rows). Each row needed is hashed once
    (:func:`junheng_lib.data.dataset.county_rows` finds each county's rows), not once per county: the cost follows
    the counties asked for, not the size of the data."""
    base = hashlib.sha256()
    base.update(code_hash().encode())
    base.update(json.dumps(options.to_dict(), sort_keys=True, ensure_ascii=False).encode())
    if extra:
        base.update(json.dumps(extra, sort_keys=True, ensure_ascii=False).encode())
    rows = county_rows(ds, counties, unmatched=False)
    tables = []
    for k, df in enumerate((ds.schools, ds.classes, ds.counties)):
        if df is None:
            tables.append(None)
            continue
        at = None if rollup else np.unique(np.concatenate([r[k] for r in rows.values()] + [np.empty(0, np.int64)]))
        tables.append((*_row_hashes(df, at), at))

    def add(h, table, pos=None) -> None:
        """The table's columns and its rows' hashes in order; ``-`` for no table or no rows."""
        if table is None or len(table[1]) == 0 or (pos is not None and len(pos) == 0):
            h.update(b"-")
            return
        cols, hashes, at = table
        h.update(cols)
        h.update((hashes if pos is None else hashes[pos if at is None else np.searchsorted(at, pos)]).tobytes())

    out = {}
    for c in dict.fromkeys(counties):
        h = base.copy()
        for table, pos in zip(tables, rows.get(c, (None, None, None))):
            add(h, table if c in rows else None, pos)
        h.update(_records_digest(ds, c))
        for y in years:
            out[(y, c)] = hashlib.sha256(h.digest() + str(y).encode()).hexdigest()
    if rollup:
        whole = base.copy()
        for table in tables:
            add(whole, table)
        whole.update(_records_digest(ds, None))
        for y in years:
            out[(y, ROLLUP_STEM)] = hashlib.sha256(whole.digest() + str(y).encode()).hexdigest()
    return out


def _records_digest(ds, county: str | None) -> bytes:
    """Hash of the working records a county's report reads (projects, groups, last year's ledger; all
    counties' with ``county`` None): a change in them makes the report run again."""
    h = hashlib.sha256()
    for k in ("projects", "groups", "prior_ledger"):
        t = getattr(ds, k, None)
        if t is None:
            h.update(b"-")
            continue
        if county is not None:
            t = t[t["county"] == county]
        h.update(k.encode() + json.dumps([str(c) for c in t.columns], ensure_ascii=False).encode())
        h.update(pd.util.hash_pandas_object(t.astype(str), index=False).to_numpy().tobytes())
    return h.digest()
