"""``junheng report --ledger``: a workbook of another county or year stops the run before any report."""
from __future__ import annotations

import subprocess
import sys

from junheng_lib.data.dataset import load
from junheng_lib.render.xlsx import write_workbook
from junheng_lib.report.county import CountyReport


def _run(*args):
    return subprocess.run([sys.executable, "-m", "junheng_lib.cli", *args], capture_output=True, text=True)


def test_report_refuses_a_workbook_of_another_county_or_year(tmp_path):
    wb = tmp_path / "白石县.xlsx"
    write_workbook(wb, CountyReport.from_dataset(load(), "白石县", 2023).workbook())
    out = tmp_path / "reports"
    r = _run("report", "--county", "东湖区", "--ledger", str(wb), "--out", str(out))
    assert r.returncode == 2 and "这是县(区)“白石县”的整改台账" in r.stderr
    r = _run("report", "--county", "白石县", "--year", "2023", "--ledger", str(wb), "--out", str(out))
    assert r.returncode == 2 and "应使用2022学年的台账" in r.stderr
    assert not any(out.rglob("*.html"))
    # two workbooks of one county: which one is meant cannot be told
    twin = tmp_path / "白石县-副本.xlsx"
    twin.write_bytes(wb.read_bytes())
    r = _run("report", "--county", "白石县", "--ledger", str(tmp_path), "--out", str(out))
    assert r.returncode == 2 and "无法判断应使用哪一个" in r.stderr
