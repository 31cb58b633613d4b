"""The rectification ledger across years (working-records.md §7).

Last year's 整改台账 — the sheet of the county workbook (``<县>.xlsx`` of ``junheng report``) that the
bureau filled in — is read back with :func:`read_ledger` and compared with this year's ledger by
:func:`ledger_status`.

The workbook's ledger sheet names its county and year in its first row (``整改台账（白石县2023学年）``)
and has the key columns 学校标识码, 学段, 项目代码 beside what the bureau types (完成时限, 责任人,
整改情况, and the 整改措施 it may rewrite). An item is matched by **(school_id, stage, item code)**
within its county: the school's identifier (empty for a county-level item), the stage (empty where the
item has none) and the ledger's item code (``Y1`` … ``Y7``, ``composite``, ``school_size``,
``class_size``, ``rooms``, ``政府保障程度3`` …, ``growth1`` …) — never by the problem's wording, which
changes with the numbers.

A workbook without that sheet, whose first row does not name a county and year, whose header lost
one of those columns, of another county, or of a year other than the year before the report's, is a
:class:`~junheng_lib.data.errors.DataError` in Chinese: never a silent fresh ledger.

Status (:class:`~junheng_lib.rules.codes.LedgerStatus`) of each item, :data:`LEDGER_STATUS_COLUMNS`:

* ``fixed`` 已整改 — last year's item is not in this year's ledger (its indicator meets the standard);
* ``overdue`` 逾期 — still in this year's ledger and its 完成时限 is before ``[ledger_years]
  reference`` of the report's school year (the statistics date: 09-01);
* ``ongoing`` 整改中 — still in this year's ledger, 完成时限 not passed (or blank, or not a date:
  said in ``note``); also an item whose school is not in this year's data (said in ``note``) and a
  row the bureau added by hand without an item code (carried over, never verified);
* ``new`` 新增 — in this year's ledger only.

``closed_by_hand`` is True where the bureau typed 已整改 (``[ledger_years] closed_words``) in 整改情况 but
the item still fails; ``note`` says so.
"""
from __future__ import annotations

import datetime as _dt
import re
from pathlib import Path

import numpy as np
import pandas as pd

from junheng_lib.data.errors import DataError, DataIssue
from junheng_lib.data.sheet import _read_bytes
from junheng_lib.data.xlsx import _read_xlsx
from junheng_lib.rules.codes import LedgerStatus
from junheng_lib.rules.indicators import INDICATORS, RULES, label

__all__ = ["read_ledger", "read_ledgers", "ledger_status", "carry_typed", "current_values", "parse_deadline",
           "check_prior", "SHOWN_CODES", "LEDGER_STATUS_COLUMNS", "PRIOR_COLUMNS", "LEDGER_TITLE", "KEY"]

_CFG = RULES["ledger_years"]
#: the matching key of an item within its county
KEY = ["school_id", "stage", "item"]
#: the first row of the ledger sheet (county, year)
LEDGER_TITLE = "整改台账（{county}{year}学年）"
_TITLE_RE = re.compile(r"整改台账（(?P<county>.+?)(?P<year>\d{4})学年）")
#: header of the ledger sheet → column of :func:`read_ledger`; the first five must be there
_HEADERS = {"学校标识码": "school_id", "学段": "stage", "项目代码": "item", "完成时限": "deadline",
            "责任人": "responsible", "问题": "problem", "责任单位": "responsible_unit", "整改情况": "progress",
            "整改措施": "measure", "现状": "previous_value", "标准": "standard_text", "学校名称": "school_name"}
_REQUIRED = ("学校标识码", "学段", "项目代码", "完成时限", "责任人")
PRIOR_COLUMNS = ["county", "year", "row", *KEY, "school_name", "problem", "responsible_unit", "measure",
                 "previous_value", "deadline", "responsible", "progress"]
LEDGER_STATUS_COLUMNS = ["year", "county", "prior_year", "item", "school_id", "school_name", "stage", "indicator",
                         "problem", "status", "deadline", "responsible", "progress", "measure", "value", "standard",
                         "previous_value", "closed_by_hand", "note"]
