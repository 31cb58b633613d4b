"""Every output of a real report run, scanned for what must never reach a reader.

The sample city is reported once (every county and the 全市汇总, as ``junheng report`` does) and each
file is read the way its reader sees it: the HTML's text and table cells, the .docx's paragraphs and
table cells (every XML part with text: body, headers, footers, properties), the .xlsx's cells and
headers, the executed notebooks' outputs, and the JSON side files. A finding is one of:

* ``rows ×`` — pandas' truncated-table footer;
* a table cell that is "…" or ends with "…" (a truncated value);
* ``NaN``/``nan``/``None``/``NaT``/``<NA>`` as a cell or a word;
* ``composite`` (the code of the 综合差异系数) in text;
* a count shown with ".0": count columns are those the table model writes to Excel with the count
  format (:meth:`junheng_lib.render.table.Column.excel_format` of ``kind="int"``); their headers, wherever
  they appear in a table (HTML, Word, Excel), must have no cell ending in ".0"; a number stored as
  text with ".0" is a finding in any cell;
* an absolute path (``/work/``, ``/tmp/``, ``/home/``, ``/root/``, ``/Users/``, a drive letter ``C:\\``),
  in any text of any file, notebook metadata included.

JSON keys are identifiers of the machine-readable side files (the same codes as the CSV contract:
``composite``, ``L1``…), so the word checks apply to JSON string values, the path and NaN checks to
the whole text.

Set ``JUNHENG_SCAN_REPORTS`` to an existing report folder (``--out`` of ``junheng report``) to scan it
instead of running the reports (for a quick look after a change).
"""
from __future__ import annotations

import json
import os
import re
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from junheng_lib.render.table import Column

SCAN_ENV = "JUNHENG_SCAN_REPORTS"
COUNT_FORMAT = Column("n", "n", kind="int").excel_format()

ROWS_X = re.compile(r"rows\s*[×x]\s*\d*\s*columns|\brows ×")
MISSING_WORD = re.compile(r"(?<![A-Za-z])(NaN|nan|None|NaT|<NA>)(?![A-Za-z])")
COMPOSITE = re.compile(r"composite", re.I)
ABS_PATH = re.compile(r"(?:^|[^\w.])(/work/|/tmp/|/home/|/root/|/Users/|/var/folders/)|(?<![A-Za-z])[A-Za-z]:\\\\?[^\s\\]")
POINT_ZERO = re.compile(r"^-?\d[\d,]*\.0$")
ELLIPSIS = ("…", "...")
CODES = {f"L{i}" for i in range(1, 9)} | {f"Y{i}" for i in range(1, 8)} | {"composite"}


