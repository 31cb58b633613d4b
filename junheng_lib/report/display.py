"""Display helpers: any analysis DataFrame as a Chinese-labelled, formatted table (explore.ipynb).

:func:`view` turns a DataFrame of the library (coefficients, compliance, shortfalls, plans, CV
contributions, the values table …) into a :class:`~junheng_lib.render.table.Table`, the renderer of the
reports, so that exploring looks like the report: Chinese headers with units from the rule table's
``[labels]``, every row and no index, counts with thousands separators, indicator values with the
indicator's decimals, CVs with ``cv_decimals``, money in 万元 (never ``1.103825e+07``), indicator
codes as names, verdicts as 达标/未达标. In JupyterLab the Table shows as HTML; ``print`` gives the
same as text. :func:`formatted` returns the displayed text as a DataFrame (Chinese headers) for
saving or further text work. The data are never changed: a view only formats.

Decision: a :class:`Table` rather than a pandas Styler — the same code formats the reports and the
exploration (a Styler would be a second formatter with its own rules), it never truncates rows,
and it also writes Excel (:meth:`Table.to_xlsx`) with true numbers.

Examples
--------
>>> import pandas as pd
>>> from junheng_lib.report.display import formatted, view
>>> df = pd.DataFrame({"stage": ["小学", "初中"], "indicator": ["Y6", "composite"],
...                    "mean": [1952.6, None], "cv": [0.4812, 0.6034], "passed": [True, False],
...                    "cost": [11038250.0, 0.0], "students": [26319.0, 2000.0]})
>>> t = view(df, title="示例")
>>> t.headers
['学段', '指标', '平均值', '差异系数', '结论', '估算费用(万元)', '在校生数(人)']
>>> t.text_rows()
[['小学', '生均教学仪器设备值', '1,953', '0.481', '达标', '1,103.83', '26,319'], ['初中', '综合差异系数', '—', '0.603', '未达标', '0.00', '2,000']]
>>> formatted(df).columns[-1]
'在校生数(人)'
"""
from __future__ import annotations

import pandas as pd

from junheng_lib.render.table import Column, Table
from junheng_lib.report.narrative import warning_reason
from junheng_lib.rules.indicators import BASIC, INDICATORS, QUALITY, RULES

__all__ = ["view", "formatted", "column_spec", "indicator_name"]

_LABELS = RULES["labels"]
#: resource columns of the values table (numerator code → 中文名 and unit of the indicator table)
_RESOURCES = (INDICATORS.drop_duplicates("numerator").set_index("numerator")[["resource", "resource_unit"]])


def indicator_name(code, short: bool = False) -> str:
    """中文名 of an indicator code (``composite`` → 综合差异系数); other values unchanged.

    >>> indicator_name("Y4"), indicator_name("composite"), indicator_name("Y2", short=True)
    ('生均教学及辅助用房面积', '综合差异系数', '骨干教师')
    """
    if code == "composite":
        return str(RULES[BASIC]["composite_name"])
    if isinstance(code, str) and code in INDICATORS.index:
        return str(INDICATORS.loc[code, "short" if short else "name"])
    return code


def column_spec(key: str, columns=()) -> dict:
    """The label spec of column ``key`` (label, unit, kind, decimals) in a frame with ``columns``.

    >>> column_spec("share", ["school_id", "share", "deviation"])["label"]
    '对校际差异的贡献'
    >>> column_spec("share")["label"], column_spec("Y4")["unit"], column_spec("books")["label"]
    ('分摊比例', '㎡', '图书')
    >>> column_spec("cv_前")["label"], column_spec("passed_后")["kind"]
    ('差异系数（前）', 'verdict')
    """
    for ctx in _LABELS.get("context", []):
        if ctx["when"] in columns and key in ctx:
            return dict(ctx[key])
    spec = _LABELS["columns"].get(key)
    if spec is not None:
        return dict(spec)
    if key in INDICATORS.index:
        row = INDICATORS.loc[key]
        return {"label": str(row["short"]), "unit": str(row["unit"]), "kind": "float",
                "decimals": int(row["decimals"])}
    if key == "composite":
        return {"label": str(RULES[BASIC]["composite_name"]), "kind": "cv"}
    base, sep, suffix = key.rpartition("_")
    if sep and base and suffix and not suffix.isascii():   # cv_前 / cv_后 of a comparison
        spec = column_spec(base, columns)
        return {**spec, "label": f"{spec['label']}（{suffix}）"}
    if key in _RESOURCES.index:
        unit = str(_RESOURCES.loc[key, "resource_unit"])
        return {"label": str(_RESOURCES.loc[key, "resource"]), "unit": unit, "kind": "float",
                "decimals": int(_LABELS["unit_decimals"].get(unit, _LABELS["fallback_decimals"]))}
    return {"label": str(key)}


def _verdict(v):
    return None if v is None or (isinstance(v, float) and v != v) or v is pd.NA else bool(v)


def _row_indicators(df: pd.DataFrame, indicator: str | None) -> pd.Series | None:
    if indicator is not None:
        return pd.Series([indicator] * len(df), index=df.index)
    for key in ("indicator", "item"):
        if key in df and df[key].isin(INDICATORS.index).any():
            return df[key]
    return None


def _unique(s: pd.Series) -> str | None:
    u = s.dropna().astype(str).unique()
    return u[0] if len(u) == 1 else None


