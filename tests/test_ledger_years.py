"""The rectification ledger across years (working-records.md §7): last year's county workbook, as the
bureau filled it in, carried over to this year."""
from __future__ import annotations

import dataclasses

import openpyxl
import pandas as pd
import pytest

from junheng_lib.analysis.ledger_years import (
    PRIOR_COLUMNS,
    ledger_status,
    parse_deadline,
    read_ledger,
)
from junheng_lib.data.dataset import load
from junheng_lib.data.errors import DataError
from junheng_lib.evaluation import evaluate_county
from junheng_lib.render.xlsx import write_workbook
from junheng_lib.report.county import CountyReport
from junheng_lib.rules.codes import LedgerStatus


def _prior(rows):
    df = pd.DataFrame([{**dict.fromkeys(PRIOR_COLUMNS, ""), "county": "甲县", "year": 2023, **r} for r in rows],
                      columns=PRIOR_COLUMNS)
    df.attrs = {"source": "甲县.xlsx", "county": "甲县", "year": 2023}
    return df


def _ledger(rows):
    return pd.DataFrame([{"year": 2024, "county": "甲县", "school_name": "", "problem": "问题", "measure": "",
                          **r} for r in rows])


def test_two_years_fixed_overdue_new_and_typed_survives():
    prior = _prior([
        {"school_id": "S1", "stage": "小学", "item": "Y4", "deadline": "2024年6月", "responsible": "王校长"},
        {"school_id": "S2", "stage": "小学", "item": "Y6", "deadline": "2024年6月", "responsible": "李校长"},
        {"school_id": "", "stage": "初中", "item": "composite", "deadline": "2025年底", "responsible": "规划科张科长",
         "progress": "已整改"}])
    now = _ledger([{"school_id": "S1", "stage": "小学", "item": "Y4"},
                   {"school_id": "", "stage": "初中", "item": "composite"},
                   {"school_id": "S3", "stage": "小学", "item": "Y1"}])
    values = pd.DataFrame({"school_id": ["S1", "S2", "", "S3"], "stage": ["小学", "小学", "初中", "小学"],
                           "item": ["Y4", "Y6", "composite", "Y1"], "value": [4.0, 2100.0, 0.58, 3.0],
                           "standard": [4.5, 2000.0, 0.55, 4.2]})
    schools = pd.DataFrame({"year": [2024] * 3, "school_id": ["S1", "S2", "S3"]})
    st = ledger_status(prior, now, values, 2024, schools).set_index(["school_id", "item"])
    # S1: still failing, 完成时限 2024-06-30 before the 2024 statistics date (09-01): 逾期, 责任人 kept
    assert st.loc[("S1", "Y4"), "status"] == LedgerStatus.OVERDUE
    assert st.loc[("S1", "Y4"), "responsible"] == "王校长" and st.loc[("S1", "Y4"), "deadline"] == "2024年6月"
    # S2: no longer in the ledger, its value 2,100 ≥ 2,000: 已整改, what was typed still there
    assert st.loc[("S2", "Y6"), "status"] == LedgerStatus.FIXED and st.loc[("S2", "Y6"), "responsible"] == "李校长"
    # the composite: 2025年底 not passed → 整改中; typed 已整改 by hand but 0.58 > 0.55: named
    c = st.loc[("", "composite")]
    assert c["status"] == LedgerStatus.ONGOING and bool(c["closed_by_hand"]) and "已整改" in c["note"]
    # S3: this year's only: 新增
    assert st.loc[("S3", "Y1"), "status"] == LedgerStatus.NEW
    assert LedgerStatus.OVERDUE.word == "逾期" and LedgerStatus.NEW.word == "新增"


def test_a_school_gone_is_not_called_fixed():
    prior = _prior([{"school_id": "S9", "stage": "小学", "item": "Y4"}])
    st = ledger_status(prior, _ledger([]), pd.DataFrame(columns=["school_id", "stage", "item", "value", "standard"]),
                       2024, pd.DataFrame({"year": [2024], "school_id": ["S1"]}))
    assert st.iloc[0]["status"] == LedgerStatus.ONGOING and "没有该校" in st.iloc[0]["note"]


def test_deadlines_as_typed():
    assert str(parse_deadline("2024/9/1")) == "2024-09-01"
    assert str(parse_deadline("2024年12月底")) == "2024-12-31"
    assert str(parse_deadline("2024-02")) == "2024-02-29"          # the end of the month named (leap year)
    assert parse_deadline("") is None and parse_deadline("长期坚持") is None