#: item codes as the workbook shows them (a reader never meets an English code), and back
SHOWN_CODES = {"composite": "综合差异系数"}
_READ_CODES = {v: k for k, v in SHOWN_CODES.items()}
_STATUS_ORDER = {LedgerStatus.OVERDUE: 0, LedgerStatus.ONGOING: 1, LedgerStatus.NEW: 2, LedgerStatus.FIXED: 3}


def _blank(v) -> str:
    s = "" if v is None else str(v).strip()
    return "" if s in ("—", "-", "nan", "None") else s


def read_ledger(path) -> pd.DataFrame:
    """Last year's ledger sheet of a county workbook, as typed: columns :data:`PRIOR_COLUMNS`
    (``row`` the spreadsheet row; ``deadline``/``responsible``/``progress`` text as typed);
    ``attrs``: ``source``, ``county``, ``year``.

    Raises
    ------
    DataError
        Not an .xlsx, no 整改台账 sheet, no county and year in its first row, or a header that lost a
        key column.
    """
    name = str(path)
    if Path(name).suffix.lower() != ".xlsx":
        raise DataError([DataIssue(name, "上年整改台账须为 junheng report 生成、并由本单位填写的县(区)工作簿(.xlsx)")])
    sheets = {s.name: s for s in _read_xlsx(name, _read_bytes(Path(name)))}
    want = _CFG["sheet"]
    if want not in sheets:
        raise DataError([DataIssue(name, f"工作簿中没有“{want}”工作表（现有：{'、'.join(sheets) or '无'}），"
                                         "不是 junheng report 生成的县(区)工作簿，或该工作表已改名")])
    grid = sheets[want].grid
    where = f"{name}［{want}］"
    first = _blank(grid.iat[0, 0]) if grid.shape[0] and grid.shape[1] else ""
    m = _TITLE_RE.search(first)
    if not m:
        raise DataError([DataIssue(where, "第1行应为“整改台账（县(区)YYYY学年）”，无法确认该台账所属的县(区)和学年；"
                                          "请使用 junheng report 生成的工作簿，不要改动第1行", row=1)])
    county, year = m.group("county"), int(m.group("year"))
    out = pd.DataFrame(columns=PRIOR_COLUMNS)
    out.attrs = {"source": name, "county": county, "year": year}
    if "未发现需要整改的项目" in first:
        return out
    head = None
    for i in range(1, min(len(grid), 6)):
        cells = [_blank(v) for v in grid.iloc[i]]
        if sum(h in _HEADERS for h in cells) >= 3:
            head = i
            break
    if head is None:
        raise DataError([DataIssue(where, "找不到台账的表头行（应在第2行：责任单位、学段、问题……完成时限、责任人），"
                                          "表头已被删除或改动，无法核对上年的整改项目", row=2)])
    cells = [_blank(v) for v in grid.iloc[head]]
    lost = [h for h in _REQUIRED if h not in cells]
    if lost:
        raise DataError([DataIssue(where, f"表头缺少列“{h}”：无法按学校、学段和项目代码核对上年的整改项目，"
                                          "请使用 junheng report 生成的工作簿，不要删除或改名这些列", row=head + 1, column=h)
                         for h in lost])
    idx = {_HEADERS[h]: j for j, h in enumerate(cells) if h in _HEADERS}
    rows = []
    for i in range(head + 1, len(grid)):
        r = grid.iloc[i]
        got = {k: _blank(r.iloc[j]) for k, j in idx.items()}
        if not any(got.values()):
            continue
        if not got.get("item") and not got.get("problem"):   # the table's note below it
            continue
        stage = got.get("stage", "")
        got["item"] = _READ_CODES.get(got.get("item", ""), got.get("item", ""))
        rows.append({"county": county, "year": year, "row": i + 1, **{k: got.get(k, "") for k in PRIOR_COLUMNS[3:]},
                     "stage": stage if stage in ("小学", "初中") else ""})
    out = pd.DataFrame(rows, columns=PRIOR_COLUMNS)
    out.attrs = {"source": name, "county": county, "year": year}
    return out


