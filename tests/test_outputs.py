"""Outputs are safe to open and to write: text stays text, a failed write leaves nothing half-done,
files get ordinary permissions, and a table longer than an Excel sheet still fits the workbook."""
import builtins
import errno
import os
import stat
import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from conftest import row, write_csv

from junheng_lib.cli import main
from junheng_lib.render import xlsx as export
from junheng_lib.util import fileio

#: names that spreadsheets would take for formulas (or links) if written as anything but text
HOSTILE = ['=HYPERLINK("http://x","y")', "=1+1", "+1", "-1+2", "@SUM(A1)"]
COUNTY = "=1+1"


@pytest.fixture
def hostile(tmp_path):
    """A county named ``=1+1`` whose schools have formula-like names (and one ordinary name)."""
    d = tmp_path / "data"
    d.mkdir()
    rows = [row(county=COUNTY, school_id=f"S{i}", school_name=n, students_primary=100 + 50 * i, books=300 + 100 * i)
            for i, n in enumerate(HOSTILE + ["一小"])]
    write_csv(d / "schools.csv", rows)
    return d


def texts(path: Path) -> dict:
    """Every non-empty cell of a workbook: value → set of openpyxl data types seen for it."""
    wb = openpyxl.load_workbook(path)
    seen: dict = {}
    for ws in wb:
        for r in ws.iter_rows():
            for c in r:
                if c.value is not None:
                    seen.setdefault(c.value, set()).add(c.data_type)
    return seen


def umask(mask: int):
    old = os.umask(mask)
    return old


# --------------------------------------------------------------------------------- text is text (xlsx)
def test_evaluate_xlsx_writes_names_as_text(hostile, tmp_path, capsys):
    out = tmp_path / "ev.xlsx"
    assert main(["evaluate", str(hostile), "-o", str(out)]) == 0, capsys.readouterr().err
    seen = texts(out)
    for name in HOSTILE + [COUNTY]:
        assert seen.get(name) == {"s"}, name           # the exact name, as a string cell
    assert not any("f" in t for t in seen.values())    # no formula anywhere in the workbook


def test_county_workbook_writes_names_and_title_as_text(hostile, tmp_path):
    from junheng_lib.report.county import CountyReport
    rep = CountyReport.build(hostile, COUNTY, 2023)
    path = export.write_workbook(tmp_path / "c.xlsx", rep.workbook())
    wb = openpyxl.load_workbook(path)
    title = wb["差异系数表"]["A1"]
    assert title.data_type == "s" and title.value == f"表1　{COUNTY}2023学年基本均衡差异系数表"
    names = [(c.value, c.data_type) for c in wb["学校达标情况"]["B"][2:]]   # caption, header, then the rows
    assert sorted(names) == sorted((n, "s") for n in HOSTILE + ["一小"])
    names = {(c.value, c.data_type) for c in wb["学校指标差额"]["C"][2:]}
    assert names == {(n, "s") for n in HOSTILE + ["一小"]}


def test_city_rollup_workbook_writes_county_names_as_text(hostile, tmp_path):
    from junheng_lib.report.city import CityReport
    path, _ = CityReport.build(hostile, 2023).write_outputs(tmp_path)
    assert path.name == "全市汇总.xlsx"
    seen = texts(path)
    assert seen.get(COUNTY) == {"s"} and not any("f" in t for t in seen.values())


def test_write_tables_keeps_text_numbers_and_booleans(tmp_path):
    """The roll-up workbook and every table workbook go through write_tables: strings (also a
    number-like or link-like one), numbers, booleans and blanks each keep their kind."""
    df = pd.DataFrame({"=名称": HOSTILE[:3], "url": ["http://example.com", "1e3", "007"],
                       "v": [-1.5, 2.0, float("nan")], "n": [1, -2, 3], "passed": [True, False, None]})
    export.write_tables({"t": df}, tmp_path / "t.xlsx", titles={"t": "汇总"})
    ws = openpyxl.load_workbook(tmp_path / "t.xlsx")["汇总"]
    cells = [[(c.value, c.data_type) for c in r] for r in ws.iter_rows()]
    assert cells[0][0] == ("=名称", "s")
    assert [r[0] for r in cells[1:]] == [(n, "s") for n in HOSTILE[:3]]
    assert [r[1] for r in cells[1:]] == [("http://example.com", "s"), ("1e3", "s"), ("007", "s")]
    assert [r[2] for r in cells[1:]] == [(-1.5, "n"), (2, "n"), (None, "n")]
    assert [r[3] for r in cells[1:]] == [(1, "n"), (-2, "n"), (3, "n")]
    assert [r[4] for r in cells[1:]] == [(True, "b"), (False, "b"), (None, "n")]
    assert not ws._hyperlinks