# --------------------------------------------------------------------------------------- readers
class _Html(HTMLParser):
    """Text (outside style/script) and tables (rows of cell texts; the header row first) of an HTML page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self.attrs: list[str] = []
        self.tables: list[list[list[str]]] = []
        self._skip = 0
        self._cell: list[str] | None = None
        self._stack: list[list[list[str]]] = []

    def handle_starttag(self, tag, attrs):
        for k, v in attrs:
            if v and k in ("href", "src", "title", "alt") and not v.startswith("data:"):
                self.attrs.append(v)
        if tag in ("style", "script"):
            self._skip += 1
        elif tag == "table":
            self._stack.append([])
        elif tag == "tr" and self._stack:
            self._stack[-1].append([])
        elif tag in ("td", "th") and self._stack:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("style", "script"):
            self._skip = max(0, self._skip - 1)
        elif tag in ("td", "th") and self._cell is not None and self._stack:
            if not self._stack[-1]:
                self._stack[-1].append([])
            self._stack[-1][-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "table" and self._stack:
            self.tables.append(self._stack.pop())

    def handle_data(self, data):
        if self._skip:
            return
        self.texts.append(data)
        if self._cell is not None:
            self._cell.append(data)


def html_units(text: str) -> tuple[list[str], list[list[list[str]]]]:
    p = _Html()
    p.feed(text)
    p.close()
    return ["".join(p.texts)] + p.attrs, p.tables


W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def docx_units(path: Path) -> tuple[list[str], list[list[list[str]]]]:
    texts, tables = [], []
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if not name.endswith(".xml") and not name.endswith(".rels"):
                continue
            raw = z.read(name).decode("utf-8", "replace")
            texts.append(raw if name.endswith(".rels") else "")  # relationship targets: paths of linked files
            root = ET.fromstring(raw)
            texts.extend(t for t in ("".join(x.text or "" for x in p.iter(f"{W}t")) for p in root.iter(f"{W}p")) if t)
            if not name.startswith("word/"):
                texts.extend(e.text for e in root.iter() if e.text and e.text.strip())
            for tbl in root.iter(f"{W}tbl"):
                rows = []
                for tr in tbl.iter(f"{W}tr"):
                    rows.append(["".join(t.text or "" for t in tc.iter(f"{W}t")).strip() for tc in tr.iter(f"{W}tc")])
                tables.append(rows)
    return texts, tables


HEAD_FILL = "DDEBF7"   # the table model's header cells (tables.xlsx_formats "head")


def count_headers(paths) -> set[str]:
    """Headers of the count columns of the table model, found in the workbooks it wrote: a header cell
    (the model's header fill) whose column holds numbers, every one of them written with the count
    format (``Column(kind="int").excel_format()``) and whole, in every table where the header appears.
    (A float column of 0 decimals shares the format but not whole values; a column mixing units has
    other formats in some rows: neither is a count.)"""
    import openpyxl
    verdict: dict[str, bool] = {}
    for path in paths:
        wb = openpyxl.load_workbook(path)
        for ws in wb.worksheets:
            cells = {(c.row, c.column): c for row in ws.iter_rows() for c in row}
            for (r, col), h in cells.items():
                rgb = str(getattr(h.fill.fgColor, "rgb", "") or "")
                if not (isinstance(h.value, str) and rgb.upper().endswith(HEAD_FILL)):
                    continue
                nums, k = [], r + 1
                while (c := cells.get((k, col))) is not None and c.value is not None:
                    rgbk = str(getattr(c.fill.fgColor, "rgb", "") or "")
                    if rgbk.upper().endswith(HEAD_FILL):
                        break
                    if isinstance(c.value, (int, float)) and not isinstance(c.value, bool):
                        nums.append(c.number_format == COUNT_FORMAT and float(c.value).is_integer())
                    k += 1
                if nums:
                    key = h.value.strip()
                    verdict[key] = verdict.get(key, True) and all(nums)
    return {h for h, ok in verdict.items() if ok}


# --------------------------------------------------------------------------------------- checks
def text_findings(where: str, text: str, *, words: bool = True) -> list[str]:
    out = []
    if words:
        if ROWS_X.search(text):
            out.append(f"{where}: “rows ×” in {_around(text, ROWS_X)}")
        if MISSING_WORD.search(text):
            out.append(f"{where}: a missing value shown as a word in {_around(text, MISSING_WORD)}")
        if COMPOSITE.search(text):
            out.append(f"{where}: “composite” in {_around(text, COMPOSITE)}")
    if ABS_PATH.search(text):
        out.append(f"{where}: an absolute path in {_around(text, ABS_PATH)}")
    return out


def cell_findings(where: str, cell: str, counting: bool) -> list[str]:
    out = []
    s = str(cell).strip()
    if s and (s in ELLIPSIS or s.endswith(ELLIPSIS)):
        out.append(f"{where}: a truncated cell {s!r}")
    if POINT_ZERO.match(s) and counting:
        out.append(f"{where}: a count shown with .0: {s!r}")
    return out


def table_findings(where: str, tables, counts: set[str]) -> list[str]:
    out = []
    for k, rows in enumerate(tables):
        if not rows:
            continue
        header = rows[0]
        for i, r in enumerate(rows):
            for j, cell in enumerate(r):
                counting = i > 0 and j < len(header) and header[j] in counts
                out += cell_findings(f"{where} table {k + 1} row {i + 1}", cell, counting)
    return out


def _around(text: str, rx: re.Pattern) -> str:
    m = rx.search(text)
    return repr(text[max(0, m.start() - 40):m.end() + 40])


def scan_file(path: Path, counts: set[str]) -> list[str]:
    name = path.name
    suffix = path.suffix
    found: list[str] = []
    if suffix == ".html":
        texts, tables = html_units(path.read_text(encoding="utf-8"))
        for t in texts:
            found += text_findings(name, t)
        found += table_findings(name, tables, counts)
    elif suffix == ".docx":
        texts, tables = docx_units(path)
        for t in texts:
            found += text_findings(name, t)
        found += table_findings(name, tables, counts)
    elif suffix == ".xlsx":
        import openpyxl
        wb = openpyxl.load_workbook(path)
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for c in row:
                    v = c.value
                    if v is None:
                        continue
                    where = f"{name} {ws.title}!{c.coordinate}"
                    if isinstance(v, str):
                        found += text_findings(where, v)
                        found += cell_findings(where, v, counting=True)   # a number as text with .0
                    elif isinstance(v, float) and v != v:
                        found.append(f"{where}: a NaN number")
        for k in ("title", "subject", "creator", "description", "keywords", "lastModifiedBy"):
            v = getattr(wb.properties, k, None)
            if v:
                found += text_findings(f"{name} properties.{k}", str(v))
    elif suffix == ".ipynb":
        nb = json.loads(path.read_text(encoding="utf-8"))
        for n, cell in enumerate(nb.get("cells", []), 1):
            for out in cell.get("outputs", []):
                where = f"{name} cell {n}"
                if "text" in out:
                    found += text_findings(where, "".join(out["text"]))
                for mime, data in out.get("data", {}).items():
                    data = "".join(data) if isinstance(data, list) else data
                    if mime == "text/html":
                        texts, tables = html_units(data)
                        for t in texts:
                            found += text_findings(where, t)
                        found += table_findings(where, tables, counts)
                    elif mime.startswith("text/"):
                        found += text_findings(where, data)
        # the notebook file itself (metadata, injected parameters) never holds a path of this machine
        light = dict(nb, cells=[{k: v for k, v in c.items() if k != "outputs"} for c in nb.get("cells", [])])
        found += text_findings(f"{name} (notebook source and metadata)", json.dumps(light, ensure_ascii=False),
                               words=False)
    elif suffix == ".json":
        raw = path.read_text(encoding="utf-8")
        found += text_findings(name, raw, words=False)
        if re.search(r"(?<![\w\"])(NaN|-?Infinity)(?![\w\"])", raw):
            found.append(f"{name}: NaN/Infinity in JSON")

        def walk(v, at):
            if isinstance(v, dict):
                for k, x in v.items():
                    walk(x, f"{at}.{k}")
            elif isinstance(v, list):
                for i, x in enumerate(v):
                    walk(x, f"{at}[{i}]")
            elif isinstance(v, str) and v not in CODES:   # an indicator code is an identifier here
                found.extend(text_findings(f"{name} {at}", v))
        walk(json.loads(raw), "")
    return found


def outputs_of(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and not any(part.startswith(".") for part in
                                                                           p.relative_to(folder).parts)
                  and p.suffix in (".html", ".docx", ".xlsx", ".ipynb", ".json")
                  and not p.name.endswith(".failed.ipynb"))   # kept for diagnosis, not handed over


def scan(folder: Path) -> list[str]:
    files = outputs_of(folder)
    counts = count_headers([p for p in files if p.suffix == ".xlsx"])
    found = []
    for p in files:
        found += scan_file(p, counts)
    return found


# --------------------------------------------------------------------------------------- tests
@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> Path:
    given = os.environ.get(SCAN_ENV)
    if given:
        return Path(given)
    from junheng_lib.run import runner as batch
    out = tmp_path_factory.mktemp("city")
    assert batch.run_reports(None, out=str(out), workers=2, progress=False) == 0
    return out


def test_every_output_is_clean(reports):
    files = outputs_of(reports)
    kinds = {p.suffix for p in files}
    assert {".html", ".docx", ".xlsx", ".ipynb", ".json"} <= kinds, kinds
    assert any(p.name.startswith("全市汇总") for p in files), "the roll-up's outputs are scanned too"
    found = scan(reports)
    assert not found, f"{len(found)} findings:\n" + "\n".join(found[:60])


PLANTED = {
    "rows ×": "<p>65 rows × 11 columns</p>",
    "truncated cell": "<table><tr><th>学校</th></tr><tr><td>白石第一…</td></tr></table>",
    "ellipsis cell": "<table><tr><th>学校</th></tr><tr><td>...</td></tr></table>",
    "NaN": "<table><tr><th>平均值</th></tr><tr><td>NaN</td></tr></table>",
    "None": "<p>达标学校None所</p>",
    "nan word": "<p>均值 nan 册</p>",
    "composite": "<p>初中composite（0.531）</p>",
    "count .0": "<table><tr><th>在校生数(人)</th></tr><tr><td>2,000.0</td></tr></table>",
    "path": "<p>数据来源：/work/main/data/sample</p>",
    "tmp path": "<p>见 /tmp/x/白石县.xlsx</p>",
    "drive": "<p>数据来源：C:\\数据\\schools.csv</p>",
}


@pytest.mark.parametrize("kind", sorted(PLANTED))
def test_scanner_finds_each_planted_pattern(tmp_path, kind):
    """The scan can fail: each pattern planted in an otherwise clean page is found (HTML, and the
    same text in a workbook cell, a Word paragraph and a notebook output)."""
    clean = "<html><body><table><tr><th>在校生数(人)</th><th>平均值</th></tr><tr><td>2,000</td><td>4.0</td></tr>" \
            "</table><p>小学综合差异系数0.769。</p></body></html>"
    counts = {"在校生数(人)"}
    page = tmp_path / "a.html"
    page.write_text(clean, encoding="utf-8")
    assert scan_file(page, counts) == []
    page.write_text(clean.replace("</body>", PLANTED[kind] + "</body>"), encoding="utf-8")
    assert scan_file(page, counts), kind
    # the same text in the notebook output and the JSON value
    nb = tmp_path / "a.ipynb"
    nb.write_text(json.dumps({"cells": [{"cell_type": "code", "source": "", "outputs": [
        {"output_type": "display_data", "data": {"text/html": PLANTED[kind]}}]}], "metadata": {}}), encoding="utf-8")
    assert scan_file(nb, counts), kind


def test_scanner_reads_xlsx_and_docx(tmp_path):
    import docx
    import xlsxwriter
    book = xlsxwriter.Workbook(str(tmp_path / "a.xlsx"))
    ws = book.add_worksheet("表")
    fmt = book.add_format({"num_format": COUNT_FORMAT})
    head = book.add_format({"bg_color": "#" + HEAD_FILL})
    ws.write_string(0, 0, "在校生数(人)", head)
    ws.write_number(1, 0, 2000, fmt)
    ws.write_string(2, 0, "25.0")           # a count stored as text with .0
    ws.write_string(3, 0, "nan")
    ws.write_string(0, 1, "平均值(元)", head)   # the count format, but not whole: a float of 0 decimals
    ws.write_number(1, 1, 952.89, fmt)
    ws.write_string(0, 2, "差额", head)         # mixed formats (人 and ㎡ rows): not a count column
    ws.write_number(1, 2, 3, fmt)
    ws.write_number(2, 2, 7085.0, book.add_format({"num_format": "#,##0.0"}))
    book.close()
    counts = count_headers([tmp_path / "a.xlsx"])
    assert counts == {"在校生数(人)"}
    found = scan_file(tmp_path / "a.xlsx", counts)
    assert any("25.0" in f for f in found) and any("word" in f for f in found)
    d = docx.Document()
    d.add_paragraph("数据来源：/home/user/data")
    t = d.add_table(rows=2, cols=1)
    t.cell(0, 0).text = "在校生数(人)"
    t.cell(1, 0).text = "26,319.0"
    d.save(str(tmp_path / "a.docx"))
    found = scan_file(tmp_path / "a.docx", counts)
    assert any("absolute path" in f for f in found) and any("26,319.0" in f for f in found)


def test_executed_notebook_keeps_no_machine_path(tmp_path):
    """batch.relative_paths: the folders papermill injected become relative to the report folder."""
    import nbformat

    from junheng_lib.run import runner as batch
    out = tmp_path / "reports" / "2024"
    stage = out / ".run-x"
    stage.mkdir(parents=True)
    data = tmp_path / "数据"
    params = {"data_dir": str(data), "year": 2024, "output_dir": str(stage), "county": "白石县"}
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "# Parameters\n" + "".join(f"{k} = {json.dumps(v)}\n" for k, v in params.items()),
        metadata={"tags": ["injected-parameters"]})])
    nb.metadata["papermill"] = {"input_path": "/work/x/notebooks/county_report.ipynb",
                                "output_path": str(stage / "白石县.ipynb"), "parameters": params}
    path = stage / "白石县.ipynb"
    nbformat.write(nb, str(path))
    batch.relative_paths(path, params, out, "county_report.ipynb", "白石县")
    text = path.read_text(encoding="utf-8")
    assert not ABS_PATH.search(text), text
    got = nbformat.read(str(path), as_version=4)
    assert got.metadata["papermill"]["parameters"]["data_dir"] == "../../数据"
    assert 'output_dir = "."' in got.cells[0].source
    assert got.metadata["papermill"]["input_path"] == "county_report.ipynb"