def read_ledgers(paths) -> pd.DataFrame:
    """Several counties' workbooks (files, or folders whose .xlsx files are read) in one table: the
    county of each is the one its sheet names. Two workbooks of one county are an error.

    Raises
    ------
    DataError
        Every problem of every workbook at once.
    """
    files: list[Path] = []
    for p in [Path(x) for x in paths]:
        files += sorted(q for q in p.iterdir() if q.suffix.lower() == ".xlsx" and not q.name.startswith(("~$", "."))) \
            if p.is_dir() else [p]
    parts, problems, seen = [], [], {}
    for f in files:
        try:
            t = read_ledger(f)
        except DataError as e:
            problems += e.issues
            continue
        c = t.attrs["county"]
        if c in seen:
            problems.append(DataIssue(str(f), f"与“{seen[c]}”同为县(区)“{c}”的整改台账，无法判断应使用哪一个"))
            continue
        seen[c] = str(f)
        parts.append(t)
    if not files:
        problems.append(DataIssue(", ".join(str(p) for p in paths), "没有找到上年整改台账工作簿(.xlsx)"))
    if problems:
        raise DataError(problems)
    out = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    out.attrs = {"source": "、".join(seen.values()), "counties": {c: t.attrs["year"] for c, t in zip(seen, parts)},
                 "files": dict(seen)}
    return out