@pytest.fixture(scope="module")
def workbook_2023(tmp_path_factory):
    """白石县's 2023 county workbook as junheng report writes it."""
    path = tmp_path_factory.mktemp("ledger") / "白石县.xlsx"
    write_workbook(path, CountyReport.from_dataset(load(), "白石县", 2023).workbook())
    return path


def _edit(src, dst, fn):
    wb = openpyxl.load_workbook(src)
    fn(wb["整改台账"])
    wb.save(dst)
    return dst


def _header(ws):
    return {c.value: c.column for c in ws[2] if c.value}


def test_workbook_round_trip(workbook_2023, tmp_path):
    ev23 = evaluate_county(load(), "白石县", 2023)
    ev24 = evaluate_county(load(), "白石县", 2024)
    key = lambda d: set(zip(d["school_id"].fillna("").astype(str), d["stage"].fillna(""), d["item"]))  # noqa: E731
    still, gone = key(ev23.ledger) & key(ev24.ledger), key(ev23.ledger) - key(ev24.ledger)
    sid, _, item = sorted(x for x in still if x[0] and x[2].startswith("Y"))[0]

    def fill(ws):
        h = _header(ws)
        for r in range(3, ws.max_row + 1):
            if ws.cell(r, h["学校标识码"]).value == sid and ws.cell(r, h["项目代码"]).value == item:
                ws.cell(r, h["完成时限"]).value = "2024年6月30日"
                ws.cell(r, h["责任人"]).value = "赵副局长"
    path = _edit(workbook_2023, tmp_path / "filled.xlsx", fill)
    prior = read_ledger(path)
    assert (prior.attrs["county"], prior.attrs["year"]) == ("白石县", 2023) and len(prior) == len(ev23.ledger)
    ds = dataclasses.replace(load(), prior_ledger=prior)
    ev = evaluate_county(ds.only_county("白石县"), "白石县", 2024)
    st = ev.ledger_status
    row = st[(st["school_id"] == sid) & (st["item"] == item)].iloc[0]
    assert row["status"] == LedgerStatus.OVERDUE and row["responsible"] == "赵副局长"
    # this year's ledger starts from what was typed
    led = ev.ledger[(ev.ledger["school_id"] == sid) & (ev.ledger["item"] == item)].iloc[0]
    assert (led["deadline"], led["person"]) == ("2024年6月30日", "赵副局长")
    fixed = st[st["status"] == LedgerStatus.FIXED]
    assert len(fixed) == len(gone)
    # a fixed school indicator now meets its standard (Y1–Y7: value ≥ standard)
    y = fixed[fixed["item"].str.fullmatch(r"Y\d") & (fixed["school_id"] != "")]
    assert len(y) and (y["value"] >= y["standard"] - 1e-9).all()
    assert (st["status"] == LedgerStatus.NEW).sum() == len(key(ev24.ledger) - key(ev23.ledger))


def test_workbook_refused_when_edited_beyond_recognition(workbook_2023, tmp_path):
    def lose_key(ws):
        ws.cell(2, _header(ws)["项目代码"]).value = "代码"
    with pytest.raises(DataError, match="表头缺少列“项目代码”"):
        read_ledger(_edit(workbook_2023, tmp_path / "a.xlsx", lose_key))

    def lose_title(ws):
        ws.cell(1, 1).value = "整改台账"
    with pytest.raises(DataError, match="无法确认该台账所属的县\\(区\\)和学年"):
        read_ledger(_edit(workbook_2023, tmp_path / "b.xlsx", lose_title))

    def renamed(wb_ws):
        wb_ws.title = "台账"
    with pytest.raises(DataError, match="没有“整改台账”工作表"):
        read_ledger(_edit(workbook_2023, tmp_path / "c.xlsx", renamed))


def test_workbook_of_another_county_or_year(workbook_2023):
    prior = read_ledger(workbook_2023)
    ds = dataclasses.replace(load(), prior_ledger=prior)
    with pytest.raises(DataError, match="应使用2022学年的台账"):
        evaluate_county(ds.only_county("白石县"), "白石县", 2023)
    other = dataclasses.replace(load(), prior_ledger=prior)
    ev = evaluate_county(other.only_county("东湖区"), "东湖区", 2024)   # 白石县's workbook: no item of 东湖区
    assert ev.ledger_status.empty or set(ev.ledger_status["county"]) <= {"东湖区"}