# --------------------------------------------------------------------------------- CSV meant for Excel
def test_excel_csv_folder_neutralizes_formula_text(hostile, tmp_path, capsys):
    out = tmp_path / "csv"
    assert main(["evaluate", str(hostile), "-o", str(out)]) == 0, capsys.readouterr().err
    comp = pd.read_csv(out / "compliance.csv", encoding="utf-8-sig", dtype={"school_id": str})
    # OWASP: a leading = + - @ tab or CR in a text cell gets an apostrophe; other text is untouched
    assert sorted(comp["school_name"]) == sorted(["'" + n for n in HOSTILE] + ["一小"])
    assert set(comp["county"]) == {"'=1+1"}
    # numbers stay numbers
    assert comp["students"].dtype.kind == "f" and sorted(comp["students"]) == [100.0 + 50 * i for i in range(6)]
    raw = (out / "compliance.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")


def test_excel_safe_touches_text_cells_only():
    df = pd.DataFrame({"name": ["=1+1", "+1", "-1+2", "@SUM(A1)", "\tx", "\ry", "一小", "a=b"],
                       "v": [-1.0, -2.5, 0.0, 1.0, 2.0, 3.0, 4.0, 5.0],
                       "mixed": [None, True, -3, "-x", "ok", None, False, 1.5]})
    got = export.excel_safe(df)
    assert got["name"].tolist() == ["'=1+1", "'+1", "'-1+2", "'@SUM(A1)", "'\tx", "'\ry", "一小", "a=b"]
    assert got["v"].tolist() == df["v"].tolist()
    assert got["mixed"].tolist() == [None, True, -3, "'-x", "ok", None, False, 1.5]
    assert df["name"].iloc[0] == "=1+1"  # the caller's table is not modified


def test_table_command_csv_is_exact(hostile, tmp_path, capsys):
    """The plain CSV of the table commands is a machine contract: names exactly as in the data."""
    out = tmp_path / "comp.csv"
    assert main(["compliance", str(hostile / "schools.csv"), "-o", str(out)]) == 0, capsys.readouterr().err
    comp = pd.read_csv(out, encoding="utf-8", dtype=str, keep_default_na=False)
    assert sorted(comp["school_name"]) == sorted(HOSTILE + ["一小"])
    assert set(comp["county"]) == {COUNTY}


# --------------------------------------------------------------------------------- permissions
@pytest.mark.parametrize("target", ["coefficients", "evaluate-xlsx", "evaluate-dir", "sample"])
def test_outputs_get_ordinary_permissions(target, tmp_path, capsys):
    schools = write_csv(tmp_path / "s.csv", [row(), row(school_id="S2", books=800)])
    old = os.umask(0o022)
    try:
        if target == "coefficients":
            out = tmp_path / "c.csv"
            files = [out]
            assert main(["coefficients", str(schools), "-o", str(out)]) == 0
        elif target == "evaluate-xlsx":
            out = tmp_path / "e.xlsx"
            files = [out]
            assert main(["evaluate", str(schools), "-o", str(out)]) == 0
        elif target == "evaluate-dir":
            out = tmp_path / "e"
            assert main(["evaluate", str(schools), "-o", str(out)]) == 0
            files = [out, *out.iterdir()]
        else:
            out = tmp_path / "sample"
            assert main(["sample", "--counties", "1", "--years", "1", "--out", str(out)]) == 0
            files = [out, *out.iterdir()]
    finally:
        os.umask(old)
    assert len(files) >= 1
    for f in files:
        want = 0o755 if f.is_dir() else 0o644
        assert stat.S_IMODE(f.stat().st_mode) == want, f


# --------------------------------------------------------------------------------- wrong targets
def run(*args):
    return subprocess.run([sys.executable, "-m", "junheng_lib.cli", *map(str, args)], capture_output=True,
                          text=True, encoding="utf-8")