def parse_deadline(text: str) -> _dt.date | None:
    """The date a 完成时限 as typed means (the end of the period it names), or None.

    >>> [str(parse_deadline(t)) for t in ("2024-06-30", "2024年6月", "2024年底", "2024.3", "2025年上半年", "尽快")]
    ['2024-06-30', '2024-06-30', '2024-12-31', '2024-03-31', '2025-06-30', 'None']
    """
    s = _blank(text).replace("／", "/").replace("．", ".")
    if not s:
        return None
    m = re.match(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})", s)
    try:
        if m:
            return _dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        m = re.match(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?(?:底|末|份)?$", s)
        if m:
            y, mo = int(m.group(1)), int(m.group(2))
            nxt = _dt.date(y + mo // 12, mo % 12 + 1, 1)
            return nxt - _dt.timedelta(days=1)
    except ValueError:
        return None
    m = re.match(r"^(\d{4})\s*年?\s*(上半年|年中)$", s)
    if m:
        return _dt.date(int(m.group(1)), 6, 30)
    m = re.match(r"^(\d{4})\s*年?\s*(底|末|年底|年末|下半年|全年)?$", s)
    if m:
        return _dt.date(int(m.group(1)), 12, 31)
    return None


def current_values(ev) -> pd.DataFrame:
    """This year's value and standard of every item a ledger can hold, met or not: columns ``school_id,
    stage, item, value, standard``. ``ev`` is an evaluation or its parts (duck-typed, as
    :func:`junheng_lib.analysis.ledger.ledger` reads them)."""
    parts = []
    sf = ev.shortfall
    if sf is not None and len(sf):
        parts.append(pd.DataFrame({"school_id": sf["school_id"], "stage": sf["stage"], "item": sf["indicator"],
                                   "value": sf["value"], "standard": sf["standard"]}))
    ss = ev.school_size
    if len(ss):
        parts.append(pd.DataFrame({"school_id": ss["school_id"], "stage": "", "item": "school_size",
                                   "value": ss["students"], "standard": ss["limit"]}))
    cs = ev.class_shortfall
    if len(cs):
        parts.append(pd.DataFrame({"school_id": cs["school_id"], "stage": cs["stage"], "item": "class_size",
                                   "value": cs["classes"], "standard": cs["classes_needed"]}))
    sr = ev.special_rooms
    if len(sr):
        parts.append(pd.DataFrame({"school_id": sr["school_id"], "stage": "", "item": "rooms",
                                   "value": sr["music_rooms"] + sr["art_rooms"], "standard": 2 * sr["rooms_needed"]}))
    co = ev.coefficients
    if len(co):
        parts.append(pd.DataFrame({"school_id": "", "stage": co["stage"], "item": co["indicator"],
                                   "value": co["cv"], "standard": co["limit"]}))
    ci = ev.county_items
    if len(ci):
        parts.append(pd.DataFrame({"school_id": "", "stage": "", "item": ci["group"].astype(str) + ci["no"].astype(str),
                                   "value": ci["value"], "standard": ci["standard"]}))
    tg = ev.three_growths
    if len(tg):
        parts.append(pd.DataFrame({"school_id": "", "stage": "", "item": "growth" + tg["no"].astype(str),
                                   "value": tg["value"], "standard": tg["standard"]}))
    if not parts:
        return pd.DataFrame(columns=[*KEY, "value", "standard"])
    out = pd.concat([p.astype({"stage": object, "school_id": object}) for p in parts], ignore_index=True)
    out["stage"] = out["stage"].astype(str).where(out["stage"].astype(str).isin(["小学", "初中"]), "")
    out["school_id"] = out["school_id"].astype(str)
    out["item"] = out["item"].astype(str)
    return out.drop_duplicates(KEY).reset_index(drop=True)


def _indicator(item: str) -> str:
    if item in INDICATORS.index:
        return label(item)
    return {"composite": RULES["basic"]["composite_name"], "school_size": "学校规模", "class_size": "班额",
            "rooms": "音乐、美术专用教室"}.get(item, item.replace("growth", "经费“三个增长”第") + ("项" if item.startswith("growth") else ""))


def _norm_keys(d: pd.DataFrame) -> pd.DataFrame:
    d = d.copy()
    for k in KEY:
        d[k] = d[k].fillna("").astype(str).str.strip()
    d["stage"] = d["stage"].where(d["stage"].isin(["小学", "初中"]), "")
    return d


def check_prior(prior: pd.DataFrame, year: int, counties=None) -> None:
    """Refuse a prior ledger of another year than ``year - 1`` (or of a county not in ``counties``).

    Raises
    ------
    DataError
    """
    per = prior.attrs.get("counties") or {prior.attrs.get("county"): prior.attrs.get("year")}
    files = prior.attrs.get("files") or {prior.attrs.get("county"): prior.attrs.get("source", "上年整改台账")}
    problems = []
    for c, y in per.items():
        src = files.get(c, prior.attrs.get("source", "上年整改台账"))
        if y is not None and int(y) != int(year) - 1:
            problems.append(DataIssue(str(src), f"这是县(区)“{c}”{y}学年的整改台账，本次评估的是{year}学年，"
                                                f"应使用{int(year) - 1}学年的台账"))
        if counties is not None and c not in set(counties):
            problems.append(DataIssue(str(src), f"这是县(区)“{c}”的整改台账，但本次评估的县(区)中没有“{c}”"
                                                f"（{'、'.join(counties) or '无'}）"))
    if problems:
        raise DataError(problems)


def ledger_status(prior: pd.DataFrame | None, ledger: pd.DataFrame, values: pd.DataFrame, year: int,
                  schools: pd.DataFrame | None = None) -> pd.DataFrame:
    """Each item of last year's ledger (``prior``, :func:`read_ledger`) and of this year's (``ledger``,
    :func:`junheng_lib.analysis.ledger.ledger`) with its status (see the module docstring), what the
    bureau typed carried over, and this year's value and standard (``values``: :func:`current_values`).
    ``schools``: this year's schools (an item of a school that is gone is not called fixed).

    Columns :data:`LEDGER_STATUS_COLUMNS`; empty without a prior ledger (the report says 未提供).
    """
    if prior is None:
        return pd.DataFrame(columns=LEDGER_STATUS_COLUMNS)
    check_prior(prior, year)
    ref = _dt.date.fromisoformat(f"{int(year)}-{_CFG['reference']}")
    counties = list(dict.fromkeys(prior.attrs.get("counties") or [prior.attrs.get("county")]))
    now = _norm_keys(ledger[ledger["county"].isin(counties)]) if len(ledger) else _norm_keys(
        pd.DataFrame(columns=["county", *KEY, "school_name", "problem", "measure"]))
    old = _norm_keys(prior)
    vals = _norm_keys(values).set_index(KEY) if len(values) else None
    live = set(schools.loc[schools["year"] == int(year), "school_id"].astype(str)) if schools is not None else None
    rows = []
    for c in counties:
        o = old[old["county"] == c]
        n = now[now["county"] == c]
        n_keys = {tuple(k) for k in n[KEY].itertuples(index=False)}
        o_keys = set()
        for r in o.itertuples():
            key = (r.school_id, r.stage, r.item)
            o_keys.add(key)
            notes, by_hand = [], False
            failing = key in n_keys
            if not r.item:
                notes.append("台账中手工添加的项目（无项目代码），无法自动核对，请人工确认")
                failing = True
            deadline = parse_deadline(r.deadline)
            if r.deadline and deadline is None:
                notes.append(_CFG["deadline_unreadable"].format(typed=r.deadline))
            if failing:
                status = LedgerStatus.OVERDUE if deadline is not None and deadline < ref else LedgerStatus.ONGOING
                typed = r.progress.strip()
                if typed and any(w in typed for w in _CFG["closed_words"]) and "未" not in typed:
                    by_hand = True
                    notes.append(_CFG["closed_still_failing"].format(typed=typed))
            elif r.school_id and live is not None and r.school_id not in live:
                status = LedgerStatus.ONGOING
                notes.append(_CFG["school_gone"])
            else:
                status = LedgerStatus.FIXED
            cur = n[(n["school_id"] == r.school_id) & (n["stage"] == r.stage) & (n["item"] == r.item)]
            rows.append(_row(year, c, int(o["year"].iloc[0]) if len(o) else year - 1, key, status,
                             school_name=r.school_name or (cur["school_name"].iloc[0] if len(cur) else ""),
                             problem=cur["problem"].iloc[0] if len(cur) else r.problem,
                             deadline=r.deadline, responsible=r.responsible, progress=r.progress,
                             measure=r.measure or (cur["measure"].iloc[0] if len(cur) else ""),
                             previous_value=r.previous_value, closed_by_hand=by_hand, note="；".join(notes), vals=vals))
        for r in n.itertuples():
            key = (r.school_id, r.stage, r.item)
            if key in o_keys:
                continue
            rows.append(_row(year, c, year - 1, key, LedgerStatus.NEW, school_name=r.school_name, problem=r.problem,
                             deadline="", responsible="", progress="", measure=r.measure, previous_value="",
                             closed_by_hand=False, note="", vals=vals))
    out = pd.DataFrame(rows, columns=LEDGER_STATUS_COLUMNS)
    if out.empty:
        return out
    out["_o"] = out["status"].map(_STATUS_ORDER)
    return out.sort_values(["county", "_o"], kind="stable").drop(columns="_o").reset_index(drop=True)


def _row(year, county, prior_year, key, status, *, vals, **kw) -> dict:
    sid, stage, item = key
    v = s = np.nan
    if vals is not None and key in vals.index:
        v, s = vals.loc[key, "value"], vals.loc[key, "standard"]
    return {"year": int(year), "county": county, "prior_year": int(prior_year), "item": item, "school_id": sid,
            "stage": stage, "indicator": _indicator(item) if item else "", "status": status, "value": v,
            "standard": s, **kw}


def carry_typed(ledger: pd.DataFrame, status: pd.DataFrame) -> pd.DataFrame:
    """This year's ledger with what the bureau typed last year (完成时限 → ``deadline``, 责任人 →
    ``person``) filled in for the items still open, so that the new workbook starts from it."""
    if status is None or status.empty or ledger.empty:
        return ledger
    keep = status[status["status"].isin([LedgerStatus.ONGOING, LedgerStatus.OVERDUE])]
    typed = {(r.county, r.school_id, r.stage, r.item): (r.deadline, r.responsible) for r in keep.itertuples()}
    out = ledger.copy()
    k = _norm_keys(out)
    got = [typed.get((c, a, b, i)) for c, a, b, i in zip(k["county"], k["school_id"], k["stage"], k["item"])]
    out["deadline"] = [g[0] if g else d for g, d in zip(got, out["deadline"])]
    out["person"] = [g[1] if g else p for g, p in zip(got, out["person"])]
    return out