def view(df: pd.DataFrame, title: str = "", *, indicator: str | None = None, columns: list[str] | None = None,
         note: str = "") -> Table:
    """A Chinese-labelled, formatted :class:`~junheng_lib.render.table.Table` of an analysis DataFrame.

    Parameters
    ----------
    df : DataFrame
        Any table of the library; its index is dropped (never shown).
    title : str
        Caption of the table.
    indicator : str, optional
        The indicator of the values when ``df`` has no ``indicator`` column (e.g.
        :func:`~junheng_lib.analysis.coefficients.cv_contributions`): their unit and decimals.
    columns : list of str, optional
        The columns to show, in this order (default: all).
    note : str
        A line under the table.

    Labels, units and formats come from the rule table's ``[labels]``; a column of an indicator
    (L1…Y7) or a resource gets the indicator table's name, unit and decimals. Values whose unit
    differs by row (amounts of several resources) take their decimals per row; the unit goes into
    the header when a single one applies, and the ``unit`` column is then left out.

    >>> import pandas as pd
    >>> d = pd.DataFrame({"indicator": ["Y4", "Y6"], "addition": [30157.74, 22204090.0], "unit": ["㎡", "元"]})
    >>> view(d).text_rows()
    [['生均教学及辅助用房面积', '30,157.7', '㎡'], ['生均教学仪器设备值', '22,204,090', '元']]
    >>> view(d.iloc[:1]).headers
    ['指标', '增加量(㎡)']
    """
    df = df.reset_index(drop=True)
    keys = list(columns) if columns is not None else [str(c) for c in df.columns]
    df = df.rename(columns=str)
    ind = _row_indicators(df, indicator)
    row_units = df["unit"] if "unit" in df else (ind.map(INDICATORS["resource_unit"]) if ind is not None else None)
    one_unit = _unique(row_units) if row_units is not None else None
    data, cols, dec = {}, [], {}
    fallback = int(_LABELS["fallback_decimals"])
    unit_dec = {k: int(v) for k, v in _LABELS["unit_decimals"].items()}
    for key in keys:
        spec = column_spec(key, df.columns)
        kind, unit, label = spec.get("kind", "text"), spec.get("unit", ""), spec["label"]
        s = df[key]
        if key == "unit" and one_unit is not None:
            continue                       # the single unit is in the headers
        if kind == "year":
            data[key] = s.map(lambda v: "" if pd.isna(v) else str(int(v)))
            kind = "text"
        elif kind == "indicator":
            data[key] = s.map(indicator_name)
            names = pd.Series(data[key])
            # the same name for a 基本均衡 and a 优质均衡 code (L1/Y4): say which
            std = s.map(lambda c: INDICATORS.loc[c, "standard"] if c in INDICATORS.index else None)
            clash = names.groupby(names).transform(lambda g: std[g.index].nunique() > 1)
            data[key] = [f"{n}（{RULES[st]['name']}）" if c and st else n
                         for n, st, c in zip(names, std, clash)]
            kind = "text"
        elif kind == "codes":
            data[key] = s.map(lambda v: "、".join(indicator_name(c, short=True) for c in str(v).split("、") if c)
                              if isinstance(v, str) else v)
            kind = "text"
        elif kind == "warning":
            data[key] = s.map(lambda v: warning_reason(v) if isinstance(v, str) and v else "")
            kind = "text"
        elif kind == "bool":
            data[key] = s.map(lambda v: {True: "是", False: "否"}.get(_verdict(v), "—"))
            kind = "text"
        elif kind == "verdict":
            data[key] = s.map(_verdict).astype(object)
        elif kind == "money":
            m = _LABELS["money"]
            data[key] = pd.to_numeric(s, errors="coerce") / float(m["per"])
            kind, unit, spec["decimals"] = "float", m["unit"], int(m["decimals"])
        elif kind == "standard" and not pd.api.types.is_numeric_dtype(s):
            data[key] = s.map(lambda v: RULES[v]["name"] if v in (BASIC, QUALITY) else v)
            kind = "text"
        elif kind in ("per_indicator", "standard"):
            data[key] = pd.to_numeric(s, errors="coerce")
            d = (ind.map(lambda c: INDICATORS.loc[c, "decimals"] if c in INDICATORS.index else fallback)
                 if ind is not None else pd.Series(fallback, index=df.index))
            dec[key] = d.astype(float)
            one = _unique(ind) if ind is not None else None
            if one in INDICATORS.index:
                unit = str(INDICATORS.loc[one, "unit"])
            kind, spec["decimals"] = "float", fallback
        elif kind == "amount":
            data[key] = pd.to_numeric(s, errors="coerce")
            if row_units is not None:
                dec[key] = row_units.map(lambda u: unit_dec.get(u, fallback)).astype(float)
            unit = one_unit or ""
            kind, spec["decimals"] = "float", fallback
        else:
            data[key] = s
        cols.append(Column(key, label, unit, kind, int(spec.get("decimals", 0))))
    frame = pd.DataFrame(data, index=df.index)
    decimals = pd.DataFrame(dec, index=df.index) if dec else None
    merge = "stage" if "stage" in frame and keys and keys[0] == "stage" else None
    return Table(title, frame, cols, merge=merge, decimals=decimals, note=note)


def formatted(df: pd.DataFrame, **kw) -> pd.DataFrame:
    """The displayed text of :func:`view` as a DataFrame: Chinese headers, every value a string.

    >>> import pandas as pd
    >>> formatted(pd.DataFrame({"school_id": ["A1"], "students": [1234.0]})).values.tolist()
    [['A1', '1,234']]
    """
    t = view(df, **kw)
    return pd.DataFrame(t.text_rows(), columns=t.headers)