def test_o_naming_a_folder_is_a_usage_error(tmp_path):
    schools = write_csv(tmp_path / "s.csv", [row()])
    folder = tmp_path / "out"
    folder.mkdir()
    r = run("coefficients", schools, "-o", folder)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "是一个已有的文件夹" in r.stderr and str(folder) in r.stderr
    assert list(folder.iterdir()) == [] and sorted(p.name for p in tmp_path.iterdir()) == ["out", "s.csv"]


def test_evaluate_targets_of_the_wrong_kind(tmp_path, capsys):
    schools = write_csv(tmp_path / "s.csv", [row()])
    a_file = tmp_path / "result"
    a_file.write_text("old", encoding="utf-8")
    assert main(["evaluate", str(schools), "-o", str(a_file)]) == 2
    assert "是一个已有的文件，不是文件夹" in capsys.readouterr().err
    a_dir = tmp_path / "book.xlsx"
    a_dir.mkdir()
    assert main(["evaluate", str(schools), "-o", str(a_dir)]) == 2
    assert "是一个已有的文件夹" in capsys.readouterr().err
    assert main(["evaluate", str(schools), "-o", str(a_file / "x.xlsx")]) == 2
    assert "是一个文件，不是文件夹" in capsys.readouterr().err
    assert a_file.read_text(encoding="utf-8") == "old" and list(a_dir.iterdir()) == []


def test_report_out_naming_a_file_is_a_usage_error(tmp_path, capsys):
    a_file = tmp_path / "reports"
    a_file.write_text("old", encoding="utf-8")
    assert main(["report", "--out", str(a_file), "--county", "白石县"]) == 2
    err = capsys.readouterr().err
    assert "--out" in err and "是一个已有的文件，不是文件夹" in err
    assert a_file.read_text(encoding="utf-8") == "old"


# --------------------------------------------------------------------------------- full disk, read-only
def _full_disk_after(monkeypatch, n_ok: int):
    """Let ``DataFrame.to_csv`` write ``n_ok`` files, then fail the next one halfway with ENOSPC."""
    real = pd.DataFrame.to_csv
    calls = {"n": 0}

    def to_csv(self, path_or_buf=None, *a, **k):
        calls["n"] += 1
        if calls["n"] <= n_ok:
            return real(self, path_or_buf, *a, **k)
        if isinstance(path_or_buf, (str, os.PathLike)):
            Path(path_or_buf).write_text("year,cou", encoding="utf-8")
        else:
            path_or_buf.write("year,cou")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    monkeypatch.setattr(pd.DataFrame, "to_csv", to_csv)


@pytest.mark.parametrize("existing", [False, True])
def test_evaluate_folder_on_a_full_disk_leaves_nothing(existing, tmp_path, monkeypatch, capsys):
    schools = write_csv(tmp_path / "s.csv", [row(), row(school_id="S2", books=800)])
    out = tmp_path / "out"
    if existing:  # an earlier result stays as it was
        out.mkdir()
        (out / "compliance.csv").write_text("old", encoding="utf-8")
    _full_disk_after(monkeypatch, 3)
    assert main(["evaluate", str(schools), "-o", str(out)]) == fileio.EXIT_IO
    err = capsys.readouterr().err
    assert "磁盘空间不足" in err and str(out) in err and "未写入任何内容" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == (["out", "s.csv"] if existing else ["s.csv"])
    if existing:
        assert [p.name for p in out.iterdir()] == ["compliance.csv"]
        assert (out / "compliance.csv").read_text(encoding="utf-8") == "old"


def test_table_csv_on_a_full_disk_leaves_nothing(tmp_path, monkeypatch, capsys):
    schools = write_csv(tmp_path / "s.csv", [row()])
    out = tmp_path / "c.csv"
    out.write_text("old", encoding="utf-8")
    _full_disk_after(monkeypatch, 0)
    assert main(["coefficients", str(schools), "-o", str(out)]) == fileio.EXIT_IO
    err = capsys.readouterr().err
    assert "磁盘空间不足" in err and "原有文件保持不变" in err and "Traceback" not in err
    assert out.read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.csv", "s.csv"]


def test_xlsx_on_a_full_disk_leaves_nothing(tmp_path, monkeypatch, capsys):
    import xlsxwriter.workbook

    def store(self):  # a zip half written, then the disk is full
        if isinstance(self.filename, (str, os.PathLike)):
            Path(self.filename).write_bytes(b"PK\x03\x04")
        else:
            self.filename.write(b"PK\x03\x04")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    monkeypatch.setattr(xlsxwriter.workbook.Workbook, "_store_workbook", store)
    schools = write_csv(tmp_path / "s.csv", [row()])
    out = tmp_path / "e.xlsx"
    assert main(["evaluate", str(schools), "-o", str(out)]) == fileio.EXIT_IO
    assert "磁盘空间不足" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.csv"]


