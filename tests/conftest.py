"""Shared helpers: small school tables written the way a county exports them."""
from __future__ import annotations

import csv
from pathlib import Path

import pytest

#: a complete, valid 小学 row; tests override what they need
BASE = dict(year=2023, county="甲县", school_id="S1", school_name="一小", school_type="小学", location="乡村",
            ownership="公办", affiliation="县属", students_primary=100, students_junior=0,
            teachers_primary=6, teachers_junior=0, above_degree_primary=5, above_degree_junior=0,
            mid_title_primary=3, mid_title_junior=0, backbone_primary=1, backbone_junior=0,
            pe_art_primary=1, pe_art_junior=0, teaching_area_m2=600, indoor_sports_area_m2=0,
            outdoor_sports_area_m2=800, equipment_value_yuan=200000, computers=10, books=400,
            multimedia_rooms=3)


def row(**kw) -> dict:
    r = dict(BASE)
    r.update(kw)
    return r


def compliant(**kw) -> dict:
    """A 小学 of 100 students meeting every Y1–Y7 standard exactly or above: Y1 5.0 ≥ 4.2, Y2 1.0 = 1.0,
    Y3 1.0 ≥ 0.9, Y4 4.5 = 4.5, Y5 7.5 = 7.5, Y6 2 000 = 2 000, Y7 3.0 ≥ 2.3."""
    base = dict(students_primary=100, above_degree_primary=5, backbone_primary=1, pe_art_primary=1,
                teaching_area_m2=450, indoor_sports_area_m2=0, outdoor_sports_area_m2=750,
                equipment_value_yuan=200000, multimedia_rooms=3)
    base.update(kw)
    return row(**base)


def write_csv(path: Path, rows: list[dict], encoding: str = "utf-8", header: dict | None = None) -> Path:
    """Write rows (dicts) as CSV; ``header`` renames columns (e.g. to Chinese)."""
    cols = list(dict.fromkeys(k for r in rows for k in r))
    with open(path, "w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh)
        w.writerow([(header or {}).get(c, c) for c in cols])
        for r in rows:
            w.writerow([r.get(c, "") for c in cols])
    return path


@pytest.fixture
def table(tmp_path):
    """Factory: table([row(...), ...]) → validated schools DataFrame."""
    from junheng_lib.data.io import read_schools

    def make(rows, name="schools.csv"):
        return read_schools(write_csv(tmp_path / name, rows))
    return make


def small_city(folder: Path, counties: dict[str, int], year: int = 2024) -> Path:
    """A data folder whose schools.csv holds, per county, two 小学 with ``students`` pupils each."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = [row(year=year, county=c, school_id=f"S{k}{i}", school_name=f"第{i}小学", students_primary=n)
            for k, (c, n) in enumerate(counties.items()) for i in range(2)]
    return write_csv(folder / "schools.csv", rows).parent


@pytest.fixture
def fake_notebooks():
    """A fast stand-in for notebook execution, passed to the runner as ``execute=fake.execute`` (the
    runner's public seam: ``run_reports(..., execute=…)``), that
    writes what the real notebooks write: the executed notebook, and into ``output_dir`` the side files
    named by the notebook's own rule (``safe_name(county)``), whose content records the county and its
    pupils in the data (the roll-up's ``全市汇总.xlsx`` records the results it found). Returns a
    namespace: ``execute``, the stand-in; ``calls``, the executed (template, county) pairs; ``fail``,
    counties that fail instead (leaving an executed notebook, like papermill)."""
    import json
    from types import SimpleNamespace

    import nbformat

    from junheng_lib.data.dataset import Dataset, load
    from junheng_lib.data.results import current_results
    from junheng_lib.rules.options import Options
    from junheng_lib.run.tasks import ROLLUP
    from junheng_lib.util.names import safe_name

    fake = SimpleNamespace(calls=[], fail=set())

    def execute(task, tmp_nb, params):
        fake.calls.append((task.template, task.county))
        if task.county in fake.fail:  # like papermill: the notebook so far, then the error
            nbformat.write(nbformat.v4.new_notebook(), str(tmp_nb))
            raise RuntimeError(f"forced failure of {task.county}")
        out = Path(params["output_dir"])
        if task.template == ROLLUP:
            # the roll-up's unit (``rollup``: <市名>汇总 …) reads the results of its slice's counties
            found = current_results(params["results_dir"], params["year"])
            mine = set(Dataset.read_slice(params["data_slice"]).schools["county"]) if params.get("data_slice") else None
            text = json.dumps({c: json.loads(p.read_text(encoding="utf-8")) for c, p in sorted(found.items())
                               if mine is None or c in mine}, ensure_ascii=False)
            (out / f"{params.get('rollup') or '全市汇总'}.xlsx").write_text(text, encoding="utf-8")
        else:
            # the county's slice the runner wrote for it (as the real notebook reads it)
            ds = Dataset.read_slice(params["data_slice"]) if params.get("data_slice") else load(params["data_dir"] or None)
            s = ds.schools
            s = s[(s["county"] == task.county) & (s["year"] == params["year"])]
            text = json.dumps({"county": task.county, "students": int(s["students_primary"].sum())},
                              ensure_ascii=False)
            stem = safe_name(task.county)
            for suffix in (".docx", ".xlsx"):
                (out / f"{stem}{suffix}").write_text(text, encoding="utf-8")
            # the results side file as the roll-up checks it: this year, these options, per-stage results
            res = {**json.loads(text), "year": params["year"], "options": Options.from_dict(params).to_dict(),
                   "stages": {}}
            (out / f"{stem}.results.json").write_text(json.dumps(res, ensure_ascii=False), encoding="utf-8")
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(text)])
        nbformat.write(nb, str(tmp_nb))

    fake.execute = execute
    return fake


#: the analysis tests (``python3 run.py test --fast``, ``pytest -m fast``): computation and reading, no
#: notebook, kernel or whole report — under a minute on two cores
FAST_TESTS = {"test_layout", "test_measures", "test_working_records", "test_evaluate", "test_items", "test_plans", "test_io",
              "test_strict_input", "test_typed_read", "test_screening", "test_projection", "test_narrative",
              "test_table_layout", "test_xlsx_layout", "test_records", "test_ledger_years"}
#: the package layers whose doctests are fast
FAST_DOCTESTS = ("util", "rules", "data", "analysis")


def pytest_configure(config):
    config.addinivalue_line("markers", "fast: an analysis test of the fast subset (python3 run.py test --fast)")


def pytest_collection_modifyitems(config, items):
    for item in items:
        path = Path(str(item.fspath))
        in_lib = "junheng_lib" in path.parts
        if (not in_lib and path.stem in FAST_TESTS and path.suffix == ".py") or (
                in_lib and path.suffix == ".py" and path.parts[path.parts.index("junheng_lib") + 1] in FAST_DOCTESTS):
            item.add_marker(pytest.mark.fast)
