"""Validating a read table: :func:`validate` coerces it to its schema, checks the row rules and
raises every failure at once, each naming row, column and school."""
from __future__ import annotations

import numpy as np
import pandas as pd

from junheng_lib.data.cells import _coerce
from junheng_lib.data.errors import DataError, DataIssue
from junheng_lib.data.schema import Column, RowRule
from junheng_lib.data.sheet import ROW


def _school_label(df: pd.DataFrame) -> pd.Series:
    sid = df["school_id"].astype("string") if "school_id" in df else pd.Series("", index=df.index, dtype="string")
    sname = df["school_name"].astype("string") if "school_name" in df else pd.Series("", index=df.index, dtype="string")
    return (sid.fillna("") + " " + sname.fillna("")).str.strip()


def validate(df: pd.DataFrame, schema: tuple[Column, ...], rules: tuple[RowRule, ...], name: str,
             issues: list[DataIssue] | None = None) -> pd.DataFrame:
    """Coerce ``df`` (strings, English names, :data:`ROW`) to ``schema`` and check ``rules``.

    Raises :class:`DataError` with every failure (structural ``issues`` included), each naming the
    sheet of its row when several sheets were read together; returns the typed frame otherwise. Whole-number columns come back as ``Int64`` when complete, float
    otherwise. A numeric column may come as numbers already (:func:`read_table` of a CSV); messages
    then quote its cells as written (``df.attrs["text"]``).
    """
    issues = list(issues or [])
    # the reading metadata, kept out of the frame's attrs (pandas deep-copies attrs on every operation)
    meta = df.attrs
    df = df.copy(deep=False)
    df.attrs = {}
    out, fails, int_cols = _coerce(df, schema, name, meta.get("factors"), meta.get("trimmed", False))
    headers = meta.get("headers", {})
    zh = {c.name: c.zh for c in schema}
    labels: list[pd.Series] = []
    written = meta.get("text")
    texts: dict[str, np.ndarray] = {}
    order = {c.name: i for i, c in enumerate(schema)}
    # several sheets read together (read_table): the names messages cite, and the sheet of each row
    names, at = meta.get("where") or ([name], None)
    sheet_of = {n: k for k, n in enumerate(names)}
    # problems found while reading (rows with the wrong number of fields, control characters)
    found: list[tuple[int, int, int, DataIssue]] = [
        (sheet_of.get(i.file, 0), r, -1 if col is None else order.get(col, 999), i)
        for r, col, i in meta.get("row_issues", [])]
    reported = meta.get("reported", set())
    rows = out[ROW].to_numpy()

    def label(i: int) -> str | None:
        if "school_id" not in out:
            return None
        if not labels:
            labels.append(_school_label(out))
        return labels[0].iloc[i] or None

    def value(col: str, i: int):
        if col not in df:
            return ""
        if written is None or df[col].dtype == object:
            return df[col].iloc[i]
        if col not in texts:  # a column read as numbers: its cells as written
            texts[col] = written(col)
        return texts[col][i]

    def add(col, mask, msg):
        if isinstance(mask, pd.Series) and mask.dtype == bool and mask.index.equals(out.index):
            mask = mask.to_numpy()  # the common case, at once
        else:
            mask = pd.Series(mask, index=out.index).fillna(False).astype(bool).to_numpy()
        if not mask.any():
            return
        for i in np.flatnonzero(mask):
            row = int(rows[i])
            k = 0 if at is None else int(at[i])
            if ((row, col) if at is None else (k, row, col)) in reported:  # a cell already reported (control
                continue                                                   # characters, a date for a year)
            found.append((k, row, order.get(col, 999), DataIssue(
                names[k], msg.format(value=value(col, i)) if "{value}" in msg else msg.format(value=""), row=row,
                column=headers.get(col, zh.get(col, col)), school=label(i))))

    for col, mask, msg in fails:
        add(col, mask, msg)
    # cells that failed coercion are NaN, so the cross-column rules below do not fire on them
    needed_ok = not issues  # structural problems: skip cross-column rules that need the columns
    if needed_ok:
        for rule in rules:
            try:
                mask = rule.bad(out)
            except KeyError:
                continue
            add(rule.column, mask, rule.message)
    found.sort(key=lambda t: t[:3])
    issues.extend(i for *_, i in found)
    if issues:
        raise DataError(issues)
    for c in int_cols:
        if out[c].notna().all():
            out[c] = out[c].astype("int64")
    if "year" in out:
        out["year"] = out["year"].astype("int64")
    return out