@pytest.fixture
def readonly(monkeypatch):
    """Make a folder refuse new files and renames into it, as a read-only folder does for a user
    (tests run as root here, and chmod does not stop root)."""
    def make(folder: Path):
        folder = folder.resolve()

        def inside(p) -> bool:
            try:
                return Path(os.fsdecode(p)).resolve().is_relative_to(folder)
            except (TypeError, ValueError):
                return False

        def deny(p):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), os.fsdecode(p))
        real_open, real_os_open, real_mkdir = builtins.open, os.open, os.mkdir
        real_replace, real_rename = os.replace, os.rename

        def op(file, mode="r", *a, **k):
            if inside(file) if isinstance(file, (str, bytes, os.PathLike)) else False:
                if any(ch in mode for ch in "wax+"):
                    deny(file)
            return real_open(file, mode, *a, **k)

        def os_open(path, flags, *a, **k):
            if inside(path) and flags & (os.O_CREAT | os.O_WRONLY | os.O_RDWR):
                deny(path)
            return real_os_open(path, flags, *a, **k)

        def mkdir(path, *a, **k):
            if inside(path):
                deny(path)
            return real_mkdir(path, *a, **k)

        def replace(src, dst, *a, **k):
            if inside(dst) or inside(src):
                deny(dst)
            return real_replace(src, dst, *a, **k)

        def rename(src, dst, *a, **k):
            if inside(dst) or inside(src):
                deny(dst)
            return real_rename(src, dst, *a, **k)
        monkeypatch.setattr(builtins, "open", op)
        monkeypatch.setattr(os, "open", os_open)
        monkeypatch.setattr(os, "mkdir", mkdir)
        monkeypatch.setattr(os, "replace", replace)
        monkeypatch.setattr(os, "rename", rename)
    return make


@pytest.mark.parametrize("command", ["coefficients", "evaluate-dir", "evaluate-xlsx", "report"])
def test_read_only_folder_is_refused_up_front(command, tmp_path, readonly, capsys, monkeypatch):
    schools = write_csv(tmp_path / "s.csv", [row()])
    ro = tmp_path / "ro"
    ro.mkdir()
    called = []
    monkeypatch.setattr("junheng_lib.cli.evaluate_county", lambda *a, **k: called.append(1))
    monkeypatch.setattr("junheng_lib.cli.coefficients", lambda *a, **k: called.append(1))
    monkeypatch.setattr("junheng_lib.cli.run_reports", lambda *a, **k: called.append(1))
    readonly(ro)
    args = {"coefficients": ["coefficients", str(schools), "-o", str(ro / "c.csv")],
            "evaluate-dir": ["evaluate", str(schools), "-o", str(ro / "new" / "tables")],
            "evaluate-xlsx": ["evaluate", str(schools), "-o", str(ro / "e.xlsx")],
            "report": ["report", "--out", str(ro)]}[command]
    assert main(args) == fileio.EXIT_IO
    err = capsys.readouterr().err
    assert "没有写入权限" in err and "Traceback" not in err
    assert not called                              # refused before any work
    monkeypatch.undo()
    assert list(ro.iterdir()) == []


def test_read_only_during_the_write_leaves_nothing(tmp_path, readonly, monkeypatch):
    """A folder that turns read-only between the check and the write: a Chinese error, no temp file."""
    out = tmp_path / "o"
    with pytest.raises(fileio.OutputError, match="没有写入权限") as e:
        with fileio.atomic_path(out / "x.csv") as tmp:
            tmp.write_text("a,b\n", encoding="utf-8")
            readonly(out)
    assert e.value.exit_code == fileio.EXIT_IO
    monkeypatch.undo()
    assert list(out.iterdir()) == []


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root writes into read-only folders")
def test_read_only_folder_with_chmod(tmp_path, capsys):
    schools = write_csv(tmp_path / "s.csv", [row()])
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        assert main(["evaluate", str(schools), "-o", str(ro / "tables")]) == fileio.EXIT_IO
        assert "没有写入权限" in capsys.readouterr().err
        assert list(ro.iterdir()) == []
    finally:
        ro.chmod(0o755)


