"""The declarative rule table (``rules.toml``) as Python objects.

Everything that is a rule of the official evaluation — indicator codes, 中文名, units, numerators,
scales, split flags, per-school standards, CV limits, the composite limit and the compliance rule —
is read from ``rules.toml`` here, once. Computation, labels, thresholds and report text all take
them from this module.

Examples
--------
>>> from junheng_lib.rules.indicators import INDICATORS, cv_limit
>>> INDICATORS.loc["Y4", "name"]
'生均教学及辅助用房面积'
>>> cv_limit("quality", "初中")
0.45
"""
from __future__ import annotations

import functools

import numpy as np
import pandas as pd

from junheng_lib.rules.table import RULES

__all__ = [
    "RULES", "INDICATORS", "STAGES", "BASIC", "QUALITY", "codes", "cv_limit",
    "standard_value", "label", "within_limit", "at_least", "decimals", "fmt_value", "per_unit",
]

#: The two compulsory stages, in published order, and their sort rank.
STAGES: tuple[str, str] = ("小学", "初中")
STAGE_ORDER: dict[str, int] = {s: i for i, s in enumerate(STAGES)}


BASIC = "basic"
QUALITY = "quality"


def _table() -> pd.DataFrame:
    rows = RULES["indicator"]
    df = pd.DataFrame(rows).set_index("code")
    for col in ("std_primary", "std_junior"):
        if col not in df:
            df[col] = float("nan")
    df["scale"] = df["scale"].astype(float)
    df["split"] = df["split"].astype(bool)
    return df


#: One row per indicator (index ``code``: L1…L8, Y1…Y7 in published order).
INDICATORS: pd.DataFrame = _table()

_STAGE_COL = {"小学": "std_primary", "初中": "std_junior"}


def codes(standard: str) -> list[str]:
    """Indicator codes of one standard (``"basic"`` or ``"quality"``), in published order."""
    return INDICATORS.index[INDICATORS["standard"] == standard].tolist()


def cv_limit(standard: str, stage: str) -> float:
    """CV limit: the composite limit for ``basic``, each single CV's limit for ``quality``."""
    if standard == BASIC:
        return float(RULES["basic"]["composite_limit"][stage])
    return float(RULES["quality"]["cv_limit"][stage])


def standard_value(code: str, stage: str) -> float:
    """Per-school standard of a quality indicator for a stage (e.g. Y4 小学 → 4.5)."""
    return float(INDICATORS.loc[code, _STAGE_COL[stage]])


def label(code: str, with_unit: bool = False) -> str:
    """中文名 of an indicator (optionally with its unit)."""
    row = INDICATORS.loc[code]
    return f"{row['name']}({row['unit']})" if with_unit and row["unit"] else str(row["name"])


def _tol() -> float:
    return float(RULES["display"]["tolerance"])


def within_limit(value, limit):
    """``value ≤ limit`` with the table's relative tolerance (works on scalars and arrays)."""
    return value <= limit * (1 + _tol())


def at_least(value, threshold):
    """``value ≥ threshold`` with the table's relative tolerance (works on scalars and arrays)."""
    return value >= threshold * (1 - _tol())


@functools.cache
def decimals(code: str) -> int:
    """Display decimals of an indicator's values (the rule table's ``decimals``)."""
    return int(INDICATORS.loc[code, "decimals"])


def fmt_value(x: float, code: str) -> str:
    """An indicator value with the indicator's display decimals."""
    if x is None or (isinstance(x, float) and np.isnan(x)):
        return "—"
    return f"{x:,.{decimals(code)}f}"


@functools.cache
def per_unit(code: str) -> str:
    """The unit of an indicator's value, per student or per 100 students ("" for a ratio).

    >>> per_unit("Y4"), per_unit("Y2"), per_unit("L6")
    ('㎡/生', '人/百生', '')
    """
    unit = str(INDICATORS.loc[code, "unit"])
    if not unit or unit == "nan":
        return ""
    return unit + ("/百生" if INDICATORS.loc[code, "scale"] == 100 else "/生")