# --------------------------------------------------------------------------------- atomic writes
def test_atomic_dir_into_an_existing_folder_keeps_other_files(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "README.md").write_text("keep", encoding="utf-8")
    (out / "a.csv").write_text("old", encoding="utf-8")
    with fileio.atomic_dir(out) as tmp:
        (tmp / "a.csv").write_text("new a", encoding="utf-8")
        (tmp / "b.csv").write_text("new b", encoding="utf-8")
        assert tmp.parent == out.parent and not (out / "b.csv").exists()   # nothing in place before the end
    assert {p.name: p.read_text(encoding="utf-8") for p in out.iterdir()} == {
        "README.md": "keep", "a.csv": "new a", "b.csv": "new b"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_atomic_path_failure_keeps_the_old_file(tmp_path):
    p = tmp_path / "x.txt"
    p.write_text("old", encoding="utf-8")
    with pytest.raises(RuntimeError):
        with fileio.atomic_path(p) as tmp:
            tmp.write_text("half", encoding="utf-8")
            raise RuntimeError("boom")
    assert p.read_text(encoding="utf-8") == "old" and sorted(tmp_path.iterdir()) == [p]


# --------------------------------------------------------------------------------- Excel's row limit
def test_long_table_continues_on_further_sheets(tmp_path, monkeypatch):
    monkeypatch.setattr(export, "XLSX_MAX_ROWS", 4)             # a header and 3 rows per sheet
    monkeypatch.setattr(export, "_CHUNK", 2)                    # rows converted 2 at a time
    df = pd.DataFrame({"school_id": [f"S{i}" for i in range(8)], "v": range(8),
                       "passed": [True, False] * 4})
    notes = []
    export.write_tables({"t": df, "u": df.head(2)}, tmp_path / "t.xlsx", titles={"t": "学校指标差额", "u": "汇总"},
                        notify=notes.append)
    wb = openpyxl.load_workbook(tmp_path / "t.xlsx")
    assert wb.sheetnames == ["学校指标差额", "学校指标差额(2)", "学校指标差额(3)", "汇总"]
    parts = [[[c.value for c in r] for r in wb[n].iter_rows()] for n in wb.sheetnames[:3]]
    assert all(p[0] == ["school_id", "v", "passed"] for p in parts)
    assert [len(p) - 1 for p in parts] == [3, 3, 2]
    assert [r for p in parts for r in p[1:]] == df.values.tolist()
    assert len(notes) == 1 and "8行" in notes[0] and "3个工作表" in notes[0] and "CSV" in notes[0]


def test_evaluate_splits_a_sheet_longer_than_excel_allows(tmp_path, monkeypatch, capsys):
    from junheng_lib.util.paths import sample_dir
    monkeypatch.setattr(export, "XLSX_MAX_ROWS", 101)
    out = tmp_path / "ev.xlsx"
    assert main(["evaluate", str(sample_dir()), "--county", "白石县", "-o", str(out)]) == 0
    err = capsys.readouterr().err
    assert "学校指标差额(2)" in err and "CSV" in err
    csv_out = tmp_path / "csv"
    assert main(["evaluate", str(sample_dir()), "--county", "白石县", "-o", str(csv_out)]) == 0
    n = len(pd.read_csv(csv_out / "shortfall.csv", encoding="utf-8-sig"))
    assert n > 200
    wb = openpyxl.load_workbook(out, read_only=True)
    parts = [s for s in wb.sheetnames if s == "学校指标差额" or s.startswith("学校指标差额(")]
    assert len(parts) == -(-n // 100)
    assert sum(wb[s].max_row - 1 for s in parts) == n
    assert all(wb[s].max_row <= 101 for s in wb.sheetnames)


def test_sheet_names_stay_valid_and_unique():
    used: set = set()
    long = "很长的表名" * 10
    a = export._sheet_name(long, used)
    b = export._sheet_name(long, used, "(2)")
    c = export._sheet_name(long, used)
    assert len({a.lower(), b.lower(), c.lower()}) == 3 and all(len(x) <= 31 for x in (a, b, c))
    assert b.endswith("(2)") and export._sheet_name("a/b:c", used) == "abc"
    assert export._sheet_name("Xyz", used) == "Xyz" and export._sheet_name("xyz", used) == "xyz_2"
